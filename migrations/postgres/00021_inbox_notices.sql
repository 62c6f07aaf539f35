-- Inbox notices: on a working day on which incoming emails have waited for
-- a triage decision longer than one working day, each officer (with no
-- officer, each administrator) is told so by email, once that day, unless
-- their digest of the day already said it (status 'in_digest'). A term runs
-- from an email's receipt whether or not anyone has read it (152-FZ art. 14
-- part 3, art. 20). One row per recipient and local date, so that it is
-- sent once; an outbox like the acknowledgements': retried while the SMTP
-- server answers 4xx or is down, failed for good on 5xx; 'skipped' when
-- nothing waits any more, or the day has passed, by its time.
-- +goose Up
CREATE TABLE inbox_notices (
    user_id         uuid NOT NULL REFERENCES users (id),
    local_date      date NOT NULL,
    recipient_email text NOT NULL,
    status          text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'sent', 'failed', 'in_digest', 'skipped')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    locked_until    timestamptz,
    message_id      text,
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (user_id, local_date)
);
CREATE INDEX inbox_notices_pending ON inbox_notices (next_attempt_at) WHERE status = 'pending';

-- +goose Down
DROP INDEX inbox_notices_pending;
DROP TABLE inbox_notices;
