//! Inquiry letters: issuing one (`IssueLetter`: the letter is queued for the
//! next print batch, without a code), the clerks' copies and their
//! pictures, and the proxy's receipt (受付控え).
//!
//! No code exists until the batch is closed (see [`super::batches`]), and
//! then only inside the print file; so nothing here ever holds one. A
//! clerk's copy is rendered when asked for, with the code and QR code
//! blanked, and names the SHA-256 of the print file the letter went out in.
//! Its pictures ([`page_png`]) are drawn from the same blanked pages (the
//! workflow has no way to draw a page with the code).
//!
//! The receipt ([`receipt`], as PDF or PNG) is an optional-proxy
//! case's one page for the proxy: reference, date, what happens next, when
//! the letter is mailed (the planned mailing date of its print batch), what
//! to bring, how to use the status page, the office. It is built from the
//! case without the cardholder's address and holds no code.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shokai_store::batches as store_batches;
use shokai_workflow::case::japan_date;
use shokai_workflow::letter::{
    LetterContent, LetterError, PREVIEW_DPI, ReceiptContent, ReceiptMailing, planned_mailing,
    receipt_png as draw_receipt, render_receipt, render_retained_copy, retained_copy_png,
};
use shokai_workflow::{Case, CaseCore, Event, Letter, VerificationCode};

use super::cases::{CaseView, actor};
use super::error::ServiceError;
use crate::auth::Caller;
use crate::infra::letter_assets::LetterAssets;
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
    let (content, printed_in) = copy_source(state, id, number).await?;
    render_blanked(state, content, printed_in).await
}

/// Page `page` (1 or 2) of the clerk's copy of letter `number` of case
/// `id` as a PNG picture: the same blanked page [`pdf`] writes.
pub async fn page_png(
    state: &AppState,
    id: i64,
    number: u8,
    page: usize,
) -> Result<Vec<u8>, ServiceError> {
    let (content, printed_in) = copy_source(state, id, number).await?;
    let png = off_thread(state, move |l| {
        retained_copy_png(
            &content,
            &l.settings,
            &l.template,
            &l.fonts,
            &printed_in,
            page,
            PREVIEW_DPI as u32,
        )
    })
    .await?;
    png.ok_or_else(|| ServiceError::NotFound {
        what: format!("page {page} of letter {number} of case {id}"),
    })
}

/// What the preview page says about letter `number` of case `id`.
#[derive(Debug, Clone)]
pub struct LetterFacts {
    pub reference: String,
    pub issued_at: chrono::DateTime<chrono::Utc>,
    pub mailed_on: Option<NaiveDate>,
    /// 有効, 使用済, 無効 or 再発行により無効.
    pub status: &'static str,
    /// The letter's pages, each drawn by [`page_png`].
    pub pages: Vec<usize>,
}

/// The facts of letter `number` of case `id` for its preview page.
pub async fn facts(state: &AppState, id: i64, number: u8) -> Result<LetterFacts, ServiceError> {
    let stored = super::cases::load(state, id).await?;
    let core = &stored.core;
    let letter = letter_of(core, id, number)?;
    Ok(LetterFacts {
        reference: core.reference().to_string(),
        issued_at: letter.issued_at,
        mailed_on: letter.mailed_on,
        status: core.letter_status(letter).name_ja(),
        pages: vec![1, 2],
    })
}

/// Letter `number` of `core` (case `id`).
fn letter_of(core: &CaseCore, id: i64, number: u8) -> Result<&Letter, ServiceError> {
    core.letters()
        .iter()
        .find(|l| l.number == number)
        .ok_or_else(|| ServiceError::NotFound {
            what: format!("letter {number} of case {id}"),
        })
}

/// What a clerk's copy of letter `number` of case `id` is made from: the
/// letter's content with the code left out, and the print file's SHA-256
/// it names (or that it is not printed yet).
async fn copy_source(
    state: &AppState,
    id: i64,
    number: u8,
) -> Result<(LetterContent, String), ServiceError> {
    let case = super::cases::load(state, id).await?.case()?;
    let letter = letter_of(&case, id, number)?;
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
    Ok((content, printed_in))
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
    let copy = off_thread(state, move |l| {
        render_retained_copy(&content, &l.settings, &l.template, &l.fonts, &printed)
    })
    .await?;
    Ok(copy.pdf)
}

/// The two forms of a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptFormat {
    /// One A4 page to print.
    Pdf,
    /// A picture of that page, for the preview.
    Png,
}

