-- The signed answer and a held request are kept as the JSON text they are, not as jsonb. Nothing queries inside them:
-- they are stored whole and read back whole (a replayed exchange, the council's poll, an approval). As jsonb,
-- PostgreSQL parsed every document on the way in: ~0.3 s of its CPU for the 2.8 MB answer of a 50,000-row exchange,
-- on the exchange's critical path, and several seconds for a held 50,000-row request (~25 MB of tokens). Text also
-- keeps the bytes exactly as written.
ALTER TABLE exchange ALTER COLUMN signed_answer TYPE text USING signed_answer::text;
ALTER TABLE pending_request ALTER COLUMN request TYPE text USING request::text;
