//! Cases: intake (the card in the terminal is bound to the case), reading,
//! listing, and the supervisor's cancel and unlock. Each change is one store
//! transition: the workflow decides, the store commits state, letters and
//! the audit event together, checking the version the caller read.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shokai_store::cases::Commit;
use shokai_store::{Actor, CaseFilter, cases};
pub use shokai_store::{CaseSummary, StoredCase};
use shokai_workflow::calendar::this_week;
use shokai_workflow::letter::LetterContent;
use shokai_workflow::{
    Application, AuditRecord, CardFingerprint, Cardholder, Case, CaseState, Context, Event,
    Parties, PinSet, Procedure, ReferenceNumber, Representation,
};

use super::error::ServiceError;
use crate::auth::Caller;
use crate::state::AppState;

/// What a clerk types at intake; the card fingerprint comes from the terminal.
#[derive(Debug, Deserialize)]
pub struct Intake {
    pub cardholder: Cardholder,
    pub representation: Representation,
    pub pins: PinSet,
    /// `change` (the default) or `reset`.
    #[serde(default)]
    pub procedure: Procedure,
}

/// A case as the API shows it: state, dates, letters (numbers and dates
/// only, never digests) and the parties (absent once purged).
#[derive(Debug, Serialize)]
pub struct CaseView {
    pub id: i64,
    pub version: i64,
    pub reference: String,
    pub path: &'static str,
    /// `change` or `reset`.
    pub procedure: &'static str,
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
    pub issued_at: chrono::DateTime<chrono::Utc>,
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
            procedure: core.procedure().code(),
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

/// The actor the audit log names for the server's own jobs (expiry, the
/// batch cut-off): no user, the system's role.
pub fn system_actor() -> Actor {
    Actor {
        user_id: None,
        username: "system".to_owned(),
        role: shokai_workflow::Role::System,
    }
}

pub(crate) fn actor(caller: &Caller) -> Actor {
    Actor {
        user_id: Some(caller.user_id),
        username: caller.username.clone(),
        role: caller.role,
    }
}

/// The card in the terminal, read with no PIN: its fingerprint, and
/// whether it holds a signature certificate.
pub(crate) async fn card_in_terminal(
    state: &AppState,
) -> Result<(CardFingerprint, bool), ServiceError> {
    let (fingerprint, has_signature_certificate) = state.terminal().read_card().await?;
    Ok((parse_fingerprint(&fingerprint)?, has_signature_certificate))
}

/// The fingerprint of the card in the terminal.
pub(crate) async fn fingerprint_in_terminal(
    state: &AppState,
) -> Result<CardFingerprint, ServiceError> {
    parse_fingerprint(&state.terminal().fingerprint().await?)
}

fn parse_fingerprint(
    read: &shokai_card::CertificateFingerprint,
) -> Result<CardFingerprint, ServiceError> {
    CardFingerprint::parse(&read.to_string()).map_err(ServiceError::internal)
}

/// Registers an application for the card now in the terminal.
#[tracing::instrument(skip_all)]
pub async fn open(
    state: &AppState,
    caller: &Caller,
    intake: Intake,
) -> Result<CaseView, ServiceError> {
    // Checked before the card is read: a letter that cannot be printed would
    // otherwise stop a print batch weeks later.
    let fonts = &state.letters().fonts;
    let unprintable =
        LetterContent::first_unprintable(&intake.cardholder, &intake.representation, fonts);
    if let Some((field, ch)) = unprintable {
        return Err(ServiceError::Unprintable { field, ch });
    }
    let (card_fingerprint, card_has_signature_certificate) = card_in_terminal(state).await?;
    let application = Application {
        cardholder: intake.cardholder,
        representation: intake.representation,
        pins: intake.pins,
        procedure: intake.procedure,
        card_fingerprint,
        card_has_signature_certificate,
    };
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let card = application.card_fingerprint.clone();
    let stored = state
        .store()
        .create_case(&actor(caller), now, &card, |reference, open_case| {
            Case::open(application, reference, open_case, &ctx)
        })
        .await?;
    tracing::info!(case_id = stored.id, "case opened");
    Ok(stored.into())
}

/// The cardholder came in person while proxy case `id` (read at
/// `version`) is open: ends it (本人来庁) and opens the cardholder's own
/// case for the card in the terminal, which must be that case's card, in
/// one transaction. Returns the ended case and the new one.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn take_over(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
) -> Result<(CaseView, CaseView), ServiceError> {
    let (card, card_has_signature_certificate) = card_in_terminal(state).await?;
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let (closed, opened) = state
        .store()
        .take_over(id, version, &actor(caller), now, |case, reference| {
            let parties = case.parties();
            let application = Application {
                cardholder: parties.cardholder.clone(),
                representation: Representation::InPerson,
                pins: case.core().pins().clone(),
                procedure: case.core().procedure(),
                card_fingerprint: card,
                card_has_signature_certificate,
            };
            case.take_over(application, reference, &ctx)
        })
        .await?;
    tracing::info!(case_id = opened.id, "in-person case took over");
    Ok((closed.into(), opened.into()))
}

