-- Per-article controls. closed_at: when a moderator closed comments on the
-- article (NULL while open). auto_close_days: the article's own days after
-- its first comment when it closes by itself (0: never; NULL: the site's
-- setting). featured_at: when a moderator featured a comment (visible
-- top-level comments only, at most three per article, cleared when the
-- comment leaves view).
ALTER TABLE articles ADD COLUMN closed_at BIGINT;
ALTER TABLE articles ADD COLUMN auto_close_days BIGINT;
ALTER TABLE comments ADD COLUMN featured_at BIGINT;
CREATE INDEX comments_featured ON comments (article_id, featured_at) WHERE featured_at IS NOT NULL;
