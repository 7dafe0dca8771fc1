-- The log is append-only in the database too, not only in the service's code: a bug, a stray query or an
-- injected statement running as the service's role cannot rewrite, remove or empty entries, nodes or
-- checkpoints, nor move the head back. Inserts are untouched (the triggers cost an append nothing but the
-- head row's check). `party` is left out: the ledger updates a party's key at start-up (registerParty).
-- The tables' owner or a superuser can still switch these triggers off (ALTER TABLE … DISABLE TRIGGER);
-- that is the host the audits (rehash, consistency proofs, the parties' views) are there to catch.
-- DROP does not fire them, so dropping a test schema still works.

CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER entry_append_only BEFORE UPDATE OR DELETE ON entry FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER entry_no_truncate BEFORE TRUNCATE ON entry FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER node_append_only BEFORE UPDATE OR DELETE ON node FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER node_no_truncate BEFORE TRUNCATE ON node FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER checkpoint_append_only BEFORE UPDATE OR DELETE ON checkpoint FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER checkpoint_no_truncate BEFORE TRUNCATE ON checkpoint FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

-- The head row moves only forward: a larger size, or (a no-op) the same size and root. A smaller size is a
-- truncation; the same size with another root is a rewrite.
CREATE FUNCTION ledger_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.size < OLD.size THEN
    RAISE EXCEPTION 'the ledger is append-only: the log size cannot go down (from % to %)', OLD.size, NEW.size
      USING ERRCODE = 'restrict_violation';
  END IF;
  IF NEW.size = OLD.size AND NEW.root IS DISTINCT FROM OLD.root THEN
    RAISE EXCEPTION 'the ledger is append-only: the log of size % cannot get another root', OLD.size
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER log_head_forward BEFORE UPDATE ON log_head FOR EACH ROW EXECUTE FUNCTION ledger_head_forward();
CREATE TRIGGER log_head_no_delete BEFORE DELETE ON log_head FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER log_head_no_truncate BEFORE TRUNCATE ON log_head FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();
