-- Ledger entries recording a committed change (an answer received, personal data purged), queued in the change's own
-- transaction and appended from here (packages/ledger-client/src/outbox.ts): a ledger that is down, or a process that
-- stops after the commit, delays the entry but cannot lose it. Entries hold digests, counts and ids, never a token.
CREATE TABLE ledger_outbox (
  id          bigserial   PRIMARY KEY,
  entry       text        NOT NULL,
  prepared    boolean     NOT NULL DEFAULT false,
  queued_at   timestamptz NOT NULL DEFAULT now(),
  attempts    integer     NOT NULL DEFAULT 0,
  last_error  text
);
