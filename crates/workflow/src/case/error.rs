//! Why a step was refused. Every variant has a stable `code()` for the API;
//! the `Display` text is for logs and developers, the clerk UI maps codes to
//! Japanese.

use chrono::NaiveDate;

use super::model::{CaseState, ProofKind, Role, WaiverReason, WardKind};
use crate::domain::{IdCount, IdRequirement, ReferenceNumber, VerificationCodeError};

/// An item of the response-visit checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistItem {
    /// The card was presented (its fingerprint read).
    CardPresented,
    /// The proxy showed the identity documents the office requires for the
    /// second visit (by default one photo document from list A).
    ProxyPhotoId,
    /// The response form is signed by the cardholder.
    ResponseFormSigned,
    /// The power-of-attorney section is filled in completely.
    PowerOfAttorneyComplete,
    /// The power of attorney names this proxy.
    PowerOfAttorneyNamesProxy,
    /// The response form came in a sealed envelope.
    EnvelopeSealed,
}

impl ChecklistItem {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            ChecklistItem::CardPresented => "card_presented",
            ChecklistItem::ProxyPhotoId => "proxy_photo_id",
            ChecklistItem::ResponseFormSigned => "response_form_signed",
            ChecklistItem::PowerOfAttorneyComplete => "power_of_attorney_complete",
            ChecklistItem::PowerOfAttorneyNamesProxy => "power_of_attorney_names_proxy",
            ChecklistItem::EnvelopeSealed => "envelope_sealed",
        }
    }

    /// The item as the clerk's checklist names it.
    pub fn name_ja(self) -> &'static str {
        match self {
            ChecklistItem::CardPresented => "カードの提示",
            ChecklistItem::ProxyPhotoId => "代理人の本人確認書類",
            ChecklistItem::ResponseFormSigned => "回答書への本人の署名",
            ChecklistItem::PowerOfAttorneyComplete => "委任状の記入",
            ChecklistItem::PowerOfAttorneyNamesProxy => "委任状の代理人の氏名",
            ChecklistItem::EnvelopeSealed => "封をしたままの持参",
        }
    }
}

