-- Accounts: the people who work in the register, their API tokens, the
-- one-time token of the first run, and the browser sessions. Access to the
-- register is by account only, each change recorded with its actor
-- (152-FZ art. 19 part 2: access rules and records of access).
-- +goose Up
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    -- The address as typed, and lower-cased: addresses differ in case only
    -- by accident, so one person cannot hold two accounts that way.
    email         text NOT NULL,
    email_lower   text NOT NULL UNIQUE,
    name          text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'officer', 'operator', 'viewer')),
    active        INTEGER NOT NULL DEFAULT 1,
    -- argon2id in PHC form: $argon2id$v=19$m=...,t=...,p=...$salt$hash
    password_hash text NOT NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         text NOT NULL,
    -- '' is the user's whole role; 'intake' may only register requests.
    scope        text NOT NULL CHECK (scope IN ('', 'intake')),
    -- SHA-256 of the secret, hex: the secret itself is never stored.
    hash         text NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    expires_at   DATETIME,
    revoked_at   DATETIME,
    last_used_at DATETIME
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- The token that lets the first administrator be created; hashed too.
CREATE TABLE setup_tokens (
    hash       text PRIMARY KEY,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME
);

-- Browser sessions, in the form github.com/alexedwards/scs/sqlite3store reads.
CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
DROP TABLE setup_tokens;
DROP TABLE api_tokens;
DROP TABLE users;
