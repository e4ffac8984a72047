//! Cases: intake (the card in the terminal is bound to the case), reading,
//! listing, and the supervisor's cancel and unlock. Each change is one store
//! transition: the workflow decides, the store commits state, letters and
//! the audit event together, checking the version the caller read.

use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use shokai_store::{Actor, CaseFilter, CaseSummary, StoredCase, cases};
use shokai_workflow::{
    Application, CardFingerprint, Cardholder, Case, CaseState, Event, Parties, PinSet,
    Representation,
};

use crate::api::error::AppError;
use crate::app::AppState;
use crate::auth::Caller;
use crate::infra::card_terminal::TerminalError;

/// What a clerk types at intake; the card fingerprint comes from the terminal.
#[derive(Debug, Deserialize)]
pub struct Intake {
    pub cardholder: Cardholder,
    pub representation: Representation,
    pub pins: PinSet,
}

/// A case as the API shows it: state, dates, letters (numbers and dates
/// only, never digests) and the parties (absent once purged).
#[derive(Debug, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub version: i64,
    pub reference: String,
    pub path: &'static str,
    pub state: &'static str,
    pub pins: PinSet,
    pub applied_on: NaiveDate,
    pub deadline: Option<NaiveDate>,
    /// The card bound at intake (SHA-256 of its authentication certificate).
    pub card_fingerprint: CardFingerprint,
    pub letters: Vec<LetterView>,
    pub wrong_code_attempts: u8,
    pub locked: bool,
    pub parties: Option<Parties>,
}

/// One letter of a case.
#[derive(Debug, Serialize)]
pub struct LetterView {
    pub number: u8,
    pub issued_at: chrono::DateTime<Utc>,
    pub mailed_on: Option<NaiveDate>,
    pub superseded: bool,
}

impl From<StoredCase> for CaseView {
    fn from(s: StoredCase) -> Self {
        let core = &s.core;
        CaseView {
            id: s.id,
            version: s.version,
            reference: core.reference().to_string(),
            path: core.path().code(),
            state: core.state().code(),
            pins: core.pins().clone(),
            applied_on: core.applied_on(),
            deadline: core.deadline(),
            card_fingerprint: core.card_fingerprint().clone(),
            letters: core
                .letters()
                .iter()
                .map(|l| LetterView {
                    number: l.number,
                    issued_at: l.issued_at,
                    mailed_on: l.mailed_on,
                    superseded: l.superseded_at.is_some(),
                })
                .collect(),
            wrong_code_attempts: core.wrong_code_attempts(),
            locked: core.is_locked(),
            parties: s.parties,
        }
    }
}

pub(crate) fn actor(caller: &Caller) -> Actor {
    Actor {
        user_id: Some(caller.user_id),
        username: caller.username.clone(),
        role: caller.role,
    }
}

impl From<TerminalError> for AppError {
    fn from(e: TerminalError) -> AppError {
        match e {
            TerminalError::NotConfigured => AppError::Unavailable {
                code: "card_terminal_unavailable",
                message: e.to_string(),
            },
            TerminalError::Card(card) => AppError::Conflict {
                code: "card_unreadable",
                message: format!("the card in the terminal cannot be read: {card}"),
            },
            other => AppError::internal(other),
        }
    }
}

/// Registers an application for the card now in the terminal.
#[tracing::instrument(skip_all)]
pub async fn open(state: &AppState, caller: &Caller, intake: Intake) -> Result<CaseView, AppError> {
    let fingerprint = state.terminal().fingerprint().await?;
    let card_fingerprint =
        CardFingerprint::parse(&fingerprint.to_string()).map_err(AppError::internal)?;
    let application = Application {
        cardholder: intake.cardholder,
        representation: intake.representation,
        pins: intake.pins,
        card_fingerprint,
    };
    let now = Utc::now();
    let ctx = state.context(now, caller.role);
    let stored = state
        .store()
        .create_case(&actor(caller), now, |reference| {
            Case::open(application, reference, &ctx)
        })
        .await?;
    tracing::info!(case_id = stored.id, "case opened");
    Ok(stored.into())
}

/// One case.
pub async fn get(state: &AppState, id: i64) -> Result<CaseView, AppError> {
    let mut tx = state.store().read().await?;
    let stored = cases::get_case(&mut tx, id).await?;
    tx.commit().await?;
    Ok(stored.into())
}

/// Cases matching the filter, soonest deadline first.
pub async fn list(state: &AppState, filter: &CaseFilter) -> Result<Vec<CaseSummary>, AppError> {
    let mut tx = state.store().read().await?;
    let found = cases::list_cases(&mut tx, filter).await?;
    tx.commit().await?;
    Ok(found)
}

/// Applies `event` to case `id` read at `version`.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn apply(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    event: Event,
) -> Result<CaseView, AppError> {
    let now = Utc::now();
    let ctx = state.context(now, caller.role);
    let stored = state
        .store()
        .transition(id, version, &actor(caller), now, |case| {
            case.apply(event, &ctx)
        })
        .await?;
    Ok(stored.into())
}

/// Parses a `state=` filter value.
pub fn parse_state(code: &str) -> Result<CaseState, AppError> {
    CaseState::from_code(code).ok_or_else(|| {
        let codes: Vec<&str> = CaseState::ALL.iter().map(|s| s.code()).collect();
        AppError::invalid("state", format!("one of {}", codes.join(", ")))
    })
}
