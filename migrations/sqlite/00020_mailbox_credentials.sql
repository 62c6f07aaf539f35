-- Mailboxes connected from the page (/admin/mailboxes, POST
-- /api/v1/mailboxes), beside those of SROK_IMAP_URL: source 'page'. Their
-- password is kept sealed (AES-256-GCM, pkg/mailbox.Sealer) with a key that
-- lives outside the database (SROK_SECRET_KEY_FILE), bound to the mailbox's
-- id: a copy of the database alone does not give the mailbox away, and it
-- is decrypted only to log in. A mailbox of the environment has none here.
-- done_folder is where its fetched messages go ('' : flagged \Seen and
-- left); for the environment's, SROK_IMAP_DONE_FOLDER. Disconnecting a
-- mailbox makes it inactive: its emails stay, and its sealed password is
-- wiped.
-- +goose Up
ALTER TABLE mailboxes ADD COLUMN password_sealed text;
ALTER TABLE mailboxes ADD COLUMN done_folder text NOT NULL DEFAULT '';
ALTER TABLE mailboxes ADD COLUMN connected_by text;

-- +goose Down
ALTER TABLE mailboxes DROP COLUMN connected_by;
ALTER TABLE mailboxes DROP COLUMN done_folder;
ALTER TABLE mailboxes DROP COLUMN password_sealed;
