//! 発送バッチ `/batches`: close a print batch now (its cut-off is the moment
//! of closing: every letter issued until then), download its combined PDF
//! and its 発送簿 (cookie-authenticated, like the page), mark it mailed with
//! the post date, and record a letter of a mailed batch that came back
//! undeliverable. Every change is a form with the CSRF token, answered with
//! a redirect back here and a flash message; the work is done by
//! [`crate::service::batches`] and [`crate::service::cases::apply`], the
//! same functions the JSON API calls.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use shokai_workflow::case::japan_date;

use super::cases::jst_time;
use super::confirm::{self, ConfirmPage};
use super::csrf::CsrfForm;
use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::{Operate, Post, Print};
use crate::service::access_log::{AccessKind, Target};
use crate::service::batches::{self, BatchView, CloseRequest, MailedRequest};
use crate::service::error::ServiceError;
use crate::service::{cases, responses};
use crate::state::AppState;

/// One letter of a batch on the page.
pub struct LetterLine {
    pub case_id: i64,
    pub reference: String,
    pub number: i64,
    pub mailed_on: String,
}

/// One batch on the page.
pub struct BatchRow {
    pub id: i64,
    pub cut_off: String,
    pub created_at: String,
    pub created_by: String,
    pub letter_count: usize,
    /// The planned mailing date (the letters' deadlines count from it).
    pub planned_mailing_on: String,
    pub mailed_on: Option<String>,
    pub print_available: bool,
    pub letters: Vec<LetterLine>,
}

