//! `shokai card reset-pin`: read and check the new PIN, then reset it on the
//! card (RESET RETRY COUNTER), blocked or not, without the current PIN.

use shokai_card::{Pin, PinKind};

use super::card::{CardCliError, ResetPin, tries_en, tries_ja};
use super::card_input::PinInput;
use super::card_source::with_card;

/// The new PIN, entered twice and format-checked before the card is touched.
fn read_new_pin(kind: PinKind, input: &mut PinInput) -> Result<Pin, CardCliError> {
    let name = format!("{} / {kind} PIN", kind.name_ja());
    let new = input.secret(&format!("新しい{name} (new, {}): ", kind.rule_ja()))?;
    let again = input.secret(&format!("新しい{name} もう一度 (new, again): "))?;
    let new_pin = Pin::parse(kind, &new)?;
    if new != again {
        return Err(CardCliError::BadInput(
            "新しい暗証番号が一致しません / the two entries of the new PIN differ".to_owned(),
        ));
    }
    Ok(new_pin)
}

pub fn reset_pin(args: &ResetPin) -> Result<(), CardCliError> {
    let kind = args.kind;
    let mut input = PinInput::new(args.stdin);
    let new = read_new_pin(kind, &mut input)?;
    let after = with_card(&args.source, |card| card.reset_pin(kind, &new))?;
    println!(
        "{}を再設定しました({}) / {kind} PIN reset ({})",
        kind.name_ja(),
        tries_ja(after.remaining),
        tries_en(after.remaining)
    );
    Ok(())
}
