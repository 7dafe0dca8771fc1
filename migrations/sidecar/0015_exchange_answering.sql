-- An exchange that passed its checks and is being matched holds a row with status 'answering' from the moment its
-- frequency place is taken (under a per-clause advisory lock, with the count) until its answer is stored in the same
-- row, so two requests arriving together cannot both take the last place. A failed answer deletes the row; one left
-- by a stopped process is deleted by the sweep once ten minutes old, so it stops counting.
ALTER TABLE exchange DROP CONSTRAINT exchange_status_check;
ALTER TABLE exchange ADD CONSTRAINT exchange_status_check CHECK (status IN ('pending', 'answering', 'answered', 'refused', 'expired'));
