//! A batch's print file on disk, written while the batch is closed.
//!
//! The workflow's [`PrintFile`] writes each letter as soon as it is laid out
//! and embeds the font once at the end. Here it runs on a thread of its own
//! (rendering is CPU work; the batch's database transaction stays on the
//! async runtime): the service hands it one chunk of letters at a time and
//! gets back, per letter, where it landed or why it could not be printed.
//! Memory holds one chunk, whatever the size of the batch.
//!
//! The file is written as `batch-{id}.pdf.part` and renamed to
//! `batch-{id}.pdf` once complete and synced to disk. Dropping an unfinished
//! writer (a refused close, a rolled-back transaction) removes what it wrote;
//! [`sweep`] removes what a crash left behind.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use rayon::prelude::*;
use shokai_workflow::letter::{
    LetterContent, LetterError, LetterReceipt, PreparedLetter, PrintFile, PrintFileSummary,
};
use tokio::sync::oneshot;
use zeroize::Zeroize;

use super::letter_assets::LetterAssets;

/// Letters rendered together (in parallel) and held in memory at once.
pub const CHUNK: usize = 64;

/// How long an unreferenced file in the print directory is left alone: a
/// batch being closed renames its file shortly before its transaction
/// commits, and a `.part` file is rewritten continuously while it renders.
const SWEEP_GRACE: Duration = Duration::from_secs(10 * 60);

/// Why the print file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PrintFileError {
    /// The directory or file could not be created, written or renamed.
    #[error("print file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file as a whole failed (its writer broke, or no letter in it).
    #[error("print file: {0}")]
    Letter(#[from] LetterError),
    /// The rendering thread stopped unexpectedly.
    #[error("the print-file thread stopped")]
    ThreadGone,
}

/// The file name of batch `id`'s print file in the print directory.
pub fn file_name(batch_id: i64) -> String {
    format!("batch-{batch_id}.pdf")
}

type Results = Vec<Result<LetterReceipt, LetterError>>;

struct Chunk {
    letters: Vec<LetterContent>,
    reply: oneshot::Sender<Results>,
}

/// A print file being written for one batch.
pub struct PrintFileWriter {
    jobs: Option<mpsc::Sender<Chunk>>,
    thread: Option<JoinHandle<Result<PrintFileSummary, LetterError>>>,
    part: PathBuf,
    path: PathBuf,
    finished: bool,
}

impl std::fmt::Debug for PrintFileWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrintFileWriter")
            .field("path", &self.path)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl PrintFileWriter {
    /// Starts batch `batch_id`'s print file in `dir` (created if missing).
    pub fn start(
        assets: Arc<LetterAssets>,
        dir: &Path,
        batch_id: i64,
    ) -> Result<Self, PrintFileError> {
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| PrintFileError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let path = dir.join(file_name(batch_id));
        let part = dir.join(format!("{}.part", file_name(batch_id)));
        let file = File::create(&part).map_err(io(&part))?;
        // Unbounded, yet never more than one chunk: `write` waits for each
        // chunk's answer before it sends the next.
        let (jobs, queue) = mpsc::channel::<Chunk>();
        let thread = std::thread::Builder::new()
            .name(format!("print-file-{batch_id}"))
            .spawn(move || render(&assets, file, &queue))
            .map_err(io(&part))?;
        Ok(Self {
            jobs: Some(jobs),
            thread: Some(thread),
            part,
            path,
            finished: false,
        })
    }

    /// Renders `letters` and appends those that can be printed, in order.
    /// Per letter: where it landed, or why it was refused (nothing of a
    /// refused letter is in the file). The letters, codes included, are
    /// wiped once rendered.
    pub async fn write(&self, letters: Vec<LetterContent>) -> Result<Results, PrintFileError> {
        let jobs = self.jobs.as_ref().ok_or(PrintFileError::ThreadGone)?;
        let (reply, answer) = oneshot::channel();
        jobs.send(Chunk { letters, reply })
            .map_err(|_| PrintFileError::ThreadGone)?;
        answer.await.map_err(|_| PrintFileError::ThreadGone)
    }

    /// Completes the file (font subset, page tree, trailer), syncs it to
    /// disk and gives it its final name. Returns that path and the summary.
    pub async fn finish(mut self) -> Result<(PathBuf, PrintFileSummary), PrintFileError> {
        self.jobs = None;
        let thread = self.thread.take().ok_or(PrintFileError::ThreadGone)?;
        let summary = tokio::task::spawn_blocking(move || thread.join())
            .await
            .map_err(|_| PrintFileError::ThreadGone)?
            .map_err(|_| PrintFileError::ThreadGone)??;
        std::fs::rename(&self.part, &self.path).map_err(|source| PrintFileError::Io {
            path: self.path.clone(),
            source,
        })?;
        self.finished = true;
        Ok((self.path.clone(), summary))
    }
}

impl Drop for PrintFileWriter {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        // Unfinished: stop the thread and remove whatever it wrote. Unix
        // lets a file be removed while the thread still has it open.
        self.jobs = None;
        let _ = std::fs::remove_file(&self.part);
    }
}

