//! `/healthz` for load balancers, `/metrics` for Prometheus, and the
//! office's public details.

use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::error::AppError;
use crate::settings::Office;
use crate::state::AppState;

/// `GET /healthz`: 200 while the server and its database answer, else 503.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "Healthy"),
        (status = 503, description = "database_unavailable", body = super::openapi::ErrorSchema)))]
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Value>, AppError> {
    let reachable = async {
        let tx = state.store().read().await?;
        tx.commit().await
    };
    reachable.await.map_err(|e| {
        tracing::warn!(error = %e, "health check: database unreachable");
        AppError::Unavailable {
            code: "database_unavailable",
            message: "the database does not answer".into(),
        }
    })?;
    Ok(Json(json!({ "status": "ok", "database": "ok" })))
}

/// `GET /metrics`: request counters in the Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics().render(),
    )
}

/// `GET /api/office`: the office's name, address, phone and hours (public).
#[utoipa::path(get, path = "/api/office", tag = "operations",
    responses((status = 200, description = "The office", body = Office)))]
pub async fn office(State(state): State<AppState>) -> Json<Office> {
    Json(state.settings().office.clone())
}
