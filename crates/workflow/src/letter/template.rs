//! The letter's wording, kept outside the code so an office can edit it
//! without recompiling (`templates/letter/letter.toml`).
//!
//! The file is a TOML table `[text]` of named paragraphs with `{placeholders}`,
//! and a table `[reset]` holding the wording of a PIN reset (再設定・初期化)
//! where it differs from a change: a reset letter reads a paragraph from
//! `[reset]` when that table has it and from `[text]` otherwise.
//! Loading checks that every paragraph the layout needs is present (in
//! `[text]`, and the [`RESET_PARAGRAPHS`] in `[reset]`), that `[reset]` names
//! only paragraphs the layout reads, and that every placeholder is one the
//! letter can fill, so a typo in the file fails when the office loads it, not
//! halfway through a print batch.
//!
//! A paragraph may be empty: the layout then leaves it out, with its heading
//! or check box (a reset letter has no forgotten-PIN guidance). Paragraph
//! names and wording use the terms of `templates/glossary.toml`.
//!
//! The same file holds, in a table `[receipt]`, the wording of the receipt
//! handed to the proxy at application (受付控え, see `receipt.rs`): loading
//! checks that it has every one of [`RECEIPT_PARAGRAPHS`], no other, and
//! only the [`RECEIPT_PLACEHOLDERS`] (a receipt knows no address and no
//! code, so it has no placeholder for either).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::Procedure;

/// Paragraph names the layout reads; the template must define each one.
pub const REQUIRED_PARAGRAPHS: &[&str] = &[
    "letter_title",
    "salutation",
    "why",
    "pins_heading",
    "purpose",
    "next_heading",
    "next_steps",
    "deadline",
    "deadline_note",
    "forgot_pin_heading",
    "forgot_pin",
    "not_applied_heading",
    "not_applied",
    "contact_heading",
    "form_title",
    "form_addressee",
    "declaration_heading",
    "declaration",
    "pin_heading",
    "pin_note",
    "pin_current",
    "pin_new",
    "pin_forgotten",
    "attorney_heading",
    "attorney",
    "signature_date",
    "attorney_grantor",
    "attorney_grantee",
    "attorney_address",
    "attorney_signed_name",
    "attorney_name",
    "attorney_birth_date",
    "seal_heading",
    "seal",
    "office_use",
    "code_label",
    "reference_label",
    "deadline_label",
    "code_withheld",
    "retained_copy",
];

/// Paragraphs whose wording differs for a reset: the `[reset]` table must
/// define each one (it may also override any other paragraph). The
/// forgotten-PIN guidance and its check box are here so that a reset table
/// says what it does with them (the shipped one leaves them empty: a reset
/// needs no current PIN).
pub const RESET_PARAGRAPHS: &[&str] = &[
    "letter_title",
    "why",
    "pins_heading",
    "next_steps",
    "deadline_note",
    "forgot_pin_heading",
    "forgot_pin",
    "declaration",
    "pin_note",
    "pin_forgotten",
    "attorney",
];

/// Paragraphs of the proxy's receipt (受付控え); the `[receipt]` table must
/// define each one and no other.
pub const RECEIPT_PARAGRAPHS: &[&str] = &[
    "title",
    "subtitle",
    "addressee",
    "intro",
    "label_reference",
    "label_applied_on",
    "label_procedure",
    "label_cardholder",
    "label_pins",
    "stamp",
    "no_secrets",
    "mailing_heading",
    "mailing_after_issue",
    "mailing_planned",
    "mailing_mailed",
    "deadline_known",
    "deadline_rule",
    "next_heading",
    "next_steps",
    "bring_heading",
    "bring",
    "status_heading",
    "status",
    "status_no_phone",
    "contact_heading",
    "footer",
];

/// Placeholders a receipt paragraph may use. There is none for the
/// cardholder's address or the code: the receipt never prints them.
pub const RECEIPT_PLACEHOLDERS: &[&str] = &[
    "reference",
    "applied_on",
    "printed_on",
    "procedure",
    "cardholder_name",
    "proxy_name",
    "mailing_date",
    "deadline",
    "deadline_days",
    "proxy_documents",
    "status_url",
    "office_name",
    "office_phone",
    "office_hours",
];

/// Placeholders a paragraph may use.
pub const PLACEHOLDERS: &[&str] = &[
    "cardholder_name",
    "proxy_name",
    "applied_on",
    "issued_on",
    "deadline",
    "office_name",
    "office_head",
    "office_address",
    "office_phone",
    "office_hours",
    "reference",
    "pin_count",
    "proxy_documents",
    "fingerprint",
];