/// Why an event was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The event does not apply in this state (or on this path).
    #[error("`{event}` is not allowed when the case is `{state}`")]
    InvalidTransition {
        state: CaseState,
        event: &'static str,
    },
    /// The actor's role may not do this.
    #[error("`{event}` needs the {required} role; the actor is {role}")]
    RoleNotPermitted {
        event: &'static str,
        role: Role,
        required: Role,
    },
    /// A reason must be given.
    #[error("`{event}` needs a reason")]
    ReasonRequired { event: &'static str },
    /// Too many wrong codes: a supervisor must unlock the case first.
    #[error("the case is locked after too many wrong codes; a supervisor must unlock it")]
    CaseLocked,
    /// Unlock on a case that is not locked.
    #[error("the case is not locked")]
    NotLocked,
    /// Checklist items are missing.
    #[error("the response is incomplete: {}", missing.iter().map(|m| m.code()).collect::<Vec<_>>().join(", "))]
    ChecklistIncomplete { missing: Vec<ChecklistItem> },
    /// The proxy's identity documents at the second visit do not meet the
    /// office's requirement (the rest of the checklist is complete).
    #[error("the proxy must show {needed} (lists A/B); shown: {} A, {} B, {} no longer accepted", shown.a, shown.b, shown.not_accepted)]
    IdDocumentsShort {
        needed: IdRequirement,
        shown: IdCount,
    },
    /// The card presented is not the one bound at application.
    #[error("this is not the card the application was made for")]
    CardNotBound,
    /// The code typed cannot be a code from a letter; not counted as an attempt.
    #[error("the code entered is malformed: {0}")]
    CodeMalformed(VerificationCodeError),
    /// The code matches no letter of the case; counted. See `Transition::refusal`.
    #[error("the code does not match the current letter ({attempts} wrong, {remaining} left)")]
    CodeMismatch { attempts: u8, remaining: u8 },
    /// The code is the one printed on a letter a newer letter replaced:
    /// recorded, not counted (the cardholder may well hold both letters).
    #[error(
        "the code is that of letter {letter}, which letter {current} replaced: only the newest letter's code counts"
    )]
    SupersededCode { letter: u8, current: u8 },
    /// The code is the current letter's, but that letter has not been mailed:
    /// nobody outside the office can have read it yet. Recorded and counted.
    #[error(
        "the code is that of letter {letter}, which has not been mailed yet ({attempts} wrong, {remaining} left)"
    )]
    UnmailedCode {
        letter: u8,
        attempts: u8,
        remaining: u8,
    },
    /// No letter to act on.
    #[error("the case has no current letter")]
    NoLetter,
    /// The newest letter was already marked mailed.
    #[error("letter {number} is already marked mailed")]
    LetterAlreadyMailed { number: u8 },
    /// The letter number is not a letter of this case.
    #[error("the case has no letter {number}")]
    UnknownLetter { number: u8 },
    /// The letter was replaced by a newer one.
    #[error("letter {number} was superseded by a newer letter")]
    LetterSuperseded { number: u8 },
    /// The letter was never mailed.
    #[error("letter {number} was never marked mailed")]
    LetterNotMailed { number: u8 },
    /// The letter waits for its print batch: it has no code yet, so it
    /// cannot have been mailed.
    #[error("letter {number} has not been printed yet")]
    LetterNotPrinted { number: u8 },
    /// A print batch already made this letter.
    #[error("letter {number} has already been printed")]
    LetterAlreadyPrinted { number: u8 },
    /// A planned mailing date before today.
    #[error("the planned mailing date must be today ({today}) or later")]
    PlannedMailingInPast { today: NaiveDate },
    /// The usual letter limit is reached; a supervisor may override.
    #[error("the case already has {max} letters")]
    LetterLimit { max: u8 },
    /// Too soon after the previous letter; a supervisor may override.
    #[error("the next letter may be issued on {earliest} at the earliest")]
    LetterTooSoon { earliest: NaiveDate },
    /// The response deadline has passed.
    #[error("the response deadline {deadline} has passed")]
    DeadlinePassed { deadline: NaiveDate },
    /// Expire before the deadline has passed.
    #[error("the response deadline {deadline} has not passed yet")]
    DeadlineNotPassed { deadline: NaiveDate },
    /// A mailing date before the letter was printed (issued, for a letter
    /// from before codes moved to print time), or in the future.
    #[error(
        "a mailing date must lie between the day the letter was printed ({issued_on}) and today {today}"
    )]
    MailingDateOutOfRange {
        issued_on: NaiveDate,
        today: NaiveDate,
    },
    /// A response time in the future.
    #[error("the response cannot be entered with a time in the future")]
    EntryInFuture,
    /// A response time before the current letter was mailed.
    #[error("the response cannot be dated before the letter was mailed")]
    EntryBeforeMailing,
    /// Same-day paths must finish on the day of application.
    #[error(
        "in-person and legal-representative cases finish on the day of application ({applied_on})"
    )]
    NotSameDay { applied_on: NaiveDate },
}

impl TransitionError {
    /// Stable snake_case code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            TransitionError::InvalidTransition { .. } => "invalid_transition",
            TransitionError::RoleNotPermitted { .. } => "role_not_permitted",
            TransitionError::ReasonRequired { .. } => "reason_required",
            TransitionError::CaseLocked => "case_locked",
            TransitionError::NotLocked => "not_locked",
            TransitionError::ChecklistIncomplete { .. } => "checklist_incomplete",
            TransitionError::CardNotBound => "card_not_bound",
            TransitionError::IdDocumentsShort { .. } => "id_documents_short",
            TransitionError::CodeMalformed(_) => "code_malformed",
            TransitionError::CodeMismatch { .. } => "code_mismatch",
            TransitionError::SupersededCode { .. } => "superseded_code",
            TransitionError::UnmailedCode { .. } => "unmailed_code",
            TransitionError::NoLetter => "no_letter",
            TransitionError::LetterAlreadyMailed { .. } => "letter_already_mailed",
            TransitionError::UnknownLetter { .. } => "unknown_letter",
            TransitionError::LetterSuperseded { .. } => "letter_superseded",
            TransitionError::LetterNotMailed { .. } => "letter_not_mailed",
            TransitionError::LetterNotPrinted { .. } => "letter_not_printed",
            TransitionError::LetterAlreadyPrinted { .. } => "letter_already_printed",
            TransitionError::PlannedMailingInPast { .. } => "planned_mailing_in_past",
            TransitionError::LetterLimit { .. } => "letter_limit",
            TransitionError::LetterTooSoon { .. } => "letter_too_soon",
            TransitionError::DeadlinePassed { .. } => "deadline_passed",
            TransitionError::DeadlineNotPassed { .. } => "deadline_not_passed",
            TransitionError::MailingDateOutOfRange { .. } => "mailing_date_out_of_range",
            TransitionError::EntryInFuture => "entry_in_future",
            TransitionError::EntryBeforeMailing => "entry_before_mailing",
            TransitionError::NotSameDay { .. } => "not_same_day",
        }
    }
}

