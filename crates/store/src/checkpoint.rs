//! Signed checkpoints of the audit chain: what makes a rewrite that
//! recomputes every hash visible.
//!
//! The hash chain alone proves only that the log is *consistent*: an insider
//! with write access (and DDL rights, to drop the append-only triggers of
//! migration 10) can edit an event, recompute every later hash and the head,
//! and [`crate::audit::verify`] will find nothing. A checkpoint is the head
//! `{seq, hash, time}` signed with an Ed25519 key kept *outside* the
//! database, by the auditors; as long as that key is not the insider's, any
//! rewrite at or before a checkpoint's `seq` changes the hash stored there and
//! [`verify_against_chain`] names it. Events after the newest checkpoint are
//! covered only by the chain itself.
//!
//! Formats (version 1), all plain text so an auditor can check them with
//! any Ed25519 tool:
//! - signing key file: the 32-byte Ed25519 seed as 64 hex digits and a
//!   newline, mode 0600; the public key file (`<key>.pub`): the 32-byte
//!   public key as 64 hex digits and a newline.
//! - checkpoint file (`checkpoint-<seq, 12 digits>-<time, digits>Z.json`):
//!   `{"format":1,"seq":42,"hash":"<hex>","time":"2026-11-30T08:00:00.000000Z",
//!   "public_key":"<hex>","signature":"<hex>"}`.
//! - signed message: the UTF-8 text
//!   `shokai-audit-checkpoint/1\nseq=<seq>\nhash=<hash>\ntime=<time>\n`
//!   (see [`signed_message`]), the Ed25519 signature over it as 128 hex digits.
//!
//! Error policy: [`KeyError`] and [`CheckpointError`] name what is wrong with
//! a key or a checkpoint; database failures are [`StoreError`].

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, Signer};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::canonical::canonical_time;
use crate::db::{Store, Tx, args, store_time};
use crate::error::StoreError;

/// The checkpoint format this version writes and reads.
pub const FORMAT: u32 = 1;

/// The head of the chain: the newest sequence number and its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainHead {
    /// Sequence number of the newest event (0 for an empty log).
    pub seq: i64,
    /// Its hex hash (the genesis hash for an empty log).
    pub hash: String,
}

/// The recorded head of the chain, as `audit_head` holds it.
pub async fn head(tx: &mut Tx) -> Result<ChainHead, StoreError> {
    let row = tx
        .fetch_one("SELECT seq, hash FROM audit_head WHERE id = 1", args![])
        .await?;
    Ok(ChainHead {
        seq: row.get("seq")?,
        hash: row.get("hash")?,
    })
}

/// The stored hash of the event at `seq`, if there is one.
pub async fn hash_at(tx: &mut Tx, seq: i64) -> Result<Option<String>, StoreError> {
    tx.fetch_optional("SELECT hash FROM audit_log WHERE seq = ?", args![seq])
        .await?
        .map(|row| row.get("hash"))
        .transpose()
}

/// One signed checkpoint, as written to its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// Always [`FORMAT`].
    pub format: u32,
    /// The head's sequence number.
    pub seq: i64,
    /// The hex hash of the event at `seq`.
    pub hash: String,
    /// When it was signed, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (signed as written).
    pub time: String,
    /// The hex public key that signed it.
    #[serde(default)]
    pub public_key: Option<String>,
    /// The hex Ed25519 signature over [`signed_message`].
    #[serde(default)]
    pub signature: Option<String>,
}

/// The exact bytes a checkpoint's signature covers.
pub fn signed_message(seq: i64, hash: &str, time: &str) -> Vec<u8> {
    format!("shokai-audit-checkpoint/{FORMAT}\nseq={seq}\nhash={hash}\ntime={time}\n").into_bytes()
}

impl Checkpoint {
    /// Signs `head` at `now` with `key`.
    pub fn sign(key: &SigningKey, head: &ChainHead, now: DateTime<Utc>) -> Checkpoint {
        let time = canonical_time(store_time(now));
        let signature = key.sign(&signed_message(head.seq, &head.hash, &time));
        Checkpoint {
            format: FORMAT,
            seq: head.seq,
            hash: head.hash.clone(),
            time,
            public_key: Some(hex::encode(key.verifying_key().as_bytes())),
            signature: Some(hex::encode(signature.to_bytes())),
        }
    }

    /// Checks that `trusted` signed this checkpoint.
    pub fn check_signature(&self, trusted: &VerifyingKey) -> Result<(), CheckpointError> {
        if self.format != FORMAT {
            return Err(CheckpointError::UnknownFormat(self.format));
        }
        let (Some(public_key), Some(signature)) = (&self.public_key, &self.signature) else {
            return Err(CheckpointError::Unsigned);
        };
        if *public_key != hex::encode(trusted.as_bytes()) {
            return Err(CheckpointError::AnotherKey);
        }
        let signature = hex::decode(signature)
            .ok()
            .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
            .ok_or(CheckpointError::BadSignature)?;
        trusted
            .verify_strict(
                &signed_message(self.seq, &self.hash, &self.time),
                &Signature::from_bytes(&signature),
            )
            .map_err(|_| CheckpointError::BadSignature)
    }

