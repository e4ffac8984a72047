-- Outgoing mail, written in the same transaction as the change that causes it
-- and delivered later by a worker (at least once).
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    -- The same message is never queued, or recorded as sent, twice.
    idempotency_key  TEXT    NOT NULL UNIQUE,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    -- Lease: a worker that crashes mid-send loses its claim when this passes.
    claimed_until    TEXT,
    claim_token      TEXT,
    sent_at          TEXT,
    last_error       TEXT,
    -- Set after too many failures: a supervisor has to look at it.
    dead_at          TEXT,
    created_at       TEXT    NOT NULL
);

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL;
