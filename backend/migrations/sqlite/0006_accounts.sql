-- Readers the site vouches for (single sign-on), their sessions, and the
-- ids of site tokens already exchanged (a token with a `jti` is accepted
-- once).
CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY,
    site_id    TEXT    NOT NULL UNIQUE,
    name       TEXT    NOT NULL,
    email      TEXT,
    badges     TEXT    NOT NULL DEFAULT '[]',
    url        TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE reader_sessions (
    token_hash TEXT    PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX reader_sessions_expiry ON reader_sessions (expires_at);

CREATE TABLE site_tokens_seen (
    jti        TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX site_tokens_seen_expiry ON site_tokens_seen (expires_at);
