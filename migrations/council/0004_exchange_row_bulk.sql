-- exchange_row is written in bulk (one row per candidate sent, 50,000 in a county-wide exchange) by the statement that
-- creates its exchange, in the same transaction, from the upload's own accepted candidates; and each row is updated
-- once, when the answer comes. Tuned for that:
-- * No foreign keys to candidate (upload_id, row_no) or exchange (id): the rows could never break them, but each was
--   checked by a trigger once per row, costing as much as the insert itself; and PostgreSQL caches the plan of such a
--   check per connection: planned while candidate was nearly empty (the first small upload of a fresh deployment), it
--   stayed a sequential scan, and a 50,000-row exchange then took minutes (quadratic). Neither an upload nor an
--   exchange is ever deleted; retention deletes an upload's exchange rows explicitly before its candidates
--   (store.purgeUpload).
-- * Pages half full, so that setting `active` on the answer is a heap-only (HOT) update that touches no index
--   (measured: 50,000 updates 0.2 s instead of 1.0 s).
-- * One index, the primary key (exchange_id, row_ref): every reader and the retention purge go by exchange.
ALTER TABLE exchange_row DROP CONSTRAINT exchange_row_upload_id_row_no_fkey;
ALTER TABLE exchange_row DROP CONSTRAINT exchange_row_exchange_id_fkey;
ALTER TABLE exchange_row SET (fillfactor = 50);
