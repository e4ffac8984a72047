//! The proxies' public status page: `GET /status` (the form) and
//! `POST /status` (the answer), with no login and none of the clerk UI.
//!
//! It calls the same [`crate::service::status::lookup`] as `POST
//! /api/status`, so it shares its limits and reveals exactly as little:
//! every mismatch renders the same page, which never repeats what was typed
//! (repeating the reference would make the answers differ).
//!
//! The form has no session to derive a CSRF token from, so it uses a
//! double-submit cookie: `GET /status` sets `shokai_status_csrf` (random,
//! `HttpOnly`, `SameSite=Strict`, `Path=/status`; `__Host-`, `Secure` and
//! `Path=/` over HTTPS, see [`super::cookie`]) and puts the same value in
//! a hidden field; `POST /status` refuses a form whose field does not equal
//! the cookie. A lookup changes nothing, but without the token another site
//! could make visitors' browsers spend the per-address lookup budget.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::cookie::{Cookies, Jar};
use super::csrf;
use super::page;
use crate::api::client::Client;
use crate::service::error::ServiceError;
use crate::service::status::{self, LetterStatus, ProxyStatus, StatusQuery};
use crate::state::AppState;

/// A matched application, as the page words it.
pub struct StatusView {
    /// The procedure has ended: only the message is shown.
    pub closed: bool,
    /// 「発送済み（2026年11月26日に発送）」 or 「まだ発送していません」.
    pub mailed: String,
    /// 「2026年12月28日まで」, or when it will be known.
    pub deadline: String,
    /// The service's sentence for the proxy.
    pub message: &'static str,
    /// What to bring.
    pub bring: Vec<&'static str>,
}

impl From<ProxyStatus> for StatusView {
    fn from(s: ProxyStatus) -> StatusView {
        let mailed = match (s.status, s.mailed_on) {
            (LetterStatus::Mailed, Some(d)) => format!("発送済み（{}に発送）", date_ja(d)),
            (LetterStatus::Mailed, None) => "発送済み".to_owned(),
            (LetterStatus::NotMailed | LetterStatus::Closed, _) => {
                "まだ発送していません".to_owned()
            }
        };
        let deadline = match s.deadline {
            Some(d) if s.deadline_passed => format!("{}まで（期限を過ぎています）", date_ja(d)),
            Some(d) => format!("{}まで", date_ja(d)),
            None => "照会書の発送後に決まります".to_owned(),
        };
        StatusView {
            closed: s.status == LetterStatus::Closed,
            mailed,
            deadline,
            message: s.message,
            bring: s.what_to_bring,
        }
    }
}

/// What the page shows below its heading.
pub enum Outcome {
    /// Only the form.
    Form,
    /// The status of the application.
    Found(StatusView),
    /// No application matches (any mismatch).
    NotFound,
    /// Too many failed lookups: how long to wait, in words (「30秒ほど」).
    TooMany(String),
    /// The form's token did not match: reload and try again.
    Expired,
    /// Something failed on our side.
    Failed,
}

/// The public status page.
#[derive(Template)]
#[template(path = "status.html")]
pub struct StatusPage {
    /// Office name, phone and hours, for enquiries.
    pub office: String,
    pub office_phone: String,
    pub office_hours: String,
    /// The double-submit token (also in the cookie).
    pub csrf: String,
    pub outcome: Outcome,
    /// Whether only the form is shown (no answer yet).
    pub blank: bool,
}

/// `2026年11月26日` for a date.
pub fn date_ja(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn respond(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    outcome: Outcome,
) -> Response {
    // Keep the browser's token while it has one, so two tabs both work.
    let cookies = Cookies::of(state.settings());
    let token = cookies
        .read(headers, Jar::StatusCsrf)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map_or_else(csrf::login_token, str::to_owned);
    let office = &state.settings().office;
    let page = StatusPage {
        office: office.name.clone(),
        office_phone: office.phone.clone(),
        office_hours: office.hours.clone(),
        csrf: token.clone(),
        blank: matches!(outcome, Outcome::Form),
        outcome,
    };
    let mut response = page::render_with(status, &page);
    cookies.set(&mut response, Jar::StatusCsrf, &token, 3600);
    response
}

/// `GET /status`: the form.
pub async fn form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    respond(&state, &headers, StatusCode::OK, Outcome::Form)
}

/// `POST /status`: the answer (urlencoded `csrf`, `reference`, `phone_last4`).
pub async fn lookup(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let expected = Cookies::of(state.settings())
        .read(&headers, Jar::StatusCsrf)
        .unwrap_or("");
    let given = csrf::field(&body, csrf::FIELD).unwrap_or_default();
    if expected.is_empty() || !csrf::same(expected, &given) {
        return respond(&state, &headers, StatusCode::FORBIDDEN, Outcome::Expired);
    }
    let query = StatusQuery {
        reference: csrf::field(&body, "reference").unwrap_or_default(),
        phone_last4: csrf::field(&body, "phone_last4").unwrap_or_default(),
    };
    let (code, outcome) = match status::lookup(&state, client.addr, &query).await {
        Ok(found) => (StatusCode::OK, Outcome::Found(found.into())),
        Err(ServiceError::NotFound { .. }) => (StatusCode::NOT_FOUND, Outcome::NotFound),
        Err(ServiceError::TooManyRequests { retry_after_secs }) => (
            StatusCode::TOO_MANY_REQUESTS,
            Outcome::TooMany(super::messages::wait_ja(retry_after_secs)),
        ),
        Err(e) => {
            let (status, report) = page::status_of(e);
            let mut response = respond(&state, &headers, status, Outcome::Failed);
            // The cause of a 5xx goes to the log line, never to the page.
            if let Some(report) = report {
                response.extensions_mut().insert(report);
            }
            return response;
        }
    };
    respond(&state, &headers, code, outcome)
}
