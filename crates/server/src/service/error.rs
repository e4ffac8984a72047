//! The services' one error type: what went wrong, in the domain's words.
//!
//! Services never speak HTTP. Each refusal is a typed variant (wrapping the
//! workflow's, the store's and the card terminal's own errors where they
//! come from there); the API maps them to status codes and stable `code`s
//! once, in `api/error.rs`, and the pages word them in Japanese by variant,
//! in `web/messages.rs`. Anything that is not a refusal a person can act on
//! (a failing database, a bug) is [`ServiceError::Internal`]: logged, never
//! shown.

use chrono::{DateTime, NaiveDate, Utc};
use shokai_card::{CardError, PinError, PinKind};
use shokai_store::{StoreError, StoredCase};
use shokai_workflow::{ApplicationError, TransitionError};

use crate::infra::card_terminal::TerminalError;

/// Why a service refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No (live) session for the token given.
    #[error("log in first")]
    Unauthenticated,
    /// Wrong username or password (deliberately not saying which).
    #[error("the username or password is wrong")]
    BadCredentials,
    /// Too many failed attempts for this name, reference or address; the
    /// next try is accepted after `retry_after_secs` seconds.
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooManyRequests {
        /// Seconds until the block ends (at least 1).
        retry_after_secs: u64,
    },
    /// Nothing by that id or reference.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for, e.g. "case 12".
        what: String,
    },
    /// A value given to the service breaks a rule (`field` names it as a
    /// path into the request, e.g. `from`, `state`).
    #[error("{field}: {message}")]
    Invalid {
        /// The offending field.
        field: String,
        /// What is wrong with it, for the API and logs.
        message: String,
        /// What is wrong with it in Japanese, for the pages; without it the
        /// page names the field and asks to check it.
        message_ja: Option<String>,
    },
    /// A character the letter font cannot print, in a field the inquiry
    /// letter prints (the name or address as typed at intake).
    #[error("{field}: the letter cannot print '{ch}' (U+{:04X}); use the standard characters of the resident record", u32::from(*.ch))]
    Unprintable {
        /// The intake field, as a path into the request.
        field: &'static str,
        /// The character.
        ch: char,
    },
    /// An application the workflow refuses to open.
    #[error(transparent)]
    Application(ApplicationError),
    /// A step the workflow refuses on the case as it is; nothing was written.
    #[error(transparent)]
    Transition(TransitionError),
    /// A refusal the workflow records (a wrong code counts towards the
    /// lock): committed, with the case as it is afterwards.
    #[error("{error}")]
    Refused {
        /// What was refused.
        error: TransitionError,
        /// The case after the recorded refusal.
        case: Box<StoredCase>,
    },
    /// The case changed since the caller read it.
    #[error("case {case_id} was changed by someone else: reload it and try again")]
    VersionConflict {
        /// The case.
        case_id: i64,
    },
    /// A unique value already exists.
    #[error("{what} already exists")]
    Duplicate {
        /// What, e.g. "user".
        what: &'static str,
    },
    /// The case's personal data was purged; it cannot be shown or changed.
    #[error("case {case_id} has had its personal data purged")]
    Purged {
        /// The case.
        case_id: i64,
    },
    /// Closing a batch with no letter waiting.
    #[error("no issued letter is waiting for a batch")]
    BatchEmpty,
    /// The batch was mailed before.
    #[error("print batch {batch_id} was already mailed on {mailed_on}")]
    BatchAlreadyMailed {
        /// The batch.
        batch_id: i64,
        /// Its post date.
        mailed_on: NaiveDate,
    },
    /// The print file held every code of the batch and was deleted when the
    /// batch was mailed; it will not come back.
    #[error(
        "the print file of batch {batch_id} was discarded when the batch was mailed (it held the codes)"
    )]
    PrintFileDiscarded {
        /// The batch.
        batch_id: i64,
    },
    /// No letter waiting for the batch could be printed; this one (the
    /// first) names why. The letters keep waiting, without a code.
    #[error("letter {letter} of {reference} cannot be printed ({reason})")]
    LetterUnprintable {
        /// The case's reference.
        reference: String,
        /// The letter's number.
        letter: i64,
        /// Stable code of the reason (`unprintable_character`, …).
        reason: &'static str,
    },
    /// A PIN typed at the counter breaks its kind's format (never echoed).
    #[error("the {which} {pin} PIN: {error}")]
    PinFormat {
        /// Which PIN.
        pin: PinKind,
        /// The current or the new one.
        which: PinField,
        /// The rule it breaks.
        error: PinError,
    },
    /// The PIN change named no PIN, or not the case's PINs.
    #[error("{0}")]
    PinsNotOfCase(PinsProblem),
    /// The card refused the current PIN; the case is unchanged.
    #[error("the current {} PIN is wrong: {} tries left", .0.pin, .0.tries_left)]
    WrongPin(WrongPin),
    /// This server has no card terminal.
    #[error("this server has no card terminal (SHOKAI_CARD_TERMINAL)")]
    TerminalUnavailable,
    /// The card in the terminal cannot be read.
    #[error("the card in the terminal cannot be read: {0}")]
    CardUnreadable(CardError),
    /// A bug or a failing dependency. Logged, never shown.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Which of a PIN's two fields at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinField {
    /// The PIN on the card now.
    Current,
    /// The PIN to set.
    New,
}

