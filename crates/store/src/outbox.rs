//! The mail outbox: messages are queued in the same transaction as the change
//! that causes them and delivered later, at least once, by [`run_worker`].
//!
//! A worker *claims* due rows by setting a lease (`claimed_until`): with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL so workers never wait on each other,
//! and inside a short `BEGIN IMMEDIATE` on SQLite. A worker that dies keeps
//! its rows only until the lease runs out. Failures back off exponentially;
//! after [`RetryPolicy::max_attempts`] a row is dead-lettered for a
//! supervisor ([`dead_letters`], [`requeue_dead`]). The unique idempotency
//! key stops a message being queued twice, and `sent_at` is only ever set
//! once, so a message is never recorded as sent twice; the key also goes to
//! the [`Sender`] so the transport can deduplicate (e.g. as Message-ID).

use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::Serialize;

use crate::Backend;
use crate::db::{Row, Store, Tx, args};
use crate::error::StoreError;

/// A message to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// What kind of message (the mail template name).
    pub kind: String,
    /// What the template needs.
    pub payload: serde_json::Value,
    /// Unique per message, e.g. `letter-mailed:R8-000012:1`.
    pub idempotency_key: String,
}

/// A queued message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxMessage {
    /// Row id.
    pub id: i64,
    /// Template name.
    pub kind: String,
    /// Template data.
    pub payload: serde_json::Value,
    /// Unique key.
    pub idempotency_key: String,
    /// Failed sends so far.
    pub attempts: i64,
    /// Not claimable before this.
    pub next_attempt_at: DateTime<Utc>,
    /// The current lease, if claimed.
    pub claimed_until: Option<DateTime<Utc>>,
    /// When it was recorded as sent.
    pub sent_at: Option<DateTime<Utc>>,
    /// The last failure, as the sender described it.
    pub last_error: Option<String>,
    /// When it was given up on.
    pub dead_at: Option<DateTime<Utc>>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    claim_token: Option<String>,
}

/// `SELECT <every column> FROM outbox <tail>`, built at compile time.
macro_rules! select_outbox {
    ($tail:literal) => {
        concat!(
            "SELECT id, kind, payload, idempotency_key, attempts, next_attempt_at, claimed_until, \
             claim_token, sent_at, last_error, dead_at, created_at FROM outbox ",
            $tail
        )
    };
}

impl OutboxMessage {
    fn from_row(row: &Row) -> Result<Self, StoreError> {
        let payload: String = row.get("payload")?;
        Ok(Self {
            id: row.get("id")?,
            kind: row.get("kind")?,
            payload: serde_json::from_str(&payload)?,
            idempotency_key: row.get("idempotency_key")?,
            attempts: row.get("attempts")?,
            next_attempt_at: row.ts("next_attempt_at")?,
            claimed_until: row.opt_ts("claimed_until")?,
            sent_at: row.opt_ts("sent_at")?,
            last_error: row.get("last_error")?,
            dead_at: row.opt_ts("dead_at")?,
            created_at: row.ts("created_at")?,
            claim_token: row.get("claim_token")?,
        })
    }
}

/// How hard the worker tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Failures after which a message is dead-lettered.
    pub max_attempts: i64,
    /// Delay after the first failure; doubles with each further one.
    pub base_delay: Duration,
    /// Upper bound on the delay.
    pub max_delay: Duration,
    /// How long a claim lasts before another worker may take the row.
    pub lease: Duration,
    /// Rows claimed at once.
    pub batch_size: i64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: Duration::seconds(30),
            max_delay: Duration::hours(6),
            lease: Duration::minutes(5),
            batch_size: 20,
        }
    }
}

