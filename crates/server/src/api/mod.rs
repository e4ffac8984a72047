//! HTTP handlers: extract, authorize, call a service, map the result.
//!
//! Each handler stays about 20 lines; the work happens in [`crate::service`].
//! Errors leave as [`error::AppError`] (`{"code","message"}` bodies).

mod audit;
mod batches;
mod cases;
pub mod error;
mod health;
pub mod json;
mod letters;
mod openapi;
mod reports;
mod responses;
mod session;
mod status;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::infra::http;

/// Every route of the server, with its layers.
pub fn router(state: AppState) -> axum::Router {
    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/office", get(health::office))
        .route("/api/cases", get(cases::list).post(cases::open))
        .route("/api/cases/{id}", get(cases::get))
        .route("/api/cases/{id}/cancel", post(cases::cancel))
        .route("/api/cases/{id}/unlock", post(cases::unlock))
        .route("/api/cases/{id}/pin-change", post(cases::pin_change))
        .route("/api/cases/{id}/letters", post(letters::issue))
        .route("/api/cases/{id}/letters/{n}/pdf", get(letters::pdf))
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
        .route("/api/status", post(status::lookup))
        .route("/api/audit", get(audit::search))
        .route("/api/audit/verify", get(audit::verify))
        .route("/api/audit/export.csv", get(audit::export_csv))
        .route(
            "/api/session",
            get(session::me)
                .post(session::login)
                .delete(session::logout),
        )
        .merge(crate::web::routes())
        .fallback(http::not_found);
    http::with_layers(routes, state)
}
