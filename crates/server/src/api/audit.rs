//! The audit log for auditors: `GET /api/audit`, `GET /api/audit/verify`,
//! `GET /api/audit/export.csv`; and the access log of reads of personal
//! data: `GET /api/audit/access`, `GET /api/audit/access.csv`.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::authorized::Authorized;
use super::error::AppError;
use crate::auth::Audit;
use crate::service::access_log::{self, AccessLogParams, AccessPage};
use crate::service::audit::{self, AuditEvent, AuditQuery};
use crate::state::AppState;

/// Search parameters (all optional). Times are RFC 3339.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditParams {
    /// Case id.
    pub case: Option<String>,
    /// Username of the actor.
    pub actor: Option<String>,
    /// From (inclusive), e.g. 2026-11-01T00:00:00+09:00.
    pub from: Option<String>,
    /// To (exclusive).
    pub to: Option<String>,
}

impl AuditParams {
    fn parse(self) -> Result<AuditQuery, AppError> {
        let time = |field: &'static str, v: Option<String>| {
            v.filter(|s| !s.is_empty())
                .map(|s| {
                    DateTime::parse_from_rfc3339(&s)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|_| {
                            AppError::invalid(
                                field,
                                "an RFC 3339 time, e.g. 2026-11-01T00:00:00+09:00",
                            )
                        })
                })
                .transpose()
        };
        let case_id = self
            .case
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| AppError::invalid("case", "a case id"))
            })
            .transpose()?;
        Ok(AuditQuery {
            case_id,
            actor: self.actor.filter(|s| !s.is_empty()),
            from: time("from", self.from)?,
            to: time("to", self.to)?,
        })
    }
}

/// `GET /api/audit?case=&actor=&from=&to=`: matching events, oldest first.
#[utoipa::path(get, path = "/api/audit", tag = "audit", params(AuditParams), security(("bearer" = [])),
    responses((status = 200, description = "Events", body = [AuditEvent]),
        (status = 403, description = "forbidden: auditors only", body = super::openapi::ErrorSchema),
        (status = 422, description = "invalid_input", body = super::openapi::ErrorSchema)))]
pub async fn search(
    _auth: Authorized<Audit>,
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
) -> Result<Json<Vec<AuditEvent>>, AppError> {
    let query = params.parse()?;
    Ok(Json(audit::search(state.store(), &query).await?))
}

/// The result of a chain verification.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResult {
    /// Events checked.
    pub events: i64,
    /// True when no event was changed, removed or reordered.
    pub intact: bool,
    /// Where the chain first breaks, if it does.
    #[schema(value_type = Option<Object>)]
    pub first_break: Option<crate::service::audit::ChainBreak>,
}

/// `GET /api/audit/verify`: walks the hash chain.
#[utoipa::path(get, path = "/api/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, description = "Verification result", body = VerifyResult),
        (status = 403, description = "forbidden: auditors only", body = super::openapi::ErrorSchema)))]
pub async fn verify(
    _auth: Authorized<Audit>,
    State(state): State<AppState>,
) -> Result<Json<VerifyResult>, AppError> {
    let report = audit::verify(state.store()).await?;
    Ok(Json(VerifyResult {
        events: report.events,
        intact: report.is_intact(),
        first_break: report.first_break,
    }))
}

/// `GET /api/audit/export.csv?case=&actor=&from=&to=`: the events the same
/// search finds, as CSV for Japanese Excel (UTF-8 with BOM, CRLF, Japan
/// time, Japanese headers with the stable codes in their own columns),
/// personal data left out.
#[utoipa::path(get, path = "/api/audit/export.csv", tag = "audit", params(AuditParams), security(("bearer" = [])),
    responses((status = 200, description = "CSV for Excel: UTF-8 with BOM, CRLF, Japanese headers, Japan time; the codes and the UTC times the hash covers in their own columns", content_type = "text/csv"),
        (status = 403, description = "forbidden: auditors only", body = super::openapi::ErrorSchema)))]
pub async fn export_csv(
    _auth: Authorized<Audit>,
    State(state): State<AppState>,
    Query(params): Query<AuditParams>,
) -> Result<impl IntoResponse, AppError> {
    let query = params.parse()?;
    let csv = audit::export_csv(state.store(), &query).await?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""),
        ],
        csv,
    ))
}

/// `GET /api/audit/access?reference=&user=&from=&to=&before=`: one page of
/// the reads of personal data matching the search, newest first.
#[utoipa::path(get, path = "/api/audit/access", tag = "audit", security(("bearer" = [])),
    params(
        ("reference" = Option<String>, Query, description = "A whole reference number (受付番号)"),
        ("user" = Option<String>, Query, description = "The reader's username"),
        ("from" = Option<String>, Query, description = "First Japan date, YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "Last Japan date, YYYY-MM-DD (included)"),
        ("before" = Option<i64>, Query, description = "The next_before of the page before; omit for the newest page")),
    responses((status = 200, description = "One page of reads (100 at most), the total and where the next page starts", body = AccessPage),
        (status = 403, description = "forbidden: auditors only", body = super::openapi::ErrorSchema),
        (status = 422, description = "invalid_input, `field` naming the parameter", body = super::openapi::ErrorSchema)))]
pub async fn access(
    _auth: Authorized<Audit>,
    State(state): State<AppState>,
    Query(params): Query<AccessLogParams>,
) -> Result<Json<AccessPage>, AppError> {
    let query = params.parse()?;
    Ok(Json(access_log::search(&state, &query).await?))
}

/// `GET /api/audit/access.csv?reference=&user=&from=&to=`: every read the
/// search finds, newest first, as CSV for Japanese Excel.
#[utoipa::path(get, path = "/api/audit/access.csv", tag = "audit", security(("bearer" = [])),
    params(
        ("reference" = Option<String>, Query, description = "A whole reference number (受付番号)"),
        ("user" = Option<String>, Query, description = "The reader's username"),
        ("from" = Option<String>, Query, description = "First Japan date, YYYY-MM-DD"),
        ("to" = Option<String>, Query, description = "Last Japan date, YYYY-MM-DD (included)")),
    responses((status = 200, description = "CSV for Excel: UTF-8 with BOM, CRLF, Japanese headers, Japan time; the codes in their own columns", content_type = "text/csv"),
        (status = 403, description = "forbidden: auditors only", body = super::openapi::ErrorSchema)))]
pub async fn access_csv(
    _auth: Authorized<Audit>,
    State(state): State<AppState>,
    Query(params): Query<AccessLogParams>,
) -> Result<impl IntoResponse, AppError> {
    let query = params.parse()?;
    let csv = access_log::export_csv(&state, &query).await?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                CONTENT_DISPOSITION,
                "attachment; filename=\"access-log.csv\"",
            ),
        ],
        csv,
    ))
}
