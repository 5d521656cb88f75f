-- Which comment of another system's export each imported comment was
-- (`disqus:<forum>:<post id>`, …), so that importing the file again adds
-- only what is new: kept apart from the comment's author and from posting's
-- idempotency keys, so a reader's erasure or a changed author key cannot
-- bring an imported comment back, and two sites' ids do not meet.
CREATE TABLE imported_comments (
    key         TEXT PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments(id)
);
-- Imports before this table kept the key as the comment's idempotency key
-- (without the site): carried over as they were.
INSERT INTO imported_comments (key, comment_id)
    SELECT idempotency_key, id FROM comments WHERE idempotency_key LIKE 'import:%';
UPDATE comments SET idempotency_key = NULL WHERE idempotency_key LIKE 'import:%';
