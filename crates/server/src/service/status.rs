//! The proxies' public status lookup: a reference number and the last four
//! digits of the proxy's telephone number give whether the inquiry letter
//! has been mailed (and when), the response deadline, and what to bring to
//! the second visit — nothing else.
//!
//! What it never reveals: names, addresses, the path, the code, the letter
//! count, or any state beyond three answers: `not_mailed` (the letter has
//! not gone out yet), `mailed` (it has; this also covers a case whose
//! response was already received, since the PIN change at the counter still
//! needs the same documents), and `closed` for every final state — PINs set,
//! cancelled, letter returned, expired, failed all read the same
//! 「この申請の手続は終了しています」 without saying why, because the reason
//! (a returned letter, a cancellation) is the cardholder's business, not
//! something to show whoever holds a letter and a phone number.
//!
//! Every mismatch — unknown reference, wrong digits, malformed input, a case
//! without a proxy or whose proxy gave no telephone number, personal data
//! already purged — is the same [`ServiceError::NotFound`], so the answer tells
//! a guesser nothing about which part was wrong. The digits are compared in
//! constant time, and against a dummy value when there is nothing to
//! compare with, so the work done is the same either way.
//!
//! Every failed lookup counts, with growing delays, per (client address,
//! reference), per address and per reference (see [`rate_limit`]): a
//! stranger's failures slow only the stranger, and once a reference has had
//! [`rate_limit::STATUS_REFERENCE`]'s free failures from anywhere, it takes
//! at most about one try a minute, so guessing one case's four digits takes
//! days, during which the refusals show in the logs.

use std::net::IpAddr;

use chrono::NaiveDate;
use serde::Serialize;
use shokai_store::cases;
use shokai_store::throttle::{self, Reservation};
use shokai_workflow::{CaseState, ReferenceNumber, Representation};

use super::error::ServiceError;
use crate::infra::rate_limit;
use crate::state::AppState;

/// What the proxy brings to the second visit (Japanese, shown as a list).
pub const WHAT_TO_BRING: [&str; 3] = [
    "回答書兼委任状（照会書に同封したもの。ご本人が記入・署名し、委任状の欄に代理人を記入して、封筒に入れ封をしたまま）",
    "ご本人のマイナンバーカード",
    "代理人の顔写真付きの本人確認書類（運転免許証、パスポートなど）",
];

/// Where the letter stands, as the proxy may know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterStatus {
    /// Not mailed yet.
    NotMailed,
    /// Mailed; come with what to bring before the deadline.
    Mailed,
    /// The application's procedure has ended (for whatever reason).
    Closed,
}

/// The whole answer to a lookup that matched.
#[derive(Debug, Clone, Serialize)]
pub struct ProxyStatus {
    /// Where the letter stands.
    pub status: LetterStatus,
    /// The post date of the current letter, once mailed.
    pub mailed_on: Option<NaiveDate>,
    /// The last day the response is accepted, once mailed.
    pub deadline: Option<NaiveDate>,
    /// Whether `deadline` is already behind us (Japan date).
    pub deadline_passed: bool,
    /// A sentence for the proxy, in Japanese.
    pub message: &'static str,
    /// What to bring to the second visit (empty once closed).
    pub what_to_bring: Vec<&'static str>,
}

/// What was typed into the form, unparsed.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct StatusQuery {
    /// The reference number on the receipt, e.g. `R8-000123-4`.
    pub reference: String,
    /// The last four digits of the proxy's telephone number.
    pub phone_last4: String,
}

/// The one answer for every mismatch.
pub fn not_found() -> ServiceError {
    ServiceError::NotFound {
        what: "an application with this reference number and telephone number".to_owned(),
    }
}

/// Four ASCII digits from what was typed (full-width digits folded), or `None`.
fn parse_last4(input: &str) -> Option<[u8; 4]> {
    let mut out = [0u8; 4];
    let mut n = 0;
    for c in input.trim().chars() {
        let d = match c {
            '0'..='9' => c,
            '０'..='９' => char::from_u32(u32::from(c) - u32::from('０') + u32::from('0'))?,
            _ => return None,
        };
        *out.get_mut(n)? = u8::try_from(d).ok()?;
        n += 1;
    }
    (n == 4).then_some(out)
}

