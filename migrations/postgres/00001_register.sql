-- The request register: requests, their obligations, their timeline.
-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- One registration counter per year: 2026-000001, 2026-000002, ...
CREATE TABLE registration_counters (
    year integer PRIMARY KEY,
    last integer NOT NULL CHECK (last > 0)
);

CREATE TABLE requests (
    id                        uuid PRIMARY KEY,
    number                    text NOT NULL UNIQUE,
    type                      text NOT NULL CHECK (type IN ('access', 'rectification', 'erasure', 'withdrawal', 'stop',
                                  'unlawful', 'purpose', 'incident', 'authority', 'dissemination', 'automated')),
    channel                   text NOT NULL CHECK (channel IN ('email', 'post', 'in_person', 'web_form', 'phone', 'authority', 'other')),
    answer_form               text NOT NULL CHECK (answer_form IN ('email', 'post', 'in_person', 'web_form', 'phone', 'authority', 'other')),
    received_at               timestamptz NOT NULL,
    time_zone                 text NOT NULL,
    evidence_received_at      timestamptz,
    subject_name              text NOT NULL DEFAULT '',
    subject_email             text NOT NULL DEFAULT '',
    subject_email_lower       text NOT NULL DEFAULT '',
    subject_phone             text NOT NULL DEFAULT '',
    subject_phone_norm        text NOT NULL DEFAULT '',
    subject_postal_address    text NOT NULL DEFAULT '',
    representative_name       text,
    representative_authority  text,
    identity_document_number  text NOT NULL DEFAULT '',
    identity_document_date    date,
    identity_document_issuer  text NOT NULL DEFAULT '',
    identity_relation         text NOT NULL DEFAULT '',
    identity_verified         boolean NOT NULL DEFAULT false,
    summary                   text NOT NULL DEFAULT '',
    assignee                  text NOT NULL DEFAULT '',
    status                    text NOT NULL CHECK (status IN ('new', 'in_progress', 'answered', 'refused', 'closed', 'cancelled')),
    extension_notice_sent_at  timestamptz,
    extension_reasons         text,
    extension_channel         text,
    answer_outcome            text CHECK (answer_outcome IN ('fulfilled', 'partially_fulfilled', 'refused')),
    answer_date               date,
    answer_number             text,
    answer_text               text,
    answer_reference          text,
    repeat_of                 uuid REFERENCES requests (id),
    repeat_of_number          text,
    cancel_reason             text CHECK (cancel_reason IN ('duplicate', 'withdrawn', 'logged_in_error')),
    cancel_note               text,
    closed_at                 timestamptz,
    -- The end of the earliest open term; 9999-12-31 when none is open, so
    -- that it sorts last and keyset pagination needs no NULL handling.
    next_due_at               timestamptz NOT NULL,
    -- Lower-cased number, subject name and email, for q.
    search                    text NOT NULL,
    version                   integer NOT NULL CHECK (version > 0),
    created_at                timestamptz NOT NULL,
    created_by                text NOT NULL,
    updated_at                timestamptz NOT NULL,
    updated_by                text NOT NULL
);

-- The dashboard, overdue=true and due_before/due_after: a range on next_due_at;
-- assignee and type are included so that the dashboard counts from the index alone.
CREATE INDEX requests_next_due ON requests (next_due_at, id) INCLUDE (assignee, type);
CREATE INDEX requests_received ON requests (received_at, id);
CREATE INDEX requests_updated ON requests (updated_at, id);
CREATE INDEX requests_status_received ON requests (status, received_at, id);
CREATE INDEX requests_type_received ON requests (type, received_at, id);
CREATE INDEX requests_assignee_due ON requests (assignee, next_due_at, id);
-- Repeated access requests (152-FZ art. 14 part 4) find the same subject.
CREATE INDEX requests_email ON requests (subject_email_lower, received_at) WHERE subject_email_lower <> '';
CREATE INDEX requests_phone ON requests (subject_phone_norm, received_at) WHERE subject_phone_norm <> '';
CREATE INDEX requests_search ON requests USING gin (search gin_trgm_ops);

CREATE TABLE obligations (
    request_id        uuid NOT NULL REFERENCES requests (id),
    obligation_id     text NOT NULL,
    basis             text NOT NULL,
    trigger_at        timestamptz NOT NULL,
    due_date          date NOT NULL,
    target_date       date NOT NULL,
    due_at            timestamptz NOT NULL,
    extended_due_date date,
    extended_due_at   timestamptz,
    extended          boolean NOT NULL DEFAULT false,
    effective_due_at  timestamptz NOT NULL,
    provisional       boolean NOT NULL DEFAULT false,
    status            text NOT NULL CHECK (status IN ('open', 'done', 'not_applicable')),
    done_at           timestamptz,
    done_by           text,
    PRIMARY KEY (request_id, obligation_id)
);

-- Open obligations due before X, ordered by due (reminders).
CREATE INDEX obligations_open_due ON obligations (effective_due_at) WHERE status = 'open';

-- The timeline: append-only.
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES requests (id),
    at         timestamptz NOT NULL,
    actor_id   text NOT NULL,
    actor_name text NOT NULL,
    kind       text NOT NULL,
    before     jsonb,
    after      jsonb,
    note       text NOT NULL DEFAULT ''
);
CREATE INDEX events_request ON events (request_id, id);

-- +goose StatementBegin
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the timeline is append-only: events cannot be changed or deleted';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();

-- Idempotency-Key of POST /api/v1/requests, per client.
CREATE TABLE idempotency_keys (
    actor_id   text NOT NULL,
    key        text NOT NULL,
    body_hash  text NOT NULL,
    request_id uuid REFERENCES requests (id),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (actor_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TRIGGER events_append_only ON events;
DROP FUNCTION events_append_only();
DROP TABLE events;
DROP TABLE obligations;
DROP TABLE requests;
DROP TABLE registration_counters;
