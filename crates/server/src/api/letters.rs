//! Inquiry letters: `POST /api/cases/{id}/letters` issues the next one and
//! `GET /api/cases/{id}/letters/{n}/pdf` downloads a clerk's copy, with the
//! verification code and QR code blanked (the code leaves the server only in
//! the print room's print file). Auditors get no copy.
//! `GET /api/cases/{id}/receipt.pdf` is the proxy's receipt (受付控え) of an
//! optional-proxy case, as the case page prints it.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;

use super::authorized::Authorized;
use super::error::AppError;
use super::json::{ApiJson, ApiPath};
use crate::auth::Operate;
use crate::service::access_log::{AccessKind, Target};
use crate::service::letters::{self, IssueRequest, IssuedLetter, ReceiptFormat};
use crate::state::AppState;

/// `POST /api/cases/{id}/letters`: issues the next letter (a supervisor may
/// override the limits with `override_reason`).
#[utoipa::path(post, path = "/api/cases/{id}/letters", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    request_body(content = Object, description = "{version, override_reason?}"),
    responses((status = 201, description = "{case, letter_number}: the letter waits for the next print batch, which gives it its code", body = Object),
        (status = 403, description = "forbidden (an override by a clerk)", body = super::openapi::ErrorSchema),
        (status = 409, description = "letter_too_soon, version_conflict, invalid_transition, ...", body = super::openapi::ErrorSchema)))]
pub async fn issue(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<IssueRequest>,
) -> Result<(StatusCode, Json<IssuedLetter>), AppError> {
    let issued = letters::issue(&state, &auth.caller, id, req).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

/// `GET /api/cases/{id}/letters/{n}/pdf`: a copy of the letter with the code
/// blanked, naming the SHA-256 of the file printed.
#[utoipa::path(get, path = "/api/cases/{id}/letters/{n}/pdf", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id"), ("n" = u8, Path, description = "Letter number")),
    responses((status = 200, description = "The PDF", content_type = "application/pdf"),
        (status = 404, description = "not_found", body = super::openapi::ErrorSchema)))]
pub async fn pdf(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    ApiPath((id, n)): ApiPath<(i64, u8)>,
) -> Result<impl IntoResponse, AppError> {
    let bytes = letters::pdf(&state, id, n).await?;
    auth.record_read(&state, AccessKind::LetterCopy, Target::Case(id))
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes))
}

/// `GET /api/cases/{id}/receipt.pdf`: the receipt handed to the proxy at
/// application (受付控え): reference, date, what happens next, when the
/// letter is mailed, what to bring, the status page, the office. Never a
/// PIN, the code or the cardholder's address.
#[utoipa::path(get, path = "/api/cases/{id}/receipt.pdf", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "The receipt, one A4 page (not cached)", content_type = "application/pdf"),
        (status = 403, description = "forbidden (auditors and the print room)", body = super::openapi::ErrorSchema),
        (status = 404, description = "not_found (no such case, or not an optional-proxy case)", body = super::openapi::ErrorSchema)))]
pub async fn receipt_pdf(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, AppError> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let url = letters::status_url_for(&state, host, auth.client.https);
    let bytes = letters::receipt(&state, id, &url, ReceiptFormat::Pdf).await?;
    auth.record_read(&state, AccessKind::Receipt, Target::Case(id))
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes))
}
