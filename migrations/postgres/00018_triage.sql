-- Triage of incoming mail: every stored email gets a decision, so that no
-- request waits unseen (152-FZ art. 14 part 3, art. 20: the term runs from
-- receipt, whether or not anyone has read the email yet).
--   pending      awaiting a decision;
--   registered   a request was registered from it (triage_request_id);
--   attached     it joined an existing request's timeline (a reply, a
--                document sent later), by a person or by Srok itself;
--   not_request  not a data subject's request, with the reason.
-- triage_claimed_until holds a pending email for the person registering a
-- request from it, so that two registrations at once do not make two
-- requests (the request links the email only when it is stored).
-- triage_hint is the registration number a subject line named when Srok
-- could not attach the email on its own (the sender is not the request's
-- subject): a suggestion for the person who decides.
-- +goose Up
ALTER TABLE emails
    ADD COLUMN triage text NOT NULL DEFAULT 'pending'
        CHECK (triage IN ('pending', 'registered', 'attached', 'not_request')),
    ADD COLUMN triage_request_id uuid REFERENCES requests (id),
    ADD COLUMN triage_reason text
        CHECK (triage_reason IN ('spam', 'not_personal_data', 'duplicate', 'other')),
    ADD COLUMN triage_note text NOT NULL DEFAULT '',
    ADD COLUMN triage_by text,
    ADD COLUMN triage_by_name text,
    ADD COLUMN triage_at timestamptz,
    ADD COLUMN triage_hint text NOT NULL DEFAULT '',
    ADD COLUMN triage_claimed_until timestamptz,
    ADD CONSTRAINT emails_triage_decided CHECK (
        (triage = 'pending' AND triage_request_id IS NULL AND triage_reason IS NULL)
        OR (triage IN ('registered', 'attached') AND triage_request_id IS NOT NULL AND triage_reason IS NULL)
        OR (triage = 'not_request' AND triage_request_id IS NULL AND triage_reason IS NOT NULL));
CREATE INDEX emails_pending ON emails (stored_at, id) WHERE triage = 'pending';
-- The emails attached lately, which their requests' assignees are told of.
CREATE INDEX emails_attached ON emails (triage_at) WHERE triage = 'attached';

-- An email already linked to a request was registered by the one who
-- registered the request, when they did.
UPDATE emails SET triage = 'registered', triage_request_id = r.id, triage_by = r.created_by, triage_at = r.created_at
FROM (SELECT DISTINCT ON (email_id) email_id, id, created_by, created_at FROM requests
      WHERE email_id IS NOT NULL ORDER BY email_id, created_at, id) r
WHERE r.email_id = emails.id;

-- The Message-IDs of the emails Srok sends about a request (reminders'
-- outbox rows keep theirs too; letters sent by email add theirs here), so
-- that a reply, whose In-Reply-To or References names one, finds its
-- request. Without angle brackets, as the emails table keeps them.
CREATE TABLE sent_messages (
    message_id text PRIMARY KEY,
    request_id uuid NOT NULL REFERENCES requests (id),
    kind       text NOT NULL,
    sent_at    timestamptz NOT NULL
);
CREATE INDEX sent_messages_request ON sent_messages (request_id);
CREATE INDEX reminders_message_id ON reminders (message_id) WHERE message_id IS NOT NULL;

-- Acknowledgements (SROK_ACK_EMAILS=on): the subject of a request registered
-- from an email is told its registration number and the date the answer is
-- due. One row per request, so that it is sent once; an outbox like the
-- reminders': retried while the SMTP server answers 4xx or is down, failed
-- for good on 5xx.
CREATE TABLE acknowledgements (
    request_id      uuid PRIMARY KEY REFERENCES requests (id),
    recipient_email text NOT NULL,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    locked_until    timestamptz,
    message_id      text,
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL
);
CREATE INDEX acknowledgements_pending ON acknowledgements (next_attempt_at) WHERE status = 'pending';

-- +goose Down
DROP INDEX acknowledgements_pending;
DROP TABLE acknowledgements;
DROP INDEX reminders_message_id;
DROP TABLE sent_messages;
DROP INDEX emails_attached;
DROP INDEX emails_pending;
ALTER TABLE emails DROP CONSTRAINT emails_triage_decided,
    DROP COLUMN triage_claimed_until, DROP COLUMN triage_hint, DROP COLUMN triage_at, DROP COLUMN triage_by_name, DROP COLUMN triage_by,
    DROP COLUMN triage_note, DROP COLUMN triage_reason, DROP COLUMN triage_request_id, DROP COLUMN triage;
