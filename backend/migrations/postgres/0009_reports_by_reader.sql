-- A reader's history counts the reports they made: without this, every
-- history read the whole reports table.
CREATE INDEX reports_by_reader ON reports (reader);
