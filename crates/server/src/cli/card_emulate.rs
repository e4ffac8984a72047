//! `shokai card emulate`: serve a simulated card to vpcd until stopped.

use std::net::TcpStream;
use std::path::Path;
use std::thread::sleep;
use std::time::Duration;

use shokai_card::{SimulatedCard, sim_file, vpcd};

use super::card::CardCliError;

/// How long to wait before connecting to vpcd again.
const RETRY: Duration = Duration::from_millis(500);

pub fn emulate(address: &str, path: &Path) -> Result<(), CardCliError> {
    let mut card = sim_file::load(path)?;
    eprintln!("emulating {} for vpcd at {address}", path.display());
    let mut waiting_reported = false;
    loop {
        match TcpStream::connect(address) {
            Ok(stream) => {
                waiting_reported = false;
                eprintln!("connected to vpcd at {address}");
                serve_connection(stream, &mut card, path)?;
                eprintln!("vpcd closed the connection; reconnecting");
            }
            Err(e) if !waiting_reported => {
                eprintln!(
                    "waiting for vpcd at {address} ({e}); is pcscd running with the vpcd driver?"
                );
                waiting_reported = true;
            }
            Err(_) => {}
        }
        sleep(RETRY);
    }
}

/// Serves one connection. A failed save stops the emulator: answering without
/// persisting would let the card file disagree with what the host was told.
fn serve_connection(
    mut stream: TcpStream,
    card: &mut SimulatedCard,
    path: &Path,
) -> Result<(), CardCliError> {
    stream.set_nodelay(true).ok();
    card.power_cycle();
    let mut save_error = None;
    let served = vpcd::serve(&mut stream, card, |card| {
        sim_file::save(path, card).map_err(|e| {
            let message = e.to_string();
            save_error = Some(e);
            std::io::Error::other(message)
        })
    });
    if let Some(e) = save_error {
        return Err(e.into());
    }
    if let Err(e) = served {
        eprintln!("connection to vpcd failed: {e}");
    }
    card.power_cycle();
    Ok(())
}
