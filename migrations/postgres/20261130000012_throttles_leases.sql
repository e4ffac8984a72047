-- Limits and job leases shared by every server on one database (#14 items 4
-- and 9): a flood on one counter PC slows the same key on every other, and a
-- minute job runs on one server at a time.
--
-- `throttles`: one row per limited key (a scope such as `login_user` and a
-- SHA-256 of the key, so no username, address or reference is kept here).
-- `failures` counts failures since the row was last forgotten; a try is
-- refused while `blocked_until` is in the future; the row is forgotten (and
-- deleted by the minute job) once `forget_at` has passed.
CREATE TABLE throttles (
    scope TEXT NOT NULL,
    key_digest TEXT NOT NULL,
    failures BIGINT NOT NULL,
    blocked_until TIMESTAMPTZ NOT NULL,
    forget_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key_digest)
);
CREATE INDEX throttles_forget_at ON throttles (forget_at);

-- `job_leases`: which server runs a periodic job until when. A server takes
-- the lease when it is free or already its own, renews it each pass, and
-- gives it up when it stops; a server that dies loses it when `held_until` passes.
CREATE TABLE job_leases (
    job TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    held_until TIMESTAMPTZ NOT NULL
);
