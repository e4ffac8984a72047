//! HMAC keys for verification-code digests.
//!
//! A case stores `HMAC-SHA256(key, code)` and the key's id, never the code.
//! Keys rotate: the ring holds one *current* key for new digests and any number
//! of older keys, so letters already mailed stay verifiable until their
//! deadline. Without the key, a leaked database does not reveal codes, even
//! though 50 bits could otherwise be brute-forced offline.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::domain::VerificationCode;

type HmacSha256 = Hmac<Sha256>;

/// Shortest key accepted: the HMAC-SHA256 block security level.
pub const MIN_KEY_BYTES: usize = 32;

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// Fewer than [`MIN_KEY_BYTES`] bytes of key material.
    #[error("an HMAC key needs at least {MIN_KEY_BYTES} bytes, got {0}")]
    KeyTooShort(usize),
    /// Key ids are short printable ASCII names (`2026-11`, `k1`).
    #[error("a key id is 1-32 characters of A-Z a-z 0-9 - _ .")]
    BadKeyId,
    /// The same id twice.
    #[error("key id `{0}` is already in the ring")]
    DuplicateKeyId(String),
}

/// The stored form of a verification code: which key, and the MAC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeDigest {
    /// The id of the key that made `mac`.
    pub key_id: String,
    /// HMAC-SHA256 of the code's 10 characters, hex in JSON.
    #[serde(with = "hex_bytes")]
    pub mac: [u8; 32],
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(mac: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(mac))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let v = hex::decode(s).map_err(D::Error::custom)?;
        v.try_into()
            .map_err(|_| D::Error::custom("a MAC is 32 bytes"))
    }
}

/// HMAC keys by id; one of them is current.
pub struct CodeKeyring {
    current: String,
    keys: BTreeMap<String, Zeroizing<Vec<u8>>>,
}

impl CodeKeyring {
    /// A ring with one key, which is current.
    pub fn new(current_id: &str, secret: Vec<u8>) -> Result<CodeKeyring, KeyringError> {
        let mut ring = CodeKeyring {
            current: current_id.to_owned(),
            keys: BTreeMap::new(),
        };
        ring.insert(current_id, secret)?;
        Ok(ring)
    }

    /// Adds an older key, still accepted by [`CodeKeyring::verify`].
    pub fn with_previous(mut self, id: &str, secret: Vec<u8>) -> Result<CodeKeyring, KeyringError> {
        self.insert(id, secret)?;
        Ok(self)
    }

    fn insert(&mut self, id: &str, secret: Vec<u8>) -> Result<(), KeyringError> {
        let secret = Zeroizing::new(secret);
        let id_ok = (1..=32).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !id_ok {
            return Err(KeyringError::BadKeyId);
        }
        if secret.len() < MIN_KEY_BYTES {
            return Err(KeyringError::KeyTooShort(secret.len()));
        }
        if self.keys.contains_key(id) {
            return Err(KeyringError::DuplicateKeyId(id.to_owned()));
        }
        self.keys.insert(id.to_owned(), secret);
        Ok(())
    }

    /// The id of the current key.
    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    /// Digests a code with the current key.
    pub fn digest(&self, code: &VerificationCode) -> CodeDigest {
        let mac = self
            .keys
            .get(&self.current)
            .map(|k| mac(k, code))
            .unwrap_or([0; 32]);
        CodeDigest {
            key_id: self.current.clone(),
            mac,
        }
    }

    /// Whether `code` is the code behind `digest`, with whichever key made it.
    /// Constant time in the code; false when the key has left the ring.
    pub fn verify(&self, code: &VerificationCode, digest: &CodeDigest) -> bool {
        match self.keys.get(&digest.key_id) {
            Some(key) => bool::from(mac(key, code).ct_eq(&digest.mac)),
            None => false,
        }
    }
}

fn mac(key: &[u8], code: &VerificationCode) -> [u8; 32] {
    // new_from_slice accepts any key length for HMAC; the error arm cannot happen.
    let Ok(mut m) = HmacSha256::new_from_slice(key) else {
        return [0; 32];
    };
    m.update(b"shokai-verification-code-v1:");
    m.update(code.expose().as_bytes());
    m.finalize().into_bytes().into()
}

impl std::fmt::Debug for CodeKeyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeKeyring")
            .field("current", &self.current)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> VerificationCode {
        VerificationCode::parse(s).unwrap()
    }

    #[test]
    fn a_digest_verifies_its_own_code_and_no_other() {
        let ring = CodeKeyring::new("k1", vec![7; 32]).unwrap();
        let d = ring.digest(&code("10ABCDEFGH"));
        assert!(ring.verify(&code("10abc-defgh"), &d));
        assert!(!ring.verify(&code("10ABCDEFGJ"), &d));
    }

    #[test]
    fn after_rotation_old_letters_still_verify_and_new_ones_use_the_new_key() {
        let old = CodeKeyring::new("k1", vec![1; 32]).unwrap();
        let old_digest = old.digest(&code("ZZZZZ00000"));
        let rotated = CodeKeyring::new("k2", vec![2; 32])
            .unwrap()
            .with_previous("k1", vec![1; 32])
            .unwrap();
        assert!(rotated.verify(&code("ZZZZZ00000"), &old_digest));
        assert_eq!(rotated.digest(&code("ZZZZZ00000")).key_id, "k2");
        let dropped = CodeKeyring::new("k2", vec![2; 32]).unwrap();
        assert!(!dropped.verify(&code("ZZZZZ00000"), &old_digest));
    }

    #[test]
    fn short_keys_and_debug_leaks_are_refused() {
        assert_eq!(
            CodeKeyring::new("k1", vec![1; 16]).unwrap_err(),
            KeyringError::KeyTooShort(16)
        );
        let ring = CodeKeyring::new("k1", vec![0xAB; 32]).unwrap();
        let dbg = format!("{ring:?}");
        assert!(dbg.contains("k1") && !dbg.contains("171") && !dbg.to_lowercase().contains("abab"));
    }

    #[test]
    fn a_digest_round_trips_through_json_as_hex() {
        let ring = CodeKeyring::new("k1", vec![3; 32]).unwrap();
        let d = ring.digest(&code("10ABCDEFGH"));
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains(&hex::encode(d.mac)));
        assert_eq!(serde_json::from_str::<CodeDigest>(&json).unwrap(), d);
    }
}
