-- The reminder scan reads, for one local date, only the open obligations
-- whose internal target (the extended date once extended) is one of a few
-- dates, and the requests registered since the working day before: two
-- indexes, so that a day's scan does not read every open obligation. (The
-- overdue ones it finds through obligations_open_due.)
-- +goose Up
CREATE INDEX obligations_open_target ON obligations
    ((CASE WHEN extended AND extended_due_date IS NOT NULL THEN extended_due_date ELSE target_date END))
    WHERE status = 'open';
CREATE INDEX requests_created ON requests (created_at);

-- +goose Down
DROP INDEX requests_created;
DROP INDEX obligations_open_target;
