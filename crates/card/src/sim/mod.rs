//! `SimulatedCard`: a software My Number Card that decodes the same APDUs as a
//! real one and answers as `shared/domain.md` describes.
//!
//! - Each PIN has its own try counter; 3 (or 5 for `signature`) wrong entries
//!   in a row block it; a correct entry resets the counter.
//! - CHANGE REFERENCE DATA is accepted only after a successful VERIFY of the
//!   same PIN in the same session. Selecting another application or file, or
//!   a power cycle, ends the session.
//! - RESET RETRY COUNTER (`00 2C 02 80`) sets a new PIN and restores the full
//!   try count, blocked or not, with no VERIFY first. A real card accepts it
//!   only from the ward office's J-LIS-connected terminal, after terminal
//!   authentication and under secure messaging, neither of which this crate
//!   implements; the simulated card stands for the card in that counter
//!   terminal and accepts it as it comes.
//! - The card never holds a PIN: its state keeps a salted SHA-256 of each PIN
//!   (random 16-byte salt per PIN, renewed on every change). A 4-digit PIN is
//!   still only 10 000 candidates, so a state file is a test fixture, not a vault.
//! - The resident-registry application is reported to change its PIN with a
//!   JICSAP CHANGE KEY (`80 32`); that is unverified, so the simulator accepts
//!   the ISO CHANGE REFERENCE DATA for all four PINs.

mod cert;

use std::collections::BTreeMap;

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use cert::{CertificateError, auth_certificate_der};

use crate::apdu::{
    AUTH_CERTIFICATE, Application, FileId, Instruction, StatusWord, decode_command, pin_location,
};
use crate::card::{Transport, TransportError};
use crate::pin::Pin;
use crate::pin_kind::PinKind;

/// The ATR the simulated card answers a reset with: T=1, no historical bytes,
/// as reported for My Number Cards (TCK checks out).
pub const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];

/// The persistent state of a simulated card: what survives a power cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimState {
    /// Format version of this structure.
    pub format: u32,
    /// The seed the certificate key was derived from (not secret: test data).
    pub certificate_seed: String,
    /// The user-authentication certificate, DER as hex.
    pub auth_certificate_der: String,
    /// One entry per PIN the card has; `signature` is absent on cards issued
    /// without a signature certificate (minors, adult wards).
    pub pins: BTreeMap<PinKind, StoredPin>,
}

/// A PIN as the simulated card keeps it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPin {
    /// Random per-PIN salt, hex.
    pub salt: String,
    /// SHA-256 over salt, kind code and PIN, hex.
    pub sha256: String,
    /// Wrong entries left before the PIN blocks.
    pub tries_left: u8,
}

impl std::fmt::Debug for StoredPin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredPin")
            .field("tries_left", &self.tries_left)
            .finish_non_exhaustive()
    }
}

const FORMAT: u32 = 1;

impl StoredPin {
    fn new(pin: &Pin) -> StoredPin {
        let mut salt = [0u8; 16];
        rand::rng().fill_bytes(&mut salt);
        StoredPin {
            salt: hex::encode(salt),
            sha256: hex::encode(Self::digest(&salt, pin.kind(), pin.ascii())),
            tries_left: pin.kind().max_tries(),
        }
    }

    fn digest(salt: &[u8], kind: PinKind, ascii: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(salt);
        h.update(kind.code().as_bytes());
        h.update([0]);
        h.update(ascii);
        h.finalize().into()
    }

    fn matches(&self, kind: PinKind, ascii: &[u8]) -> bool {
        let (Ok(salt), Ok(expected)) = (hex::decode(&self.salt), hex::decode(&self.sha256)) else {
            return false;
        };
        bool::from(Self::digest(&salt, kind, ascii).ct_eq(&expected[..]))
    }
}

/// The PINs a new simulated card starts with.
pub struct InitialPins {
    /// `None` for a card issued without a signature certificate.
    pub signature: Option<Pin>,
    pub user_auth: Pin,
    pub resident: Pin,
    pub card_info: Pin,
}

/// A simulated state that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("a {expected} PIN was given where a {got} PIN belongs")]
    WrongKind { expected: PinKind, got: PinKind },
    #[error(transparent)]
    Certificate(#[from] CertificateError),
    #[error("unsupported simulated card format {0} (expected {FORMAT})")]
    Format(u32),
    #[error("the simulated card state is damaged: {0}")]
    Damaged(String),
}

