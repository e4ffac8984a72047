//! The clerk web UI: Japanese pages rendered on the server from
//! `templates/html` (askama, checked at compile time), plain HTML forms that
//! work without JavaScript, and one stylesheet.
//!
//! - [`session`]: the login page and the cookie session (`shokai_session`,
//!   the same store sessions as the API's bearer tokens), and
//!   [`session::WebAuthorized`], the page counterpart of
//!   [`crate::auth::Authorized`]: no session redirects to `/login`, the wrong
//!   role gets a 403 page.
//! - [`csrf`]: every form carries a token derived from the session;
//!   [`csrf::CsrfForm`] checks it before a handler sees the form.
//! - [`page`]: the layout every page shares, flash messages after
//!   Post/Redirect/Get, and errors as Japanese pages.
//! - [`cases`], [`intake`], [`letters`]: the case list, the intake forms,
//!   the case page with the actions its state allows, letter preview.
//!
//! Handlers follow the API's shape: extract, authorize, call the same
//! services as the JSON API, then render or redirect.

pub mod actions;
pub mod audit;
pub mod batches;
pub mod cases;
pub mod csrf;
pub mod intake;
pub mod letters;
pub mod messages;
pub mod page;
pub mod pin_change;
pub mod reports;
pub mod response;
pub mod session;
pub mod status;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::app::AppState;

/// The stylesheet, compiled into the binary.
const STYLESHEET: &str = include_str!("../../../../templates/static/shokai.css");

/// `GET /static/shokai.css`.
async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            // An hour: a new release's CSS reaches clerks by the next morning
            // at the latest, without a request per page.
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
}

/// The web UI's routes (merged into [`crate::api::router`]), with the
/// layer that clears a flash message once a page has shown it.
pub fn routes() -> Router<AppState> {
    pages().layer(axum::middleware::from_fn(page::clear_flash))
}

/// Every page and form route; add new pages here, inside the flash layer.
fn pages() -> Router<AppState> {
    Router::new()
        .route("/static/shokai.css", get(stylesheet))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/", get(cases::home))
        .route("/cases", get(cases::list))
        .route("/cases/new", get(intake::form).post(intake::submit))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/letters", post(cases::issue_letter))
        .route("/cases/{id}/cancel", post(cases::cancel))
        .route("/cases/{id}/unlock", post(cases::unlock))
        .route("/cases/{id}/undeliverable", post(cases::undeliverable))
        .route("/cases/{id}/letters/{n}", get(letters::preview))
        .route("/cases/{id}/letters/{n}/pdf", get(letters::pdf))
        .route("/status", get(status::form).post(status::lookup))
        .route("/reports", get(reports::show))
        .route(
            "/cases/{id}/pin-change",
            get(pin_change::form).post(pin_change::submit),
        )
        .route("/batches", get(batches::list).post(batches::close))
        .route("/batches/{id}/print.pdf", get(batches::print_pdf))
        .route("/batches/{id}/manifest.csv", get(batches::manifest_csv))
        .route("/batches/{id}/mailed", post(batches::mailed))
        .route("/batches/{id}/undeliverable", post(batches::undeliverable))
        .route("/response", get(response::form).post(response::lookup))
        .route("/response/{id}", post(response::record))
        .route("/audit", get(audit::show))
        .route("/audit/verify", post(audit::verify))
        .route("/audit/export.csv", get(audit::export_csv))
}
