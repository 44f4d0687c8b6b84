//! Writing an output file (`-o`): the one way every command writes one.
//!
//! * **Never the input.** The target is compared with every input (same device and inode, so a
//!   hard link, a symlink or `./x` vs `x` are caught too); writing onto an input is refused.
//! * **A regular file (or a new name)** is written to a temporary file beside it,
//!   `.NAME.atscope-XXXXXX.tmp`, and renamed over the target only once complete ([`Output::commit`]):
//!   a failed command leaves the old file (or none), never half a file. The temporary file is
//!   removed when the [`Output`] is dropped uncommitted, and by [`remove_pending`], which a
//!   SIGINT/SIGTERM handler calls before the process dies.
//! * **A FIFO or a character device** (`/dev/stdout`, `/dev/null`, a named pipe another tool reads)
//!   is written straight into: opened for writing, never created, renamed or replaced. That is what
//!   naming one means (as with a shell redirection); a device that refuses the data (`/dev/full`)
//!   is a write error naming it. Opening a FIFO waits for its reader.
//! * **Anything else** (a directory, a block device, a socket) is refused.
//! * **A symlink** is followed: the file it points to is written, the link stays.
//!
//! A recording ([`open_direct`]) is written in place instead (every record is on disk as soon as it
//! arrives, so a kill keeps what was recorded), with the same checks.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Why an output cannot be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The target is one of the inputs.
    #[error("{path}: refusing to write the output onto the input {input} (it would be destroyed); choose another output file")]
    IsInput {
        /// The output as given.
        path: PathBuf,
        /// The input it is.
        input: PathBuf,
    },
    /// The target is not something a file can be written to.
    #[error("{path}: is {kind}; refusing to write the output there")]
    NotAFile {
        /// The output as given.
        path: PathBuf,
        /// What it is (`a directory`, `a block device`, …).
        kind: &'static str,
    },
    /// An I/O error creating, writing or renaming.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The output as given.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
}

/// What the target is, once checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// A regular file, or nothing yet: written through a temporary file and a rename.
    File,
    /// A FIFO or a character device: written straight into.
    Stream,
}

/// A checked target: where to write and how.
#[derive(Debug, Clone)]
pub struct Target {
    /// The path as given (for messages).
    pub path: PathBuf,
    /// The path written: `path` with symlinks resolved.
    pub dest: PathBuf,
    /// How.
    pub kind: TargetKind,
    /// The existing file's metadata, if any.
    existing: Option<Metadata>,
}

#[cfg(unix)]
fn same_file(a: &Metadata, b: &Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &Metadata, _: &Metadata) -> bool {
    false
}

fn kind_name(m: &Metadata) -> Option<&'static str> {
    let ft = m.file_type();
    if ft.is_file() {
        return None;
    }
    if ft.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() || ft.is_char_device() {
            return None;
        }
        if ft.is_block_device() {
            return Some("a block device");
        }
        if ft.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Checks `path` as the output of a command reading `inputs` (see the module doc).
pub fn check_target(path: &Path, inputs: &[&Path]) -> Result<Target, OutputError> {
    let io_err = |source| OutputError::Io { path: path.to_path_buf(), source };
    let existing = match std::fs::metadata(path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok() {
                return Err(OutputError::NotAFile { path: path.to_path_buf(), kind: "a symbolic link to nothing" });
            }
            None
        }
        Err(e) => return Err(io_err(e)),
    };
    let Some(m) = existing else {
        return Ok(Target {
            path: path.to_path_buf(),
            dest: path.to_path_buf(),
            kind: TargetKind::File,
            existing: None,
        });
    };
    if let Some(kind) = kind_name(&m) {
        return Err(OutputError::NotAFile { path: path.to_path_buf(), kind });
    }
    for input in inputs {
        if std::fs::metadata(input).is_ok_and(|im| same_file(&im, &m)) || *input == path {
            return Err(OutputError::IsInput { path: path.to_path_buf(), input: input.to_path_buf() });
        }
    }
    let kind = if m.is_file() { TargetKind::File } else { TargetKind::Stream };
    let dest = if kind == TargetKind::File { std::fs::canonicalize(path).map_err(io_err)? } else { path.to_path_buf() };
    Ok(Target { path: path.to_path_buf(), dest, kind, existing: Some(m) })
}

