//! The [`Card`] API: PIN status, PIN change, PIN reset and the certificate
//! fingerprint, spoken to a card only through a [`Transport`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::apdu::{
    AUTH_CERTIFICATE, CommandApdu, MAX_READ_CHUNK, MAX_READ_OFFSET, Outcome, PinLocation,
    ResponseError, parse_response, pin_location,
};
use crate::pin::Pin;
use crate::pin_kind::PinKind;

/// Carries command APDU bytes to a card and brings back the response bytes
/// (data followed by SW1 SW2).
pub trait Transport {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        (**self).transmit(command)
    }
}

/// A transport that could not reach a card.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No reader, the named reader is missing, or the PC/SC service is not running.
    #[error("no card reader: {0}")]
    NoReader(String),
    /// The reader is there but holds no card (or the card was removed).
    #[error("no card in reader {0}")]
    NoCard(String),
    /// Anything else the reader stack reported.
    #[error("card reader failed: {0}")]
    Failed(String),
}

/// How many tries a PIN has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinStatus {
    pub kind: PinKind,
    pub remaining: u8,
    pub max: u8,
}

impl PinStatus {
    /// A blocked PIN cannot be changed; it has to be reset at the ward office.
    pub fn blocked(&self) -> bool {
        self.remaining == 0
    }
}

/// A card operation that did not succeed. Never carries PIN bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// The application or file is missing: not a My Number Card, or (for
    /// `signature`) a card issued without a signature certificate.
    #[error("the card has no {what}")]
    NotFound { what: String },
    #[error("wrong {kind} PIN: {remaining} tries left")]
    WrongPin { kind: PinKind, remaining: u8 },
    #[error("wrong {kind} PIN: no tries left, the PIN is now blocked")]
    WrongPinNowBlocked { kind: PinKind },
    #[error("the {kind} PIN is blocked; it must be reset at the ward office")]
    PinBlocked { kind: PinKind },
    #[error("a {got} PIN was given to change or reset the {expected} PIN")]
    KindMismatch { expected: PinKind, got: PinKind },
    /// The card refused RESET RETRY COUNTER with `69 82`: a real card takes a
    /// reset only from the ward office's J-LIS-connected terminal.
    #[error(
        "the card refused to reset the {kind} PIN: a reset needs the ward office's J-LIS-connected terminal"
    )]
    ResetNotAuthorized { kind: PinKind },
    #[error("unexpected answer to {step}: {outcome:?}")]
    UnexpectedOutcome {
        step: &'static str,
        outcome: Outcome,
    },
    #[error("the certificate is not a DER SEQUENCE of a readable size: {0}")]
    BadCertificate(String),
}

impl CardError {
    /// What the clerk at the counter reads (never a PIN value).
    pub fn message_ja(&self) -> String {
        match self {
            CardError::Transport(TransportError::NoReader(_)) => {
                "カードリーダーが見つかりません。接続と設定を確認してください。".to_owned()
            }
            CardError::Transport(TransportError::NoCard(_)) => {
                "カードリーダーにカードがありません。カードを置いてください。".to_owned()
            }
            CardError::Transport(TransportError::Failed(_)) | CardError::Response(_) => {
                "カードとの通信に失敗しました。カードをリーダーに置き直してください。".to_owned()
            }
            CardError::NotFound { .. } => {
                "マイナンバーカードとして読み取れないか、必要な電子証明書がありません。".to_owned()
            }
            CardError::WrongPin { kind, remaining } => format!(
                "{}：現在の暗証番号が違います。あと{remaining}回誤るとロックされ、初期化が必要になります。",
                kind.name_ja()
            ),
            CardError::WrongPinNowBlocked { kind } => format!(
                "{}：現在の暗証番号が違い、ロックされました。初期化（再設定）の手続が必要です。",
                kind.name_ja()
            ),
            CardError::PinBlocked { kind } => format!(
                "{}はロックされています。初期化（再設定）の手続が必要です。",
                kind.name_ja()
            ),
            CardError::KindMismatch { .. } => {
                "暗証番号の種類が合いません。システム管理者に連絡してください。".to_owned()
            }
            CardError::ResetNotAuthorized { .. } => "カードが初期化（再設定）を受け付けませんでした。初期化は、J-LISに接続した区役所の端末でのみ行えます。端末の設定を確認してください。".to_owned(),
            CardError::UnexpectedOutcome { .. } | CardError::BadCertificate(_) => {
                "カードから予期しない応答がありました。カードを置き直し、続く場合はシステム管理者に連絡してください。".to_owned()
            }
        }
    }
}

/// SHA-256 of the user-authentication certificate's DER: identifies a card
/// without any PIN.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct CertificateFingerprint([u8; 32]);

impl CertificateFingerprint {
    /// The fingerprint of a certificate's DER bytes.
    pub fn of_der(der: &[u8]) -> CertificateFingerprint {
        CertificateFingerprint(Sha256::digest(der).into())
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for CertificateFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for CertificateFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertificateFingerprint({self})")
    }
}

/// A string that is not 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a certificate fingerprint is 64 hex digits")]
pub struct BadFingerprint;

