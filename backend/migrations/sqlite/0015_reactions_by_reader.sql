-- A reader's data (download and erasure) reads their article reactions:
-- without this, every such read walked the whole table.
CREATE INDEX article_reactions_by_reader ON article_reactions (reader);
