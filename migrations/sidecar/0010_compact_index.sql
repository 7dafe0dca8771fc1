-- Compact index storage (issue 7): a version's patients and tokens as packed chunks, a few thousand patients per
-- row, instead of one JSONB row per patient. Loading a million patients is then ~40 reads of a few MB each.

CREATE TABLE index_layout (
  version_id  integer PRIMARY KEY REFERENCES index_version (id) ON DELETE CASCADE,
  -- JSON array of the token kind names; a chunk's kind codes index into it.
  kinds       text    NOT NULL,
  chunks      integer NOT NULL,
  patients    integer NOT NULL,
  tokens      bigint  NOT NULL
);

CREATE TABLE index_chunk (
  version_id  integer NOT NULL REFERENCES index_version (id) ON DELETE CASCADE,
  chunk_no    integer NOT NULL,
  first_seq   integer NOT NULL,
  patients    integer NOT NULL,
  tokens      integer NOT NULL,
  -- JSON array of the chunk's patient ids, in seq order.
  ids         text    NOT NULL,
  -- One byte per patient: bit 0 active, bit 1 restricted.
  flags       bytea   NOT NULL,
  -- Per patient, u16 little-endian: how many tokens it holds; its tokens follow those of the previous patient.
  counts      bytea   NOT NULL,
  -- Per token: its kind code.
  kinds       bytea   NOT NULL,
  -- Per token: 16 bytes.
  token_bytes bytea   NOT NULL,
  PRIMARY KEY (version_id, chunk_no)
);
-- Tokens are random bytes: compression would only cost time.
ALTER TABLE index_chunk ALTER COLUMN token_bytes SET STORAGE EXTERNAL;
ALTER TABLE index_chunk ALTER COLUMN kinds SET STORAGE EXTERNAL;
