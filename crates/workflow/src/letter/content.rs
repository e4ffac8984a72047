//! What one inquiry letter says about one case.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use shokai_card::PinKind;

use crate::{IdRequirement, Procedure, ReferenceNumber, VerificationCode};

/// The cardholder as addressed on the envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressee {
    /// Full name, family name first: `髙橋 花子`.
    pub name: String,
    /// `150-0001` (with or without the hyphen).
    pub postal_code: String,
    /// Registered address, one entry per printed line (building on its own line).
    pub address_lines: Vec<String>,
}

/// The facts one letter prints. Plain fields so that fixtures, the CLI and the
/// server can all build it; [`LetterContent::from_case`] builds it from a case.
///
/// The verification code can be read from a fixture but is never serialised
/// back out, and `Debug` does not show it: it lives on paper only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterContent {
    /// Case reference number (`R8-000123-4`), printed and encoded in the QR
    /// code. A fixture's value must parse as a [`ReferenceNumber`].
    #[serde(deserialize_with = "canonical_reference")]
    pub reference: String,
    /// 1 for the first letter of a case, 2 or 3 for re-issues.
    #[serde(default = "first_letter")]
    pub letter_number: u8,
    /// The one-time code the proxy brings back with the sealed form.
    /// A fixture's value must parse as a [`VerificationCode`]; it is kept in
    /// its grouped form (`ABCDE-FGHJK`), as printed.
    #[serde(skip_serializing, default, deserialize_with = "canonical_code")]
    pub verification_code: String,
    pub issued_on: NaiveDate,
    /// Response deadline; when absent, `issued_on` + the office's deadline days.
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
    pub applied_on: NaiveDate,
    pub cardholder: Addressee,
    pub proxy_name: String,
    /// PINs the proxy applied to change or reset, in any order (printed in
    /// card order).
    pub pins: Vec<PinKind>,
    /// A change or a reset (再設定・初期化): a reset letter has its own
    /// wording and asks only for the new PINs. Fixtures from before resets
    /// existed are changes.
    #[serde(default)]
    pub procedure: Procedure,
    /// What the proxy shows when bringing the form back: the office's
    /// `WorkflowSettings::id_proxy_response`, written `A|B+B` in a fixture.
    /// Fixtures without it take the default, one photo ID (`A`).
    #[serde(default = "photo_id")]
    pub proxy_documents: IdRequirement,
}

fn first_letter() -> u8 {
    1
}

fn photo_id() -> IdRequirement {
    crate::WorkflowSettings::default().id_proxy_response
}

// Fixtures and hand-written inputs are parsed with the domain types at the
// edge, so a letter can never print a reference or code the rest of the
// system would refuse.
fn canonical_reference<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let raw = String::deserialize(d)?;
    ReferenceNumber::parse(&raw)
        .map(|r| r.to_string())
        .map_err(serde::de::Error::custom)
}

fn canonical_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let raw = zeroize::Zeroizing::new(String::deserialize(d)?);
    VerificationCode::parse(&raw)
        .map(|c| c.grouped())
        .map_err(serde::de::Error::custom)
}

impl std::fmt::Debug for LetterContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LetterContent")
            .field("reference", &self.reference)
            .field("letter_number", &self.letter_number)
            .field("verification_code", &"<redacted>")
            .field("issued_on", &self.issued_on)
            .field("deadline", &self.deadline)
            .field("applied_on", &self.applied_on)
            .field("pins", &self.pins)
            .field("procedure", &self.procedure)
            .field("proxy_documents", &self.proxy_documents.to_string())
            .finish_non_exhaustive()
    }
}

impl LetterContent {
    /// The PINs in the order the card's software lists them, without repeats.
    pub fn pins_in_card_order(&self) -> Vec<PinKind> {
        PinKind::ALL
            .into_iter()
            .filter(|k| self.pins.contains(k))
            .collect()
    }

    /// The response deadline given the office's deadline days.
    pub fn deadline_with(&self, deadline_days: u32) -> NaiveDate {
        self.deadline
            .unwrap_or_else(|| self.issued_on + chrono::Duration::days(i64::from(deadline_days)))
    }

    /// What the proxy brings, as the letter words it:
    /// 「顔写真付き本人確認書類1点（運転免許証など）」 for `A`, alternatives
    /// joined by 「、または」 (see [`documents_ja`]).
    pub(crate) fn proxy_documents_ja(&self) -> String {
        documents_ja(&self.proxy_documents)
    }

