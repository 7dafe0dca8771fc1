-- The latest ledger checkpoint the trust has accepted (one row), so every new checkpoint, and the
-- council's view carried in each exchange request, can be proven consistent with it.
CREATE TABLE ledger_view (
  id          integer     PRIMARY KEY CHECK (id = 1),
  size        bigint      NOT NULL,
  root        text        NOT NULL,
  note        text        NOT NULL,
  seen_at     timestamptz NOT NULL DEFAULT now()
);
