-- Reminders: an outbox of the emails that tell assignees and officers that
-- a term runs out (152-FZ art. 14, 20, 21: terms the operator must meet).
-- One row per (obligation, stage, recipient, local date), unique, so that a
-- reminder exists once whatever the number of instances scanning; a row is
-- marked sent only after the SMTP server accepted it.
-- +goose Up

-- Each user's reminder settings; a user without a row has the defaults.
CREATE TABLE reminder_settings (
    user_id        uuid PRIMARY KEY REFERENCES users (id),
    -- One email per reminder, or one daily digest listing everything due.
    digest         boolean NOT NULL DEFAULT false,
    -- Working days before the internal target of the "soon" and "tomorrow" stages.
    soon_days      integer NOT NULL DEFAULT 3 CHECK (soon_days BETWEEN 1 AND 30),
    tomorrow_days  integer NOT NULL DEFAULT 1 CHECK (tomorrow_days BETWEEN 1 AND 30),
    -- The local hour (in the request's time zone) reminders are sent at.
    send_hour      integer NOT NULL DEFAULT 9 CHECK (send_hour BETWEEN 0 AND 23),
    updated_at     timestamptz NOT NULL
);

CREATE TABLE reminders (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      uuid NOT NULL REFERENCES requests (id),
    obligation_id   text NOT NULL,
    -- soon, tomorrow, due, overdue (to the assignee, or the officers when
    -- unassigned), escalation (to every active officer, on the first
    -- overdue day).
    stage           text NOT NULL CHECK (stage IN ('soon', 'tomorrow', 'due', 'overdue', 'escalation')),
    recipient_id    uuid NOT NULL REFERENCES users (id),
    recipient_email text NOT NULL,
    -- The operator's local date the reminder is for, and the moment of its
    -- sending hour on that date.
    local_date      date NOT NULL,
    send_at         timestamptz NOT NULL,
    -- The dates it speaks of, as they stood when it was queued.
    target_date     date NOT NULL,
    legal_date      date NOT NULL,
    -- Sent in the recipient's daily digest rather than on its own.
    digest          boolean NOT NULL DEFAULT false,
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    -- The lease of the instance delivering it: another may claim it once
    -- locked_until has passed (the holder died mid-batch).
    locked_by       text,
    locked_until    timestamptz,
    last_error      text,
    sent_at         timestamptz,
    -- The Message-ID of the email it went out in.
    message_id      text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (request_id, obligation_id, stage, recipient_id, local_date),
    FOREIGN KEY (request_id, obligation_id) REFERENCES obligations (request_id, obligation_id)
);
-- Delivery claims the pending rows whose time has come.
CREATE INDEX reminders_pending ON reminders (next_attempt_at) WHERE status = 'pending';
CREATE INDEX reminders_request ON reminders (request_id, id);
CREATE INDEX reminders_failed ON reminders (updated_at) WHERE status = 'failed';

-- Every delivery attempt and its outcome.
CREATE TABLE reminder_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reminder_id bigint NOT NULL REFERENCES reminders (id),
    at          timestamptz NOT NULL,
    instance    text NOT NULL,
    -- sent; temporary (4xx, connection: retried); permanent (5xx: not retried).
    outcome     text NOT NULL CHECK (outcome IN ('sent', 'temporary', 'permanent')),
    smtp_code   integer,
    error       text NOT NULL DEFAULT ''
);
CREATE INDEX reminder_attempts_reminder ON reminder_attempts (reminder_id, id);

-- +goose Down
DROP TABLE reminder_attempts;
DROP TABLE reminders;
DROP TABLE reminder_settings;