/// Whose identity documents a step checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdHolder {
    /// An optional proxy at the first visit.
    ProxyAtApplication,
    /// An optional proxy returning the response form.
    ProxyAtResponse,
    /// A legal representative.
    LegalRepresentative,
}

impl IdHolder {
    /// Who, in Japanese.
    pub fn name_ja(self) -> &'static str {
        match self {
            IdHolder::ProxyAtApplication => "任意代理人（申請時）",
            IdHolder::ProxyAtResponse => "任意代理人（回答書の持参時）",
            IdHolder::LegalRepresentative => "法定代理人",
        }
    }
}

impl std::fmt::Display for IdHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdHolder::ProxyAtApplication => "proxy at application",
            IdHolder::ProxyAtResponse => "proxy returning the form",
            IdHolder::LegalRepresentative => "legal representative",
        })
    }
}

/// Why an application was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationError {
    /// Only clerks and supervisors register applications.
    #[error("the {role} role cannot register applications")]
    RoleNotPermitted { role: Role },
    /// Under 15 on the application date: no signature certificate exists.
    #[error("a cardholder aged {age} has no signature certificate (under 15)")]
    SignatureUnder15 { age: u32 },
    /// Adult wards have no signature certificate.
    #[error("an adult ward has no signature certificate")]
    SignatureForAdultWard,
    /// A child under 15 applies through a legal representative.
    #[error("a cardholder aged {age} applies through a legal representative")]
    InPersonUnder15 { age: u32 },
    /// A child under 15 cannot be asked by mail to authorise a proxy: the
    /// parent applies as legal representative.
    #[error(
        "a cardholder aged {age} applies through a legal representative, not an optional proxy"
    )]
    ProxyForUnder15 { age: u32 },
    /// An adult ward cannot authorise a proxy: the guardian applies as legal
    /// representative.
    #[error("an adult ward applies through the guardian, not an optional proxy")]
    ProxyForAdultWard,
    /// The representative's ward kind and the cardholder's recorded status
    /// (adult ward or not) disagree.
    #[error(
        "the representative acts for a {ward:?}, but the cardholder is recorded as {}",
        if *adult_ward { "an adult ward" } else { "not an adult ward" }
    )]
    WardStatusMismatch { ward: WardKind, adult_ward: bool },
    /// The proof of authority is waived only for a child under 15 (family
    /// register held by this city, or the relationship on the resident record).
    #[error("the proof can be waived only for a child under 15; the cardholder is {age}")]
    WaiverOnlyUnder15 { age: u32 },
    /// The card in the terminal holds no signature certificate (selecting it
    /// answers 6A 82), so there is no signature PIN to change.
    #[error("the card holds no signature certificate, so it has no signature PIN")]
    CardHasNoSignatureCertificate,
    /// The proxy is the cardholder (same name and date of birth).
    #[error("the proxy appears to be the cardholder")]
    ProxyIsCardholder,
    /// "Minor" chosen for a cardholder of 18 or more.
    #[error("a cardholder aged {age} is not a minor")]
    MinorWardIsAdult { age: u32 },
    /// The certificate does not prove this kind of authority.
    #[error("a {kind:?} does not prove authority over a {ward:?}")]
    ProofKindMismatch { ward: WardKind, kind: ProofKind },
    /// The certificate is older than the validity period.
    #[error("the certificate was issued on {issued_on}; it must be issued on or after {earliest}")]
    ProofTooOld {
        issued_on: NaiveDate,
        earliest: NaiveDate,
    },
    /// The certificate's issue date is after the application date.
    #[error("the certificate's issue date {issued_on} is after the application date")]
    ProofIssuedInFuture { issued_on: NaiveDate },
    /// The waiver does not apply to this kind of ward.
    #[error("{reason:?} cannot waive the proof for a {ward:?}")]
    WaiverNotApplicable {
        ward: WardKind,
        reason: WaiverReason,
    },
    /// The cardholder's date of birth is after the application date.
    #[error("the cardholder's date of birth is after the application date")]
    BornAfterApplication,
    /// The reference's era year is not the application date's.
    #[error(
        "reference year R{reference_year} does not match the application date (R{application_year})"
    )]
    ReferenceYearMismatch {
        reference_year: u8,
        application_year: u8,
    },
    /// The card already has an open case (same certificate fingerprint):
    /// two cases on one card would mail two letters and race at the counter.
    #[error("this card already has an open case, {reference}")]
    CardHasOpenCase { reference: ReferenceNumber },
    /// Only a change that failed on a blocked or forgotten PIN is followed
    /// by a reset.
    #[error(
        "case {reference} did not fail on a blocked or forgotten PIN; there is nothing to reset"
    )]
    NothingToReset { reference: ReferenceNumber },
    /// The card in the terminal is not the card of the case followed.
    #[error("the card in the terminal is not the card of case {reference}")]
    NotTheCasesCard { reference: ReferenceNumber },
    /// The identity documents shown do not meet the office's requirement.
    #[error("the {holder} must show {needed} (lists A/B); shown: {} A, {} B, {} no longer accepted", shown.a, shown.b, shown.not_accepted)]
    IdDocumentsShort {
        holder: IdHolder,
        needed: IdRequirement,
        shown: IdCount,
    },
    /// Taking over a proxy case needs the cardholder's own application.
    #[error("only the cardholder in person can take over a proxy's case")]
    TakeOverNotInPerson,
}

