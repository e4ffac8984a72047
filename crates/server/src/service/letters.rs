//! Inquiry letters: issuing one (a fresh verification code, `IssueLetter`
//! through one store transition) and keeping its PDF for the print room.
//!
//! The code exists in plain text only here, between generation and the PDF;
//! the answer carries the letter number and the PDF's fingerprint, never the
//! code. The PDF is saved right after the transition commits (a `Commit` has
//! no slot for it yet): a crash in between leaves an issued letter without
//! a PDF, which a reissue replaces.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shokai_store::cases as store_cases;
use shokai_workflow::case::japan_date;
use shokai_workflow::letter::{LetterContent, fingerprint, render_letter, render_retained_copy};
use shokai_workflow::{Case, Event, VerificationCode};

use super::cases::{CaseView, actor};
use super::error::ServiceError;
use crate::auth::Caller;
use crate::state::AppState;

/// A request to issue the next letter of a case.
#[derive(Debug, Deserialize)]
pub struct IssueRequest {
    /// The version the client read.
    pub version: i64,
    /// Supervisors only: issue beyond the letter limits, the gap or the deadline.
    pub override_reason: Option<String>,
}

/// The issued letter: the case, the letter's number and its PDF's SHA-256.
#[derive(Debug, Serialize)]
pub struct IssuedLetter {
    pub case: CaseView,
    pub letter_number: u8,
    pub fingerprint: String,
}

/// Issues the next letter of case `id` and keeps its PDF.
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn issue(
    state: &AppState,
    caller: &Caller,
    id: i64,
    req: IssueRequest,
) -> Result<IssuedLetter, ServiceError> {
    let code = state.codes().generate();
    // The event consumes the code; this zeroizing copy is what gets printed.
    let printed = VerificationCode::parse(code.expose()).map_err(ServiceError::internal)?;
    let event = match req.override_reason {
        Some(reason) => Event::IssueLetterOverride { code, reason },
        None => Event::IssueLetter { code },
    };
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let stored = state
        .store()
        .transition(id, req.version, &actor(caller), now, |case| {
            case.apply(event, &ctx)
        })
        .await?;
    let case = stored.case()?;
    let letters = state.letters();
    let content = LetterContent::from_case(&case, state.workflow(), &printed, japan_date(now))
        .map_err(ServiceError::internal)?;
    let letter = render_letter(
        &content,
        &letters.settings,
        &letters.template,
        &letters.fonts,
    )
    .map_err(ServiceError::internal)?;
    let mut tx = state.store().begin().await?;
    store_cases::save_letter_pdf(&mut tx, id, content.letter_number, &letter.pdf).await?;
    tx.commit().await?;
    Ok(IssuedLetter {
        letter_number: content.letter_number,
        fingerprint: letter.fingerprint,
        case: stored.into(),
    })
}

/// A clerk's copy of letter `number` of case `id`, with the verification
/// code and QR code blanked: the kept file with the code is for the print
/// room's batch alone. Before mailing, the copy is rendered when asked and
/// names the SHA-256 of the file that will be printed; once mailed, the kept
/// file already is that copy (rendering is deterministic, so a re-render
/// proves it matches).
pub async fn pdf(state: &AppState, id: i64, number: u8) -> Result<Vec<u8>, ServiceError> {
    let kept = store_cases::letter_pdf(state.store(), id, number).await?;
    let case = super::cases::load(state, id).await?.case()?;
    let letter = case
        .letters()
        .iter()
        .find(|l| l.number == number)
        .ok_or_else(|| ServiceError::NotFound {
            what: format!("letter {number} of case {id}"),
        })?;
    if letter.mailed_on.is_some() {
        return Ok(kept);
    }
    let content = blanked_content(state, &case, number, letter.issued_at)?;
    render_blanked(state, content, fingerprint(&kept)).await
}

/// What letter `number` of `case` (issued at `issued_at`) prints, rebuilt
/// from the case, with the code left out: for the batch manifest and every
/// copy a clerk may see. The code is not known here; the content is built
/// with a throwaway one that is blanked at once.
pub(super) fn blanked_content(
    state: &AppState,
    case: &Case,
    number: u8,
    issued_at: DateTime<Utc>,
) -> Result<LetterContent, ServiceError> {
    let throwaway = VerificationCode::generate(&mut rand::rng());
    let mut content =
        LetterContent::from_case(case, state.workflow(), &throwaway, japan_date(issued_at))
            .map_err(ServiceError::internal)?;
    content.verification_code = String::new();
    content.letter_number = number;
    Ok(content)
}

/// The copy of `content` with code and QR code blanked, naming `printed`,
/// the SHA-256 of the file as printed; rendered on the blocking pool.
pub(super) async fn render_blanked(
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
