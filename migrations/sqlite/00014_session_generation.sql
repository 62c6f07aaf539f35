-- session_generation counts the events that end every browser session of
-- a user: a password set (by the user, an administrator or the command
-- line) and a disable. A session keeps the generation it was opened at and
-- ends when the user's differs (152-FZ art. 19 part 2 item 8: access ends
-- when the need for it does). Sessions opened before this column hold no
-- generation, which reads as 0, the default: nobody is signed out by it.
-- +goose Up
ALTER TABLE users ADD COLUMN session_generation integer NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN session_generation;
