//! Building a letter from the workflow's [`Case`]: the server's way in.

use chrono::NaiveDate;

use super::content::{Addressee, LetterContent};
use super::fonts::LetterFonts;
use crate::{Cardholder, Case, Representation, VerificationCode, WorkflowSettings};

/// A case that cannot have an inquiry letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LetterSourceError {
    #[error("only optional-proxy cases get an inquiry letter")]
    NotOptionalProxy,
    #[error("the case has no issued letter to print")]
    NoLetterIssued,
}

impl LetterContent {
    /// The content of the case's current letter, issued on `issued_on` (a
    /// Japan date) with the freshly generated `code`, which the case itself
    /// only keeps as a digest.
    ///
    /// The deadline is the one `print_letter` fixed for the letter (the
    /// batch's planned mailing date + the deadline days, on an open day),
    /// which the case takes over when the letter is mailed. A letter not yet
    /// printed (a clerk's preview) shows the case's deadline, or the one a
    /// mailing on `issued_on` would give. What the proxy is told to bring
    /// back is the office's `id_proxy_response`.
    pub fn from_case(
        case: &Case,
        settings: &WorkflowSettings,
        code: &VerificationCode,
        issued_on: NaiveDate,
    ) -> Result<Self, LetterSourceError> {
        let Representation::OptionalProxy(proxy) = &case.parties().representation else {
            return Err(LetterSourceError::NotOptionalProxy);
        };
        let letter = case
            .current_letter()
            .ok_or(LetterSourceError::NoLetterIssued)?;
        let cardholder = &case.parties().cardholder;
        let address = &cardholder.address;
        Ok(LetterContent {
            reference: case.reference().to_string(),
            letter_number: letter.number,
            verification_code: code.grouped(),
            issued_on,
            // The deadline the print batch fixed for this letter; for a
            // mailed letter from before that, the case's; before printing
            // (a clerk's preview), the one a mailing on `issued_on` gives.
            deadline: Some(
                letter
                    .deadline
                    .or(letter.mailed_on.and(case.deadline()))
                    .unwrap_or_else(|| {
                        settings
                            .calendar
                            .deadline(issued_on, settings.deadline_days)
                    }),
            ),
            applied_on: case.applied_on(),
            cardholder: Addressee {
                name: cardholder.name.name().to_owned(),
                postal_code: address.postal_code().to_string(),
                address_lines: address_lines(address.prefecture(), address.city(), address.rest()),
            },
            proxy_name: proxy.person.name().to_owned(),
            pins: case.pins().iter().collect(),
            procedure: case.procedure(),
            proxy_documents: settings.id_proxy_response.clone(),
        })
    }
}

impl LetterContent {
    /// The first character of an application that the letter font cannot
    /// print, with the intake field it is in (`cardholder.name.name`, …):
    /// checked at intake, so one unusual character (外字 such as 𠮷) never
    /// stops a print batch later. Only paths that mail a letter print
    /// anything; the others always pass.
    pub fn first_unprintable(
        cardholder: &Cardholder,
        representation: &Representation,
        fonts: &LetterFonts,
    ) -> Option<(&'static str, char)> {
        let Representation::OptionalProxy(proxy) = representation else {
            return None;
        };
        let address = &cardholder.address;
        [
            ("cardholder.name.name", cardholder.name.name()),
            ("cardholder.address.prefecture", address.prefecture()),
            ("cardholder.address.city", address.city()),
            ("cardholder.address.rest", address.rest()),
            ("representation.person.name", proxy.person.name()),
        ]
        .into_iter()
        .find_map(|(field, text)| fonts.first_missing(text).map(|ch| (field, ch)))
    }
}

/// Prefecture and city on one line, then the rest split at its first space
/// (block number, then building and room), as Japanese addresses are written.
fn address_lines(prefecture: &str, city: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    match rest.split_once([' ', '　']) {
        Some((street, building)) if !building.trim().is_empty() => {
            lines.push(format!("{prefecture}{city}{street}"));
            lines.push(building.trim().to_owned());
        }
        _ => lines.push(format!("{prefecture}{city}{}", rest.trim())),
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_building_goes_on_its_own_line() {
        assert_eq!(
            address_lines(
                "東京都",
                "みどり区",
                "神宮前三丁目4番5号 みどりハイツ202号室"
            ),
            vec!["東京都みどり区神宮前三丁目4番5号", "みどりハイツ202号室"]
        );
        assert_eq!(
            address_lines("東京都", "みどり区", "宇田川町1番1号"),
            vec!["東京都みどり区宇田川町1番1号"]
        );
    }
}
