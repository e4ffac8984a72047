//! Stand-in for `shokai_workflow::Role` until the workflow crate exports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Role {
    Clerk,
    Supervisor,
    Auditor,
}
impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Self::Clerk => "clerk",
            Self::Supervisor => "supervisor",
            Self::Auditor => "auditor",
        }
    }
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "clerk" => Some(Self::Clerk),
            "supervisor" => Some(Self::Supervisor),
            "auditor" => Some(Self::Auditor),
            _ => None,
        }
    }
}
