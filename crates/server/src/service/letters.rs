//! Inquiry letters: issuing one (`IssueLetter`: the letter is queued for the
//! next print batch, without a code) and the clerks' copies.
//!
//! No code exists until the batch is closed (see [`super::batches`]), and
//! then only inside the print file; so nothing here ever holds one. A
//! clerk's copy is rendered when asked for, with the code and QR code
//! blanked, and names the SHA-256 of the print file the letter went out in.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shokai_store::batches as store_batches;
use shokai_workflow::case::japan_date;
use shokai_workflow::letter::{LetterContent, planned_mailing, render_retained_copy};
use shokai_workflow::{Case, Event, VerificationCode};

use super::cases::{CaseView, actor};
use super::error::ServiceError;
use crate::auth::Caller;
use crate::state::AppState;

/// What a clerk's copy of a letter not yet printed names instead of the
/// print file's SHA-256.
const NOT_YET_PRINTED: &str = "未印刷（発送バッチの締めで印刷されます）";

/// A request to issue the next letter of a case.
#[derive(Debug, Deserialize)]
pub struct IssueRequest {
    /// The version the client read.
    pub version: i64,
    /// Supervisors only: issue beyond the letter limits, the gap or the deadline.
    pub override_reason: Option<String>,
}

/// The issued letter: the case and the letter's number. It waits for the
/// next print batch, which gives it its code.
#[derive(Debug, Serialize)]
pub struct IssuedLetter {
    pub case: CaseView,
    pub letter_number: u8,
}

/// Issues (queues) the next letter of case `id`.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn issue(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: IssueRequest,
) -> Result<IssuedLetter, ServiceError> {
    let event = match req.override_reason {
        Some(reason) => Event::IssueLetterOverride { reason },
        None => Event::IssueLetter,
    };
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let stored = state
        .store()
        .transition(id, req.version, &actor(caller), now, |case| {
            case.apply(event, &ctx)
        })
        .await?;
    let letter_number = stored
        .core
        .letters()
        .last()
        .map(|l| l.number)
        .ok_or_else(|| ServiceError::internal(shokai_workflow::TransitionError::NoLetter))?;
    Ok(IssuedLetter {
        letter_number,
        case: stored.into(),
    })
}

/// A clerk's copy of letter `number` of case `id`: what the letter prints,
/// with the verification code and QR code blanked, naming the SHA-256 of
/// the print file it was printed in. Rendering is deterministic, so the same
/// request gives the same bytes.
pub async fn pdf(state: &AppState, id: i64, number: u8) -> Result<Vec<u8>, ServiceError> {
    let case = super::cases::load(state, id).await?.case()?;
    let letter = case
        .letters()
        .iter()
        .find(|l| l.number == number)
        .ok_or_else(|| ServiceError::NotFound {
            what: format!("letter {number} of case {id}"),
        })?;
    // Not printed yet: the copy shows what a batch closed today would print.
    let made_on = match letter.printed_at {
        Some(printed) => japan_date(printed),
        None if letter.has_code() => japan_date(letter.issued_at),
        None => japan_date(state.now()),
    };
    let mut tx = state.store().read().await?;
    let printed_in = store_batches::printed_in(&mut tx, id, number).await?;
    tx.commit().await?;
    let printed_in = match printed_in {
        Some(sha) if letter.has_code() => sha,
        Some(_) | None => NOT_YET_PRINTED.to_owned(),
    };
    let content = blanked_content(state, &case, number, made_on)?;
    render_blanked(state, content, printed_in).await
}

/// What letter `number` of `case` prints (dated `made_on`), rebuilt from
/// the case, with the code left out. The code is not known here; the
/// content is built with a throwaway one that is blanked at once. The
/// deadline is the letter's own; a letter not printed yet shows the one a
/// batch closed on `made_on` would print.
fn blanked_content(
    state: &AppState,
    case: &Case,
    number: u8,
    made_on: NaiveDate,
) -> Result<LetterContent, ServiceError> {
    let throwaway = VerificationCode::generate(&mut rand::rng());
    let mut content = LetterContent::from_case(case, state.workflow(), &throwaway, made_on)
        .map_err(ServiceError::internal)?;
    content.verification_code = String::new();
    content.letter_number = number;
    let letter = case.letters().iter().find(|l| l.number == number);
    let workflow = state.workflow();
    match letter {
        Some(l) if !l.has_code() => {
            let planned = planned_mailing(&workflow.calendar, made_on);
            content.deadline = Some(workflow.calendar.deadline(planned, workflow.deadline_days));
        }
        Some(l) => content.deadline = l.deadline.or(content.deadline),
        None => {}
    }
    Ok(content)
}

/// The copy of `content` with code and QR code blanked, naming `printed`
/// (the print file's SHA-256); rendered on the blocking pool.
async fn render_blanked(
    state: &AppState,
    content: LetterContent,
    printed: String,
) -> Result<Vec<u8>, ServiceError> {
    let assets = state.clone();
    let copy = tokio::task::spawn_blocking(move || {
        let l = assets.letters();
        render_retained_copy(&content, &l.settings, &l.template, &l.fonts, &printed)
    })
    .await?
    .map_err(ServiceError::internal)?;
    Ok(copy.pdf)
}
