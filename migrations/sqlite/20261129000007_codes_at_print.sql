-- Codes are made when a print batch is closed, no longer when a letter is
-- issued: an issued letter waits for its batch without a code, so the
-- HMAC columns become nullable. SQLite cannot drop NOT NULL in place, so
-- the table is rebuilt (nothing references `letters`).
--
-- The per-letter PDFs (`letters.pdf`) go: each printed a code. Letters
-- issued before this migration and not yet in a batch are printed afresh,
-- with a new code, by their batch; those already in a batch print from the
-- batch's stored file as before. The connection runs with secure_delete,
-- so the dropped pages are zeroed.
CREATE TABLE letters_new (
    id             INTEGER PRIMARY KEY,
    case_id        INTEGER NOT NULL REFERENCES cases (id),
    number         INTEGER NOT NULL CHECK (number BETWEEN 1 AND 3),
    -- HMAC of the code and the id of the key that made it; NULL while the
    -- letter waits for its print batch.
    code_key_id    TEXT,
    code_mac       TEXT,
    issued_at      TEXT    NOT NULL,
    mailed_on      TEXT,
    superseded_at  TEXT,
    batch_id       INTEGER REFERENCES print_batches (id),
    -- SHA-256 over the letter's pages as printed (or, for letters printed
    -- before this migration, of its own PDF), set when its batch is closed.
    fingerprint    TEXT,
    UNIQUE (case_id, number)
);

INSERT INTO letters_new (id, case_id, number, code_key_id, code_mac, issued_at,
                         mailed_on, superseded_at, batch_id, fingerprint)
SELECT id, case_id, number, code_key_id, code_mac, issued_at,
       mailed_on, superseded_at, batch_id, fingerprint
FROM letters;

DROP TABLE letters;
ALTER TABLE letters_new RENAME TO letters;
CREATE INDEX letters_unbatched ON letters (batch_id, issued_at);

-- A batch plans its mailing date (the letters print the deadline that date
-- gives) and keeps its print file on disk (`pdf_path`) until it is mailed;
-- the file's SHA-256 stays after the file is deleted, for the clerks'
-- copies and the audit log to name.
ALTER TABLE print_batches ADD COLUMN planned_mailing_on TEXT;
ALTER TABLE print_batches ADD COLUMN print_sha256 TEXT;
