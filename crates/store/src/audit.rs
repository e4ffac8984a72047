//! The hash-chained audit log: append inside the caller's transaction, verify
//! the whole chain, export a period as CSV, purge personal data.
//!
//! Appends serialise on the single `audit_head` row: PostgreSQL locks it with
//! `SELECT … FOR UPDATE`; SQLite writers already hold the database write lock
//! (`BEGIN IMMEDIATE`). So concurrent writers extend one unbroken chain and a
//! rolled-back transaction leaves no gap.

use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;

use crate::canonical::{self, CanonicalEvent, FORMAT_VERSION, GENESIS_HASH};
use crate::db::{Row, Store, Tx, args, store_time};
use crate::error::StoreError;

/// An event to append. `personal` is kept apart from the chain: only its
/// salted digest is hashed, so it can be purged later.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAuditEvent {
    /// The case it belongs to, if any.
    pub case_id: Option<i64>,
    /// The case's reference number, if any.
    pub case_reference: Option<String>,
    /// Who acted (username); `None` for the system.
    pub actor: Option<String>,
    /// The actor's role code (`clerk`, `supervisor`, `auditor`, or `system`).
    pub role: String,
    /// Stable snake_case event code.
    pub event: String,
    /// State before, if a case changed state.
    pub from_state: Option<String>,
    /// State after.
    pub to_state: Option<String>,
    /// Why, as the clerk wrote it.
    pub reason: Option<String>,
    /// Non-personal details.
    pub details: serde_json::Value,
    /// Personal data to keep until its retention period ends.
    pub personal: Option<serde_json::Value>,
}

/// One stored audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// Canonical-encoding version of this event.
    pub format_version: i64,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The case, if any.
    pub case_id: Option<i64>,
    /// The case reference, if any.
    pub case_reference: Option<String>,
    /// Who acted.
    pub actor: Option<String>,
    /// Role code.
    pub role: String,
    /// Event code.
    pub event: String,
    /// State before.
    pub from_state: Option<String>,
    /// State after.
    pub to_state: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// Non-personal details as stored JSON text.
    pub details: String,
    /// Hex digest of the salted personal data.
    pub personal_digest: Option<String>,
    /// Personal data JSON text (`None` once purged or if there was none).
    pub personal: Option<String>,
    /// Hex salt of the personal digest (`None` once purged).
    pub personal_salt: Option<String>,
    /// When the personal data was purged.
    pub purged_at: Option<DateTime<Utc>>,
    /// Hex hash of the previous event.
    pub prev_hash: String,
    /// Hex hash of this event.
    pub hash: String,
}

impl AuditEntry {
    /// The fields its hash covers, as if recorded at `seq` (its own `seq`
    /// for the hash it should carry): what an auditor, or an insider
    /// recomputing the chain, hashes.
    pub fn canonical(&self, seq: i64) -> CanonicalEvent<'_> {
        CanonicalEvent {
            seq,
            recorded_at: self.recorded_at,
            case_id: self.case_id,
            case_reference: self.case_reference.as_deref(),
            actor: self.actor.as_deref(),
            role: &self.role,
            event: &self.event,
            from_state: self.from_state.as_deref(),
            to_state: self.to_state.as_deref(),
            reason: self.reason.as_deref(),
            details: &self.details,
            personal_digest: self.personal_digest.as_deref(),
        }
    }

    fn from_row(row: &Row) -> Result<Self, StoreError> {
        Ok(Self {
            seq: row.get("seq")?,
            format_version: row.get("format_version")?,
            recorded_at: row.ts("recorded_at")?,
            case_id: row.get("case_id")?,
            case_reference: row.get("case_reference")?,
            actor: row.get("actor")?,
            role: row.get("role")?,
            event: row.get("event")?,
            from_state: row.get("from_state")?,
            to_state: row.get("to_state")?,
            reason: row.get("reason")?,
            details: row.get("details")?,
            personal_digest: row.get("personal_digest")?,
            personal: row.get("personal")?,
            personal_salt: row.get("personal_salt")?,
            purged_at: row.opt_ts("purged_at")?,
            prev_hash: row.get("prev_hash")?,
            hash: row.get("hash")?,
        })
    }
}

