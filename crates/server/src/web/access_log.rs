//! 閲覧記録 `/audit/access` (auditors only): who read which case's personal
//! data (or which batch's 発送簿 and print file), when, how and from where;
//! searched by reference, user and Japan dates, 100 reads a page newest
//! first, and exported as CSV (`/audit/access.csv`, every read the search
//! finds).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};

use super::cases::jst_time;
use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::Audit;
use crate::service::access_log::{self, AccessLogParams, AccessRead, kind_ja};
use crate::service::audit::role_ja;
use crate::state::AppState;

/// One row of the results.
pub struct AccessRow {
    pub at: String,
    pub username: String,
    pub role: String,
    pub kind: String,
    pub case_id: Option<i64>,
    pub reference: String,
    pub batch_id: Option<i64>,
    pub client_addr: String,
}

impl From<AccessRead> for AccessRow {
    fn from(r: AccessRead) -> AccessRow {
        AccessRow {
            at: jst_time(r.accessed_at),
            username: r.username,
            role: role_ja(&r.role),
            kind: kind_ja(&r.kind),
            case_id: r.case_id,
            reference: r.case_reference.unwrap_or_default(),
            batch_id: r.batch_id,
            client_addr: r.client_addr,
        }
    }
}

/// The access log page.
#[derive(Template)]
#[template(path = "access_log.html")]
pub struct AccessLogPage {
    pub chrome: Chrome,
    pub form: AccessLogParams,
    pub rows: Vec<AccessRow>,
    pub total: i64,
    pub error: Option<String>,
    /// The search's query string without a page position (the CSV link,
    /// 最初へ).
    pub search_query: String,
    /// The next (older) page's link query, if there is one.
    pub next_query: Option<String>,
}

/// `GET /audit/access?reference=&user=&from=&to=&before=`.
pub async fn show(
    auth: WebAuthorized<Audit>,
    State(state): State<AppState>,
    Query(form): Query<AccessLogParams>,
) -> Result<Response, WebError> {
    let (mut rows, mut total, mut error, mut next) = (Vec::new(), 0, None, None);
    match form.parse() {
        Ok(query) => {
            let found = access_log::search(&state, &query)
                .await
                .map_err(|e| auth.fail(e))?;
            total = found.total;
            next = found.next_before;
            rows = found.reads.into_iter().map(AccessRow::from).collect();
        }
        Err(e) => error = Some(super::messages::error_ja(&e)),
    }
    let search = [
        ("reference", form.reference.trim()),
        ("user", form.user.trim()),
        ("from", form.from.trim()),
        ("to", form.to.trim()),
    ];
    let search_query = serde_urlencoded::to_string(search).unwrap_or_default();
    let next_query = next.map(|before| format!("{search_query}&before={before}"));
    let page = AccessLogPage {
        chrome: auth.chrome.at("access"),
        form,
        rows,
        total,
        error,
        search_query,
        next_query,
    };
    Ok(page::render(&page))
}

/// `GET /audit/access.csv?reference=&user=&from=&to=`: every read the
/// page's search finds, as CSV for Excel.
pub async fn export_csv(
    auth: WebAuthorized<Audit>,
    State(state): State<AppState>,
    Query(form): Query<AccessLogParams>,
) -> Result<Response, WebError> {
    let query = form
        .parse()
        .map_err(|e| auth.fail(e).back_to("/audit/access"))?;
    let csv = access_log::export_csv(&state, &query)
        .await
        .map_err(|e| auth.fail(e))?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                CONTENT_DISPOSITION,
                "attachment; filename=\"access-log.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}