impl ReceiptFormat {
    /// The media type it is served as.
    pub fn content_type(self) -> &'static str {
        match self {
            ReceiptFormat::Pdf => "application/pdf",
            ReceiptFormat::Png => "image/png",
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            ReceiptFormat::Pdf => "pdf",
            ReceiptFormat::Png => "png",
        }
    }
}

/// The receipt of case `id` as `format`; `status_url` is the public status
/// page it points the proxy to.
pub async fn receipt(
    state: &AppState,
    id: i64,
    status_url: &str,
    format: ReceiptFormat,
) -> Result<Vec<u8>, ServiceError> {
    let content = receipt_content(state, id, status_url).await?;
    off_thread(state, move |l| match format {
        ReceiptFormat::Pdf => render_receipt(&content, &l.settings, &l.template, &l.fonts),
        ReceiptFormat::Png => draw_receipt(
            &content,
            &l.settings,
            &l.template,
            &l.fonts,
            PREVIEW_DPI as u32,
        ),
    })
    .await
}

/// Runs `render` with the letter assets on the blocking pool: laying out
/// and drawing take milliseconds of CPU, not to be spent on the runtime.
async fn off_thread<T: Send + 'static>(
    state: &AppState,
    render: impl FnOnce(&LetterAssets) -> Result<T, LetterError> + Send + 'static,
) -> Result<T, ServiceError> {
    let assets = state.letters_shared();
    tokio::task::spawn_blocking(move || render(&assets))
        .await?
        .map_err(ServiceError::internal)
}

/// What case `id`'s receipt prints today. Only an optional-proxy case has
/// one (the other paths finish on the day): any other is not found.
pub async fn receipt_content(
    state: &AppState,
    id: i64,
    status_url: &str,
) -> Result<ReceiptContent, ServiceError> {
    let case = super::cases::load(state, id).await?.case()?;
    let today = japan_date(state.now());
    let batch_planned = match case.current_letter() {
        Some(l) if !l.awaits_print() && l.mailed_on.is_none() => {
            batch_planned_mailing(state, id, l.number).await?
        }
        _ => None,
    };
    let workflow = state.workflow();
    let cutoff = state.letters().settings.batch_cutoff;
    let mailing = ReceiptMailing::of_case(&case, &workflow.calendar, cutoff, today, batch_planned);
    ReceiptContent::from_case(&case, workflow, today, mailing, status_url).map_err(|_| {
        ServiceError::NotFound {
            what: format!("receipt of case {id} (optional-proxy cases only)"),
        }
    })
}

/// The planned mailing date of the unmailed print batch that holds letter
/// `number` of case `id`, if any.
async fn batch_planned_mailing(
    state: &AppState,
    id: i64,
    number: u8,
) -> Result<Option<NaiveDate>, ServiceError> {
    let mut tx = state.store().read().await?;
    let planned = store_batches::planned_mailing_of(&mut tx, id, number).await?;
    tx.commit().await?;
    Ok(planned)
}

/// The public status page (`/status`) the receipt points the proxy to:
/// `SHOKAI_PUBLIC_URL` when set; otherwise the address the clerk's browser
/// used (its `Host`, and `https` when the request came over TLS, ours or a
/// trusted proxy's). Without a usable host, the listening address.
pub fn status_url_for(state: &AppState, host: Option<&str>, https: bool) -> String {
    match &state.settings().edge.public_url {
        Some(base) => format!("{base}/status"),
        None => status_url(host, https, &state.settings().bind.to_string()),
    }
}

/// [`status_url_for`] with `fallback` for a host that is missing or not a
/// plain host name. Only host characters pass, so a forged header cannot
/// print text on the receipt.
fn status_url(host: Option<&str>, https: bool, fallback: &str) -> String {
    let plain = |h: &str| {
        !h.is_empty()
            && h.len() <= 253
            && h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
    };
    let host = host.map(str::trim).filter(|h| plain(h)).unwrap_or(fallback);
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{host}/status")
}

#[cfg(test)]
mod tests {
    use super::status_url;

    #[test]
    fn the_status_url_is_the_host_the_clerk_used_and_nothing_forged() {
        assert_eq!(
            status_url(Some("shokai.city.example.jp"), true, "127.0.0.1:8080"),
            "https://shokai.city.example.jp/status"
        );
        assert_eq!(
            status_url(Some("127.0.0.1:8080"), false, "0.0.0.0:80"),
            "http://127.0.0.1:8080/status"
        );
        assert_eq!(
            status_url(Some("evil.example/お知らせ"), false, "127.0.0.1:8080"),
            "http://127.0.0.1:8080/status"
        );
        assert_eq!(
            status_url(None, true, "[::1]:8080"),
            "https://[::1]:8080/status"
        );
    }
}
