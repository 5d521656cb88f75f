-- A post carries its Idempotency-Key into its row. The key's answer is
-- recorded after the comment is written; if the server dies in between, the
-- retry (once the claim is stale) finds the comment here instead of making a
-- second one.
ALTER TABLE comments ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX comments_by_idempotency_key ON comments (author_reader, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
