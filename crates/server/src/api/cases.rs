//! Case routes: `POST /api/cases`, `GET /api/cases` (filters, total and
//! keyset paging by an opaque cursor), `GET /api/cases/{id}`,
//! `POST /api/cases/{id}/cancel`, `POST /api/cases/{id}/unlock`.
//! Every change carries the `version` the client read.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shokai_card::PinKind;
use shokai_workflow::Event;

use super::authorized::Authorized;
use super::error::AppError;
use super::json::{ApiJson, ApiPath};
use crate::auth::{Operate, Read, Supervise};
use crate::service::access_log::{AccessKind, Target};
use crate::service::cases::{self, CaseListParams, CaseSummary, CaseView, Intake};
use crate::service::pin_change::{self, PinChangeOutcome, PinEntry};
use crate::state::AppState;

/// `POST /api/cases`: 201 with the new case (card bound from the terminal).
#[utoipa::path(post, path = "/api/cases", tag = "cases", security(("bearer" = [])),
    request_body(content = Object, description = "{cardholder, representation, pins}: the workflow's application types"),
    responses((status = 201, description = "The case", body = Object),
        (status = 422, description = "invalid_input or an application rule (field named)", body = super::openapi::ErrorSchema),
        (status = 503, description = "card_terminal_unavailable", body = super::openapi::ErrorSchema)))]
pub async fn open(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    ApiJson(intake): ApiJson<Intake>,
) -> Result<(StatusCode, Json<CaseView>), AppError> {
    let case = cases::open(&state, &auth.caller, intake).await?;
    Ok((StatusCode::CREATED, Json(case)))
}

/// `GET /api/cases/{id}`.
#[utoipa::path(get, path = "/api/cases/{id}", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, description = "The case", body = Object),
        (status = 404, description = "not_found", body = super::openapi::ErrorSchema)))]
pub async fn get(
    auth: Authorized<Read>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CaseView>, AppError> {
    let case = cases::get(&state, id).await?;
    if case.parties.is_some() {
        auth.record_read(&state, AccessKind::CaseApi, Target::Case(id))
            .await?;
    }
    Ok(Json(case))
}

/// One page of `GET /api/cases`.
#[derive(Debug, Serialize)]
pub struct CaseListResponse {
    /// The page's cases, newest first.
    pub cases: Vec<CaseSummary>,
    /// How many cases match the filters (on every page).
    pub total: i64,
    /// Pass as `cursor` for the next (older) page; absent on the last.
    pub next_cursor: Option<String>,
    /// Pass as `cursor` for the previous (newer) page; absent on the first.
    pub previous_cursor: Option<String>,
}

/// `GET /api/cases`: one page of case summaries matching the filters,
/// newest first (by registration, then id), with the total and the cursors
/// of the pages either side.
#[utoipa::path(get, path = "/api/cases", tag = "cases", security(("bearer" = [])),
    params(
        ("reference" = Option<String>, Query, description = "The start of a reference (受付番号), e.g. `R8-0001`, or all of it; full-width characters are folded"),
        ("kana" = Option<String>, Query, description = "Part of the cardholder's reading (フリガナ): katakana, hiragana or half-width katakana, spaces ignored. Ignored for auditors: a reading is personal data"),
        ("state" = Option<String>, Query, description = "State code"),
        ("path" = Option<String>, Query, description = "Path code (申請区分): in_person, legal_representative, optional_proxy"),
        ("applied_from" = Option<String>, Query, description = "First application date, YYYY-MM-DD (Japan time)"),
        ("applied_to" = Option<String>, Query, description = "Last application date, YYYY-MM-DD (Japan time), inclusive"),
        ("overdue" = Option<bool>, Query, description = "Only cases past their deadline"),
        ("due_this_week" = Option<bool>, Query, description = "Only waiting cases due between today and the coming Sunday (Japan time)"),
        ("cursor" = Option<String>, Query, description = "Opaque: a next_cursor or previous_cursor from an earlier page; omit for the first page. Keep the same filters while paging"),
        ("limit" = Option<u32>, Query, description = "Cases per page, 1 to 200 (default 50)")),
    responses((status = 200, description = "One page", body = super::openapi::CaseListSchema),
        (status = 422, description = "invalid_input, `field` naming the parameter (a malformed cursor: field `cursor`)", body = super::openapi::ErrorSchema)))]
pub async fn list(
    auth: Authorized<Read>,
    State(state): State<AppState>,
    Query(params): Query<CaseListParams>,
) -> Result<Json<CaseListResponse>, AppError> {
    let listed = cases::list(&state, auth.caller.role, params.parse()?).await?;
    Ok(Json(CaseListResponse {
        cases: listed.cases,
        total: listed.total,
        next_cursor: listed.next.map(|c| c.encode()),
        previous_cursor: listed.previous.map(|c| c.encode()),
    }))
}

/// A change that needs a reason.
#[derive(Debug, Deserialize)]
pub struct ReasonRequest {
    /// The version the client read.
    pub version: i64,
    /// Why (recorded in the audit log).
    pub reason: String,
}

/// `POST /api/cases/{id}/cancel` (supervisor, with a reason).
#[utoipa::path(post, path = "/api/cases/{id}/cancel", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    request_body(content = Object, description = "{version, reason}"),
    responses((status = 200, description = "The changed case", body = Object),
        (status = 409, description = "version_conflict, invalid_transition, …", body = super::openapi::ErrorSchema),
        (status = 422, description = "reason_required", body = super::openapi::ErrorSchema)))]
