//! The events of a case and the one method per event that decides it.
//!
//! Each method matches every [`CaseState`] explicitly (no catch-all arm), so a
//! new state cannot slip through unconsidered. The order of checks in every
//! method is: is the event possible in this state on this path (else
//! `InvalidTransition`), may this role do it, then the event's own rules.
//!
//! Letters: `issue_letter` queues the next letter (no code yet) and leaves
//! the state alone; `print_letter` is its print batch making it: the freshly
//! generated code's digest and the printed deadline (the batch's planned
//! mailing date + the deadline days, on an open day); `mark_mailed` records
//! the post date, sets the case's deadline to the printed one (later only
//! if the post was late) and moves `applied` to `inquiry_mailed`. A reissued
//! letter supersedes every earlier letter at issue; its mailing resets the
//! deadline.

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde_json::json;
use zeroize::Zeroizing;

use super::audit::{AuditEventKind, AuditRecord, Context, Transition, japan_date};
use super::error::{ChecklistItem, TransitionError};
use super::model::{Case, CaseState, FailureReason, Letter, Path, Role};
use crate::domain::{CardFingerprint, IdCount, IdDocument, ReferenceNumber, VerificationCode};

/// Audit event code of a wrong code entry (the case stays `inquiry_mailed`).
pub const CODE_MISMATCH: &str = "code_mismatch";
/// Longest reason text kept.
pub const MAX_REASON_CHARS: usize = 500;

/// The kinds of event, without their data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    IssueLetter,
    IssueLetterOverride,
    PrintLetter,
    MarkMailed,
    RecordResponse,
    Unlock,
    CompletePinChange,
    Fail,
    Cancel,
    MarkUndeliverable,
    Expire,
    CardholderCameInPerson,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 12] = [
        EventKind::IssueLetter,
        EventKind::IssueLetterOverride,
        EventKind::PrintLetter,
        EventKind::MarkMailed,
        EventKind::RecordResponse,
        EventKind::Unlock,
        EventKind::CompletePinChange,
        EventKind::Fail,
        EventKind::Cancel,
        EventKind::MarkUndeliverable,
        EventKind::Expire,
        EventKind::CardholderCameInPerson,
    ];

    /// Stable snake_case code, used in audit records and the diagrams.
    pub fn code(self) -> &'static str {
        match self {
            EventKind::IssueLetter => "issue_letter",
            EventKind::IssueLetterOverride => "issue_letter_override",
            EventKind::PrintLetter => "print_letter",
            EventKind::MarkMailed => "mark_mailed",
            EventKind::RecordResponse => "record_response",
            EventKind::Unlock => "unlock",
            EventKind::CompletePinChange => "complete_pin_change",
            EventKind::Fail => "fail",
            EventKind::Cancel => "cancel",
            EventKind::MarkUndeliverable => "mark_undeliverable",
            EventKind::Expire => "expire",
            EventKind::CardholderCameInPerson => "cardholder_came_in_person",
        }
    }

    /// Parses [`EventKind::code`].
    pub fn from_code(code: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The name clerks read for this step in a case's history and the audit log.
    pub fn name_ja(self) -> &'static str {
        match self {
            EventKind::IssueLetter => "照会書発行",
            EventKind::IssueLetterOverride => "照会書発行（監督者・理由付き）",
            EventKind::PrintLetter => "照会書印刷",
            EventKind::MarkMailed => "照会書発送",
            EventKind::RecordResponse => "回答書受理",
            EventKind::Unlock => "ロック解除",
            EventKind::CompletePinChange => "暗証番号変更完了",
            EventKind::Fail => "変更不能",
            EventKind::Cancel => "取消",
            EventKind::MarkUndeliverable => "照会書返戻",
            EventKind::Expire => "回答期限切れ",
            EventKind::CardholderCameInPerson => "本人来庁により終了",
        }
    }
}

/// What the clerk checked at the response visit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseChecklist {
    /// The card presented, by fingerprint; `None` if no card was brought.
    pub card_presented: Option<CardFingerprint>,
    /// The proxy's identity document; with [`ResponseChecklist::proxy_second_id`]
    /// it must meet the office's requirement for the second visit
    /// (`WorkflowSettings::id_proxy_response`, by default one from list A).
    pub proxy_photo_id: Option<IdDocument>,
    /// A second document, where the office asks for two.
    pub proxy_second_id: Option<IdDocument>,
    pub response_form_signed: bool,
    pub power_of_attorney_complete: bool,
    pub power_of_attorney_names_proxy: bool,
    pub envelope_sealed: bool,
}

