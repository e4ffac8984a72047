//! One value of every workflow refusal, for the tests of whoever words them
//! (this crate's Japanese, the server's pages and API).
//!
//! The `covers_*` functions match every variant with no `_` arm, so adding a
//! variant does not compile until it is listed there, and listing it there is
//! the reminder to add a value of it to the list beside it.

use chrono::NaiveDate;

use crate::case::{
    ApplicationError, CaseState, ChecklistItem, FailureReason, IdHolder, ProofKind, Role,
    TransitionError, WaiverReason, WardKind,
};
use crate::domain::{IdCount, IdRequirement, ReferenceNumber, VerificationCodeError};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 30).expect("a valid example")
}

fn reference() -> ReferenceNumber {
    ReferenceNumber::new(8, 123).expect("a valid example")
}

fn shown() -> IdCount {
    IdCount {
        a: 0,
        b: 1,
        not_accepted: 1,
    }
}

fn covers_transition(e: &TransitionError) {
    match e {
        TransitionError::InvalidTransition { .. }
        | TransitionError::RoleNotPermitted { .. }
        | TransitionError::ReasonRequired { .. }
        | TransitionError::CaseLocked
        | TransitionError::NotLocked
        | TransitionError::ChecklistIncomplete { .. }
        | TransitionError::IdDocumentsShort { .. }
        | TransitionError::CardNotBound
        | TransitionError::CodeMalformed(_)
        | TransitionError::CodeMismatch { .. }
        | TransitionError::SupersededCode { .. }
        | TransitionError::UnmailedCode { .. }
        | TransitionError::NoLetter
        | TransitionError::LetterAlreadyMailed { .. }
        | TransitionError::UnknownLetter { .. }
        | TransitionError::LetterSuperseded { .. }
        | TransitionError::LetterNotMailed { .. }
        | TransitionError::LetterNotPrinted { .. }
        | TransitionError::LetterAlreadyPrinted { .. }
        | TransitionError::PlannedMailingInPast { .. }
        | TransitionError::LetterLimit { .. }
        | TransitionError::LetterTooSoon { .. }
        | TransitionError::DeadlinePassed { .. }
        | TransitionError::DeadlineNotPassed { .. }
        | TransitionError::MailingDateOutOfRange { .. }
        | TransitionError::EntryInFuture
        | TransitionError::EntryBeforeMailing
        | TransitionError::NotSameDay { .. } => {}
    }
}

/// One of each transition refusal (28 variants).
pub fn every_transition_error() -> Vec<TransitionError> {
    let all = vec![
        TransitionError::InvalidTransition {
            state: CaseState::PinSet,
            event: "cancel",
        },
        TransitionError::RoleNotPermitted {
            event: "unlock",
            role: Role::Clerk,
            required: Role::Supervisor,
        },
        TransitionError::ReasonRequired { event: "cancel" },
        TransitionError::CaseLocked,
        TransitionError::NotLocked,
        TransitionError::ChecklistIncomplete {
            missing: ChecklistItem::ALL.to_vec(),
        },
        TransitionError::IdDocumentsShort {
            needed: IdRequirement::parse("A").expect("a valid example"),
            shown: shown(),
        },
        TransitionError::CardNotBound,
        TransitionError::CodeMalformed(VerificationCodeError::WrongLength(3)),
        TransitionError::CodeMismatch {
            attempts: 1,
            remaining: 2,
        },
        TransitionError::SupersededCode {
            letter: 1,
            current: 2,
        },
        TransitionError::UnmailedCode {
            letter: 1,
            attempts: 1,
            remaining: 2,
        },
        TransitionError::NoLetter,
        TransitionError::LetterAlreadyMailed { number: 1 },
        TransitionError::UnknownLetter { number: 4 },
        TransitionError::LetterSuperseded { number: 1 },
        TransitionError::LetterNotMailed { number: 1 },
        TransitionError::LetterNotPrinted { number: 1 },
        TransitionError::LetterAlreadyPrinted { number: 1 },
        TransitionError::PlannedMailingInPast { today: day() },
        TransitionError::LetterLimit { max: 3 },
        TransitionError::LetterTooSoon { earliest: day() },
        TransitionError::DeadlinePassed { deadline: day() },
        TransitionError::DeadlineNotPassed { deadline: day() },
        TransitionError::MailingDateOutOfRange {
            issued_on: day(),
            today: day(),
        },
        TransitionError::EntryInFuture,
        TransitionError::EntryBeforeMailing,
        TransitionError::NotSameDay { applied_on: day() },
    ];
    all.iter().for_each(covers_transition);
    all
}

