//! The whole HTTP surface in one place: the JSON API, the clerk's pages and
//! the static files, side by side, under the shared layers (request ids,
//! trace spans, security headers, metrics, the 5xx log line, request limits).
//!
//! Two routers share those layers: [`staff_router`] (`SHOKAI_BIND`) serves
//! everything, [`public_router`] (`SHOKAI_PUBLIC_BIND`) only what
//! [`public_routes`] lists: the proxies' status page, its API, the static
//! files and `/healthz`. A new route goes into `api_routes` or `pages` and
//! so reaches the staff listener only, unless it is added to
//! `public_routes` on purpose. Each router has its own request slots
//! (`app::limits`), so a flood on the public page cannot take the staff's.
//!
//! [`http`] holds the layers, the listener and the 404 every unknown path
//! gets; [`headers`] the headers every response carries (CSP, `no-store`…);
//! [`limits`] the bounds on body size, time and concurrency; [`tls`] HTTPS
//! on the server's own socket. Module dependencies run one way (ARCHITECTURE.md has the map):
//! `app` → `api`, `web` → `service` → `state` → `infra`, `settings`, `clock`;
//! nothing imports `app` but `cli`.

pub mod headers;
pub mod http;
pub mod limits;
pub mod tls;

use axum::Router;
use axum::routing::{get, post};

use crate::api;
use crate::state::AppState;
use crate::web;

/// The staff listener (`SHOKAI_BIND`): every route of the server, the
/// public ones included, with its layers.
pub fn staff_router(state: AppState) -> Router {
    let routes = Router::new()
        .merge(public_routes(&state))
        .merge(api_routes())
        .merge(with_flash(pages(), &state))
        .fallback(http::not_found);
    http::with_layers(routes, state)
}

/// The public listener (`SHOKAI_PUBLIC_BIND`): [`public_routes`] only,
/// under the same layers; every other path is the 404.
pub fn public_router(state: AppState) -> Router {
    let routes = public_routes(&state).fallback(http::not_found);
    http::with_layers(routes, state)
}

/// What the internet may reach: the proxies' status page and its API, the
/// static files and the health probe. Nothing here may need a staff login;
/// a route added anywhere else stays off the public listener.
fn public_routes(state: &AppState) -> Router<AppState> {
    let pages = Router::new().route("/status", get(web::status::form).post(web::status::lookup));
    Router::new()
        .route("/healthz", get(api::health::healthz))
        .route("/api/status", post(api::status::lookup))
        .route("/static/shokai.css", get(web::stylesheet))
        .route("/static/shokai.js", get(web::script))
        .merge(with_flash(pages, state))
}

/// Pages sit inside the layer that clears a shown flash.
fn with_flash(pages: Router<AppState>, state: &AppState) -> Router<AppState> {
    pages.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        web::page::flash_cookie,
    ))
}

/// The staff's JSON API (bearer tokens), the metrics and the API document.
fn api_routes() -> Router<AppState> {
    use api::{audit, batches, cases, health, letters, openapi, reports, responses, session};
    Router::new()
        .route("/metrics", get(health::metrics))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/office", get(health::office))
        .route("/api/cases", get(cases::list).post(cases::open))
        .route("/api/cases/{id}", get(cases::get))
        .route("/api/cases/{id}/cancel", post(cases::cancel))
        .route("/api/cases/{id}/unlock", post(cases::unlock))
        .route("/api/cases/{id}/pin-change", post(cases::pin_change))
        .route(
            "/api/cases/{id}/current-pin-wrong",
            post(cases::current_pin_wrong),
        )
        .route("/api/cases/{id}/take-over", post(cases::take_over))
        .route("/api/cases/{id}/reset-case", post(cases::start_reset))
        .route("/api/cases/{id}/letters", post(letters::issue))
        .route("/api/cases/{id}/letters/{n}/pdf", get(letters::pdf))
        .route("/api/cases/{id}/receipt.pdf", get(letters::receipt_pdf))
        .route("/api/cases/{id}/response", post(responses::record))
        .route(
            "/api/cases/{id}/undeliverable",
            post(responses::undeliverable),
        )
        .route("/api/batches", get(batches::list).post(batches::close))
        .route("/api/batches/{id}", get(batches::get))
        .route("/api/batches/{id}/print.pdf", get(batches::print_pdf))
        .route("/api/batches/{id}/manifest.csv", get(batches::manifest_csv))
        .route("/api/batches/{id}/mailed", post(batches::mailed))
        .route("/api/reports", get(reports::report))
        .route("/api/audit", get(audit::search))
        .route("/api/audit/verify", get(audit::verify))
        .route("/api/audit/export.csv", get(audit::export_csv))
        .route("/api/audit/access", get(audit::access))
        .route("/api/audit/access.csv", get(audit::access_csv))
        .route(
            "/api/session",
            get(session::me)
                .post(session::login)
                .delete(session::logout),
        )
}

/// The clerk's pages (cookie sessions, CSRF on every form).
fn pages() -> Router<AppState> {
    use web::{
        access_log, audit, batches, cases, intake, letters, pin_change, reports, response, session,
    };
    Router::new()
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/", get(cases::home))
        .route("/cases", get(cases::list))
        .route("/cases/new", get(intake::form).post(intake::submit))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/letters", post(cases::issue_letter))
        .route("/cases/{id}/cancel", post(cases::cancel))
        .route("/cases/{id}/unlock", post(cases::unlock))
        .route("/cases/{id}/take-over", post(cases::take_over))
        .route("/cases/{id}/reset-case", post(cases::start_reset))
        .route("/cases/{id}/undeliverable", post(cases::undeliverable))
        .route("/cases/{id}/letters/{n}", get(letters::preview))
        .route("/cases/{id}/letters/{n}/pdf", get(letters::pdf))
        .route("/cases/{id}/letters/{n}/{page}", get(letters::page_png))
        .route("/cases/{id}/receipt", get(letters::receipt))
        .route("/cases/{id}/receipt.pdf", get(letters::receipt_pdf))
        .route("/cases/{id}/receipt.png", get(letters::receipt_png))
        .route("/reports", get(reports::show))
        .route("/reports/{file}", get(reports::chart_file))
        .route(
            "/cases/{id}/pin-change",
            get(pin_change::form).post(pin_change::submit),
        )
        .route(
            "/cases/{id}/current-pin-wrong",
            post(pin_change::current_pin_wrong),
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
        .route("/audit/access", get(access_log::show))
        .route("/audit/access.csv", get(access_log::export_csv))
        .merge(user_pages())
}

/// 利用者管理, for supervisors.
fn user_pages() -> Router<AppState> {
    use web::users;
    Router::new()
        .route("/users", get(users::list))
        .route("/users/{id}/disable", post(users::disable))
        .route("/users/{id}/enable", post(users::enable))
        .route("/users/{id}/revoke-sessions", post(users::revoke_sessions))
        .route("/users/{id}/password", post(users::reset_password))
}
