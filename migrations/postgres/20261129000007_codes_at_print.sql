-- Codes are made when a print batch is closed, no longer when a letter is
-- issued: an issued letter waits for its batch without a code, so the
-- HMAC columns become nullable.
ALTER TABLE letters ALTER COLUMN code_key_id DROP NOT NULL;
ALTER TABLE letters ALTER COLUMN code_mac DROP NOT NULL;

-- The per-letter PDFs go: each printed a code. Letters issued before this
-- migration and not yet in a batch are printed afresh, with a new code, by
-- their batch; those already in a batch print from the batch's stored file
-- as before. (PostgreSQL keeps the dropped values in dead tuples until
-- VACUUM reclaims them; see ARCHITECTURE.md.)
ALTER TABLE letters DROP COLUMN pdf;

-- A batch plans its mailing date (the letters print the deadline that date
-- gives) and keeps its print file on disk (`pdf_path`) until it is mailed;
-- the file's SHA-256 stays after the file is deleted.
ALTER TABLE print_batches ADD COLUMN planned_mailing_on DATE;
ALTER TABLE print_batches ADD COLUMN print_sha256 TEXT;
