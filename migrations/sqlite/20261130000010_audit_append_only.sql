-- The audit log is append-only, enforced by the database and not only by the
-- code: events can be inserted, never changed or deleted. The one exception
-- is the retention purge (`audit::purge_personal_data`), which nulls
-- `personal` and `personal_salt` and sets `purged_at`; the chain never hashed
-- those (only `personal_digest`), so it keeps verifying.
--
-- An insider with DDL rights can still drop these triggers, rewrite an event
-- and recompute every later hash and the head: the chain then verifies. That
-- is what the signed checkpoints (`shokai audit checkpoint`, key kept by the
-- auditors outside the database) are for. `audit_head` is deliberately left
-- writable: every append updates it, and the checkpoints cover it.

-- SQLite fires `UPDATE OF` when a listed column is in the SET clause, so the
-- purge (which sets only the three purge columns) passes.
CREATE TRIGGER audit_log_no_update
BEFORE UPDATE OF seq, format_version, recorded_at, case_id, case_reference, actor, role,
    event, from_state, to_state, reason, details, personal_digest, prev_hash, hash
ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: only the purge may change an event (personal, personal_salt, purged_at)');
END;

-- The purge only removes personal data; it never writes any.
CREATE TRIGGER audit_log_purge_only_removes
BEFORE UPDATE OF personal, personal_salt ON audit_log
WHEN (NEW.personal IS NOT NULL AND NEW.personal IS NOT OLD.personal)
    OR (NEW.personal_salt IS NOT NULL AND NEW.personal_salt IS NOT OLD.personal_salt)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: personal data can only be purged (set to NULL)');
END;

CREATE TRIGGER audit_log_no_delete
BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: events cannot be deleted');
END;