/// Opens the reset case that follows failed change `id` (a blocked or
/// forgotten PIN), for the card in the terminal, which must be that case's.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn open_reset(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<CaseView, ServiceError> {
    let failed = load(state, id).await?.case()?;
    let (card, card_has_signature_certificate) = card_in_terminal(state).await?;
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let opened = state
        .store()
        .create_case(
            &actor(caller),
            now,
            &card.clone(),
            |reference, open_case| {
                failed.open_reset(
                    card,
                    card_has_signature_certificate,
                    reference,
                    open_case,
                    &ctx,
                )
            },
        )
        .await?;
    tracing::info!(case_id = opened.id, "reset case opened");
    Ok(opened.into())
}

/// One case as stored (state, letters, parties), for pages that show more
/// than the API's view.
pub async fn load(state: &AppState, id: i64) -> Result<StoredCase, ServiceError> {
    let mut tx = state.store().read().await?;
    let stored = cases::get_case(&mut tx, id).await?;
    tx.commit().await?;
    Ok(stored)
}

/// One case.
pub async fn get(state: &AppState, id: i64) -> Result<CaseView, ServiceError> {
    Ok(load(state, id).await?.into())
}

/// The case with the reference as typed; a malformed reference finds
/// nothing.
pub async fn find_by_reference(
    state: &AppState,
    typed: &str,
) -> Result<Option<StoredCase>, ServiceError> {
    let Ok(reference) = ReferenceNumber::parse(typed.trim()) else {
        return Ok(None);
    };
    let mut tx = state.store().read().await?;
    let found = cases::case_by_reference(&mut tx, &reference).await?;
    tx.commit().await?;
    Ok(found)
}

/// Filters of the case list; "today" and "this week" are the clock's.
#[derive(Debug, Default, Clone, Copy)]
pub struct CaseQuery {
    /// Only cases in this state.
    pub state: Option<CaseState>,
    /// Only cases waiting past their deadline.
    pub overdue: bool,
    /// Only waiting cases due between today and the coming Sunday.
    pub due_this_week: bool,
}

/// Cases of a list, with the day they were listed on.
#[derive(Debug)]
pub struct CaseList {
    /// Today (Japan date) by the services' clock.
    pub today: NaiveDate,
    /// The office week that "due this week" means: today to Sunday.
    pub week: (NaiveDate, NaiveDate),
    /// The cases, soonest deadline first.
    pub cases: Vec<CaseSummary>,
}

/// Cases matching the query, soonest deadline first.
pub async fn list(state: &AppState, query: CaseQuery) -> Result<CaseList, ServiceError> {
    let today = state.clock().today();
    let week = this_week(today);
    let filter = CaseFilter {
        state: query.state,
        overdue_on: query.overdue.then_some(today),
        due_between: query.due_this_week.then_some(week),
        ..CaseFilter::default()
    };
    let mut tx = state.store().read().await?;
    let found = cases::list_cases(&mut tx, &filter).await?;
    tx.commit().await?;
    Ok(CaseList {
        today,
        week,
        cases: found,
    })
}

/// Applies `event` to case `id` read at `version`.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn apply(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    event: Event,
) -> Result<CaseView, ServiceError> {
    apply_after(state, caller, id, version, event, |_, _| Vec::new()).await
}

/// [`apply`], with audit records of what led to the step (`earlier`, made
/// from the case as read) written just before its own, in the same
/// transaction: the PIN tries that ended in a PIN change or a blocked PIN.
pub async fn apply_after(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    event: Event,
    earlier: impl FnOnce(&Case, &Context<'_>) -> Vec<AuditRecord>,
) -> Result<CaseView, ServiceError> {
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let stored = state
        .store()
        .transition(id, version, &actor(caller), now, |case| {
            Ok(Commit {
                earlier: earlier(case, &ctx),
                transition: case.apply(event, &ctx)?,
                messages: Vec::new(),
                response_attempt: None,
            })
        })
        .await?;
    Ok(stored.into())
}

/// Parses a `state=` filter value.
pub fn parse_state(code: &str) -> Result<CaseState, ServiceError> {
    CaseState::from_code(code).ok_or_else(|| {
        let codes: Vec<&str> = CaseState::ALL.iter().map(|s| s.code()).collect();
        ServiceError::invalid("state", format!("one of {}", codes.join(", ")))
    })
}
