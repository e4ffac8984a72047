//! Cases: opening one (with its reference number), every workflow transition
//! as one transaction, listings, and the letters kept in step with the case.
//!
//! A transition reads the case at version `v`, applies the workflow's event,
//! writes `UPDATE … SET version = v + 1 WHERE id = ? AND version = v` (no row
//! changed: [`StoreError::VersionConflict`]), syncs the letters, appends the
//! audit event, queues any outbox messages and commits — all or nothing.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use shokai_workflow::{
    ApplicationError, AuditRecord, CardFingerprint, Case, CaseCore, CaseState, Letter, Parties,
    Path, ReferenceNumber, Role, TakeOver, TakeOverError, Transition, TransitionError,
};

use crate::audit::{self, NewAuditEvent};
use crate::case_list::stored_kana;
use crate::db::{Row, Store, Tx, args};
use crate::error::StoreError;
use crate::outbox::{self, NewMessage};

/// Who performs a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's id, if a user (not the system) acts.
    pub user_id: Option<i64>,
    /// Username, recorded in the audit log.
    pub username: String,
    /// The role the user acts in.
    pub role: Role,
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCase {
    /// Row id.
    pub id: i64,
    /// Optimistic-concurrency version; pass it back to [`Store::transition`].
    pub version: i64,
    /// Everything but personal data.
    pub core: CaseCore,
    /// Personal data; `None` once purged after its retention period.
    pub parties: Option<Parties>,
    /// When the case was registered.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When its personal data was purged.
    pub purged_at: Option<DateTime<Utc>>,
}

impl StoredCase {
    /// The whole aggregate, for the workflow to act on.
    pub fn case(&self) -> Result<Case, StoreError> {
        let parties = self
            .parties
            .clone()
            .ok_or(StoreError::Purged { case_id: self.id })?;
        Ok(Case::from_parts(self.core.clone(), parties))
    }

    fn from_row(row: &Row) -> Result<Self, StoreError> {
        let core: String = row.get("core")?;
        let parties: Option<String> = row.get("parties")?;
        Ok(Self {
            id: row.get("id")?,
            version: row.get("version")?,
            core: serde_json::from_str(&core)?,
            parties: parties.map(|p| serde_json::from_str(&p)).transpose()?,
            created_at: row.ts("created_at")?,
            updated_at: row.ts("updated_at")?,
            purged_at: row.opt_ts("purged_at")?,
        })
    }
}

/// A response attempt to log with a transition (or on its own).
#[derive(Debug, Clone, PartialEq)]
pub struct NewResponseAttempt {
    /// The letter whose code was entered, if known.
    pub letter_number: Option<u8>,
    /// `accepted`, or the workflow's refusal code (`code_mismatch`, …).
    pub outcome: String,
    /// Non-personal facts (attempt counts).
    pub details: serde_json::Value,
}

/// What a transition closure returns: the workflow's [`Transition`] and what
/// else to write in the same transaction. A plain `Transition` converts.
#[derive(Debug, Clone, PartialEq)]
pub struct Commit {
    /// The new case and its audit record.
    pub transition: Transition,
    /// Mail to queue.
    pub messages: Vec<NewMessage>,
    /// A response attempt to log.
    pub response_attempt: Option<NewResponseAttempt>,
    /// Audit records of the case that led to the step, written just before
    /// its own (the PIN tries on the card that ended in a PIN change or a
    /// blocked PIN); they change nothing themselves.
    pub earlier: Vec<AuditRecord>,
}

impl From<Transition> for Commit {
    fn from(transition: Transition) -> Self {
        Self {
            transition,
            messages: Vec::new(),
            response_attempt: None,
            earlier: Vec::new(),
        }
    }
}

macro_rules! select_case {
    ($tail:literal) => {
        concat!(
            "SELECT id, version, core, parties, created_at, updated_at, purged_at FROM cases ",
            $tail
        )
    };
}

