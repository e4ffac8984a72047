//! Letter and receipt previews for the cookie session (the API's downloads
//! want a bearer token). Auditors get none of them, as in the API.
//!
//! * `/cases/{id}/letters/{n}`: the letter's details and a picture of each
//!   page (`/cases/{id}/letters/{n}/page-{p}.png`), drawn on the server from
//!   the clerk's copy, code and QR code blanked, so every browser shows it;
//!   `/cases/{id}/letters/{n}/pdf` stays the download.
//! * `/cases/{id}/receipt`: the proxy's receipt (受付控え) as a picture
//!   (`/cases/{id}/receipt.png`) with the PDF to print
//!   (`/cases/{id}/receipt.pdf`). Optional-proxy cases only.
//!
//! Every picture and PDF shows personal data: `Cache-Control: no-store`,
//! and each is recorded in the access log before it is handed out (the
//! letter's preview page itself shows no personal data; its pictures do).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use shokai_workflow::letter::{ReceiptMailing, wareki};

use super::cases::jst_time;
use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::Operate;
use crate::service::access_log::{AccessKind, Target};
use crate::service::error::ServiceError;
use crate::service::letters::{self, ReceiptFormat};
use crate::state::AppState;

/// One picture on a preview page.
pub struct PreviewImage {
    pub src: String,
    pub alt: String,
    pub id: String,
    pub caption: String,
}

/// A preview page: facts, a note, the PDF and the pictures of its pages.
#[derive(Template)]
#[template(path = "letter.html")]
pub struct PreviewPage {
    pub chrome: Chrome,
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub facts_heading: &'static str,
    pub facts: Vec<(&'static str, String)>,
    pub note_id: &'static str,
    pub note: &'static str,
    pub pdf_href: String,
    pub pdf_id: &'static str,
    pub pdf_label: &'static str,
    /// Opened to be printed (the receipt) rather than downloaded (a letter).
    pub print: bool,
    pub images_heading: &'static str,
    pub images: Vec<PreviewImage>,
}

/// `GET /cases/{id}/letters/{n}`.
pub async fn preview(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, u8)>,
) -> Result<Response, WebError> {
    let facts = letters::facts(&state, id, n)
        .await
        .map_err(|e| auth.fail(e))?;
    let mailed_on = facts.mailed_on.map_or_else(
        || "未発送（次の発送バッチで印刷されます）".to_owned(),
        |d| d.to_string(),
    );
    let images = facts
        .pages
        .iter()
        .map(|p| PreviewImage {
            src: format!("/cases/{id}/letters/{n}/page-{p}.png"),
            alt: format!(
                "照会書 {n}通目 {p}枚目（{}）の画像。照会番号とQRコードは伏せています",
                if *p == 1 {
                    "照会書"
                } else {
                    "回答書兼委任状"
                }
            ),
            id: format!("letter-page-{p}"),
            caption: format!("{p}枚目"),
        })
        .collect();
    let page = PreviewPage {
        chrome: auth.chrome.clone().at("cases"),
        id,
        reference: facts.reference.clone(),
        title: format!("照会書 {n}通目（{}）", facts.reference),
        facts_heading: "照会書の情報",
        facts: vec![
            ("受付番号", facts.reference),
            ("番号", format!("{n}通目")),
            ("発行日時", jst_time(facts.issued_at)),
            ("発送日", mailed_on),
            ("状況", facts.status.to_owned()),
        ],
        note_id: "letter-copy-note",
        note: "この控えでは照会番号とQRコードを伏せています。照会番号が印字されるのは、印刷担当だけが受け取る印刷用PDFです。",
        pdf_href: format!("/cases/{id}/letters/{n}/pdf"),
        pdf_id: "letter-download",
        pdf_label: "PDFをダウンロード",
        print: false,
        images_heading: "照会書の画像",
        images,
    };
    Ok(page::render(&page))
}

/// `GET /cases/{id}/letters/{n}/pdf`: the letter as issued, shown inline.
pub async fn pdf(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, u8)>,
) -> Result<Response, WebError> {
    let bytes = letters::pdf(&state, id, n)
        .await
        .map_err(|e| auth.fail(e).back_to(format!("/cases/{id}")))?;
    auth.record_read(&state, AccessKind::LetterCopy, Target::Case(id))
        .await?;
    Ok(file(
        "application/pdf",
        format!("inline; filename=\"letter-{id}-{n}.pdf\""),
        bytes,
    ))
}

