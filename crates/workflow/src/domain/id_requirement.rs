//! What a step asks of identity documents, in the offices' terms: "one from
//! list A, or two from list B", written `A|B+B`. Each office sets its own
//! per step ([`crate::WorkflowSettings`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::id_document::{IdDocument, IdList};

/// One acceptable combination: at least `a` documents from list A and `b`
/// more from either list (a list-A document serves wherever a list-B one
/// is asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Combination {
    a: u8,
    b: u8,
}

impl Combination {
    fn met_by(self, a: u8, b: u8) -> bool {
        a >= self.a && (a - self.a) + b >= self.b
    }
}

/// Alternatives of which one must be met, e.g. `A|B+B`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdRequirement(Vec<Combination>);

/// A requirement that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an identity document requirement: write alternatives of A and B joined by + and separated by | (e.g. A|B+B)"
)]
pub struct IdRequirementError(String);

/// How many documents of each list were shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
pub struct IdCount {
    /// List A documents.
    pub a: u8,
    /// List B documents.
    pub b: u8,
    /// Documents no longer accepted (an expired health insurance card).
    pub not_accepted: u8,
}

impl IdCount {
    /// Counts `documents` by list.
    pub fn of<'a>(documents: impl IntoIterator<Item = &'a IdDocument>) -> IdCount {
        documents.into_iter().fold(IdCount::default(), |mut n, d| {
            match d.list() {
                Some(IdList::A) => n.a = n.a.saturating_add(1),
                Some(IdList::B) => n.b = n.b.saturating_add(1),
                None => n.not_accepted = n.not_accepted.saturating_add(1),
            }
            n
        })
    }
}

impl IdRequirement {
    /// Parses `A|B+B`-style text (case and spaces do not matter).
    pub fn parse(text: &str) -> Result<IdRequirement, IdRequirementError> {
        let bad = || IdRequirementError(text.to_owned());
        let mut alternatives = Vec::new();
        for alternative in text.split('|') {
            let mut c = Combination { a: 0, b: 0 };
            for item in alternative.split('+') {
                match item.trim().to_ascii_uppercase().as_str() {
                    "A" => c.a = c.a.checked_add(1).ok_or_else(bad)?,
                    "B" => c.b = c.b.checked_add(1).ok_or_else(bad)?,
                    _ => return Err(bad()),
                }
            }
            alternatives.push(c);
        }
        Ok(IdRequirement(alternatives))
    }

    /// Each alternative as (list-A documents, list-B documents): `A|B+B`
    /// gives (1, 0) then (0, 2).
    pub fn alternatives(&self) -> impl Iterator<Item = (u8, u8)> + '_ {
        self.0.iter().map(|c| (c.a, c.b))
    }

    /// Whether `shown` meets one of the alternatives.
    pub fn met_by(&self, shown: IdCount) -> bool {
        self.0.iter().any(|c| c.met_by(shown.a, shown.b))
    }

    /// The requirement in Japanese, e.g. 「Aの書類1点、またはBの書類2点」.
    pub fn name_ja(&self) -> String {
        let one = |c: &Combination| {
            let mut parts = Vec::new();
            if c.a > 0 {
                parts.push(format!("Aの書類{}点", c.a));
            }
            if c.b > 0 {
                let any = if c.a == 0 && c.b == 1 {
                    "AかBの書類"
                } else {
                    "Bの書類"
                };
                parts.push(format!("{any}{}点", c.b));
            }
            parts.join("と")
        };
        self.0.iter().map(one).collect::<Vec<_>>().join("、または")
    }
}

impl fmt::Display for IdRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let one = |c: &Combination| {
            let items: Vec<&str> = std::iter::repeat_n("A", usize::from(c.a))
                .chain(std::iter::repeat_n("B", usize::from(c.b)))
                .collect();
            items.join("+")
        };
        let text: Vec<String> = self.0.iter().map(one).collect();
        f.write_str(&text.join("|"))
    }
}

impl TryFrom<String> for IdRequirement {
    type Error = IdRequirementError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        IdRequirement::parse(&s)
    }
}

impl From<IdRequirement> for String {
    fn from(r: IdRequirement) -> String {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(a: u8, b: u8) -> IdCount {
        IdCount {
            a,
            b,
            not_accepted: 0,
        }
    }

    #[test]
    fn one_from_a_or_two_from_b_is_met_by_either_and_not_by_one_b() {
        let r = IdRequirement::parse("A|B+B").unwrap();
        assert!(r.met_by(shown(1, 0)));
        assert!(r.met_by(shown(0, 2)));
        assert!(!r.met_by(shown(0, 1)));
        assert!(!r.met_by(shown(0, 0)));
        assert_eq!(r.to_string(), "A|B+B");
        assert_eq!(r.name_ja(), "Aの書類1点、またはBの書類2点");
    }

    #[test]
    fn a_list_a_document_serves_where_a_list_b_one_is_asked_for() {
        let any_one = IdRequirement::parse("B").unwrap();
        assert!(any_one.met_by(shown(1, 0)));
        assert_eq!(any_one.name_ja(), "AかBの書類1点");
        let a_and_b = IdRequirement::parse("a + b").unwrap();
        assert!(a_and_b.met_by(shown(2, 0)));
        assert!(a_and_b.met_by(shown(1, 1)));
        assert!(!a_and_b.met_by(shown(1, 0)));
        assert!(!a_and_b.met_by(shown(0, 2)));
        assert_eq!(a_and_b.name_ja(), "Aの書類1点とBの書類1点");
    }

    #[test]
    fn text_that_is_not_a_requirement_is_refused_by_name() {
        for bad in ["", "C", "A||B", "A+", "photo"] {
            assert!(IdRequirement::parse(bad).is_err(), "{bad}");
        }
    }
}
