//! A PIN value checked against the rules of its [`PinKind`].
//!
//! A [`Pin`] exists only after [`Pin::parse`] has accepted it, so code that holds
//! one never re-checks the format. It is a secret: `Debug` and `Display` print
//! a placeholder, its bytes are zeroed when it is dropped, it is not `Clone`,
//! and it deliberately implements no `serde` trait, so it cannot end up in a
//! JSON body, a database row or a log line by accident.
//!
//! ```compile_fail,E0277
//! // A Pin cannot be serialised.
//! let pin = shokai_card::Pin::parse(shokai_card::PinKind::UserAuth, "1234").unwrap();
//! let _ = serde_json::to_string(&pin);
//! ```

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::pin_kind::{PinFormat, PinKind};

/// A PIN of one kind, known to satisfy that kind's format.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Pin {
    #[zeroize(skip)]
    kind: PinKind,
    ascii: Vec<u8>,
}

/// The first rule a candidate PIN breaks. Never carries the PIN's characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("{kind} PIN is too short: {len} characters, at least {min} needed")]
    TooShort {
        kind: PinKind,
        len: usize,
        min: usize,
    },
    #[error("{kind} PIN is too long: {len} characters, at most {max} allowed")]
    TooLong {
        kind: PinKind,
        len: usize,
        max: usize,
    },
    #[error("{kind} PIN uses a lowercase letter at position {position}: use uppercase A-Z")]
    Lowercase { kind: PinKind, position: usize },
    #[error("{kind} PIN has a character outside {allowed} at position {position}")]
    OutsideCharacterSet {
        kind: PinKind,
        position: usize,
        allowed: &'static str,
    },
    #[error("{kind} PIN needs at least one letter A-Z")]
    NoLetter { kind: PinKind },
    #[error("{kind} PIN needs at least one digit 0-9")]
    NoDigit { kind: PinKind },
}

impl PinError {
    /// The message in Japanese, for the cardholder or the clerk.
    pub fn message_ja(&self) -> String {
        match *self {
            PinError::TooShort { len, min, .. } => {
                format!("暗証番号が短すぎます({len}文字。{min}文字以上必要です)")
            }
            PinError::TooLong { len, max, .. } => {
                format!("暗証番号が長すぎます({len}文字。{max}文字以下にしてください)")
            }
            PinError::Lowercase { position, .. } => {
                format!("{position}文字目が英小文字です。英大文字(A-Z)を使ってください")
            }
            PinError::OutsideCharacterSet { position, .. } => {
                format!("{position}文字目に使えない文字があります")
            }
            PinError::NoLetter { .. } => "英大文字(A-Z)を1文字以上含めてください".to_owned(),
            PinError::NoDigit { .. } => "数字(0-9)を1文字以上含めてください".to_owned(),
        }
    }
}

impl Pin {
    /// Checks `candidate` against the rules of `kind`, reporting the first rule it breaks.
    ///
    /// Rules are checked in a fixed order (length, then characters, then the
    /// letter-and-digit mix) so the same input always gets the same message.
    pub fn parse(kind: PinKind, candidate: &str) -> Result<Pin, PinError> {
        let (min, max) = match kind.format() {
            PinFormat::FourDigits => (4, 4),
            PinFormat::Alphanumeric { min, max } => (min, max),
        };
        let len = candidate.chars().count();
        if len < min {
            return Err(PinError::TooShort { kind, len, min });
        }
        if len > max {
            return Err(PinError::TooLong { kind, len, max });
        }
        check_characters(kind, candidate)?;
        if let PinFormat::Alphanumeric { .. } = kind.format() {
            if !candidate.bytes().any(|b| b.is_ascii_uppercase()) {
                return Err(PinError::NoLetter { kind });
            }
            if !candidate.bytes().any(|b| b.is_ascii_digit()) {
                return Err(PinError::NoDigit { kind });
            }
        }
        Ok(Pin {
            kind,
            ascii: candidate.as_bytes().to_vec(),
        })
    }

    /// Which PIN this is.
    pub fn kind(&self) -> PinKind {
        self.kind
    }

    /// Whether two PINs are the same kind and value, compared in constant time.
    pub fn same_as(&self, other: &Pin) -> bool {
        self.kind == other.kind && bool::from(self.ascii.ct_eq(&other.ascii))
    }

    /// The PIN as the ASCII bytes the card expects. Only APDU builders and the
    /// simulated card see these.
    pub(crate) fn ascii(&self) -> &[u8] {
        &self.ascii
    }
}

fn check_characters(kind: PinKind, candidate: &str) -> Result<(), PinError> {
    let letters_allowed = matches!(kind.format(), PinFormat::Alphanumeric { .. });
    let allowed = if letters_allowed {
        "A-Z and 0-9"
    } else {
        "0-9"
    };
    for (i, c) in candidate.chars().enumerate() {
        let position = i + 1;
        let ok = c.is_ascii_digit() || (letters_allowed && c.is_ascii_uppercase());
        if ok {
            continue;
        }
        if letters_allowed && c.is_ascii_lowercase() {
            return Err(PinError::Lowercase { kind, position });
        }
        return Err(PinError::OutsideCharacterSet {
            kind,
            position,
            allowed,
        });
    }
    Ok(())
}

