//! The verification code printed on the inquiry letter: 10 characters of
//! Crockford Base32, i.e. 50 random bits. It exists in plain text only between
//! generation and printing, and on the paper; the case keeps an HMAC of it
//! ([`crate::CodeDigest`]). Hence no `Serialize`, no `Clone`, a redacted
//! `Debug`, and zeroed memory on drop.

use rand_core::RngCore;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Crockford's alphabet: digits and letters without I, L, O, U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a code.
pub const CODE_LEN: usize = 10;

/// Why a typed code was refused before any comparison.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerificationCodeError {
    /// After removing spaces and hyphens the code is not 10 characters long.
    #[error("the code on the letter has 10 characters, {0} were entered")]
    WrongLength(usize),
    /// A character that is not in the code alphabet (U, or punctuation).
    #[error("the code contains a character that cannot appear on the letter")]
    InvalidCharacter,
}

/// A 10-character verification code.
#[derive(Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct VerificationCode([u8; CODE_LEN]);

impl VerificationCode {
    /// Draws a fresh code with 50 bits from `rng` (use a CSPRNG, e.g. `rand::rngs::OsRng`
    /// or `rand::rng()`).
    pub fn generate<R: RngCore + ?Sized>(rng: &mut R) -> VerificationCode {
        let mut bytes = [0u8; 8];
        rng.fill_bytes(&mut bytes[..7]);
        let mut bits = u64::from_be_bytes(bytes) >> 14; // 56 drawn bits, keep the top 50
        bytes.zeroize();
        let mut out = [0u8; CODE_LEN];
        for slot in out.iter_mut().rev() {
            *slot = ALPHABET[usize::try_from(bits & 31).unwrap_or(0)];
            bits >>= 5;
        }
        bits.zeroize();
        VerificationCode(out)
    }

    /// Parses what a clerk typed from the response form. Tolerates lower case,
    /// spaces and hyphens, and reads the confusables I and L as 1, O as 0.
    pub fn parse(input: &str) -> Result<VerificationCode, VerificationCodeError> {
        let mut out = [0u8; CODE_LEN];
        let mut n = 0usize;
        for c in input.chars().map(super::text::fold_width) {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '\t' => continue,
                'I' | 'L' => '1',
                'O' => '0',
                other => other,
            };
            let byte = u8::try_from(c).ok().filter(|b| ALPHABET.contains(b));
            let Some(byte) = byte else {
                out.zeroize();
                return Err(VerificationCodeError::InvalidCharacter);
            };
            if n < CODE_LEN {
                out[n] = byte;
            }
            n += 1;
        }
        if n != CODE_LEN {
            out.zeroize();
            return Err(VerificationCodeError::WrongLength(n));
        }
        Ok(VerificationCode(out))
    }

    /// The 10 characters, for printing on the letter and for the HMAC.
    /// Call sites are the only places the secret leaves this type: keep them few.
    pub fn expose(&self) -> &str {
        // Only ALPHABET bytes are ever stored, so this is always ASCII.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The code as printed: two groups of five, `ABCDE-FGHJK`, easier to copy.
    pub fn grouped(&self) -> String {
        let s = self.expose();
        format!("{}-{}", &s[..5], &s[5..])
    }
}

impl std::fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerificationCode(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_generated_code_has_ten_crockford_characters_and_parses_back() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..200 {
            let code = VerificationCode::generate(&mut rng);
            assert_eq!(code.expose().len(), 10);
            assert!(code.expose().bytes().all(|b| ALPHABET.contains(&b)));
            assert_eq!(VerificationCode::parse(&code.grouped()).unwrap(), code);
        }
    }

    #[test]
    fn typing_slips_on_the_form_are_tolerated() {
        let exact = VerificationCode::parse("10ABCDEFGH").unwrap();
        for typed in [
            "10abc-defgh",
            "I0ABC DEFGH",
            "lOabcdefgh",
            " 1 0 A B C D E F G H ",
            "１０ＡＢＣ－ＤＥＦＧＨ",
        ] {
            assert_eq!(VerificationCode::parse(typed).unwrap(), exact, "{typed}");
        }
    }

    #[test]
    fn wrong_lengths_and_impossible_characters_are_refused() {
        assert_eq!(
            VerificationCode::parse("10ABCDEFG"),
            Err(VerificationCodeError::WrongLength(9))
        );
        assert_eq!(
            VerificationCode::parse("10ABCDEFGHJ"),
            Err(VerificationCodeError::WrongLength(11))
        );
        assert_eq!(
            VerificationCode::parse("10ABCDEFGU"),
            Err(VerificationCodeError::InvalidCharacter)
        );
    }

    #[test]
    fn debug_never_shows_the_code() {
        let code = VerificationCode::parse("10ABCDEFGH").unwrap();
        assert!(!format!("{code:?}").contains("ABC"));
    }

    #[test]
    fn all_fifty_bits_vary() {
        // Every character position takes many values across draws: no position is stuck.
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let codes: Vec<VerificationCode> = (0..500)
            .map(|_| VerificationCode::generate(&mut rng))
            .collect();
        for pos in 0..CODE_LEN {
            let distinct: std::collections::BTreeSet<u8> = codes.iter().map(|c| c.0[pos]).collect();
            assert!(
                distinct.len() > 20,
                "position {pos} takes only {} values",
                distinct.len()
            );
        }
    }
}