    /// The file name: by sequence number, then time, so names sort in order.
    pub fn file_name(&self) -> String {
        let time: String = self
            .time
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == 'T')
            .collect();
        format!("checkpoint-{:012}-{time}Z.json", self.seq)
    }

    /// The file's content: pretty JSON and a final newline.
    pub fn file_text(&self) -> String {
        // A struct of strings and integers always serialises.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Writes the checkpoint into `dir` (made if absent), never over an
    /// existing file. Returns the file's path.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(self.file_name());
        let text = self.file_text();
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        file.sync_all()?;
        Ok(path)
    }
}

/// Why a checkpoint is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The file is not a checkpoint.
    #[error("not a checkpoint file: {0}")]
    Malformed(String),
    /// A format this version does not know.
    #[error("unknown checkpoint format {0}")]
    UnknownFormat(u32),
    /// No public key or no signature.
    #[error("unsigned: the checkpoint carries no signature")]
    Unsigned,
    /// Signed by a key other than the trusted one.
    #[error("signed by another key than the trusted public key")]
    AnotherKey,
    /// The signature does not verify.
    #[error("the signature does not verify with the trusted public key")]
    BadSignature,
}

/// A checkpoint file as read: its name and the checkpoint, or why it is not one.
#[derive(Debug, Clone)]
pub struct CheckpointFile {
    /// The file's name within the directory.
    pub name: String,
    /// What it holds.
    pub checkpoint: Result<Checkpoint, CheckpointError>,
}

/// Every `*.json` file in `dir`, sorted by name (so by sequence number).
pub fn read_dir(dir: &Path) -> std::io::Result<Vec<CheckpointFile>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        files.push(CheckpointFile {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            checkpoint: serde_json::from_str(&text)
                .map_err(|e| CheckpointError::Malformed(e.to_string())),
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// Where a checkpoint and the database disagree, or why a checkpoint was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointFailure {
    /// The checkpoint's file name.
    pub file: String,
    /// Its sequence number, when it could be read.
    pub seq: Option<i64>,
    /// What is wrong.
    pub problem: String,
}

impl std::fmt::Display for CheckpointFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "checkpoint {} (seq {seq}): {}", self.file, self.problem),
            None => write!(f, "checkpoint {}: {}", self.file, self.problem),
        }
    }
}

/// What [`verify_against_chain`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointReport {
    /// Checkpoints that agree with the database.
    pub agreed: usize,
    /// The newest sequence number they cover.
    pub last_seq: i64,
    /// The first refused or disagreeing checkpoint (in file-name order).
    pub failure: Option<CheckpointFailure>,
}

/// Checks every checkpoint: signed by `trusted`, and the database's event at
/// its `seq` has exactly its hash. An empty list is a failure: the caller
/// asked for checkpoints and there are none.
pub async fn verify_against_chain(
    store: &Store,
    files: &[CheckpointFile],
    trusted: &VerifyingKey,
) -> Result<CheckpointReport, StoreError> {
    let mut report = CheckpointReport {
        agreed: 0,
        last_seq: 0,
        failure: None,
    };
    if files.is_empty() {
        report.failure = Some(CheckpointFailure {
            file: "(none)".to_owned(),
            seq: None,
            problem: "there are no checkpoint files to verify against".to_owned(),
        });
        return Ok(report);
    }
    let mut tx = store.read().await?;
    for file in files {
        let fail = |seq, problem: String| CheckpointFailure {
            file: file.name.clone(),
            seq,
            problem,
        };
        let checkpoint = match &file.checkpoint {
            Ok(checkpoint) => checkpoint,
            Err(e) => {
                report.failure = Some(fail(None, format!("refused: {e}")));
                break;
            }
        };
        let seq = checkpoint.seq;
        if let Err(e) = checkpoint.check_signature(trusted) {
            report.failure = Some(fail(Some(seq), format!("refused: {e}")));
            break;
        }
        if let Some(problem) = disagreement(&mut tx, checkpoint).await? {
            report.failure = Some(fail(Some(seq), problem));
            break;
        }
        report.agreed += 1;
        report.last_seq = report.last_seq.max(seq);
    }
    Ok(report)
}

/// How the database differs from a (correctly signed) checkpoint, if it does.
async fn disagreement(tx: &mut Tx, checkpoint: &Checkpoint) -> Result<Option<String>, StoreError> {
    let seq = checkpoint.seq;
    if seq == 0 {
        let genesis = hex::encode(crate::canonical::GENESIS_HASH);
        return Ok((checkpoint.hash != genesis)
            .then(|| "an empty chain's checkpoint must sign the genesis hash".to_owned()));
    }
    Ok(match hash_at(tx, seq).await? {
        None => Some(format!(
            "event {seq} is missing from the database: the chain was cut or rewritten"
        )),
        Some(hash) if hash != checkpoint.hash => Some(format!(
            "event {seq} has hash {hash} but the signed checkpoint of {} says {}: \
             the chain was rewritten at or before event {seq}",
            checkpoint.time, checkpoint.hash
        )),
        Some(_) => None,
    })
}

