//! The canonical bytes of an audit event (format version 1) and the chain hash
//! over them. Pure functions, so an auditor's tool can reuse them and tests can
//! pin the format.
//!
//! # Format version 1
//!
//! The event is thirteen fields in this fixed order. A present field is the
//! byte `0x01`, its length as a 4-byte big-endian unsigned integer, then its
//! UTF-8 bytes; an absent field is the single byte `0x00` (so "absent" and
//! "empty" differ).
//!
//! | # | field | text form |
//! |---|---|---|
//! | 1 | format version | `1` |
//! | 2 | sequence number | decimal, no sign or leading zeros |
//! | 3 | recorded at | UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (always 6 fraction digits) |
//! | 4 | case id | decimal, or absent |
//! | 5 | case reference | as stored, or absent |
//! | 6 | actor (username) | or absent for the system |
//! | 7 | role | workflow role code, or `system` |
//! | 8 | event | stable snake_case event code |
//! | 9 | from state | state code, or absent |
//! | 10 | to state | state code, or absent |
//! | 11 | reason | or absent |
//! | 12 | details | the JSON text exactly as stored in `audit_log.details` |
//! | 13 | personal digest | lowercase hex SHA-256(salt ‖ personal JSON text), or absent |
//!
//! `hash = SHA-256(prev_hash ‖ canonical bytes)`, with `prev_hash` as its 32 raw
//! bytes (the first event uses 32 zero bytes); both are stored as lowercase
//! hex. The personal JSON and its 16-byte salt (hex) are stored beside the
//! digest and may be purged; the chain never covers them directly.
//!
//! # Test vector
//!
//! Event 1, recorded `2026-11-26T00:30:00.000000Z`, case id `1`, reference
//! `R8-000001`, actor `tanaka`, role `clerk`, event `open`, no from state, to
//! state `applied`, no reason, details `{"path":"optional_proxy"}`, no
//! personal digest, after the genesis hash, hashes to
//! `ef077568ef5d901f5cc61ccb0e2c12fa5a48e6e3c4fe43f399c06e2561dc7b8c`.
//! In Python, for checking an export without our code:
//!
//! ```text
//! import hashlib, struct
//! def field(x):
//!     if x is None: return b"\x00"
//!     b = x.encode(); return b"\x01" + struct.pack(">I", len(b)) + b
//! fields = ["1", "1", "2026-11-26T00:30:00.000000Z", "1", "R8-000001", "tanaka",
//!           "clerk", "open", None, "applied", None, '{"path":"optional_proxy"}', None]
//! prev = bytes(32)
//! print(hashlib.sha256(prev + b"".join(map(field, fields))).hexdigest())
//! ```
//!
//! In a CSV export an empty cell is an absent field: the store never records
//! an optional text field as empty. A cell that begins with `'` had one `'`
//! added so spreadsheets never run it as a formula
//! (`shokai_workflow::csv::cell`); drop it before hashing.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The canonical-encoding version this build writes.
pub const FORMAT_VERSION: i64 = 1;

/// The hash that precedes the first event.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// The fields of one audit event that its hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalEvent<'a> {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The case it belongs to, if any.
    pub case_id: Option<i64>,
    /// The case's reference number, if any.
    pub case_reference: Option<&'a str>,
    /// Who acted (username), or `None` for the system.
    pub actor: Option<&'a str>,
    /// The actor's role code.
    pub role: &'a str,
    /// What happened.
    pub event: &'a str,
    /// State before.
    pub from_state: Option<&'a str>,
    /// State after.
    pub to_state: Option<&'a str>,
    /// Why, as the clerk wrote it.
    pub reason: Option<&'a str>,
    /// Non-personal details, JSON text.
    pub details: &'a str,
    /// Hex digest of the salted personal data.
    pub personal_digest: Option<&'a str>,
}

/// The timestamp text used in the canonical bytes.
pub fn canonical_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn push_field(out: &mut Vec<u8>, field: Option<&str>) {
    match field {
        Some(text) => {
            out.push(1);
            let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(text.as_bytes());
        }
        None => out.push(0),
    }
}

