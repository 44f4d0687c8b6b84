//! Regression checking of recorded traces: each trace's transcript against a stored one.
//!
//! This is `atscope check`, for a user's own CI without Rust, and what the project's snapshot
//! tests use. A per-trace problem (a file that does not decode) is reported for that trace and
//! does not stop the others. The stored transcripts are insta `.snap` files ([`snap`]); traces
//! can be split across machines ([`partition`]) and checked on several threads ([`check_all`]),
//! with results given out in the traces' order.

pub mod junit;
pub mod partition;
pub mod snap;
pub mod walk;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

pub use junit::report as junit;
pub use partition::Partition;
pub use walk::{find_traces, Found};

use snap::Snap;

use crate::analysis::{Analysis, Options};
use crate::capture::{self, CaptureError, ImportOptions};
use crate::report::transcript::Transcript;
use crate::report::Summary;

/// Decodes a capture file and gives its transcript to `line`, one line (without its `\n`) at
/// a time; its summary.
pub fn transcribe(
    path: &Path,
    import: &ImportOptions,
    opts: Options,
    mut line: impl FnMut(&str),
) -> Result<Summary, CaptureError> {
    let mut records = capture::open_records(path, import)?;
    let mut a = Analysis::new(opts);
    // The SLM's own log beside the trace (`NAME.log`): its lines are in the transcript.
    if let Some(log) = crate::log::beside(path) {
        a.attach_log(Box::new(crate::log::open(&log).map_err(|e| CaptureError::io(&log, e))?), None);
    }
    let mut t = Transcript::default();
    let mut sink = |e: &crate::timeline::Event| {
        if let Some(l) = t.lines(e) {
            l.split('\n').for_each(&mut line);
        }
    };
    a.capture_checks(&records, &mut sink);
    for r in records.by_ref() {
        a.push(&r?, &mut sink);
    }
    a.finish(&mut sink);
    let tl = a.timeline();
    let version =
        if tl.version_known() { format!("SLM {}", tl.version()) } else { format!("SLM {} (assumed)", tl.version()) };
    line(&format!("# {}; {version}", a.summary().line()));
    for w in records.source_mut().take_warnings() {
        line(&format!("# warning: {}", w.replace(&path.display().to_string(), "<file>")));
    }
    Ok(a.summary().clone())
}

/// The transcript of a capture file and its summary.
pub fn transcript_of(path: &Path, import: &ImportOptions, opts: Options) -> Result<(String, Summary), CaptureError> {
    let mut out = String::new();
    let summary = transcribe(path, import, opts, |l| {
        out.push_str(l);
        out.push('\n');
    })?;
    Ok((out, summary))
}

/// The default snapshot folder below the traces folder.
pub const DEFAULT_SNAPSHOTS: &str = "snapshots";

/// The result for one trace.
#[derive(Debug)]
pub enum Outcome {
    /// Same transcript as stored.
    Same,
    /// No stored transcript (pending `.snap.new` written).
    New,
    /// Different: a unified diff, stored → now (pending `.snap.new` written).
    Changed(String),
    /// Updated on request.
    Updated,
    /// The trace could not be decoded, or a file not be written.
    Failed(String),
}

/// One trace's check.
#[derive(Debug)]
pub struct TraceResult {
    /// The trace file.
    pub trace: PathBuf,
    /// What happened.
    pub outcome: Outcome,
    /// Its summary (when it decoded).
    pub summary: Option<Summary>,
}

/// What a check compares with and how.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The traces folder (stored transcripts mirror the tree below it).
    pub traces: PathBuf,
    /// The snapshot folder.
    pub snapshots: PathBuf,
    /// Write the current transcripts as the stored ones.
    pub update: bool,
    /// Write a changed or new transcript as a pending `.snap.new` beside the stored one.
    pub pending: bool,
    /// Analysis options.
    pub options: Options,
}

impl Setup {
    /// Checking against `traces/snapshots`, writing pending files, not updating.
    pub fn new(traces: &Path, options: Options) -> Setup {
        Setup {
            traces: traces.to_path_buf(),
            snapshots: traces.join(DEFAULT_SNAPSHOTS),
            update: false,
            pending: true,
            options,
        }
    }
}

