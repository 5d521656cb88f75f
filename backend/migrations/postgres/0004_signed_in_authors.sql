-- A comment by a reader the site vouches for keeps which account wrote it
-- (so it shows as verified) and the account's badges when it was posted
-- (a JSON list; NULL when there were none, as for every anonymous comment).
ALTER TABLE comments ADD COLUMN author_account BIGINT;
ALTER TABLE comments ADD COLUMN author_badges TEXT;

-- A signed-in reader's name folded for comparison (case, look-alike
-- letters): an anonymous reader may not post under it.
ALTER TABLE accounts ADD COLUMN name_key TEXT;
CREATE INDEX accounts_name_key ON accounts (name_key);