/// What the current session has selected and verified.
#[derive(Debug, Default, Clone, Copy)]
struct Session {
    application: Option<Application>,
    file: Option<FileId>,
    verified: Option<PinKind>,
}

/// A software My Number Card.
#[derive(Debug)]
pub struct SimulatedCard {
    state: SimState,
    certificate: Vec<u8>,
    session: Session,
    revision: u64,
}

impl SimulatedCard {
    /// A new card with these PINs and a certificate derived from `seed`.
    pub fn new(pins: &InitialPins, seed: &str) -> Result<SimulatedCard, SimError> {
        let mut stored = BTreeMap::new();
        let entries = [
            (PinKind::Signature, pins.signature.as_ref()),
            (PinKind::UserAuth, Some(&pins.user_auth)),
            (PinKind::Resident, Some(&pins.resident)),
            (PinKind::CardInfo, Some(&pins.card_info)),
        ];
        for (expected, pin) in entries {
            if let Some(pin) = pin {
                if pin.kind() != expected {
                    return Err(SimError::WrongKind {
                        expected,
                        got: pin.kind(),
                    });
                }
                stored.insert(expected, StoredPin::new(pin));
            }
        }
        let certificate = auth_certificate_der(seed)?;
        Ok(SimulatedCard {
            state: SimState {
                format: FORMAT,
                certificate_seed: seed.to_owned(),
                auth_certificate_der: hex::encode(&certificate),
                pins: stored,
            },
            certificate,
            session: Session::default(),
            revision: 0,
        })
    }

    /// A card restored from saved state, freshly powered on.
    pub fn from_state(state: SimState) -> Result<SimulatedCard, SimError> {
        if state.format != FORMAT {
            return Err(SimError::Format(state.format));
        }
        let certificate = hex::decode(&state.auth_certificate_der)
            .map_err(|e| SimError::Damaged(format!("certificate: {e}")))?;
        for (kind, pin) in &state.pins {
            if pin.tries_left > kind.max_tries() {
                return Err(SimError::Damaged(format!(
                    "{kind} has more tries than allowed"
                )));
            }
        }
        Ok(SimulatedCard {
            state,
            certificate,
            session: Session::default(),
            revision: 0,
        })
    }

    /// The state to persist.
    pub fn state(&self) -> &SimState {
        &self.state
    }

    /// Counts changes to the persistent state since this value was made, so a
    /// caller knows when to save.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Power off and on (or reset): ends the session.
    pub fn power_cycle(&mut self) {
        self.session = Session::default();
    }

    /// Answers one command APDU with response bytes (data, SW1, SW2).
    pub fn process(&mut self, command: &[u8]) -> Vec<u8> {
        match decode_command(command) {
            Ok(instruction) => match self.execute(instruction) {
                Ok(data) => {
                    let mut response = data;
                    response.extend_from_slice(&StatusWord::OK.to_bytes());
                    response
                }
                Err(sw) => sw.to_bytes().to_vec(),
            },
            Err(sw) => sw.to_bytes().to_vec(),
        }
    }

    fn execute(&mut self, instruction: Instruction<'_>) -> Result<Vec<u8>, StatusWord> {
        match instruction {
            Instruction::SelectApplication(aid) => {
                let application = Application::from_aid(aid).ok_or(StatusWord::NOT_FOUND)?;
                self.session = Session {
                    application: Some(application),
                    ..Session::default()
                };
                Ok(Vec::new())
            }
            Instruction::SelectFile(file) => self.select_file(file),
            Instruction::VerifyStatus => {
                let kind = self.current_pin()?;
                let tries = self.stored(kind)?.tries_left;
                match tries {
                    0 => Err(StatusWord::BLOCKED),
                    _ if self.session.verified == Some(kind) => Ok(Vec::new()),
                    n => Err(StatusWord::tries_left(n)),
                }
            }
            Instruction::Verify(ascii) => self.verify(ascii),
            Instruction::ChangeReferenceData(ascii) => self.change(ascii),
            Instruction::ResetRetryCounter(ascii) => self.reset(ascii),
            Instruction::ReadBinary { offset, len } => self.read_binary(offset, len),
        }
    }

    fn select_file(&mut self, file: FileId) -> Result<Vec<u8>, StatusWord> {
        let application = self.session.application.ok_or(StatusWord::NOT_FOUND)?;
        let is_certificate =
            AUTH_CERTIFICATE.application == application && AUTH_CERTIFICATE.file == file;
        let is_pin = self.state.pins.keys().any(|&kind| {
            let location = pin_location(kind);
            location.application == application && location.file == file
        });
        if !is_certificate && !is_pin {
            return Err(StatusWord::NOT_FOUND);
        }
        self.session.file = Some(file);
        self.session.verified = None;
        Ok(Vec::new())
    }

