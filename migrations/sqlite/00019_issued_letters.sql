-- Issued letters (исходящие письма): a letter to a data subject given its
-- outgoing number (исх. №, ГОСТ Р 7.0.97-2016) and its date, its PDF and
-- DOCX kept exactly as issued, never rendered again. Issuing an answer, an
-- extension or a refusal performs that action on the request in the same
-- transaction (152-FZ art. 14 parts 3 and 8, art. 20 parts 1-2).
-- +goose Up
-- One counter per year, like registration_counters: the number is taken in
-- the issuing transaction, so a failed issue leaves no gap. (year, seq) is
-- unique; the number alone need not be, for a format without {year}.
CREATE TABLE outgoing_counters (
    year integer PRIMARY KEY,
    last integer NOT NULL
);

-- A letter sent by email is its own outbox row (email_status): sent once,
-- retried with backoff while the SMTP server answers 4xx or is away, failed
-- for good on 5xx. A letter on paper keeps the date it was posted and the
-- post's tracking number, recorded at issue or later.
CREATE TABLE issued_letters (
    id               TEXT PRIMARY KEY,
    request_id       TEXT NOT NULL REFERENCES requests (id),
    kind             text NOT NULL CHECK (kind IN ('answer', 'extension', 'refusal', 'details_request')),
    year             integer NOT NULL,
    seq              integer NOT NULL,
    number           text NOT NULL,
    issued_on        TEXT NOT NULL,
    issued_at        DATETIME NOT NULL,
    issued_by        text NOT NULL,
    issued_by_name   text NOT NULL DEFAULT '',
    template_version integer NOT NULL,
    options          text NOT NULL DEFAULT '{}',
    pdf              BLOB NOT NULL,
    docx             BLOB NOT NULL,
    pdf_sha256       text NOT NULL,
    docx_sha256      text NOT NULL,
    delivery         text NOT NULL CHECK (delivery IN ('email', 'paper')),
    recipient_email  text NOT NULL DEFAULT '',
    email_status     text CHECK (email_status IN ('pending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  DATETIME,
    locked_until     DATETIME,
    message_id       text,
    last_error       text,
    sent_at          DATETIME,
    posted_on        TEXT,
    tracking         text NOT NULL DEFAULT '',
    UNIQUE (year, seq),
    CONSTRAINT issued_letters_delivery CHECK ((delivery = 'email') = (email_status IS NOT NULL))
);
CREATE INDEX issued_letters_request ON issued_letters (request_id, issued_at);
CREATE INDEX issued_letters_pending ON issued_letters (next_attempt_at) WHERE email_status = 'pending';

-- An issued letter is a document of record: what it is and what it says never
-- change after issue, and it is never deleted; only its delivery (the outbox
-- state, the post) moves on.
-- +goose StatementBegin
CREATE TRIGGER issued_letters_kept BEFORE UPDATE OF id, request_id, kind, year, seq, number, issued_on, issued_at,
    issued_by, template_version, options, pdf, docx, delivery ON issued_letters
BEGIN
    SELECT RAISE(ABORT, 'an issued letter is kept as issued: only its delivery may change');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER issued_letters_not_deleted BEFORE DELETE ON issued_letters
BEGIN
    SELECT RAISE(ABORT, 'an issued letter is kept as issued: only its delivery may change');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER issued_letters_not_deleted;
DROP TRIGGER issued_letters_kept;
DROP INDEX issued_letters_pending;
DROP INDEX issued_letters_request;
DROP TABLE issued_letters;
DROP TABLE outgoing_counters;
