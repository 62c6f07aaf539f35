-- The audit trail (журнал действий): who did what, when, from where, with
-- what outcome, and every read of a request's personal data (152-FZ art. 19
-- part 2: recording the actions done with personal data). Append-only, as
-- the timeline is: triggers refuse UPDATE and DELETE (SQLite has no
-- TRUNCATE: a DELETE without WHERE fires the DELETE trigger too).
-- +goose Up
CREATE TABLE audit_entries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         DATETIME NOT NULL,
    actor_id   text NOT NULL DEFAULT '',
    actor_name text NOT NULL DEFAULT '',
    -- Not references: a failed sign-in may name no user, and the trail
    -- must outlive whatever it names.
    user_id    text NOT NULL DEFAULT '',
    token_id   text NOT NULL DEFAULT '',
    ip         text NOT NULL DEFAULT '',
    user_agent text NOT NULL DEFAULT '',
    action     text NOT NULL,
    -- The request acted on, '' when none.
    request_id text NOT NULL DEFAULT '',
    -- The names of the fields changed (a JSON array), never their values.
    fields     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(fields) AND json_type(fields) = 'array'),
    -- The requests a list page, the dashboard or an export showed (a JSON
    -- array of ids, in the order shown): one row a read, however many it
    -- showed, so that recording every read stays cheap. "Who saw request
    -- X" reads them with json_each (SQLite cannot index the elements of an
    -- array; PostgreSQL has a GIN index).
    request_ids TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(request_ids) AND json_type(request_ids) = 'array'),
    outcome    text NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    detail     text NOT NULL DEFAULT ''
);
-- Newest first, and the same per user and per request; id breaks ties
-- between equal times for keyset pagination. (No index per action: every
-- create and read writes an entry, and a filter by action alone walks the
-- time index newest first, fast enough for the rare question.)
CREATE INDEX audit_entries_at ON audit_entries (at, id);
CREATE INDEX audit_entries_user ON audit_entries (user_id, at, id);
CREATE INDEX audit_entries_request ON audit_entries (request_id, at, id);

-- +goose StatementBegin
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: its entries cannot be changed or deleted');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: its entries cannot be changed or deleted');
END;
-- +goose StatementEnd
-- INSERT OR REPLACE deletes the row it replaces without firing the DELETE
-- trigger (unless recursive_triggers is on): refuse an insert onto a
-- stored key instead.
-- +goose StatementBegin
CREATE TRIGGER audit_entries_no_replace BEFORE INSERT ON audit_entries
WHEN EXISTS (SELECT 1 FROM audit_entries WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: its entries cannot be changed or deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_entries_no_replace;
DROP TRIGGER audit_entries_no_delete;
DROP TRIGGER audit_entries_no_update;
DROP TABLE audit_entries;
