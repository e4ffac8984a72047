//! What a case does to the card's PINs.

use serde::{Deserialize, Serialize};

/// The procedure of a case: a PIN change needs the current PIN; a reset
/// (再設定・初期化) sets a new PIN without it, for a PIN that is forgotten or
/// blocked. Both run on every path; by an optional proxy both use the mailed
/// inquiry, and a reset's response form asks only for the new PINs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Procedure {
    /// 暗証番号の変更: the current PIN is verified, then the new one set.
    #[default]
    Change,
    /// 暗証番号の再設定（初期化）: the new PIN is set without the current one.
    Reset,
}

impl Procedure {
    /// Every procedure.
    pub const ALL: [Procedure; 2] = [Procedure::Change, Procedure::Reset];

    /// Stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            Procedure::Change => "change",
            Procedure::Reset => "reset",
        }
    }

    /// Parses [`Procedure::code`].
    pub fn from_code(code: &str) -> Option<Procedure> {
        Procedure::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The name shown to clerks and printed on the letter.
    pub fn name_ja(self) -> &'static str {
        match self {
            Procedure::Change => "暗証番号の変更",
            Procedure::Reset => "暗証番号の再設定（初期化）",
        }
    }

    /// Whether the current PIN is asked for (on the form and at the counter).
    pub fn needs_current_pin(self) -> bool {
        match self {
            Procedure::Change => true,
            Procedure::Reset => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_procedure_round_trips_through_its_code() {
        for p in Procedure::ALL {
            assert_eq!(Procedure::from_code(p.code()), Some(p));
        }
        assert_eq!(Procedure::from_code("renew"), None);
    }

    #[test]
    fn a_case_stored_before_procedures_existed_reads_as_a_change() {
        #[derive(Deserialize)]
        struct Old {
            #[serde(default)]
            procedure: Procedure,
        }
        let old: Old = serde_json::from_str("{}").unwrap();
        assert_eq!(old.procedure, Procedure::Change);
    }

    #[test]
    fn only_a_change_asks_for_the_current_pin() {
        assert!(Procedure::Change.needs_current_pin());
        assert!(!Procedure::Reset.needs_current_pin());
    }
}