fn covers_application(e: &ApplicationError) {
    match e {
        ApplicationError::RoleNotPermitted { .. }
        | ApplicationError::SignatureUnder15 { .. }
        | ApplicationError::SignatureForAdultWard
        | ApplicationError::InPersonUnder15 { .. }
        | ApplicationError::ProxyForUnder15 { .. }
        | ApplicationError::ProxyForAdultWard
        | ApplicationError::WardStatusMismatch { .. }
        | ApplicationError::WaiverOnlyUnder15 { .. }
        | ApplicationError::CardHasNoSignatureCertificate
        | ApplicationError::ProxyIsCardholder
        | ApplicationError::MinorWardIsAdult { .. }
        | ApplicationError::ProofKindMismatch { .. }
        | ApplicationError::ProofTooOld { .. }
        | ApplicationError::ProofIssuedInFuture { .. }
        | ApplicationError::WaiverNotApplicable { .. }
        | ApplicationError::BornAfterApplication
        | ApplicationError::ReferenceYearMismatch { .. }
        | ApplicationError::CardHasOpenCase { .. }
        | ApplicationError::NothingToReset { .. }
        | ApplicationError::NotTheCasesCard { .. }
        | ApplicationError::IdDocumentsShort { .. }
        | ApplicationError::TakeOverNotInPerson => {}
    }
}

/// One of each application refusal (22 variants).
pub fn every_application_error() -> Vec<ApplicationError> {
    let all = vec![
        ApplicationError::RoleNotPermitted {
            role: Role::Auditor,
        },
        ApplicationError::SignatureUnder15 { age: 10 },
        ApplicationError::SignatureForAdultWard,
        ApplicationError::InPersonUnder15 { age: 10 },
        ApplicationError::ProxyForUnder15 { age: 10 },
        ApplicationError::ProxyForAdultWard,
        ApplicationError::WardStatusMismatch {
            ward: WardKind::Minor,
            adult_ward: true,
        },
        ApplicationError::WaiverOnlyUnder15 { age: 16 },
        ApplicationError::CardHasNoSignatureCertificate,
        ApplicationError::ProxyIsCardholder,
        ApplicationError::MinorWardIsAdult { age: 20 },
        ApplicationError::ProofKindMismatch {
            ward: WardKind::AdultWard,
            kind: ProofKind::FamilyRegister,
        },
        ApplicationError::ProofTooOld {
            issued_on: day(),
            earliest: day(),
        },
        ApplicationError::ProofIssuedInFuture { issued_on: day() },
        ApplicationError::WaiverNotApplicable {
            ward: WardKind::AdultWard,
            reason: WaiverReason::SameHousehold,
        },
        ApplicationError::BornAfterApplication,
        ApplicationError::ReferenceYearMismatch {
            reference_year: 7,
            application_year: 8,
        },
        ApplicationError::CardHasOpenCase {
            reference: reference(),
        },
        ApplicationError::NothingToReset {
            reference: reference(),
        },
        ApplicationError::NotTheCasesCard {
            reference: reference(),
        },
        ApplicationError::IdDocumentsShort {
            holder: IdHolder::LegalRepresentative,
            needed: IdRequirement::parse("A|B+B").expect("a valid example"),
            shown: shown(),
        },
        ApplicationError::TakeOverNotInPerson,
    ];
    all.iter().for_each(covers_application);
    all
}

fn covers_failure(reason: FailureReason) {
    match reason {
        FailureReason::ResetRequired { .. }
        | FailureReason::CurrentPinWrong { .. }
        | FailureReason::CardNotBound
        | FailureReason::CardError => {}
    }
}

/// Every reason a case can fail for, once each.
pub fn every_failure_reason() -> Vec<FailureReason> {
    use shokai_card::PinKind;
    let all = vec![
        FailureReason::ResetRequired {
            pin: PinKind::Signature,
        },
        FailureReason::CurrentPinWrong {
            pin: PinKind::UserAuth,
        },
        FailureReason::CardNotBound,
        FailureReason::CardError,
    ];
    all.iter().copied().for_each(covers_failure);
    all
}
