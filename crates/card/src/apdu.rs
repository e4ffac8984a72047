//! The JPKI APDUs as pure bytes: command builders, a command decoder (used by
//! the simulated card) and a parser that turns a response into a typed outcome.
//!
//! Byte layouts follow `shared/domain.md` (agreed across OpenSC `card-jpki.c`,
//! jpki-rs, myna-card). Nothing here does I/O; a [`crate::Transport`] carries
//! the bytes.

use std::fmt;

use zeroize::Zeroizing;

use crate::pin::Pin;
use crate::pin_kind::PinKind;

const CLA: u8 = 0x00;
const INS_SELECT: u8 = 0xA4;
const INS_VERIFY: u8 = 0x20;
const INS_CHANGE_REFERENCE_DATA: u8 = 0x24;
/// RESET RETRY COUNTER (ISO 7816-4): the PIN reset (再設定・初期化) done at the counter.
const INS_RESET_RETRY_COUNTER: u8 = 0x2C;
const INS_READ_BINARY: u8 = 0xB0;
/// SELECT P1: by DF name (AID), and by file identifier.
const P1_SELECT_AID: u8 = 0x04;
const P1_SELECT_FILE: u8 = 0x02;
/// SELECT P2 `0C`: return no FCI, so a successful SELECT answers only `90 00`.
const P2_NO_RESPONSE_DATA: u8 = 0x0C;
/// P2 `80`: the PIN is a specific reference data of the currently selected EF.
const P2_SPECIFIC_REFERENCE: u8 = 0x80;
/// CHANGE REFERENCE DATA P1 `01`: the data field carries only the new PIN,
/// because the current one was just verified.
const P1_NEW_DATA_ONLY: u8 = 0x01;
/// RESET RETRY COUNTER P1 `02`: the data field carries only the new PIN, no
/// resetting code, because the card's holder does not know the blocked PIN
/// and the authority for the reset comes from the terminal, not the data.
const P1_RESET_NEW_DATA_ONLY: u8 = 0x02;

/// Largest number of bytes one short READ BINARY returns (Le `00` = 256).
pub const MAX_READ_CHUNK: usize = 256;
/// Largest offset a READ BINARY can name in P1-P2 (bit 8 of P1 must be 0).
pub const MAX_READ_OFFSET: usize = 0x7FFF;

/// An application (DF) on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Application {
    /// 公的個人認証 (JPKI): the signature and user-authentication certificates and PINs.
    Jpki,
    /// 券面事項入力補助 (card information input support).
    CardInfo,
    /// 住民基本台帳 (resident registry).
    Resident,
}

impl Application {
    /// All applications the project knows.
    pub const ALL: [Application; 3] = [
        Application::Jpki,
        Application::CardInfo,
        Application::Resident,
    ];

    /// The application identifier used in SELECT.
    pub fn aid(self) -> &'static [u8] {
        match self {
            Application::Jpki => &[0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01],
            Application::CardInfo => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08],
            Application::Resident => &[0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x01],
        }
    }

    /// The application with this AID, if any.
    pub fn from_aid(aid: &[u8]) -> Option<Application> {
        Application::ALL.into_iter().find(|a| a.aid() == aid)
    }
}

/// A two-byte elementary file identifier inside an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileId(pub [u8; 2]);

/// Where a PIN lives: its application and its PIN file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinLocation {
    pub application: Application,
    pub file: FileId,
}

/// The JPKI user-authentication certificate, readable without a PIN.
pub const AUTH_CERTIFICATE: PinLocation = PinLocation {
    application: Application::Jpki,
    file: FileId([0x00, 0x0A]),
};

/// The application and file that hold a PIN of `kind`.
pub fn pin_location(kind: PinKind) -> PinLocation {
    let (application, file) = match kind {
        PinKind::Signature => (Application::Jpki, [0x00, 0x1B]),
        PinKind::UserAuth => (Application::Jpki, [0x00, 0x18]),
        PinKind::Resident => (Application::Resident, [0x00, 0x1C]),
        PinKind::CardInfo => (Application::CardInfo, [0x00, 0x11]),
    };
    PinLocation {
        application,
        file: FileId(file),
    }
}

/// A command APDU ready to send. The bytes are zeroed on drop because VERIFY,
/// CHANGE REFERENCE DATA and RESET RETRY COUNTER carry a PIN, and `Debug`
/// never shows a data field.
pub struct CommandApdu {
    bytes: Zeroizing<Vec<u8>>,
}

