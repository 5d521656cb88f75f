-- A reader's history for moderators: their comments by reader (newest
-- first), the address hash each was posted from (kept 30 days, then
-- cleared: it only counts other readers from the same address), and
-- moderators' private notes on a reader.
ALTER TABLE comments ADD COLUMN author_address TEXT;
CREATE INDEX comments_by_author_time ON comments (author_reader, created_at, id);
CREATE INDEX comments_by_address ON comments (author_address) WHERE author_address IS NOT NULL;

CREATE TABLE reader_notes (
    id        INTEGER PRIMARY KEY,
    reader    TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    moderator TEXT    NOT NULL,
    body      TEXT    NOT NULL
);
CREATE INDEX reader_notes_by_reader ON reader_notes (reader, id);
