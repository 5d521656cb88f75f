-- The audit log also records what admins do: moderators added, removed or
-- given a new password (`subject` names them), and the screening settings
-- changed (`settings_before` and `settings_after`, as JSON). Those have no
-- comment, so `comment_id` may be NULL: SQLite changes that by rebuilding
-- the table.
CREATE TABLE audit_log_new (
    id              INTEGER PRIMARY KEY,
    at              INTEGER NOT NULL,
    moderator       TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    comment_id      INTEGER,
    reason          TEXT,
    subject         TEXT,
    settings_before TEXT,
    settings_after  TEXT
);
INSERT INTO audit_log_new (id, at, moderator, action, comment_id, reason)
    SELECT id, at, moderator, action, comment_id, reason FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_new RENAME TO audit_log;
