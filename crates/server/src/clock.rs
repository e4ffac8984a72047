//! Time and fresh codes, handed to the services instead of read by them.
//!
//! `serve` runs on the system clock and the operating system's random
//! codes; tests and `shokai demo load` hand in a clock they set themselves
//! (the demo drives its cases at past times through the same services), and
//! the demo a code source that remembers what it issued, in memory only, so
//! it can answer its own letters.

use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use shokai_workflow::VerificationCode;
use shokai_workflow::case::japan_date;

/// Where the services get the time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now.
    fn now(&self) -> DateTime<Utc>;

    /// Today in Japan, the office's date.
    fn today(&self) -> NaiveDate {
        japan_date(self.now())
    }
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands where it is set: for tests and the demo loader.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: DateTime<Utc>) -> ManualClock {
        ManualClock {
            now: Mutex::new(now),
        }
    }

    /// Sets the time.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.lock() = now;
    }

    /// Moves the time on by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A panic while holding the lock cannot leave a half-written time.
        self.now
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}

/// Where the services get fresh verification codes.
pub trait CodeSource: Send + Sync + std::fmt::Debug {
    /// A fresh code.
    fn generate(&self) -> VerificationCode;
}

/// Codes from the operating system's random numbers.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomCodes;

impl CodeSource for RandomCodes {
    fn generate(&self) -> VerificationCode {
        VerificationCode::generate(&mut rand::rng())
    }
}

/// Random codes, each also kept (zeroized on drop) until taken: the demo
/// loader answers the letters it issued with them. Never used by `serve`.
#[derive(Debug, Default)]
pub struct KeptCodes {
    kept: Mutex<Vec<VerificationCode>>,
}

impl KeptCodes {
    /// The codes generated since the last call, oldest first.
    pub fn take(&self) -> Vec<VerificationCode> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<VerificationCode>> {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl CodeSource for KeptCodes {
    fn generate(&self) -> VerificationCode {
        let code = VerificationCode::generate(&mut rand::rng());
        if let Ok(copy) = VerificationCode::parse(code.expose()) {
            self.lock().push(copy);
        }
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_shows_what_it_was_set_to_and_moves_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-11-29T23:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        assert_eq!(
            clock.today().to_string(),
            "2026-11-30",
            "Japan is 9 hours ahead"
        );
        clock.advance(Duration::days(2));
        assert_eq!(clock.now(), start + Duration::days(2));
        clock.set(start);
        assert_eq!(clock.now(), start);
    }

    #[test]
    fn kept_codes_hands_out_each_issued_code_once() {
        let codes = KeptCodes::default();
        let a = codes.generate();
        let b = codes.generate();
        let kept = codes.take();
        assert_eq!(kept.len(), 2);
        assert_eq!(kept[0].expose(), a.expose());
        assert_eq!(kept[1].expose(), b.expose());
        assert!(codes.take().is_empty());
    }
}
