//! A postal address in Japan, limited to what prints legibly in the window
//! of the office's window envelope (長形3号, window about 90 × 45 mm).

use serde::{Deserialize, Serialize};

use super::postal::{PostalCode, PostalCodeError};
use super::text::{is_control, trim};

/// Characters of the first address line: prefecture plus city/ward. At the
/// letter's 10.5 pt that is the window's width (about 90 mm).
pub const MAX_FIRST_LINE_CHARS: usize = 24;
/// Characters after the city: town, block numbers, building and room. They
/// wrap onto at most two further window lines.
pub const MAX_REST_CHARS: usize = 48;

/// The parts of an address, for naming the one that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressField {
    Prefecture,
    City,
    Rest,
}

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// A required part is empty.
    #[error("the {0:?} part of the address is empty")]
    Empty(AddressField),
    /// The address would not fit in the envelope window.
    #[error(
        "the address is too long for the envelope window ({field:?}: {actual} characters, at most {max})"
    )]
    TooLongForWindow {
        field: AddressField,
        max: usize,
        actual: usize,
    },
    /// The postal code is not a valid postal code.
    #[error("invalid postal code: {0}")]
    InvalidPostalCode(#[from] PostalCodeError),
    /// A control character (newline, tab, …) would break the printed window.
    #[error("the {0:?} part of the address contains a control character")]
    ControlCharacter(AddressField),
    /// The prefecture is not one of the 47.
    #[error("`{0}` is not a Japanese prefecture")]
    UnknownPrefecture(String),
}

/// A validated postal address.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawAddress", into = "RawAddress")]
pub struct Address {
    postal_code: PostalCode,
    prefecture: String,
    city: String,
    rest: String,
}

/// The serialised shape of an [`Address`]; also a convenient input shape.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RawAddress {
    pub postal_code: String,
    pub prefecture: String,
    pub city: String,
    pub rest: String,
}

impl TryFrom<RawAddress> for Address {
    type Error = AddressError;
    fn try_from(raw: RawAddress) -> Result<Self, Self::Error> {
        Address::parse(&raw.postal_code, &raw.prefecture, &raw.city, &raw.rest)
    }
}

impl From<Address> for RawAddress {
    fn from(a: Address) -> Self {
        RawAddress {
            postal_code: a.postal_code.to_string(),
            prefecture: a.prefecture,
            city: a.city,
            rest: a.rest,
        }
    }
}

/// What is wrong with each part of an address ([`Address::problems`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressProblems {
    pub postal_code: Option<PostalCodeError>,
    pub prefecture: Option<AddressError>,
    /// The city, or the first window line it shares with the prefecture.
    pub city: Option<AddressError>,
    pub rest: Option<AddressError>,
}

impl Address {
    /// Parses an address from its four parts.
    pub fn parse(
        postal_code: &str,
        prefecture: &str,
        city: &str,
        rest: &str,
    ) -> Result<Address, AddressError> {
        let postal_code = PostalCode::parse(postal_code)?;
        let prefecture = prefecture_part(prefecture)?;
        let city = city_part(&prefecture, city)?;
        let rest = rest_part(rest)?;
        Ok(Address {
            postal_code,
            prefecture,
            city,
            rest,
        })
    }

    /// What is wrong with each part, each checked on its own, so a form can
    /// mark every field at once ([`Address::parse`] stops at the first).
    pub fn problems(
        postal_code: &str,
        prefecture: &str,
        city: &str,
        rest: &str,
    ) -> AddressProblems {
        let prefecture = prefecture_part(prefecture);
        let known = prefecture.as_deref().unwrap_or_default();
        AddressProblems {
            postal_code: PostalCode::parse(postal_code).err(),
            city: city_part(known, city).err(),
            prefecture: prefecture.err(),
            rest: rest_part(rest).err(),
        }
    }

    /// The postal code.
    pub fn postal_code(&self) -> PostalCode {
        self.postal_code
    }

    /// The prefecture (都道府県), e.g. `東京都`.
    pub fn prefecture(&self) -> &str {
        &self.prefecture
    }