impl std::fmt::Display for PinField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PinField::Current => "current",
            PinField::New => "new",
        })
    }
}

/// How the PINs sent for a change do not fit the case (never a PIN value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PinsProblem {
    /// No PIN was sent.
    #[error("give at least one PIN")]
    NoPin,
    /// A PIN the case does not change.
    #[error("the case does not change the {0} PIN")]
    NotOfCase(PinKind),
    /// A PIN the case changes was left out.
    #[error("the case includes the {0} PIN: give it too")]
    Missing(PinKind),
    /// One PIN sent twice.
    #[error("the {0} PIN is given twice: give each PIN once")]
    Twice(PinKind),
    /// A change without the current PIN.
    #[error("a change needs the current {0} PIN")]
    CurrentMissing(PinKind),
    /// A reset with a current PIN: the clerk never tries a PIN not on the form.
    #[error("a reset takes no current PIN: give only the new {0} PIN")]
    CurrentForReset(PinKind),
}

impl PinsProblem {
    /// What the clerk reads.
    pub fn message_ja(self) -> String {
        match self {
            PinsProblem::NoPin => "暗証番号を入力してください。".to_owned(),
            PinsProblem::NotOfCase(pin) => {
                format!("この案件では{}を変更しません。", pin.name_ja())
            }
            PinsProblem::Missing(pin) => {
                format!(
                    "この案件では{}も変更します。入力してください。",
                    pin.name_ja()
                )
            }
            PinsProblem::Twice(pin) => {
                format!("{}が二度入力されています。", pin.name_ja())
            }
            PinsProblem::CurrentMissing(pin) => {
                format!("{}：現在の暗証番号を入力してください。", pin.name_ja())
            }
            PinsProblem::CurrentForReset(pin) => format!(
                "{}：初期化では現在の暗証番号は使いません。新しい暗証番号だけを入力してください。",
                pin.name_ja()
            ),
        }
    }
}

/// The card refused a current PIN: `tries_left` tries remain before it blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongPin {
    /// Which PIN.
    pub pin: PinKind,
    /// Tries left on the card.
    pub tries_left: u8,
}

impl ServiceError {
    /// Refused until `until` (a throttle's block), as seen at `now`.
    pub fn too_many_until(until: DateTime<Utc>, now: DateTime<Utc>) -> ServiceError {
        let millis = (until - now).num_milliseconds().max(1);
        ServiceError::TooManyRequests {
            retry_after_secs: u64::try_from((millis + 999) / 1000).unwrap_or(1),
        }
    }

    /// An internal error from any error value.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> ServiceError {
        ServiceError::Internal(Box::new(e))
    }

    /// Bad input in `field`; the pages name the field and ask to check it.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid {
            field: field.into(),
            message: message.into(),
            message_ja: None,
        }
    }

    /// Bad input in `field`, with what the pages say about it.
    pub fn invalid_ja(
        field: impl Into<String>,
        message: impl Into<String>,
        message_ja: impl Into<String>,
    ) -> ServiceError {
        ServiceError::Invalid {
            field: field.into(),
            message: message.into(),
            message_ja: Some(message_ja.into()),
        }
    }

    /// The request field a refusal is about, as a path into the request,
    /// when it is about one (the API names it; the pages put the message
    /// beside it).
    pub fn field(&self) -> Option<String> {
        match self {
            ServiceError::Invalid { field, .. } => Some(field.clone()),
            ServiceError::Unprintable { field, .. } => Some((*field).to_owned()),
            ServiceError::Application(e) => application_field(e).map(str::to_owned),
            ServiceError::Transition(e) | ServiceError::Refused { error: e, .. } => {
                transition_field(e).map(str::to_owned)
            }
            ServiceError::PinFormat { pin, which, .. } => Some(format!("changes.{pin}.{which}")),
            ServiceError::WrongPin(w) => Some(format!("changes.{}.current", w.pin)),
            ServiceError::PinsNotOfCase(_) => Some("changes".to_owned()),
            ServiceError::Unauthenticated
            | ServiceError::BadCredentials
            | ServiceError::TooManyRequests { .. }
            | ServiceError::NotFound { .. }
            | ServiceError::VersionConflict { .. }
            | ServiceError::Duplicate { .. }
            | ServiceError::Purged { .. }
            | ServiceError::BatchEmpty
            | ServiceError::BatchAlreadyMailed { .. }
            | ServiceError::PrintFileDiscarded { .. }
            | ServiceError::LetterUnprintable { .. }
            | ServiceError::TerminalUnavailable
            | ServiceError::CardUnreadable(_)
            | ServiceError::Internal(_) => None,
        }
    }
}

