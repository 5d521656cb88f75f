-- An address changes hands (a phone's carrier, an office): a sanction
-- holds it for the sanction's time, 30 days at most, then forgets it.
ALTER TABLE reader_sanctions ADD COLUMN address_until INTEGER;
UPDATE reader_sanctions SET address_until =
    CASE WHEN until IS NOT NULL AND until < at + 2592000000 THEN until ELSE at + 2592000000 END
    WHERE address IS NOT NULL;
