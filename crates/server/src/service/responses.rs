//! The response visit and returned letters: `RecordResponse` with the
//! clerk's checklist and the typed code, and `MarkUndeliverable`.
//!
//! Every code entry that reaches the workflow is logged as a response
//! attempt in the same transaction as its transition, so the count that
//! locks a case and the attempt log cannot disagree. A wrong code is
//! committed (it counts) and then answered as 422 `code_mismatch`.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use shokai_store::{Commit, NewResponseAttempt};
use shokai_workflow::{
    Case, Context, Event, IdDocument, ResponseChecklist, ResponseEntry, TransitionError,
};

use super::cases::{CaseView, actor};
use super::error::ServiceError;
use crate::auth::Caller;
use crate::state::AppState;

/// What the clerk ticked at the response visit.
#[derive(Debug, Deserialize)]
pub struct ChecklistInput {
    /// The cardholder's card is in the terminal (its fingerprint is read there).
    pub card_presented: bool,
    /// The proxy's identity document; with the second one it must meet
    /// the office's requirement (`SHOKAI_ID_PROXY_RESPONSE`, default `A`).
    pub proxy_photo_id: Option<IdDocument>,
    /// A second identity document, where the office asks for two.
    #[serde(default)]
    pub proxy_second_id: Option<IdDocument>,
    pub response_form_signed: bool,
    pub power_of_attorney_complete: bool,
    pub power_of_attorney_names_proxy: bool,
    pub envelope_sealed: bool,
}

/// A response as entered at the counter.
#[derive(Deserialize)]
pub struct ResponseRequest {
    /// The version the client read.
    pub version: i64,
    /// The code from the response form; never logged or echoed.
    pub code: SecretString,
    /// When the form was handed in (default: now).
    pub entered_at: Option<DateTime<Utc>>,
    pub checklist: ChecklistInput,
}

/// Records the returned response form of case `id`.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn record(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: ResponseRequest,
) -> Result<CaseView, ServiceError> {
    let c = req.checklist;
    let card_presented = if c.card_presented {
        Some(super::cases::fingerprint_in_terminal(state).await?)
    } else {
        None
    };
    let checklist = ResponseChecklist {
        card_presented,
        proxy_photo_id: c.proxy_photo_id,
        proxy_second_id: c.proxy_second_id,
        response_form_signed: c.response_form_signed,
        power_of_attorney_complete: c.power_of_attorney_complete,
        power_of_attorney_names_proxy: c.power_of_attorney_names_proxy,
        envelope_sealed: c.envelope_sealed,
    };
    let now = state.now();
    let entry = ResponseEntry::new(
        req.code.expose_secret(),
        req.entered_at.unwrap_or(now),
        checklist,
    );
    let ctx = state.context(now, caller.role);
    let stored = state
        .store()
        .transition(id, req.version, &actor(caller), now, |case| {
            response_step(case, entry, &ctx)
        })
        .await?;
    Ok(stored.into())
}

/// Letter `letter` of case `id` came back undeliverable (転送不要): the case
/// ends. A blank note is no note.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn returned(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    letter: u8,
    note: Option<&str>,
) -> Result<CaseView, ServiceError> {
    let note = note
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let event = Event::MarkUndeliverable { letter, note };
    super::cases::apply(state, caller, id, version, event).await
}

/// What recording a response commits: the workflow's transition plus the
/// attempt row (accepted, or the refusal's code) in the same transaction.
fn response_step(
    case: &Case,
    entry: ResponseEntry,
    ctx: &Context<'_>,
) -> Result<Commit, TransitionError> {
    let letter_number = case.core().current_letter().map(|l| l.number);
    let transition = case.apply(Event::RecordResponse(entry), ctx)?;
    let outcome = transition.refusal().map_or("accepted", |e| e.code());
    // Audit details are non-personal and secret-free by contract.
    let attempt = NewResponseAttempt {
        letter_number,
        outcome: outcome.to_owned(),
        details: transition.audit.details.clone(),
    };
    Ok(Commit {
        transition,
        messages: Vec::new(),
        response_attempt: Some(attempt),
        earlier: Vec::new(),
    })
}
