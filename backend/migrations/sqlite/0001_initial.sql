-- Chime schema. Times are milliseconds since the Unix epoch (UTC).
-- Kept portable where it costs nothing: the PostgreSQL store mirrors it.

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- An article exists from its first comment or reaction on. Counts are kept
-- here so that listings and /counts never count rows.
CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    key           TEXT    NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    visible_count INTEGER NOT NULL DEFAULT 0,
    r_like        INTEGER NOT NULL DEFAULT 0,
    r_love        INTEGER NOT NULL DEFAULT 0,
    r_laugh       INTEGER NOT NULL DEFAULT 0,
    r_wow         INTEGER NOT NULL DEFAULT 0,
    r_sad         INTEGER NOT NULL DEFAULT 0,
    r_angry       INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE comments (
    id                  INTEGER PRIMARY KEY,
    article_id          INTEGER NOT NULL REFERENCES articles(id),
    parent_id           INTEGER REFERENCES comments(id),
    -- the top-level ancestor (itself for a top-level comment): one indexed
    -- lookup fetches a whole thread's replies
    root_id             INTEGER NOT NULL,
    depth               INTEGER NOT NULL,
    author_name         TEXT    NOT NULL,
    author_reader       TEXT    NOT NULL,
    body                TEXT    NOT NULL,
    html                TEXT    NOT NULL,
    created_at          INTEGER NOT NULL,
    edited_at           INTEGER,
    state               TEXT    NOT NULL CHECK (state IN ('visible', 'hidden', 'deleted')),
    hidden_reason       TEXT,
    -- visible comments beneath this one at any depth: a removed comment
    -- with visible_descendants > 0 stands as a tombstone
    visible_descendants INTEGER NOT NULL DEFAULT 0,
    report_count        INTEGER NOT NULL DEFAULT 0,
    reaction_total      INTEGER NOT NULL DEFAULT 0,
    r_like              INTEGER NOT NULL DEFAULT 0,
    r_love              INTEGER NOT NULL DEFAULT 0,
    r_laugh             INTEGER NOT NULL DEFAULT 0,
    r_wow               INTEGER NOT NULL DEFAULT 0,
    r_sad               INTEGER NOT NULL DEFAULT 0,
    r_angry             INTEGER NOT NULL DEFAULT 0
);

-- Thread pages walk these; their cost depends on the page, not on the store.
CREATE INDEX comments_top_by_time ON comments (article_id, created_at, id) WHERE parent_id IS NULL;
CREATE INDEX comments_top_by_reactions ON comments (article_id, reaction_total, created_at, id) WHERE parent_id IS NULL;
CREATE INDEX comments_by_root ON comments (root_id, created_at, id);
-- The moderation queues, newest first across articles.
CREATE INDEX comments_by_time ON comments (created_at, id);
CREATE INDEX comments_reported ON comments (created_at, id) WHERE report_count > 0;

CREATE VIRTUAL TABLE comments_fts USING fts5 (body, content = 'comments', content_rowid = 'id');
CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF body ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, body) VALUES ('delete', old.id, old.body);
    INSERT INTO comments_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
    INSERT INTO comments_fts (comments_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;

CREATE TABLE article_reactions (
    article_id INTEGER NOT NULL REFERENCES articles(id),
    reader     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (article_id, reader, kind)
);

CREATE TABLE comment_reactions (
    comment_id INTEGER NOT NULL REFERENCES comments(id),
    reader     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, reader, kind)
);
CREATE INDEX comment_reactions_by_reader ON comment_reactions (reader, comment_id);

CREATE TABLE reports (
    comment_id INTEGER NOT NULL REFERENCES comments(id),
    reader     TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    note       TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (comment_id, reader)
);

CREATE TABLE moderators (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'moderator')),
    created_at    INTEGER NOT NULL
);

-- Only a hash of the cookie's token is kept.
CREATE TABLE mod_sessions (
    token_hash   TEXT PRIMARY KEY,
    moderator_id INTEGER NOT NULL REFERENCES moderators(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX mod_sessions_expiry ON mod_sessions (expires_at);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    moderator  TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    comment_id INTEGER NOT NULL,
    reason     TEXT
);

-- A write retried with the same key by the same reader replays the first
-- answer. status IS NULL while the first attempt is still running.
CREATE TABLE idempotency_keys (
    reader        TEXT    NOT NULL,
    key           TEXT    NOT NULL,
    request_hash  TEXT    NOT NULL,
    status        INTEGER,
    response_body TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (reader, key)
);
CREATE INDEX idempotency_keys_age ON idempotency_keys (created_at);
