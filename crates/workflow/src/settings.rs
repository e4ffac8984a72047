//! The knobs of the workflow an office may set.

use serde::{Deserialize, Serialize};

use crate::calendar::OfficeCalendar;

/// Workflow limits. `Default` gives the values the domain brief settles on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkflowSettings {
    /// Days after mailing until the response deadline (before moving to an open day).
    pub deadline_days: u32,
    /// Letters a case may have without a supervisor's override.
    pub max_letters: u8,
    /// Days that must pass between two letters of a case without an override.
    pub min_letter_gap_days: u32,
    /// Wrong codes after which the case locks until a supervisor unlocks it.
    pub max_wrong_codes: u8,
    /// Months a family-register or guardianship certificate stays valid as proof.
    pub proof_valid_months: u32,
    /// The office's opening days.
    pub calendar: OfficeCalendar,
}

impl Default for WorkflowSettings {
    fn default() -> Self {
        WorkflowSettings {
            deadline_days: 30,
            max_letters: 3,
            min_letter_gap_days: 1,
            max_wrong_codes: 5,
            proof_valid_months: 3,
            calendar: OfficeCalendar::new(),
        }
    }
}
