-- Chime's schema on PostgreSQL: the same tables, columns and rules as the
-- SQLite store after all its migrations (backend/migrations/sqlite), so the
-- two behave the same (one conformance suite runs against both). Times are
-- milliseconds since the Unix epoch (UTC).

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE articles (
    id            BIGSERIAL PRIMARY KEY,
    key           TEXT    NOT NULL UNIQUE,
    created_at    BIGINT  NOT NULL,
    visible_count BIGINT  NOT NULL DEFAULT 0,
    r_like        BIGINT  NOT NULL DEFAULT 0,
    r_love        BIGINT  NOT NULL DEFAULT 0,
    r_laugh       BIGINT  NOT NULL DEFAULT 0,
    r_wow         BIGINT  NOT NULL DEFAULT 0,
    r_sad         BIGINT  NOT NULL DEFAULT 0,
    r_angry       BIGINT  NOT NULL DEFAULT 0,
    premoderate   BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE comments (
    id                  BIGSERIAL PRIMARY KEY,
    article_id          BIGINT NOT NULL REFERENCES articles(id),
    parent_id           BIGINT REFERENCES comments(id),
    root_id             BIGINT NOT NULL,
    depth               BIGINT NOT NULL,
    author_name         TEXT   NOT NULL,
    author_reader       TEXT   NOT NULL,
    body                TEXT   NOT NULL,
    html                TEXT   NOT NULL,
    created_at          BIGINT NOT NULL,
    edited_at           BIGINT,
    state               TEXT   NOT NULL CHECK (state IN ('visible', 'hidden', 'deleted', 'pending')),
    hidden_reason       TEXT,
    visible_descendants BIGINT NOT NULL DEFAULT 0,
    report_count        BIGINT NOT NULL DEFAULT 0,
    reaction_total      BIGINT NOT NULL DEFAULT 0,
    r_like              BIGINT NOT NULL DEFAULT 0,
    r_love              BIGINT NOT NULL DEFAULT 0,
    r_laugh             BIGINT NOT NULL DEFAULT 0,
    r_wow               BIGINT NOT NULL DEFAULT 0,
    r_sad               BIGINT NOT NULL DEFAULT 0,
    r_angry             BIGINT NOT NULL DEFAULT 0,
    idempotency_key     TEXT,
    -- the moderators' word search; 'simple': no stemming, like SQLite's FTS5
    search              TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
);

CREATE INDEX comments_top_by_time ON comments (article_id, created_at, id) WHERE parent_id IS NULL;
CREATE INDEX comments_top_by_reactions ON comments (article_id, reaction_total, created_at, id) WHERE parent_id IS NULL;
CREATE INDEX comments_by_root ON comments (root_id, created_at, id);
CREATE INDEX comments_by_time ON comments (created_at, id);
CREATE INDEX comments_reported ON comments (created_at, id) WHERE report_count > 0;
CREATE UNIQUE INDEX comments_by_idempotency_key ON comments (author_reader, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX comments_by_author ON comments (author_reader, state);
CREATE INDEX comments_pending ON comments (article_id, author_reader) WHERE state = 'pending';
CREATE INDEX comments_pending_by_time ON comments (created_at, id) WHERE state = 'pending';
CREATE INDEX comments_search ON comments USING GIN (search);

-- What posting changes besides its own row, inside the INSERT, as the
-- SQLite store's trigger does: a top-level comment is its own thread's
-- root (the id is already drawn when a BEFORE trigger runs), and a visible
-- comment counts in its article.
CREATE FUNCTION comments_root() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.root_id = 0 THEN
        NEW.root_id := NEW.id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER comments_root BEFORE INSERT ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_root();

CREATE FUNCTION comments_posted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'visible' THEN
        UPDATE articles SET visible_count = visible_count + 1 WHERE id = NEW.article_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER comments_posted AFTER INSERT ON comments
    FOR EACH ROW EXECUTE FUNCTION comments_posted();

CREATE TABLE article_reactions (
    article_id BIGINT NOT NULL REFERENCES articles(id),
    reader     TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (article_id, reader, kind)
);

CREATE TABLE comment_reactions (
    comment_id BIGINT NOT NULL REFERENCES comments(id),
    reader     TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (comment_id, reader, kind)
);
CREATE INDEX comment_reactions_by_reader ON comment_reactions (reader, comment_id);

CREATE TABLE reports (
    comment_id BIGINT NOT NULL REFERENCES comments(id),
    reader     TEXT   NOT NULL,
    reason     TEXT   NOT NULL,
    note       TEXT,
    created_at BIGINT NOT NULL,
    address    TEXT,
    PRIMARY KEY (comment_id, reader)
);

CREATE TABLE moderators (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT   NOT NULL UNIQUE,
    password_hash TEXT   NOT NULL,
    role          TEXT   NOT NULL CHECK (role IN ('admin', 'moderator')),
    created_at    BIGINT NOT NULL
);

CREATE TABLE mod_sessions (
    token_hash   TEXT PRIMARY KEY,
    moderator_id BIGINT NOT NULL REFERENCES moderators(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX mod_sessions_expiry ON mod_sessions (expires_at);

CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,
    moderator  TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    comment_id BIGINT NOT NULL,
    reason     TEXT
);

CREATE TABLE idempotency_keys (
    reader        TEXT   NOT NULL,
    key           TEXT   NOT NULL,
    request_hash  TEXT   NOT NULL,
    status        BIGINT,
    response_body TEXT,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (reader, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