/// Checks (or with `update`, rewrites) the transcript of one trace.
///
/// The transcript is compared with the stored one as it is made, a line at a time, so memory
/// does not grow with the trace; only a trace whose transcript differs (or has none stored) is
/// decoded again whole, for the diff and the pending file.
pub fn check_one(setup: &Setup, trace: &Path) -> TraceResult {
    let failed = |e: String| TraceResult { trace: trace.to_path_buf(), outcome: Outcome::Failed(e), summary: None };
    let path = snap::path_of(&setup.traces, &setup.snapshots, trace);
    let pending = snap::pending_of(&path);
    match snap::open_lines(&path) {
        Ok(Some(stored)) => {
            let mut m = snap::LineMatch::new(stored);
            let summary = match transcribe(trace, &ImportOptions::default(), setup.options.clone(), |l| m.push(l)) {
                Ok(s) => s,
                Err(e) => return failed(e.to_string()),
            };
            match m.finish() {
                Ok(true) => {
                    return match remove_file_if_any(&pending) {
                        Ok(()) => {
                            TraceResult { trace: trace.to_path_buf(), outcome: Outcome::Same, summary: Some(summary) }
                        }
                        Err(e) => failed(e),
                    }
                }
                Ok(false) => {}
                Err(e) => return failed(format!("reading {}: {e}", path.display())),
            }
        }
        Ok(None) => {}
        Err(e) => return failed(format!("reading {}: {e}", path.display())),
    }
    let (now, summary) = match transcript_of(trace, &ImportOptions::default(), setup.options.clone()) {
        Ok(x) => x,
        Err(e) => return failed(e.to_string()),
    };
    let stored = match std::fs::read_to_string(&path) {
        Ok(t) => Some(Snap::parse(&t)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return failed(format!("reading {}: {e}", path.display())),
    };
    let rel = trace.strip_prefix(&setup.traces).unwrap_or(trace);
    let input_file = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
    // A new or changed transcript keeps the stored header (whoever wrote it: insta or atscope).
    let fresh = match &stored {
        Some(s) => Snap { header: s.header.clone(), body: now.clone() },
        None => Snap::new(&input_file, &now),
    };
    let write = |p: &Path| -> Result<(), String> {
        p.parent()
            .map(std::fs::create_dir_all)
            .unwrap_or(Ok(()))
            .and_then(|_| std::fs::write(p, fresh.render()))
            .map_err(|e| format!("writing {}: {e}", p.display()))
    };
    let remove_pending = || remove_file_if_any(&pending);
    let outcome = match &stored {
        Some(s) if s.matches(&now) => remove_pending().map(|_| Outcome::Same),
        _ if setup.update => write(&path).and_then(|_| remove_pending()).map(|_| Outcome::Updated),
        None => (if setup.pending { write(&pending) } else { Ok(()) }).map(|_| Outcome::New),
        Some(s) => {
            let old = snap::normalize(&s.body) + "\n";
            let new = snap::normalize(&now) + "\n";
            let name = path.display().to_string();
            let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str())
                .unified_diff()
                .context_radius(3)
                .header(&format!("{name} (stored)"), &format!("{name} (now)"))
                .to_string();
            (if setup.pending { write(&pending) } else { Ok(()) }).map(|_| Outcome::Changed(diff))
        }
    };
    match outcome {
        Ok(outcome) => TraceResult { trace: trace.to_path_buf(), outcome, summary: Some(summary) },
        Err(e) => failed(e),
    }
}

fn remove_file_if_any(p: &Path) -> Result<(), String> {
    match std::fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("removing {}: {e}", p.display())),
    }
}

/// Checks `traces` on `jobs` threads (at least one) and gives each result to `each` in the
/// order of `traces`, as soon as it and all before it are done.
pub fn check_all(setup: &Setup, traces: &[PathBuf], jobs: usize, mut each: impl FnMut(TraceResult)) {
    let jobs = jobs.clamp(1, traces.len().max(1));
    if jobs == 1 {
        traces.iter().for_each(|t| each(guarded(setup, t)));
        return;
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let next = &next;
            s.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(t) = traces.get(i) else { break };
                if tx.send((i, guarded(setup, t))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut waiting = BTreeMap::new();
        let mut due = 0;
        for (i, r) in rx {
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&due) {
                each(r);
                due += 1;
            }
        }
    });
}

/// [`check_one`], with a panic (a bug) reported as that trace's failure instead of ending the run.
fn guarded(setup: &Setup, trace: &Path) -> TraceResult {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check_one(setup, trace))).unwrap_or_else(|p| {
        let why = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        TraceResult {
            trace: trace.to_path_buf(),
            outcome: Outcome::Failed(format!("internal error (atscope bug, please report): {why}")),
            summary: None,
        }
    })
}
