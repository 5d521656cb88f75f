-- An edit that needs a moderator's review waits beside the words readers
-- see (or, for a held comment, beside the words that were held): readers
-- keep the approved words until a moderator approves the edit, and
-- moderators see both.
ALTER TABLE comments ADD COLUMN proposed_body TEXT;
ALTER TABLE comments ADD COLUMN proposed_html TEXT;
ALTER TABLE comments ADD COLUMN proposed_at BIGINT;
CREATE INDEX comments_with_edits ON comments (created_at, id) WHERE proposed_body IS NOT NULL;