/// One case by id.
pub async fn get_case(tx: &mut Tx, id: i64) -> Result<StoredCase, StoreError> {
    let row = tx
        .fetch_optional(select_case!("WHERE id = ?"), args![id])
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("case {id}"),
        })?;
    StoredCase::from_row(&row)
}

/// One case by reference number.
pub async fn case_by_reference(
    tx: &mut Tx,
    reference: &ReferenceNumber,
) -> Result<Option<StoredCase>, StoreError> {
    tx.fetch_optional(
        select_case!("WHERE reference = ?"),
        args![reference.to_string()],
    )
    .await?
    .as_ref()
    .map(StoredCase::from_row)
    .transpose()
}

/// Allocates the next reference sequence number of a Reiwa year (1, 2, …).
/// Atomic on both backends; rolled back with the transaction that asked.
pub async fn next_reference_sequence(tx: &mut Tx, reiwa_year: u8) -> Result<u32, StoreError> {
    let row = tx
        .fetch_one(
            "INSERT INTO reference_sequences (reiwa_year, last_value) VALUES (?, 1) \
             ON CONFLICT (reiwa_year) DO UPDATE SET last_value = reference_sequences.last_value + 1 \
             RETURNING last_value",
            args![i64::from(reiwa_year)],
        )
        .await?;
    let value: i64 = row.get("last_value")?;
    u32::try_from(value).map_err(|_| StoreError::Corrupt {
        column: "reference_sequences.last_value",
        reason: "out of range",
    })
}

fn audit_event(
    case_id: i64,
    reference: ReferenceNumber,
    actor: &Actor,
    record: &AuditRecord,
) -> NewAuditEvent {
    NewAuditEvent {
        case_id: Some(case_id),
        case_reference: Some(reference.to_string()),
        actor: Some(actor.username.clone()),
        role: record.role.code().to_owned(),
        event: record.event.to_owned(),
        from_state: record.from.map(|s| s.code().to_owned()),
        to_state: Some(record.to.code().to_owned()),
        reason: record.reason.clone(),
        details: record.details.clone(),
        personal: record.personal.clone(),
    }
}

/// Keeps `letters` rows in step with `case.letters`. Batch id and the
/// printed pages' fingerprint belong to the store and are left alone; a mailing date set by
/// a batch is kept if the case does not (yet) carry one.
async fn sync_letters(tx: &mut Tx, case_id: i64, letters: &[Letter]) -> Result<(), StoreError> {
    for letter in letters {
        tx.execute(
            "INSERT INTO letters (case_id, number, code_key_id, code_mac, issued_at, mailed_on, superseded_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (case_id, number) DO UPDATE SET code_key_id = excluded.code_key_id, \
             code_mac = excluded.code_mac, issued_at = excluded.issued_at, \
             mailed_on = COALESCE(excluded.mailed_on, letters.mailed_on), \
             superseded_at = excluded.superseded_at",
            args![
                case_id,
                i64::from(letter.number),
                letter.digest.as_ref().map(|d| d.key_id.clone()),
                letter.digest.as_ref().map(|d| hex::encode(d.mac)),
                letter.issued_at,
                letter.mailed_on,
                letter.superseded_at
            ],
        )
        .await?;
    }
    Ok(())
}

/// The next reference number of the Reiwa year of `now` (Japan date).
async fn next_reference(tx: &mut Tx, now: DateTime<Utc>) -> Result<ReferenceNumber, StoreError> {
    let applied_on = shokai_workflow::case::japan_date(now);
    let year = shokai_workflow::domain::reiwa_year(applied_on)
        .map_err(|_| StoreError::OutsideReiwa { date: applied_on })?;
    let sequence = next_reference_sequence(tx, year).await?;
    ReferenceNumber::new(year, sequence)
        .map_err(|_| StoreError::ReferencesExhausted { reiwa_year: year })
}

