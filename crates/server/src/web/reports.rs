//! 集計 `/reports`: the report of [`crate::service::reports`] as three
//! charts (SVG drawn on the server, `/reports/{letters,states,completion}.svg`)
//! each above its table, with each chart's numbers as CSV
//! (`/reports/*.csv`), all for the page's period. Every role may read it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::Read;
use crate::service::error::ServiceError;
use crate::service::reports::charts::{self, Chart, Format};
use crate::service::reports::{self, Report};
use crate::state::AppState;

/// The period as typed (`YYYY-MM-DD`).
#[derive(Debug, Default, serde::Deserialize)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One day of the letters' table.
pub struct DayRow {
    /// `11/26（木）`.
    pub day: String,
    pub issued: i64,
    pub mailed: i64,
}

/// The report page.
#[derive(Template)]
#[template(path = "reports.html")]
pub struct ReportsPage {
    pub chrome: Chrome,
    pub report: Report,
    /// The period shown, for the form and the charts' and CSV links.
    pub from: String,
    pub to: String,
    pub days: Vec<DayRow>,
    pub issued_total: i64,
    pub mailed_total: i64,
    /// Each chart in words, for its `alt` (in [`Chart::ALL`]'s order).
    pub alts: [String; 3],
}

impl ReportsPage {
    /// `3.5日` or `—` without cases.
    pub fn median_text(&self, median: &Option<f64>) -> String {
        median.map_or_else(|| "—".to_owned(), |m| format!("{m:.1}日"))
    }

    /// `0日〜9日` or `—` without cases.
    pub fn range_text(&self, min: &Option<i64>, max: &Option<i64>) -> String {
        match (min, max) {
            (Some(min), Some(max)) => format!("{min}日〜{max}日"),
            _ => "—".to_owned(),
        }
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
    let period = report.period;
    let days = report
        .letters
        .iter()
        .map(|d| DayRow {
            day: charts::day_label(d.day, &period),
            issued: d.issued,
            mailed: d.mailed,
        })
        .collect();
    let page = ReportsPage {
        chrome: auth.chrome.at("reports"),
        from: period.from.to_string(),
        to: period.to.to_string(),
        issued_total: report.letters.iter().map(|d| d.issued).sum(),
        mailed_total: report.letters.iter().map(|d| d.mailed).sum(),
        days,
        alts: Chart::ALL.map(|c| charts::describe(&report, c)),
        report,
    };
    Ok(page::render(&page))
}

/// `GET /reports/{file}?from=&to=`: a chart of the page as SVG
/// (`letters.svg`, `states.svg`, `completion.svg`) or its numbers as CSV
/// (`letters.csv`, `states.csv`, `completion.csv`), for the same period.
/// Any other name is not found.
pub async fn chart_file(
    auth: WebAuthorized<Read>,
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<PeriodQuery>,
) -> Result<Response, WebError> {
    let (from, to) = (params.from.as_deref(), params.to.as_deref());
    let chart = charts::chart_file(&state, &file, from, to)
        .await
        .map_err(|e| auth.fail(e).back_to("/reports"))?;
    let (content_type, disposition) = match chart.file.format {
        Format::Svg => ("image/svg+xml; charset=utf-8", "inline"),
        Format::Csv => ("text/csv; charset=utf-8", "attachment"),
    };
    let disposition = format!("{disposition}; filename=\"{}\"", chart.name);
    Ok((
        [
            (CONTENT_TYPE, content_type.to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        chart.bytes,
    )
        .into_response())
}
