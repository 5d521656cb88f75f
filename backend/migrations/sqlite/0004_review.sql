-- Comments can wait for a moderator ('pending'). SQLite cannot widen a CHECK
-- constraint in place, so the table is rebuilt as SQLite documents it
-- (https://sqlite.org/lang_altertable.html#otheralter): copy, drop, rename,
-- indexes and triggers again. Migrations run on a connection with foreign
-- keys off, checked afterwards (SqliteStore::open), as that page asks.
CREATE TABLE comments_rebuilt (
    id                  INTEGER PRIMARY KEY,
    article_id          INTEGER NOT NULL REFERENCES articles(id),
    parent_id           INTEGER REFERENCES comments(id),
    root_id             INTEGER NOT NULL,
    depth               INTEGER NOT NULL,
    author_name         TEXT    NOT NULL,
    author_reader       TEXT    NOT NULL,
    body                TEXT    NOT NULL,
    html                TEXT    NOT NULL,
    created_at          INTEGER NOT NULL,
    edited_at           INTEGER,
    state               TEXT    NOT NULL CHECK (state IN ('visible', 'hidden', 'deleted', 'pending')),
    -- why a moderator hid it, or why it waits for review
    hidden_reason       TEXT,
    visible_descendants INTEGER NOT NULL DEFAULT 0,
    report_count        INTEGER NOT NULL DEFAULT 0,
    reaction_total      INTEGER NOT NULL DEFAULT 0,
    r_like              INTEGER NOT NULL DEFAULT 0,
    r_love              INTEGER NOT NULL DEFAULT 0,
    r_laugh             INTEGER NOT NULL DEFAULT 0,
    r_wow               INTEGER NOT NULL DEFAULT 0,
    r_sad               INTEGER NOT NULL DEFAULT 0,
    r_angry             INTEGER NOT NULL DEFAULT 0,
    idempotency_key     TEXT
);
INSERT INTO comments_rebuilt (id, article_id, parent_id, root_id, depth, author_name,
    author_reader, body, html, created_at, edited_at, state, hidden_reason,
    visible_descendants, report_count, reaction_total, r_like, r_love, r_laugh, r_wow,
    r_sad, r_angry, idempotency_key)
SELECT id, article_id, parent_id, root_id, depth, author_name,
    author_reader, body, html, created_at, edited_at, state, hidden_reason,
    visible_descendants, report_count, reaction_total, r_like, r_love, r_laugh, r_wow,
    r_sad, r_angry, idempotency_key
FROM comments;
DROP TABLE comments;
ALTER TABLE comments_rebuilt RENAME TO comments;

CREATE INDEX comments_top_by_time ON comments (article_id, created_at, id) WHERE parent_id IS NULL;
CREATE INDEX comments_top_by_reactions ON comments (article_id, reaction_total, created_at, id) WHERE parent_id IS NULL;
CREATE INDEX comments_by_root ON comments (root_id, created_at, id);
CREATE INDEX comments_by_time ON comments (created_at, id);
CREATE INDEX comments_reported ON comments (created_at, id) WHERE report_count > 0;
CREATE UNIQUE INDEX comments_by_idempotency_key ON comments (author_reader, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- "Has this reader had a comment approved?" (pre-moderation of newcomers).
CREATE INDEX comments_by_author ON comments (author_reader, state);
-- The Pending queue, and which readers of an article see a comment of
-- theirs that others do not.
CREATE INDEX comments_pending ON comments (article_id, author_reader) WHERE state = 'pending';
CREATE INDEX comments_pending_by_time ON comments (created_at, id) WHERE state = 'pending';

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
CREATE TRIGGER comments_posted AFTER INSERT ON comments BEGIN
    UPDATE comments SET root_id = new.id WHERE id = new.id AND new.root_id = 0;
    UPDATE articles SET visible_count = visible_count + 1
        WHERE id = new.article_id AND new.state = 'visible';
END;

-- Pre-moderation of one article, set by moderators.
ALTER TABLE articles ADD COLUMN premoderate INTEGER NOT NULL DEFAULT 0;
-- Reports hold a comment once enough different addresses made them, so one
-- machine minting reader tokens cannot hold comments alone. A keyed hash,
-- like reader tokens: the address itself is not kept.
ALTER TABLE reports ADD COLUMN address TEXT;
