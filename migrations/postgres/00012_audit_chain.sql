-- The audit trail made tamper-evident: each entry carries its place in a
-- chain (seq) and a SHA-256 hash over the previous entry's hash and its own
-- fields, so that an entry changed or removed behind Srok's back (by
-- whoever owns the table) shows when `srok audit verify` walks the chain.
-- The canonical encoding is pkg/audit's (Hash); audit_chain_hash below is
-- the same function in SQL, and the tests check that the two agree.
--
-- An entry is written unsealed (no seq, no hash) in its change's own
-- transaction, which so pays nothing for the chain; audit_chain_seal, run
-- by every `srok serve` about once a second and by `srok audit verify`
-- before it walks the chain, chains the unsealed entries in id order. It
-- locks the one-row head (audit_chain) until its transaction ends, so
-- concurrent sealers queue and never fork the chain, and it runs as the
-- table's owner (SECURITY DEFINER): the serving role needs no right to
-- change an entry or the head. The append-only trigger lets an update
-- through only when it seals an unsealed entry and changes nothing else.
-- +goose Up
ALTER TABLE audit_entries ADD COLUMN seq bigint, ADD COLUMN hash text;

CREATE TABLE audit_chain (
    id   int PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_chain (id, seq, hash) VALUES (1, 0, '');

-- One item of the canonical encoding: its length in bytes, a colon, the
-- text and a line feed.
CREATE FUNCTION audit_chain_item(s text) RETURNS text IMMUTABLE STRICT LANGUAGE sql
    AS $$ SELECT octet_length(s)::text || ':' || s || chr(10) $$;

-- A JSON array of strings: its length as an item, then each element.
-- PL/pgSQL, as audit_chain_hash: its plans are kept for the session, where
-- a SQL function with a subquery is planned again at every call (measured:
-- that made a create 50 % slower).
-- +goose StatementBegin
CREATE FUNCTION audit_chain_list(a jsonb) RETURNS text IMMUTABLE STRICT LANGUAGE plpgsql AS $$
DECLARE
    out text := audit_chain_item(jsonb_array_length(a)::text);
    v text;
BEGIN
    FOR v IN SELECT jsonb_array_elements_text(a) LOOP
        out := out || audit_chain_item(v);
    END LOOP;
    RETURN out;
END
$$;
-- +goose StatementEnd

-- The hash of entry e (whose seq is set) after the entry whose hash is prev.
-- +goose StatementBegin
CREATE FUNCTION audit_chain_hash(prev text, e audit_entries) RETURNS text IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
    RETURN encode(sha256(convert_to(
        audit_chain_item('srok.audit.v1') || audit_chain_item(prev) || audit_chain_item(e.seq::text) ||
        audit_chain_item(((extract(epoch FROM e.at) * 1000000)::bigint)::text) ||
        audit_chain_item(e.actor_id) || audit_chain_item(e.actor_name) || audit_chain_item(e.user_id) ||
        audit_chain_item(e.token_id) || audit_chain_item(e.ip) || audit_chain_item(e.user_agent) ||
        audit_chain_item(e.action) || audit_chain_item(e.request_id) || audit_chain_list(e.fields) ||
        audit_chain_list(e.request_ids) || audit_chain_item(e.outcome) || audit_chain_item(e.detail),
        'UTF8')), 'hex');
END
$$;
-- +goose StatementEnd

-- The entries stored before this migration join the chain in id order.
ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only;
-- +goose StatementBegin
DO $$
DECLARE
    r audit_entries;
    s bigint := 0;
    h text := '';
BEGIN
    FOR r IN SELECT * FROM audit_entries ORDER BY id LOOP
        s := s + 1;
        r.seq := s;
        h := audit_chain_hash(h, r);
        UPDATE audit_entries SET seq = s, hash = h WHERE id = r.id;
    END LOOP;
    UPDATE audit_chain SET seq = s, hash = h WHERE id = 1;
END
$$;
-- +goose StatementEnd
ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only;
CREATE UNIQUE INDEX audit_entries_seq ON audit_entries (seq);
-- What the seal looks for, without reading the sealed.
CREATE INDEX audit_entries_unsealed ON audit_entries (id) WHERE seq IS NULL;

-- Seals up to max unsealed entries, in id order, and returns how many.
-- +goose StatementBegin
CREATE FUNCTION audit_chain_seal(max int) RETURNS int LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    s bigint;
    h text;
    r audit_entries;
    n int := 0;
BEGIN
    SELECT seq, hash INTO s, h FROM audit_chain WHERE id = 1 FOR UPDATE;
    FOR r IN SELECT * FROM audit_entries WHERE seq IS NULL ORDER BY id LIMIT max FOR UPDATE LOOP
        s := s + 1;
        r.seq := s;
        h := audit_chain_hash(h, r);
        UPDATE audit_entries SET seq = s, hash = h WHERE id = r.id;
        n := n + 1;
    END LOOP;
    IF n > 0 THEN
        UPDATE audit_chain SET seq = s, hash = h WHERE id = 1;
    END IF;
    RETURN n;
END
$$;
-- +goose StatementEnd

-- Append-only, but for the seal: an update that sets seq and hash of an
-- unsealed entry and changes nothing else.
-- +goose StatementBegin
CREATE FUNCTION audit_entries_sealable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL
       AND (to_jsonb(OLD) - 'seq' - 'hash') = (to_jsonb(NEW) - 'seq' - 'hash') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: its entries cannot be changed or deleted';
END
$$;
-- +goose StatementEnd
DROP TRIGGER audit_entries_append_only ON audit_entries;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_sealable();
-- The head is written only by the seal.
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- +goose Down
DROP TRIGGER audit_chain_no_truncate ON audit_chain;
DROP TRIGGER audit_entries_append_only ON audit_entries;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
DROP FUNCTION audit_entries_sealable();
DROP FUNCTION audit_chain_seal(int);
DROP INDEX audit_entries_unsealed;
DROP INDEX audit_entries_seq;
ALTER TABLE audit_entries DROP COLUMN hash, DROP COLUMN seq;
DROP FUNCTION audit_chain_hash(text, audit_entries);
DROP FUNCTION audit_chain_list(jsonb);
DROP FUNCTION audit_chain_item(text);
DROP TABLE audit_chain;