impl fmt::Debug for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pin({}, <redacted>)", self.kind)
    }
}

impl fmt::Display for Pin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted PIN>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PinKind::*;

    /// Runs `Pin::parse` over a table of (kind, candidate, expected outcome).
    fn check(cases: &[(PinKind, &str, Result<(), PinError>)]) {
        for (kind, candidate, expected) in cases {
            let got = Pin::parse(*kind, candidate).map(|_| ());
            assert_eq!(&got, expected, "{kind} PIN {candidate:?}");
        }
    }

    #[test]
    fn four_digit_pins_must_be_exactly_four_digits() {
        for kind in [UserAuth, Resident, CardInfo] {
            check(&[
                (
                    kind,
                    "123",
                    Err(PinError::TooShort {
                        kind,
                        len: 3,
                        min: 4,
                    }),
                ),
                (kind, "1234", Ok(())),
                (kind, "0000", Ok(())),
                (
                    kind,
                    "12345",
                    Err(PinError::TooLong {
                        kind,
                        len: 5,
                        max: 4,
                    }),
                ),
                (
                    kind,
                    "",
                    Err(PinError::TooShort {
                        kind,
                        len: 0,
                        min: 4,
                    }),
                ),
                (
                    kind,
                    "12A4",
                    Err(PinError::OutsideCharacterSet {
                        kind,
                        position: 3,
                        allowed: "0-9",
                    }),
                ),
                (
                    kind,
                    "123a",
                    Err(PinError::OutsideCharacterSet {
                        kind,
                        position: 4,
                        allowed: "0-9",
                    }),
                ),
                (
                    kind,
                    "１２３４",
                    Err(PinError::OutsideCharacterSet {
                        kind,
                        position: 1,
                        allowed: "0-9",
                    }),
                ),
            ]);
        }
    }

    #[test]
    fn signature_pins_are_six_to_sixteen_characters() {
        let kind = Signature;
        check(&[
            (
                kind,
                "ABC12",
                Err(PinError::TooShort {
                    kind,
                    len: 5,
                    min: 6,
                }),
            ),
            (kind, "ABC123", Ok(())),
            (kind, "ABCDEFGH12345678", Ok(())),
            (
                kind,
                "ABCDEFGH123456789",
                Err(PinError::TooLong {
                    kind,
                    len: 17,
                    max: 16,
                }),
            ),
        ]);
    }

    #[test]
    fn signature_pins_need_uppercase_letters_and_digits_only() {
        let kind = Signature;
        let outside = |position| PinError::OutsideCharacterSet {
            kind,
            position,
            allowed: "A-Z and 0-9",
        };
        check(&[
            (
                kind,
                "abc123",
                Err(PinError::Lowercase { kind, position: 1 }),
            ),
            (
                kind,
                "ABc123",
                Err(PinError::Lowercase { kind, position: 3 }),
            ),
            (kind, "ABC-123", Err(outside(4))),
            (kind, "ABC 123", Err(outside(4))),
            (kind, "ＡBC123", Err(outside(1))),
            (kind, "ABCDEF", Err(PinError::NoDigit { kind })),
            (kind, "123456", Err(PinError::NoLetter { kind })),
            (kind, "1234567890123456", Err(PinError::NoLetter { kind })),
            (kind, "A23456", Ok(())),
            (kind, "12345Z", Ok(())),
        ]);
    }

    #[test]
    fn lowercase_is_reported_as_needing_uppercase() {
        let err = Pin::parse(Signature, "abc123").unwrap_err();
        assert!(err.to_string().contains("uppercase"), "{err}");
        assert!(
            err.message_ja().contains("英大文字"),
            "{}",
            err.message_ja()
        );
    }

    #[test]
    fn formatting_a_pin_never_shows_its_digits() {
        let pin = Pin::parse(UserAuth, "4711").unwrap();
        let debug = format!("{pin:?}");
        let display = format!("{pin}");
        for shown in [&debug, &display] {
            assert!(!shown.contains("4711"), "{shown}");
            assert!(!shown.contains('4') && !shown.contains('7'), "{shown}");
        }
        let sig = Pin::parse(Signature, "SECRET42").unwrap();
        assert!(!format!("{sig:?} {sig}").contains("SECRET42"));
    }

    #[test]
    fn errors_never_carry_the_pin_characters() {
        for (kind, candidate) in [
            (Signature, "secret9"),
            (UserAuth, "98765"),
            (Resident, "9x9"),
        ] {
            let err = Pin::parse(kind, candidate).unwrap_err();
            let text = format!("{err} {err:?} {}", err.message_ja());
            assert!(!text.contains(candidate), "{text}");
        }
    }

    #[test]
    fn same_as_compares_kind_and_value() {
        let a = Pin::parse(UserAuth, "1234").unwrap();
        assert!(a.same_as(&Pin::parse(UserAuth, "1234").unwrap()));
        assert!(!a.same_as(&Pin::parse(UserAuth, "1235").unwrap()));
        assert!(!a.same_as(&Pin::parse(Resident, "1234").unwrap()));
    }
}
