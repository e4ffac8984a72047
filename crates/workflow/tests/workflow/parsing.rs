//! Parsers accept what people type and print back one canonical form.

use proptest::prelude::*;
use shokai_workflow::{CodeKeyring, PostalCode, ReferenceNumber, VerificationCode};

/// Retypes a code as a hurried clerk might: lower case, spaces and hyphens,
/// and the confusable letters for 1 and 0.
fn retype(code: &str, lower: &[bool], gaps: &[u8]) -> String {
    let mut out = String::new();
    for (i, c) in code.chars().enumerate() {
        let c = match c {
            '1' if gaps[i].is_multiple_of(3) => 'I',
            '1' if gaps[i] % 3 == 1 => 'l',
            '0' if gaps[i].is_multiple_of(2) => 'o',
            other if lower[i] => other.to_ascii_lowercase(),
            other => other,
        };
        out.push(c);
        match gaps[i] % 5 {
            0 => out.push(' '),
            1 => out.push('-'),
            _ => {}
        }
    }
    out
}

proptest! {
    #[test]
    fn a_retyped_code_still_verifies_against_its_letter(
        seed in any::<u64>(),
        lower in prop::collection::vec(any::<bool>(), 10),
        gaps in prop::collection::vec(any::<u8>(), 10),
    ) {
        use rand::SeedableRng;
        let ring = CodeKeyring::new("k", vec![9; 32]).unwrap();
        let code = VerificationCode::generate(&mut rand::rngs::StdRng::seed_from_u64(seed));
        let digest = ring.digest(&code);
        let typed = retype(code.expose(), &lower, &gaps);
        let parsed = VerificationCode::parse(&typed).unwrap();
        prop_assert!(ring.verify(&parsed, &digest), "{typed}");
    }

    #[test]
    fn every_postal_code_prints_as_three_hyphen_four(digits in "[0-9]{7}", hyphen in any::<bool>()) {
        let typed = if hyphen { format!("{}-{}", &digits[..3], &digits[3..]) } else { digits.clone() };
        let parsed = PostalCode::parse(&typed).unwrap();
        prop_assert_eq!(parsed.to_string(), format!("{}-{}", &digits[..3], &digits[3..]));
        prop_assert_eq!(PostalCode::parse(&parsed.to_string()).unwrap(), parsed);
    }

    #[test]
    fn every_reference_round_trips_and_a_changed_check_digit_is_caught(year in 1u8..=99, seq in 1u32..=999_999, bump in 1u8..=9) {
        let r = ReferenceNumber::new(year, seq).unwrap();
        let text = r.to_string();
        prop_assert_eq!(ReferenceNumber::parse(&text).unwrap(), r);
        let wrong = (r.check_digit() + bump) % 10;
        let typed = format!("{}{}", &text[..text.len() - 1], wrong);
        prop_assert!(ReferenceNumber::parse(&typed).is_err(), "{typed}");
    }
}
