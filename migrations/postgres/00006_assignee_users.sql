-- +goose Up

-- The assignee becomes a user: assignee keeps the user's email (what the
-- API shows and filters by), assignee_id the user. Requests assigned before
-- accounts existed keep their free-text assignee, readable, with no
-- assignee_id, until someone reassigns them to a user.
ALTER TABLE requests ADD COLUMN assignee_id uuid REFERENCES users (id);
CREATE INDEX requests_assignee_id ON requests (assignee_id, next_due_at);
-- What an intake token registered (it reads back only that).
CREATE INDEX requests_created_by ON requests (created_by, received_at);

-- +goose Down
DROP INDEX requests_created_by;
DROP INDEX requests_assignee_id;
ALTER TABLE requests DROP COLUMN assignee_id;
