-- A moderator's alerts by e-mail: where, and for which events (the
-- webhooks' event names, space-separated).
CREATE TABLE moderator_alerts (
    moderator_id  BIGINT PRIMARY KEY REFERENCES moderators(id) ON DELETE CASCADE,
    email         TEXT    NOT NULL,
    events        TEXT    NOT NULL,
    -- 0: each alert at once; else one mail of what came in each this
    -- many minutes.
    digest_minutes BIGINT  NOT NULL DEFAULT 0
);

-- E-mails to send, until sent or given up on: the outbox's events are
-- handed on to them as to webhooks, in the same transaction.
CREATE TABLE mail_outbox (
    id               BIGSERIAL PRIMARY KEY,
    -- The event's message id: with the recipient, one mail.
    message_id       TEXT    NOT NULL,
    recipient        TEXT    NOT NULL,
    -- What it is about: a reader's erasure takes their comments' mails.
    comment_id       BIGINT  NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    -- The end of the digest window it waits for (gathered with the
    -- recipient's others of that window); NULL: sent on its own.
    digest_until     BIGINT ,
    created_at       BIGINT  NOT NULL,
    attempts         BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT,
    lease_until      BIGINT  NOT NULL DEFAULT 0,
    sent_at          BIGINT,
    failed_at        BIGINT,
    last_error       TEXT,
    UNIQUE (message_id, recipient)
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX mail_outbox_by_comment ON mail_outbox (comment_id);
