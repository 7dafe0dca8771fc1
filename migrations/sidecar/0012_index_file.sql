-- Index tokens in a file per version (issue 7, docs/architecture.md): PostgreSQL keeps each chunk's patients and
-- where its kind codes and token bytes start in the version's file, with their SHA-256; the bytes themselves go to
-- the file. Versions stored before this migration keep their bytes in kinds/token_bytes and file_name stays null.

ALTER TABLE index_layout ADD COLUMN file_name text;

ALTER TABLE index_chunk ADD COLUMN file_offset bigint;
ALTER TABLE index_chunk ADD COLUMN file_digest bytea;
ALTER TABLE index_chunk ALTER COLUMN kinds DROP NOT NULL;
ALTER TABLE index_chunk ALTER COLUMN token_bytes DROP NOT NULL;
-- A chunk's tokens are in exactly one place.
ALTER TABLE index_chunk ADD CONSTRAINT index_chunk_tokens_somewhere CHECK (
  (file_offset IS NULL AND file_digest IS NULL AND kinds IS NOT NULL AND token_bytes IS NOT NULL)
  OR (file_offset IS NOT NULL AND length(file_digest) = 32 AND kinds IS NULL AND token_bytes IS NULL)
);
