//! `Authorized<P>`: the API's extractor that authenticates a request by its
//! bearer token (through [`crate::service::session::caller_for_token`]) and
//! authorizes it against the policy `P` of its route, so a route's permission
//! is visible in its handler's signature and cannot be forgotten.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::client::Client;
use super::error::AppError;
use crate::auth::{Caller, Policy};
use crate::infra::token;
use crate::service::access_log::{self, AccessKind, Target};
use crate::state::AppState;

/// A caller whose role passed policy `P`.
#[derive(Debug)]
pub struct Authorized<P: Policy> {
    /// Who is calling.
    pub caller: Caller,
    /// From where: what the access log records for a read of personal data.
    pub client: Client,
    _policy: PhantomData<P>,
}

impl<P: Policy> FromRequestParts<AppState> for Authorized<P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = authenticate(parts, state).await?;
        if !P::allows(caller.role) {
            return Err(AppError::Forbidden);
        }
        let client = Client::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::Internal("request without the peer's address".into()))?;
        Ok(Authorized {
            caller,
            client,
            _policy: PhantomData,
        })
    }
}

impl<P: Policy> Authorized<P> {
    /// Records this caller's read of personal data in the access log; the
    /// answer is given only when this succeeded.
    pub async fn record_read(
        &self,
        state: &AppState,
        kind: AccessKind,
        target: Target,
    ) -> Result<(), AppError> {
        Ok(access_log::record(state, &self.caller, self.client.addr, kind, target).await?)
    }
}

/// The live session behind the request's bearer token.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<Caller, AppError> {
    let token = parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(token::from_header)
        .ok_or(AppError::Unauthenticated)?;
    Ok(crate::service::session::caller_for_token(state, &token).await?)
}
