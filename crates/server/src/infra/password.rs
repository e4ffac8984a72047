//! Password hashing with argon2id (the crate's defaults: 19 MiB, 2 passes).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use secrecy::{ExposeSecret, SecretString};

/// Shortest password accepted for a staff account.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Too short to resist guessing.
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    /// The hasher failed (does not happen with valid parameters).
    #[error("cannot hash the password: {0}")]
    Hash(argon2::password_hash::Error),
}

/// Hashes `password` with a fresh random salt into a PHC string.
pub fn hash(password: &SecretString) -> Result<String, PasswordError> {
    if password.expose_secret().chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    let mut salt_bytes = [0u8; 16];
    rand::Rng::fill(&mut rand::rng(), &mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(PasswordError::Hash)?;
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(PasswordError::Hash)
}

/// Whether `password` matches `phc`. An unparsable stored hash never matches.
pub fn verify(password: &SecretString, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok()
    })
}

/// Spends the time of one verification when the user does not exist, so the
/// answer time does not tell which usernames are real.
pub fn verify_against_nothing(password: &SecretString) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash(&SecretString::from("not-a-real-password")).ok());
    if let Some(phc) = dummy {
        let _ = verify(password, phc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn the_right_password_matches_and_a_wrong_one_does_not() {
        let phc = hash(&secret("correct horse battery")).unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(verify(&secret("correct horse battery"), &phc));
        assert!(!verify(&secret("correct horse batterY"), &phc));
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        let a = hash(&secret("correct horse battery")).unwrap();
        let b = hash(&secret("correct horse battery")).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn short_passwords_and_garbage_hashes_are_refused() {
        assert!(matches!(
            hash(&secret("short")),
            Err(PasswordError::TooShort)
        ));
        assert!(!verify(&secret("anything at all"), "not a phc string"));
    }
}
