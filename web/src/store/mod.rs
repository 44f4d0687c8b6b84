//! Decoded traces held in memory, indexed for the viewer's queries.
//!
//! Each trace is decoded once with [`Analysis`](atscope_analyzer::analysis::Analysis) into a
//! [`TraceIndex`]: the analyzer's events in emission order (serialised to JSON only when a request
//! asks for one), plus compact indexes over them: four lanes of 32-byte items sorted by time
//! (findings and marks; the host side with exchanges as spans; the modem side; the SLM's own log),
//! the transcript rows in time order, the exchange members and which findings name which event. Nothing here keeps a `serde_json::Value` per event.
//!
//! A [`TraceStore`] holds the traces a server serves, under ids made from their file names. It is
//! the only way from a URL to a trace: ids are looked up in a map, never joined to a path.
//!
//! One module a part: `lanes` and `index` are one trace's indexes, `entry` a served trace (live
//! or not), `decode` turns a capture file into an index, `files` finds the capture files named
//! on a command line.

mod decode;
mod entry;
mod files;
mod index;
mod lanes;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use atscope_analyzer::capture::{CaptureError, ImportOptions};
use atscope_analyzer::timeline::Event;
use tokio::sync::broadcast;

pub use decode::{decode_file, decode_file_until, Decoded};
pub use entry::{LiveTrace, Origin, TraceEntry, TraceMeta};
pub use files::{capture_files, CaptureFile};
pub use index::{row_time, RowFilter, TraceIndex};
pub use lanes::{level, Item, Lane, LaneWindow};

/// How many uploaded traces are kept; the oldest upload goes when one more arrives.
pub const MAX_UPLOADS: usize = 16;

/// The traces a server serves.
#[derive(Debug, Default)]
pub struct TraceStore {
    traces: RwLock<Vec<Arc<TraceEntry>>>,
    failed: RwLock<Vec<Failed>>,
}

/// A capture that could not be loaded: listed with its error, the rest is still served.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failed {
    /// Its name (the path relative to the folder given, or the file name).
    pub name: String,
    /// Why (one line).
    pub error: String,
}

/// What [`TraceStore::add_paths`] loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Traces added.
    pub added: usize,
    /// Files in the given directories that are not captures.
    pub skipped: Vec<String>,
    /// Captures that could not be decoded (also kept in the store, see [`TraceStore::failed`]).
    pub failed: Vec<Failed>,
}

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The capture could not be opened or read.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// A directory could not be listed.
    #[error("{path}: {err}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The I/O error (in the message, so not also a `source`).
        err: std::io::Error,
    },
    /// Nothing to serve.
    #[error("no capture found in {0}")]
    Empty(String),
    /// Every capture failed to load (the first error).
    #[error("{0}")]
    Failed(String),
}

/// A URL-safe id from a name: lower-case letters, digits, `.`, `-`, `_`.
fn slug(name: &str) -> String {
    let stem = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = stem.strip_suffix(".atrace").or_else(|| stem.strip_suffix(".csv")).unwrap_or(stem);
    let mut s: String =
        stem.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
    s = s.trim_matches(['-', '.']).chars().take(64).collect();
    if s.is_empty() {
        "trace".into()
    } else {
        s
    }
}

impl TraceStore {
    /// An empty store.
    pub fn new() -> Self {
        TraceStore::default()
    }

