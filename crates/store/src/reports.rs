//! Read-only queries behind the office's reports: cases per state, cases
//! past their deadline, cases whose PINs were set in a period, and letters
//! issued and mailed.
//!
//! These return plain rows; the arithmetic (medians, days overdue, grouping
//! instants by Japan date) is the caller's, in Rust, so it is the same on
//! both backends and testable without a database. No personal data is read.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use shokai_workflow::{CaseCore, CaseState, Path};

use crate::db::{Tx, args};
use crate::error::StoreError;

/// How many cases are in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StateCount {
    /// The state.
    pub state: CaseState,
    /// Cases in it now.
    pub count: i64,
}

/// Cases per state now; states without cases are absent.
pub async fn count_by_state(tx: &mut Tx) -> Result<Vec<StateCount>, StoreError> {
    let rows = tx
        .fetch_all(
            "SELECT state, COUNT(*) AS n FROM cases GROUP BY state ORDER BY state",
            args![],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.get("state")?;
            Ok(StateCount {
                state: CaseState::from_code(&state).ok_or(StoreError::Corrupt {
                    column: "cases.state",
                    reason: "unknown state code",
                })?,
                count: row.get("n")?,
            })
        })
        .collect()
}

/// A case still waiting for its response after the deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueCase {
    /// Row id.
    pub id: i64,
    /// Reference number text.
    pub reference: String,
    /// The last day a response was accepted.
    pub deadline: NaiveDate,
}

/// Every case in `inquiry_mailed` whose deadline is before `today` (a Japan
/// date), most overdue first. Unlike the case list this is not paged: the
/// report must count them all.
pub async fn overdue_cases(tx: &mut Tx, today: NaiveDate) -> Result<Vec<OverdueCase>, StoreError> {
    let rows = tx
        .fetch_all(
            "SELECT id, reference, deadline FROM cases WHERE state = ? AND deadline < ? \
             ORDER BY deadline, id",
            args![CaseState::InquiryMailed.code(), today],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(OverdueCase {
                id: row.get("id")?,
                reference: row.get("reference")?,
                deadline: row.opt_date("deadline")?.ok_or(StoreError::Corrupt {
                    column: "cases.deadline",
                    reason: "an inquiry_mailed case without a deadline",
                })?,
            })
        })
        .collect()
}

/// A case whose PINs were set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CompletedCase {
    /// Row id.
    pub id: i64,
    /// Its path.
    pub path: Path,
    /// When the application was registered.
    pub applied_at: DateTime<Utc>,
    /// When the PINs were set (the case closed).
    pub pin_set_at: DateTime<Utc>,
}

/// Cases that reached `pin_set` at or after `from` and before `to`.
///
/// A `pin_set` case never changes again (the purge of personal data leaves
/// `updated_at` alone), so its last change is when the PINs were set; the
/// case's own `closed_at` is used where present and the filter is repeated
/// on it.
pub async fn pins_set_between(
    tx: &mut Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<CompletedCase>, StoreError> {
    let rows = tx
        .fetch_all(
            "SELECT id, core, updated_at FROM cases WHERE state = ? AND updated_at >= ? \
             AND updated_at < ? ORDER BY updated_at, id",
            args![CaseState::PinSet.code(), from, to],
        )
        .await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in &rows {
        let core: String = row.get("core")?;
        let core: CaseCore = serde_json::from_str(&core)?;
        let pin_set_at = core.closed_at().unwrap_or(row.ts("updated_at")?);
        if pin_set_at >= from && pin_set_at < to {
            found.push(CompletedCase {
                id: row.get("id")?,
                path: core.path(),
                applied_at: core.applied_at(),
                pin_set_at,
            });
        }
    }
    Ok(found)
}

/// When each letter issued at or after `from` and before `to` was issued,
/// oldest first (the caller groups them by Japan date).
pub async fn letters_issued_between(
    tx: &mut Tx,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, StoreError> {
    let rows = tx
        .fetch_all(
            "SELECT issued_at FROM letters WHERE issued_at >= ? AND issued_at < ? \
             ORDER BY issued_at",
            args![from, to],
        )
        .await?;
    rows.iter().map(|row| row.ts("issued_at")).collect()
}

/// How many letters were handed to the post on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayCount {
    /// The Japan date.
    pub day: NaiveDate,
    /// Letters.
    pub count: i64,
}

/// Letters mailed on each day from `first` to `last` (both included), by
/// day; days without letters are absent.
pub async fn letters_mailed_between(
    tx: &mut Tx,
    first: NaiveDate,
    last: NaiveDate,
) -> Result<Vec<DayCount>, StoreError> {
    let rows = tx
        .fetch_all(
            "SELECT mailed_on, COUNT(*) AS n FROM letters WHERE mailed_on >= ? AND mailed_on <= ? \
             GROUP BY mailed_on ORDER BY mailed_on",
            args![first, last],
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(DayCount {
                day: row.opt_date("mailed_on")?.ok_or(StoreError::Corrupt {
                    column: "letters.mailed_on",
                    reason: "grouped date missing",
                })?,
                count: row.get("n")?,
            })
        })
        .collect()
}

/// Letters that closing a batch now would take: issued, in no batch, not
/// superseded, not mailed, of a case still open (the same conditions as
/// [`crate::batches::create_batch`] with a cut-off of now).
pub async fn letters_waiting_for_batch(tx: &mut Tx) -> Result<i64, StoreError> {
    const WAITING: &str = concat!(
        "SELECT COUNT(*) AS n FROM letters WHERE batch_id IS NULL AND superseded_at IS NULL \
         AND mailed_on IS NULL AND case_id IN (SELECT id FROM cases WHERE state NOT IN ",
        crate::cases::final_states_sql!(),
        ")"
    );
    let row = tx.fetch_one(WAITING, args![]).await?;
    row.get("n")
}