/// A response as entered at the counter.
#[derive(Clone)]
pub struct ResponseEntry {
    /// The code exactly as the clerk typed it from the form.
    pub code: Zeroizing<String>,
    /// When it was entered.
    pub entered_at: DateTime<Utc>,
    pub checklist: ResponseChecklist,
}

impl std::fmt::Debug for ResponseEntry {
    // The typed code is (nearly) the secret from the letter: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseEntry")
            .field("code", &"<redacted>")
            .field("entered_at", &self.entered_at)
            .field("checklist", &self.checklist)
            .finish()
    }
}

impl ResponseEntry {
    /// An entry from what the clerk typed and ticked.
    pub fn new(
        code: &str,
        entered_at: DateTime<Utc>,
        checklist: ResponseChecklist,
    ) -> ResponseEntry {
        ResponseEntry {
            code: Zeroizing::new(code.to_owned()),
            entered_at,
            checklist,
        }
    }
}

/// Something that happens to a case.
#[derive(Debug)]
pub enum Event {
    /// The next letter is queued for the print batch (it has no code yet).
    IssueLetter,
    /// A supervisor issues a letter beyond the letter limits, the gap or the deadline.
    IssueLetterOverride { reason: String },
    /// A print batch makes letter `number` with this freshly generated code
    /// (only its digest is kept), to be mailed on `planned_mailing`.
    PrintLetter {
        number: u8,
        code: VerificationCode,
        planned_mailing: NaiveDate,
    },
    /// The current letter was handed to the post on this Japan date.
    MarkMailed { mailed_on: NaiveDate },
    /// The proxy returned the response form.
    RecordResponse(ResponseEntry),
    /// A supervisor lifts the wrong-code lock.
    Unlock { reason: String },
    /// The new PIN(s) were set on this card.
    CompletePinChange { card: CardFingerprint },
    /// The PIN cannot be set.
    Fail {
        reason: FailureReason,
        note: Option<String>,
    },
    /// A supervisor cancels the case.
    Cancel { reason: String },
    /// Letter `letter` came back undelivered.
    MarkUndeliverable { letter: u8, note: Option<String> },
    /// The response deadline has passed.
    Expire,
    /// The cardholder came in person while this proxy case was open; the
    /// in-person case `in_person_case` takes over (see [`Case::take_over`]).
    CardholderCameInPerson { in_person_case: ReferenceNumber },
}

impl Event {
    /// The event's kind.
    pub fn kind(&self) -> EventKind {
        match self {
            Event::IssueLetter => EventKind::IssueLetter,
            Event::IssueLetterOverride { .. } => EventKind::IssueLetterOverride,
            Event::PrintLetter { .. } => EventKind::PrintLetter,
            Event::MarkMailed { .. } => EventKind::MarkMailed,
            Event::RecordResponse(_) => EventKind::RecordResponse,
            Event::Unlock { .. } => EventKind::Unlock,
            Event::CompletePinChange { .. } => EventKind::CompletePinChange,
            Event::Fail { .. } => EventKind::Fail,
            Event::Cancel { .. } => EventKind::Cancel,
            Event::MarkUndeliverable { .. } => EventKind::MarkUndeliverable,
            Event::Expire => EventKind::Expire,
            Event::CardholderCameInPerson { .. } => EventKind::CardholderCameInPerson,
        }
    }
}

impl Path {
    /// Whether this path mails inquiry letters (only the optional proxy's does).
    pub fn mails_letters(self) -> bool {
        match self {
            Path::OptionalProxy => true,
            Path::InPerson | Path::LegalRepresentative => false,
        }
    }

    /// Whether a case on this path can ever be in `state`.
    pub fn has_state(self, state: CaseState) -> bool {
        match state {
            CaseState::Applied | CaseState::PinSet | CaseState::Failed | CaseState::Cancelled => {
                true
            }
            CaseState::InquiryMailed
            | CaseState::ResponseReturned
            | CaseState::Undeliverable
            | CaseState::Expired => self.mails_letters(),
        }
    }
}

use CaseState as S;
use EventKind as E;

const SAME_DAY_MACHINE: &[(CaseState, EventKind, CaseState)] = &[
    (S::Applied, E::CompletePinChange, S::PinSet),
    (S::Applied, E::Fail, S::Failed),
    (S::Applied, E::Cancel, S::Cancelled),
];

