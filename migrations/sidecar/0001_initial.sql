-- Side-car database (inside the trust): the trust's own tokenised patient index, the exchanges it
-- answered (counts and digests, never candidate tokens once answered) and the nonces it has seen.

CREATE TABLE isa_version (
  isa_id          text        NOT NULL,
  version         integer     NOT NULL,
  digest          text        NOT NULL UNIQUE,
  doc             jsonb       NOT NULL,
  status          text        NOT NULL,
  effective_from  timestamptz NOT NULL,
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (isa_id, version)
);

CREATE TABLE index_version (
  id             serial      PRIMARY KEY,
  status         text        NOT NULL CHECK (status IN ('loading', 'live', 'retired', 'failed')),
  as_of          date        NOT NULL,
  source_digest  text        NOT NULL,
  epoch          integer     NOT NULL,
  key_kcv        text        NOT NULL,
  rows_read      integer     NOT NULL DEFAULT 0,
  rows_loaded    integer     NOT NULL DEFAULT 0,
  rows_rejected  integer     NOT NULL DEFAULT 0,
  started_at     timestamptz NOT NULL DEFAULT now(),
  live_at        timestamptz,
  retired_at     timestamptz
);
-- At most one live version: the swap is one transaction that retires the old and promotes the new.
CREATE UNIQUE INDEX index_version_one_live ON index_version ((status)) WHERE status = 'live';

CREATE TABLE index_patient (
  version_id  integer NOT NULL REFERENCES index_version (id) ON DELETE CASCADE,
  seq         integer NOT NULL,
  patient_id  text    NOT NULL,
  active      boolean NOT NULL,
  restricted  boolean NOT NULL,
  tokens      jsonb   NOT NULL,
  PRIMARY KEY (version_id, seq)
);

CREATE TABLE exchange (
  id               uuid        PRIMARY KEY,
  isa_id           text        NOT NULL,
  isa_digest       text        NOT NULL,
  clause_id        text        NOT NULL,
  party            text        NOT NULL,
  status           text        NOT NULL CHECK (status IN ('pending', 'answered', 'refused', 'expired')),
  rows_received    integer     NOT NULL,
  rows_flagged     integer,
  request_digest   text        NOT NULL,
  index_version_id integer,
  received_at      timestamptz NOT NULL DEFAULT now(),
  expires_at       timestamptz,
  decided_at       timestamptz,
  decided_by       text,
  reason           text,
  error_code       text,
  -- The signed answer holds refs and booleans only; kept so a replayed exchange id gets the same answer.
  signed_answer    jsonb
);

-- Tokens of an exchange waiting for IG approval; deleted on decision or expiry.
CREATE TABLE pending_request (
  exchange_id  uuid  PRIMARY KEY REFERENCES exchange (id) ON DELETE CASCADE,
  request      jsonb NOT NULL
);

CREATE TABLE seen_nonce (
  party    text        NOT NULL,
  nonce    text        NOT NULL,
  seen_at  timestamptz NOT NULL,
  PRIMARY KEY (party, nonce)
);
