//! Loading and saving a simulated card's state as JSON: the one place in this
//! crate, outside the transports, that touches the file system.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::sim::{SimError, SimState, SimulatedCard};

/// A state file that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SimFileError {
    #[error("cannot read simulated card {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write simulated card {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("simulated card {path} is not valid JSON: {source}")]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("simulated card {path}: {source}")]
    State { path: PathBuf, source: SimError },
}

/// Reads a simulated card, freshly powered on.
pub fn load(path: &Path) -> Result<SimulatedCard, SimFileError> {
    let text = fs::read_to_string(path).map_err(|source| SimFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    let state: SimState = serde_json::from_str(&text).map_err(|source| SimFileError::Json {
        path: path.to_owned(),
        source,
    })?;
    SimulatedCard::from_state(state).map_err(|source| SimFileError::State {
        path: path.to_owned(),
        source,
    })
}

/// Writes the card's state, replacing the file atomically so a crash never
/// leaves half a card behind.
pub fn save(path: &Path, card: &SimulatedCard) -> Result<(), SimFileError> {
    let write_err = |source| SimFileError::Write {
        path: path.to_owned(),
        source,
    };
    let mut json =
        serde_json::to_string_pretty(card.state()).map_err(|source| SimFileError::Json {
            path: path.to_owned(),
            source,
        })?;
    json.push('\n');
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut file = fs::File::create(&tmp).map_err(write_err)?;
    file.write_all(json.as_bytes()).map_err(write_err)?;
    file.sync_all().map_err(write_err)?;
    fs::rename(&tmp, path).map_err(write_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Card, InitialPins, Pin, PinKind};

    #[test]
    fn a_saved_card_loads_with_the_same_pins_and_counters() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("card.json");
        let p = |kind, s| Pin::parse(kind, s).unwrap();
        let mut card = SimulatedCard::new(
            &InitialPins {
                signature: Some(p(PinKind::Signature, "ABC123")),
                user_auth: p(PinKind::UserAuth, "1234"),
                resident: p(PinKind::Resident, "1234"),
                card_info: p(PinKind::CardInfo, "1234"),
            },
            "file-test",
        )
        .unwrap();
        let _ = Card::new(&mut card).change_pin(
            PinKind::Resident,
            &p(PinKind::Resident, "0000"),
            &p(PinKind::Resident, "1111"),
        );
        save(&path, &card).unwrap();
        let mut loaded = load(&path).unwrap();
        assert_eq!(loaded.state(), card.state());
        assert_eq!(
            Card::new(&mut loaded)
                .pin_status(PinKind::Resident)
                .unwrap()
                .remaining,
            2
        );
    }

    #[test]
    fn a_missing_or_broken_file_is_a_named_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.json");
        assert!(matches!(load(&missing), Err(SimFileError::Read { .. })));
        let broken = dir.path().join("broken.json");
        fs::write(&broken, "{").unwrap();
        assert!(matches!(load(&broken), Err(SimFileError::Json { .. })));
    }
}