/// A template file that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the letter template is not valid TOML: {0}")]
    Syntax(String),
    #[error("the letter template has no paragraph `{0}`")]
    MissingParagraph(&'static str),
    /// The `[reset]` table (or the whole table) lacks a paragraph of
    /// [`RESET_PARAGRAPHS`].
    #[error("the letter template's [reset] table has no paragraph `{0}`")]
    MissingResetParagraph(&'static str),
    /// `[reset]` names a paragraph the layout never reads (likely a typo).
    #[error("the letter template's [reset] table has the unknown paragraph `{0}`")]
    UnknownResetParagraph(String),
    /// The `[receipt]` table (or the whole table) lacks a paragraph of
    /// [`RECEIPT_PARAGRAPHS`].
    #[error("the letter template's [receipt] table has no paragraph `{0}`")]
    MissingReceiptParagraph(&'static str),
    /// `[receipt]` names a paragraph the receipt never reads (likely a typo).
    #[error("the letter template's [receipt] table has the unknown paragraph `{0}`")]
    UnknownReceiptParagraph(String),
    /// `paragraph` is `reset.<name>` for a paragraph of the `[reset]` table,
    /// `receipt.<name>` for one of the `[receipt]` table.
    #[error("paragraph `{paragraph}` uses the unknown placeholder {{{placeholder}}}")]
    UnknownPlaceholder {
        paragraph: String,
        placeholder: String,
    },
    #[error("paragraph `{0}` has an unclosed `{{`")]
    UnclosedPlaceholder(String),
}

#[derive(Deserialize)]
struct TemplateFile {
    text: BTreeMap<String, String>,
    /// Absent in a file from before resets: then every reset paragraph is
    /// reported missing, by name.
    #[serde(default)]
    reset: BTreeMap<String, String>,
    /// Absent in a file from before receipts: then every receipt paragraph
    /// is reported missing, by name.
    #[serde(default)]
    receipt: BTreeMap<String, String>,
}

/// The wording of the letter, checked and ready to fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterTemplate {
    text: BTreeMap<String, String>,
    reset: BTreeMap<String, String>,
    receipt: BTreeMap<String, String>,
}

impl LetterTemplate {
    /// Parses and checks the template text (the contents of `letter.toml`).
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let file: TemplateFile =
            toml::from_str(source).map_err(|e| TemplateError::Syntax(e.message().to_owned()))?;
        if let Some(name) = first_missing(&file.text, REQUIRED_PARAGRAPHS) {
            return Err(TemplateError::MissingParagraph(name));
        }
        if let Some(name) = first_missing(&file.reset, RESET_PARAGRAPHS) {
            return Err(TemplateError::MissingResetParagraph(name));
        }
        if let Some(name) = file
            .reset
            .keys()
            .find(|name| !REQUIRED_PARAGRAPHS.contains(&name.as_str()))
        {
            return Err(TemplateError::UnknownResetParagraph(name.clone()));
        }
        check_placeholders(&file.text, "", PLACEHOLDERS)?;
        check_placeholders(&file.reset, "reset.", PLACEHOLDERS)?;
        if let Some(name) = first_missing(&file.receipt, RECEIPT_PARAGRAPHS) {
            return Err(TemplateError::MissingReceiptParagraph(name));
        }
        if let Some(name) = file
            .receipt
            .keys()
            .find(|name| !RECEIPT_PARAGRAPHS.contains(&name.as_str()))
        {
            return Err(TemplateError::UnknownReceiptParagraph(name.clone()));
        }
        check_placeholders(&file.receipt, "receipt.", RECEIPT_PLACEHOLDERS)?;
        Ok(Self {
            text: file.text,
            reset: file.reset,
            receipt: file.receipt,
        })
    }

    /// The unfilled wording of the receipt's paragraph `name`.
    pub fn receipt_paragraph(&self, name: &str) -> Option<&str> {
        self.receipt.get(name).map(String::as_str)
    }

    /// The receipt's paragraph `name` with its placeholders filled from `vars`.
    pub(crate) fn fill_receipt(&self, name: &str, vars: &Vars) -> String {
        fill(self.receipt_paragraph(name).unwrap_or(""), vars)
    }

    /// The unfilled wording of paragraph `name` for a letter about
    /// `procedure`: a reset's own wording when `[reset]` has one, else the
    /// `[text]` paragraph.
    pub fn paragraph(&self, procedure: Procedure, name: &str) -> Option<&str> {
        let own = match procedure {
            Procedure::Change => None,
            Procedure::Reset => self.reset.get(name),
        };
        own.or_else(|| self.text.get(name)).map(String::as_str)
    }

    /// The `[text]` paragraph `name` with its placeholders filled from `vars`.
    #[cfg(test)]
    pub(crate) fn fill(&self, name: &str, vars: &Vars) -> String {
        self.fill_for(Procedure::Change, name, vars)
    }

    /// The paragraph `name` of a letter about `procedure` (see
    /// [`LetterTemplate::paragraph`]) with its placeholders filled from `vars`.
    pub(crate) fn fill_for(&self, procedure: Procedure, name: &str, vars: &Vars) -> String {
        fill(self.paragraph(procedure, name).unwrap_or(""), vars)
    }
}

