-- Ledger database: an append-only RFC 6962 log. Entries and nodes are only ever inserted; the head row
-- is the sequencing lock (SELECT … FOR UPDATE) that makes indexes gapless under concurrent appends.

CREATE TABLE party (
  id           text PRIMARY KEY,
  signing_key  text NOT NULL,
  registered_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE log_head (
  id    integer PRIMARY KEY CHECK (id = 1),
  size  bigint  NOT NULL,
  root  bytea   NOT NULL
);
INSERT INTO log_head (id, size, root) VALUES (1, 0, decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'));

-- body holds the exact leaf bytes (RFC 8785 JCS of the signed envelope); audits re-hash it.
CREATE TABLE entry (
  idx          bigint      PRIMARY KEY,
  body         bytea       NOT NULL,
  leaf_hash    bytea       NOT NULL,
  type         text        NOT NULL,
  isa_id       text        NOT NULL,
  clause_id    text,
  exchange_id  text,
  party        text        NOT NULL,
  at           timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entry_isa ON entry (isa_id, clause_id, at);
CREATE INDEX entry_type ON entry (type, at);
CREATE INDEX entry_party ON entry (party, at);

-- Perfect-subtree hashes (level 0 = leaves), so roots and proofs never need every leaf.
CREATE TABLE node (
  level  smallint NOT NULL,
  idx    bigint   NOT NULL,
  hash   bytea    NOT NULL,
  PRIMARY KEY (level, idx)
);

CREATE TABLE checkpoint (
  size        bigint      PRIMARY KEY,
  root        bytea       NOT NULL,
  note        text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
