//! The PC/SC transport (feature `pcsc`): a reader reached through pcsc-lite
//! (or WinSCard), for a real card or the simulated card served through vpcd.

use std::ffi::CString;

use crate::card::{Transport, TransportError};

/// A connected card in one PC/SC reader.
pub struct PcscTransport {
    card: pcsc::Card,
    reader: String,
}

fn establish() -> Result<pcsc::Context, TransportError> {
    pcsc::Context::establish(pcsc::Scope::User).map_err(|e| match e {
        pcsc::Error::NoService | pcsc::Error::ServiceStopped => {
            TransportError::NoReader(format!("the PC/SC service (pcscd) is not running: {e}"))
        }
        other => TransportError::Failed(other.to_string()),
    })
}

/// The names of the readers PC/SC knows about.
pub fn list_readers() -> Result<Vec<String>, TransportError> {
    let context = establish()?;
    match context.list_readers_owned() {
        Ok(readers) => Ok(readers
            .into_iter()
            .map(|r| r.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(e) => Err(TransportError::Failed(e.to_string())),
    }
}

/// Picks the reader: an exact name, or the one reader whose name contains
/// `wanted`; with no name, the only reader present.
fn choose_reader(readers: &[String], wanted: Option<&str>) -> Result<String, TransportError> {
    let candidates: Vec<&String> = match wanted {
        Some(name) => match readers.iter().find(|r| r.as_str() == name) {
            Some(exact) => vec![exact],
            None => readers.iter().filter(|r| r.contains(name)).collect(),
        },
        None => readers.iter().collect(),
    };
    match candidates.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(TransportError::NoReader(match wanted {
            Some(name) => format!("no reader named {name:?} (readers: {readers:?})"),
            None => "no card reader is connected".to_owned(),
        })),
        many => Err(TransportError::NoReader(format!(
            "several readers match, name one with --reader: {many:?}"
        ))),
    }
}

impl PcscTransport {
    /// Connects to the card in `reader` (see [`choose_reader`] for matching).
    ///
    /// The connection is exclusive: between VERIFY and CHANGE REFERENCE DATA
    /// no other program may select a file, which would end the verified session.
    pub fn connect(reader: Option<&str>) -> Result<PcscTransport, TransportError> {
        let context = establish()?;
        let readers = list_readers()?;
        let name = choose_reader(&readers, reader)?;
        let c_name = CString::new(name.clone())
            .map_err(|_| TransportError::NoReader(format!("reader name {name:?} contains NUL")))?;
        let card = context
            .connect(&c_name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY)
            .map_err(|e| map_error(e, &name))?;
        Ok(PcscTransport { card, reader: name })
    }

    /// The reader this transport talks through.
    pub fn reader(&self) -> &str {
        &self.reader
    }
}

fn map_error(e: pcsc::Error, reader: &str) -> TransportError {
    match e {
        pcsc::Error::NoSmartcard
        | pcsc::Error::RemovedCard
        | pcsc::Error::UnpoweredCard
        | pcsc::Error::UnresponsiveCard => TransportError::NoCard(reader.to_owned()),
        pcsc::Error::UnknownReader
        | pcsc::Error::ReaderUnavailable
        | pcsc::Error::NoReadersAvailable
        | pcsc::Error::NoService
        | pcsc::Error::ServiceStopped => TransportError::NoReader(format!("{reader}: {e}")),
        pcsc::Error::SharingViolation => {
            TransportError::Failed(format!("{reader} is in use by another program"))
        }
        other => TransportError::Failed(format!("{reader}: {other}")),
    }
}

impl Transport for PcscTransport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let mut buffer = [0u8; pcsc::MAX_BUFFER_SIZE];
        let response = self
            .card
            .transmit(command, &mut buffer)
            .map_err(|e| map_error(e, &self.reader))?;
        Ok(response.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_are_chosen_by_exact_name_or_a_unique_part() {
        let readers = vec![
            "Virtual PCD 00 00".to_owned(),
            "Virtual PCD 00 01".to_owned(),
        ];
        assert_eq!(
            choose_reader(&readers, Some("Virtual PCD 00 01")).unwrap(),
            "Virtual PCD 00 01"
        );
        assert_eq!(
            choose_reader(&readers, Some("00 00")).unwrap(),
            "Virtual PCD 00 00"
        );
        assert!(matches!(
            choose_reader(&readers, Some("Virtual")),
            Err(TransportError::NoReader(_))
        ));
        assert!(matches!(
            choose_reader(&readers, None),
            Err(TransportError::NoReader(_))
        ));
        assert!(matches!(
            choose_reader(&[], None),
            Err(TransportError::NoReader(_))
        ));
        assert_eq!(
            choose_reader(&readers[..1], None).unwrap(),
            "Virtual PCD 00 00"
        );
    }
}