/// Why a key could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file cannot be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The contents are not a key. The contents are not repeated: a
    /// signing key is a secret.
    #[error("{what} is not 64 hex digits (a 32-byte Ed25519 key)")]
    Malformed {
        /// Which key, or which file.
        what: String,
    },
}

fn key_bytes(text: &str) -> Option<[u8; 32]> {
    let bytes = Zeroizing::new(hex::decode(text.trim()).ok()?);
    <[u8; 32]>::try_from(bytes.as_slice()).ok()
}

/// A fresh random signing key.
pub fn generate_signing_key() -> SigningKey {
    let mut seed = Zeroizing::new([0u8; 32]);
    rand::rng().fill_bytes(&mut seed[..]);
    SigningKey::from_bytes(&seed)
}

/// Reads a signing key file (64 hex digits).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|source| KeyError::Io {
            path: path.to_owned(),
            source,
        })?,
    );
    let seed = Zeroizing::new(key_bytes(&text).ok_or_else(|| KeyError::Malformed {
        what: path.display().to_string(),
    })?);
    Ok(SigningKey::from_bytes(&seed))
}

/// Writes `key` to a new file `path` (mode 0600; never over an existing
/// file) and its public half to `<path>.pub`. Returns the public key file.
pub fn write_key_files(path: &Path, key: &SigningKey) -> Result<PathBuf, KeyError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| KeyError::Io { path, source }
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io(path))?;
    let secret = Zeroizing::new(format!("{}\n", hex::encode(key.to_bytes())));
    std::io::Write::write_all(&mut file, secret.as_bytes()).map_err(io(path))?;
    file.sync_all().map_err(io(path))?;
    let mut public = path.as_os_str().to_owned();
    public.push(".pub");
    let public = PathBuf::from(public);
    std::fs::write(&public, format!("{}\n", public_key_hex(key))).map_err(io(&public))?;
    Ok(public)
}

/// The public key of `key` as 64 hex digits.
pub fn public_key_hex(key: &SigningKey) -> String {
    hex::encode(key.verifying_key().as_bytes())
}

/// A public key given as 64 hex digits, or as the path of a file holding them.
pub fn parse_public_key(given: &str) -> Result<VerifyingKey, KeyError> {
    let malformed = |what: &str| KeyError::Malformed {
        what: what.to_owned(),
    };
    let text = if given.len() == 64 && given.bytes().all(|b| b.is_ascii_hexdigit()) {
        given.to_owned()
    } else {
        std::fs::read_to_string(given).map_err(|source| KeyError::Io {
            path: PathBuf::from(given),
            source,
        })?
    };
    let bytes = key_bytes(&text).ok_or_else(|| malformed(given))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| malformed(given))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> ChainHead {
        ChainHead {
            seq: 7,
            hash: "ab".repeat(32),
        }
    }

    #[test]
    fn a_checkpoint_verifies_with_its_key_and_no_other() {
        let key = generate_signing_key();
        let other = generate_signing_key();
        let checkpoint = Checkpoint::sign(&key, &head(), DateTime::UNIX_EPOCH);

        assert_eq!(checkpoint.check_signature(&key.verifying_key()), Ok(()));
        assert_eq!(
            checkpoint.check_signature(&other.verifying_key()),
            Err(CheckpointError::AnotherKey)
        );
        assert_eq!(checkpoint.time, "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            checkpoint.file_name(),
            "checkpoint-000000000007-19700101T000000000000Z.json"
        );
    }

    #[test]
    fn an_edited_or_unsigned_checkpoint_is_refused() {
        let key = generate_signing_key();
        let mut edited = Checkpoint::sign(&key, &head(), DateTime::UNIX_EPOCH);
        edited.hash = "cd".repeat(32);
        let mut unsigned = edited.clone();
        unsigned.signature = None;

        let trusted = key.verifying_key();
        assert_eq!(
            edited.check_signature(&trusted),
            Err(CheckpointError::BadSignature)
        );
        assert_eq!(
            unsigned.check_signature(&trusted),
            Err(CheckpointError::Unsigned)
        );
    }

    #[test]
    fn a_public_key_is_read_from_hex_or_a_file() {
        let key = generate_signing_key();
        let hex_key = public_key_hex(&key);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        let public = write_key_files(&path, &key).unwrap();

        assert_eq!(parse_public_key(&hex_key).unwrap(), key.verifying_key());
        let from_file = parse_public_key(public.to_str().unwrap()).unwrap();
        assert_eq!(from_file, key.verifying_key());
        assert_eq!(read_signing_key(&path).unwrap().to_bytes(), key.to_bytes());
        assert!(write_key_files(&path, &key).is_err(), "never overwrites");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
