-- Council database: candidate uploads, their validation reports, exchanges and results.
-- Personal data lives only in candidate; everything else refers to rows by (upload_id, row_no).

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

CREATE TABLE upload (
  id            uuid        PRIMARY KEY,
  file_digest   text        NOT NULL UNIQUE,
  filename      text        NOT NULL,
  uploaded_by   text        NOT NULL,
  uploaded_at   timestamptz NOT NULL DEFAULT now(),
  rows_read     integer     NOT NULL,
  rows_accepted integer     NOT NULL,
  rows_excluded integer     NOT NULL,
  rows_warned   integer     NOT NULL,
  purged_at     timestamptz
);

CREATE TABLE candidate (
  upload_id      uuid    NOT NULL REFERENCES upload (id) ON DELETE CASCADE,
  row_no         integer NOT NULL,
  ref            text    NOT NULL,
  nhs_number     text,
  given_name     text,
  family_name    text,
  date_of_birth  text,
  sex            text,
  postcode       text,
  criteria_met   integer,
  district       text,
  family_id      text,
  verdict        text    NOT NULL CHECK (verdict IN ('accepted', 'excluded')),
  person         jsonb,
  PRIMARY KEY (upload_id, row_no),
  UNIQUE (upload_id, ref)
);

CREATE TABLE validation_issue (
  upload_id  uuid    NOT NULL REFERENCES upload (id) ON DELETE CASCADE,
  row_no     integer NOT NULL,
  field      text    NOT NULL,
  severity   text    NOT NULL CHECK (severity IN ('warning', 'error')),
  code       text    NOT NULL,
  message    text    NOT NULL
);
CREATE INDEX validation_issue_upload ON validation_issue (upload_id, row_no);

CREATE TABLE exchange (
  id              uuid        PRIMARY KEY,
  upload_id       uuid        NOT NULL REFERENCES upload (id) ON DELETE CASCADE,
  isa_id          text        NOT NULL,
  isa_version     integer     NOT NULL,
  isa_digest      text        NOT NULL,
  clause_id       text        NOT NULL,
  status          text        NOT NULL CHECK (status IN ('sending', 'pending_approval', 'answered', 'refused', 'failed')),
  epoch           integer     NOT NULL,
  key_kcv         text        NOT NULL,
  rows_sent       integer     NOT NULL,
  rows_flagged    integer,
  index_as_of     date,
  request_digest  text,
  error_code      text,
  error_message   text,
  requested_by    text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  answered_at     timestamptz,
  -- The signed request and answer are kept for the ISA's retention period so ledger digests stay checkable.
  signed_request  jsonb,
  signed_answer   jsonb
);
CREATE INDEX exchange_upload ON exchange (upload_id);

CREATE TABLE exchange_row (
  exchange_id  uuid    NOT NULL REFERENCES exchange (id) ON DELETE CASCADE,
  row_ref      text    NOT NULL,
  upload_id    uuid    NOT NULL,
  row_no       integer NOT NULL,
  active       boolean,
  PRIMARY KEY (exchange_id, row_ref),
  FOREIGN KEY (upload_id, row_no) REFERENCES candidate (upload_id, row_no) ON DELETE CASCADE
);

CREATE TABLE ledger_view (
  id          integer     PRIMARY KEY CHECK (id = 1),
  size        bigint      NOT NULL,
  root        text        NOT NULL,
  note        text        NOT NULL,
  seen_at     timestamptz NOT NULL DEFAULT now()
);
