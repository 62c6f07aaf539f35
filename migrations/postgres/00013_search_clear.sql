-- What a search may match for a reader who sees the subject's contacts
-- masked (a viewer): the registration number and the subject's name,
-- lower-cased, never the email (152-FZ art. 19 part 2: access to personal
-- data limited to those who need it). Matching masked text would let the
-- reader recover it a letter at a time from which requests match.
-- +goose Up
ALTER TABLE requests ADD COLUMN search_clear text NOT NULL DEFAULT '';
-- search is lower(number || ' ' || name || ' ' || email): its head without
-- the email is the clear part.
UPDATE requests SET search_clear = substr(search, 1, length(search) - length(subject_email_lower) - 1);
CREATE INDEX requests_search_clear ON requests USING gin (search_clear gin_trgm_ops);

-- +goose Down
DROP INDEX requests_search_clear;
ALTER TABLE requests DROP COLUMN search_clear;