/// Compares without an early exit, so the time taken does not depend on how
/// many leading digits match. Four bytes do not justify a dependency; the
/// `black_box` keeps the optimiser from reintroducing a short cut.
fn same_digits(a: &[u8; 4], b: &[u8; 4]) -> bool {
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The last four digits of the proxy's telephone number, if the case has a
/// proxy with a telephone number and its personal data is still kept.
fn proxy_last4(stored: &shokai_store::StoredCase) -> Option<[u8; 4]> {
    let parties = stored.parties.as_ref()?;
    let Representation::OptionalProxy(proxy) = &parties.representation else {
        return None;
    };
    let digits = proxy.phone.as_ref()?.digits().as_bytes();
    digits.get(digits.len().checked_sub(4)?..)?.try_into().ok()
}

/// Looks up the status for a proxy at `from`.
#[tracing::instrument(skip_all)]
pub async fn lookup(
    state: &AppState,
    from: IpAddr,
    query: &StatusQuery,
) -> Result<ProxyStatus, ServiceError> {
    let reference = ReferenceNumber::parse(&query.reference).ok();
    let reference_text = reference.as_ref().map(ToString::to_string);
    let keys = rate_limit::status_keys(&from.to_string(), reference_text.as_deref());
    let store = state.store();
    if let Reservation::Refused { until, scope } =
        throttle::reserve(store, &keys, state.now()).await?
    {
        tracing::warn!(scope, "status lookup refused: too many failures");
        return Err(ServiceError::too_many_until(until, state.now()));
    }
    let typed = parse_last4(&query.phone_last4);
    let stored = match &reference {
        Some(reference) => {
            let mut tx = store.read().await?;
            let found = cases::case_by_reference(&mut tx, reference).await?;
            tx.commit().await?;
            found
        }
        None => None,
    };
    let expected = stored.as_ref().and_then(proxy_last4);
    // Always one comparison, against a value no typed input can equal when
    // there is nothing real to compare with.
    let equal = same_digits(&typed.unwrap_or([0xff; 4]), &expected.unwrap_or([0x00; 4]));
    match stored {
        Some(stored) if equal && typed.is_some() && expected.is_some() => {
            throttle::clear(store, &rate_limit::status_keys_cleared_by_success(&keys)).await?;
            Ok(status_of(&stored.core, state.clock().today()))
        }
        _ => Err(not_found()),
    }
}

/// The answer for a case, on `today` (a Japan date).
pub fn status_of(core: &shokai_workflow::CaseCore, today: NaiveDate) -> ProxyStatus {
    let mailed_on = core.current_letter().and_then(|l| l.mailed_on);
    let status = match core.state() {
        CaseState::Applied => LetterStatus::NotMailed,
        CaseState::InquiryMailed | CaseState::ResponseReturned => LetterStatus::Mailed,
        CaseState::PinSet
        | CaseState::Cancelled
        | CaseState::Undeliverable
        | CaseState::Expired
        | CaseState::Failed => LetterStatus::Closed,
    };
    match status {
        LetterStatus::NotMailed => ProxyStatus {
            status,
            mailed_on: None,
            deadline: None,
            deadline_passed: false,
            message: "照会書はまだ発送していません。発送後、ご本人の住所に郵送でお届けします。照会書が届いたら、回答期限までに次のものをお持ちください。",
            what_to_bring: WHAT_TO_BRING.to_vec(),
        },
        LetterStatus::Mailed => {
            let deadline = core.deadline();
            let deadline_passed = deadline.is_some_and(|d| d < today);
            ProxyStatus {
                status,
                mailed_on,
                deadline,
                deadline_passed,
                message: if deadline_passed {
                    "照会書は発送済みですが、回答期限を過ぎています。窓口にお問い合わせください。"
                } else {
                    "照会書をご本人の住所に発送しました。回答期限までに次のものをお持ちのうえ、窓口にお越しください。"
                },
                what_to_bring: WHAT_TO_BRING.to_vec(),
            }
        }
        LetterStatus::Closed => ProxyStatus {
            status,
            mailed_on: None,
            deadline: None,
            deadline_passed: false,
            message: "この申請の手続は終了しています。ご不明な点は窓口にお問い合わせください。",
            what_to_bring: Vec::new(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_digits_are_accepted_half_or_full_width_and_nothing_else() {
        assert_eq!(parse_last4("5678"), Some(*b"5678"));
        assert_eq!(parse_last4(" ５６７８ "), Some(*b"5678"));
        assert_eq!(parse_last4("567"), None);
        assert_eq!(parse_last4("56789"), None);
        assert_eq!(parse_last4("56a8"), None);
        assert_eq!(parse_last4(""), None);
    }

    #[test]
    fn digits_match_only_when_all_four_are_equal() {
        assert!(same_digits(b"5678", b"5678"));
        assert!(!same_digits(b"5678", b"5679"));
        assert!(!same_digits(b"5678", b"1678"));
        assert!(!same_digits(&[0xff; 4], &[0x00; 4]));
    }
}
