//! `shokai card change-pin`: read and check the PINs, then verify and change
//! on the card.

use shokai_card::{CardError, Pin, PinKind};

use super::card::{CardCliError, ChangePin, tries_en, tries_ja};
use super::card_input::PinInput;
use super::card_source::with_card;

/// The current and new PIN, both format-checked before the card is touched.
struct Entered {
    current: Pin,
    new: Pin,
}

fn read_pins(kind: PinKind, input: &mut PinInput) -> Result<Entered, CardCliError> {
    let name = format!("{} / {kind} PIN", kind.name_ja());
    let current = input.secret(&format!("現在の{name} (current): "))?;
    let new = input.secret(&format!("新しい{name} (new, {}): ", kind.rule_ja()))?;
    let again = input.secret(&format!("新しい{name} もう一度 (new, again): "))?;
    let current = Pin::parse(kind, &current)?;
    let new_pin = Pin::parse(kind, &new)?;
    if new != again {
        return Err(CardCliError::BadInput(
            "新しい暗証番号が一致しません / the two entries of the new PIN differ".to_owned(),
        ));
    }
    if new_pin.same_as(&current) {
        return Err(CardCliError::BadInput(
            "新しい暗証番号が現在と同じです / the new PIN is the same as the current one"
                .to_owned(),
        ));
    }
    Ok(Entered {
        current,
        new: new_pin,
    })
}

/// What happened on the card, for the caller to report.
enum Changed {
    Done { remaining: u8 },
    Declined,
}

pub fn change_pin(args: &ChangePin) -> Result<(), CardCliError> {
    let kind = args.kind;
    let mut input = PinInput::new(args.stdin);
    let pins = read_pins(kind, &mut input)?;
    let outcome = with_card(&args.source, |card| {
        let status = card.pin_status(kind)?;
        if status.blocked() {
            return Err(CardError::PinBlocked { kind });
        }
        if status.remaining == 1 {
            eprintln!(
                "注意: {}は{}です。間違えるとロックされ、窓口での初期化が必要になります。\n\
                 Warning: the {kind} PIN has 1 try left; a wrong entry blocks it.",
                kind.name_ja(),
                tries_ja(1)
            );
            // A refusal here is not a card error; report it after the card is closed.
            match input.confirm("続けますか / continue?", args.yes) {
                Ok(true) => {}
                Ok(false) | Err(_) => return Ok(Changed::Declined),
            }
        }
        let after = card.change_pin(kind, &pins.current, &pins.new)?;
        Ok(Changed::Done {
            remaining: after.remaining,
        })
    })?;
    match outcome {
        Changed::Done { remaining } => {
            println!(
                "{}を変更しました({}) / {kind} PIN changed ({})",
                kind.name_ja(),
                tries_ja(remaining),
                tries_en(remaining)
            );
            Ok(())
        }
        Changed::Declined => Err(CardCliError::Cancelled),
    }
}
