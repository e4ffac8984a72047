-- Staff accounts and their login sessions.
-- Timestamps are TEXT written by Rust in one fixed-width UTC format
-- (YYYY-MM-DDTHH:MM:SS.ffffffZ) so that string comparison is time comparison;
-- SQLite's own datetime() output uses another format and must never be mixed in.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    -- workflow Role code: clerk | supervisor | auditor
    role          TEXT    NOT NULL,
    -- The caller hashes (argon2 PHC string); the store never sees a password.
    password_hash TEXT    NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT    NOT NULL
);

CREATE TABLE sessions (
    id          INTEGER PRIMARY KEY,
    -- Sessions die with their user; the audit log never points here, so this
    -- cascade cannot touch the chain.
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Only a hash of the bearer token is kept: a stolen database dump must not
    -- hand out live sessions.
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    revoked_at  TEXT
);

CREATE INDEX sessions_expires_at ON sessions (expires_at);
