-- A row with a blank ref is excluded (its verdict says why) but still stored, so the validation report can list it
-- by line; two of them in one file broke UNIQUE (upload_id, ref) and failed the whole upload. Refs must still be
-- unique within an upload where given (the parser refuses a repeated one first; this is the backstop).
ALTER TABLE candidate DROP CONSTRAINT candidate_upload_id_ref_key;
CREATE UNIQUE INDEX candidate_upload_ref ON candidate (upload_id, ref) WHERE ref <> '';
