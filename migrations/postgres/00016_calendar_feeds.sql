-- Calendar feeds: each user may subscribe their calendar app to the terms
-- of the requests they answer for (/feeds/{token}.ics). The token in the
-- address is the credential, so only its SHA-256 is kept, as for API
-- tokens; one feed per user, replaced by a new one, gone when revoked.
-- +goose Up
CREATE TABLE calendar_feeds (
    user_id      uuid PRIMARY KEY REFERENCES users (id),
    -- SHA-256 of the secret, hex: the secret itself is never stored.
    hash         text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    -- When a calendar app last read the feed, to the minute at most.
    last_read_at timestamptz
);

-- +goose Down
DROP TABLE calendar_feeds;
