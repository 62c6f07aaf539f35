-- The request register: requests, their obligations, their timeline.
-- +goose Up
-- One registration counter per year: 2026-000001, 2026-000002, ...
CREATE TABLE registration_counters (
    year integer PRIMARY KEY,
    last integer NOT NULL CHECK (last > 0)
);

CREATE TABLE requests (
    id                        TEXT PRIMARY KEY,
    number                    text NOT NULL UNIQUE,
    type                      text NOT NULL CHECK (type IN ('access', 'rectification', 'erasure', 'withdrawal', 'stop',
                                  'unlawful', 'purpose', 'incident', 'authority', 'dissemination', 'automated')),
    channel                   text NOT NULL CHECK (channel IN ('email', 'post', 'in_person', 'web_form', 'phone', 'authority', 'other')),
    answer_form               text NOT NULL CHECK (answer_form IN ('email', 'post', 'in_person', 'web_form', 'phone', 'authority', 'other')),
    received_at               DATETIME NOT NULL,
    time_zone                 text NOT NULL,
    evidence_received_at      DATETIME,
    subject_name              text NOT NULL DEFAULT '',
    subject_email             text NOT NULL DEFAULT '',
    subject_email_lower       text NOT NULL DEFAULT '',
    subject_phone             text NOT NULL DEFAULT '',
    subject_phone_norm        text NOT NULL DEFAULT '',
    subject_postal_address    text NOT NULL DEFAULT '',
    representative_name       text,
    representative_authority  text,
    identity_document_number  text NOT NULL DEFAULT '',
    identity_document_date    TEXT,
    identity_document_issuer  text NOT NULL DEFAULT '',
    identity_relation         text NOT NULL DEFAULT '',
    identity_verified         INTEGER NOT NULL DEFAULT 0,
    summary                   text NOT NULL DEFAULT '',
    assignee                  text NOT NULL DEFAULT '',
    status                    text NOT NULL CHECK (status IN ('new', 'in_progress', 'answered', 'refused', 'closed', 'cancelled')),
    extension_notice_sent_at  DATETIME,
    extension_reasons         text,
    extension_channel         text,
    answer_outcome            text CHECK (answer_outcome IN ('fulfilled', 'partially_fulfilled', 'refused')),
    answer_date               TEXT,
    answer_number             text,
    answer_text               text,
    answer_reference          text,
    repeat_of                 TEXT REFERENCES requests (id),
    repeat_of_number          text,
    cancel_reason             text CHECK (cancel_reason IN ('duplicate', 'withdrawn', 'logged_in_error')),
    cancel_note               text,
    closed_at                 DATETIME,
    -- The end of the earliest open term; 9999-12-31 when none is open, so
    -- that it sorts last and keyset pagination needs no NULL handling.
    next_due_at               DATETIME NOT NULL,
    -- Lower-cased number, subject name and email, for q.
    search                    text NOT NULL,
    version                   integer NOT NULL CHECK (version > 0),
    created_at                DATETIME NOT NULL,
    created_by                text NOT NULL,
    updated_at                DATETIME NOT NULL,
    updated_by                text NOT NULL
);

-- The dashboard, overdue=true and due_before/due_after: a range on next_due_at;
-- assignee and type are in it so that the dashboard counts from the index alone.
CREATE INDEX requests_next_due ON requests (next_due_at, id, assignee, type);
CREATE INDEX requests_received ON requests (received_at, id);
CREATE INDEX requests_updated ON requests (updated_at, id);
CREATE INDEX requests_status_received ON requests (status, received_at, id);
CREATE INDEX requests_type_received ON requests (type, received_at, id);
CREATE INDEX requests_assignee_due ON requests (assignee, next_due_at, id);
-- Repeated access requests (152-FZ art. 14 part 4) find the same subject.
CREATE INDEX requests_email ON requests (subject_email_lower, received_at) WHERE subject_email_lower <> '';
CREATE INDEX requests_phone ON requests (subject_phone_norm, received_at) WHERE subject_phone_norm <> '';
-- q scans search with LIKE: SQLite has no trigram index; PostgreSQL has.

CREATE TABLE obligations (
    request_id        TEXT NOT NULL REFERENCES requests (id),
    obligation_id     text NOT NULL,
    basis             text NOT NULL,
    trigger_at        DATETIME NOT NULL,
    due_date          TEXT NOT NULL,
    target_date       TEXT NOT NULL,
    due_at            DATETIME NOT NULL,
    extended_due_date TEXT,
    extended_due_at   DATETIME,
    extended          INTEGER NOT NULL DEFAULT 0,
    effective_due_at  DATETIME NOT NULL,
    provisional       INTEGER NOT NULL DEFAULT 0,
    status            text NOT NULL CHECK (status IN ('open', 'done', 'not_applicable')),
    done_at           DATETIME,
    done_by           text,
    PRIMARY KEY (request_id, obligation_id)
);

-- Open obligations due before X, ordered by due (reminders).
CREATE INDEX obligations_open_due ON obligations (effective_due_at) WHERE status = 'open';

-- The timeline: append-only.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL REFERENCES requests (id),
    at         DATETIME NOT NULL,
    actor_id   text NOT NULL,
    actor_name text NOT NULL,
    kind       text NOT NULL,
    before     TEXT,
    after      TEXT,
    note       text NOT NULL DEFAULT ''
);
CREATE INDEX events_request ON events (request_id, id);

-- +goose StatementBegin
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the timeline is append-only: events cannot be changed or deleted');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the timeline is append-only: events cannot be changed or deleted');
END;
-- +goose StatementEnd

-- Idempotency-Key of POST /api/v1/requests, per client.
CREATE TABLE idempotency_keys (
    actor_id   text NOT NULL,
    key        text NOT NULL,
    body_hash  text NOT NULL,
    request_id TEXT REFERENCES requests (id),
    created_at DATETIME NOT NULL,
    PRIMARY KEY (actor_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TRIGGER events_no_delete;
DROP TRIGGER events_no_update;
DROP TABLE events;
DROP TABLE obligations;
DROP TABLE requests;
DROP TABLE registration_counters;