/// The request field a workflow refusal is about (`None`: the case's state).
pub fn transition_field(e: &TransitionError) -> Option<&'static str> {
    match e {
        TransitionError::ReasonRequired { .. } => Some("reason"),
        TransitionError::CodeMalformed(_)
        | TransitionError::CodeMismatch { .. }
        | TransitionError::SupersededCode { .. }
        | TransitionError::UnmailedCode { .. } => Some("code"),
        TransitionError::ChecklistIncomplete { .. } => Some("checklist"),
        TransitionError::IdDocumentsShort { .. } => Some("checklist.proxy_photo_id"),
        TransitionError::MailingDateOutOfRange { .. } => Some("mailed_on"),
        TransitionError::PlannedMailingInPast { .. } => Some("planned_mailing_on"),
        TransitionError::EntryInFuture | TransitionError::EntryBeforeMailing => Some("entered_at"),
        // Listed one by one (no `_`), so a new workflow refusal is placed
        // here deliberately.
        TransitionError::RoleNotPermitted { .. }
        | TransitionError::InvalidTransition { .. }
        | TransitionError::CaseLocked
        | TransitionError::NotLocked
        | TransitionError::CardNotBound
        | TransitionError::NoLetter
        | TransitionError::LetterAlreadyMailed { .. }
        | TransitionError::UnknownLetter { .. }
        | TransitionError::LetterSuperseded { .. }
        | TransitionError::LetterNotMailed { .. }
        | TransitionError::LetterNotPrinted { .. }
        | TransitionError::LetterAlreadyPrinted { .. }
        | TransitionError::LetterLimit { .. }
        | TransitionError::LetterTooSoon { .. }
        | TransitionError::DeadlinePassed { .. }
        | TransitionError::DeadlineNotPassed { .. }
        | TransitionError::NotSameDay { .. } => None,
    }
}

/// The intake field an application rule is about.
pub fn application_field(e: &ApplicationError) -> Option<&'static str> {
    match e {
        ApplicationError::SignatureUnder15 { .. }
        | ApplicationError::SignatureForAdultWard
        | ApplicationError::CardHasNoSignatureCertificate => Some("pins"),
        ApplicationError::BornAfterApplication => Some("cardholder.date_of_birth"),
        ApplicationError::ProofKindMismatch { .. }
        | ApplicationError::ProofTooOld { .. }
        | ApplicationError::ProofIssuedInFuture { .. }
        | ApplicationError::WaiverNotApplicable { .. }
        | ApplicationError::WaiverOnlyUnder15 { .. } => Some("representation.proof"),
        ApplicationError::MinorWardIsAdult { .. } | ApplicationError::WardStatusMismatch { .. } => {
            Some("representation.ward")
        }
        ApplicationError::InPersonUnder15 { .. }
        | ApplicationError::ProxyForUnder15 { .. }
        | ApplicationError::ProxyForAdultWard
        | ApplicationError::ProxyIsCardholder
        | ApplicationError::TakeOverNotInPerson => Some("representation"),
        ApplicationError::IdDocumentsShort { .. } => Some("representation.id_document"),
        ApplicationError::RoleNotPermitted { .. }
        | ApplicationError::ReferenceYearMismatch { .. }
        | ApplicationError::CardHasOpenCase { .. }
        | ApplicationError::NothingToReset { .. }
        | ApplicationError::NotTheCasesCard { .. } => None,
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> ServiceError {
        match e {
            StoreError::VersionConflict { case_id, .. } => {
                ServiceError::VersionConflict { case_id }
            }
            StoreError::NotFound { what } => ServiceError::NotFound { what },
            StoreError::Duplicate { what } => ServiceError::Duplicate { what },
            StoreError::Transition(e) => ServiceError::Transition(e),
            StoreError::Refused { error, case } => ServiceError::Refused { error, case },
            // A reference of the wrong year is the server's mistake, not the clerk's.
            StoreError::Application(e @ ApplicationError::ReferenceYearMismatch { .. }) => {
                ServiceError::internal(e)
            }
            StoreError::Application(e) => ServiceError::Application(e),
            StoreError::Purged { case_id } => ServiceError::Purged { case_id },
            StoreError::BatchAlreadyMailed {
                batch_id,
                mailed_on,
            } => ServiceError::BatchAlreadyMailed {
                batch_id,
                mailed_on,
            },
            other => ServiceError::internal(other),
        }
    }
}

impl From<TransitionError> for ServiceError {
    fn from(e: TransitionError) -> ServiceError {
        ServiceError::Transition(e)
    }
}

impl From<ApplicationError> for ServiceError {
    fn from(e: ApplicationError) -> ServiceError {
        ServiceError::Application(e)
    }
}

impl From<TerminalError> for ServiceError {
    fn from(e: TerminalError) -> ServiceError {
        match e {
            TerminalError::NotConfigured => ServiceError::TerminalUnavailable,
            TerminalError::Card(card) => ServiceError::CardUnreadable(card),
            other => ServiceError::internal(other),
        }
    }
}

impl From<WrongPin> for ServiceError {
    fn from(w: WrongPin) -> ServiceError {
        ServiceError::WrongPin(w)
    }
}

impl From<tokio::task::JoinError> for ServiceError {
    fn from(e: tokio::task::JoinError) -> ServiceError {
        ServiceError::internal(e)
    }
}
