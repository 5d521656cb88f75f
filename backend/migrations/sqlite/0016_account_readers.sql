-- The reader key a site's account is (a keyed hash of its site id), so
-- that a reader's data finds their account whatever they did (a reader who
-- only reacted has no comment to name it). Filled at each sign-in.
ALTER TABLE accounts ADD COLUMN reader TEXT;
CREATE UNIQUE INDEX accounts_by_reader ON accounts (reader) WHERE reader IS NOT NULL;
