-- An outbox row's request is the request of its obligation: the foreign key
-- (request_id, obligation_id) → obligations, with obligations.request_id →
-- requests (migration 1, no cascade), already makes every reminder's
-- request exist and keeps a request from being deleted while a reminder
-- names it (its obligation cannot go first). The second key to requests
-- checked the same row again, one trigger and one row lock per queued
-- reminder: a third of the first scan of the day (14,666 rows over a
-- million open obligations, docs/BENCHMARKS.md).
-- +goose Up
ALTER TABLE reminders DROP CONSTRAINT reminders_request_id_fkey;

-- +goose Down
ALTER TABLE reminders ADD CONSTRAINT reminders_request_id_fkey FOREIGN KEY (request_id) REFERENCES requests (id);