impl FromStr for CertificateFingerprint {
    type Err = BadFingerprint;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(s, &mut bytes).map_err(|_| BadFingerprint)?;
        Ok(CertificateFingerprint(bytes))
    }
}

impl TryFrom<String> for CertificateFingerprint {
    type Error = BadFingerprint;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CertificateFingerprint> for String {
    fn from(f: CertificateFingerprint) -> String {
        f.to_string()
    }
}

/// A My Number Card reached through a transport.
pub struct Card<T> {
    transport: T,
}

impl<T: Transport> Card<T> {
    pub fn new(transport: T) -> Card<T> {
        Card { transport }
    }

    /// Gives the transport back (e.g. to save a simulated card's state).
    pub fn into_inner(self) -> T {
        self.transport
    }

    fn send(&mut self, command: &CommandApdu) -> Result<Outcome, CardError> {
        let response = self.transport.transmit(command.as_bytes())?;
        Ok(parse_response(&response)?)
    }

    fn select(
        &mut self,
        location: PinLocation,
        what: impl Fn() -> String,
    ) -> Result<(), CardError> {
        for (step, command) in [
            (
                "SELECT application",
                CommandApdu::select_application(location.application),
            ),
            ("SELECT file", CommandApdu::select_file(location.file)),
        ] {
            match self.send(&command)? {
                Outcome::Success(_) => {}
                Outcome::NotFound => return Err(CardError::NotFound { what: what() }),
                outcome => return Err(CardError::UnexpectedOutcome { step, outcome }),
            }
        }
        Ok(())
    }

    fn select_pin(&mut self, kind: PinKind) -> Result<(), CardError> {
        self.select(pin_location(kind), || format!("{kind} PIN"))
    }

    /// Remaining tries of the selected PIN, from a VERIFY without data.
    fn remaining_tries(&mut self, kind: PinKind) -> Result<PinStatus, CardError> {
        let remaining = match self.send(&CommandApdu::verify_status())? {
            Outcome::TriesLeft(x) => x,
            Outcome::NoTriesLeft | Outcome::Blocked => 0,
            // Already verified in this session: a correct entry has reset the counter.
            Outcome::Success(_) => kind.max_tries(),
            Outcome::NotFound => {
                return Err(CardError::NotFound {
                    what: format!("{kind} PIN"),
                });
            }
            outcome @ Outcome::SecurityNotSatisfied => {
                return Err(CardError::UnexpectedOutcome {
                    step: "VERIFY without data",
                    outcome,
                });
            }
        };
        Ok(PinStatus {
            kind,
            remaining,
            max: kind.max_tries().max(remaining),
        })
    }

    /// How many tries the PIN of `kind` has left. Never spends a try.
    pub fn pin_status(&mut self, kind: PinKind) -> Result<PinStatus, CardError> {
        self.select_pin(kind)?;
        self.remaining_tries(kind)
    }

