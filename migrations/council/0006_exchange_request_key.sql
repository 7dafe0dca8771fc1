-- Idempotency keys of exchange requests (POST /v1/uploads/:id/exchanges with an Idempotency-Key header): a retried or
-- repeated request with the same key, from the same user, gets the exchange the first one started instead of sending
-- the list to the trust again. exchange_id is chosen before the exchange row exists (the row is written only once the
-- request has been built), so it carries no foreign key; a key whose attempt ended without a lasting exchange is
-- deleted, and every key is dropped a day after it was claimed. Holds no personal data: a user name and the key.
CREATE TABLE exchange_request_key (
  requested_by text        NOT NULL,
  idem_key     text        NOT NULL,
  upload_id    uuid        NOT NULL,
  isa_id       text        NOT NULL,
  clause_id    text        NOT NULL,
  exchange_id  uuid        NOT NULL,
  claimed_at   timestamptz NOT NULL,
  PRIMARY KEY (requested_by, idem_key)
);
CREATE INDEX exchange_request_key_claimed ON exchange_request_key (claimed_at);
