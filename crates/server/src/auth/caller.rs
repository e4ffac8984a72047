//! The caller and the policies routes name. Policies are types, so a route's
//! permission is visible in its handler's signature (`Authorized<Operate>`,
//! `WebAuthorized<Operate>`) and cannot be forgotten: a handler without the
//! extractor has no caller to pass on to the services. No login has the
//! system's role, so no policy admits it.
//!
//! | policy | clerk | supervisor | auditor | printer |
//! |---|---|---|---|---|
//! | [`Read`] (cases, reports) | yes | yes | yes | no |
//! | [`Operate`] (intake, letters, closing batches, responses, PIN change) | yes | yes | no | no |
//! | [`Supervise`] (cancel, unlock, reissue beyond limits) | no | yes | no | no |
//! | [`Audit`] (audit log, verify, export) | no | no | yes | no |
//! | [`Staff`] (own session, listing print batches: numbers, counts, references) | yes | yes | yes | yes |
//! | [`Post`] (the 発送簿, marking a batch mailed) | yes | yes | no | yes |
//! | [`Print`] (the print file, which carries every code) | no | no | no | yes |

use shokai_workflow::Role;

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
/// Any member of staff: their own session, listing print batches.
#[derive(Debug)]
pub struct Staff;
/// Posting batches (the 発送簿 with addresses, marking mailed): clerks,
/// supervisors and the print room.
#[derive(Debug)]
pub struct Post;
/// The print file with the codes: the print room only.
#[derive(Debug)]
pub struct Print;

impl Policy for Read {
    fn allows(role: Role) -> bool {
        match role {
            Role::Clerk | Role::Supervisor | Role::Auditor => true,
            // The print room handles paper, not cases; no login has the
            // system's role, so a session claiming it gets nothing.
            Role::Printer | Role::System => false,
        }
    }
}

impl Policy for Operate {
    fn allows(role: Role) -> bool {
        match role {
            Role::Clerk | Role::Supervisor => true,
            Role::Auditor | Role::Printer | Role::System => false,
        }
    }
}

impl Policy for Supervise {
    fn allows(role: Role) -> bool {
        match role {
            Role::Supervisor => true,
            Role::Clerk | Role::Auditor | Role::Printer | Role::System => false,
        }
    }
}

impl Policy for Audit {
    fn allows(role: Role) -> bool {
        match role {
            Role::Auditor => true,
            Role::Clerk | Role::Supervisor | Role::Printer | Role::System => false,
        }
    }
}

impl Policy for Staff {
    fn allows(role: Role) -> bool {
        match role {
            Role::Clerk | Role::Supervisor | Role::Auditor | Role::Printer => true,
            Role::System => false,
        }
    }
}

impl Policy for Post {
    fn allows(role: Role) -> bool {
        match role {
            Role::Clerk | Role::Supervisor | Role::Printer => true,
            Role::Auditor | Role::System => false,
        }
    }
}

impl Policy for Print {
    fn allows(role: Role) -> bool {
        match role {
            Role::Printer => true,
            // Clerks and supervisors never get a file with a code in it.
            Role::Clerk | Role::Supervisor | Role::Auditor | Role::System => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLES: [Role; 4] = Role::ALL;

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
        assert_eq!(
            admitted::<Staff>(),
            ["clerk", "supervisor", "auditor", "printer"]
        );
        assert_eq!(admitted::<Post>(), ["clerk", "supervisor", "printer"]);
        assert_eq!(admitted::<Print>(), ["printer"]);
        assert_eq!(admitted::<Operate>(), ["clerk", "supervisor"]);
        assert_eq!(admitted::<Supervise>(), ["supervisor"]);
        assert_eq!(admitted::<Audit>(), ["auditor"]);
    }
}
