-- The hash-chained audit log. See the shokai-store crate docs for the
-- canonical encoding (format version 1) that `hash` covers.
--
-- Deliberately no foreign keys: nothing deleted elsewhere may cascade into the
-- chain, and case ids / user ids stay as plain numbers after their rows go.
CREATE TABLE audit_log (
    seq             INTEGER PRIMARY KEY,
    format_version  INTEGER NOT NULL,
    recorded_at     TEXT    NOT NULL,
    case_id         INTEGER,
    case_reference  TEXT,
    actor           TEXT,
    role            TEXT    NOT NULL,
    event           TEXT    NOT NULL,
    from_state      TEXT,
    to_state        TEXT,
    reason          TEXT,
    -- JSON text, hashed byte for byte as stored.
    details         TEXT    NOT NULL,
    -- hex SHA-256(salt || personal): the only trace of personal data in the chain.
    personal_digest TEXT,
    -- Purgeable: set to NULL after the retention period; the chain stays valid
    -- because only personal_digest is hashed.
    personal        TEXT,
    personal_salt   TEXT,
    purged_at       TEXT,
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL
);

CREATE INDEX audit_log_case ON audit_log (case_id);
CREATE INDEX audit_log_recorded_at ON audit_log (recorded_at);

-- The head of the chain, one row. Appenders serialise on it, and verify uses
-- it to notice events deleted from the end of the log.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);

INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
