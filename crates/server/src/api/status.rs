//! `POST /api/status`: the proxies' public status lookup (no login,
//! rate-limited). See [`crate::service::status`] for what it reveals.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;

use super::error::AppError;
use crate::service::status::{self, ProxyStatus, StatusQuery};
use crate::state::AppState;

/// `POST /api/status` with `{reference, phone_last4}`.
///
/// The body is read leniently on purpose: a missing field, a number where a
/// string belongs, or no JSON at all gets the same 404 as wrong digits, so
/// the shape of the answer never tells a guesser which part was wrong.
#[utoipa::path(post, path = "/api/status", tag = "status",
    request_body(content = Object, description = "{reference: \"R8-000123-4\", phone_last4: \"5678\"}"),
    responses((status = 200, description = "{status: not_mailed|mailed|closed, mailed_on, deadline, deadline_passed, message, what_to_bring}", body = Object),
        (status = 404, description = "not_found: any mismatch, always the same body", body = super::openapi::ErrorSchema),
        (status = 429, description = "too_many_requests", body = super::openapi::ErrorSchema)))]
pub async fn lookup(
    State(state): State<AppState>,
    client: super::client::Client,
    body: Bytes,
) -> Result<Json<ProxyStatus>, AppError> {
    let query: StatusQuery = serde_json::from_slice(&body).unwrap_or_default();
    Ok(Json(status::lookup(&state, client.addr, &query).await?))
}
