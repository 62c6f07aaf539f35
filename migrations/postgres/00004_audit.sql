-- The audit trail (журнал действий): who did what, when, from where, with
-- what outcome, and every read of a request's personal data (152-FZ art. 19
-- part 2: recording the actions done with personal data). Append-only, as
-- the timeline is: triggers refuse UPDATE, DELETE and TRUNCATE.
-- +goose Up
CREATE TABLE audit_entries (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
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
    fields     jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(fields) = 'array'),
    -- The requests a list page, the dashboard or an export showed (a JSON
    -- array of ids, in the order shown): one row a read, however many it
    -- showed, so that recording every read stays cheap; "who saw request X"
    -- is a GIN index lookup.
    request_ids jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(request_ids) = 'array'),
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
CREATE INDEX audit_entries_request_ids ON audit_entries USING gin (request_ids jsonb_path_ops);

-- +goose StatementBegin
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: its entries cannot be changed or deleted';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
-- TRUNCATE fires no row trigger: a statement trigger refuses it.
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- +goose Down
DROP TRIGGER audit_entries_no_truncate ON audit_entries;
DROP TRIGGER audit_entries_append_only ON audit_entries;
DROP FUNCTION audit_append_only();
DROP TABLE audit_entries;