/// Appends `event` to the chain inside `tx`; it becomes visible, with its
/// sequence number, when `tx` commits.
pub async fn append(
    tx: &mut Tx,
    event: &NewAuditEvent,
    now: DateTime<Utc>,
) -> Result<AuditEntry, StoreError> {
    let head_sql = match tx.backend() {
        crate::Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
        crate::Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
    };
    let head = tx.fetch_one(head_sql, args![]).await?;
    let entry = chained_entry(event, head.get("seq")?, head.get("hash")?, now)?;
    insert_entry(tx, &entry).await?;
    tx.execute(
        "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1",
        args![entry.seq, entry.hash.clone()],
    )
    .await?;
    Ok(entry)
}

/// The entry that follows the head `(head_seq, prev_hash)`, salted and hashed.
fn chained_entry(
    event: &NewAuditEvent,
    head_seq: i64,
    prev_hash: String,
    now: DateTime<Utc>,
) -> Result<AuditEntry, StoreError> {
    let (personal, personal_salt, personal_digest) = match &event.personal {
        Some(value) => {
            let text = serde_json::to_string(value)?;
            let mut salt = [0u8; 16];
            rand::rng().fill_bytes(&mut salt);
            let digest = hex::encode(canonical::personal_digest(&salt, &text));
            (Some(text), Some(hex::encode(salt)), Some(digest))
        }
        None => (None, None, None),
    };
    let prev = decode_hash(&prev_hash).ok_or(StoreError::Corrupt {
        column: "audit_head.hash",
        reason: "not 32 bytes of hex",
    })?;
    let mut entry = AuditEntry {
        seq: head_seq + 1,
        format_version: FORMAT_VERSION,
        recorded_at: store_time(now),
        case_id: event.case_id,
        case_reference: non_empty(&event.case_reference),
        actor: non_empty(&event.actor),
        role: event.role.clone(),
        event: event.event.clone(),
        from_state: non_empty(&event.from_state),
        to_state: non_empty(&event.to_state),
        reason: non_empty(&event.reason),
        details: serde_json::to_string(&event.details)?,
        personal_digest,
        personal,
        personal_salt,
        purged_at: None,
        prev_hash,
        hash: String::new(),
    };
    entry.hash = hex::encode(canonical::chain_hash(&prev, &entry.canonical(entry.seq)));
    Ok(entry)
}

/// Optional text is stored absent rather than empty, so an empty CSV cell
/// means exactly "absent" to an auditor recomputing hashes.
fn non_empty(text: &Option<String>) -> Option<String> {
    text.clone().filter(|t| !t.is_empty())
}

async fn insert_entry(tx: &mut Tx, entry: &AuditEntry) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit_log (seq, format_version, recorded_at, case_id, case_reference, actor, \
         role, event, from_state, to_state, reason, details, personal_digest, personal, \
         personal_salt, purged_at, prev_hash, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        args![
            entry.seq,
            entry.format_version,
            entry.recorded_at,
            entry.case_id,
            entry.case_reference.clone(),
            entry.actor.clone(),
            entry.role.clone(),
            entry.event.clone(),
            entry.from_state.clone(),
            entry.to_state.clone(),
            entry.reason.clone(),
            entry.details.clone(),
            entry.personal_digest.clone(),
            entry.personal.clone(),
            entry.personal_salt.clone(),
            entry.purged_at,
            entry.prev_hash.clone(),
            entry.hash.clone(),
        ],
    )
    .await?;
    Ok(())
}

fn decode_hash(text: &str) -> Option<[u8; 32]> {
    hex::decode(text).ok()?.try_into().ok()
}

/// The events of one case, oldest first.
pub async fn events_for_case(tx: &mut Tx, case_id: i64) -> Result<Vec<AuditEntry>, StoreError> {
    tx.fetch_all(select::CASE, args![case_id])
        .await?
        .iter()
        .map(AuditEntry::from_row)
        .collect()
}

