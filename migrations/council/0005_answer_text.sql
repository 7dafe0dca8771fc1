-- The signed answer (and the request column, unused since the council stopped keeping what it sent) as the JSON text
-- they are, not jsonb: nothing queries inside them, and parsing the 2.8 MB answer of a 50,000-row exchange into jsonb
-- cost PostgreSQL ~0.3 s on the exchange's critical path. Text keeps the bytes exactly as written.
ALTER TABLE exchange ALTER COLUMN signed_answer TYPE text USING signed_answer::text;
ALTER TABLE exchange ALTER COLUMN signed_request TYPE text USING signed_request::text;
