//! `Authorized<P>`: the extractor that authenticates a request (bearer token)
//! and authorizes it against the policy `P` of its route.
//!
//! Policies are types, so a route's permission is visible in its handler's
//! signature (`Authorized<Operate>`) and cannot be forgotten: a handler
//! without the extractor has no caller to pass on to the services.
//!
//! | policy | clerk | supervisor | auditor |
//! |---|---|---|---|
//! | [`Read`] (cases, own session) | yes | yes | yes |
//! | [`Operate`] (intake, letters, batches, responses, PIN change) | yes | yes | no |
//! | [`Supervise`] (cancel, unlock, reissue beyond limits) | no | yes | no |
//! | [`Audit`] (audit log, verify, export) | no | no | yes |

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use shokai_workflow::Role;

use super::token;
use crate::api::error::AppError;
use crate::state::AppState;

/// The authenticated user behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user's row id.
    pub user_id: i64,
    /// Login name (for the audit log's actor).
    pub username: String,
    /// What the user may do.
    pub role: Role,
}

/// Which roles a route admits.
pub trait Policy: Send + Sync + 'static {
    /// Whether `role` may call the route.
    fn allows(role: Role) -> bool;
}

/// Reading cases: every role.
#[derive(Debug)]
pub struct Read;
/// Changing cases in the ordinary course: clerks and supervisors.
#[derive(Debug)]
pub struct Operate;
/// Overrides that need a reason: supervisors only.
#[derive(Debug)]
pub struct Supervise;
/// The audit log: auditors only.
#[derive(Debug)]
pub struct Audit;

impl Policy for Read {
    fn allows(role: Role) -> bool {
        match role {
            Role::Clerk | Role::Supervisor | Role::Auditor => true,
            // No login has the system's role; a session claiming it gets nothing.
            Role::System => false,
        }
    }
}

impl Policy for Operate {
    fn allows(role: Role) -> bool {
        match role {
            Role::Clerk | Role::Supervisor => true,
            Role::Auditor | Role::System => false,
        }
    }
}

impl Policy for Supervise {
    fn allows(role: Role) -> bool {
        match role {
            Role::Supervisor => true,
            Role::Clerk | Role::Auditor | Role::System => false,
        }
    }
}

impl Policy for Audit {
    fn allows(role: Role) -> bool {
        match role {
            Role::Auditor => true,
            Role::Clerk | Role::Supervisor | Role::System => false,
        }
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Role; 3] = [Role::Clerk, Role::Supervisor, Role::Auditor];

    fn admitted<P: Policy>() -> Vec<&'static str> {
        ROLES
            .into_iter()
            .filter(|r| P::allows(*r))
            .map(Role::code)
            .collect()
    }

    #[test]
    fn each_policy_admits_exactly_the_roles_the_issue_gives_it() {
        assert_eq!(admitted::<Read>(), ["clerk", "supervisor", "auditor"]);
        assert_eq!(admitted::<Operate>(), ["clerk", "supervisor"]);
        assert_eq!(admitted::<Supervise>(), ["supervisor"]);
        assert_eq!(admitted::<Audit>(), ["auditor"]);
    }
}
