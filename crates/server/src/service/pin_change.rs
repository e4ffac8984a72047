//! The counter PIN change: the PINs typed into the form go to the card in
//! the terminal and are dropped; only the outcome moves the case.
//!
//! Order matters because a PIN change on a card cannot be undone: the
//! workflow is asked first (on the case as read, without committing) whether
//! completing is allowed, including that the card in the terminal is the one
//! bound at intake; only then is the card touched; then the outcome is
//! committed as a transition at the version the clerk read.
//!
//! PINs live only in `shokai_card::Pin` (zeroed on drop, redacted `Debug`)
//! and in the request's `SecretString`s; no error or log line carries them.
//!
//! Every PIN tried on the card is an audit event (`pin_try`: the PIN's kind,
//! the outcome, the tries left), written with the step it led to (PIN set,
//! or failed on a blocked PIN) or on its own (a wrong current PIN moves
//! nothing).

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use shokai_card::{CardError, Pin, PinKind};
use shokai_workflow::{CardFingerprint, Event, FailureReason, PinTry, PinTryOutcome, Procedure};

use super::cases::{CaseView, StoredCase, actor};
use super::error::{PinField, PinsProblem, ServiceError, WrongPin};
use crate::auth::Caller;
use crate::infra::card_terminal::TerminalError;
use crate::state::AppState;

/// One PIN to change, as typed at the counter.
#[derive(Deserialize)]
pub struct PinEntry {
    /// Which PIN.
    pub pin: PinKind,
    /// The current PIN: required by a change, refused by a reset (its form
    /// asks only for the new PINs).
    #[serde(default)]
    pub current: Option<SecretString>,
    /// The new PIN.
    pub new: SecretString,
}

/// What the card said, and where the case went.
#[derive(Debug, Serialize)]
pub struct PinChangeOutcome {
    /// `pin_set`, or `pin_blocked` (the case failed: the PIN needs a reset).
    pub outcome: &'static str,
    /// The case after the step.
    pub case: CaseView,
}

/// One PIN change at the counter: done (PIN set or blocked), or a wrong
/// current PIN the clerk can let the cardholder type again.
#[derive(Debug)]
pub enum Attempt {
    /// The case moved (boxed: a whole case view beside two bytes).
    Done(Box<PinChangeOutcome>),
    /// Nothing moved; the card counts the try.
    WrongPin(WrongPin),
}

/// Changes the case's PINs on the card in the terminal; a wrong current PIN
/// is the API's 422 `wrong_pin`.
pub async fn change(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    entries: Vec<PinEntry>,
) -> Result<PinChangeOutcome, ServiceError> {
    match attempt(state, caller, id, version, entries).await? {
        Attempt::Done(outcome) => Ok(*outcome),
        Attempt::WrongPin(wrong) => Err(wrong.into()),
    }
}

/// Changes the case's PINs on the card in the terminal, answering a wrong
/// current PIN as a typed [`Attempt::WrongPin`] (the web page words it).
#[tracing::instrument(skip_all, fields(case_id = id))]
pub async fn attempt(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    entries: Vec<PinEntry>,
) -> Result<Attempt, ServiceError> {
    let stored = super::cases::load(state, id).await?;
    let pins = parse_entries(entries, stored.core.procedure())?;
    let card = check_before_card(state, caller, &stored, version, &pins).await?;
    let (tries, stopped) = state
        .terminal()
        .with_card(move |c| Ok(try_pins(c, &pins)))
        .await?;
    match stopped {
        None => {
            let event = Event::CompletePinChange { card };
            let case = commit(state, caller, id, version, event, &tries).await?;
            Ok(Attempt::Done(Box::new(PinChangeOutcome {
                outcome: "pin_set",
                case,
            })))
        }
        Some(CardError::PinBlocked { kind } | CardError::WrongPinNowBlocked { kind }) => {
            let event = Event::Fail {
                reason: FailureReason::ResetRequired { pin: kind },
                note: Some("reset required (初期化が必要)".to_owned()),
            };
            let case = commit(state, caller, id, version, event, &tries).await?;
            Ok(Attempt::Done(Box::new(PinChangeOutcome {
                outcome: "pin_blocked",
                case,
            })))
        }
        Some(CardError::WrongPin { kind, remaining }) => {
            record_tries(state, caller, id, &tries).await?;
            Ok(Attempt::WrongPin(WrongPin {
                pin: kind,
                tries_left: remaining,
            }))
        }
        Some(other) => {
            record_tries(state, caller, id, &tries).await?;
            Err(TerminalError::Card(other).into())
        }
    }
}

