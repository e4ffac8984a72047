//! The PINs a case will change: a non-empty set of [`PinKind`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use shokai_card::PinKind;

/// Why a PIN set was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinSetError {
    /// No PIN chosen: a case must change at least one.
    #[error("choose at least one PIN to change")]
    Empty,
    /// A name that is not a PIN kind.
    #[error("unknown PIN kind `{0}`: expected signature, user_auth, resident or card_info")]
    UnknownKind(String),
}

/// A non-empty set of PIN kinds, in the card's order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<PinKind>", into = "Vec<PinKind>")]
pub struct PinSet(BTreeSet<PinKind>);

impl PinSet {
    /// Builds a set from kinds; duplicates collapse.
    pub fn new(kinds: impl IntoIterator<Item = PinKind>) -> Result<PinSet, PinSetError> {
        let set: BTreeSet<PinKind> = kinds.into_iter().collect();
        if set.is_empty() {
            return Err(PinSetError::Empty);
        }
        Ok(PinSet(set))
    }

    /// Parses comma-separated code names: `user_auth,resident`.
    pub fn parse(input: &str) -> Result<PinSet, PinSetError> {
        let kinds = input
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| PinKind::from_code(s).ok_or_else(|| PinSetError::UnknownKind(s.to_owned())))
            .collect::<Result<Vec<_>, _>>()?;
        PinSet::new(kinds)
    }

    /// Whether the set holds `kind`.
    pub fn contains(&self, kind: PinKind) -> bool {
        self.0.contains(&kind)
    }

    /// The kinds, in the card's order.
    pub fn iter(&self) -> impl Iterator<Item = PinKind> + '_ {
        self.0.iter().copied()
    }

    /// Number of PINs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false; present because clippy expects it beside `len`.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Code names joined by commas, the inverse of [`PinSet::parse`].
    pub fn codes(&self) -> String {
        self.iter().map(PinKind::code).collect::<Vec<_>>().join(",")
    }
}

impl TryFrom<Vec<PinKind>> for PinSet {
    type Error = PinSetError;
    fn try_from(v: Vec<PinKind>) -> Result<Self, Self::Error> {
        PinSet::new(v)
    }
}

impl From<PinSet> for Vec<PinKind> {
    fn from(p: PinSet) -> Self {
        p.0.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_set_is_refused() {
        assert_eq!(PinSet::new([]), Err(PinSetError::Empty));
        assert_eq!(PinSet::parse(" , "), Err(PinSetError::Empty));
    }

    #[test]
    fn code_names_round_trip_in_card_order() {
        let s = PinSet::parse("resident, user_auth,resident").unwrap();
        assert_eq!(s.codes(), "user_auth,resident");
        assert!(PinSet::parse("pin9").is_err());
    }
}
