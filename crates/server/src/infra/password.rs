//! Password hashing with argon2id, with the parameters written out and a
//! bound on how many hashes run at once.
//!
//! Every hash and verification takes one of a few slots ([`max_concurrent`])
//! and runs on tokio's blocking pool, never on an async worker: each costs
//! [`MEMORY_KIB`] of memory and tens of milliseconds of one CPU, so a burst
//! of logins waits for a slot instead of taking the server's memory. The
//! slot is held by the blocking work itself, so a request dropped by its
//! timeout does not free a slot its hash still uses.

use std::num::NonZeroUsize;
use std::sync::{Arc, LazyLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// Shortest password accepted for a staff account.
pub const MIN_PASSWORD_CHARS: usize = 12;

// New hashes use OWASP's minimum for argon2id (Password Storage Cheat
// Sheet: m=19 MiB, t=2, p=1). They are stored in each PHC string, so raising
// them later leaves old hashes verifiable: verification reads the
// parameters from the stored string, whatever they are.
/// Memory per hash, in KiB (19 MiB).
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Passes over that memory.
pub const PASSES: u32 = 2;
/// Lanes (degree of parallelism) inside one hash.
pub const LANES: u32 = 1;
/// Most hashes or verifications at once, however many CPUs there are
/// (4 × 19 MiB); fewer on a machine with fewer CPUs.
pub const MAX_CONCURRENT: usize = 4;

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Too short to resist guessing.
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    /// The hasher failed (does not happen with valid parameters).
    #[error("cannot hash the password: {0}")]
    Hash(argon2::password_hash::Error),
    /// The blocking task running the hash failed (a panic; not expected).
    #[error("the password hashing task failed: {0}")]
    Task(#[source] tokio::task::JoinError),
}

/// How many hashes run at once: the CPUs, at most [`MAX_CONCURRENT`].
pub fn max_concurrent() -> usize {
    std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .clamp(1, MAX_CONCURRENT)
}

/// The slots every hash and verification of the process waits for.
static SLOTS: LazyLock<Arc<Semaphore>> =
    LazyLock::new(|| Arc::new(Semaphore::new(max_concurrent())));

/// Runs `work` on the blocking pool once a slot of `slots` is free; the
/// slot is released when `work` ends.
async fn bounded<T, F>(slots: Arc<Semaphore>, work: F) -> Result<T, PasswordError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    // The semaphore is never closed, so acquiring cannot fail; were it
    // closed, running unbounded is better than refusing every login.
    let slot = slots.acquire_owned().await.ok();
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        work()
    })
    .await
    .map_err(PasswordError::Task)
}

/// Hashes `password` with a fresh random salt into a PHC string, with the
/// parameters above, waiting for a slot.
pub async fn hash(password: &SecretString) -> Result<String, PasswordError> {
    if password.expose_secret().chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    let password = password.clone();
    bounded(SLOTS.clone(), move || hash_now(&password)).await?
}

/// Whether `password` matches `phc`, waiting for a slot. An unparsable
/// stored hash never matches.
pub async fn verify(password: &SecretString, phc: &str) -> Result<bool, PasswordError> {
    let (password, phc) = (password.clone(), phc.to_owned());
    bounded(SLOTS.clone(), move || verify_now(&password, &phc)).await
}

/// Spends the time of one verification when the user does not exist, so the
/// answer time does not tell which usernames are real.
pub async fn verify_against_nothing(password: &SecretString) -> Result<(), PasswordError> {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let password = password.clone();
    bounded(SLOTS.clone(), move || {
        let dummy = DUMMY.get_or_init(|| hash_now(&SecretString::from("not-a-real-password")).ok());
        if let Some(phc) = dummy {
            let _ = verify_now(&password, phc);
        }
    })
    .await
}

fn hash_now(password: &SecretString) -> Result<String, PasswordError> {
    let params =
        Params::new(MEMORY_KIB, PASSES, LANES, None).map_err(|e| PasswordError::Hash(e.into()))?;
    let mut salt_bytes = [0u8; 16];
    rand::Rng::fill(&mut rand::rng(), &mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(PasswordError::Hash)?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(PasswordError::Hash)
}

/// Verification takes algorithm, version and parameters from `phc` itself.
fn verify_now(password: &SecretString, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[tokio::test]
    async fn the_right_password_matches_and_a_wrong_one_does_not() {
        let phc = hash(&secret("correct horse battery")).await.unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct horse"));
        assert!(
            verify(&secret("correct horse battery"), &phc)
                .await
                .unwrap()
        );
        assert!(
            !verify(&secret("correct horse batterY"), &phc)
                .await
                .unwrap()
        );
        verify_against_nothing(&secret("correct horse battery"))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn new_hashes_carry_the_written_parameters() {
        let phc = hash(&secret("correct horse battery")).await.unwrap();
        let parsed = PasswordHash::new(&phc).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert_eq!(parsed.version, Some(0x13));
        assert_eq!(parsed.params.get_decimal("m"), Some(19_456));
        assert_eq!(parsed.params.get_decimal("t"), Some(2));
        assert_eq!(parsed.params.get_decimal("p"), Some(1));
    }

    #[tokio::test]
    async fn hashes_made_with_other_parameters_still_verify() {
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let old = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x10,
            Params::new(8 * 1024, 3, 2, None).unwrap(),
        )
        .hash_password(b"correct horse battery", &salt)
        .unwrap()
        .to_string();
        assert!(
            verify(&secret("correct horse battery"), &old)
                .await
                .unwrap()
        );
        assert!(
            !verify(&secret("correct horse batterY"), &old)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let a = hash(&secret("correct horse battery")).await.unwrap();
        let b = hash(&secret("correct horse battery")).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn short_passwords_and_garbage_hashes_are_refused() {
        assert!(matches!(
            hash(&secret("short")).await,
            Err(PasswordError::TooShort)
        ));
        assert!(
            !verify(&secret("anything at all"), "not a phc string")
                .await
                .unwrap()
        );
    }

    #[test]
    fn the_bound_is_at_least_one_and_at_most_the_maximum() {
        assert!((1..=MAX_CONCURRENT).contains(&max_concurrent()));
    }

    #[tokio::test]
    async fn with_every_slot_taken_the_next_hash_waits_for_one() {
        // Two slots; three jobs that each block until released.
        let slots = Arc::new(Semaphore::new(2));
        let started = Arc::new(AtomicUsize::new(0));
        let mut releases = Vec::new();
        let mut jobs = Vec::new();
        for _ in 0..3 {
            let (release, wait) = tokio::sync::oneshot::channel::<()>();
            releases.push(release);
            let started = started.clone();
            jobs.push(tokio::spawn(bounded(slots.clone(), move || {
                started.fetch_add(1, Ordering::SeqCst);
                let _ = wait.blocking_recv();
                hash_now(&secret("correct horse battery"))
            })));
        }
        tokio::time::timeout(Duration::from_secs(10), async {
            while started.load(Ordering::SeqCst) < 2 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(started.load(Ordering::SeqCst), 2, "the third did not wait");
        assert_eq!(slots.available_permits(), 0);

        for release in releases {
            let _ = release.send(());
        }
        for job in jobs {
            let phc = job.await.unwrap().unwrap().unwrap();
            assert!(phc.starts_with("$argon2id$"), "{phc}");
        }
        assert_eq!(started.load(Ordering::SeqCst), 3);
        assert_eq!(slots.available_permits(), 2);
    }
}
