//! `GET /api/reports?from=&to=`: the office's report (every role may read it).

use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use utoipa::IntoParams;

use super::authorized::Authorized;
use super::error::AppError;
use crate::auth::Read;
use crate::service::reports::{self, Report};
use crate::state::AppState;

/// The period, as Japan dates (`YYYY-MM-DD`), both included; default the
/// last 30 days.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportParams {
    /// First day, e.g. 2026-11-01.
    pub from: Option<String>,
    /// Last day, e.g. 2026-11-30.
    pub to: Option<String>,
}

/// `GET /api/reports?from=&to=`: cases per state and overdue cases (now),
/// median days to PIN set per path and letters per day (in the period).
#[utoipa::path(get, path = "/api/reports", tag = "reports", params(ReportParams), security(("bearer" = [])),
    responses((status = 200, description = "The report", body = Object),
        (status = 422, description = "invalid_input (from, to)", body = super::openapi::ErrorSchema)))]
pub async fn report(
    _auth: Authorized<Read>,
    State(state): State<AppState>,
    Query(params): Query<ReportParams>,
) -> Result<Json<Report>, AppError> {
    let report = reports::report(&state, params.from.as_deref(), params.to.as_deref()).await?;
    Ok(Json(report))
}
