//! `POST /api/session` (log in, get a bearer token) and `DELETE /api/session`
//! (log out).

use axum::Json;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::authorized::Authorized;
use super::error::AppError;
use super::json::ApiJson;
use crate::auth::{Caller, Staff};
use crate::infra::token;
use crate::service::session::{self, Attempt, NewSession};
use crate::state::AppState;

/// Login form.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Login name (at most 64 characters: a longer one is refused as a
    /// wrong username or password).
    #[schema(max_length = 64)]
    pub username: String,
    /// Password (never logged).
    #[schema(value_type = String)]
    pub password: SecretString,
}

/// Who a token belongs to.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// Login name.
    pub username: String,
    /// clerk, supervisor or auditor.
    pub role: &'static str,
}

/// `POST /api/session`: 201 with `{token, expires_at, username, role}`.
#[utoipa::path(post, path = "/api/session", tag = "session", request_body = LoginRequest,
    responses(
        (status = 201, description = "Logged in", body = NewSession),
        (status = 401, description = "bad_credentials", body = super::openapi::ErrorSchema),
        (status = 422, description = "invalid_input", body = super::openapi::ErrorSchema),
        (status = 429, description = "too_many_requests", body = super::openapi::ErrorSchema),
    ))]
/// 429 `too_many_requests` after repeated failures for a username or address.
pub async fn login(
    State(state): State<AppState>,
    client: super::client::Client,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<(StatusCode, Json<NewSession>), AppError> {
    let attempt = Attempt {
        username: &req.username,
        password: req.password,
        from: client.addr,
    };
    let new = session::login(&state, attempt).await?;
    Ok((StatusCode::CREATED, Json(new)))
}

/// `DELETE /api/session`: ends the session of the bearer token; 204.
#[utoipa::path(delete, path = "/api/session", tag = "session", security(("bearer" = [])),
    responses((status = 204, description = "Logged out"),
        (status = 401, description = "unauthenticated", body = super::openapi::ErrorSchema)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(token::from_header)
        .ok_or(AppError::Unauthenticated)?;
    session::logout(&state, &token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/session`: who the bearer token belongs to.
#[utoipa::path(get, path = "/api/session", tag = "session", security(("bearer" = [])),
    responses((status = 200, description = "The caller", body = Me),
        (status = 401, description = "unauthenticated", body = super::openapi::ErrorSchema)))]
pub async fn me(auth: Authorized<Staff>) -> Json<Me> {
    let Caller { username, role, .. } = auth.caller;
    Json(Me {
        username,
        role: role.code(),
    })
}