    /// All traces, in the order they were added.
    pub fn list(&self) -> Vec<Arc<TraceEntry>> {
        self.traces.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The trace with this id.
    pub fn get(&self, id: &str) -> Option<Arc<TraceEntry>> {
        self.traces.read().unwrap_or_else(|p| p.into_inner()).iter().find(|t| t.meta.id == id).cloned()
    }

    fn add_entry(
        &self,
        name: &str,
        origin: Origin,
        d: Decoded,
        live: Option<broadcast::Sender<Arc<Event>>>,
    ) -> Arc<TraceEntry> {
        let mut traces = self.traces.write().unwrap_or_else(|p| p.into_inner());
        if origin == Origin::Upload {
            let uploads = traces.iter().filter(|t| t.meta.origin == Origin::Upload).count();
            if uploads >= MAX_UPLOADS {
                if let Some(p) = traces.iter().position(|t| t.meta.origin == Origin::Upload) {
                    traces.remove(p);
                }
            }
        }
        let base = slug(name);
        let mut id = base.clone();
        let mut n = 2;
        while traces.iter().any(|t| t.meta.id == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        let meta = TraceMeta { id, name: name.to_string(), origin, format: d.format, slm: d.slm, notes: d.notes };
        let entry = Arc::new(TraceEntry {
            meta,
            index: RwLock::new(d.index),
            live,
            finished: std::sync::atomic::AtomicBool::new(false),
        });
        traces.push(entry.clone());
        entry
    }

    /// Adds a decoded trace under a fresh id made from `name`.
    pub fn add(&self, name: &str, origin: Origin, d: Decoded) -> Arc<TraceEntry> {
        self.add_entry(name, origin, d, None)
    }

    /// Adds a trace built from events (tests, benchmarks, synthetic findings).
    pub fn add_events(&self, name: &str, events: impl IntoIterator<Item = Event>) -> Arc<TraceEntry> {
        let d = Decoded {
            index: TraceIndex::from_events(events),
            format: "events".into(),
            slm: String::new(),
            notes: Vec::new(),
        };
        self.add(name, Origin::Memory, d)
    }

    /// Starts a live trace: events pushed into the handle are stored and sent to open pages.
    pub fn add_live(&self, name: &str, format: &str) -> LiveTrace {
        let (tx, _) = broadcast::channel(4096);
        let d = Decoded { index: TraceIndex::new(), format: format.into(), slm: String::new(), notes: Vec::new() };
        LiveTrace { entry: self.add_entry(name, Origin::Live, d, Some(tx)) }
    }

    /// Decodes and adds a capture file.
    pub fn add_file(&self, path: &Path, name: &str, opts: &ImportOptions) -> Result<Arc<TraceEntry>, CaptureError> {
        let d = decode_file(path, opts)?;
        Ok(self.add(name, Origin::File, d))
    }

    /// Records a capture that could not be loaded, to be listed with its error.
    pub fn add_failed(&self, name: &str, error: &str) -> Failed {
        let f = Failed { name: name.to_string(), error: error.to_string() };
        self.failed.write().unwrap_or_else(|p| p.into_inner()).push(f.clone());
        f
    }

    /// The captures that could not be loaded.
    pub fn failed(&self) -> Vec<Failed> {
        self.failed.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Adds the captures named on a command line (see [`capture_files`]), decoding them here; a
    /// capture that cannot be decoded is listed with its error ([`TraceStore::failed`]) and the
    /// others are still added. An error only when nothing could be added.
    pub fn add_paths(&self, paths: &[PathBuf], opts: &ImportOptions) -> Result<Loaded, LoadError> {
        let (files, skipped) = capture_files(paths)?;
        let mut loaded = Loaded { skipped, ..Default::default() };
        for (path, name) in files {
            match self.add_file(&path, &name, opts) {
                Ok(_) => loaded.added += 1,
                Err(e) => loaded.failed.push(self.add_failed(&name, &short_error(&e.to_string()))),
            }
        }
        loaded.check(paths)?;
        Ok(loaded)
    }
}

impl Loaded {
    /// An error when nothing was added: [`LoadError::Failed`] naming the first failure, or
    /// [`LoadError::Empty`].
    pub fn check(&self, paths: &[PathBuf]) -> Result<(), LoadError> {
        if self.added > 0 {
            return Ok(());
        }
        if let Some(f) = self.failed.first() {
            return Err(LoadError::Failed(f.error.clone()));
        }
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        Err(LoadError::Empty(names.join(", ")))
    }
}

/// Most characters of an error message shown (a message may quote the input).
pub const MAX_ERROR_CHARS: usize = 300;

/// `msg` cut to [`MAX_ERROR_CHARS`] characters (on a character boundary), first line only.
pub fn short_error(msg: &str) -> String {
    let line = msg.lines().next().unwrap_or("");
    if line.chars().count() <= MAX_ERROR_CHARS && line.len() == msg.len() {
        return line.to_string();
    }
    let mut s: String = line.chars().take(MAX_ERROR_CHARS).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_slugs_and_unique() {
        let s = TraceStore::new();
        let a = s.add_events("../../etc/pass wd.atrace", []);
        let b = s.add_events("pass wd.atrace", []);
        assert_eq!(a.meta.id, "pass-wd");
        assert_eq!(b.meta.id, "pass-wd-2");
    }
}
