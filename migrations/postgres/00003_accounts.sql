-- Accounts: the people who work in the register, their API tokens, the
-- one-time token of the first run, and the browser sessions. Access to the
-- register is by account only, each change recorded with its actor
-- (152-FZ art. 19 part 2: access rules and records of access).
-- +goose Up
CREATE TABLE users (
    id            uuid PRIMARY KEY,
    -- The address as typed, and lower-cased: addresses differ in case only
    -- by accident, so one person cannot hold two accounts that way.
    email         text NOT NULL,
    email_lower   text NOT NULL UNIQUE,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'officer', 'operator', 'viewer')),
    active        boolean NOT NULL DEFAULT true,
    -- argon2id in PHC form: $argon2id$v=19$m=...,t=...,p=...$salt$hash
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id),
    name         text NOT NULL,
    -- '' is the user's whole role; 'intake' may only register requests.
    scope        text NOT NULL CHECK (scope IN ('', 'intake')),
    -- SHA-256 of the secret, hex: the secret itself is never stored.
    hash         text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The token that lets the first administrator be created; hashed too.
CREATE TABLE setup_tokens (
    hash       text PRIMARY KEY,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);

-- Browser sessions, in the form github.com/alexedwards/scs/postgresstore reads.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BYTEA NOT NULL,
    expiry TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
DROP TABLE setup_tokens;
DROP TABLE api_tokens;
DROP TABLE users;