    /// The city, ward, town or village (市区町村), e.g. `渋谷区`.
    pub fn city(&self) -> &str {
        &self.city
    }

    /// Everything after the city: town, block numbers, building, room.
    pub fn rest(&self) -> &str {
        &self.rest
    }

    /// The lines as printed in the envelope window: `〒150-0001`, prefecture
    /// and city, then the rest wrapped at [`MAX_FIRST_LINE_CHARS`].
    pub fn window_lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!("〒{}", self.postal_code),
            format!("{}{}", self.prefecture, self.city),
        ];
        let chars: Vec<char> = self.rest.chars().collect();
        lines.extend(
            chars
                .chunks(MAX_FIRST_LINE_CHARS)
                .map(|c| c.iter().collect::<String>()),
        );
        lines
    }
}

impl std::fmt::Debug for Address {
    // Personal data: only the prefecture, which identifies nobody.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Address({}, …)", self.prefecture)
    }
}

fn prefecture_part(prefecture: &str) -> Result<String, AddressError> {
    let prefecture = part(AddressField::Prefecture, prefecture)?;
    if !PREFECTURES.contains(&prefecture.as_str()) {
        return Err(AddressError::UnknownPrefecture(prefecture));
    }
    Ok(prefecture)
}

/// The city; with the prefecture it fills the window's first line.
fn city_part(prefecture: &str, city: &str) -> Result<String, AddressError> {
    let city = part(AddressField::City, city)?;
    let first = prefecture.chars().count() + city.chars().count();
    if first > MAX_FIRST_LINE_CHARS {
        return Err(AddressError::TooLongForWindow {
            field: AddressField::City,
            max: MAX_FIRST_LINE_CHARS,
            actual: first,
        });
    }
    Ok(city)
}

fn rest_part(rest: &str) -> Result<String, AddressError> {
    let rest = part(AddressField::Rest, rest)?;
    let rest_len = rest.chars().count();
    if rest_len > MAX_REST_CHARS {
        return Err(AddressError::TooLongForWindow {
            field: AddressField::Rest,
            max: MAX_REST_CHARS,
            actual: rest_len,
        });
    }
    Ok(rest)
}

fn part(field: AddressField, value: &str) -> Result<String, AddressError> {
    if value.chars().any(is_control) {
        return Err(AddressError::ControlCharacter(field));
    }
    let value = trim(value);
    if value.is_empty() {
        return Err(AddressError::Empty(field));
    }
    Ok(value.to_owned())
}

/// The 47 prefectures, as written in addresses.
pub const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shibuya_address_prints_on_three_window_lines() {
        let a = Address::parse(
            "１５０－０００１",
            "東京都",
            "渋谷区",
            "神宮前一丁目2番3号 ハイツ神宮前101",
        )
        .unwrap();
        assert_eq!(
            a.window_lines(),
            vec![
                "〒150-0001",
                "東京都渋谷区",
                "神宮前一丁目2番3号 ハイツ神宮前101"
            ]
        );
    }

    #[test]
    fn each_refusal_names_its_reason() {
        assert_eq!(
            Address::parse("150-0001", "東京都", "渋谷区", " "),
            Err(AddressError::Empty(AddressField::Rest))
        );
        assert!(matches!(
            Address::parse("15-0001", "東京都", "渋谷区", "1"),
            Err(AddressError::InvalidPostalCode(_))
        ));
        assert_eq!(
            Address::parse("150-0001", "東京都", "渋谷区", "神宮前\n1"),
            Err(AddressError::ControlCharacter(AddressField::Rest))
        );
        assert_eq!(
            Address::parse("150-0001", "東京", "渋谷区", "1"),
            Err(AddressError::UnknownPrefecture("東京".into()))
        );
        let long = "あ".repeat(MAX_REST_CHARS + 1);
        assert_eq!(
            Address::parse("150-0001", "東京都", "渋谷区", &long),
            Err(AddressError::TooLongForWindow {
                field: AddressField::Rest,
                max: MAX_REST_CHARS,
                actual: 49
            })
        );
        assert!(
            Address::parse("150-0001", "東京都", "渋谷区", &"あ".repeat(MAX_REST_CHARS)).is_ok()
        );
    }
}