/// `body` with each `{placeholder}` replaced by its value in `vars`.
fn fill(body: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(body.len() + 32);
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').unwrap_or(after.len());
        out.push_str(vars.get(&after[..close]));
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

fn first_missing(
    table: &BTreeMap<String, String>,
    required: &[&'static str],
) -> Option<&'static str> {
    required
        .iter()
        .copied()
        .find(|name| !table.contains_key(*name))
}

/// Checks every placeholder of `table` against `known`; errors name a
/// paragraph as `{prefix}{name}`.
fn check_placeholders(
    table: &BTreeMap<String, String>,
    prefix: &str,
    known: &[&str],
) -> Result<(), TemplateError> {
    for (name, body) in table {
        let paragraph = || format!("{prefix}{name}");
        for placeholder in
            placeholders(body).map_err(|()| TemplateError::UnclosedPlaceholder(paragraph()))?
        {
            if !known.contains(&placeholder) {
                return Err(TemplateError::UnknownPlaceholder {
                    paragraph: paragraph(),
                    placeholder: placeholder.to_owned(),
                });
            }
        }
    }
    Ok(())
}

fn placeholders(body: &str) -> Result<Vec<&str>, ()> {
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or(())?;
        found.push(&after[..close]);
        rest = &after[close + 1..];
    }
    Ok(found)
}

/// Values for the placeholders of one letter.
#[derive(Debug, Default)]
pub(crate) struct Vars {
    values: BTreeMap<&'static str, String>,
}

impl Vars {
    pub fn set(&mut self, name: &'static str, value: impl Into<String>) {
        self.values.insert(name, value.into());
    }

