-- Outgoing mail, written in the same transaction as the change that causes it
-- and delivered later by a worker (at least once).
CREATE TABLE outbox (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             TEXT        NOT NULL,
    payload          TEXT        NOT NULL,
    -- The same message is never queued, or recorded as sent, twice.
    idempotency_key  TEXT        NOT NULL UNIQUE,
    attempts         BIGINT      NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    -- Lease: a worker that crashes mid-send loses its claim when this passes.
    claimed_until    TIMESTAMPTZ,
    claim_token      TEXT,
    sent_at          TIMESTAMPTZ,
    last_error       TEXT,
    -- Set after too many failures: a supervisor has to look at it.
    dead_at          TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL
);

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE sent_at IS NULL AND dead_at IS NULL;
