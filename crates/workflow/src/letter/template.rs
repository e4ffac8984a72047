//! The letter's wording, kept outside the code so an office can edit it
//! without recompiling (`templates/letter/letter.toml`).
//!
//! The file is a TOML table `[text]` of named paragraphs with `{placeholders}`.
//! Loading checks that every paragraph the layout needs is present and that
//! every placeholder is one the letter can fill, so a typo in the file fails
//! when the office loads it, not halfway through a print batch.

use std::collections::BTreeMap;

use serde::Deserialize;

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
    "signature_heading",
    "signature_date",
    "signature_name",
    "attorney_heading",
    "attorney",
    "attorney_proxy",
    "attorney_signature",
    "seal_heading",
    "seal",
    "office_use",
    "code_label",
    "reference_label",
    "code_withheld",
    "retained_copy",
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
    "fingerprint",
];

/// A template file that cannot be used, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the letter template is not valid TOML: {0}")]
    Syntax(String),
    #[error("the letter template has no paragraph `{0}`")]
    MissingParagraph(&'static str),
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
}

/// The wording of the letter, checked and ready to fill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterTemplate {
    text: BTreeMap<String, String>,
}

impl LetterTemplate {
    /// Parses and checks the template text (the contents of `letter.toml`).
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let file: TemplateFile =
            toml::from_str(source).map_err(|e| TemplateError::Syntax(e.message().to_owned()))?;
        for name in REQUIRED_PARAGRAPHS {
            if !file.text.contains_key(*name) {
                return Err(TemplateError::MissingParagraph(name));
            }
        }
        for (name, body) in &file.text {
            for placeholder in
                placeholders(body).map_err(|()| TemplateError::UnclosedPlaceholder(name.clone()))?
            {
                if !PLACEHOLDERS.contains(&placeholder) {
                    return Err(TemplateError::UnknownPlaceholder {
                        paragraph: name.clone(),
                        placeholder: placeholder.to_owned(),
                    });
                }
            }
        }
        Ok(Self { text: file.text })
    }

    /// The paragraph `name` with its placeholders filled from `vars`.
    pub(crate) fn fill(&self, name: &str, vars: &Vars) -> String {
        let body = self.text.get(name).map_or("", String::as_str);
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

    fn get(&self, name: &str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal(extra: &str) -> String {
        let mut s = String::from("[text]\n");
        for name in REQUIRED_PARAGRAPHS {
            s.push_str(&format!("{name} = \"x\"\n"));
        }
        s.replace("why = \"x\"", extra)
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
}
