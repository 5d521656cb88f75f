-- Moderators' sanctions on a reader: by their key, their site account
-- (signed in) and, for the sanction's time, the hash of the address they
-- last posted from (anonymous readers make new keys at will).
CREATE TABLE reader_sanctions (
    id         BIGSERIAL PRIMARY KEY,
    reader     TEXT    NOT NULL,
    account_id BIGINT,
    address    TEXT,
    kind       TEXT    NOT NULL,
    at         BIGINT NOT NULL,
    moderator  TEXT    NOT NULL,
    until      BIGINT,
    reason     TEXT,
    lifted_at  BIGINT,
    lifted_by  TEXT
);
CREATE INDEX reader_sanctions_by_reader ON reader_sanctions (reader);
CREATE INDEX reader_sanctions_by_account ON reader_sanctions (account_id) WHERE account_id IS NOT NULL;
CREATE INDEX reader_sanctions_by_address ON reader_sanctions (address) WHERE address IS NOT NULL;
