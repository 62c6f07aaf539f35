-- Emails: a request that came by email is kept as received, byte for byte
-- (152-FZ art. 14 part 3: the request itself is the evidence of what the
-- subject asked and when), with what was read of it; a request links to the
-- email it was registered from.
-- +goose Up
CREATE TABLE emails (
    id             TEXT PRIMARY KEY,
    -- The SHA-256 of the raw message: the same bytes are stored once.
    sha256         text NOT NULL UNIQUE,
    -- The Message-ID without angle brackets, '' when the message has none,
    -- and the SHA-256 of its body (after the header, line ends made LF,
    -- trailing white space dropped). The same message fetched twice
    -- differs in its Received headers, not in these: it is stored once.
    -- Unique on both, not on the Message-ID alone: a mailer that reuses a
    -- Message-ID for another message must not make that message lost.
    message_id     text NOT NULL DEFAULT '',
    body_sha256    text NOT NULL,
    size           INTEGER NOT NULL CHECK (size > 0),
    raw            BLOB NOT NULL,
    -- What was read: the sender (NULL when none could be read), the Date
    -- header as an instant and its own UTC offset in seconds (NULL when
    -- none), the subject, the readable text, the suggested request type,
    -- the attachments (a JSON array of {filename, content_type, size}) and
    -- what could not be read (a JSON array of strings).
    from_name      text,
    from_email     text,
    date_at        DATETIME,
    date_offset    integer,
    subject        text NOT NULL DEFAULT '',
    text           text NOT NULL DEFAULT '',
    suggested_type text,
    attachments    TEXT NOT NULL DEFAULT '[]',
    warnings       TEXT NOT NULL DEFAULT '[]',
    stored_at      DATETIME NOT NULL,
    stored_by      text NOT NULL
);
CREATE UNIQUE INDEX emails_message ON emails (message_id, body_sha256) WHERE message_id <> '';

-- Who sent an email in (an intake token reads back only those it sent),
-- the first time each.
CREATE TABLE email_receipts (
    email_id    TEXT NOT NULL REFERENCES emails (id),
    actor_id    text NOT NULL,
    received_at DATETIME NOT NULL,
    PRIMARY KEY (email_id, actor_id)
);

ALTER TABLE requests ADD COLUMN email_id TEXT REFERENCES emails (id);
CREATE INDEX requests_email_id ON requests (email_id) WHERE email_id IS NOT NULL;

-- +goose Down
DROP INDEX requests_email_id;
ALTER TABLE requests DROP COLUMN email_id;
DROP TABLE email_receipts;
DROP TABLE emails;
