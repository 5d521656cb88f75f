-- What happens to comments, for webhooks (and, later, e-mail): each change
-- writes a row here in the change's own transaction (this trigger), so
-- that none is lost when a server dies; the servers then hand every row to
-- the endpoints that want it (each row to one server: row locks) and
-- delete it.
CREATE TABLE outbox (
    id          BIGSERIAL PRIMARY KEY,
    -- What receivers tell repeats by: random, so that it stays unique
    -- when a store is moved (chime export | chime import).
    message_id  TEXT   NOT NULL DEFAULT ('msg_' || replace(gen_random_uuid()::text, '-', '')),
    event       TEXT   NOT NULL,
    comment_id  BIGINT NOT NULL,
    at          BIGINT NOT NULL
);

CREATE FUNCTION comments_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    now_ms BIGINT := (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO outbox (event, comment_id, at) VALUES ('comment.created', NEW.id, NEW.created_at);
        IF NEW.state = 'pending' THEN
            INSERT INTO outbox (event, comment_id, at) VALUES ('comment.held', NEW.id, NEW.created_at);
        END IF;
        RETURN NULL;
    END IF;
    IF NEW.state IS DISTINCT FROM OLD.state THEN
        INSERT INTO outbox (event, comment_id, at) VALUES (
            CASE NEW.state
                WHEN 'visible' THEN 'comment.approved'
                WHEN 'hidden' THEN 'comment.hidden'
                WHEN 'pending' THEN 'comment.held'
                ELSE 'comment.deleted'
            END, NEW.id, now_ms);
    ELSIF NEW.body IS DISTINCT FROM OLD.body AND NEW.state = 'visible' THEN
        -- An edit readers see (not the emptying that comes with a
        -- deletion, nor the words of a held comment changing).
        INSERT INTO outbox (event, comment_id, at) VALUES ('comment.edited', NEW.id, now_ms);
    END IF;
    -- An edit that waits for review: the comment is held, as to its words.
    IF NEW.proposed_body IS NOT NULL AND NEW.proposed_body IS DISTINCT FROM OLD.proposed_body THEN
        INSERT INTO outbox (event, comment_id, at) VALUES ('comment.held', NEW.id, now_ms);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER comments_outbox AFTER INSERT OR UPDATE OF state, body, proposed_body ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_outbox();

CREATE FUNCTION reports_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (event, comment_id, at) VALUES ('comment.reported', NEW.comment_id, NEW.created_at);
    RETURN NULL;
END $$;

CREATE TRIGGER reports_outbox AFTER INSERT ON reports
    FOR EACH ROW EXECUTE FUNCTION reports_outbox();

-- Endpoints an admin set up: where, which events, the signing secret, and
-- how delivery has gone lately (an endpoint that keeps failing is paused).
CREATE TABLE webhooks (
    id               BIGSERIAL PRIMARY KEY,
    url              TEXT    NOT NULL,
    -- Space-separated event names.
    events           TEXT    NOT NULL,
    description      TEXT    NOT NULL DEFAULT '',
    secret           TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    paused_at        BIGINT,
    paused_reason    TEXT,
    -- Failed attempts since the last success.
    failures         BIGINT  NOT NULL DEFAULT 0,
    last_success_at  BIGINT,
    last_failure_at  BIGINT
);

-- One message to one endpoint, until it is delivered or given up on.
CREATE TABLE webhook_deliveries (
    id               BIGSERIAL PRIMARY KEY,
    webhook_id       BIGINT  NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    message_id       TEXT    NOT NULL,
    -- What it is about: a reader's erasure takes their comments' messages.
    comment_id       BIGINT  NOT NULL,
    event            TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    created_at       BIGINT  NOT NULL,
    attempts         BIGINT  NOT NULL DEFAULT 0,
    -- NULL once delivered or given up on.
    next_attempt_at  BIGINT,
    -- A server sending it holds it until then (another may take it after).
    lease_until      BIGINT  NOT NULL DEFAULT 0,
    delivered_at     BIGINT,
    failed_at        BIGINT,
    last_status      BIGINT,
    last_error       TEXT,
    UNIQUE (webhook_id, message_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_by_comment ON webhook_deliveries (comment_id);
