//! Failure throttles kept in the database, so every server on one database
//! counts the same failures (a guesser cannot spread tries over the counter
//! PCs), and job leases, so a periodic job runs on one server at a time.
//!
//! A throttle counts failures per key with growing delays rather than a
//! fixed lockout: the first [`ThrottlePolicy::free_failures`] cost nothing,
//! each one after that blocks the key for twice as long as the one before,
//! up to [`ThrottlePolicy::max_delay`]. A stranger who floods a key only
//! ever delays it by that cap, and a guesser gets a few tries an hour.
//!
//! [`reserve`] counts a try as a failure *before* the caller does the slow
//! work (argon2, a lookup): parallel tries each see the count of the ones
//! before, so a burst cannot slip through between the check and the count.
//! A success then [`clear`]s the keys it proves (the try was not a failure
//! after all); a refused try counts nothing, so a flood does not push the
//! end of a block further away.
//!
//! Keys are kept as SHA-256 digests: the table never holds a username, a
//! client address or a reference number.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest as _, Sha256};

use crate::db::{Backend, Store, Tx, args};
use crate::error::StoreError;

/// How a scope of keys is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    /// The block after the first failure past the free ones; doubles with
    /// each further failure.
    pub first_delay: Duration,
    /// Upper bound on one block.
    pub max_delay: Duration,
    /// A key with no failure for this long starts again from zero.
    pub forget_after: Duration,
}

impl ThrottlePolicy {
    /// How long a key is blocked after its `failures`-th failure: nothing
    /// while free, then `first_delay × 2^(n−1)` for the n-th failure past
    /// the free ones, capped at `max_delay`.
    pub fn delay_after(&self, failures: u32) -> Duration {
        let Some(past_free) = failures.checked_sub(self.free_failures) else {
            return Duration::zero();
        };
        if past_free == 0 {
            return Duration::zero();
        }
        let factor = 1i32.checked_shl(past_free - 1).filter(|f| *f > 0);
        factor
            .and_then(|f| self.first_delay.checked_mul(f))
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }
}

/// One key to throttle: its scope (a stable name such as `login_user`), the
/// key itself, and the scope's policy.
#[derive(Debug, Clone)]
pub struct ThrottleKey {
    scope: &'static str,
    digest: String,
    policy: ThrottlePolicy,
}

impl ThrottleKey {
    /// `key` in `scope`, throttled by `policy`.
    pub fn new(scope: &'static str, key: &str, policy: ThrottlePolicy) -> ThrottleKey {
        let mut hasher = Sha256::new();
        hasher.update(scope.as_bytes());
        hasher.update([0]);
        hasher.update(key.as_bytes());
        ThrottleKey {
            scope,
            digest: hex::encode(hasher.finalize()),
            policy,
        }
    }

    /// The scope's name.
    pub fn scope(&self) -> &'static str {
        self.scope
    }
}

/// The answer to [`reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The try may go ahead; it was counted as a failure until [`clear`]ed.
    Granted,
    /// A key is blocked until this time; nothing was counted.
    Refused {
        /// When the last blocked key frees up.
        until: DateTime<Utc>,
        /// The scope of that key (for the log, never shown to the client).
        scope: &'static str,
    },
}

