-- Retention: when an upload's personal data and results are purged, its exchanges keep their counts and
-- digests (for the ledger) but lose the signed request (tokens) and answer; purged_at says when.
ALTER TABLE exchange ADD COLUMN purged_at timestamptz;
