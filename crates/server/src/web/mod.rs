//! The clerk web UI: Japanese pages rendered on the server from
//! `templates/html` (askama, checked at compile time), plain HTML forms that
//! work without JavaScript, and one stylesheet.
//!
//! - [`session`]: the login page and the cookie session (`shokai_session`,
//!   the same store sessions as the API's bearer tokens), and
//!   [`session::WebAuthorized`], the page counterpart of
//!   [`crate::api::authorized::Authorized`]: no session redirects to `/login`, the wrong
//!   role gets a 403 page.
//! - [`csrf`]: every form carries a token derived from the session;
//!   [`csrf::CsrfForm`] checks it before a handler sees the form.
//! - [`page`]: the layout every page shares, flash messages after
//!   Post/Redirect/Get, and errors as Japanese pages.
//! - [`cases`], [`intake`], [`letters`]: the case list, the intake forms,
//!   the case page with the actions its state allows, letter preview.
//!
//! The routes are assembled in [`crate::app`]. Handlers follow the API's shape: extract, authorize, call the same
//! services as the JSON API, then render or redirect.

pub mod access_log;
pub mod actions;
pub mod audit;
pub mod batches;
pub mod cases;
pub mod confirm;
pub mod cookie;
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
pub mod users;

use axum::http::header;
use axum::response::IntoResponse;

/// The stylesheet, compiled into the binary.
const STYLESHEET: &str = include_str!("../../../../templates/static/shokai.css");

/// The pages' one script (character counters), compiled into the binary.
/// No page needs it to work.
const SCRIPT: &str = include_str!("../../../../templates/static/shokai.js");

/// `GET /static/shokai.js`.
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        SCRIPT,
    )
}

/// `GET /static/shokai.css`.
pub async fn stylesheet() -> impl IntoResponse {
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
