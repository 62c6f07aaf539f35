-- What a search may match for a reader who sees the subject's contacts
-- masked (a viewer): the registration number and the subject's name,
-- lower-cased, never the email (152-FZ art. 19 part 2: access to personal
-- data limited to those who need it). Matching masked text would let the
-- reader recover it a letter at a time from which requests match.
-- +goose Up
ALTER TABLE requests ADD COLUMN search_clear text NOT NULL DEFAULT '';
-- search is lower(number || ' ' || name || ' ' || email), lower-cased in Go
-- (SQLite's lower() knows only ASCII): its head without the email is the
-- clear part. q scans it with LIKE, as it does search.
UPDATE requests SET search_clear = substr(search, 1, length(search) - length(subject_email_lower) - 1);

-- +goose Down
ALTER TABLE requests DROP COLUMN search_clear;
