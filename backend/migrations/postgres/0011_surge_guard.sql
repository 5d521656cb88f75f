-- The surge guard. surge_since: since when it holds the article's new
-- comments for review (NULL: it does not); surge_kind ('posts' or
-- 'reports') and surge_level (that many in five minutes set it off): it
-- ends once the rate is under half of that; surge_reason, what moderators
-- were told. surge_snoozed_until: a
-- moderator let the article's comments through during a surge; the guard
-- leaves it alone until then.
ALTER TABLE articles ADD COLUMN surge_since BIGINT;
ALTER TABLE articles ADD COLUMN surge_kind TEXT;
ALTER TABLE articles ADD COLUMN surge_level BIGINT;
ALTER TABLE articles ADD COLUMN surge_reason TEXT;
ALTER TABLE articles ADD COLUMN surge_snoozed_until BIGINT;
CREATE INDEX articles_in_surge ON articles (surge_since) WHERE surge_since IS NOT NULL;
-- An article's rate of comments and of reports, read by the guard.
CREATE INDEX IF NOT EXISTS comments_by_article_time ON comments (article_id, created_at);
CREATE INDEX IF NOT EXISTS reports_by_time ON reports (created_at);