impl CommandApdu {
    fn with_data(ins: u8, p1: u8, p2: u8, data: &[u8]) -> CommandApdu {
        let mut bytes = Vec::with_capacity(5 + data.len());
        // Every data field here is an AID, a file id or a PIN: at most 16 bytes.
        let lc = u8::try_from(data.len()).unwrap_or(u8::MAX);
        bytes.extend_from_slice(&[CLA, ins, p1, p2, lc]);
        bytes.extend_from_slice(data);
        CommandApdu {
            bytes: Zeroizing::new(bytes),
        }
    }

    /// SELECT an application by AID: `00 A4 04 0C 0A <AID>`.
    pub fn select_application(application: Application) -> CommandApdu {
        Self::with_data(
            INS_SELECT,
            P1_SELECT_AID,
            P2_NO_RESPONSE_DATA,
            application.aid(),
        )
    }

    /// SELECT an elementary file in the current application: `00 A4 02 0C 02 <FID>`.
    pub fn select_file(file: FileId) -> CommandApdu {
        Self::with_data(INS_SELECT, P1_SELECT_FILE, P2_NO_RESPONSE_DATA, &file.0)
    }

    /// VERIFY with no data: asks for the remaining tries without spending one.
    pub fn verify_status() -> CommandApdu {
        CommandApdu {
            bytes: Zeroizing::new(vec![CLA, INS_VERIFY, 0x00, P2_SPECIFIC_REFERENCE]),
        }
    }

    /// VERIFY the PIN of the selected PIN file: `00 20 00 80 Lc <PIN ASCII>`.
    pub fn verify(pin: &Pin) -> CommandApdu {
        Self::with_data(INS_VERIFY, 0x00, P2_SPECIFIC_REFERENCE, pin.ascii())
    }

    /// CHANGE REFERENCE DATA after a successful VERIFY: `00 24 01 80 Lc <new PIN ASCII>`.
    pub fn change_reference_data(new: &Pin) -> CommandApdu {
        Self::with_data(
            INS_CHANGE_REFERENCE_DATA,
            P1_NEW_DATA_ONLY,
            P2_SPECIFIC_REFERENCE,
            new.ascii(),
        )
    }

    /// RESET RETRY COUNTER with a new PIN: `00 2C 02 80 Lc <new PIN ASCII>`.
    /// No VERIFY comes first: the holder of a blocked PIN cannot give it.
    pub fn reset_retry_counter(new: &Pin) -> CommandApdu {
        Self::with_data(
            INS_RESET_RETRY_COUNTER,
            P1_RESET_NEW_DATA_ONLY,
            P2_SPECIFIC_REFERENCE,
            new.ascii(),
        )
    }

    /// READ BINARY `len` bytes (1 to 256) at `offset` (at most `7FFF`) of the selected EF.
    pub fn read_binary(offset: usize, len: usize) -> Result<CommandApdu, ReadRangeError> {
        if offset > MAX_READ_OFFSET || len == 0 || len > MAX_READ_CHUNK {
            return Err(ReadRangeError { offset, len });
        }
        let [hi, lo] = u16::try_from(offset)
            .map_err(|_| ReadRangeError { offset, len })?
            .to_be_bytes();
        // Le `00` means 256 in a short APDU.
        let le = u8::try_from(len % MAX_READ_CHUNK).map_err(|_| ReadRangeError { offset, len })?;
        Ok(CommandApdu {
            bytes: Zeroizing::new(vec![CLA, INS_READ_BINARY, hi, lo, le]),
        })
    }

    /// The bytes to hand to a transport.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for CommandApdu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = &self.bytes[..self.bytes.len().min(4)];
        let data_len = self.bytes.len().saturating_sub(5);
        write!(
            f,
            "CommandApdu({} + {data_len} data bytes)",
            hex::encode_upper(header)
        )
    }
}

/// A READ BINARY outside what a short APDU can address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "cannot READ BINARY {len} bytes at offset {offset}: at most 256 bytes at offsets up to 7FFF"
)]
pub struct ReadRangeError {
    pub offset: usize,
    pub len: usize,
}

/// The two status bytes ending every response.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u8, pub u8);