/// Checks every key and, when none is blocked, counts the try as a failure
/// of each, in one transaction. Rows are locked in a fixed order, so two
/// servers reserving overlapping keys cannot deadlock.
pub async fn reserve(
    store: &Store,
    keys: &[ThrottleKey],
    now: DateTime<Utc>,
) -> Result<Reservation, StoreError> {
    let mut keys: Vec<&ThrottleKey> = keys.iter().collect();
    keys.sort_by(|a, b| (a.scope, &a.digest).cmp(&(b.scope, &b.digest)));
    // A flood is mostly tries refused: answer those from a read, without
    // taking SQLite's write lock (the write below checks again, locked).
    if let Some(refused) = blocked_now(store, &keys, now).await? {
        return Ok(refused);
    }
    let mut tx = store.begin().await?;
    let mut counts = Vec::with_capacity(keys.len());
    let mut refused = None;
    for key in &keys {
        let (failures, blocked_until) = current(&mut tx, key, now).await?;
        if blocked_until > now {
            refused = latest(refused, blocked_until, key.scope);
        }
        counts.push(failures);
    }
    if let Some((until, scope)) = refused {
        tx.rollback().await?;
        return Ok(Reservation::Refused { until, scope });
    }
    for (key, failures) in keys.iter().zip(counts) {
        let failures = failures.saturating_add(1);
        let blocked_until = now + key.policy.delay_after(failures);
        let forget_at = (now + key.policy.forget_after).max(blocked_until);
        tx.execute(
            "UPDATE throttles SET failures = ?, blocked_until = ?, forget_at = ? \
             WHERE scope = ? AND key_digest = ?",
            args![
                i64::from(failures),
                blocked_until,
                forget_at,
                key.scope,
                key.digest.as_str()
            ],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Reservation::Granted)
}

/// The refusal for `keys` if one of them is blocked at `now`, from a
/// read-only look.
async fn blocked_now(
    store: &Store,
    keys: &[&ThrottleKey],
    now: DateTime<Utc>,
) -> Result<Option<Reservation>, StoreError> {
    let mut tx = store.read().await?;
    let mut refused = None;
    for key in keys {
        let row = tx
            .fetch_optional(
                "SELECT blocked_until FROM throttles \
                 WHERE scope = ? AND key_digest = ? AND blocked_until > ? AND forget_at > ?",
                args![key.scope, key.digest.as_str(), now, now],
            )
            .await?;
        if let Some(row) = row {
            refused = latest(refused, row.ts("blocked_until")?, key.scope);
        }
    }
    tx.commit().await?;
    Ok(refused.map(|(until, scope)| Reservation::Refused { until, scope }))
}

/// Of the blocks seen so far and the one of `scope` until `until`, the one
/// that ends last: what a refused try waits for.
fn latest(
    seen: Option<(DateTime<Utc>, &'static str)>,
    until: DateTime<Utc>,
    scope: &'static str,
) -> Option<(DateTime<Utc>, &'static str)> {
    match seen {
        Some((end, _)) if end >= until => seen,
        _ => Some((until, scope)),
    }
}

/// The key's failures (zero once forgotten) and the end of its block,
/// locking its row (created if missing) for the rest of `tx`.
async fn current(
    tx: &mut Tx,
    key: &ThrottleKey,
    now: DateTime<Utc>,
) -> Result<(u32, DateTime<Utc>), StoreError> {
    tx.execute(
        "INSERT INTO throttles (scope, key_digest, failures, blocked_until, forget_at) \
         VALUES (?, ?, 0, ?, ?) ON CONFLICT (scope, key_digest) DO NOTHING",
        args![key.scope, key.digest.as_str(), now, now],
    )
    .await?;
    // SQLite's write transaction (BEGIN IMMEDIATE) already excludes every
    // other writer; PostgreSQL locks the one row.
    let sql = match tx.backend() {
        Backend::Sqlite => {
            "SELECT failures, blocked_until, forget_at FROM throttles \
             WHERE scope = ? AND key_digest = ?"
        }
        Backend::Postgres => {
            "SELECT failures, blocked_until, forget_at FROM throttles \
             WHERE scope = ? AND key_digest = ? FOR UPDATE"
        }
    };
    let row = tx
        .fetch_one(sql, args![key.scope, key.digest.as_str()])
        .await?;
    let forget_at = row.ts("forget_at")?;
    if forget_at <= now {
        return Ok((0, now));
    }
    let failures: i64 = row.get("failures")?;
    Ok((
        u32::try_from(failures).unwrap_or(u32::MAX),
        row.ts("blocked_until")?,
    ))
}

/// Forgets the failures of `keys`: the try they were reserved for succeeded.
pub async fn clear(store: &Store, keys: &[ThrottleKey]) -> Result<(), StoreError> {
    let mut tx = store.begin().await?;
    for key in keys {
        tx.execute(
            "DELETE FROM throttles WHERE scope = ? AND key_digest = ?",
            args![key.scope, key.digest.as_str()],
        )
        .await?;
    }
    tx.commit().await
}

/// Deletes the rows already forgotten; the minute job calls it. Returns how
/// many.
pub async fn sweep(store: &Store, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut tx = store.begin().await?;
    let deleted = tx
        .execute("DELETE FROM throttles WHERE forget_at <= ?", args![now])
        .await?;
    tx.commit().await?;
    Ok(deleted)
}

/// Takes or renews the lease on `job` for `holder` until `now + ttl`:
/// `true` when `holder` holds it now (it was free, had run out, or was
/// already `holder`'s), `false` when another holder's lease still runs.
pub async fn take_lease(
    store: &Store,
    job: &str,
    holder: &str,
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<bool, StoreError> {
    let mut tx = store.begin().await?;
    let changed = tx
        .execute(
            "INSERT INTO job_leases (job, holder, held_until) VALUES (?, ?, ?) \
             ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, \
             held_until = excluded.held_until \
             WHERE job_leases.holder = excluded.holder OR job_leases.held_until <= ?",
            args![job, holder, now + ttl, now],
        )
        .await?;
    tx.commit().await?;
    Ok(changed == 1)
}

/// Gives up every lease `holder` has (a server stopping), so another server
/// takes the jobs over at its next pass instead of when the leases run out.
pub async fn release_leases(store: &Store, holder: &str) -> Result<u64, StoreError> {
    let mut tx = store.begin().await?;
    let released = tx
        .execute("DELETE FROM job_leases WHERE holder = ?", args![holder])
        .await?;
    tx.commit().await?;
    Ok(released)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            free_failures: 3,
            first_delay: Duration::seconds(2),
            max_delay: Duration::seconds(60),
            forget_after: Duration::hours(1),
        }
    }

    #[test]
    fn the_free_failures_cost_nothing_and_each_later_one_doubles_the_block_up_to_the_cap() {
        let delays: Vec<i64> = (0..=12)
            .map(|n| policy().delay_after(n).num_seconds())
            .collect();
        assert_eq!(delays, [0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60, 60]);
        assert_eq!(policy().delay_after(u32::MAX), Duration::seconds(60));
    }

    #[test]
    fn the_same_key_in_two_scopes_is_two_keys_and_is_kept_as_a_digest() {
        let user = ThrottleKey::new("login_user", "sato", policy());
        let pair = ThrottleKey::new("login_pair", "sato", policy());
        assert_ne!(user.digest, pair.digest);
        assert_eq!(user.digest.len(), 64);
        assert!(!user.digest.contains("sato"));
    }
}
