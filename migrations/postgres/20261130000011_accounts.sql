-- Account lifecycle (#14 item 5): disabling, last login, idle sessions.
--
-- `users.active` stays the one switch a login checks; `disabled_at` only says
-- since when an account is off (NULL for accounts switched off before this
-- migration, whose time nobody recorded). `last_login_at` is shown by
-- `shokai user list` and the /users page; backfilled from the newest session
-- still kept, otherwise unknown (NULL).
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_login_at TIMESTAMPTZ;

UPDATE users SET last_login_at = (
    SELECT MAX(sessions.created_at) FROM sessions WHERE sessions.user_id = users.id
);

-- When the session was last used (updated at most once a minute), for the
-- idle timeout (`SHOKAI_SESSION_IDLE_MINUTES`). Existing sessions count as
-- used when they started (a session idle since then simply ends).
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMPTZ;

UPDATE sessions SET last_seen_at = created_at;

ALTER TABLE sessions ALTER COLUMN last_seen_at SET NOT NULL;

-- Revoking every session of one user, and the idle clean-up.
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_last_seen_at ON sessions (last_seen_at);
