//! `shokai card sim new`: make a simulated card file.

use std::path::PathBuf;

use clap::Args;
use shokai_card::{Card, InitialPins, Pin, PinKind, SimulatedCard, sim_file};
use zeroize::Zeroizing;

use super::card::CardCliError;
use super::card_input::PinInput;

/// `shokai card sim new` flags.
#[derive(Debug, Args)]
pub struct SimNew {
    /// Where to write the card (JSON with salted PIN hashes, never the PINs).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Seed for the certificate key: the same seed always gives the same
    /// certificate, so the same fingerprint.
    #[arg(long, default_value = "shokai-sim")]
    pub seed: String,
    /// A card without a signature certificate (under 15, adult ward).
    #[arg(long)]
    pub no_signature: bool,
    /// Initial signature PIN (6-16 of A-Z and 0-9, with a letter and a digit).
    #[arg(long, value_name = "PIN", conflicts_with = "no_signature")]
    pub signature_pin: Option<String>,
    /// Initial user_auth PIN (4 digits).
    #[arg(long, value_name = "PIN")]
    pub user_auth_pin: Option<String>,
    /// Initial resident PIN (4 digits).
    #[arg(long, value_name = "PIN")]
    pub resident_pin: Option<String>,
    /// Initial card_info PIN (4 digits).
    #[arg(long, value_name = "PIN")]
    pub card_info_pin: Option<String>,
    /// Read the initial PINs from standard input instead, one a line, in the
    /// order signature (left out with --no-signature), user_auth, resident, card_info.
    #[arg(long)]
    pub stdin: bool,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

fn flag(args: &SimNew, kind: PinKind) -> Option<&String> {
    match kind {
        PinKind::Signature => args.signature_pin.as_ref(),
        PinKind::UserAuth => args.user_auth_pin.as_ref(),
        PinKind::Resident => args.resident_pin.as_ref(),
        PinKind::CardInfo => args.card_info_pin.as_ref(),
    }
}

fn initial_pin(args: &SimNew, kind: PinKind, input: &mut PinInput) -> Result<Pin, CardCliError> {
    let text = match (args.stdin, flag(args, kind)) {
        (false, Some(text)) => Zeroizing::new(text.clone()),
        (true, None) => input.secret(&format!("{kind} PIN"))?,
        (true, Some(_)) => {
            return Err(CardCliError::BadInput(
                "give the PINs either as flags or on standard input, not both".to_owned(),
            ));
        }
        (false, None) => {
            return Err(CardCliError::BadInput(format!(
                "missing --{}-pin (or use --stdin)",
                kind.code().replace('_', "-")
            )));
        }
    };
    Ok(Pin::parse(kind, &text)?)
}

pub fn sim_new(args: &SimNew) -> Result<(), CardCliError> {
    if args.out.exists() && !args.force {
        return Err(CardCliError::BadInput(format!(
            "{} exists; use --force to replace it",
            args.out.display()
        )));
    }
    let mut input = PinInput::new(args.stdin);
    let signature = if args.no_signature {
        None
    } else {
        Some(initial_pin(args, PinKind::Signature, &mut input)?)
    };
    let pins = InitialPins {
        signature,
        user_auth: initial_pin(args, PinKind::UserAuth, &mut input)?,
        resident: initial_pin(args, PinKind::Resident, &mut input)?,
        card_info: initial_pin(args, PinKind::CardInfo, &mut input)?,
    };
    let mut card =
        SimulatedCard::new(&pins, &args.seed).map_err(|e| CardCliError::Failed(e.to_string()))?;
    let fingerprint = Card::new(&mut card).auth_certificate_fingerprint()?;
    sim_file::save(&args.out, &card)?;
    println!(
        "{} (certificate fingerprint {fingerprint})",
        args.out.display()
    );
    Ok(())
}
