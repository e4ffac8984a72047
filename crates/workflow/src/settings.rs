//! The knobs of the workflow an office may set.

use serde::{Deserialize, Serialize};

use crate::calendar::OfficeCalendar;
use crate::domain::IdRequirement;

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
    /// Identity documents an optional proxy shows at the first visit (the
    /// seed accepts any one, with or without a photo: `B`).
    pub id_proxy_application: IdRequirement,
    /// Identity documents an optional proxy shows when returning the form
    /// (a photo document: `A`; some offices ask `A+A|A+B`).
    pub id_proxy_response: IdRequirement,
    /// Identity documents a legal representative shows (`A|B+B`).
    pub id_legal_representative: IdRequirement,
}

/// The requirement of the built-in defaults, which always parse.
fn requirement(text: &str) -> IdRequirement {
    IdRequirement::parse(text).unwrap_or_else(|_| unreachable!("a built-in requirement parses"))
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
            id_proxy_application: requirement("B"),
            id_proxy_response: requirement("A"),
            id_legal_representative: requirement("A|B+B"),
        }
    }
}

/// A setting that would make the workflow unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// `deadline_days` must be at least 1.
    #[error("deadline_days must be at least 1")]
    NoDeadlineDays,
    /// `max_letters` must be at least 1.
    #[error("max_letters must be at least 1")]
    NoLetters,
    /// `max_wrong_codes` must be at least 1.
    #[error("max_wrong_codes must be at least 1")]
    NoWrongCodes,
    /// `proof_valid_months` must be at least 1.
    #[error("proof_valid_months must be at least 1")]
    NoProofMonths,
}

impl WorkflowSettings {
    /// Checks the settings once at start-up, so a bad configuration stops the
    /// server instead of refusing every case.
    pub fn validate(&self) -> Result<(), SettingsError> {
        if self.deadline_days == 0 {
            return Err(SettingsError::NoDeadlineDays);
        }
        if self.max_letters == 0 {
            return Err(SettingsError::NoLetters);
        }
        if self.max_wrong_codes == 0 {
            return Err(SettingsError::NoWrongCodes);
        }
        if self.proof_valid_months == 0 {
            return Err(SettingsError::NoProofMonths);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_and_a_zero_limit_is_named() {
        assert_eq!(WorkflowSettings::default().validate(), Ok(()));
        let zero = WorkflowSettings {
            max_letters: 0,
            ..WorkflowSettings::default()
        };
        assert_eq!(zero.validate(), Err(SettingsError::NoLetters));
    }

    #[test]
    fn settings_read_from_json_fill_in_defaults() {
        let s: WorkflowSettings = serde_json::from_str(r#"{"deadline_days": 14}"#).unwrap();
        assert_eq!(
            (s.deadline_days, s.max_letters, s.max_wrong_codes),
            (14, 3, 5)
        );
    }
}