const PROXY_MACHINE: &[(CaseState, EventKind, CaseState)] = &[
    (S::Applied, E::IssueLetter, S::Applied),
    (S::Applied, E::IssueLetterOverride, S::Applied),
    (S::Applied, E::PrintLetter, S::Applied),
    (S::Applied, E::MarkMailed, S::InquiryMailed),
    (S::Applied, E::Cancel, S::Cancelled),
    (S::InquiryMailed, E::IssueLetter, S::InquiryMailed),
    (S::InquiryMailed, E::IssueLetterOverride, S::InquiryMailed),
    (S::InquiryMailed, E::PrintLetter, S::InquiryMailed),
    (S::InquiryMailed, E::MarkMailed, S::InquiryMailed),
    (S::InquiryMailed, E::RecordResponse, S::ResponseReturned),
    (S::InquiryMailed, E::Unlock, S::InquiryMailed),
    (S::InquiryMailed, E::MarkUndeliverable, S::Undeliverable),
    (S::InquiryMailed, E::Expire, S::Expired),
    (S::InquiryMailed, E::Cancel, S::Cancelled),
    (S::ResponseReturned, E::CompletePinChange, S::PinSet),
    (S::ResponseReturned, E::Fail, S::Failed),
    (S::ResponseReturned, E::Cancel, S::Cancelled),
    (S::Applied, E::CardholderCameInPerson, S::Cancelled),
    (S::InquiryMailed, E::CardholderCameInPerson, S::Cancelled),
    (S::ResponseReturned, E::CardholderCameInPerson, S::Cancelled),
];

impl Path {
    /// The documented machine of this path as `(from, event, to)`, for menus
    /// and documentation. The event methods decide on their own; tests keep
    /// this table, the methods and the README diagrams equal.
    pub fn transitions(self) -> &'static [(CaseState, EventKind, CaseState)] {
        match self {
            Path::InPerson | Path::LegalRepresentative => SAME_DAY_MACHINE,
            Path::OptionalProxy => PROXY_MACHINE,
        }
    }
}

impl Case {
    /// The events the machine offers in the current state (before role,
    /// limits, deadlines and the lock are checked), e.g. to show buttons.
    pub fn next_events(&self) -> Vec<EventKind> {
        let state = self.core.state;
        self.core
            .path
            .transitions()
            .iter()
            .filter(|(from, _, _)| *from == state)
            .map(|(_, e, _)| *e)
            .collect()
    }
}

/// Why an entered code did not let the response in, when it counts.
#[derive(Debug, Clone, Copy)]
enum CodeMiss {
    /// It is no letter's code.
    NoLetter,
    /// It is the current letter's, which was not mailed yet.
    Unmailed { letter: u8 },
}

/// A successful step's audit fields, before the state is applied.
struct Step {
    event: AuditEventKind,
    to: CaseState,
    reason: Option<String>,
    details: serde_json::Value,
    personal: Option<serde_json::Value>,
}

impl Case {
    /// Applies `event`; on success returns the new case and its audit record.
    /// The case itself is not changed: persist `Transition::case`.
    pub fn apply(&self, event: Event, ctx: &Context<'_>) -> Result<Transition, TransitionError> {
        match event {
            Event::IssueLetter => self.issue_letter(None, ctx),
            Event::IssueLetterOverride { reason } => self.issue_letter(Some(reason), ctx),
            Event::PrintLetter {
                number,
                code,
                planned_mailing,
            } => self.print_letter(number, code, planned_mailing, ctx),
            Event::MarkMailed { mailed_on } => self.mark_mailed(mailed_on, ctx),
            Event::RecordResponse(entry) => self.record_response(entry, ctx),
            Event::Unlock { reason } => self.unlock(reason, ctx),
            Event::CompletePinChange { card } => self.complete_pin_change(&card, ctx),
            Event::Fail { reason, note } => self.fail(reason, note, ctx),
            Event::Cancel { reason } => self.cancel(reason, ctx),
            Event::MarkUndeliverable { letter, note } => self.mark_undeliverable(letter, note, ctx),
            Event::Expire => self.expire(ctx),
            Event::CardholderCameInPerson { in_person_case } => {
                self.cardholder_came_in_person(in_person_case, ctx)
            }
        }
    }

