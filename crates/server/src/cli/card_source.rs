//! Where `shokai card` finds its card: a simulated card file or a PC/SC reader.

use std::path::PathBuf;

use clap::Args;
use shokai_card::{Card, CardError, Transport, sim_file};

use super::card::CardCliError;

/// `--sim FILE` or `--reader NAME`; with neither, the only PC/SC reader.
#[derive(Debug, Args)]
pub struct CardSource {
    /// A simulated card file (made by `shokai card sim new`).
    #[arg(long, value_name = "FILE", conflicts_with = "reader")]
    pub sim: Option<PathBuf>,
    /// A PC/SC reader, by its name or a unique part of it (e.g. "Virtual PCD 00 00").
    /// Needs shokai built with `--features pcsc`.
    #[arg(long, value_name = "NAME")]
    pub reader: Option<String>,
}

/// The card API as the commands use it, whatever carries the APDUs.
pub type AnyCard<'a> = Card<&'a mut dyn Transport>;

/// Opens the card, runs `f` on it, and for a simulated card saves what changed
/// (also when `f` failed: a wrong PIN has spent a try).
pub fn with_card<R>(
    source: &CardSource,
    f: impl FnOnce(&mut AnyCard<'_>) -> Result<R, CardError>,
) -> Result<R, CardCliError> {
    let Some(path) = &source.sim else {
        return with_reader(source.reader.as_deref(), f);
    };
    let mut sim = sim_file::load(path)?;
    let before = sim.revision();
    let result = f(&mut Card::new(&mut sim as &mut dyn Transport));
    if sim.revision() != before {
        sim_file::save(path, &sim)?;
    }
    Ok(result?)
}

#[cfg(feature = "pcsc")]
fn with_reader<R>(
    reader: Option<&str>,
    f: impl FnOnce(&mut AnyCard<'_>) -> Result<R, CardError>,
) -> Result<R, CardCliError> {
    let mut transport =
        shokai_card::pcsc_transport::PcscTransport::connect(reader).map_err(CardError::from)?;
    Ok(f(&mut Card::new(&mut transport as &mut dyn Transport))?)
}

#[cfg(not(feature = "pcsc"))]
fn with_reader<R>(
    _reader: Option<&str>,
    _f: impl FnOnce(&mut AnyCard<'_>) -> Result<R, CardError>,
) -> Result<R, CardCliError> {
    Err(CardError::from(shokai_card::TransportError::NoReader(
        "this shokai was built without PC/SC support (build with `--features pcsc`), \
         or use --sim FILE"
            .to_owned(),
    ))
    .into())
}