impl ApplicationError {
    /// Stable snake_case code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            ApplicationError::RoleNotPermitted { .. } => "role_not_permitted",
            ApplicationError::SignatureUnder15 { .. } => "signature_under_15",
            ApplicationError::SignatureForAdultWard => "signature_for_adult_ward",
            ApplicationError::InPersonUnder15 { .. } => "in_person_under_15",
            ApplicationError::ProxyForUnder15 { .. } => "proxy_for_under_15",
            ApplicationError::ProxyForAdultWard => "proxy_for_adult_ward",
            ApplicationError::WardStatusMismatch { .. } => "ward_status_mismatch",
            ApplicationError::WaiverOnlyUnder15 { .. } => "waiver_only_under_15",
            ApplicationError::CardHasNoSignatureCertificate => "card_has_no_signature_certificate",
            ApplicationError::ProxyIsCardholder => "proxy_is_cardholder",
            ApplicationError::MinorWardIsAdult { .. } => "minor_ward_is_adult",
            ApplicationError::ProofKindMismatch { .. } => "proof_kind_mismatch",
            ApplicationError::ProofTooOld { .. } => "proof_too_old",
            ApplicationError::ProofIssuedInFuture { .. } => "proof_issued_in_future",
            ApplicationError::WaiverNotApplicable { .. } => "waiver_not_applicable",
            ApplicationError::BornAfterApplication => "born_after_application",
            ApplicationError::ReferenceYearMismatch { .. } => "reference_year_mismatch",
            ApplicationError::CardHasOpenCase { .. } => "card_has_open_case",
            ApplicationError::TakeOverNotInPerson => "take_over_not_in_person",
            ApplicationError::IdDocumentsShort { .. } => "id_documents_short",
            ApplicationError::NothingToReset { .. } => "nothing_to_reset",
            ApplicationError::NotTheCasesCard { .. } => "card_not_bound",
        }
    }
}
