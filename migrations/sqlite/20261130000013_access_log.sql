-- The access log (#14 item 7): every read of personal data (a case page, the
-- API's case, a letter or receipt copy, a 発送簿 or print file download)
-- leaves one row saying who read what, when, from which address, and how
-- (`kind`, a stable code: case_page, case_api, response_page,
-- letter_copy, receipt, manifest, print_file). Auditors search it on
-- /audit/access and export it as CSV.
--
-- It holds staff data (user, role, client address) and case references,
-- never a cardholder's name or address, so the retention purge leaves it
-- alone. Like the audit log it has no foreign keys (nothing deleted
-- elsewhere may cascade into it; user and case ids stay as plain numbers)
-- and it is append-only, enforced by triggers: rows are inserted, never
-- changed or deleted. Unlike the audit log it is not hash-chained: it is a
-- record of reads, written on every page view, and the signed audit
-- checkpoints do not cover it.
CREATE TABLE access_log (
    id              INTEGER PRIMARY KEY,
    accessed_at     TEXT    NOT NULL,
    user_id         INTEGER NOT NULL,
    username        TEXT    NOT NULL,
    -- workflow Role code of the reader at the time of the read
    role            TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    -- The case read, or NULL for a batch's files; the reference is copied so
    -- the row stays readable however the case changes.
    case_id         INTEGER,
    case_reference  TEXT,
    -- The print batch whose 発送簿 or print file was downloaded.
    batch_id        INTEGER,
    -- The client's address as `api::client::Client` believes it.
    client_addr     TEXT    NOT NULL
);

-- The page lists newest first by id and filters by reference, user and
-- period; each filter walks its own index in id order.
CREATE INDEX access_log_accessed_at ON access_log (accessed_at, id);
CREATE INDEX access_log_case_reference ON access_log (case_reference, id);
CREATE INDEX access_log_username ON access_log (username, id);

CREATE TRIGGER access_log_no_update
BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only: reads cannot be changed');
END;

CREATE TRIGGER access_log_no_delete
BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only: reads cannot be deleted');
END;
