-- The audit log is append-only, enforced by the database and not only by the
-- code: events can be inserted, never changed, deleted or truncated. The one
-- exception is the retention purge (`audit::purge_personal_data`), which
-- nulls `personal` and `personal_salt` and sets `purged_at`; the chain never
-- hashed those (only `personal_digest`), so it keeps verifying.
--
-- An insider with DDL rights (the table owner or a superuser) can still drop
-- these triggers, or set session_replication_role = replica, rewrite an event
-- and recompute every later hash and the head: the chain then verifies. That
-- is what the signed checkpoints (`shokai audit checkpoint`, key kept by the
-- auditors outside the database) are for. `audit_head` is deliberately left
-- writable: every append updates it, and the checkpoints cover it.
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'audit_log is append-only: events cannot be deleted'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (NEW.seq, NEW.format_version, NEW.recorded_at, NEW.case_id, NEW.case_reference,
        NEW.actor, NEW.role, NEW.event, NEW.from_state, NEW.to_state, NEW.reason,
        NEW.details, NEW.personal_digest, NEW.prev_hash, NEW.hash)
       IS DISTINCT FROM
       (OLD.seq, OLD.format_version, OLD.recorded_at, OLD.case_id, OLD.case_reference,
        OLD.actor, OLD.role, OLD.event, OLD.from_state, OLD.to_state, OLD.reason,
        OLD.details, OLD.personal_digest, OLD.prev_hash, OLD.hash) THEN
        RAISE EXCEPTION 'audit_log is append-only: only the purge may change an event (personal, personal_salt, purged_at)'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    -- The purge only removes personal data; it never writes any.
    IF (NEW.personal IS NOT NULL AND NEW.personal IS DISTINCT FROM OLD.personal)
       OR (NEW.personal_salt IS NOT NULL AND NEW.personal_salt IS DISTINCT FROM OLD.personal_salt) THEN
        RAISE EXCEPTION 'audit_log is append-only: personal data can only be purged (set to NULL)'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER audit_log_append_only
BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