/// Temporary files being written, for [`remove_pending`].
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|p| p.into_inner())
}

/// Removes every temporary output file still being written. For a SIGINT/SIGTERM handler (run on
/// an ordinary thread, not in the signal handler) just before the process exits.
pub fn remove_pending() {
    for p in pending().drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

/// An output being written: a temporary file renamed over the target by [`Output::commit`], or
/// a FIFO/device written straight into. Dropped uncommitted, the temporary file is removed.
#[derive(Debug)]
pub struct Output {
    target: Target,
    file: File,
    temp: Option<tempfile::TempPath>,
}

impl Output {
    /// Checks `path` against `inputs` and opens it for writing (see the module doc).
    pub fn create(path: &Path, inputs: &[&Path]) -> Result<Output, OutputError> {
        let target = check_target(path, inputs)?;
        let io_err = |source| OutputError::Io { path: path.to_path_buf(), source };
        if target.kind == TargetKind::Stream {
            let file = OpenOptions::new().write(true).open(&target.dest).map_err(io_err)?;
            return Ok(Output { target, file, temp: None });
        }
        let dir = target.dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = target.dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let prefix = format!(".{name}.atscope-");
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // As `File::create` would (0666 less the umask), or the mode of the file replaced.
            let mode = target.existing.as_ref().map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o666);
            b.permissions(std::fs::Permissions::from_mode(mode));
        }
        let tmp = b.tempfile_in(dir).map_err(|e| OutputError::Io {
            path: path.to_path_buf(),
            source: io::Error::new(e.kind(), format!("cannot create a file in {}: {e}", dir.display())),
        })?;
        let (file, temp) = tmp.into_parts();
        pending().push(temp.to_path_buf());
        Ok(Output { target, file, temp: Some(temp) })
    }

    /// The output as given.
    pub fn path(&self) -> &Path {
        &self.target.path
    }

    /// The open file (the temporary file, or the FIFO/device).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Flushes and, for a file, renames the temporary file over the target.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let io_err = |source| OutputError::Io { path: self.target.path.clone(), source };
        self.file.flush().map_err(io_err)?;
        if let Some(temp) = self.temp.take() {
            let tp = temp.to_path_buf();
            let r = temp.persist(&self.target.dest);
            pending().retain(|p| *p != tp);
            r.map_err(|e| io_err(e.error))?;
        }
        Ok(())
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let tp = temp.to_path_buf();
            drop(temp);
            pending().retain(|p| *p != tp);
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Checks `path` against `inputs` and opens it to be written in place (a recording: durable as it
/// goes, so a kill keeps what was written): a regular file is created or truncated, a FIFO or
/// device opened for writing.
pub fn open_direct(path: &Path, inputs: &[&Path]) -> Result<File, OutputError> {
    let target = check_target(path, inputs)?;
    let io_err = |source| OutputError::Io { path: path.to_path_buf(), source };
    match target.kind {
        TargetKind::File => File::create(&target.dest).map_err(io_err),
        TargetKind::Stream => OpenOptions::new().write(true).open(&target.dest).map_err(io_err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_uncommitted_output_leaves_nothing_and_a_committed_one_replaces_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a.txt");
        std::fs::write(&out, "old").unwrap();
        let mut o = Output::create(&out, &[]).unwrap();
        o.write_all(b"new").unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "the temporary file beside the target");
        let tmp = o.temp.as_ref().unwrap().to_path_buf();
        assert!(pending().contains(&tmp));
        drop(o);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(!pending().contains(&tmp));
        let mut o = Output::create(&out, &[]).unwrap();
        o.write_all(b"new").unwrap();
        o.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_written_through_and_the_input_behind_one_is_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.txt");
        let link = dir.path().join("link.txt");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let err = Output::create(&link, &[&real]).unwrap_err();
        assert!(matches!(err, OutputError::IsInput { .. }), "{err}");
        let mut o = Output::create(&link, &[]).unwrap();
        o.write_all(b"new").unwrap();
        o.commit().unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");
    }
}
