//! Counting rate limits: failed logins, and every lookup on the proxies'
//! public status page.
//!
//! A key (a username, a client address, a reference number) that was counted
//! `limit` times within `window` is refused until the oldest of those counts
//! leaves the window. Logins count only failures ([`FailureLimiter::fail`]),
//! so a clerk who types the password right is never slowed; the status page
//! counts every try ([`FailureLimiter::attempt`]), because a right answer
//! there is as much a probe as a wrong one. State is in memory: a restart forgets it, which for a single
//! office server is acceptable and keeps the database out of the hot path.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Counts recent failures per key.
#[derive(Debug)]
pub struct FailureLimiter {
    limit: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl FailureLimiter {
    /// At most `limit` failures per key within `window`.
    pub fn new(limit: usize, window: Duration) -> FailureLimiter {
        FailureLimiter {
            limit,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` may try now.
    pub fn allows(&self, key: &str, now: Instant) -> bool {
        let mut map = self.lock();
        let Some(times) = map.get_mut(key) else {
            return true;
        };
        Self::forget_old(times, now, self.window);
        times.len() < self.limit
    }

    /// Records a failed try of `key`.
    pub fn fail(&self, key: &str, now: Instant) {
        let mut map = self.lock();
        // Bound memory under a flood of distinct keys: drop keys with nothing recent.
        if map.len() > 10_000 {
            map.retain(|_, times| {
                Self::forget_old(times, now, self.window);
                !times.is_empty()
            });
        }
        let times = map.entry(key.to_owned()).or_default();
        Self::forget_old(times, now, self.window);
        times.push_back(now);
    }

    /// Counts one try of `key` if it is allowed now, in one step (no race
    /// between checking and counting); a refused try is not counted, so a
    /// flood does not push the end of the lockout further away.
    pub fn attempt(&self, key: &str, now: Instant) -> bool {
        let mut map = self.lock();
        if map.len() > 10_000 {
            map.retain(|_, times| {
                Self::forget_old(times, now, self.window);
                !times.is_empty()
            });
        }
        let times = map.entry(key.to_owned()).or_default();
        Self::forget_old(times, now, self.window);
        if times.len() >= self.limit {
            return false;
        }
        times.push_back(now);
        true
    }

    /// Clears `key` after a success.
    pub fn succeed(&self, key: &str) {
        self.lock().remove(key);
    }

    fn forget_old(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
        while times
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            times.pop_front();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Instant>>> {
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Failed logins allowed per username, and per client address, within
/// [`LOGIN_WINDOW`]: enough for typos, far too few for guessing.
pub const LOGIN_FAILURES_PER_USER: usize = 5;
/// See [`LOGIN_FAILURES_PER_USER`]; an office shares few addresses.
pub const LOGIN_FAILURES_PER_ADDRESS: usize = 30;
/// The window failed logins are counted in.
pub const LOGIN_WINDOW: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Failed-login counters by username and by client address.
#[derive(Debug)]
pub struct LoginLimits {
    pub(crate) users: FailureLimiter,
    pub(crate) addresses: FailureLimiter,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            users: FailureLimiter::new(LOGIN_FAILURES_PER_USER, LOGIN_WINDOW),
            addresses: FailureLimiter::new(LOGIN_FAILURES_PER_ADDRESS, LOGIN_WINDOW),
        }
    }
}

/// Lookups allowed per client address within [`STATUS_ADDRESS_WINDOW`].
pub const STATUS_TRIES_PER_ADDRESS: usize = 20;
/// See [`STATUS_TRIES_PER_ADDRESS`].
pub const STATUS_ADDRESS_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Lookups allowed per reference number within [`STATUS_REFERENCE_WINDOW`].
pub const STATUS_TRIES_PER_REFERENCE: usize = 10;
/// See [`STATUS_TRIES_PER_REFERENCE`].
pub const STATUS_REFERENCE_WINDOW: Duration = Duration::from_secs(60 * 60);

/// Counters of status lookups by client address and by reference number.
#[derive(Debug)]
pub struct StatusLimits {
    pub(crate) addresses: FailureLimiter,
    pub(crate) references: FailureLimiter,
}

impl Default for StatusLimits {
    fn default() -> Self {
        StatusLimits {
            addresses: FailureLimiter::new(STATUS_TRIES_PER_ADDRESS, STATUS_ADDRESS_WINDOW),
            references: FailureLimiter::new(STATUS_TRIES_PER_REFERENCE, STATUS_REFERENCE_WINDOW),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_refused_after_the_limit_and_allowed_again_once_the_window_passes() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(limiter.allows("sato", t0 + Duration::from_secs(i)));
            limiter.fail("sato", t0 + Duration::from_secs(i));
        }
        assert!(!limiter.allows("sato", t0 + Duration::from_secs(10)));
        assert!(
            limiter.allows("kato", t0 + Duration::from_secs(10)),
            "other keys are not affected"
        );
        assert!(
            limiter.allows("sato", t0 + Duration::from_secs(60)),
            "the first failure aged out"
        );
    }

    #[test]
    fn attempts_are_counted_until_the_limit_and_refused_ones_do_not_extend_the_lockout() {
        let limiter = FailureLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        assert!(limiter.attempt("R8-000001-3", t0));
        assert!(limiter.attempt("R8-000001-3", t0 + Duration::from_secs(1)));
        assert!(!limiter.attempt("R8-000001-3", t0 + Duration::from_secs(2)));
        assert!(!limiter.attempt("R8-000001-3", t0 + Duration::from_secs(59)));
        assert!(
            limiter.attempt("R8-000001-3", t0 + Duration::from_secs(60)),
            "the refused tries were not counted: the first try aged out"
        );
    }

    #[test]
    fn a_success_clears_the_count() {
        let limiter = FailureLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        limiter.fail("sato", t0);
        limiter.succeed("sato");
        limiter.fail("sato", t0);
        assert!(limiter.allows("sato", t0));
    }
}