    /// The PIN whose file is selected.
    fn current_pin(&self) -> Result<PinKind, StatusWord> {
        let (Some(application), Some(file)) = (self.session.application, self.session.file) else {
            return Err(StatusWord::NOT_ALLOWED);
        };
        self.state
            .pins
            .keys()
            .copied()
            .find(|&kind| {
                let location = pin_location(kind);
                location.application == application && location.file == file
            })
            .ok_or(StatusWord::NOT_ALLOWED)
    }

    fn stored(&self, kind: PinKind) -> Result<&StoredPin, StatusWord> {
        self.state.pins.get(&kind).ok_or(StatusWord::NOT_FOUND)
    }

    fn stored_mut(&mut self, kind: PinKind) -> Result<&mut StoredPin, StatusWord> {
        self.state.pins.get_mut(&kind).ok_or(StatusWord::NOT_FOUND)
    }

    fn verify(&mut self, ascii: &[u8]) -> Result<Vec<u8>, StatusWord> {
        let kind = self.current_pin()?;
        self.session.verified = None;
        let stored = self.stored(kind)?;
        if stored.tries_left == 0 {
            return Err(StatusWord::BLOCKED);
        }
        let correct = stored.matches(kind, ascii);
        let before = stored.tries_left;
        let stored = self.stored_mut(kind)?;
        if correct {
            stored.tries_left = kind.max_tries();
        } else {
            stored.tries_left -= 1;
        }
        let after = stored.tries_left;
        if after != before {
            self.revision += 1;
        }
        if correct {
            self.session.verified = Some(kind);
            Ok(Vec::new())
        } else {
            Err(StatusWord::tries_left(after))
        }
    }

    fn change(&mut self, ascii: &[u8]) -> Result<Vec<u8>, StatusWord> {
        let kind = self.current_pin()?;
        if self.stored(kind)?.tries_left == 0 {
            return Err(StatusWord::BLOCKED);
        }
        if self.session.verified != Some(kind) {
            return Err(StatusWord::SECURITY_NOT_SATISFIED);
        }
        // The card enforces the same format rules as the software in front of it.
        let text = std::str::from_utf8(ascii).map_err(|_| StatusWord::WRONG_DATA)?;
        let new = Pin::parse(kind, text).map_err(|_| StatusWord::WRONG_DATA)?;
        *self.stored_mut(kind)? = StoredPin::new(&new);
        self.revision += 1;
        Ok(Vec::new())
    }

    /// RESET RETRY COUNTER: a real card wants the J-LIS terminal's
    /// authentication here; the simulated card stands for the counter's
    /// terminal and so takes the reset without it.
    fn reset(&mut self, ascii: &[u8]) -> Result<Vec<u8>, StatusWord> {
        let kind = self.current_pin()?;
        // Format first: a refused reset leaves the old PIN and its counter as they were.
        let text = std::str::from_utf8(ascii).map_err(|_| StatusWord::WRONG_DATA)?;
        let new = Pin::parse(kind, text).map_err(|_| StatusWord::WRONG_DATA)?;
        *self.stored_mut(kind)? = StoredPin::new(&new);
        // A reset proves no knowledge of any PIN, so it opens no verified session.
        self.session.verified = None;
        self.revision += 1;
        Ok(Vec::new())
    }

    fn read_binary(&self, offset: usize, len: usize) -> Result<Vec<u8>, StatusWord> {
        let on_certificate = self.session.application == Some(AUTH_CERTIFICATE.application)
            && self.session.file == Some(AUTH_CERTIFICATE.file);
        if !on_certificate {
            return Err(StatusWord::NOT_ALLOWED);
        }
        if offset >= self.certificate.len() {
            return Err(StatusWord::WRONG_OFFSET);
        }
        let end = (offset + len).min(self.certificate.len());
        Ok(self.certificate[offset..end].to_vec())
    }
}

impl Transport for SimulatedCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.process(command))
    }
}

#[cfg(test)]
mod tests;

/// The matcher of every secret scan (`tests/e2e/secrets.rs`): whole values
/// only, so a PIN inside a random hex salt or hash is not taken for a leak.
#[cfg(test)]
#[allow(dead_code)] // only `assert_secret_absent` is used here
#[path = "../../../../tests/e2e/secrets.rs"]
mod secrets;
