//! 監査 `/audit` (auditors only): search the audit log by case (reference
//! number or id), actor and Japan dates; verify the hash chain (a button,
//! answered on the next page as a flash message); export the period as CSV
//! (`/audit/export.csv`, cookie-authenticated like the page).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use shokai_workflow::ReferenceNumber;
use shokai_workflow::case::japan_midnight;

use super::cases::jst_time;
use super::csrf::{CsrfForm, NoFields};
use super::page::{self, Chrome, WebError};
use super::session::WebAuthorized;
use crate::auth::Audit;
use crate::service::audit::{
    self, AuditEvent, AuditQuery, ChainBreak, event_ja, role_ja, state_ja,
};
use crate::service::cases;
use crate::service::error::ServiceError;
use crate::state::AppState;

/// The search form as typed (empty means "any").
#[derive(Debug, Default, Deserialize)]
pub struct AuditForm {
    /// A reference number (`R8-000123-4`) or a case id.
    #[serde(default)]
    pub case: String,
    /// A username.
    #[serde(default)]
    pub actor: String,
    /// First Japan date, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: String,
    /// Last Japan date (included).
    #[serde(default)]
    pub to: String,
}

fn date(field: &'static str, typed: &str) -> Result<Option<NaiveDate>, ServiceError> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(typed, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            ServiceError::invalid_ja(
                field,
                "a date such as 2026-11-01",
                "日付は 2026-11-01 の形で入力してください。",
            )
        })
}

impl AuditForm {
    /// The service query; a reference number is looked up to its case id.
    async fn query(&self, state: &AppState) -> Result<AuditQuery, ServiceError> {
        let case = self.case.trim();
        let case_id = if case.is_empty() {
            None
        } else if let Ok(id) = case.parse::<i64>() {
            Some(id)
        } else {
            ReferenceNumber::parse(case)
                .map_err(|e| ServiceError::invalid_ja("case", e.to_string(), e.message_ja()))?;
            let found = cases::find_by_reference(state, case).await?;
            // An unknown reference matches no event (rather than every event).
            Some(found.map_or(-1, |c| c.id))
        };
        let from = date("from", &self.from)?;
        let to = date("to", &self.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(ServiceError::invalid_ja(
                "from",
                "must not be after `to`",
                "期間の開始日が終了日より後になっています。",
            ));
        }
        Ok(AuditQuery {
            case_id,
            actor: Some(self.actor.trim().to_owned()).filter(|a| !a.is_empty()),
            from: from.map(japan_midnight),
            to: to.map(|t| japan_midnight(t + Duration::days(1))),
        })
    }
}

/// One row of the results.
pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub case_id: Option<i64>,
    pub reference: String,
    pub actor: String,
    pub role: String,
    pub event: String,
    pub change: String,
    pub reason: String,
    pub hash: String,
}

impl From<AuditEvent> for AuditRow {
    fn from(e: AuditEvent) -> AuditRow {
        let change = match (&e.from_state, &e.to_state) {
            (Some(f), Some(t)) if f != t => format!("{} → {}", state_ja(f), state_ja(t)),
            (None, Some(t)) => format!("→ {}", state_ja(t)),
            (_, Some(t)) => state_ja(t),
            (_, None) => String::new(),
        };
        AuditRow {
            seq: e.seq,
            at: jst_time(e.recorded_at),
            case_id: e.case_id,
            reference: e.case_reference.unwrap_or_default(),
            actor: e.actor.unwrap_or_else(|| "（システム）".to_owned()),
            role: role_ja(&e.role),
            event: event_ja(&e.event),
            change,
            reason: e.reason.unwrap_or_default(),
            hash: e.hash.chars().take(12).collect(),
        }
    }
}

/// The most rows one page shows (the CSV export has them all).
pub const MAX_ROWS: usize = 500;

/// The audit page.
#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub chrome: Chrome,
    pub form: AuditForm,
    pub rows: Vec<AuditRow>,
    pub total: usize,
    pub error: Option<String>,
    /// The export link's query (the period of the search).
    pub export_query: String,
}

/// `GET /audit?case=&actor=&from=&to=`.
pub async fn show(
    auth: WebAuthorized<Audit>,
    State(state): State<AppState>,
    Query(form): Query<AuditForm>,
) -> Result<Response, WebError> {
    let mut error = None;
    let mut rows = Vec::new();
    let mut total = 0;
    match form.query(&state).await {
        Ok(query) => {
            let events = audit::search(state.store(), &query)
                .await
                .map_err(|e| auth.fail(e))?;
            total = events.len();
            // Newest first on screen: an auditor usually looks at what just happened.
            rows = events
                .into_iter()
                .rev()
                .take(MAX_ROWS)
                .map(AuditRow::from)
                .collect();
        }
        Err(e) => error = Some(super::messages::error_ja(&e)),
    }
    let export_query = serde_urlencoded::to_string([
        ("case", form.case.trim()),
        ("actor", form.actor.trim()),
        ("from", form.from.trim()),
        ("to", form.to.trim()),
    ])
    .unwrap_or_default();
    let page = AuditPage {
        chrome: auth.chrome.at("audit"),
        form,
        rows,
        total,
        error,
        export_query,
    };
    Ok(page::render(&page))
}

/// `POST /audit/verify`: walks the chain, then back to `/audit` with the result.
pub async fn verify(
    auth: WebAuthorized<Audit>,
    State(state): State<AppState>,
    CsrfForm(NoFields {}, _): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let report = audit::verify(state.store())
        .await
        .map_err(|e| auth.fail(e))?;
    Ok(match &report.first_break {
        None => page::done(
            "/audit",
            format!(
                "チェーンを検証しました：{}件の記録はすべて改ざんされていません。",
                report.events
            ),
        ),
        Some(broken) => page::refused(
            "/audit",
            format!(
                "チェーンの検証で異常を検出しました（{}件を検証）：{}",
                report.events,
                break_ja(broken)
            ),
        ),
    })
}

/// Where and how the chain breaks, in Japanese.
pub fn break_ja(broken: &ChainBreak) -> String {
    match broken {
        ChainBreak::Changed { seq, detail } => {
            format!("記録 {seq} 番の内容が記録時と一致しません（{detail}）。")
        }
        ChainBreak::Missing { seq } => format!("記録 {seq} 番が欠けています。"),
        ChainBreak::Reordered { seq, recorded_as } => {
            format!("記録 {seq} 番は本来 {recorded_as} 番の記録です（順序の入れ替え）。")
        }
    }
}

/// `GET /audit/export.csv?case=&actor=&from=&to=`: the events the page's
/// search finds, as CSV for Excel.
pub async fn export_csv(
    auth: WebAuthorized<Audit>,
    State(state): State<AppState>,
    Query(form): Query<AuditForm>,
) -> Result<Response, WebError> {
    let query = form
        .query(&state)
        .await
        .map_err(|e| auth.fail(e).back_to("/audit"))?;
    let csv = audit::export_csv(state.store(), &query)
        .await
        .map_err(|e| auth.fail(e))?;
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8"),
            (CONTENT_DISPOSITION, "attachment; filename=\"audit.csv\""),
        ],
        csv,
    )
        .into_response())
}
