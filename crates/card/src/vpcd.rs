//! Serving a [`SimulatedCard`] to vsmartcard's `vpcd` reader driver, so the
//! simulated card appears in PC/SC as a card in the "Virtual PCD" reader.
//!
//! The vpcd protocol: every message is a 2-byte big-endian length and a
//! payload. A 1-byte payload is a control (0 power off, 1 power on, 2 reset,
//! 4 send the ATR, which is the only control that gets a reply); any longer
//! payload is a command APDU, answered with the response APDU. The emulator is
//! the client: vpcd (loaded by pcscd) listens.

use std::io::{self, Read, Write};

use zeroize::Zeroizing;

use crate::sim::{ATR, SimulatedCard};

/// One message from vpcd.
#[derive(Debug, PartialEq, Eq)]
pub enum Message<'a> {
    PowerOff,
    PowerOn,
    Reset,
    GetAtr,
    /// A control byte this implementation does not know; ignored.
    UnknownControl(u8),
    Apdu(&'a [u8]),
}

impl<'a> Message<'a> {
    /// Interprets one payload.
    pub fn decode(payload: &'a [u8]) -> Message<'a> {
        match payload {
            [0] => Message::PowerOff,
            [1] => Message::PowerOn,
            [2] => Message::Reset,
            [4] => Message::GetAtr,
            [other] => Message::UnknownControl(*other),
            apdu => Message::Apdu(apdu),
        }
    }
}

/// Reads one framed payload; `None` when the peer closed the connection
/// between messages. The buffer is zeroed on drop: it may hold a PIN.
pub fn read_frame(reader: &mut impl Read) -> io::Result<Option<Zeroizing<Vec<u8>>>> {
    let mut len = [0u8; 2];
    match reader.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut payload = Zeroizing::new(vec![0u8; usize::from(u16::from_be_bytes(len))]);
    reader.read_exact(&mut payload)?;
    Ok(Some(payload))
}

/// Writes one framed payload.
pub fn write_frame(writer: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    let len = u16::try_from(payload.len()).map_err(|_| {
        io::Error::new(io::ErrorKind::InvalidInput, "vpcd payload over 65535 bytes")
    })?;
    writer.write_all(&len.to_be_bytes())?;
    writer.write_all(payload)?;
    writer.flush()
}

/// Answers vpcd until it closes the connection. `persist` runs after every
/// message that changed the card's persistent state (a try spent or reset, a
/// PIN changed), before the response goes out, so an answer the host saw is
/// never lost.
pub fn serve(
    stream: &mut (impl Read + Write),
    card: &mut SimulatedCard,
    mut persist: impl FnMut(&SimulatedCard) -> io::Result<()>,
) -> io::Result<()> {
    while let Some(payload) = read_frame(stream)? {
        match Message::decode(&payload) {
            Message::PowerOff | Message::PowerOn | Message::Reset => card.power_cycle(),
            Message::GetAtr => write_frame(stream, &ATR)?,
            Message::UnknownControl(_) => {}
            Message::Apdu(apdu) => {
                let before = card.revision();
                let response = card.process(apdu);
                if card.revision() != before {
                    persist(card)?;
                }
                write_frame(stream, &response)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{InitialPins, Pin, PinKind};

    /// An in-memory duplex: what vpcd sends, and what the emulator wrote back.
    struct Duplex {
        input: io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Duplex {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.input.read(buf)
        }
    }

    impl Write for Duplex {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.output.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn frames(payloads: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for p in payloads {
            write_frame(&mut out, p).unwrap();
        }
        out
    }

    #[test]
    fn the_emulator_answers_atr_requests_and_apdus_but_not_power_controls() {
        let p = |kind, s| Pin::parse(kind, s).unwrap();
        let mut card = SimulatedCard::new(
            &InitialPins {
                signature: None,
                user_auth: p(PinKind::UserAuth, "1234"),
                resident: p(PinKind::Resident, "1234"),
                card_info: p(PinKind::CardInfo, "1234"),
            },
            "vpcd",
        )
        .unwrap();
        let select_jpki = hex::decode("00A4040C0AD392F000260100000001").unwrap();
        let select_user_auth = hex::decode("00A4020C020018").unwrap();
        let wrong = hex::decode("002000800439393939").unwrap();
        let mut duplex = Duplex {
            input: io::Cursor::new(frames(&[
                &[1],
                &[4],
                &select_jpki,
                &select_user_auth,
                &wrong,
                &[0],
            ])),
            output: Vec::new(),
        };
        let mut saves = 0;
        serve(&mut duplex, &mut card, |_| {
            saves += 1;
            Ok(())
        })
        .unwrap();
        let expected = frames(&[&ATR, &[0x90, 0x00], &[0x90, 0x00], &[0x63, 0xC2]]);
        assert_eq!(
            hex::encode_upper(&duplex.output),
            hex::encode_upper(expected)
        );
        assert_eq!(saves, 1, "only the wrong VERIFY changed the card");
    }

    #[test]
    fn one_byte_payloads_are_controls_and_longer_ones_apdus() {
        assert_eq!(Message::decode(&[0]), Message::PowerOff);
        assert_eq!(Message::decode(&[2]), Message::Reset);
        assert_eq!(Message::decode(&[9]), Message::UnknownControl(9));
        assert_eq!(Message::decode(&[0, 0x20]), Message::Apdu(&[0, 0x20]));
    }
}