/// The thread: renders each chunk in parallel, writes it in order, and
/// completes the file once the sender is dropped.
fn render(
    assets: &LetterAssets,
    file: File,
    queue: &mpsc::Receiver<Chunk>,
) -> Result<PrintFileSummary, LetterError> {
    let writer = BufWriter::with_capacity(1 << 20, file);
    let mut print = PrintFile::new(writer, &assets.fonts)?;
    while let Ok(Chunk { mut letters, reply }) = queue.recv() {
        let prepared: Vec<Result<PreparedLetter<'_>, LetterError>> = letters
            .par_iter()
            .map(|c| PreparedLetter::new(c, &assets.settings, &assets.template, &assets.fonts))
            .collect();
        for letter in &mut letters {
            letter.verification_code.zeroize();
        }
        drop(letters);
        let results = prepared
            .into_iter()
            .map(|p| p.and_then(|p| print.add_prepared(p)))
            .collect();
        // The service may have given up (its request was dropped): the
        // letters are in the file all the same, which is then removed.
        let _ = reply.send(results);
    }
    let (writer, summary) = print.finish()?;
    let file = writer
        .into_inner()
        .map_err(|e| LetterError::Write(e.error().to_string()))?;
    file.sync_all()
        .map_err(|e| LetterError::Write(e.to_string()))?;
    Ok(summary)
}

/// Opens a kept print file for download.
pub fn open(path: &Path) -> Result<File, PrintFileError> {
    File::open(path).map_err(|source| PrintFileError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Deletes a print file, overwriting it first so its codes do not stay in
/// the file system's free blocks (as far as an ordinary file system lets a
/// program make sure of that: not on copy-on-write or journalled data).
pub fn delete(path: &Path) -> Result<(), PrintFileError> {
    let io = |source| PrintFileError::Io {
        path: path.to_owned(),
        source,
    };
    match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(mut file) => {
            let len = file.metadata().map_err(io)?.len();
            let zeros = vec![0u8; 1 << 16];
            let mut left = len;
            while left > 0 {
                let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
                file.write_all(&zeros[..n]).map_err(io)?;
                left -= n as u64;
            }
            file.sync_all().map_err(io)?;
            drop(file);
            std::fs::remove_file(path).map_err(io)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(e)),
    }
}

/// Removes files a crash left in the print directory: the print file of a
/// batch that is mailed (or whose row does not name it), and unfinished
/// `.part` files, once older than a grace period. `keep` says whether
/// `batch-{id}.pdf` is the live file of an unmailed batch. Returns how many
/// files were removed.
pub fn sweep(dir: &Path, keep: impl Fn(i64) -> bool) -> Result<usize, PrintFileError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(source) => {
            return Err(PrintFileError::Io {
                path: dir.to_owned(),
                source,
            });
        }
    };
    let now = SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(id) = name
            .strip_prefix("batch-")
            .and_then(|rest| rest.split('.').next())
            .and_then(|id| id.parse::<i64>().ok())
        else {
            continue;
        };
        let live = name == file_name(id) && keep(id);
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > SWEEP_GRACE);
        if !live && old {
            delete(&entry.path())?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, name: &str, age: Duration) {
        let path = dir.join(name);
        let file = File::create(&path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_sweep_removes_only_old_files_no_unmailed_batch_names() {
        let dir = tempfile::tempdir().unwrap();
        let hour = Duration::from_secs(3600);
        touch(dir.path(), "batch-1.pdf", hour); // an unmailed batch's file
        touch(dir.path(), "batch-2.pdf", hour); // a mailed batch's leftover
        touch(dir.path(), "batch-3.pdf", Duration::ZERO); // renamed, commit pending
        touch(dir.path(), "batch-4.pdf.part", hour); // a crash while rendering
        touch(dir.path(), "batch-5.pdf.part", Duration::ZERO); // rendering now
        touch(dir.path(), "notes.txt", hour); // not ours

        let removed = sweep(dir.path(), |id| id == 1).unwrap();

        assert_eq!(removed, 2);
        assert_eq!(
            names(dir.path()),
            [
                "batch-1.pdf",
                "batch-3.pdf",
                "batch-5.pdf.part",
                "notes.txt"
            ]
        );
        let missing = dir.path().join("no such directory");
        assert_eq!(sweep(&missing, |_| false).unwrap(), 0);
    }

    #[test]
    fn deleting_a_print_file_removes_it_and_a_missing_one_is_no_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("batch-1.pdf");
        std::fs::write(&path, b"ABCDE-FGHJK").unwrap();

        delete(&path).unwrap();

        assert!(!path.exists());
        delete(&path).unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_unfinished_print_file_leaves_nothing_behind_and_a_finished_one_keeps_its_name() {
        let db = crate::testing::TestDb::sqlite();
        let (state, _) = db.state(crate::testing::jst("2026-11-30 10:00")).await;
        let dir = tempfile::tempdir().unwrap();

        let abandoned = PrintFileWriter::start(state.letters_shared(), dir.path(), 1).unwrap();
        assert_eq!(names(dir.path()), ["batch-1.pdf.part"]);
        drop(abandoned);
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));

        let empty = PrintFileWriter::start(state.letters_shared(), dir.path(), 2).unwrap();
        assert!(matches!(
            empty.finish().await,
            Err(PrintFileError::Letter(LetterError::EmptyPrintFile))
        ));
        assert!(
            names(dir.path()).is_empty(),
            "a file with no letter is not kept"
        );
        db.finish().await;
    }
}
