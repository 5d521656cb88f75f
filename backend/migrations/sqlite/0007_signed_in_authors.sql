-- A comment by a reader the site vouches for keeps which account wrote it
-- (so it shows as verified) and the account's badges when it was posted
-- (a JSON list; NULL when there were none, as for every anonymous comment).
ALTER TABLE comments ADD COLUMN author_account INTEGER;
ALTER TABLE comments ADD COLUMN author_badges TEXT;

-- A signed-in reader's name folded for comparison, twice (case folded
-- before the look-alike letters, and after: "BiII" with capital I's reads
-- like "Bill", "MEI" like "Mei"): an anonymous reader may not post under
-- it.
ALTER TABLE accounts ADD COLUMN name_key TEXT;
ALTER TABLE accounts ADD COLUMN name_key_cased TEXT;
CREATE INDEX accounts_name_key ON accounts (name_key);
CREATE INDEX accounts_name_key_cased ON accounts (name_key_cased);
