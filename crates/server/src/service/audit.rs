//! Reading the audit log: search, chain verification, CSV export.
//!
//! Personal data recorded with events is not returned here: auditors see its
//! salted digest, which proves it was not altered without revealing it.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use shokai_store::Store;
use shokai_store::audit::{self, AuditEntry};
pub use shokai_store::audit::{ChainBreak, VerifyReport};

use super::error::ServiceError;

/// What to search for; every part is optional.
#[derive(Debug, Default)]
pub struct AuditQuery {
    /// Only events of this case id.
    pub case_id: Option<i64>,
    /// Only events by this username.
    pub actor: Option<String>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Until this time (exclusive).
    pub to: Option<DateTime<Utc>>,
}

/// One audit event as auditors see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub seq: i64,
    pub recorded_at: DateTime<Utc>,
    pub case_id: Option<i64>,
    pub case_reference: Option<String>,
    pub actor: Option<String>,
    pub role: String,
    pub event: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub reason: Option<String>,
    /// Non-personal details (JSON).
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    /// Salted digest of the personal data recorded with the event.
    pub personal_digest: Option<String>,
    pub hash: String,
}

impl From<AuditEntry> for AuditEvent {
    fn from(e: AuditEntry) -> Self {
        AuditEvent {
            seq: e.seq,
            recorded_at: e.recorded_at,
            case_id: e.case_id,
            case_reference: e.case_reference,
            actor: e.actor,
            role: e.role,
            event: e.event,
            from_state: e.from_state,
            to_state: e.to_state,
            reason: e.reason,
            details: serde_json::from_str(&e.details).unwrap_or(serde_json::Value::Null),
            personal_digest: e.personal_digest,
            hash: e.hash,
        }
    }
}

/// The ends of time for open-ended searches: within what both databases
/// store (PostgreSQL refuses chrono's MIN/MAX) and what SQLite's fixed-width
/// text keeps in order (four-digit years).
fn bounds(q: &AuditQuery) -> (DateTime<Utc>, DateTime<Utc>) {
    let earliest = DateTime::<Utc>::UNIX_EPOCH;
    let latest = Utc
        .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .unwrap_or(earliest);
    (q.from.unwrap_or(earliest), q.to.unwrap_or(latest))
}

/// Events matching `q`, oldest first.
#[tracing::instrument(skip_all)]
pub async fn search(store: &Store, q: &AuditQuery) -> Result<Vec<AuditEvent>, ServiceError> {
    let (from, to) = bounds(q);
    let mut tx = store.read().await?;
    let entries = match q.case_id {
        Some(id) => audit::events_for_case(&mut tx, id).await?,
        None => audit::events_between(&mut tx, from, to).await?,
    };
    tx.commit().await?;
    Ok(entries
        .into_iter()
        .filter(|e| e.recorded_at >= from && e.recorded_at < to)
        .filter(|e| q.actor.is_none() || e.actor == q.actor)
        .map(AuditEvent::from)
        .collect())
}

/// Walks the whole chain.
pub async fn verify(store: &Store) -> Result<VerifyReport, ServiceError> {
    Ok(audit::verify(store).await?)
}

/// The events of `q`'s time range as CSV (no personal data).
pub async fn export_csv(store: &Store, q: &AuditQuery) -> Result<Vec<u8>, ServiceError> {
    let (from, to) = bounds(q);
    let mut out = Vec::new();
    audit::export_csv(store, from, to, &mut out)
        .await
        .map_err(|e| match e {
            audit::ExportError::Store(e) => ServiceError::from(e),
            io @ audit::ExportError::Io(_) => ServiceError::internal(io),
        })?;
    Ok(out)
}
