-- The audit trail made tamper-evident: each entry carries its place in a
-- chain (seq) and a SHA-256 hash over the previous entry's hash and its own
-- fields (pkg/audit's Hash), so that an entry changed or removed behind
-- Srok's back (with the triggers dropped) shows when `srok audit verify`
-- walks the chain. SQLite has no SHA-256 in SQL: the store computes the
-- hash in Go, in the transaction of the entry, reading and advancing the
-- one-row head (audit_chain); SQLite's single writer serialises them. The
-- entries stored before this migration join the chain in id order when
-- `srok migrate` has applied it (store.Migrate).
-- +goose Up
ALTER TABLE audit_entries ADD COLUMN seq INTEGER;
ALTER TABLE audit_entries ADD COLUMN hash TEXT;
-- Unique where set; the entries not yet chained have none.
CREATE UNIQUE INDEX audit_entries_seq ON audit_entries (seq);

CREATE TABLE audit_chain (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_chain (id, seq, hash) VALUES (1, 0, '');

-- An entry may still be changed once: an entry stored before this
-- migration gets its seq and hash, and nothing else changes.
DROP TRIGGER audit_entries_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
WHEN OLD.seq IS NOT NULL OR NEW.seq IS NULL OR NEW.hash IS NULL
    OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor_id IS NOT OLD.actor_id
    OR NEW.actor_name IS NOT OLD.actor_name OR NEW.user_id IS NOT OLD.user_id OR NEW.token_id IS NOT OLD.token_id
    OR NEW.ip IS NOT OLD.ip OR NEW.user_agent IS NOT OLD.user_agent OR NEW.action IS NOT OLD.action
    OR NEW.request_id IS NOT OLD.request_id OR NEW.fields IS NOT OLD.fields OR NEW.request_ids IS NOT OLD.request_ids
    OR NEW.outcome IS NOT OLD.outcome OR NEW.detail IS NOT OLD.detail
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: its entries cannot be changed or deleted');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN
    SELECT RAISE(ABORT, 'the head of the audit chain cannot be deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_chain_no_delete;
DROP TRIGGER audit_entries_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: its entries cannot be changed or deleted');
END;
-- +goose StatementEnd
DROP TABLE audit_chain;
DROP INDEX audit_entries_seq;
ALTER TABLE audit_entries DROP COLUMN hash;
ALTER TABLE audit_entries DROP COLUMN seq;
