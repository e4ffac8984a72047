//! Cases that follow another:
//! - a cardholder who comes to the counter in person while their proxy's
//!   case is open: the proxy case ends (本人来庁) and an in-person case for
//!   the same card opens in its place; both audit records name the other;
//! - a change that ended on a blocked or forgotten PIN: a reset case for the
//!   same cardholder, representation and card, for that PIN, naming the
//!   failed case.

use super::audit::{Context, Transition};
use super::error::{ApplicationError, TransitionError};
use super::events::Event;
use super::model::{Case, Representation};
use super::open::Application;
use crate::domain::{CardFingerprint, PinSet, Procedure, ReferenceNumber};

/// The two steps of a takeover, to commit together.
#[derive(Debug, Clone)]
pub struct TakeOver {
    /// The proxy case, now cancelled with reason 本人来庁.
    pub closed: Transition,
    /// The in-person case that takes its place.
    pub opened: Transition,
}

/// Why a takeover is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TakeOverError {
    /// The open case cannot end this way (not a proxy case, already
    /// closed, or the role may not).
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The in-person application itself is refused.
    #[error(transparent)]
    Application(#[from] ApplicationError),
}

impl Case {
    /// Ends this optional-proxy case because its cardholder came in person,
    /// and opens `application` (the cardholder's own, for the same card)
    /// as case `reference` in its place.
    pub fn take_over(
        &self,
        application: Application,
        reference: ReferenceNumber,
        ctx: &Context<'_>,
    ) -> Result<TakeOver, TakeOverError> {
        if application.representation != Representation::InPerson {
            return Err(ApplicationError::TakeOverNotInPerson.into());
        }
        if application.card_fingerprint != self.core.card_fingerprint {
            return Err(TransitionError::CardNotBound.into());
        }
        let closed = self.apply(
            Event::CardholderCameInPerson {
                in_person_case: reference,
            },
            ctx,
        )?;
        // The proxy case is closed by `closed`, so the card has no other open case.
        let mut opened = Case::open(application, reference, None, ctx)?;
        if let Some(details) = opened.audit.details.as_object_mut() {
            details.insert(
                "takes_over".to_owned(),
                self.core.reference.to_string().into(),
            );
        }
        Ok(TakeOver { closed, opened })
    }
}

impl Case {
    /// The reset case that follows this failed change, for the card now in
    /// the terminal (`card`, and whether it holds a signature certificate):
    /// the same cardholder and representation, the PIN that blocked or was
    /// forgotten, procedure reset. `open_case_for_card` as for
    /// [`Case::open`].
    pub fn open_reset(
        &self,
        card: CardFingerprint,
        card_has_signature_certificate: bool,
        reference: ReferenceNumber,
        open_case_for_card: Option<ReferenceNumber>,
        ctx: &Context<'_>,
    ) -> Result<Transition, ApplicationError> {
        let pin = self
            .core
            .pin_to_reset()
            .ok_or(ApplicationError::NothingToReset {
                reference: self.core.reference,
            })?;
        if card != self.core.card_fingerprint {
            return Err(ApplicationError::NotTheCasesCard {
                reference: self.core.reference,
            });
        }
        let application = Application {
            cardholder: self.parties.cardholder.clone(),
            representation: self.parties.representation.clone(),
            pins: PinSet::new([pin]).map_err(|_| ApplicationError::NothingToReset {
                reference: self.core.reference,
            })?,
            procedure: Procedure::Reset,
            card_fingerprint: card,
            card_has_signature_certificate,
        };
        let mut opened = Case::open(application, reference, open_case_for_card, ctx)?;
        if let Some(details) = opened.audit.details.as_object_mut() {
            details.insert("follows".to_owned(), self.core.reference.to_string().into());
        }
        Ok(opened)
    }
}