    fn guard(&self, allowed_here: bool, kind: EventKind) -> Result<(), TransitionError> {
        if allowed_here && self.core.path.has_state(self.core.state) {
            Ok(())
        } else {
            Err(TransitionError::InvalidTransition {
                state: self.core.state,
                event: kind.code(),
            })
        }
    }

    fn finish(&self, ctx: &Context<'_>, step: Step, change: impl FnOnce(&mut Case)) -> Transition {
        let mut case = self.clone();
        change(&mut case);
        case.core.state = step.to;
        if step.to.is_final() {
            case.core.closed_at = Some(ctx.now);
        }
        let audit = AuditRecord {
            event: step.event.code(),
            role: ctx.role,
            reason: step.reason,
            from: Some(self.core.state),
            to: step.to,
            details: step.details,
            personal: step.personal,
        };
        Transition { case, audit }
    }

    fn issue_letter(
        &self,
        override_reason: Option<String>,
        ctx: &Context<'_>,
    ) -> Result<Transition, TransitionError> {
        let kind = if override_reason.is_some() {
            EventKind::IssueLetterOverride
        } else {
            EventKind::IssueLetter
        };
        self.guard(self.takes_letters(), kind)?;
        let reason = match override_reason {
            Some(r) => {
                require_role(ctx, kind, Role::Supervisor)?;
                Some(reason_text(kind, &r)?)
            }
            None => {
                require_role(ctx, kind, Role::Clerk)?;
                self.check_letter_limits(ctx)?;
                None
            }
        };
        let number = u8::try_from(self.core.letters.len() + 1).unwrap_or(u8::MAX);
        let step = Step {
            event: AuditEventKind::Step(kind),
            to: self.core.state,
            reason,
            details: json!({ "letter": number }),
            personal: None,
        };
        Ok(self.finish(ctx, step, |case| {
            for old in case
                .core
                .letters
                .iter_mut()
                .filter(|l| l.superseded_at.is_none())
            {
                old.superseded_at = Some(ctx.now);
            }
            case.core.letters.push(Letter {
                number,
                digest: None,
                issued_at: ctx.now,
                printed_at: None,
                deadline: None,
                mailed_on: None,
                superseded_at: None,
            });
        }))
    }

    /// The print batch makes the current letter: its code's digest and the
    /// deadline it prints. Only a queued letter can be printed, once.
    fn print_letter(
        &self,
        number: u8,
        code: VerificationCode,
        planned_mailing: NaiveDate,
        ctx: &Context<'_>,
    ) -> Result<Transition, TransitionError> {
        let kind = EventKind::PrintLetter;
        self.guard(self.takes_letters(), kind)?;
        // A clerk closes a batch by hand; the cut-off job closes it as the system.
        if ctx.role != Role::System {
            require_role(ctx, kind, Role::Clerk)?;
        }
        let letter = self
            .core
            .letters
            .iter()
            .find(|l| l.number == number)
            .ok_or(TransitionError::UnknownLetter { number })?;
        if letter.superseded_at.is_some() {
            return Err(TransitionError::LetterSuperseded { number });
        }
        if !letter.awaits_print() {
            return Err(TransitionError::LetterAlreadyPrinted { number });
        }
        let today = ctx.today();
        if planned_mailing < today {
            return Err(TransitionError::PlannedMailingInPast { today });
        }
        let digest = ctx.keyring.digest(&code);
        drop(code);
        let deadline = ctx
            .settings
            .calendar
            .deadline(planned_mailing, ctx.settings.deadline_days);
        let step = Step {
            event: AuditEventKind::Step(kind),
            to: self.core.state,
            reason: None,
            details: json!({
                "letter": number,
                "key_id": digest.key_id,
                "planned_mailing": planned_mailing,
                "deadline": deadline,
            }),
            personal: None,
        };
        Ok(self.finish(ctx, step, |case| {
            if let Some(l) = case.core.letters.iter_mut().find(|l| l.number == number) {
                l.digest = Some(digest);
                l.printed_at = Some(ctx.now);
                l.deadline = Some(deadline);
            }
        }))
    }

    /// Whether letters can be issued, printed and mailed now: on a path that
    /// mails them, before the response is in (a reissue while waiting for
    /// it included).
    fn takes_letters(&self) -> bool {
        let before_response = match self.core.state {
            CaseState::Applied | CaseState::InquiryMailed => true,
            CaseState::ResponseReturned
            | CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => false,
        };
        before_response && self.core.path.mails_letters()
    }

