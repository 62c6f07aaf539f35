-- PostgreSQL drops the outbox's foreign key to requests in this version:
-- the key to obligations implies it. SQLite keeps it (dropping it needs the
-- table rebuilt, and an embedded database queues a few reminders a day, where
-- the check costs nothing worth the rebuild). Nothing to do.
-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
