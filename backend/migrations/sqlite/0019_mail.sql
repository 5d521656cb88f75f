-- A moderator's alerts by e-mail: where, and for which events (the
-- webhooks' event names, space-separated).
CREATE TABLE moderator_alerts (
    moderator_id  INTEGER PRIMARY KEY REFERENCES moderators(id) ON DELETE CASCADE,
    email         TEXT    NOT NULL,
    events        TEXT    NOT NULL,
    -- 0: each alert at once; else one mail of what came in each this
    -- many minutes.
    digest_minutes INTEGER NOT NULL DEFAULT 0
);

-- E-mails to send, until sent or given up on: the outbox's events are
-- handed on to them as to webhooks, in the same transaction.
CREATE TABLE mail_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The event's message id: with the recipient, one mail.
    message_id       TEXT    NOT NULL,
    recipient        TEXT    NOT NULL,
    -- What it is about: a reader's erasure takes their comments' mails.
    comment_id       INTEGER NOT NULL,
    subject          TEXT    NOT NULL,
    body             TEXT    NOT NULL,
    -- The end of the digest window it waits for (gathered with the
    -- recipient's others of that window); NULL: sent on its own.
    digest_until     INTEGER,
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER,
    lease_until      INTEGER NOT NULL DEFAULT 0,
    sent_at          INTEGER,
    failed_at        INTEGER,
    last_error       TEXT,
    -- 'alert' (a moderator's), 'reply' (a reader's reply e-mail) or
    -- 'confirm' (asking a reader to confirm their address).
    kind             TEXT    NOT NULL DEFAULT 'alert',
    -- The language of the words a digest adds around its mails.
    locale           TEXT    NOT NULL DEFAULT 'en',
    -- Below the body, once a digest: how to stop these mails.
    footer           TEXT    NOT NULL DEFAULT '',
    -- A reply e-mail's one-click unsubscribe (RFC 8058); a digest
    -- gathers one subscription's mails.
    unsubscribe_url  TEXT,
    -- A reply e-mail's request (its token): what unsubscribing and an
    -- erasure take, and what a digest is kept by.
    subscription     TEXT,
    UNIQUE (message_id, recipient)
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX mail_outbox_by_comment ON mail_outbox (comment_id);
CREATE INDEX mail_outbox_by_subscription ON mail_outbox (subscription) WHERE subscription IS NOT NULL;
CREATE INDEX mail_outbox_by_recipient ON mail_outbox (recipient, kind);

-- Readers who asked to be told by e-mail of replies to one of their
-- comments: confirmed once the address's owner opened the link mailed
-- to it (or at once, when the site's token gave the address).
CREATE TABLE reply_subscriptions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    comment_id    INTEGER  NOT NULL UNIQUE REFERENCES comments(id) ON DELETE CASCADE,
    -- The reader's key: their erasure takes it; their other comments'
    -- subscriptions to a confirmed address need no confirming again.
    reader        TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    locale        TEXT    NOT NULL,
    page_url      TEXT    NOT NULL,
    -- In the links mailed: confirms, and unsubscribes.
    token         TEXT    NOT NULL UNIQUE,
    created_at    INTEGER  NOT NULL,
    confirmed_at  INTEGER
);
CREATE INDEX reply_subscriptions_by_reader ON reply_subscriptions (reader, email);