    /// Whether the card holds a signature certificate (and so a signature
    /// PIN): a card issued before its holder turned 15, or to an adult ward,
    /// has none, and selecting its PIN answers 6A 82. Spends no try.
    pub fn holds_signature_certificate(&mut self) -> Result<bool, CardError> {
        match self.select_pin(PinKind::Signature) {
            Ok(()) => Ok(true),
            Err(CardError::NotFound { .. }) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Verifies `current`, then sets `new`, for the PIN of `kind`. A blocked
    /// PIN is refused before any VERIFY is sent, so a try is never wasted on it.
    pub fn change_pin(
        &mut self,
        kind: PinKind,
        current: &Pin,
        new: &Pin,
    ) -> Result<PinStatus, CardError> {
        if let Some(got) = [current.kind(), new.kind()]
            .into_iter()
            .find(|&k| k != kind)
        {
            return Err(CardError::KindMismatch {
                expected: kind,
                got,
            });
        }
        self.select_pin(kind)?;
        if self.remaining_tries(kind)?.blocked() {
            return Err(CardError::PinBlocked { kind });
        }
        match self.send(&CommandApdu::verify(current))? {
            Outcome::Success(_) => {}
            Outcome::TriesLeft(remaining) => return Err(CardError::WrongPin { kind, remaining }),
            Outcome::NoTriesLeft => return Err(CardError::WrongPinNowBlocked { kind }),
            Outcome::Blocked => return Err(CardError::PinBlocked { kind }),
            outcome => {
                return Err(CardError::UnexpectedOutcome {
                    step: "VERIFY",
                    outcome,
                });
            }
        }
        match self.send(&CommandApdu::change_reference_data(new))? {
            Outcome::Success(_) => Ok(PinStatus {
                kind,
                remaining: kind.max_tries(),
                max: kind.max_tries(),
            }),
            outcome => Err(CardError::UnexpectedOutcome {
                step: "CHANGE REFERENCE DATA",
                outcome,
            }),
        }
    }

    /// Sets `new` as the PIN of `kind` without the current one and restores
    /// its full try count, blocked or not (RESET RETRY COUNTER). Sends no
    /// VERIFY: the holder of a blocked or forgotten PIN cannot give it.
    ///
    /// A real card accepts this only from the ward office's J-LIS-connected
    /// terminal (terminal authentication and secure messaging, which belong
    /// to that terminal's [`Transport`], not to this crate); from anywhere
    /// else it answers `69 82`, reported as [`CardError::ResetNotAuthorized`].
    pub fn reset_pin(&mut self, kind: PinKind, new: &Pin) -> Result<PinStatus, CardError> {
        if new.kind() != kind {
            return Err(CardError::KindMismatch {
                expected: kind,
                got: new.kind(),
            });
        }
        self.select_pin(kind)?;
        match self.send(&CommandApdu::reset_retry_counter(new))? {
            Outcome::Success(_) => Ok(PinStatus {
                kind,
                remaining: kind.max_tries(),
                max: kind.max_tries(),
            }),
            Outcome::SecurityNotSatisfied => Err(CardError::ResetNotAuthorized { kind }),
            outcome => Err(CardError::UnexpectedOutcome {
                step: "RESET RETRY COUNTER",
                outcome,
            }),
        }
    }

    /// The DER of the JPKI user-authentication certificate, read without a PIN.
    pub fn auth_certificate(&mut self) -> Result<Vec<u8>, CardError> {
        self.select(AUTH_CERTIFICATE, || {
            "user-authentication certificate".to_owned()
        })?;
        // Tag and a long-form length of up to two bytes: enough for any file
        // READ BINARY can address.
        let header = self.read_binary(0, 4)?;
        let total = der_total_length(&header)?;
        let mut der = header;
        der.truncate(total);
        while der.len() < total {
            let chunk = (total - der.len()).min(MAX_READ_CHUNK);
            let bytes = self.read_binary(der.len(), chunk)?;
            if bytes.is_empty() {
                return Err(CardError::BadCertificate(format!(
                    "file ended at {} of {total} bytes",
                    der.len()
                )));
            }
            der.extend_from_slice(&bytes);
        }
        der.truncate(total);
        Ok(der)
    }

    fn read_binary(&mut self, offset: usize, len: usize) -> Result<Vec<u8>, CardError> {
        let command = CommandApdu::read_binary(offset, len)
            .map_err(|e| CardError::BadCertificate(e.to_string()))?;
        match self.send(&command)? {
            Outcome::Success(data) => Ok(data),
            outcome => Err(CardError::UnexpectedOutcome {
                step: "READ BINARY",
                outcome,
            }),
        }
    }

    /// SHA-256 of the user-authentication certificate; binds a case to a card.
    pub fn auth_certificate_fingerprint(&mut self) -> Result<CertificateFingerprint, CardError> {
        Ok(CertificateFingerprint::of_der(&self.auth_certificate()?))
    }
}

/// The length of a whole DER SEQUENCE (header included), from its first bytes.
fn der_total_length(header: &[u8]) -> Result<usize, CardError> {
    let bad = |why: &str| CardError::BadCertificate(why.to_owned());
    let (&tag, rest) = header.split_first().ok_or_else(|| bad("empty file"))?;
    if tag != 0x30 {
        return Err(bad(&format!("starts with tag {tag:02X}, not 30")));
    }
    let (&first, rest) = rest.split_first().ok_or_else(|| bad("no length byte"))?;
    let total = match first {
        0x00..=0x7F => 2 + usize::from(first),
        0x81 | 0x82 => {
            let n = usize::from(first & 0x7F);
            let bytes = rest.get(..n).ok_or_else(|| bad("length cut short"))?;
            2 + n
                + bytes
                    .iter()
                    .fold(0usize, |acc, &b| acc << 8 | usize::from(b))
        }
        _ => return Err(bad(&format!("length form {first:02X} is not supported"))),
    };
    if total > MAX_READ_OFFSET + MAX_READ_CHUNK {
        return Err(bad(&format!(
            "{total} bytes is more than READ BINARY can address"
        )));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_are_read_from_the_header() {
        let cases: [(&[u8], Result<usize, ()>); 7] = [
            (&[0x30, 0x05, 0, 0], Ok(7)),
            (&[0x30, 0x81, 0x80, 0], Ok(0x83)),
            (&[0x30, 0x82, 0x05, 0x1C], Ok(0x051C + 4)),
            (&[0x31, 0x05, 0, 0], Err(())),
            (&[0x30, 0x83, 0x01, 0x00], Err(())),
            (&[0x30, 0x82, 0xFF, 0xFF], Err(())),
            (&[0x30], Err(())),
        ];
        for (header, expected) in cases {
            assert_eq!(
                der_total_length(header).map_err(|_| ()),
                expected,
                "{header:02X?}"
            );
        }
    }

    #[test]
    fn fingerprints_round_trip_through_hex() {
        let f = CertificateFingerprint::of_der(b"certificate");
        let back: CertificateFingerprint = f.to_string().parse().unwrap();
        assert_eq!(back, f);
        assert_eq!(f.to_string().len(), 64);
        assert!("xyz".parse::<CertificateFingerprint>().is_err());
    }
}
