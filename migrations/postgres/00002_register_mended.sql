-- +goose Up

-- The date of the answer that met an obligation: it, not the moment the
-- answer was entered, decides whether the term was met. Answers recorded
-- before this column existed take their request's answer date.
ALTER TABLE obligations ADD COLUMN done_on date;
UPDATE obligations o SET done_on = r.answer_date
    FROM requests r
    WHERE o.request_id = r.id AND o.status = 'done' AND r.answer_date IS NOT NULL;

-- The timeline is append-only: TRUNCATE is refused too (the row triggers
-- of the first migration do not fire for it).
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- +goose Down
DROP TRIGGER events_no_truncate ON events;
ALTER TABLE obligations DROP COLUMN done_on;
