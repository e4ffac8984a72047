//! The fingerprint of a card, read at intake and compared at every later visit,
//! so the PIN is changed only on the card the application was made for.

use serde::{Deserialize, Serialize};

/// Why a fingerprint was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardFingerprintError {
    /// Not 16 to 128 hexadecimal characters.
    #[error("a card fingerprint is 16 to 128 hexadecimal characters")]
    Malformed,
}

/// A card fingerprint: lower-case hex (e.g. SHA-256 of the card's
/// authentication certificate, which is readable without a PIN).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CardFingerprint(String);

impl CardFingerprint {
    /// Parses hex; upper case is folded to lower case.
    pub fn parse(input: &str) -> Result<CardFingerprint, CardFingerprintError> {
        let s = input.trim().to_ascii_lowercase();
        if !(16..=128).contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(CardFingerprintError::Malformed);
        }
        Ok(CardFingerprint(s))
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CardFingerprint {
    type Error = CardFingerprintError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CardFingerprint::parse(&s)
    }
}

impl From<CardFingerprint> for String {
    fn from(f: CardFingerprint) -> String {
        f.0
    }
}

impl std::fmt::Display for CardFingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
