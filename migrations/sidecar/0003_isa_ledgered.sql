-- When each ISA version was recorded in the ledger by this party (null: not yet; retried at boot and by
-- the scheduled job, so a ledger that was down when a version was registered still gets the entry).
ALTER TABLE isa_version ADD COLUMN ledgered_at timestamptz;