    /// The usual limits on letters: how many, how far apart, and not after the deadline.
    fn check_letter_limits(&self, ctx: &Context<'_>) -> Result<(), TransitionError> {
        let today = ctx.today();
        let max = ctx.settings.max_letters;
        if self.core.letters.len() >= usize::from(max) {
            return Err(TransitionError::LetterLimit { max });
        }
        if let Some(last) = self.core.letters.last() {
            let gap = Days::new(u64::from(ctx.settings.min_letter_gap_days));
            let earliest = japan_date(last.issued_at)
                .checked_add_days(gap)
                .unwrap_or(NaiveDate::MAX);
            if today < earliest {
                return Err(TransitionError::LetterTooSoon { earliest });
            }
        }
        match self.core.deadline {
            Some(deadline) if today > deadline => Err(TransitionError::DeadlinePassed { deadline }),
            Some(_) | None => Ok(()),
        }
    }

    fn mark_mailed(
        &self,
        mailed_on: NaiveDate,
        ctx: &Context<'_>,
    ) -> Result<Transition, TransitionError> {
        let kind = EventKind::MarkMailed;
        self.guard(self.takes_letters(), kind)?;
        // The print room posts the letters and records it; clerks may too.
        if ctx.role != Role::Printer {
            require_role(ctx, kind, Role::Clerk)?;
        }
        let letter = self
            .core
            .current_letter()
            .ok_or(TransitionError::NoLetter)?;
        if letter.mailed_on.is_some() {
            return Err(TransitionError::LetterAlreadyMailed {
                number: letter.number,
            });
        }
        if !letter.has_code() {
            return Err(TransitionError::LetterNotPrinted {
                number: letter.number,
            });
        }
        let made = letter.printed_at.unwrap_or(letter.issued_at);
        let (issued_on, today) = (japan_date(made), ctx.today());
        if mailed_on < issued_on || mailed_on > today {
            return Err(TransitionError::MailingDateOutOfRange { issued_on, today });
        }
        // The printed deadline stands; a late post only moves it later, so
        // the cardholder never has less time than the letter says.
        let from_post = ctx
            .settings
            .calendar
            .deadline(mailed_on, ctx.settings.deadline_days);
        let deadline = letter
            .deadline
            .map_or(from_post, |printed| printed.max(from_post));
        let number = letter.number;
        let step = Step {
            event: AuditEventKind::Step(kind),
            to: CaseState::InquiryMailed,
            reason: None,
            details: json!({ "letter": number, "mailed_on": mailed_on, "deadline": deadline }),
            personal: None,
        };
        Ok(self.finish(ctx, step, |case| {
            case.core.deadline = Some(deadline);
            if let Some(l) = case.core.letters.iter_mut().find(|l| l.number == number) {
                l.mailed_on = Some(mailed_on);
            }
        }))
    }

    fn record_response(
        &self,
        entry: ResponseEntry,
        ctx: &Context<'_>,
    ) -> Result<Transition, TransitionError> {
        let kind = EventKind::RecordResponse;
        let allowed = match self.core.state {
            CaseState::InquiryMailed => true,
            CaseState::Applied
            | CaseState::ResponseReturned
            | CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => false,
        };
        self.guard(allowed, kind)?;
        require_role(ctx, kind, Role::Clerk)?;
        if self.core.locked {
            return Err(TransitionError::CaseLocked);
        }
        if entry.entered_at > ctx.now {
            return Err(TransitionError::EntryInFuture);
        }
        if let Some(deadline) = self.core.deadline
            && japan_date(entry.entered_at) > deadline
        {
            return Err(TransitionError::DeadlinePassed { deadline });
        }
        let letter = self
            .core
            .current_letter()
            .ok_or(TransitionError::NoLetter)?;
        // A back-dated entry must not slip a late response under the deadline.
        if letter
            .mailed_on
            .is_some_and(|mailed| japan_date(entry.entered_at) < mailed)
        {
            return Err(TransitionError::EntryBeforeMailing);
        }
        let photo_id = self.check_checklist(&entry.checklist, ctx)?;
        let code = VerificationCode::parse(&entry.code).map_err(TransitionError::CodeMalformed)?;
        // Which letter printed this code, if any: only the newest, once mailed, counts.
        let printed_on = self.core.letters.iter().find(|l| {
            l.digest
                .as_ref()
                .is_some_and(|d| ctx.keyring.verify(&code, d))
        });
        let at = entry.entered_at;
        Ok(match printed_on {
            Some(l) if l.number == letter.number && l.mailed_on.is_some() => {
                self.accept_response(letter.number, photo_id, at, ctx)
            }
            Some(l) if l.number == letter.number => {
                self.count_wrong_code(CodeMiss::Unmailed { letter: l.number }, at, ctx)
            }
            Some(l) => self.superseded_code(l.number, letter.number, at, ctx),
            None => self.count_wrong_code(CodeMiss::NoLetter, at, ctx),
        })
    }

