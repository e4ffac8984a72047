//! 集計 `/reports`: the report of [`crate::service::reports`] as tables,
//! with plain CSS bars for letters per day. Every role may read it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::Read;
use crate::service::error::ServiceError;
use crate::service::reports::{self, Report};
use crate::state::AppState;

/// The period as typed (`YYYY-MM-DD`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One day's bars, scaled to the busiest day of the period.
pub struct DayBar {
    pub day: String,
    pub issued: i64,
    pub mailed: i64,
    /// Bar widths in percent (0–100).
    pub issued_pct: i64,
    pub mailed_pct: i64,
}

/// The report page.
#[derive(Template)]
#[template(path = "reports.html")]
pub struct ReportsPage {
    pub chrome: Chrome,
    pub report: Report,
    /// The period as typed, for the form.
    pub from: String,
    pub to: String,
    pub days: Vec<DayBar>,
    pub issued_total: i64,
    pub mailed_total: i64,
}

impl ReportsPage {
    /// `3.5日` or `—` without cases.
    pub fn median_text(&self, median: &Option<f64>) -> String {
        median.map_or_else(|| "—".to_owned(), |m| format!("{m:.1}日"))
    }
}

/// `GET /reports?from=&to=`.
pub async fn show(
    auth: WebAuthorized<Read>,
    State(state): State<AppState>,
    Query(params): Query<PeriodQuery>,
) -> Result<Response, WebError> {
    let report = reports::report(&state, params.from.as_deref(), params.to.as_deref())
        .await
        .map_err(|e| match e {
            e @ ServiceError::Invalid { .. } => auth.fail(e).back_to("/reports"),
            e => auth.fail(e),
        })?;
    let busiest = report
        .letters
        .iter()
        .map(|d| d.issued.max(d.mailed))
        .max()
        .unwrap_or(0)
        .max(1);
    let days = report
        .letters
        .iter()
        .map(|d| DayBar {
            day: d.day.format("%m/%d").to_string(),
            issued: d.issued,
            mailed: d.mailed,
            issued_pct: d.issued * 100 / busiest,
            mailed_pct: d.mailed * 100 / busiest,
        })
        .collect();
    let page = ReportsPage {
        chrome: auth.chrome.at("reports"),
        from: report.period.from.to_string(),
        to: report.period.to.to_string(),
        issued_total: report.letters.iter().map(|d| d.issued).sum(),
        mailed_total: report.letters.iter().map(|d| d.mailed).sum(),
        days,
        report,
    };
    Ok(page::render(&page))
}