/// `GET /cases/{id}/letters/{n}/page-{p}.png`: one page of the clerk's
/// copy as a picture, code and QR code blanked.
pub async fn page_png(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path((id, n, file_name)): Path<(i64, u8, String)>,
) -> Result<Response, WebError> {
    let page = file_name
        .strip_prefix("page-")
        .and_then(|rest| rest.strip_suffix(".png"))
        .and_then(|p| p.parse::<usize>().ok())
        .ok_or_else(|| {
            auth.fail(ServiceError::NotFound {
                what: format!("{file_name} of letter {n} of case {id}"),
            })
        })?;
    let bytes = letters::page_png(&state, id, n, page)
        .await
        .map_err(|e| auth.fail(e))?;
    auth.record_read(&state, AccessKind::LetterCopy, Target::Case(id))
        .await?;
    Ok(file(
        "image/png",
        format!("inline; filename=\"letter-{id}-{n}-page-{page}.png\""),
        bytes,
    ))
}

/// `GET /cases/{id}/receipt`: the proxy's receipt as a picture, with the
/// PDF to print.
pub async fn receipt(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let receipt = letters::receipt_content(&state, id, "")
        .await
        .map_err(|e| auth.fail(e))?;
    auth.record_read(&state, AccessKind::Receipt, Target::Case(id))
        .await?;
    let reference = receipt.reference.clone();
    let page = PreviewPage {
        chrome: auth.chrome.clone().at("cases"),
        id,
        reference: reference.clone(),
        title: format!("受付控え（{reference}）"),
        facts_heading: "受付控えの内容",
        facts: vec![
            ("受付番号", reference.clone()),
            ("申請日", wareki(receipt.applied_on)),
            ("代理人", format!("{} 様", receipt.proxy_name)),
            ("照会書の発送", mailing_ja(receipt.mailing)),
        ],
        note_id: "receipt-note",
        note: "申請を受け付けたら、受付控えを印刷して代理人にお渡しください。受付控えには暗証番号、照会番号、カード名義人の住所は記載されません。",
        pdf_href: format!("/cases/{id}/receipt.pdf"),
        pdf_id: "receipt-print",
        pdf_label: "受付控えを印刷（PDF）",
        print: true,
        images_heading: "受付控えの画像",
        images: vec![PreviewImage {
            src: format!("/cases/{id}/receipt.png"),
            alt: format!("受付控え（受付番号 {reference}）の画像"),
            id: "receipt-image".to_owned(),
            caption: "受付控え（1枚）".to_owned(),
        }],
    };
    Ok(page::render(&page))
}

/// `GET /cases/{id}/receipt.pdf`: the receipt to print, shown inline.
pub async fn receipt_pdf(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let url = status_url(&state, &headers, auth.client.https);
    receipt_file(&auth, &state, id, &url, ReceiptFormat::Pdf).await
}

/// `GET /cases/{id}/receipt.png`: the receipt as a picture.
pub async fn receipt_png(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let url = status_url(&state, &headers, auth.client.https);
    receipt_file(&auth, &state, id, &url, ReceiptFormat::Png).await
}

async fn receipt_file(
    auth: &WebAuthorized<Operate>,
    state: &AppState,
    id: i64,
    url: &str,
    format: ReceiptFormat,
) -> Result<Response, WebError> {
    let bytes = letters::receipt(state, id, url, format)
        .await
        .map_err(|e| auth.fail(e).back_to(format!("/cases/{id}")))?;
    auth.record_read(state, AccessKind::Receipt, Target::Case(id))
        .await?;
    let name = format!("inline; filename=\"receipt-{id}.{}\"", format.extension());
    Ok(file(format.content_type(), name, bytes))
}

/// When the letter goes out, as the clerk reads it on the receipt's page.
fn mailing_ja(mailing: ReceiptMailing) -> String {
    match mailing {
        ReceiptMailing::AfterIssue => "照会書の発行後（まだ発行していません）".to_owned(),
        ReceiptMailing::Planned { on, .. } => format!("{}ごろ（予定）", wareki(on)),
        ReceiptMailing::Mailed { on, .. } => format!("{} 発送済み", wareki(on)),
    }
}

/// The status page's address: `SHOKAI_PUBLIC_URL`, or as the request reached the server.
fn status_url(state: &AppState, headers: &HeaderMap, https: bool) -> String {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    letters::status_url_for(state, host, https)
}

/// A file shown inline (never cached: `app::headers` sends it `no-store`).
fn file(content_type: &'static str, disposition: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}
