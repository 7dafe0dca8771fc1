-- One round trip per append transaction: the ledger computes the new nodes, root and signed checkpoint
-- from the frontier it holds for `expected_size`, and this function, under the same head-row lock as
-- before, checks the log still has that size and writes everything. It returns false (and writes nothing)
-- when another writer came first; the caller then re-reads the frontier and appends the slow way.
CREATE FUNCTION ledger_append(
  expected_size bigint, new_size bigint, new_root bytea, note text,
  e_idx bigint[], e_body bytea[], e_leaf bytea[], e_type text[], e_isa text[], e_clause text[],
  e_exchange text[], e_party text[], e_at timestamptz[],
  n_level smallint[], n_idx bigint[], n_hash bytea[]
) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  current_size bigint;
BEGIN
  SELECT size INTO current_size FROM log_head WHERE id = 1 FOR UPDATE;
  IF current_size <> expected_size THEN
    RETURN false;
  END IF;
  INSERT INTO entry (idx, body, leaf_hash, type, isa_id, clause_id, exchange_id, party, at)
    SELECT * FROM unnest(e_idx, e_body, e_leaf, e_type, e_isa, e_clause, e_exchange, e_party, e_at);
  INSERT INTO node (level, idx, hash) SELECT * FROM unnest(n_level, n_idx, n_hash);
  INSERT INTO checkpoint (size, root, note) VALUES (new_size, new_root, note);
  UPDATE log_head SET size = new_size, root = new_root WHERE id = 1;
  RETURN true;
END
$$;
