//! Signing in and out of the web UI, and [`WebAuthorized`], the page
//! extractor.
//!
//! The session is the same store session the API's bearer tokens use
//! ([`crate::service::session`], rate-limited logins included); the browser
//! keeps the token in the `shokai_session` cookie: `HttpOnly` (no script can
//! read it), `SameSite=Strict` (no other site's page sends it), `Path=/`,
//! `Max-Age` = the session's lifetime. When people reach the server over
//! HTTPS (its own TLS or an `https://` `SHOKAI_PUBLIC_URL`) it is `Secure`
//! and named `__Host-shokai_session` ([`super::cookie`] names and flags
//! every cookie).

use std::marker::PhantomData;

use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;

use super::cookie::{Cookies, Jar};
use super::csrf::{self, CsrfForm, NoFields};
use super::page::{self, Chrome, UserChrome, WebError, read_flash};
use crate::api::client::Client;
use crate::auth::Caller;
use crate::auth::Policy;
use crate::service::access_log::{self, AccessKind, Target};
use crate::service::error::ServiceError;
use crate::service::session::{self, Attempt};
use crate::state::AppState;

/// A signed-in user whose role passed policy `P`, with the layout data of
/// their pages.
#[derive(Debug)]
pub struct WebAuthorized<P: Policy> {
    /// Who is asking.
    pub caller: Caller,
    /// Layout data: office, user, CSRF token, flash message.
    pub chrome: Chrome,
    /// From where: what the access log records for a read of personal data.
    pub client: Client,
    _policy: PhantomData<P>,
}

impl<P: Policy> WebAuthorized<P> {
    /// An error page for `e` inside this user's layout.
    pub fn fail(&self, e: ServiceError) -> WebError {
        WebError::with_chrome(e, &self.chrome)
    }

    /// Records this user's read of personal data in the access log; the
    /// page or file is handed out only when this succeeded.
    pub async fn record_read(
        &self,
        state: &AppState,
        kind: AccessKind,
        target: Target,
    ) -> Result<(), WebError> {
        self.log_read(state, kind, target)
            .await
            .map_err(|e| self.fail(e))
    }

    /// [`WebAuthorized::record_read`] for a page builder that speaks the
    /// services' error.
    pub async fn log_read(
        &self,
        state: &AppState,
        kind: AccessKind,
        target: Target,
    ) -> Result<(), ServiceError> {
        access_log::record(state, &self.caller, self.client.addr, kind, target).await
    }
}

/// The session token of the request's cookie, if well-formed.
fn session_token(headers: &HeaderMap, cookies: Cookies) -> Option<SecretString> {
    let value = cookies.read(headers, Jar::Session)?;
    let well_formed = value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit());
    well_formed.then(|| SecretString::from(value.to_ascii_lowercase()))
}

impl<P: Policy> FromRequestParts<AppState> for WebAuthorized<P> {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let cookies = Cookies::of(state.settings());
        let token = session_token(&parts.headers, cookies).ok_or(WebError::Login)?;
        let caller = session::caller_for_token(state, &token).await?;
        let chrome = Chrome {
            office: state.settings().office.name.clone(),
            user: Some(UserChrome {
                username: caller.username.clone(),
                role_ja: caller.role.name_ja(),
                can_operate: crate::auth::Operate::allows(caller.role),
                is_auditor: crate::auth::Audit::allows(caller.role),
                is_supervisor: crate::auth::Supervise::allows(caller.role),
                reads_cases: crate::auth::Read::allows(caller.role),
                is_printer: crate::auth::Print::allows(caller.role),
            }),
            csrf: csrf::token_for(&token),
            flash: read_flash(&parts.headers, cookies),
            current: "",
        };
        if !P::allows(caller.role) {
            return Err(WebError::forbidden(&chrome));
        }
        let client = Client::from_request_parts(parts, state)
            .await
            .map_err(|_| {
                let missing = "request without the peer's address";
                WebError::with_chrome(ServiceError::Internal(missing.into()), &chrome)
            })?;
        Ok(WebAuthorized {
            caller,
            chrome,
            client,
            _policy: PhantomData,
        })
    }
}

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Layout data (no user).
    pub chrome: Chrome,
    /// The double-submit token (also in the cookie).
    pub login_csrf: String,
    /// The username typed before (never the password).
    pub username: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

fn login_page_response(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    username: String,
    error: Option<String>,
) -> Response {
    // Reuse the browser's token while it has one, so two open tabs both work.
    let cookies = Cookies::of(state.settings());
    let token = cookies
        .read(headers, Jar::LoginCsrf)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .map_or_else(csrf::login_token, str::to_owned);
    let mut chrome = Chrome::anonymous(&state.settings().office.name);
    chrome.flash = read_flash(headers, cookies);
    let page = LoginPage {
        chrome,
        login_csrf: token.clone(),
        username,
        error,
    };
    let mut response = page::render_with(status, &page);
    cookies.set(&mut response, Jar::LoginCsrf, &token, 3600);
    response
}

/// `GET /login`.
pub async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    login_page_response(&state, &headers, StatusCode::OK, String::new(), None)
}

/// The login form.
#[derive(Deserialize)]
pub struct LoginForm {
    /// Login name.
    pub username: String,
    /// Password (never logged or shown again).
    pub password: SecretString,
    /// Must equal the `shokai_login_csrf` cookie (missing: refused as forged).
    #[serde(default)]
    pub csrf: String,
}

/// `POST /login`: opens a session and sets the cookie, then `/cases`.
pub async fn login(
    State(state): State<AppState>,
    client: Client,
    headers: HeaderMap,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let cookies = Cookies::of(state.settings());
    let cookie_token = cookies.read(&headers, Jar::LoginCsrf).unwrap_or("");
    if cookie_token.is_empty() || !csrf::same(cookie_token, &form.csrf) {
        return csrf::rejected().into_response();
    }
    let hours = state.settings().session_hours;
    let attempt = Attempt {
        username: &form.username,
        password: form.password,
        from: client.addr,
    };
    match session::login(&state, attempt).await {
        Ok(new) => {
            // The print room's work is the batches; everyone else starts at the cases.
            let start = if new.role == shokai_workflow::Role::Printer.code() {
                "/batches"
            } else {
                "/cases"
            };
            let mut response = Redirect::to(start).into_response();
            let max_age = u64::from(hours) * 3600;
            let token = secrecy::ExposeSecret::expose_secret(&new.token);
            cookies.set(&mut response, Jar::Session, token, max_age);
            cookies.clear(&mut response, Jar::LoginCsrf);
            response
        }
        Err(e @ (ServiceError::BadCredentials | ServiceError::TooManyRequests { .. })) => {
            let message = super::messages::error_ja(&e);
            let (status, _) = page::status_of(e);
            login_page_response(&state, &headers, status, form.username, Some(message))
        }
        Err(other) => WebError::from(other).into_response(),
    }
}

/// `POST /logout`: revokes the session and clears the cookie.
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    CsrfForm(NoFields {}, _): CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    let cookies = Cookies::of(state.settings());
    if let Some(token) = session_token(&headers, cookies) {
        session::logout(&state, &token).await?;
    }
    let mut response = page::done("/login", "ログアウトしました。");
    cookies.clear(&mut response, Jar::Session);
    Ok(response)
}