pub async fn cancel(
    auth: Authorized<Supervise>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<Json<CaseView>, AppError> {
    let event = Event::Cancel { reason: req.reason };
    Ok(Json(
        cases::apply(&state, &auth.caller, id, req.version, event).await?,
    ))
}

/// `POST /api/cases/{id}/unlock` (supervisor, with a reason).
#[utoipa::path(post, path = "/api/cases/{id}/unlock", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    request_body(content = Object, description = "{version, reason}"),
    responses((status = 200, description = "The changed case", body = Object),
        (status = 409, description = "version_conflict, invalid_transition, …", body = super::openapi::ErrorSchema),
        (status = 422, description = "reason_required", body = super::openapi::ErrorSchema)))]
pub async fn unlock(
    auth: Authorized<Supervise>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> Result<Json<CaseView>, AppError> {
    let event = Event::Unlock { reason: req.reason };
    Ok(Json(
        cases::apply(&state, &auth.caller, id, req.version, event).await?,
    ))
}

/// The counter PIN change: the version read and one entry per PIN of the case.
#[derive(Deserialize)]
pub struct PinChangeRequest {
    /// The version the client read.
    pub version: i64,
    /// `[{pin, current, new}]`; never logged, stored or echoed.
    pub changes: Vec<PinEntry>,
}

/// What ends a case whose current PIN nobody knows.
#[derive(Debug, Deserialize)]
pub struct CurrentPinWrongRequest {
    /// The version the client read.
    pub version: i64,
    /// The PIN whose current value was wrong.
    pub pin: PinKind,
}

/// `POST /api/cases/{id}/current-pin-wrong`: the current PIN given was wrong
/// and nobody knows the right one; the case ends `failed`, reason
/// `current_pin_wrong` (the way on is a reset).
#[utoipa::path(post, path = "/api/cases/{id}/current-pin-wrong", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    request_body(content = Object, description = "{version, pin}"),
    responses((status = 200, description = "The case, failed", body = Object),
        (status = 409, description = "invalid_transition, not_same_day, version_conflict", body = super::openapi::ErrorSchema),
        (status = 422, description = "invalid_input (a PIN the case does not change)", body = super::openapi::ErrorSchema)))]
pub async fn current_pin_wrong(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<CurrentPinWrongRequest>,
) -> Result<Json<CaseView>, AppError> {
    let case =
        pin_change::current_pin_wrong(&state, &auth.caller, id, req.version, req.pin).await?;
    Ok(Json(case))
}

/// `POST /api/cases/{id}/pin-change`: sets the new PINs on the card in the
/// terminal. 200 `pin_set` or `pin_blocked` (the case failed: reset
/// required); 422 `wrong_pin` with the tries left; 409 `card_not_bound` for
/// another card.
#[utoipa::path(post, path = "/api/cases/{id}/pin-change", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    request_body(content = Object, description = "{version, changes: [{pin, current, new}]}"),
    responses((status = 200, description = "{outcome, case}", body = Object),
        (status = 409, description = "card_not_bound, version_conflict, invalid_transition", body = super::openapi::ErrorSchema),
        (status = 422, description = "wrong_pin, invalid_input", body = super::openapi::ErrorSchema)))]
pub async fn pin_change(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<PinChangeRequest>,
) -> Result<Json<PinChangeOutcome>, AppError> {
    let outcome = pin_change::change(&state, &auth.caller, id, req.version, req.changes).await?;
    Ok(Json(outcome))
}

/// The version the client read, and nothing else.
#[derive(Debug, Deserialize)]
pub struct VersionRequest {
    /// The version the client read.
    pub version: i64,
}

/// The proxy case ended and the in-person case that took its place.
#[derive(Debug, serde::Serialize)]
pub struct TakeOverResponse {
    /// The proxy case, cancelled with reason 本人来庁.
    pub closed: CaseView,
    /// The cardholder's own case, for the same card.
    pub opened: CaseView,
}

/// `POST /api/cases/{id}/take-over`: the cardholder came in person while
/// this proxy case is open. It ends (本人来庁) and an in-person case opens
/// for the card in the terminal, which must be the case's card; both are
/// linked in the audit trail.
#[utoipa::path(post, path = "/api/cases/{id}/take-over", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    request_body(content = Object, description = "{version}"),
    responses((status = 201, description = "{closed, opened}", body = Object),
        (status = 409, description = "invalid_transition, card_not_bound, version_conflict", body = super::openapi::ErrorSchema),
        (status = 422, description = "the in-person application is refused (e.g. in_person_under_15)", body = super::openapi::ErrorSchema)))]
pub async fn take_over(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(req): ApiJson<VersionRequest>,
) -> Result<(StatusCode, Json<TakeOverResponse>), AppError> {
    let (closed, opened) = cases::take_over(&state, &auth.caller, id, req.version).await?;
    Ok((
        StatusCode::CREATED,
        Json(TakeOverResponse { closed, opened }),
    ))
}

/// `POST /api/cases/{id}/reset-case`: opens the reset case that follows
/// this change, failed on a blocked or forgotten PIN (same cardholder,
/// representation and card; that PIN; procedure `reset`).
#[utoipa::path(post, path = "/api/cases/{id}/reset-case", tag = "cases", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 201, description = "The new reset case", body = Object),
        (status = 409, description = "nothing_to_reset, card_not_bound, card_has_open_case", body = super::openapi::ErrorSchema)))]
pub async fn start_reset(
    auth: Authorized<Operate>,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
) -> Result<(StatusCode, Json<CaseView>), AppError> {
    let opened = cases::open_reset(&state, &auth.caller, id).await?;
    Ok((StatusCode::CREATED, Json(opened)))
}