/// The reference of the case still open (not in a final state) for the
/// card, if any.
pub async fn open_case_for_card(
    tx: &mut Tx,
    card: &CardFingerprint,
) -> Result<Option<ReferenceNumber>, StoreError> {
    let row = tx
        .fetch_optional(
            concat!(
                "SELECT reference FROM cases WHERE card_fingerprint = ? AND state NOT IN ",
                crate::cases::final_states_sql!(),
                " ORDER BY id LIMIT 1"
            ),
            args![card.as_str()],
        )
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let text: String = row.get("reference")?;
    ReferenceNumber::parse(&text)
        .map(Some)
        .map_err(|_| StoreError::Corrupt {
            column: "cases.reference",
            reason: "not a reference number",
        })
}

/// Inserts a case the workflow has just opened, with its letters and its
/// audit event.
async fn insert_case(
    tx: &mut Tx,
    actor: &Actor,
    now: DateTime<Utc>,
    transition: Transition,
) -> Result<StoredCase, StoreError> {
    let Transition {
        case,
        audit: record,
    } = transition;
    let (core, parties) = case.into_parts();
    let row = tx
        .fetch_one(
            "INSERT INTO cases (reference, path, state, version, deadline, created_at, updated_at, \
             core, parties, card_fingerprint, cardholder_kana) \
             VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            args![
                core.reference().to_string(),
                core.path().code(),
                core.state().code(),
                core.deadline(),
                now,
                now,
                serde_json::to_string(&core)?,
                serde_json::to_string(&parties)?,
                core.card_fingerprint().as_str(),
                stored_kana(&parties.cardholder.name)
            ],
        )
        .await
        .map_err(|e| e.duplicate_as("case reference"))?;
    let id: i64 = row.get("id")?;
    sync_letters(tx, id, core.letters()).await?;
    audit::append(tx, &audit_event(id, core.reference(), actor, &record), now).await?;
    get_case(tx, id).await
}

impl Store {
    /// Opens a case: allocates the next reference number of the Reiwa year
    /// of `now` (Japan date), looks up the case still open for the same card
    /// (`card`), lets the workflow open the case with both, and stores the
    /// case and its audit event in one transaction.
    ///
    /// The lookup cannot race another opening: allocating the reference
    /// number writes the year's sequence row first, which holds that row's
    /// lock (PostgreSQL) or the database's write lock (SQLite) until commit,
    /// so openings are serialised.
    pub async fn create_case(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        card: &CardFingerprint,
        open: impl FnOnce(
            ReferenceNumber,
            Option<ReferenceNumber>,
        ) -> Result<Transition, ApplicationError>,
    ) -> Result<StoredCase, StoreError> {
        let mut tx = self.begin().await?;
        let reference = next_reference(&mut tx, now).await?;
        let open_for_card = open_case_for_card(&mut tx, card).await?;
        let transition = open(reference, open_for_card)?;
        let stored = insert_case(&mut tx, actor, now, transition).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Applies one workflow step to case `case_id`, which the caller read at
    /// `expected_version`. `apply` gets the current case and returns the
    /// workflow's [`Transition`] (or a [`Commit`] with mail and a response
    /// attempt). One transaction: state, letters, audit event, outbox.
    ///
    /// A step the workflow records but refuses (a wrong code, which counts
    /// towards the lock) is committed and then returned as
    /// [`StoreError::Refused`] with the stored case.
    pub async fn transition<S: Into<Commit>>(
        &self,
        case_id: i64,
        expected_version: i64,
        actor: &Actor,
        now: DateTime<Utc>,
        apply: impl FnOnce(&Case) -> Result<S, TransitionError>,
    ) -> Result<StoredCase, StoreError> {
        let mut tx = self.begin().await?;
        let current = get_case(&mut tx, case_id).await?;
        if current.version != expected_version {
            return Err(StoreError::VersionConflict {
                case_id,
                expected: expected_version,
            });
        }
        let step: Commit = apply(&current.case()?)?.into();
        let refusal = step.transition.refusal();
        write_step(&mut tx, &current, actor, now, step).await?;
        self.run_before_commit_hook();
        let stored = get_case(&mut tx, case_id).await?;
        tx.commit().await?;
        match refusal {
            Some(error) => Err(StoreError::Refused {
                error,
                case: Box::new(stored),
            }),
            None => Ok(stored),
        }
    }
}

impl Store {
    /// Ends case `case_id` (read at `expected_version`) and opens another in
    /// its place, in one transaction: a cardholder who comes in person while
    /// their proxy's case is open. `take_over` gets the open case and the new
    /// case's reference and returns both steps (the workflow's
    /// [`Case::take_over`]). Returns the ended case and the new one.
    pub async fn take_over(
        &self,
        case_id: i64,
        expected_version: i64,
        actor: &Actor,
        now: DateTime<Utc>,
        take_over: impl FnOnce(&Case, ReferenceNumber) -> Result<TakeOver, TakeOverError>,
    ) -> Result<(StoredCase, StoredCase), StoreError> {
        let mut tx = self.begin().await?;
        let reference = next_reference(&mut tx, now).await?;
        let current = get_case(&mut tx, case_id).await?;
        if current.version != expected_version {
            return Err(StoreError::VersionConflict {
                case_id,
                expected: expected_version,
            });
        }
        let TakeOver { closed, opened } = take_over(&current.case()?, reference)?;
        write_step(&mut tx, &current, actor, now, closed.into()).await?;
        // The one-open-case-per-card rule holds across the swap too.
        let card = opened.case.core().card_fingerprint().clone();
        if let Some(open) = open_case_for_card(&mut tx, &card).await? {
            return Err(ApplicationError::CardHasOpenCase { reference: open }.into());
        }
        let opened = insert_case(&mut tx, actor, now, opened).await?;
        let closed = get_case(&mut tx, case_id).await?;
        tx.commit().await?;
        Ok((closed, opened))
    }