    /// Every missing item is named; a card that is present but not the bound
    /// card is refused on its own.
    fn check_checklist(
        &self,
        c: &ResponseChecklist,
        ctx: &Context<'_>,
    ) -> Result<IdDocument, TransitionError> {
        let shown = IdCount::of(c.proxy_photo_id.iter().chain(&c.proxy_second_id));
        let photo_id = c
            .proxy_photo_id
            .as_ref()
            .filter(|_| ctx.settings.id_proxy_response.met_by(shown));
        let missing: Vec<ChecklistItem> = [
            (c.card_presented.is_some(), ChecklistItem::CardPresented),
            (photo_id.is_some(), ChecklistItem::ProxyPhotoId),
            (c.response_form_signed, ChecklistItem::ResponseFormSigned),
            (
                c.power_of_attorney_complete,
                ChecklistItem::PowerOfAttorneyComplete,
            ),
            (
                c.power_of_attorney_names_proxy,
                ChecklistItem::PowerOfAttorneyNamesProxy,
            ),
            (c.envelope_sealed, ChecklistItem::EnvelopeSealed),
        ]
        .into_iter()
        .filter_map(|(ok, item)| (!ok).then_some(item))
        .collect();
        match (photo_id, &c.card_presented) {
            (Some(id), Some(card)) if missing.is_empty() => {
                if *card == self.core.card_fingerprint {
                    Ok(id.clone())
                } else {
                    Err(TransitionError::CardNotBound)
                }
            }
            // Documents were shown but fall short, and nothing else is
            // missing: say what the office needs.
            (None, Some(_))
                if missing == [ChecklistItem::ProxyPhotoId] && c.proxy_photo_id.is_some() =>
            {
                Err(TransitionError::IdDocumentsShort {
                    needed: ctx.settings.id_proxy_response.clone(),
                    shown,
                })
            }
            (Some(_) | None, Some(_) | None) => {
                Err(TransitionError::ChecklistIncomplete { missing })
            }
        }
    }

    fn accept_response(
        &self,
        letter: u8,
        photo_id: IdDocument,
        at: DateTime<Utc>,
        ctx: &Context<'_>,
    ) -> Transition {
        let step = Step {
            event: AuditEventKind::Step(EventKind::RecordResponse),
            to: CaseState::ResponseReturned,
            reason: None,
            details: json!({ "letter": letter, "entered_at": at }),
            personal: Some(json!({ "proxy_photo_id": photo_id })),
        };
        self.finish(ctx, step, |case| {
            case.core.response_at = Some(at);
            case.parties.response_id_document = Some(photo_id);
        })
    }

    /// A code that does not let the response in and counts towards the lock:
    /// no letter's code, or the code of a letter not yet mailed.
    fn count_wrong_code(&self, miss: CodeMiss, at: DateTime<Utc>, ctx: &Context<'_>) -> Transition {
        let attempts = self.core.wrong_code_attempts.saturating_add(1);
        let max = ctx.settings.max_wrong_codes;
        let locked = attempts >= max;
        let (event, letter) = match miss {
            CodeMiss::NoLetter => (AuditEventKind::CodeMismatch, None),
            CodeMiss::Unmailed { letter } => (AuditEventKind::UnmailedCode, Some(letter)),
        };
        let step = Step {
            event,
            to: CaseState::InquiryMailed,
            reason: None,
            details: json!({
                "attempts": attempts,
                "remaining": max.saturating_sub(attempts),
                "locked": locked,
                "letter": letter,
                "entered_at": at,
            }),
            personal: None,
        };
        self.finish(ctx, step, |case| {
            case.core.wrong_code_attempts = attempts;
            case.core.locked = locked;
        })
    }

