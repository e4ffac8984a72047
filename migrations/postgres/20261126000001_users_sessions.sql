-- Staff accounts and their login sessions.
-- Timestamps are TIMESTAMPTZ bound from Rust (never now()), so both backends
-- record the same instants for the same calls.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      TEXT        NOT NULL UNIQUE,
    display_name  TEXT        NOT NULL,
    -- workflow Role code: clerk | supervisor | auditor
    role          TEXT        NOT NULL,
    -- The caller hashes (argon2 PHC string); the store never sees a password.
    password_hash TEXT        NOT NULL,
    active        BOOLEAN     NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Sessions die with their user; the audit log never points here, so this
    -- cascade cannot touch the chain.
    user_id     BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Only a hash of the bearer token is kept: a stolen database dump must not
    -- hand out live sessions.
    token_hash  TEXT        NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);

CREATE INDEX sessions_expires_at ON sessions (expires_at);
