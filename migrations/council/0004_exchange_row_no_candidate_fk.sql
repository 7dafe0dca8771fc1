-- exchange_row no longer carries a foreign key to candidate (upload_id, row_no). The rows are written from the
-- upload's own accepted candidates in the same service call, so the key could never fail; but the check ran once per
-- row, and PostgreSQL caches the plan of that check per connection: planned while candidate was nearly empty (the
-- first small upload of a fresh deployment), it stays a sequential scan, and a 50,000-row exchange then took minutes
-- (quadratic). Retention deletes an upload's exchange rows explicitly before its candidates (store.purgeUpload).
ALTER TABLE exchange_row DROP CONSTRAINT exchange_row_upload_id_row_no_fkey;
CREATE INDEX exchange_row_upload ON exchange_row (upload_id);