/// Changes each PIN in turn until one fails: what the card said to each PIN
/// tried, and the failure that stopped the run, if any.
fn try_pins(
    card: &mut shokai_card::Card<&mut dyn shokai_card::Transport>,
    pins: &Parsed,
) -> (Vec<PinTry>, Option<CardError>) {
    let mut tries = Vec::with_capacity(pins.len());
    for (kind, current, new) in pins {
        let tried = |outcome, tries_left| PinTry {
            pin: *kind,
            outcome,
            tries_left,
        };
        let (done, result) = match current {
            Some(current) => (PinTryOutcome::Changed, card.change_pin(*kind, current, new)),
            None => (PinTryOutcome::Reset, card.reset_pin(*kind, new)),
        };
        match result {
            Ok(status) => tries.push(tried(done, status.remaining)),
            Err(e) => {
                match &e {
                    CardError::WrongPin { remaining, .. } => {
                        tries.push(tried(PinTryOutcome::WrongPin, *remaining));
                    }
                    CardError::PinBlocked { .. } | CardError::WrongPinNowBlocked { .. } => {
                        tries.push(tried(PinTryOutcome::Blocked, 0));
                    }
                    _ => {}
                }
                return (tries, Some(e));
            }
        }
    }
    (tries, None)
}

/// `event` on case `id` (read at `version`), with the PIN tries that led to
/// it written just before its own audit event, in one transaction.
async fn commit(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    event: Event,
    tries: &[PinTry],
) -> Result<CaseView, ServiceError> {
    super::cases::apply_after(state, caller, id, version, event, |case, ctx| {
        tries.iter().map(|&t| case.pin_try(t, ctx)).collect()
    })
    .await
}

/// The PIN tries of a run that moved the case nothing.
async fn record_tries(
    state: &AppState,
    caller: &Caller,
    id: i64,
    tries: &[PinTry],
) -> Result<(), ServiceError> {
    if tries.is_empty() {
        return Ok(());
    }
    let now = state.now();
    let ctx = state.context(now, caller.role);
    let case = super::cases::load(state, id).await?.case()?;
    let records: Vec<_> = tries.iter().map(|&t| case.pin_try(t, &ctx)).collect();
    state
        .store()
        .record_case_events(id, &actor(caller), now, &records)
        .await?;
    Ok(())
}

/// Ends case `id` (read at `version`) as `failed`, reason
/// `current_pin_wrong`: the current `pin` given was wrong and the clerk will
/// not guess (every wrong try brings the card nearer the lock). The way on
/// is a reset (初期化).
pub async fn current_pin_wrong(
    state: &AppState,
    caller: &Caller,
    id: i64,
    version: i64,
    pin: PinKind,
) -> Result<CaseView, ServiceError> {
    let case = super::cases::load(state, id).await?.case()?;
    if !case.pins().contains(pin) {
        return Err(ServiceError::PinsNotOfCase(PinsProblem::NotOfCase(pin)));
    }
    let event = Event::Fail {
        reason: FailureReason::CurrentPinWrong { pin },
        note: Some(
            "current PIN unknown: reset required (現在の暗証番号が不明、初期化が必要)".to_owned(),
        ),
    };
    super::cases::apply(state, caller, id, version, event).await
}

/// Each PIN with its current value (a change) or none (a reset), and the new one.
type Parsed = Vec<(PinKind, Option<Pin>, Pin)>;

fn parse_entries(entries: Vec<PinEntry>, procedure: Procedure) -> Result<Parsed, ServiceError> {
    let mut parsed: Parsed = Vec::new();
    for entry in entries {
        let kind = entry.pin;
        if parsed.iter().any(|(k, _, _)| *k == kind) {
            return Err(ServiceError::PinsNotOfCase(PinsProblem::Twice(kind)));
        }
        let format = |which: PinField| {
            move |error| ServiceError::PinFormat {
                pin: kind,
                which,
                error,
            }
        };
        let current = match (procedure.needs_current_pin(), &entry.current) {
            (true, Some(current)) => {
                Some(Pin::parse(kind, current.expose_secret()).map_err(format(PinField::Current))?)
            }
            (true, None) => {
                return Err(ServiceError::PinsNotOfCase(PinsProblem::CurrentMissing(
                    kind,
                )));
            }
            // The clerk never tries a PIN that is not on the form: a reset's
            // form has no current PIN, so none goes to the card.
            (false, Some(_)) => {
                return Err(ServiceError::PinsNotOfCase(PinsProblem::CurrentForReset(
                    kind,
                )));
            }
            (false, None) => None,
        };
        let new = Pin::parse(kind, entry.new.expose_secret()).map_err(format(PinField::New))?;
        parsed.push((kind, current, new));
    }
    if parsed.is_empty() {
        return Err(ServiceError::PinsNotOfCase(PinsProblem::NoPin));
    }
    Ok(parsed)
}

/// Everything that must hold before the card is touched, on the case as
/// read (`stored`); returns the
/// fingerprint of the card in the terminal.
async fn check_before_card(
    state: &AppState,
    caller: &Caller,
    stored: &StoredCase,
    version: i64,
    pins: &Parsed,
) -> Result<CardFingerprint, ServiceError> {
    if stored.version != version {
        return Err(ServiceError::VersionConflict { case_id: stored.id });
    }
    let card = super::cases::fingerprint_in_terminal(state).await?;
    let case = stored.case()?;
    for kind in case.core().pins().iter() {
        if !pins.iter().any(|(k, _, _)| *k == kind) {
            return Err(ServiceError::PinsNotOfCase(PinsProblem::Missing(kind)));
        }
    }
    // Dry run: would completing be allowed (state, role, same day, card)?
    let ctx = state.context(state.now(), caller.role);
    case.apply(Event::CompletePinChange { card: card.clone() }, &ctx)?;
    Ok(card)
}
