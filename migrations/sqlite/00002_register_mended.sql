-- +goose Up

-- The date of the answer that met an obligation: it, not the moment the
-- answer was entered, decides whether the term was met. Answers recorded
-- before this column existed take their request's answer date.
ALTER TABLE obligations ADD COLUMN done_on TEXT;
UPDATE obligations SET done_on = (SELECT answer_date FROM requests WHERE requests.id = obligations.request_id)
    WHERE status = 'done';

-- SQLite has no TRUNCATE: "DELETE FROM events" without WHERE fires the
-- events_no_delete trigger of the first migration (a table with a DELETE
-- trigger is never emptied by the truncate optimisation).

-- +goose Down
ALTER TABLE obligations DROP COLUMN done_on;