    /// Appends audit records of case `case_id` that change nothing (PIN
    /// tries at the counter that moved no state: a wrong current PIN), in one
    /// transaction.
    pub async fn record_case_events(
        &self,
        case_id: i64,
        actor: &Actor,
        now: DateTime<Utc>,
        records: &[AuditRecord],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let current = get_case(&mut tx, case_id).await?;
        for record in records {
            audit::append(
                &mut tx,
                &audit_event(case_id, current.core.reference(), actor, record),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The writes of one transition of `current` inside the caller's
/// transaction `tx`: for steps that commit together with others (a print
/// batch printing or mailing many letters at once). The caller read
/// `current` in `tx` and applied the workflow to it; the version check still
/// guards against a change in between.
pub async fn write_step(
    tx: &mut Tx,
    current: &StoredCase,
    actor: &Actor,
    now: DateTime<Utc>,
    step: Commit,
) -> Result<(), StoreError> {
    let Commit {
        transition: Transition {
            case,
            audit: record,
        },
        messages,
        response_attempt,
        earlier,
    } = step;
    for record in &earlier {
        audit::append(
            tx,
            &audit_event(current.id, current.core.reference(), actor, record),
            now,
        )
        .await?;
    }
    let (core, parties) = case.into_parts();
    let changed = tx
            .execute(
                "UPDATE cases SET state = ?, version = ?, deadline = ?, updated_at = ?, core = ?, parties = ?, \
                 cardholder_kana = ? WHERE id = ? AND version = ?",
                args![
                    core.state().code(),
                    current.version + 1,
                    core.deadline(),
                    now,
                    serde_json::to_string(&core)?,
                    serde_json::to_string(&parties)?,
                    stored_kana(&parties.cardholder.name),
                    current.id,
                    current.version
                ],
            )
            .await?;
    if changed == 0 {
        return Err(StoreError::VersionConflict {
            case_id: current.id,
            expected: current.version,
        });
    }
    sync_letters(tx, current.id, core.letters()).await?;
    audit::append(
        tx,
        &audit_event(current.id, core.reference(), actor, &record),
        now,
    )
    .await?;
    for message in &messages {
        outbox::enqueue(tx, message, now).await?;
    }
    if let Some(attempt) = response_attempt {
        record_response_attempt(tx, current.id, actor, &attempt, now).await?;
    }
    Ok(())
}

/// A letter as stored: the workflow's fields plus what only the store knows
/// (its print batch and the fingerprint of its PDF).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LetterRow {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// 1..=3 within the case.
    pub number: i64,
    /// Id of the HMAC key that made `code_mac`; `None` until printed.
    pub code_key_id: Option<String>,
    /// HMAC-SHA256 of the code, hex; `None` until printed.
    pub code_mac: Option<String>,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// The post date.
    pub mailed_on: Option<NaiveDate>,
    /// When a newer letter replaced it.
    pub superseded_at: Option<DateTime<Utc>>,
    /// Its print batch.
    pub batch_id: Option<i64>,
    /// SHA-256 of its PDF.
    pub fingerprint: Option<String>,
}

/// The letters of a case, by number.
pub async fn letters_of_case(tx: &mut Tx, case_id: i64) -> Result<Vec<LetterRow>, StoreError> {
    let rows = tx
        .fetch_all(
            "SELECT id, case_id, number, code_key_id, code_mac, issued_at, mailed_on, superseded_at, \
             batch_id, fingerprint FROM letters WHERE case_id = ? ORDER BY number",
            args![case_id],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let mac: Option<String> = row.get("code_mac")?;
            if mac
                .as_deref()
                .is_some_and(|m| m.len() != 64 || hex::decode(m).is_err())
            {
                return Err(StoreError::Corrupt {
                    column: "letters.code_mac",
                    reason: "not 32 bytes of hex",
                });
            }
            Ok(LetterRow {
                id: row.get("id")?,
                case_id: row.get("case_id")?,
                number: row.get("number")?,
                code_key_id: row.get("code_key_id")?,
                code_mac: mac,
                issued_at: row.ts("issued_at")?,
                mailed_on: row.opt_date("mailed_on")?,
                superseded_at: row.opt_ts("superseded_at")?,
                batch_id: row.get("batch_id")?,
                fingerprint: row.get("fingerprint")?,
            })
        })
        .collect()
}

/// Which cases to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only cases in this state.
    pub state: Option<CaseState>,
    /// Only cases still waiting for a response whose deadline passed before this (Japan) date.
    pub overdue_on: Option<NaiveDate>,
    /// Only cases whose deadline is on or before this date.
    pub due_by: Option<NaiveDate>,
    /// Only cases still waiting for a response whose deadline falls in this
    /// inclusive range of (Japan) dates, e.g. today to the coming Sunday.
    pub due_between: Option<(NaiveDate, NaiveDate)>,
    /// Page size (0 means 100).
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

/// One row of a case listing (no personal data, no JSON decoding).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseSummary {
    /// Row id.
    pub id: i64,
    /// Reference number text.
    pub reference: String,
    /// Path.
    pub path: Path,
    /// State.
    pub state: CaseState,
    /// Version.
    pub version: i64,
    /// Response deadline.
    pub deadline: Option<NaiveDate>,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl CaseSummary {
    pub(crate) fn from_row(row: &Row) -> Result<Self, StoreError> {
        let path: String = row.get("path")?;
        let state: String = row.get("state")?;
        Ok(Self {
            id: row.get("id")?,
            reference: row.get("reference")?,
            path: Path::from_code(&path).ok_or(StoreError::Corrupt {
                column: "cases.path",
                reason: "unknown path code",
            })?,
            state: CaseState::from_code(&state).ok_or(StoreError::Corrupt {
                column: "cases.state",
                reason: "unknown state code",
            })?,
            version: row.get("version")?,
            deadline: row.opt_date("deadline")?,
            created_at: row.ts("created_at")?,
            updated_at: row.ts("updated_at")?,
        })
    }
}

/// Cases matching `filter`, soonest deadline first, then oldest.
pub async fn list_cases(tx: &mut Tx, filter: &CaseFilter) -> Result<Vec<CaseSummary>, StoreError> {
    let limit = if filter.limit <= 0 { 100 } else { filter.limit };
    let state = filter.state.map(|s| s.code().to_owned());
    tx.fetch_all(
        "SELECT id, reference, path, state, version, deadline, created_at, updated_at FROM cases \
         WHERE (? IS NULL OR state = ?) \
         AND (? IS NULL OR (state = ? AND deadline < ?)) \
         AND (? IS NULL OR deadline <= ?) \
         AND (? IS NULL OR (state = ? AND deadline >= ? AND deadline <= ?)) \
         ORDER BY deadline IS NULL, deadline, created_at, id LIMIT ? OFFSET ?",
        args![
            state.clone(),
            state,
            filter.overdue_on,
            CaseState::InquiryMailed.code(),
            filter.overdue_on,
            filter.due_by,
            filter.due_by,
            filter.due_between.map(|(from, _)| from),
            CaseState::InquiryMailed.code(),
            filter.due_between.map(|(from, _)| from),
            filter.due_between.map(|(_, to)| to),
            limit,
            filter.offset.max(0)
        ],
    )
    .await?
    .iter()
    .map(CaseSummary::from_row)
    .collect()
}

/// A logged response attempt.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseAttempt {
    /// Row id.
    pub id: i64,
    /// The case.
    pub case_id: i64,
    /// The letter whose code was entered.
    pub letter_number: Option<i64>,
    /// When.
    pub attempted_at: DateTime<Utc>,
    /// Who entered it.
    pub actor: String,
    /// `accepted` or a refusal code.
    pub outcome: String,
    /// Non-personal details.
    pub details: serde_json::Value,
}

/// Logs a response attempt in `tx`.
pub async fn record_response_attempt(
    tx: &mut Tx,
    case_id: i64,
    actor: &Actor,
    attempt: &NewResponseAttempt,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO response_attempts (case_id, letter_number, attempted_at, actor, outcome, details) \
         VALUES (?, ?, ?, ?, ?, ?)",
        args![
            case_id,
            attempt.letter_number.map(i64::from),
            now,
            actor.username.as_str(),
            attempt.outcome.as_str(),
            serde_json::to_string(&attempt.details)?
        ],
    )
    .await?;
    Ok(())
}

/// The response attempts of a case, oldest first.
pub async fn response_attempts(
    tx: &mut Tx,
    case_id: i64,
) -> Result<Vec<ResponseAttempt>, StoreError> {
    let rows = tx
        .fetch_all(
            "SELECT id, case_id, letter_number, attempted_at, actor, outcome, details \
             FROM response_attempts WHERE case_id = ? ORDER BY attempted_at, id",
            args![case_id],
        )
        .await?;
    rows.iter()
        .map(|row| {
            let details: String = row.get("details")?;
            Ok(ResponseAttempt {
                id: row.get("id")?,
                case_id: row.get("case_id")?,
                letter_number: row.get("letter_number")?,
                attempted_at: row.ts("attempted_at")?,
                actor: row.get("actor")?,
                outcome: row.get("outcome")?,
                details: serde_json::from_str(&details)?,
            })
        })
        .collect()
}

/// What a purge erased (see [`crate::personal_data::purge`]).
pub use crate::personal_data::purge::PurgeReport;

/// The SQL list of final state codes; a unit test keeps it equal to
/// [`CaseState::is_final`].
macro_rules! final_states_sql {
    () => {
        "('pin_set', 'cancelled', 'undeliverable', 'expired', 'failed')"
    };
}
pub(crate) use final_states_sql;
#[cfg(test)]
const FINAL_STATES_SQL: &str = final_states_sql!();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_sql_lists_exactly_the_final_states() {
        for state in CaseState::ALL {
            let quoted = format!("'{}'", state.code());
            assert_eq!(
                FINAL_STATES_SQL.contains(&quoted),
                state.is_final(),
                "{state:?}"
            );
        }
    }
}
