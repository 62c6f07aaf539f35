-- The versions of the acknowledgement's subject line and text, edited by
-- an administrator; the latest is the one sent. A version without text
-- (subject and body NULL) goes back to the built-in template.
-- +goose Up
CREATE TABLE ack_templates (
    version    integer PRIMARY KEY CHECK (version > 0),
    subject    text,
    body       text,
    saved_at   DATETIME NOT NULL,
    saved_by   text NOT NULL,
    saver_name text NOT NULL DEFAULT '',
    CHECK ((subject IS NULL) = (body IS NULL))
);

-- +goose Down
DROP TABLE ack_templates;