impl RetryPolicy {
    /// The wait after the `failures`-th failure: base × 2^(failures−1), capped.
    pub fn delay_after(&self, failures: i64) -> Duration {
        let exponent = u32::try_from(failures.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(30);
        self.base_delay
            .checked_mul(1_i32 << exponent)
            .map_or(self.max_delay, |delay| delay.min(self.max_delay))
    }
}

/// Queues `message` in `tx`. Returns `false` (and changes nothing) when a
/// message with the same idempotency key is already queued or sent.
pub async fn enqueue(
    tx: &mut Tx,
    message: &NewMessage,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = tx
        .execute(
            "INSERT INTO outbox (kind, payload, idempotency_key, attempts, next_attempt_at, created_at) \
             VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING",
            args![
                message.kind.as_str(),
                serde_json::to_string(&message.payload)?,
                message.idempotency_key.as_str(),
                now,
                now
            ],
        )
        .await?;
    Ok(inserted == 1)
}

/// Claims up to `policy.batch_size` due messages for `policy.lease`.
pub async fn claim(
    store: &Store,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<OutboxMessage>, StoreError> {
    let mut token = [0u8; 16];
    rand::rng().fill_bytes(&mut token);
    let mut tx = store.begin().await?;
    let sql = match tx.backend() {
        Backend::Sqlite => {
            "UPDATE outbox SET claimed_until = ?, claim_token = ? WHERE id IN (\
             SELECT id FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL \
             AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?) \
             ORDER BY next_attempt_at, id LIMIT ?) RETURNING *"
        }
        Backend::Postgres => {
            "UPDATE outbox SET claimed_until = ?, claim_token = ? WHERE id IN (\
             SELECT id FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL \
             AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?) \
             ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING *"
        }
    };
    let rows = tx
        .fetch_all(
            sql,
            args![
                now + policy.lease,
                hex::encode(token),
                now,
                now,
                policy.batch_size
            ],
        )
        .await?;
    tx.commit().await?;
    let mut messages = rows
        .iter()
        .map(OutboxMessage::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    messages.sort_by_key(|m| (m.next_attempt_at, m.id));
    Ok(messages)
}

/// Records `message` as sent. Returns `false` if it already was (another
/// worker got there first after a lease ran out): it is never recorded twice.
pub async fn record_sent(
    store: &Store,
    message: &OutboxMessage,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut tx = store.begin().await?;
    let changed = tx
        .execute(
            "UPDATE outbox SET sent_at = ?, claimed_until = NULL, claim_token = NULL \
             WHERE id = ? AND sent_at IS NULL",
            args![now, message.id],
        )
        .await?;
    tx.commit().await?;
    Ok(changed == 1)
}

/// What happened to a message after a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureOutcome {
    /// It will be tried again from this time.
    RetryAt(DateTime<Utc>),
    /// It was dead-lettered.
    Dead,
    /// The claim had passed to another worker; nothing was recorded.
    ClaimLost,
}

/// Records a failed send: backs off, or dead-letters after too many failures.
pub async fn record_failure(
    store: &Store,
    message: &OutboxMessage,
    error: &str,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
) -> Result<FailureOutcome, StoreError> {
    let failures = message.attempts + 1;
    let (outcome, next, dead) = if failures >= policy.max_attempts {
        (FailureOutcome::Dead, now, Some(now))
    } else {
        let at = now + policy.delay_after(failures);
        (FailureOutcome::RetryAt(at), at, None)
    };
    let mut tx = store.begin().await?;
    let changed = tx
        .execute(
            "UPDATE outbox SET attempts = ?, next_attempt_at = ?, dead_at = ?, last_error = ?, \
             claimed_until = NULL, claim_token = NULL \
             WHERE id = ? AND claim_token = ? AND sent_at IS NULL",
            args![
                failures,
                next,
                dead,
                error,
                message.id,
                message.claim_token.clone()
            ],
        )
        .await?;
    tx.commit().await?;
    Ok(if changed == 1 {
        outcome
    } else {
        FailureOutcome::ClaimLost
    })
}

/// Messages given up on, newest first: the supervisor's queue.
pub async fn dead_letters(tx: &mut Tx) -> Result<Vec<OutboxMessage>, StoreError> {
    const SQL: &str = select_outbox!("WHERE dead_at IS NOT NULL ORDER BY dead_at DESC, id DESC");
    tx.fetch_all(SQL, args![])
        .await?
        .iter()
        .map(OutboxMessage::from_row)
        .collect()
}

/// One message by id.
pub async fn get(tx: &mut Tx, id: i64) -> Result<OutboxMessage, StoreError> {
    const SQL: &str = select_outbox!("WHERE id = ?");
    let row = tx
        .fetch_optional(SQL, args![id])
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("outbox message {id}"),
        })?;
    OutboxMessage::from_row(&row)
}

/// A supervisor sends a dead-lettered message round again (attempts reset).
pub async fn requeue_dead(tx: &mut Tx, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let changed = tx
        .execute(
            "UPDATE outbox SET dead_at = NULL, attempts = 0, next_attempt_at = ? \
             WHERE id = ? AND dead_at IS NOT NULL",
            args![now, id],
        )
        .await?;
    Ok(changed == 1)
}

/// A failed delivery, described without personal data (it is stored).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SendError(pub String);

/// Delivers one message (SMTP in production). Must be safe to call twice for
/// the same message: delivery is at least once.
pub trait Sender: Send + Sync {
    /// Sends `message`; an `Err` schedules a retry.
    fn send(&self, message: &OutboxMessage) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// What one pass of [`deliver_due`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Messages recorded as sent.
    pub sent: usize,
    /// Messages that failed and will be retried.
    pub retried: usize,
    /// Messages dead-lettered in this pass.
    pub dead: usize,
}

/// Claims the messages due at `now`, sends each, records the outcome.
pub async fn deliver_due(
    store: &Store,
    sender: &impl Sender,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, StoreError> {
    let mut report = DeliveryReport::default();
    for message in claim(store, policy, now).await? {
        match sender.send(&message).await {
            Ok(()) => {
                if record_sent(store, &message, now).await? {
                    report.sent += 1;
                }
            }
            Err(error) => match record_failure(store, &message, &error.0, policy, now).await? {
                FailureOutcome::RetryAt(_) => report.retried += 1,
                FailureOutcome::Dead => report.dead += 1,
                FailureOutcome::ClaimLost => {}
            },
        }
    }
    Ok(report)
}

/// The worker: delivers due messages until `shutdown` completes, sleeping
/// `idle` between passes that found nothing to do.
pub async fn run_worker(
    store: &Store,
    sender: &impl Sender,
    policy: &RetryPolicy,
    idle: std::time::Duration,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StoreError> {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let report = deliver_due(store, sender, policy, Utc::now()).await?;
        if report == DeliveryReport::default() {
            tokio::select! {
                () = &mut shutdown => return Ok(()),
                () = tokio::time::sleep(idle) => {}
            }
        } else if is_done(&mut shutdown).await {
            return Ok(());
        }
    }
}

/// True if `shutdown` has already completed, without waiting for it.
async fn is_done(shutdown: &mut std::pin::Pin<&mut impl Future<Output = ()>>) -> bool {
    tokio::select! {
        biased;
        () = shutdown => true,
        () = std::future::ready(()) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        let policy = RetryPolicy {
            base_delay: Duration::seconds(10),
            max_delay: Duration::seconds(60),
            ..RetryPolicy::default()
        };
        assert_eq!(policy.delay_after(1), Duration::seconds(10));
        assert_eq!(policy.delay_after(2), Duration::seconds(20));
        assert_eq!(policy.delay_after(3), Duration::seconds(40));
        assert_eq!(policy.delay_after(4), Duration::seconds(60));
        assert_eq!(policy.delay_after(200), Duration::seconds(60));
    }
}