    /// The code of a letter a newer one replaced: recorded for the audit
    /// trail, not counted (the cardholder may hold both letters and used the
    /// older form by mistake).
    fn superseded_code(
        &self,
        letter: u8,
        current: u8,
        at: DateTime<Utc>,
        ctx: &Context<'_>,
    ) -> Transition {
        let step = Step {
            event: AuditEventKind::SupersededCode,
            to: CaseState::InquiryMailed,
            reason: None,
            details: json!({ "letter": letter, "current": current, "entered_at": at }),
            personal: None,
        };
        self.finish(ctx, step, |_| {})
    }

    fn unlock(&self, reason: String, ctx: &Context<'_>) -> Result<Transition, TransitionError> {
        let kind = EventKind::Unlock;
        let allowed = match self.core.state {
            CaseState::InquiryMailed => true,
            CaseState::Applied
            | CaseState::ResponseReturned
            | CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => false,
        };
        self.guard(allowed, kind)?;
        require_role(ctx, kind, Role::Supervisor)?;
        let reason = reason_text(kind, &reason)?;
        if !self.core.locked {
            return Err(TransitionError::NotLocked);
        }
        let step = Step {
            event: AuditEventKind::Step(kind),
            to: self.core.state,
            reason: Some(reason),
            details: json!({ "attempts_cleared": self.core.wrong_code_attempts }),
            personal: None,
        };
        Ok(self.finish(ctx, step, |case| {
            case.core.locked = false;
            case.core.wrong_code_attempts = 0;
        }))
    }

    /// Whether the case is where its PIN change happens: right after the
    /// application on the same-day paths (本人, 法定代理人), after the accepted
    /// response on the optional-proxy path. Exactly there the machine offers
    /// `complete_pin_change` and `fail`; a clerk page uses it to offer the card
    /// terminal.
    ///
    /// Only the state and the path decide; [`Case::apply`] still checks the
    /// role, that a same-day case is finished on its application day, and the
    /// card.
    pub fn ready_for_pin_change(&self) -> bool {
        let mails = self.core.path.mails_letters();
        match self.core.state {
            CaseState::Applied => !mails,
            CaseState::ResponseReturned => mails,
            CaseState::InquiryMailed
            | CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => false,
        }
    }

    fn check_same_day(&self, ctx: &Context<'_>) -> Result<(), TransitionError> {
        if !self.core.path.mails_letters() && ctx.today() != self.core.applied_on {
            return Err(TransitionError::NotSameDay {
                applied_on: self.core.applied_on,
            });
        }
        Ok(())
    }

    fn complete_pin_change(
        &self,
        card: &CardFingerprint,
        ctx: &Context<'_>,
    ) -> Result<Transition, TransitionError> {
        let kind = EventKind::CompletePinChange;
        self.guard(self.ready_for_pin_change(), kind)?;
        require_role(ctx, kind, Role::Clerk)?;
        self.check_same_day(ctx)?;
        if *card != self.core.card_fingerprint {
            return Err(TransitionError::CardNotBound);
        }
        let step = Step {
            event: AuditEventKind::Step(kind),
            to: CaseState::PinSet,
            reason: None,
            details: json!({ "pins": self.core.pins.codes() }),
            personal: None,
        };
        Ok(self.finish(ctx, step, |_| {}))
    }

    fn fail(
        &self,
        reason: FailureReason,
        note: Option<String>,
        ctx: &Context<'_>,
    ) -> Result<Transition, TransitionError> {
        let kind = EventKind::Fail;
        self.guard(self.ready_for_pin_change(), kind)?;
        require_role(ctx, kind, Role::Clerk)?;
        self.check_same_day(ctx)?;
        let note = note.map(|n| reason_text(kind, &n)).transpose()?;
        let step = Step {
            event: AuditEventKind::Step(kind),
            to: CaseState::Failed,
            reason: Some(note.unwrap_or_else(|| reason.code().to_owned())),
            details: json!({ "failure": reason }),
            personal: None,
        };
        Ok(self.finish(ctx, step, |case| case.core.failure = Some(reason)))
    }

    fn cancel(&self, reason: String, ctx: &Context<'_>) -> Result<Transition, TransitionError> {
        let kind = EventKind::Cancel;
        let allowed = match self.core.state {
            CaseState::Applied | CaseState::InquiryMailed | CaseState::ResponseReturned => true,
            CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => false,
        };
        self.guard(allowed, kind)?;
        require_role(ctx, kind, Role::Supervisor)?;
        let reason = reason_text(kind, &reason)?;
        let step = Step {
            event: AuditEventKind::Step(kind),
            to: CaseState::Cancelled,
            reason: Some(reason),
            details: json!({}),
            personal: None,
        };
        Ok(self.finish(ctx, step, |_| {}))
    }

