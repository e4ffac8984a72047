//! The counter's card terminal: a simulated card file or a PC/SC reader
//! (`SHOKAI_CARD_TERMINAL`). Card I/O is blocking, so every call runs on the
//! blocking pool, one at a time (a reader serves one card).
//!
//! PINs pass through here only inside `shokai_card::Pin` values, which zero
//! themselves on drop and never print; nothing here logs card data.

use std::path::Path;
use std::sync::Arc;

use shokai_card::{Card, CardError, CertificateFingerprint, Transport, sim_file};
use tokio::sync::Mutex;

use crate::settings::CardTerminal;

/// Why the terminal could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum TerminalError {
    /// The server has no terminal configured.
    #[error("this server has no card terminal (SHOKAI_CARD_TERMINAL)")]
    NotConfigured,
    /// The card said no, or could not be reached.
    #[error(transparent)]
    Card(#[from] CardError),
    /// The simulated card file could not be read or written.
    #[error("simulated card file: {0}")]
    SimFile(#[from] sim_file::SimFileError),
    /// The blocking task died.
    #[error("card task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The terminal, shareable between requests.
#[derive(Debug, Clone)]
pub struct Terminal {
    kind: Arc<std::sync::Mutex<Option<CardTerminal>>>,
    busy: Arc<Mutex<()>>,
}

impl Terminal {
    /// The terminal of the settings (`None`: no terminal).
    pub fn new(kind: Option<CardTerminal>) -> Terminal {
        Terminal {
            kind: Arc::new(std::sync::Mutex::new(kind)),
            busy: Arc::new(Mutex::new(())),
        }
    }

    /// Puts another simulated card (or reader) in place of the one
    /// configured: `shokai demo load` opens each demo case with its own card.
    pub fn insert(&self, kind: CardTerminal) {
        *self.lock() = Some(kind);
    }

    fn current(&self) -> Option<CardTerminal> {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<CardTerminal>> {
        // Nothing half-written can be left by a panic: the value is replaced whole.
        self.kind
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The fingerprint of the card in the terminal (no PIN needed).
    pub async fn fingerprint(&self) -> Result<CertificateFingerprint, TerminalError> {
        self.with_card(|card| card.auth_certificate_fingerprint())
            .await
    }

    /// What an application needs from the card in the terminal, read in one
    /// go with no PIN: its fingerprint, and whether it holds a signature
    /// certificate.
    pub async fn read_card(&self) -> Result<(CertificateFingerprint, bool), TerminalError> {
        self.with_card(|card| {
            let fingerprint = card.auth_certificate_fingerprint()?;
            Ok((fingerprint, card.holds_signature_certificate()?))
        })
        .await
    }

    /// Runs `f` on the card in the terminal, on the blocking pool. A
    /// simulated card is saved afterwards when its state changed, also when
    /// `f` failed (a wrong PIN has spent a try).
    pub async fn with_card<R, F>(&self, f: F) -> Result<R, TerminalError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Card<&mut dyn Transport>) -> Result<R, CardError> + Send + 'static,
    {
        let _turn = self.busy.lock().await;
        let kind = self.current().ok_or(TerminalError::NotConfigured)?;
        tokio::task::spawn_blocking(move || match kind {
            CardTerminal::Simulated(path) => on_simulated(&path, f),
            CardTerminal::Pcsc(reader) => on_reader(&reader, f),
        })
        .await?
    }
}

fn on_simulated<R>(
    path: &Path,
    f: impl FnOnce(&mut Card<&mut dyn Transport>) -> Result<R, CardError>,
) -> Result<R, TerminalError> {
    let mut sim = sim_file::load(path)?;
    let before = sim.revision();
    let result = f(&mut Card::new(&mut sim as &mut dyn Transport));
    if sim.revision() != before {
        sim_file::save(path, &sim)?;
    }
    Ok(result?)
}

#[cfg(feature = "pcsc")]
fn on_reader<R>(
    reader: &str,
    f: impl FnOnce(&mut Card<&mut dyn Transport>) -> Result<R, CardError>,
) -> Result<R, TerminalError> {
    let mut transport = shokai_card::pcsc_transport::PcscTransport::connect(Some(reader))
        .map_err(CardError::from)?;
    Ok(f(&mut Card::new(&mut transport as &mut dyn Transport))?)
}

#[cfg(not(feature = "pcsc"))]
fn on_reader<R>(
    _reader: &str,
    _f: impl FnOnce(&mut Card<&mut dyn Transport>) -> Result<R, CardError>,
) -> Result<R, TerminalError> {
    Err(CardError::from(shokai_card::TransportError::NoReader(
        "this shokai was built without PC/SC support (build with --features pcsc)".to_owned(),
    ))
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_copy(dir: &tempfile::TempDir) -> std::path::PathBuf {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fixtures/cards/cardholder.json");
        let dst = dir.path().join("card.json");
        std::fs::copy(src, &dst).unwrap();
        dst
    }

    #[tokio::test]
    async fn the_simulated_terminal_reads_the_fixture_cards_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let terminal = Terminal::new(Some(CardTerminal::Simulated(fixture_copy(&dir))));

        let fingerprint = terminal.fingerprint().await.unwrap();

        assert_eq!(
            fingerprint.to_string(),
            "160752ed45d023edfd4171ed74a5d7fd5c358b906f387cd97d3636a505326648"
        );
    }

    #[tokio::test]
    async fn a_server_without_a_terminal_says_so() {
        let terminal = Terminal::new(None);
        assert!(matches!(
            terminal.fingerprint().await,
            Err(TerminalError::NotConfigured)
        ));
    }
}
