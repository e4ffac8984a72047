//! The proxy's return: `POST /api/cases/{id}/response` (checklist and code)
//! and `POST /api/cases/{id}/undeliverable` (the letter came back).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::authorized::Authorized;
use super::error::AppError;
use super::json::{ApiJson, ApiPath};
use crate::auth::Operate;
use crate::service::cases::CaseView;
use crate::service::responses::{self, ResponseRequest};
use crate::state::AppState;

/// `POST /api/cases/{id}/response`: the returned form. A wrong code is
/// counted and answered 422 `code_mismatch` (the message gives the attempts
/// left); a locked case gets 409 `case_locked`.
#[utoipa::path(post, path = "/api/cases/{id}/response", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    request_body(content = Object, description = "{version, code, entered_at?, checklist: {card_presented, proxy_photo_id, response_form_signed, power_of_attorney_complete, power_of_attorney_names_proxy, envelope_sealed}}"),
    responses((status = 200, description = "The case, response_returned", body = Object),
        (status = 409, description = "case_locked, card_not_bound, deadline_passed, version_conflict, invalid_transition", body = super::openapi::ErrorSchema),
        (status = 422, description = "code_mismatch, unmailed_code (the letter is not mailed yet), superseded_code (a reissue replaced that letter), code_malformed, checklist_incomplete, invalid_input", body = super::openapi::ErrorSchema)))]
pub async fn record(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ResponseRequest>,
) -> Result<Json<CaseView>, AppError> {
    Ok(Json(
        responses::record(&state, &auth.caller, id, req).await?,
    ))
}

/// A returned letter.
#[derive(Debug, Deserialize)]
pub struct UndeliverableRequest {
    /// The version the client read.
    pub version: i64,
    /// The letter that came back.
    pub letter: u8,
    /// What the post office marked, if anything.
    pub note: Option<String>,
}

/// `POST /api/cases/{id}/undeliverable`: the mailed letter came back.
#[utoipa::path(post, path = "/api/cases/{id}/undeliverable", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    request_body(content = Object, description = "{version, letter, note?}"),
    responses((status = 200, description = "The case, undeliverable", body = Object),
        (status = 409, description = "letter_not_mailed, letter_superseded, unknown_letter, version_conflict, invalid_transition", body = super::openapi::ErrorSchema)))]
pub async fn undeliverable(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<UndeliverableRequest>,
) -> Result<Json<CaseView>, AppError> {
    let note = req.note.as_deref();
    let case = responses::returned(&state, &auth.caller, id, req.version, req.letter, note).await?;
    Ok(Json(case))
}
