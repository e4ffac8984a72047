//! Bearer tokens: 32 random bytes shown once to the client as hex; the
//! database keeps only their SHA-256, so a copy of the sessions table cannot
//! be replayed.

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// A new random token (64 hex characters).
pub fn generate() -> SecretString {
    let bytes: [u8; 32] = rand::random();
    SecretString::from(hex::encode(bytes))
}

/// The stored form of a token.
pub fn digest(token: &SecretString) -> String {
    hex::encode(Sha256::digest(token.expose_secret().as_bytes()))
}

/// The token of an `Authorization: Bearer …` header value, if well-formed.
pub fn from_header(value: &str) -> Option<SecretString> {
    let token = value.strip_prefix("Bearer ")?.trim();
    let well_formed = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    well_formed.then(|| SecretString::from(token.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_token_reads_back_from_its_header_and_digests_stably() {
        let token = generate();
        let header = format!("Bearer {}", token.expose_secret());
        let read = from_header(&header).unwrap();
        assert_eq!(digest(&read), digest(&token));
        assert_ne!(digest(&token), token.expose_secret());
        assert_ne!(digest(&generate()), digest(&token));
    }

    #[test]
    fn malformed_authorization_headers_carry_no_token() {
        assert!(from_header("Basic abc").is_none());
        assert!(from_header("Bearer short").is_none());
        assert!(from_header(&format!("Bearer {}", "g".repeat(64))).is_none());
    }
}
