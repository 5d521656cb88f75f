-- The audit log also records what admins do: moderators added, removed or
-- given a new password (`subject` names them), and the screening settings
-- changed (`settings_before` and `settings_after`, as JSON). Those have no
-- comment, so `comment_id` may be NULL.
ALTER TABLE audit_log ALTER COLUMN comment_id DROP NOT NULL;
ALTER TABLE audit_log ADD COLUMN subject TEXT;
ALTER TABLE audit_log ADD COLUMN settings_before TEXT;
ALTER TABLE audit_log ADD COLUMN settings_after TEXT;
