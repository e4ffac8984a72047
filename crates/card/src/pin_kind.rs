//! The four PINs on a My Number Card and the facts each carries.

use serde::{Deserialize, Serialize};

/// One of the four PINs on a My Number Card.
///
/// The serialised form is the snake_case code name (`signature`, `user_auth`,
/// `resident`, `card_info`), used in the API, the database and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinKind {
    /// 署名用電子証明書 暗証番号: 6-16 of `A-Z0-9`, at least one letter and one digit.
    Signature,
    /// 利用者証明用電子証明書 暗証番号: 4 digits.
    UserAuth,
    /// 住民基本台帳用 暗証番号: 4 digits.
    Resident,
    /// 券面事項入力補助用 暗証番号: 4 digits.
    CardInfo,
}

/// The shape a PIN of one kind must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinFormat {
    /// Exactly four ASCII digits.
    FourDigits,
    /// 6 to 16 characters from `A-Z` and `0-9`, with at least one of each.
    Alphanumeric { min: usize, max: usize },
}

impl PinKind {
    /// All four kinds, in the order the card's own software lists them.
    pub const ALL: [PinKind; 4] = [
        PinKind::Signature,
        PinKind::UserAuth,
        PinKind::Resident,
        PinKind::CardInfo,
    ];

    /// The stable code name used in the API, the database and the CLI.
    pub fn code(self) -> &'static str {
        match self {
            PinKind::Signature => "signature",
            PinKind::UserAuth => "user_auth",
            PinKind::Resident => "resident",
            PinKind::CardInfo => "card_info",
        }
    }

    /// Parses a code name as produced by [`PinKind::code`].
    pub fn from_code(code: &str) -> Option<PinKind> {
        PinKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The Japanese name as printed on forms.
    pub fn name_ja(self) -> &'static str {
        match self {
            PinKind::Signature => "署名用電子証明書 暗証番号",
            PinKind::UserAuth => "利用者証明用電子証明書 暗証番号",
            PinKind::Resident => "住民基本台帳用 暗証番号",
            PinKind::CardInfo => "券面事項入力補助用 暗証番号",
        }
    }

    /// The English name.
    pub fn name_en(self) -> &'static str {
        match self {
            PinKind::Signature => "signature certificate password",
            PinKind::UserAuth => "user authentication certificate PIN",
            PinKind::Resident => "resident registry PIN",
            PinKind::CardInfo => "card information input support PIN",
        }
    }

    /// The format a PIN of this kind must have.
    pub fn format(self) -> PinFormat {
        match self {
            PinKind::Signature => PinFormat::Alphanumeric { min: 6, max: 16 },
            PinKind::UserAuth | PinKind::Resident | PinKind::CardInfo => PinFormat::FourDigits,
        }
    }

    /// How many wrong entries in a row block this PIN.
    pub fn max_tries(self) -> u8 {
        match self {
            PinKind::Signature => 5,
            PinKind::UserAuth | PinKind::Resident | PinKind::CardInfo => 3,
        }
    }

    /// The rule in Japanese, as printed beside the boxes on the response form.
    pub fn rule_ja(self) -> &'static str {
        match self {
            PinKind::Signature => "英大文字(A-Z)と数字(0-9)を両方含む6～16文字",
            PinKind::UserAuth | PinKind::Resident | PinKind::CardInfo => "数字4桁",
        }
    }
}

impl std::fmt::Display for PinKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for PinKind {
    type Err = UnknownPinKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PinKind::from_code(s).ok_or_else(|| UnknownPinKind(s.to_owned()))
    }
}

/// A PIN kind code that is none of `signature`, `user_auth`, `resident`, `card_info`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown PIN kind `{0}`: expected one of signature, user_auth, resident, card_info")]
pub struct UnknownPinKind(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_round_trip_through_from_str() {
        for kind in PinKind::ALL {
            assert_eq!(kind.code().parse::<PinKind>(), Ok(kind));
        }
        assert!("pin1".parse::<PinKind>().is_err());
    }

    #[test]
    fn signature_allows_five_tries_and_the_others_three() {
        assert_eq!(PinKind::Signature.max_tries(), 5);
        assert_eq!(PinKind::UserAuth.max_tries(), 3);
        assert_eq!(PinKind::Resident.max_tries(), 3);
        assert_eq!(PinKind::CardInfo.max_tries(), 3);
    }
}