impl StatusWord {
    pub const OK: StatusWord = StatusWord(0x90, 0x00);
    /// `69 84`: the PIN is blocked (reference data not usable).
    pub const BLOCKED: StatusWord = StatusWord(0x69, 0x84);
    /// `6A 82`: no such application or file.
    pub const NOT_FOUND: StatusWord = StatusWord(0x6A, 0x82);
    /// `69 82`: security status not satisfied (e.g. CHANGE without VERIFY).
    pub const SECURITY_NOT_SATISFIED: StatusWord = StatusWord(0x69, 0x82);
    /// `69 86`: command not allowed (no current EF of the right kind).
    pub const NOT_ALLOWED: StatusWord = StatusWord(0x69, 0x86);
    /// `6A 80`: incorrect data field (e.g. a new PIN of the wrong format).
    pub const WRONG_DATA: StatusWord = StatusWord(0x6A, 0x80);
    /// `67 00`: wrong length.
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x67, 0x00);
    /// `6B 00`: offset outside the file.
    pub const WRONG_OFFSET: StatusWord = StatusWord(0x6B, 0x00);
    /// `6A 86`: incorrect P1-P2.
    pub const WRONG_P1_P2: StatusWord = StatusWord(0x6A, 0x86);
    /// `6D 00`: instruction not supported.
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D, 0x00);
    /// `6E 00`: class not supported.
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E, 0x00);

    /// `63 Cx`: a wrong PIN (or a status query) with `x` tries left.
    pub fn tries_left(x: u8) -> StatusWord {
        StatusWord(0x63, 0xC0 | (x & 0x0F))
    }

    pub fn to_bytes(self) -> [u8; 2] {
        [self.0, self.1]
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02X} {:02X}", self.0, self.1)
    }
}

impl fmt::Debug for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StatusWord({self})")
    }
}

/// What a response means, for every status this project expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `90 00`, with the response data (empty except for READ BINARY).
    Success(Vec<u8>),
    /// `63 Cx` with x > 0: a wrong PIN (or a status query) with x tries left.
    TriesLeft(u8),
    /// `63 C0`: no tries left; a wrong VERIFY has just blocked the PIN.
    NoTriesLeft,
    /// `69 84`: the PIN was already blocked.
    Blocked,
    /// `6A 82`: the application or file does not exist.
    NotFound,
    /// `69 82`: security status not satisfied. What a real card answers a
    /// RESET RETRY COUNTER from a terminal without J-LIS authority.
    SecurityNotSatisfied,
}

/// A response that is not one of the expected outcomes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("response of {0} bytes has no status word")]
    NoStatusWord(usize),
    #[error("card answered with unexpected status {0}")]
    UnexpectedStatus(StatusWord),
}

/// Turns response bytes (data followed by SW1 SW2) into an [`Outcome`].
pub fn parse_response(response: &[u8]) -> Result<Outcome, ResponseError> {
    let Some((data, sw)) = response.split_last_chunk::<2>() else {
        return Err(ResponseError::NoStatusWord(response.len()));
    };
    match *sw {
        [0x90, 0x00] => Ok(Outcome::Success(data.to_vec())),
        [0x63, 0xC0] => Ok(Outcome::NoTriesLeft),
        [0x63, sw2] if sw2 & 0xF0 == 0xC0 => Ok(Outcome::TriesLeft(sw2 & 0x0F)),
        [0x69, 0x84] => Ok(Outcome::Blocked),
        [0x6A, 0x82] => Ok(Outcome::NotFound),
        [0x69, 0x82] => Ok(Outcome::SecurityNotSatisfied),
        [sw1, sw2] => Err(ResponseError::UnexpectedStatus(StatusWord(sw1, sw2))),
    }
}

