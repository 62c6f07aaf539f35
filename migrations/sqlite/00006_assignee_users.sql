-- +goose Up

-- The assignee becomes a user: assignee keeps the user's email (what the
-- API shows and filters by), assignee_id the user. Requests assigned before
-- accounts existed keep their free-text assignee, readable, with no
-- assignee_id, until someone reassigns them to a user.
ALTER TABLE requests ADD COLUMN assignee_id TEXT REFERENCES users (id);
CREATE INDEX requests_assignee_id ON requests (assignee_id, next_due_at);
-- What an intake token registered (it reads back only that).
CREATE INDEX requests_created_by ON requests (created_by, received_at);

-- INSERT OR REPLACE deletes the row it replaces without firing the DELETE
-- trigger: refuse an insert onto a stored event, as for the audit trail.
-- +goose StatementBegin
CREATE TRIGGER events_no_replace BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'the timeline is append-only: events cannot be changed or deleted');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER events_no_replace;
DROP INDEX requests_created_by;
DROP INDEX requests_assignee_id;
ALTER TABLE requests DROP COLUMN assignee_id;