/// Events recorded in `[from, to)`, oldest first.
pub async fn events_between(
    tx: &mut Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<AuditEntry>, StoreError> {
    tx.fetch_all(select::BETWEEN, args![from, to])
        .await?
        .iter()
        .map(AuditEntry::from_row)
        .collect()
}

/// The audit-log SELECTs, glued together at compile time.
mod select {
    macro_rules! select {
        ($tail:literal) => {
            concat!(
                "SELECT seq, format_version, recorded_at, case_id, case_reference, actor, role, event, \
                 from_state, to_state, reason, details, personal_digest, personal, personal_salt, \
                 purged_at, prev_hash, hash FROM audit_log ",
                $tail
            )
        };
    }
    pub(super) const CASE: &str = select!("WHERE case_id = ? ORDER BY seq");
    pub(super) const BETWEEN: &str =
        select!("WHERE recorded_at >= ? AND recorded_at < ? ORDER BY seq");
    pub(super) const PAGE: &str = select!("WHERE seq >= ? ORDER BY seq LIMIT ?");
}

/// The first place where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainBreak {
    /// The event at `seq` is not what was recorded there.
    Changed {
        /// Sequence number of the altered event.
        seq: i64,
        /// What does not match.
        detail: &'static str,
    },
    /// No event at `seq`, though the chain continues (or its head says so).
    Missing {
        /// The first absent sequence number.
        seq: i64,
    },
    /// The event at `seq` is intact but was recorded at `recorded_as`.
    Reordered {
        /// Where it is now.
        seq: i64,
        /// Where it was recorded.
        recorded_as: i64,
    },
}

impl ChainBreak {
    /// The sequence number the report points at.
    pub fn seq(&self) -> i64 {
        match self {
            Self::Changed { seq, .. } | Self::Missing { seq } | Self::Reordered { seq, .. } => *seq,
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Changed { seq, detail } => write!(f, "event {seq} was changed: {detail}"),
            Self::Missing { seq } => write!(f, "event {seq} is missing"),
            Self::Reordered { seq, recorded_as } => write!(
                f,
                "event {seq} was reordered: it holds the event recorded as {recorded_as}"
            ),
        }
    }
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Events checked.
    pub events: i64,
    /// The first break, if any.
    pub first_break: Option<ChainBreak>,
}

impl VerifyReport {
    /// True when the chain is unbroken from the first event to the head.
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

const VERIFY_PAGE: i64 = 1000;

/// Walks the whole chain and reports the first break.
pub async fn verify(store: &Store) -> Result<VerifyReport, StoreError> {
    let mut tx = store.read().await?;
    let head = tx
        .fetch_one("SELECT seq, hash FROM audit_head WHERE id = 1", args![])
        .await?;
    let head_seq: i64 = head.get("seq")?;
    let head_hash: String = head.get("hash")?;

    let mut expected = 1;
    let mut prev = GENESIS_HASH;
    loop {
        let rows = tx
            .fetch_all(select::PAGE, args![expected, VERIFY_PAGE])
            .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let entry = AuditEntry::from_row(row)?;
            if entry.seq != expected {
                return Ok(broken(expected, ChainBreak::Missing { seq: expected }));
            }
            if let Some(problem) = check_entry(&mut tx, &entry, &prev, head_seq).await? {
                return Ok(broken(expected, problem));
            }
            prev = decode_hash(&entry.hash).unwrap_or_default();
            expected += 1;
        }
    }
    let last = expected - 1;
    let first_break = if head_seq > last {
        Some(ChainBreak::Missing { seq: expected })
    } else if head_seq < last || hex::encode(prev) != head_hash {
        Some(ChainBreak::Changed {
            seq: last,
            detail: "the last event does not match the recorded head of the chain",
        })
    } else {
        None
    };
    Ok(VerifyReport {
        events: last,
        first_break,
    })
}

fn broken(expected: i64, problem: ChainBreak) -> VerifyReport {
    VerifyReport {
        events: expected - 1,
        first_break: Some(problem),
    }
}

async fn check_entry(
    tx: &mut Tx,
    entry: &AuditEntry,
    prev: &[u8; 32],
    head_seq: i64,
) -> Result<Option<ChainBreak>, StoreError> {
    let seq = entry.seq;
    if entry.format_version != FORMAT_VERSION {
        return Ok(Some(ChainBreak::Changed {
            seq,
            detail: "unknown canonical format version",
        }));
    }
    let Some(stored_prev) = decode_hash(&entry.prev_hash) else {
        return Ok(Some(ChainBreak::Changed {
            seq,
            detail: "prev_hash is not 32 bytes of hex",
        }));
    };
    let recomputed = hex::encode(canonical::chain_hash(&stored_prev, &entry.canonical(seq)));
    if recomputed != entry.hash {
        let max_seq = tx
            .fetch_one("SELECT MAX(seq) AS max_seq FROM audit_log", args![])
            .await?
            .get::<Option<i64>>("max_seq")?
            .unwrap_or(0)
            .max(head_seq);
        return Ok(Some(
            match recorded_position(entry, &stored_prev, max_seq) {
                Some(recorded_as) => ChainBreak::Reordered { seq, recorded_as },
                None => ChainBreak::Changed {
                    seq,
                    detail: "its contents do not match its hash",
                },
            },
        ));
    }
    if &stored_prev != prev {
        // The event is intact, so the one before it was rewritten (with a
        // fresh hash) or, for the first event, the chain does not start at
        // the genesis hash.
        return Ok(Some(ChainBreak::Changed {
            seq: (seq - 1).max(1),
            detail: "its hash differs from the one the next event links to",
        }));
    }
    if let (Some(personal), Some(salt), Some(digest)) = (
        &entry.personal,
        &entry.personal_salt,
        &entry.personal_digest,
    ) {
        let salt = hex::decode(salt).unwrap_or_default();
        if hex::encode(canonical::personal_digest(&salt, personal)) != *digest {
            return Ok(Some(ChainBreak::Changed {
                seq,
                detail: "its personal data does not match the chained digest",
            }));
        }
    }
    Ok(None)
}

