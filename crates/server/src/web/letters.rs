//! Letter preview: `/cases/{id}/letters/{n}` shows the letter's details with
//! the clerk's copy embedded, and `/cases/{id}/letters/{n}/pdf` serves that
//! copy (code and QR code blanked) to the cookie session (the API's download
//! route wants a bearer token). Auditors get neither, as in the API.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::cases::jst_time;
use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::Operate;
use crate::service::error::ServiceError;
use crate::service::{cases, letters};
use crate::state::AppState;

/// The preview page.
#[derive(Template)]
#[template(path = "letter.html")]
pub struct LetterPage {
    pub chrome: Chrome,
    pub id: i64,
    pub reference: String,
    pub number: u8,
    pub issued_at: String,
    pub mailed_on: String,
    pub superseded: bool,
}

/// `GET /cases/{id}/letters/{n}`.
pub async fn preview(
    auth: WebAuthorized<Operate>,
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, u8)>,
) -> Result<Response, WebError> {
    let case = cases::get(&state, id).await.map_err(|e| auth.fail(e))?;
    let letter = case.letters.iter().find(|l| l.number == n).ok_or_else(|| {
        auth.fail(ServiceError::NotFound {
            what: format!("letter {n} of case {id}"),
        })
    })?;
    let page = LetterPage {
        chrome: auth.chrome.clone().at("cases"),
        id,
        reference: case.reference.clone(),
        number: n,
        issued_at: jst_time(letter.issued_at),
        mailed_on: letter.mailed_on.map(|d| d.to_string()).unwrap_or_default(),
        superseded: letter.superseded,
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
    let disposition = format!("inline; filename=\"letter-{id}-{n}.pdf\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            // It carries the verification code: never cached.
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