    fn cardholder_came_in_person(
        &self,
        in_person_case: ReferenceNumber,
        ctx: &Context<'_>,
    ) -> Result<Transition, TransitionError> {
        let kind = EventKind::CardholderCameInPerson;
        let allowed = match self.core.state {
            CaseState::Applied | CaseState::InquiryMailed | CaseState::ResponseReturned => {
                self.core.path == Path::OptionalProxy
            }
            CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => false,
        };
        self.guard(allowed, kind)?;
        require_role(ctx, kind, Role::Clerk)?;
        let step = Step {
            event: AuditEventKind::Step(kind),
            to: CaseState::Cancelled,
            reason: Some("本人来庁".to_owned()),
            details: json!({ "taken_over_by": in_person_case.to_string() }),
            personal: None,
        };
        Ok(self.finish(ctx, step, |_| {}))
    }

    fn mark_undeliverable(
        &self,
        number: u8,
        note: Option<String>,
        ctx: &Context<'_>,
    ) -> Result<Transition, TransitionError> {
        let kind = EventKind::MarkUndeliverable;
        let allowed = match self.core.state {
            CaseState::InquiryMailed => true,
            CaseState::Applied
            | CaseState::ResponseReturned
            | CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => false,
        };
        self.guard(allowed, kind)?;
        require_role(ctx, kind, Role::Clerk)?;
        let letter = self.core.letters.iter().find(|l| l.number == number);
        let letter = letter.ok_or(TransitionError::UnknownLetter { number })?;
        if letter.superseded_at.is_some() {
            return Err(TransitionError::LetterSuperseded { number });
        }
        if letter.mailed_on.is_none() {
            return Err(TransitionError::LetterNotMailed { number });
        }
        let reason = note.map(|n| reason_text(kind, &n)).transpose()?;
        let step = Step {
            event: AuditEventKind::Step(kind),
            to: CaseState::Undeliverable,
            reason,
            details: json!({ "letter": number, "returned_on": ctx.today() }),
            personal: None,
        };
        Ok(self.finish(ctx, step, |_| {}))
    }

    fn expire(&self, ctx: &Context<'_>) -> Result<Transition, TransitionError> {
        let kind = EventKind::Expire;
        let allowed = match self.core.state {
            CaseState::InquiryMailed => true,
            CaseState::Applied
            | CaseState::ResponseReturned
            | CaseState::PinSet
            | CaseState::Cancelled
            | CaseState::Undeliverable
            | CaseState::Expired
            | CaseState::Failed => false,
        };
        self.guard(allowed, kind)?;
        // The expiry job acts as the system; a clerk may record it by hand.
        if ctx.role != Role::System {
            require_role(ctx, kind, Role::Clerk)?;
        }
        let deadline = self.core.deadline.ok_or(TransitionError::NoLetter)?;
        if ctx.today() <= deadline {
            return Err(TransitionError::DeadlineNotPassed { deadline });
        }
        let step = Step {
            event: AuditEventKind::Step(kind),
            to: CaseState::Expired,
            reason: None,
            details: json!({ "deadline": deadline }),
            personal: None,
        };
        Ok(self.finish(ctx, step, |_| {}))
    }
}

/// Clerk-level events are open to supervisors too; supervisor events only to supervisors.
fn require_role(ctx: &Context<'_>, kind: EventKind, required: Role) -> Result<(), TransitionError> {
    let ok = match required {
        Role::Clerk => matches!(ctx.role, Role::Clerk | Role::Supervisor),
        Role::Supervisor => ctx.role == Role::Supervisor,
        Role::Auditor => ctx.role == Role::Auditor,
        Role::Printer => ctx.role == Role::Printer,
        Role::System => ctx.role == Role::System,
    };
    if ok {
        Ok(())
    } else {
        Err(TransitionError::RoleNotPermitted {
            event: kind.code(),
            role: ctx.role,
            required,
        })
    }
}

fn reason_text(kind: EventKind, text: &str) -> Result<String, TransitionError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(TransitionError::ReasonRequired { event: kind.code() });
    }
    Ok(t.chars()
        .filter(|c| !c.is_control())
        .take(MAX_REASON_CHARS)
        .collect())
}
