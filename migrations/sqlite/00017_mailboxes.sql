-- Mailboxes: the operator's published addresses (privacy@…) that Srok
-- fetches over IMAP by itself. A mailbox configured by the environment
-- keeps its credentials in memory only: none are stored here. Its id is
-- derived from its URL without the password, so every instance agrees on
-- it. One instance at a time fetches a mailbox: the one holding its lease
-- (lease_holder until lease_until), taken over once the lease has run out
-- (its holder died). uid_validity and last_uid are where fetching goes on
-- from; a new UIDVALIDITY starts the folder over, and the emails' own
-- deduplication (same bytes, or same Message-ID and body) keeps what was
-- fetched before from being stored twice.
-- +goose Up
CREATE TABLE mailboxes (
    id            TEXT PRIMARY KEY,
    source        text NOT NULL DEFAULT 'env',
    address       text NOT NULL,
    host          text NOT NULL,
    port          integer NOT NULL,
    tls           text NOT NULL,
    folder        text NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    uid_validity  INTEGER NOT NULL DEFAULT 0,
    last_uid      INTEGER NOT NULL DEFAULT 0,
    state         text NOT NULL DEFAULT 'new',
    error_code    text NOT NULL DEFAULT '',
    error_detail  text NOT NULL DEFAULT '',
    error_at      DATETIME,
    last_fetch_at DATETIME,
    lease_holder  text,
    lease_until   DATETIME,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

-- When the operator's mail server received the message (IMAP INTERNALDATE),
-- beside the Date header the sender wrote, and the mailbox it came from.
ALTER TABLE emails ADD COLUMN received_at DATETIME;
ALTER TABLE emails ADD COLUMN mailbox_id TEXT REFERENCES mailboxes (id);
CREATE INDEX emails_mailbox_id ON emails (mailbox_id) WHERE mailbox_id IS NOT NULL;

-- +goose Down
DROP INDEX emails_mailbox_id;
ALTER TABLE emails DROP COLUMN mailbox_id;
ALTER TABLE emails DROP COLUMN received_at;
DROP TABLE mailboxes;