/// Encodes an event as format version 1.
pub fn canonical_bytes(event: &CanonicalEvent<'_>) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + event.details.len());
    push_field(&mut out, Some(&FORMAT_VERSION.to_string()));
    push_field(&mut out, Some(&event.seq.to_string()));
    push_field(&mut out, Some(&canonical_time(event.recorded_at)));
    push_field(&mut out, event.case_id.map(|id| id.to_string()).as_deref());
    push_field(&mut out, event.case_reference);
    push_field(&mut out, event.actor);
    push_field(&mut out, Some(event.role));
    push_field(&mut out, Some(event.event));
    push_field(&mut out, event.from_state);
    push_field(&mut out, event.to_state);
    push_field(&mut out, event.reason);
    push_field(&mut out, Some(event.details));
    push_field(&mut out, event.personal_digest);
    out
}

/// `SHA-256(prev_hash ‖ canonical bytes)`.
pub fn chain_hash(prev_hash: &[u8; 32], event: &CanonicalEvent<'_>) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update(canonical_bytes(event));
    hasher.finalize().into()
}

/// `SHA-256(salt ‖ personal JSON text)`: what the chain keeps of personal data.
pub fn personal_digest(salt: &[u8], personal_json: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(personal_json.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> CanonicalEvent<'static> {
        CanonicalEvent {
            seq: 7,
            recorded_at: DateTime::parse_from_rfc3339("2026-11-26T01:02:03.5Z")
                .unwrap()
                .with_timezone(&Utc),
            case_id: Some(42),
            case_reference: Some("R8-000042"),
            actor: Some("tanaka"),
            role: "clerk",
            event: "letter_issued",
            from_state: Some("applied"),
            to_state: None,
            reason: Some(""),
            details: "{}",
            personal_digest: None,
        }
    }

    #[test]
    fn each_field_is_length_prefixed_and_absent_fields_differ_from_empty_ones() {
        let bytes = canonical_bytes(&event());
        // version "1"
        assert_eq!(&bytes[..6], &[1, 0, 0, 0, 1, b'1']);
        // seq "7"
        assert_eq!(&bytes[6..12], &[1, 0, 0, 0, 1, b'7']);
        // recorded_at always has six fraction digits
        assert_eq!(&bytes[12..17], &[1, 0, 0, 0, 27]);
        assert_eq!(&bytes[17..44], b"2026-11-26T01:02:03.500000Z");
        // to_state absent is one 0x00; reason "" is 0x01 + zero length
        let mut with_empty_to_state = event();
        with_empty_to_state.to_state = Some("");
        assert_ne!(bytes, canonical_bytes(&with_empty_to_state));
        // last field: personal digest absent
        assert_eq!(bytes.last(), Some(&0));
    }

    #[test]
    fn moving_text_between_adjacent_fields_changes_the_hash() {
        let mut a = event();
        a.actor = Some("tanakaclerk");
        a.role = "";
        let mut b = event();
        b.actor = Some("tanaka");
        b.role = "clerk";
        assert_ne!(chain_hash(&GENESIS_HASH, &a), chain_hash(&GENESIS_HASH, &b));
    }

    #[test]
    fn the_hash_depends_on_the_previous_hash() {
        let other = [1u8; 32];
        assert_ne!(
            chain_hash(&GENESIS_HASH, &event()),
            chain_hash(&other, &event())
        );
    }

    #[test]
    fn the_personal_digest_changes_with_the_salt() {
        let json = r#"{"name":"山田太郎"}"#;
        assert_ne!(
            personal_digest(b"salt-a", json),
            personal_digest(b"salt-b", json)
        );
    }
}

#[cfg(test)]
mod vector {
    use super::*;

    /// The published test vector in the module docs: if this fails, the
    /// format changed and needs a new version number, not a new vector.
    #[test]
    fn the_documented_test_vector_still_hashes_to_the_documented_value() {
        let event = CanonicalEvent {
            seq: 1,
            recorded_at: DateTime::parse_from_rfc3339("2026-11-26T00:30:00Z")
                .unwrap()
                .with_timezone(&Utc),
            case_id: Some(1),
            case_reference: Some("R8-000001"),
            actor: Some("tanaka"),
            role: "clerk",
            event: "open",
            from_state: None,
            to_state: Some("applied"),
            reason: None,
            details: r#"{"path":"optional_proxy"}"#,
            personal_digest: None,
        };
        assert_eq!(
            hex::encode(chain_hash(&GENESIS_HASH, &event)),
            "ef077568ef5d901f5cc61ccb0e2c12fa5a48e6e3c4fe43f399c06e2561dc7b8c"
        );
    }
}
