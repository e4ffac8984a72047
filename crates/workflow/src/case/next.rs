//! What comes next on a case: the step the office takes, or waits for.
//!
//! The case page points the clerk at it (照会書を発行 → 発送バッチ → 回答受付
//! → 暗証番号の変更), so a clerk never has to know the procedure by heart.

use super::model::{CaseCore, CaseState, Path};

/// The next step of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// An optional-proxy case with no valid letter: issue one.
    IssueLetter,
    /// The letter waits for the next print batch to be closed and printed.
    CloseBatch,
    /// The letter is printed; the print room posts it and marks it mailed.
    MarkMailed,
    /// The letter is out: the proxy brings back the response form.
    RecordResponse,
    /// A supervisor must unlock the case after too many wrong codes.
    Unlock,
    /// The counter changes (or resets) the PINs on the card.
    ChangePins,
    /// The case is over.
    Done,
}

impl CaseCore {
    /// The next step of this case.
    pub fn next_step(&self) -> NextStep {
        match self.state() {
            CaseState::Applied if self.path() != Path::OptionalProxy => NextStep::ChangePins,
            CaseState::Applied | CaseState::InquiryMailed if self.is_locked() => NextStep::Unlock,
            // A reissued letter goes through the batch again before a
            // response to it can come back.
            CaseState::Applied | CaseState::InquiryMailed => match self.current_letter() {
                None => NextStep::IssueLetter,
                Some(letter) if letter.awaits_print() => NextStep::CloseBatch,
                Some(letter) if letter.mailed_on.is_none() => NextStep::MarkMailed,
                Some(_) => NextStep::RecordResponse,
            },
            CaseState::ResponseReturned => NextStep::ChangePins,
            CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => NextStep::Done,
        }
    }
}