/// A command as the card sees it; the simulated card decodes what it receives
/// with this, so both sides agree on one byte layout.
#[derive(Debug, PartialEq, Eq)]
pub enum Instruction<'a> {
    SelectApplication(&'a [u8]),
    SelectFile(FileId),
    VerifyStatus,
    Verify(&'a [u8]),
    ChangeReferenceData(&'a [u8]),
    ResetRetryCounter(&'a [u8]),
    ReadBinary { offset: usize, len: usize },
}

/// Decodes a command APDU, or gives the status word a card answers a malformed one with.
pub fn decode_command(bytes: &[u8]) -> Result<Instruction<'_>, StatusWord> {
    let Some((&[cla, ins, p1, p2], body)) = bytes.split_first_chunk::<4>() else {
        return Err(StatusWord::WRONG_LENGTH);
    };
    if cla != CLA {
        return Err(StatusWord::CLA_NOT_SUPPORTED);
    }
    match (ins, p1, p2) {
        (INS_SELECT, P1_SELECT_AID, P2_NO_RESPONSE_DATA) => {
            Ok(Instruction::SelectApplication(data_field(body)?))
        }
        (INS_SELECT, P1_SELECT_FILE, P2_NO_RESPONSE_DATA) => {
            let fid =
                <[u8; 2]>::try_from(data_field(body)?).map_err(|_| StatusWord::WRONG_LENGTH)?;
            Ok(Instruction::SelectFile(FileId(fid)))
        }
        (INS_VERIFY, 0x00, P2_SPECIFIC_REFERENCE) if body.is_empty() => {
            Ok(Instruction::VerifyStatus)
        }
        (INS_VERIFY, 0x00, P2_SPECIFIC_REFERENCE) => Ok(Instruction::Verify(data_field(body)?)),
        (INS_CHANGE_REFERENCE_DATA, P1_NEW_DATA_ONLY, P2_SPECIFIC_REFERENCE) => {
            Ok(Instruction::ChangeReferenceData(data_field(body)?))
        }
        (INS_RESET_RETRY_COUNTER, P1_RESET_NEW_DATA_ONLY, P2_SPECIFIC_REFERENCE) => {
            Ok(Instruction::ResetRetryCounter(data_field(body)?))
        }
        (INS_READ_BINARY, _, _) if p1 & 0x80 == 0 => {
            let [le] = *body else {
                return Err(StatusWord::WRONG_LENGTH);
            };
            let len = if le == 0 {
                MAX_READ_CHUNK
            } else {
                usize::from(le)
            };
            let offset = usize::from(u16::from_be_bytes([p1, p2]));
            Ok(Instruction::ReadBinary { offset, len })
        }
        (
            INS_SELECT
            | INS_VERIFY
            | INS_CHANGE_REFERENCE_DATA
            | INS_RESET_RETRY_COUNTER
            | INS_READ_BINARY,
            _,
            _,
        ) => Err(StatusWord::WRONG_P1_P2),
        _ => Err(StatusWord::INS_NOT_SUPPORTED),
    }
}

/// The data field of a case-3 APDU (`Lc` then exactly `Lc` bytes).
fn data_field(body: &[u8]) -> Result<&[u8], StatusWord> {
    match body.split_first() {
        Some((&lc, data)) if lc != 0 && usize::from(lc) == data.len() => Ok(data),
        _ => Err(StatusWord::WRONG_LENGTH),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compares a built command against the hex transcript from domain.md.
    fn check(transcript: &str, command: &CommandApdu) {
        let expected = hex::decode(transcript.replace(' ', "")).unwrap();
        assert_eq!(
            hex::encode_upper(command.as_bytes()),
            hex::encode_upper(&expected),
            "transcript {transcript}"
        );
        assert!(
            decode_command(command.as_bytes()).is_ok(),
            "{transcript} decodes"
        );
    }

    fn pin(kind: PinKind, s: &str) -> Pin {
        Pin::parse(kind, s).unwrap()
    }

    #[test]
    fn commands_match_the_documented_bytes() {
        let cases: [(&str, CommandApdu); 14] = [
            (
                "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01",
                CommandApdu::select_application(Application::Jpki),
            ),
            (
                "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08",
                CommandApdu::select_application(Application::CardInfo),
            ),
            (
                "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 01",
                CommandApdu::select_application(Application::Resident),
            ),
            (
                "00 A4 02 0C 02 00 18",
                CommandApdu::select_file(pin_location(PinKind::UserAuth).file),
            ),
            (
                "00 A4 02 0C 02 00 1B",
                CommandApdu::select_file(pin_location(PinKind::Signature).file),
            ),
            (
                "00 A4 02 0C 02 00 11",
                CommandApdu::select_file(pin_location(PinKind::CardInfo).file),
            ),
            (
                "00 A4 02 0C 02 00 1C",
                CommandApdu::select_file(pin_location(PinKind::Resident).file),
            ),
            (
                "00 A4 02 0C 02 00 0A",
                CommandApdu::select_file(AUTH_CERTIFICATE.file),
            ),
            ("00 20 00 80", CommandApdu::verify_status()),
            (
                "00 20 00 80 04 31 32 33 34",
                CommandApdu::verify(&pin(PinKind::UserAuth, "1234")),
            ),
            (
                "00 20 00 80 06 41 42 43 31 32 33",
                CommandApdu::verify(&pin(PinKind::Signature, "ABC123")),
            ),
            (
                "00 24 01 80 04 39 38 37 36",
                CommandApdu::change_reference_data(&pin(PinKind::UserAuth, "9876")),
            ),
            (
                "00 2C 02 80 04 39 38 37 36",
                CommandApdu::reset_retry_counter(&pin(PinKind::Resident, "9876")),
            ),
            (
                "00 2C 02 80 08 4E 45 57 50 49 4E 39 39",
                CommandApdu::reset_retry_counter(&pin(PinKind::Signature, "NEWPIN99")),
            ),
        ];
        for (transcript, command) in &cases {
            check(transcript, command);
        }
    }

    #[test]
    fn read_binary_names_offset_and_length() {
        check("00 B0 00 00 04", &CommandApdu::read_binary(0, 4).unwrap());
        check(
            "00 B0 01 00 00",
            &CommandApdu::read_binary(256, 256).unwrap(),
        );
        check(
            "00 B0 7F FF FF",
            &CommandApdu::read_binary(0x7FFF, 255).unwrap(),
        );
        assert!(CommandApdu::read_binary(0x8000, 1).is_err());
        assert!(CommandApdu::read_binary(0, 0).is_err());
        assert!(CommandApdu::read_binary(0, 257).is_err());
    }

    #[test]
    fn jpki_pins_live_in_the_jpki_application() {
        let cases = [
            (PinKind::UserAuth, Application::Jpki),
            (PinKind::Signature, Application::Jpki),
            (PinKind::Resident, Application::Resident),
            (PinKind::CardInfo, Application::CardInfo),
        ];
        for (kind, application) in cases {
            assert_eq!(pin_location(kind).application, application, "{kind}");
        }
    }

    #[test]
    fn status_words_become_typed_outcomes() {
        let cases: [(&str, Result<Outcome, ResponseError>); 10] = [
            ("90 00", Ok(Outcome::Success(vec![]))),
            ("30 82 90 00", Ok(Outcome::Success(vec![0x30, 0x82]))),
            ("63 C3", Ok(Outcome::TriesLeft(3))),
            ("63 C1", Ok(Outcome::TriesLeft(1))),
            ("63 C0", Ok(Outcome::NoTriesLeft)),
            ("69 84", Ok(Outcome::Blocked)),
            ("6A 82", Ok(Outcome::NotFound)),
            ("69 82", Ok(Outcome::SecurityNotSatisfied)),
            (
                "69 85",
                Err(ResponseError::UnexpectedStatus(StatusWord(0x69, 0x85))),
            ),
            ("90", Err(ResponseError::NoStatusWord(1))),
        ];
        for (transcript, expected) in cases {
            let bytes = hex::decode(transcript.replace(' ', "")).unwrap();
            assert_eq!(parse_response(&bytes), expected, "response {transcript}");
        }
    }

    #[test]
    fn an_unexpected_status_names_itself() {
        let err = parse_response(&[0x6F, 0x00]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "card answered with unexpected status 6F 00"
        );
    }

    #[test]
    fn malformed_commands_get_the_status_a_card_would_give() {
        let cases: [(&str, StatusWord); 10] = [
            ("00 A4 04", StatusWord::WRONG_LENGTH),
            ("80 20 00 80", StatusWord::CLA_NOT_SUPPORTED),
            ("00 CA 00 00", StatusWord::INS_NOT_SUPPORTED),
            ("00 20 00 81", StatusWord::WRONG_P1_P2),
            ("00 20 00 80 05 31 32 33 34", StatusWord::WRONG_LENGTH),
            ("00 A4 02 0C 03 00 18 00", StatusWord::WRONG_LENGTH),
            // P1 `00` would say a resetting code precedes the new PIN.
            ("00 2C 00 80 04 31 32 33 34", StatusWord::WRONG_P1_P2),
            ("00 2C 02 81 04 31 32 33 34", StatusWord::WRONG_P1_P2),
            ("00 2C 02 80", StatusWord::WRONG_LENGTH),
            ("00 2C 02 80 03 31 32 33 34", StatusWord::WRONG_LENGTH),
        ];
        for (transcript, expected) in cases {
            let bytes = hex::decode(transcript.replace(' ', "")).unwrap();
            assert_eq!(
                decode_command(&bytes),
                Err(expected),
                "command {transcript}"
            );
        }
    }

    #[test]
    fn a_reset_decodes_to_its_new_pin() {
        let command = CommandApdu::reset_retry_counter(&pin(PinKind::CardInfo, "2468"));
        assert_eq!(
            decode_command(command.as_bytes()),
            Ok(Instruction::ResetRetryCounter(b"2468"))
        );
    }

    #[test]
    fn debug_of_a_verify_command_hides_the_pin() {
        let shown = format!("{:?}", CommandApdu::verify(&pin(PinKind::UserAuth, "4711")));
        assert_eq!(shown, "CommandApdu(00200080 + 4 data bytes)");
        assert!(!shown.contains("34373131"));
    }

    #[test]
    fn debug_of_a_reset_command_hides_the_new_pin() {
        let command = CommandApdu::reset_retry_counter(&pin(PinKind::Signature, "RESET42"));
        let shown = format!("{command:?}");
        assert_eq!(shown, "CommandApdu(002C0280 + 7 data bytes)");
        assert!(!shown.contains("RESET42") && !shown.contains("5245534554"));
    }
}