    pub(crate) fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every paragraph `x` (a reset's `r`), with `extra` replacing `why`.
    fn minimal(extra: &str) -> String {
        with_reset(extra, "")
    }

    /// Like [`minimal`], with `reset_extra` replacing the reset's `why`.
    fn with_reset(extra: &str, reset_extra: &str) -> String {
        let mut s = String::from("[text]\n");
        for name in REQUIRED_PARAGRAPHS {
            s.push_str(&format!("{name} = \"x\"\n"));
        }
        let mut s = s.replace("why = \"x\"", extra);
        s.push_str("\n[reset]\n");
        for name in RESET_PARAGRAPHS {
            s.push_str(&format!("{name} = \"r\"\n"));
        }
        let mut s = if reset_extra.is_empty() {
            s
        } else {
            s.replace("why = \"r\"", reset_extra)
        };
        s.push_str(&receipt_table());
        s
    }

    /// A `[receipt]` table with every paragraph `q`.
    fn receipt_table() -> String {
        let mut s = String::from("\n[receipt]\n");
        for name in RECEIPT_PARAGRAPHS {
            s.push_str(&format!("{name} = \"q\"\n"));
        }
        s
    }

    #[test]
    fn placeholders_are_filled_from_the_letter() {
        let t = LetterTemplate::parse(&minimal("why = \"{proxy_name} 様が{applied_on}に申請\""))
            .unwrap();
        let mut vars = Vars::default();
        vars.set("proxy_name", "山田 太郎");
        vars.set("applied_on", "令和8年11月2日");
        assert_eq!(t.fill("why", &vars), "山田 太郎 様が令和8年11月2日に申請");
    }

    #[test]
    fn a_misspelt_placeholder_is_refused_when_the_template_loads() {
        let err = LetterTemplate::parse(&minimal("why = \"{proxy_nmae}\"")).unwrap_err();
        assert_eq!(
            err,
            TemplateError::UnknownPlaceholder {
                paragraph: "why".into(),
                placeholder: "proxy_nmae".into()
            }
        );
    }

    #[test]
    fn a_missing_paragraph_is_named() {
        let src = minimal("why = \"x\"").replace("deadline_note = \"x\"\n", "");
        assert_eq!(
            LetterTemplate::parse(&src).unwrap_err(),
            TemplateError::MissingParagraph("deadline_note")
        );
    }

    #[test]
    fn a_reset_letter_reads_the_reset_wording_and_the_text_where_the_reset_has_none() {
        let t = LetterTemplate::parse(&with_reset(
            "why = \"{proxy_name} 様が変更を申請\"",
            "why = \"{proxy_name} 様が再設定を申請\"",
        ))
        .unwrap();
        let mut vars = Vars::default();
        vars.set("proxy_name", "山田 太郎");
        assert_eq!(
            t.fill_for(Procedure::Reset, "why", &vars),
            "山田 太郎 様が再設定を申請"
        );
        assert_eq!(
            t.fill_for(Procedure::Change, "why", &vars),
            "山田 太郎 様が変更を申請"
        );
        assert_eq!(t.paragraph(Procedure::Reset, "salutation"), Some("x"));
        assert_eq!(t.paragraph(Procedure::Reset, "letter_title"), Some("r"));
        assert_eq!(t.paragraph(Procedure::Change, "letter_title"), Some("x"));
    }

    #[test]
    fn a_missing_reset_paragraph_is_named() {
        let src = minimal("why = \"x\"").replace("pin_note = \"r\"\n", "");
        assert_eq!(
            LetterTemplate::parse(&src).unwrap_err(),
            TemplateError::MissingResetParagraph("pin_note")
        );
    }

    #[test]
    fn a_reset_table_must_say_what_it_does_with_the_forgotten_pin_guidance() {
        let src = minimal("why = \"x\"").replace("forgot_pin = \"r\"\n", "");
        assert_eq!(
            LetterTemplate::parse(&src).unwrap_err(),
            TemplateError::MissingResetParagraph("forgot_pin")
        );
        // Left empty, it is a valid choice: the letter leaves it out.
        let src = minimal("why = \"x\"").replace("forgot_pin = \"r\"", "forgot_pin = \"\"");
        let t = LetterTemplate::parse(&src).unwrap();
        assert_eq!(t.paragraph(Procedure::Reset, "forgot_pin"), Some(""));
        assert_eq!(t.paragraph(Procedure::Change, "forgot_pin"), Some("x"));
    }

    #[test]
    fn a_template_without_a_receipt_table_names_the_first_receipt_paragraph() {
        let src = minimal("why = \"x\"");
        let src = &src[..src.find("[receipt]").unwrap()];
        let err = LetterTemplate::parse(src).unwrap_err();
        assert_eq!(err, TemplateError::MissingReceiptParagraph("title"));
        assert!(err.to_string().contains("[receipt]"), "{err}");
    }

    #[test]
    fn a_receipt_paragraph_the_receipt_never_reads_is_refused() {
        let src = minimal("why = \"x\"") + "adress = \"q\"\n";
        assert_eq!(
            LetterTemplate::parse(&src).unwrap_err(),
            TemplateError::UnknownReceiptParagraph("adress".into())
        );
    }

    #[test]
    fn a_receipt_cannot_ask_for_the_code_or_a_letter_placeholder() {
        // {fingerprint} is a letter's placeholder, not the receipt's; the
        // receipt has none for the code or the address at all.
        for placeholder in ["fingerprint", "verification_code", "address"] {
            let src = minimal("why = \"x\"")
                .replace("intro = \"q\"", &format!("intro = \"{{{placeholder}}}\""));
            assert_eq!(
                LetterTemplate::parse(&src).unwrap_err(),
                TemplateError::UnknownPlaceholder {
                    paragraph: "receipt.intro".into(),
                    placeholder: placeholder.into()
                }
            );
        }
    }

    #[test]
    fn receipt_placeholders_are_filled_from_the_receipt() {
        let src = minimal("why = \"x\"")
            .replace("intro = \"q\"", "intro = \"{proxy_name} 様、{reference}\"");
        let t = LetterTemplate::parse(&src).unwrap();
        let mut vars = Vars::default();
        vars.set("proxy_name", "佐藤 花子");
        vars.set("reference", "R8-000123-4");
        assert_eq!(t.fill_receipt("intro", &vars), "佐藤 花子 様、R8-000123-4");
    }

    #[test]
    fn a_template_without_a_reset_table_names_the_first_reset_paragraph() {
        let src = minimal("why = \"x\"");
        let src = &src[..src.find("[reset]").unwrap()];
        let err = LetterTemplate::parse(src).unwrap_err();
        assert_eq!(err, TemplateError::MissingResetParagraph("letter_title"));
        assert!(err.to_string().contains("[reset]"), "{err}");
    }

    #[test]
    fn a_misspelt_placeholder_in_the_reset_table_is_named_with_its_table() {
        let err =
            LetterTemplate::parse(&with_reset("why = \"x\"", "why = \"{proxy}\"")).unwrap_err();
        assert_eq!(
            err,
            TemplateError::UnknownPlaceholder {
                paragraph: "reset.why".into(),
                placeholder: "proxy".into()
            }
        );
    }

    #[test]
    fn a_reset_paragraph_the_layout_never_reads_is_refused() {
        let src = with_reset("why = \"x\"", "why = \"r\"\nwhy_reset = \"r\"");
        assert_eq!(
            LetterTemplate::parse(&src).unwrap_err(),
            TemplateError::UnknownResetParagraph("why_reset".into())
        );
    }
}
