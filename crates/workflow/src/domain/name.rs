//! A person's name as printed on the card (kanji, or the registered spelling)
//! and its reading in katakana.

use serde::{Deserialize, Serialize};

use super::text::{is_control, trim};

/// Longest name accepted; long enough for registered names of foreign residents
/// in a single window line, short enough to print on the response form.
pub const MAX_NAME_CHARS: usize = 40;
/// Longest reading accepted.
pub const MAX_KANA_CHARS: usize = 60;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonNameError {
    /// The name is empty or only spaces.
    #[error("the name is empty")]
    EmptyName,
    /// The reading (furigana) is empty or only spaces.
    #[error("the reading (kana) is empty")]
    EmptyKana,
    /// The name is longer than [`MAX_NAME_CHARS`].
    #[error("the name has {actual} characters; at most {max} fit on the forms")]
    NameTooLong { max: usize, actual: usize },
    /// The reading is longer than [`MAX_KANA_CHARS`].
    #[error("the reading has {actual} characters; at most {max} fit on the forms")]
    KanaTooLong { max: usize, actual: usize },
    /// The reading contains something other than katakana/hiragana, spaces and `ー`.
    #[error("the reading must be written in kana; `{0}` is not kana")]
    NotKana(char),
    /// A control character (newline, tab, …) would break the printed forms.
    #[error("the name contains a control character")]
    ControlCharacter,
}

/// A person's name and its katakana reading. Hiragana readings are stored as
/// katakana so that two spellings of the same reading compare equal.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawPersonName", into = "RawPersonName")]
pub struct PersonName {
    name: String,
    kana: String,
}

#[derive(Serialize, Deserialize)]
struct RawPersonName {
    name: String,
    kana: String,
}

impl TryFrom<RawPersonName> for PersonName {
    type Error = PersonNameError;
    fn try_from(raw: RawPersonName) -> Result<Self, Self::Error> {
        PersonName::parse(&raw.name, &raw.kana)
    }
}

impl From<PersonName> for RawPersonName {
    fn from(p: PersonName) -> Self {
        RawPersonName {
            name: p.name,
            kana: p.kana,
        }
    }
}

/// What is wrong with each part of a name ([`PersonName::problems`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameProblems {
    /// The name as registered.
    pub name: Option<PersonNameError>,
    /// The reading.
    pub kana: Option<PersonNameError>,
}

impl PersonName {
    /// Parses a name and its reading. Runs of spaces (ASCII or ideographic)
    /// become one ideographic space, as on the card.
    pub fn parse(name: &str, kana: &str) -> Result<PersonName, PersonNameError> {
        let name = name_part(name)?;
        let kana = kana_part(kana)?;
        Ok(PersonName { name, kana })
    }

    /// What is wrong with the name and with the reading, each part checked
    /// on its own, so a form can mark both fields at once
    /// ([`PersonName::parse`] stops at the first).
    pub fn problems(name: &str, kana: &str) -> NameProblems {
        NameProblems {
            name: name_part(name).err(),
            kana: kana_part(kana).err(),
        }
    }

    /// The name as registered.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The reading in katakana.
    pub fn kana(&self) -> &str {
        &self.kana
    }

    /// Whether two names denote the same registered person name: equal once
    /// spaces are ignored, in the name or in the reading.
    pub fn same_person_name(&self, other: &PersonName) -> bool {
        let squash = |s: &str| s.chars().filter(|c| *c != '\u{3000}').collect::<String>();
        squash(&self.name) == squash(&other.name) || squash(&self.kana) == squash(&other.kana)
    }
}

impl std::fmt::Debug for PersonName {
    // Personal data: Debug output ends up in logs, so it shows only the length.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PersonName(<{} chars>)", self.name.chars().count())
    }
}

/// The name as registered, or why not.
fn name_part(name: &str) -> Result<String, PersonNameError> {
    if name.chars().any(is_control) {
        return Err(PersonNameError::ControlCharacter);
    }
    let name = collapse_spaces(trim(name));
    if name.is_empty() {
        return Err(PersonNameError::EmptyName);
    }
    let name_len = name.chars().count();
    if name_len > MAX_NAME_CHARS {
        return Err(PersonNameError::NameTooLong {
            max: MAX_NAME_CHARS,
            actual: name_len,
        });
    }
    Ok(name)
}

/// The reading in katakana, or why not.
fn kana_part(kana: &str) -> Result<String, PersonNameError> {
    if kana.chars().any(is_control) {
        return Err(PersonNameError::ControlCharacter);
    }
    let kana = collapse_spaces(trim(kana));
    if kana.is_empty() {
        return Err(PersonNameError::EmptyKana);
    }
    let kana_len = kana.chars().count();
    if kana_len > MAX_KANA_CHARS {
        return Err(PersonNameError::KanaTooLong {
            max: MAX_KANA_CHARS,
            actual: kana_len,
        });
    }
    kana.chars().map(to_katakana).collect()
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_space = false;
    for c in s.chars() {
        if c == ' ' || c == '\u{3000}' {
            if !in_space {
                out.push('\u{3000}');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

fn to_katakana(c: char) -> Result<char, PersonNameError> {
    match c {
        // Hiragana ぁ..ゖ map onto katakana ァ..ヶ at a fixed offset.
        '\u{3041}'..='\u{3096}' => Ok(char::from_u32(u32::from(c) + 0x60).unwrap_or(c)),
        '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | '\u{3000}' | 'ヽ' | 'ヾ' | 'ゝ' | 'ゞ' => {
            Ok(c)
        }
        other => Err(PersonNameError::NotKana(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hiragana_readings_are_stored_as_katakana() {
        let n = PersonName::parse("山田 太郎", "やまだ たろう").unwrap();
        assert_eq!(n.kana(), "ヤマダ\u{3000}タロウ");
        assert_eq!(n.name(), "山田\u{3000}太郎");
    }

    #[test]
    fn a_reading_in_latin_letters_is_refused() {
        assert_eq!(
            PersonName::parse("山田", "Yamada"),
            Err(PersonNameError::NotKana('Y'))
        );
    }

    #[test]
    fn empty_parts_and_control_characters_have_their_own_reasons() {
        assert_eq!(
            PersonName::parse(" ", "ヤマダ"),
            Err(PersonNameError::EmptyName)
        );
        assert_eq!(
            PersonName::parse("山田", "　"),
            Err(PersonNameError::EmptyKana)
        );
        assert_eq!(
            PersonName::parse("山\n田", "ヤマダ"),
            Err(PersonNameError::ControlCharacter)
        );
    }

    #[test]
    fn debug_output_does_not_show_the_name() {
        let n = PersonName::parse("山田 太郎", "ヤマダ タロウ").unwrap();
        assert!(!format!("{n:?}").contains("山田"));
    }
}