    /// The postal code as printed: `〒150-0001`.
    pub(crate) fn postal_code_display(&self) -> String {
        format!("〒{}", self.postal_code_hyphenated())
    }

    /// `150-0001`, whether the input had the hyphen or not.
    pub(crate) fn postal_code_hyphenated(&self) -> String {
        let postal = &self.cardholder.postal_code;
        let digits: String = postal.chars().filter(char::is_ascii_digit).collect();
        if digits.len() == 7 {
            format!("{}-{}", &digits[..3], &digits[3..])
        } else {
            postal.clone()
        }
    }
}

/// A requirement in the words of a letter to a resident, who has never heard
/// of lists A and B: a list-A document is a 顔写真付き本人確認書類 (one
/// issued by a public office, such as a driving licence); any other
/// document is a 本人確認書類. `A` → 「顔写真付き本人確認書類1点（運転免許証など）」,
/// `B+B` → 「本人確認書類2点（資格確認書、年金手帳など）」, `A+B` → 「顔写真付き
/// 本人確認書類1点（運転免許証など）とほかの本人確認書類1点」.
pub fn documents_ja(requirement: &IdRequirement) -> String {
    let alternatives: Vec<String> = requirement
        .alternatives()
        .map(|(photo, other)| {
            let mut parts = Vec::new();
            if photo > 0 {
                parts.push(format!("顔写真付き本人確認書類{photo}点（運転免許証など）"));
            }
            match (photo, other) {
                (_, 0) => {}
                (0, n) => parts.push(format!("本人確認書類{n}点（資格確認書、年金手帳など）")),
                (_, n) => parts.push(format!("ほかの本人確認書類{n}点")),
            }
            parts.join("と")
        })
        .collect();
    alternatives.join("、または")
}

#[cfg(test)]
mod documents_tests {
    use super::documents_ja;
    use crate::IdRequirement;

    fn words(requirement: &str) -> String {
        documents_ja(&IdRequirement::parse(requirement).unwrap())
    }

    #[test]
    fn a_requirement_is_worded_for_a_resident_without_lists_a_and_b() {
        assert_eq!(words("A"), "顔写真付き本人確認書類1点（運転免許証など）");
        assert_eq!(words("B+B"), "本人確認書類2点（資格確認書、年金手帳など）");
        assert_eq!(
            words("A+B"),
            "顔写真付き本人確認書類1点（運転免許証など）とほかの本人確認書類1点"
        );
        assert_eq!(
            words("A|B+B"),
            "顔写真付き本人確認書類1点（運転免許証など）、または本人確認書類2点（資格確認書、年金手帳など）"
        );
        assert_eq!(words("A+A"), "顔写真付き本人確認書類2点（運転免許証など）");
    }
}

#[cfg(test)]
mod fixture_parsing_tests {
    use super::LetterContent;

    fn fixture(reference: &str, code: &str) -> String {
        format!(
            r#"{{"reference":"{reference}","verification_code":"{code}","issued_on":"2026-11-26",
            "applied_on":"2026-11-24","proxy_name":"山田 太郎","pins":["user_auth"],
            "cardholder":{{"name":"山田 花子","postal_code":"1500001","address_lines":["東京都みどり区1-1"]}}}}"#
        )
    }

    #[test]
    fn a_fixture_reference_and_code_are_printed_in_their_canonical_form() {
        let content: LetterContent =
            serde_json::from_str(&fixture("r8-000123-4", "7kq4m 9xd2f")).unwrap();
        assert_eq!(content.reference, "R8-000123-4");
        assert_eq!(content.verification_code, "7KQ4M-9XD2F");
    }

    #[test]
    fn a_fixture_without_a_procedure_is_a_change_and_one_with_reset_is_a_reset() {
        let change: LetterContent =
            serde_json::from_str(&fixture("R8-000123-4", "7KQ4M9XD2F")).unwrap();
        assert_eq!(change.procedure, crate::Procedure::Change);
        let reset =
            fixture("R8-000123-4", "7KQ4M9XD2F").replacen('{', r#"{"procedure":"reset","#, 1);
        let reset: LetterContent = serde_json::from_str(&reset).unwrap();
        assert_eq!(reset.procedure, crate::Procedure::Reset);
    }

    #[test]
    fn a_fixture_with_a_wrong_check_digit_or_a_short_code_is_refused() {
        assert!(
            serde_json::from_str::<LetterContent>(&fixture("R8-000123-5", "7KQ4M9XD2F")).is_err()
        );
        assert!(
            serde_json::from_str::<LetterContent>(&fixture("R8-000123-4", "7KQ4M9XD")).is_err()
        );
    }
}
