//! `Authorized<P>`: the API's extractor that authenticates a request by its
//! bearer token (through [`crate::service::session::caller_for_token`]) and
//! authorizes it against the policy `P` of its route, so a route's permission
//! is visible in its handler's signature and cannot be forgotten.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::error::AppError;
use crate::auth::{Caller, Policy};
use crate::infra::token;
use crate::state::AppState;

/// A caller whose role passed policy `P`.
#[derive(Debug)]
pub struct Authorized<P: Policy> {
    /// Who is calling.
    pub caller: Caller,
    _policy: PhantomData<P>,
}

impl<P: Policy> FromRequestParts<AppState> for Authorized<P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = authenticate(parts, state).await?;
        if !P::allows(caller.role) {
            return Err(AppError::Forbidden);
        }
        Ok(Authorized {
            caller,
            _policy: PhantomData,
        })
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