impl From<BatchView> for BatchRow {
    fn from(b: BatchView) -> BatchRow {
        BatchRow {
            id: b.id,
            cut_off: jst_time(b.cut_off),
            created_at: jst_time(b.created_at),
            created_by: b.created_by,
            letter_count: b.letter_count,
            planned_mailing_on: b
                .planned_mailing_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            mailed_on: b.mailed_on.map(|d| d.to_string()),
            print_available: !b.print_file_discarded,
            letters: b
                .letters
                .into_iter()
                .map(|l| LetterLine {
                    case_id: l.case_id,
                    reference: l.reference,
                    number: l.letter_number,
                    mailed_on: l.mailed_on.map(|d| d.to_string()).unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// The batches page.
#[derive(Template)]
#[template(path = "batches.html")]
pub struct BatchesPage {
    pub chrome: Chrome,
    /// Letters a batch closed now would take.
    pub waiting: i64,
    /// Now, in Japan time: the cut-off of a batch closed now.
    pub now: String,
    /// Today (Japan), the default post date.
    pub today: String,
    /// The daily cut-off (`SHOKAI_BATCH_CUTOFF`, Japan time), e.g. `17:00`.
    pub daily_cut_off: String,
    /// The planned mailing date a batch closed now takes by default.
    pub planned: String,
    /// The office's deadline days (the letters print planned + these, on an open day).
    pub deadline_days: u32,
    pub batches: Vec<BatchRow>,
}

/// `GET /batches`.
pub async fn list(
    auth: WebAuthorized<Post>,
    State(state): State<AppState>,
) -> Result<Response, WebError> {
    let found = batches::list(&state, &auth.caller)
        .await
        .map_err(|e| auth.fail(e))?;
    let now = state.now();
    let page = BatchesPage {
        chrome: auth.chrome.clone().at("batches"),
        waiting: batches::letters_waiting(&state)
            .await
            .map_err(|e| auth.fail(e))?,
        now: jst_time(now),
        today: japan_date(now).to_string(),
        daily_cut_off: state.settings().batch_cutoff.format("%H:%M").to_string(),
        planned: batches::default_planned_mailing(&state).to_string(),
        deadline_days: state.settings().deadline_days,
        batches: found.into_iter().map(BatchRow::from).collect(),
    };
    Ok(page::render(&page))
}

/// The close form: the planned mailing date, if the clerk changed it.
#[derive(Debug, Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    pub planned_mailing_on: String,
}

/// `POST /batches`: close a batch now.
pub async fn close(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    CsrfForm(form, _): CsrfForm<CloseForm>,
) -> Result<Response, WebError> {
    let typed = form.planned_mailing_on.trim();
    let planned_mailing_on = if typed.is_empty() {
        None
    } else {
        match chrono::NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                return Ok(page::refused(
                    "/batches",
                    "発送予定日は YYYY-MM-DD の形で入力してください。",
                ));
            }
        }
    };
    let request = CloseRequest { planned_mailing_on };
    match batches::close(&state, &auth.caller, request).await {
        Ok(batch) => {
            let planned = batch
                .planned_mailing_on
                .map(|d| format!("発送予定日 {d}、"))
                .unwrap_or_default();
            let mut text = format!(
                "発送バッチ{}を締めました（{planned}{}通）。印刷担当が印刷用PDFをダウンロードできます。",
                batch.id, batch.letter_count
            );
            if !batch.held.is_empty() {
                let held: Vec<&str> = batch.held.iter().map(|h| h.reference.as_str()).collect();
                text.push_str(&format!(
                    "次の案件の照会書は印刷できないため、このバッチから外しました（次のバッチを待ちます。案件の内容を確認してください）：{}",
                    held.join("、")
                ));
            }
            Ok(page::done("/batches", text))
        }
        Err(ServiceError::BatchEmpty) => Ok(page::refused(
            "/batches",
            "締める照会書がありません（発行済みで未発送の照会書が0通です）。",
        )),
        Err(e) => Err(auth.fail(e).back_to("/batches")),
    }
}

fn download(bytes: Vec<u8>, content_type: &'static str, name: String) -> Response {
    (
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /batches/{id}/print.pdf`.
pub async fn print_pdf(
    auth: WebAuthorized<Print>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let file = batches::print_pdf(&state, &auth.caller, id)
        .await
        .map_err(|e| auth.fail(e).back_to("/batches"))?;
    auth.record_read(&state, AccessKind::PrintFile, Target::Batch(id))
        .await?;
    let name = format!("batch-{id}.pdf");
    Ok(crate::api::batches::print_file_response(file, Some(&name)))
}

/// `GET /batches/{id}/manifest.csv`.
pub async fn manifest_csv(
    auth: WebAuthorized<Post>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let bytes = batches::manifest_csv(&state, &auth.caller, id)
        .await
        .map_err(|e| auth.fail(e).back_to("/batches"))?;
    auth.record_read(&state, AccessKind::Manifest, Target::Batch(id))
        .await?;
    Ok(download(
        bytes,
        "text/csv; charset=utf-8",
        format!("batch-{id}-manifest.csv"),
    ))
}

/// The mailed form.
#[derive(Debug, Deserialize)]
pub struct MailedForm {
    /// `YYYY-MM-DD`; empty means today.
    #[serde(default)]
    pub mailed_on: String,
    /// `yes` once the print room confirmed (see [`super::confirm`]).
    #[serde(default)]
    pub confirmed: String,
}

/// `POST /batches/{id}/mailed`.
pub async fn mailed(
    auth: WebAuthorized<Post>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(form, _): CsrfForm<MailedForm>,
) -> Result<Response, WebError> {
    let typed = form.mailed_on.trim();
    let mailed_on = if typed.is_empty() {
        None
    } else {
        match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                return Ok(page::refused(
                    "/batches",
                    "発送日は 2026-11-26 の形で入力してください。",
                ));
            }
        }
    };
    if !confirm::is_confirmed(&form.confirmed) {
        return confirm_mailed(&state, auth, id, typed, mailed_on).await;
    }
    match batches::mark_mailed(&state, &auth.caller, id, MailedRequest { mailed_on }).await {
        Ok(done) => Ok(page::done(
            "/batches",
            format!(
                "発送バッチ{id}を{}に発送済みにしました（{}件）。印刷用PDFは削除され、照会番号を伏せた控えだけが残ります。",
                done.mailed_on,
                done.cases.len()
            ),
        )),
        Err(e) => Ok(page::refused("/batches", super::messages::error_ja(&e))),
    }
}

/// The confirmation page of marking batch `id` mailed on `mailed_on`
/// (`typed` as the form sent it; today when empty).
async fn confirm_mailed(
    state: &AppState,
    auth: WebAuthorized<Post>,
    id: i64,
    typed: &str,
    mailed_on: Option<NaiveDate>,
) -> Result<Response, WebError> {
    let batch = batches::get(state, &auth.caller, id)
        .await
        .map_err(|e| auth.fail(e))?;
    let day = mailed_on.unwrap_or_else(|| japan_date(state.now()));
    let page = ConfirmPage {
        chrome: auth.chrome.at("batches"),
        title: "発送済みの記録".to_owned(),
        consequence: format!(
            "発送バッチ{id}の照会書{}通を、{}に郵便局へ差し出したものとして記録します。照会番号を含む印刷用PDFは削除され、各案件の回答期限が決まり、代理人へ発送のお知らせを送ります。",
            batch.letter_count,
            shokai_workflow::ja::date_ja(day)
        ),
        facts: vec![
            ("バッチ番号".to_owned(), id.to_string()),
            ("通数".to_owned(), format!("{}通", batch.letter_count)),
            ("発送日".to_owned(), shokai_workflow::ja::date_ja(day)),
        ],
        action: format!("/batches/{id}/mailed"),
        hidden: vec![("mailed_on".to_owned(), typed.to_owned())],
        button: "発送済みにする".to_owned(),
        back: "/batches".to_owned(),
    };
    Ok(page.render())
}

/// The returned-letter form of one letter in a mailed batch.
#[derive(Debug, Deserialize)]
pub struct ReturnedForm {
    pub case_id: i64,
    pub letter: u8,
    #[serde(default)]
    pub note: String,
    /// `yes` once the clerk confirmed (see [`super::confirm`]).
    #[serde(default)]
    pub confirmed: String,
}

/// `POST /batches/{id}/undeliverable`: a letter of the batch came back.
/// The case is read first for its version: the clerk is holding the
/// returned envelope, so the step applies to the case as it is now.
pub async fn undeliverable(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(_batch): Path<i64>,
    CsrfForm(form, _): CsrfForm<ReturnedForm>,
) -> Result<Response, WebError> {
    let current = cases::get(&state, form.case_id)
        .await
        .map_err(|e| auth.fail(e))?;
    if !confirm::is_confirmed(&form.confirmed) {
        let page = ConfirmPage {
            chrome: auth.chrome.at("batches"),
            title: "照会書の返戻".to_owned(),
            consequence: confirm::RETURNED_CONSEQUENCE.to_owned(),
            facts: vec![
                ("受付番号".to_owned(), current.reference.clone()),
                ("照会書".to_owned(), format!("{}通目", form.letter)),
                ("郵便局の記載など".to_owned(), form.note.clone()),
            ],
            action: format!("/batches/{_batch}/undeliverable"),
            hidden: vec![
                ("case_id".to_owned(), form.case_id.to_string()),
                ("letter".to_owned(), form.letter.to_string()),
                ("note".to_owned(), form.note.clone()),
            ],
            button: "返戻として記録する".to_owned(),
            back: "/batches".to_owned(),
        };
        return Ok(page.render());
    }
    let note = Some(form.note.as_str());
    let returned = responses::returned(
        &state,
        &auth.caller,
        form.case_id,
        current.version,
        form.letter,
        note,
    );
    match returned.await {
        Ok(case) => Ok(page::done(
            "/batches",
            format!(
                "{}の照会書の返戻を記録しました。この案件は終了です。",
                case.reference
            ),
        )),
        Err(e) => Ok(page::refused(
            "/batches",
            format!("{}：{}", current.reference, super::messages::error_ja(&e)),
        )),
    }
}
