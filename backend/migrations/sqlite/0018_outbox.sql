-- What happens to comments, for webhooks (and, later, e-mail): each change
-- writes a row here in the change's own transaction (these triggers), so
-- that none is lost when a server dies; the servers then hand every row to
-- the endpoints that want it and delete it.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    -- What receivers tell repeats by: random, so that it stays unique
    -- when a store is moved (chime export | chime import).
    message_id  TEXT    NOT NULL DEFAULT ('msg_' || lower(hex(randomblob(16)))),
    event       TEXT    NOT NULL,
    comment_id  INTEGER NOT NULL,
    at          INTEGER NOT NULL
);

CREATE TRIGGER comments_outbox_insert AFTER INSERT ON comments BEGIN
    INSERT INTO outbox (event, comment_id, at) VALUES ('comment.created', NEW.id, NEW.created_at);
    INSERT INTO outbox (event, comment_id, at)
        SELECT 'comment.held', NEW.id, NEW.created_at WHERE NEW.state = 'pending';
END;

CREATE TRIGGER comments_outbox_state AFTER UPDATE OF state ON comments
WHEN OLD.state <> NEW.state BEGIN
    INSERT INTO outbox (event, comment_id, at) VALUES (
        CASE NEW.state
            WHEN 'visible' THEN 'comment.approved'
            WHEN 'hidden' THEN 'comment.hidden'
            WHEN 'pending' THEN 'comment.held'
            ELSE 'comment.deleted'
        END,
        NEW.id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

-- An edit readers see (not the emptying that comes with a deletion, nor
-- the words of a held comment changing).
CREATE TRIGGER comments_outbox_edit AFTER UPDATE OF body ON comments
WHEN OLD.body <> NEW.body AND OLD.state = NEW.state AND NEW.state = 'visible' BEGIN
    INSERT INTO outbox (event, comment_id, at)
        VALUES ('comment.edited', NEW.id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

-- An edit that waits for review: the comment is held, as to its words.
CREATE TRIGGER comments_outbox_edit_held AFTER UPDATE OF proposed_body ON comments
WHEN NEW.proposed_body IS NOT NULL AND NEW.proposed_body IS NOT OLD.proposed_body BEGIN
    INSERT INTO outbox (event, comment_id, at)
        VALUES ('comment.held', NEW.id, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

CREATE TRIGGER reports_outbox AFTER INSERT ON reports BEGIN
    INSERT INTO outbox (event, comment_id, at) VALUES ('comment.reported', NEW.comment_id, NEW.created_at);
END;

-- Endpoints an admin set up: where, which events, the signing secret, and
-- how delivery has gone lately (an endpoint that keeps failing is paused).
CREATE TABLE webhooks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    url              TEXT    NOT NULL,
    -- Space-separated event names.
    events           TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    secret           TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    paused_at        INTEGER,
    paused_reason    TEXT,
    -- Failed attempts since the last success.
    failures         INTEGER NOT NULL DEFAULT 0,
    last_success_at  INTEGER,
    last_failure_at  INTEGER
);

-- One message to one endpoint, until it is delivered or given up on.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    message_id       TEXT    NOT NULL,
    -- What it is about: a reader's erasure takes their comments' messages.
    comment_id       INTEGER NOT NULL,
    event            TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- NULL once delivered or given up on.
    next_attempt_at  INTEGER,
    -- A server sending it holds it until then (another may take it after).
    lease_until      INTEGER NOT NULL DEFAULT 0,
    delivered_at     INTEGER,
    failed_at        INTEGER,
    last_status      INTEGER,
    last_error       TEXT,
    UNIQUE (webhook_id, message_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_by_comment ON webhook_deliveries (comment_id);
