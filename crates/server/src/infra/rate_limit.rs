//! Which keys the logins and the proxies' status page throttle, and how (the
//! counting itself is `shokai_store::throttle`: in the database, so every
//! server on one database counts the same failures, with growing delays
//! instead of a fixed lockout).
//!
//! The keys are chosen so that no stranger can shut a real user out for
//! long:
//! - a login is throttled per (client address, username): a flood from one
//!   address slows that address's tries at that name, never the real user
//!   at another counter; and per username over every address, with many free
//!   failures and a low cap, to bound guessing spread over many addresses
//!   (a flood from one address cannot reach it: the pair's own delays stop
//!   it first);
//! - a status lookup is throttled per (client address, reference), per
//!   address over every reference (enumeration), and per reference over
//!   every address with a low cap, which keeps a distributed guesser of the
//!   four digits to about one try a minute while the real proxy waits at
//!   most that minute.
//!
//! Every policy counts failures only: a right password, or a lookup that
//! found its case, clears the keys it proves.

use chrono::Duration;
use shokai_store::throttle::{ThrottleKey, ThrottlePolicy};

/// The longest username a login looks up (and `user add` accepts): longer
/// input is refused before it reaches a throttle or the database.
pub const MAX_USERNAME_CHARS: usize = 64;

/// Wrong passwords from one address for one username.
pub const LOGIN_PAIR: ThrottlePolicy = ThrottlePolicy {
    free_failures: 5,
    first_delay: Duration::seconds(1),
    max_delay: Duration::minutes(5),
    forget_after: Duration::hours(1),
};

/// Wrong passwords for one username from every address together.
pub const LOGIN_USER: ThrottlePolicy = ThrottlePolicy {
    free_failures: 20,
    first_delay: Duration::seconds(1),
    max_delay: Duration::minutes(1),
    forget_after: Duration::hours(1),
};

// A burst from one address gets `free + 1` tries past its pair before the
// pair's first block: fewer than the username's (the reference's) own free
// failures, so one address can never slow the real user (proxy) everywhere.
const _: () = assert!(LOGIN_PAIR.free_failures + 1 < LOGIN_USER.free_failures);
const _: () = assert!(STATUS_PAIR.free_failures + 1 < STATUS_REFERENCE.free_failures);

/// The keys one login try counts against.
pub fn login_keys(address: &str, username: &str) -> Vec<ThrottleKey> {
    let user = username.to_lowercase();
    vec![
        ThrottleKey::new("login_pair", &format!("{address}\u{0}{user}"), LOGIN_PAIR),
        ThrottleKey::new("login_user", &user, LOGIN_USER),
    ]
}

/// Failed lookups from one address for one reference.
pub const STATUS_PAIR: ThrottlePolicy = ThrottlePolicy {
    free_failures: 5,
    first_delay: Duration::seconds(2),
    max_delay: Duration::minutes(15),
    forget_after: Duration::hours(1),
};

/// Failed lookups from one address over every reference.
pub const STATUS_ADDRESS: ThrottlePolicy = ThrottlePolicy {
    free_failures: 20,
    first_delay: Duration::seconds(2),
    max_delay: Duration::minutes(15),
    forget_after: Duration::hours(1),
};

/// Failed lookups of one reference from every address together.
pub const STATUS_REFERENCE: ThrottlePolicy = ThrottlePolicy {
    free_failures: 20,
    first_delay: Duration::seconds(1),
    max_delay: Duration::minutes(1),
    forget_after: Duration::hours(24),
};

/// The keys one status lookup counts against; `reference` is `None` when
/// what was typed is not a reference number at all.
pub fn status_keys(address: &str, reference: Option<&str>) -> Vec<ThrottleKey> {
    let mut keys = vec![ThrottleKey::new("status_address", address, STATUS_ADDRESS)];
    if let Some(reference) = reference {
        keys.push(ThrottleKey::new(
            "status_pair",
            &format!("{address}\u{0}{reference}"),
            STATUS_PAIR,
        ));
        keys.push(ThrottleKey::new(
            "status_reference",
            reference,
            STATUS_REFERENCE,
        ));
    }
    keys
}

/// The keys a found case proves: the pair and the reference, never the
/// address's own count (else one known case would let an address wipe its
/// record of guesses at others).
pub fn status_keys_cleared_by_success(keys: &[ThrottleKey]) -> Vec<ThrottleKey> {
    keys.iter()
        .filter(|k| k.scope() != "status_address")
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_stranger_can_block_a_user_or_a_reference_everywhere_for_more_than_a_minute() {
        assert!(LOGIN_USER.max_delay <= Duration::minutes(1));
        assert!(STATUS_REFERENCE.max_delay <= Duration::minutes(1));
    }

    #[test]
    fn usernames_are_keyed_without_regard_to_case() {
        let upper = login_keys("192.0.2.1", "SATO");
        let lower = login_keys("192.0.2.1", "sato");
        assert_eq!(format!("{upper:?}"), format!("{lower:?}"));
    }

    #[test]
    fn a_found_case_clears_its_pair_and_reference_but_not_the_address() {
        let keys = status_keys("192.0.2.1", Some("R8-000001-3"));
        let cleared: Vec<_> = status_keys_cleared_by_success(&keys)
            .iter()
            .map(ThrottleKey::scope)
            .collect();
        assert_eq!(cleared, ["status_pair", "status_reference"]);
    }
}