/// An intact event found at the wrong position: the position whose number
/// makes its own hash come out right.
fn recorded_position(entry: &AuditEntry, stored_prev: &[u8; 32], max_seq: i64) -> Option<i64> {
    (1..=max_seq)
        .filter(|&candidate| candidate != entry.seq)
        .find(|&candidate| {
            hex::encode(canonical::chain_hash(
                stored_prev,
                &entry.canonical(candidate),
            )) == entry.hash
        })
}

/// Removes personal data from events recorded before `before`, except the
/// events of cases that still hold their own personal data (open cases, or
/// closed ones not yet purged). The chain keeps verifying because it only
/// ever hashed the salted digest. Returns the number of events purged.
pub async fn purge_personal_data(
    tx: &mut Tx,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    tx.execute(
        "UPDATE audit_log SET personal = NULL, personal_salt = NULL, purged_at = ? \
         WHERE personal IS NOT NULL AND recorded_at < ? \
         AND (case_id IS NULL OR case_id NOT IN (SELECT id FROM cases WHERE parties IS NOT NULL))",
        args![now, before],
    )
    .await
}

/// The CSV header written by [`export_csv`]: every field the hash covers, so
/// an auditor can recompute the chain offline.
pub const CSV_HEADER: [&str; 16] = [
    "seq",
    "format_version",
    "recorded_at",
    "case_id",
    "case_reference",
    "actor",
    "role",
    "event",
    "from_state",
    "to_state",
    "reason",
    "details",
    "personal_digest",
    "personal_purged_at",
    "prev_hash",
    "hash",
];

/// Writes the events recorded in `[from, to)` as CSV (RFC 4180 quoting,
/// UTF-8 with a byte-order mark and CRLF line ends as every CSV of ours, so
/// Excel opens it too; field names and timestamps as in the canonical
/// encoding, for scripts). Personal data is not exported.
/// Returns the number of events written.
pub async fn export_csv(
    store: &Store,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    out: &mut impl std::io::Write,
) -> Result<usize, ExportError> {
    let mut tx = store.read().await?;
    let entries = events_between(&mut tx, from, to).await?;
    write!(out, "\u{feff}{}\r\n", CSV_HEADER.join(","))?;
    for entry in &entries {
        let fields = [
            entry.seq.to_string(),
            entry.format_version.to_string(),
            canonical::canonical_time(entry.recorded_at),
            entry.case_id.map(|id| id.to_string()).unwrap_or_default(),
            entry.case_reference.clone().unwrap_or_default(),
            entry.actor.clone().unwrap_or_default(),
            entry.role.clone(),
            entry.event.clone(),
            entry.from_state.clone().unwrap_or_default(),
            entry.to_state.clone().unwrap_or_default(),
            entry.reason.clone().unwrap_or_default(),
            entry.details.clone(),
            entry.personal_digest.clone().unwrap_or_default(),
            entry
                .purged_at
                .map(canonical::canonical_time)
                .unwrap_or_default(),
            entry.prev_hash.clone(),
            entry.hash.clone(),
        ];
        let line: Vec<String> = fields
            .iter()
            .map(|f| shokai_workflow::csv::cell(f))
            .collect();
        write!(out, "{}\r\n", line.join(","))?;
    }
    Ok(entries.len())
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the log failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the CSV failed.
    #[error("cannot write the export")]
    Io(#[from] std::io::Error),
}
