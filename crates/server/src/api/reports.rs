//! `GET /api/reports?from=&to=`: the office's report (every role may read it).

use axum::Json;
use axum::extract::{Query, State};
use chrono::Utc;
use serde::Deserialize;
use shokai_workflow::case::japan_date;
use utoipa::IntoParams;

use super::error::AppError;
use crate::app::AppState;
use crate::auth::{Authorized, Read};
use crate::service::reports::{self, Period, Report};

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
    let now = Utc::now();
    let period = Period::parse(
        params.from.as_deref(),
        params.to.as_deref(),
        japan_date(now),
    )?;
    Ok(Json(reports::report(&state, period, now).await?))
}
