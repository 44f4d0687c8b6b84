//! One trace's check: its transcript against the stored file, and the files written for it
//! (the updated transcript with `--update`, else a pending `.snap.new` beside a changed or
//! missing one, removed again once the transcript matches).

use std::io::BufRead;
use std::path::{Path, PathBuf};

use atscope_analyzer::analysis::Options;
use atscope_analyzer::capture::{self, CaptureError, ImportOptions};
use atscope_analyzer::check::snap::{self, LineMatch, Snap};
use atscope_analyzer::check::{compare, input_file, transcribe, transcript_of, Outcome, TraceResult, Verdict};
use atscope_analyzer::report::Summary;

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

/// Checks (or with `update`, rewrites) the transcript of one trace.
///
/// The transcript is compared with the stored one as it is made, a line at a time, so memory
/// does not grow with the trace; only a trace whose transcript differs (or has none stored) is
/// decoded again whole, for the diff and the pending file.
pub fn check_one(setup: &Setup, trace: &Path) -> TraceResult {
    let done = |outcome, summary| TraceResult { trace: trace.to_path_buf(), outcome, summary };
    match check(setup, trace) {
        Ok((outcome, summary)) => done(outcome, Some(summary)),
        Err(e) => done(Outcome::Failed(e), None),
    }
}

fn check(setup: &Setup, trace: &Path) -> Result<(Outcome, Summary), String> {
    let path = snap::path_of(&setup.traces, &setup.snapshots, trace);
    let pending = snap::pending_of(&path);
    let reading = |e: std::io::Error| format!("reading {}: {e}", path.display());
    if let Some(stored) = open_stored(&path).map_err(reading)? {
        let mut m = LineMatch::new(stored);
        let summary = decode(trace, setup.options.clone(), |l| m.push(l)).map_err(|e| e.to_string())?;
        if m.finish().map_err(reading)? {
            remove_file_if_any(&pending)?;
            return Ok((Outcome::Same, summary));
        }
    }
    let (records, log) = open(trace).map_err(|e| e.to_string())?;
    let (now, summary) = transcript_of(records, log, trace, setup.options.clone()).map_err(|e| e.to_string())?;
    let stored = match std::fs::read_to_string(&path) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(reading(e)),
    };
    let verdict = compare(stored.as_deref(), &now, &input_file(&setup.traces, trace), &path.display().to_string());
    let outcome = match verdict {
        Verdict::Same => {
            remove_file_if_any(&pending)?;
            Outcome::Same
        }
        v if setup.update => {
            write(&path, v.snap())?;
            remove_file_if_any(&pending)?;
            Outcome::Updated
        }
        v => {
            if setup.pending {
                write(&pending, v.snap())?;
            }
            match v {
                Verdict::Changed { diff, .. } => Outcome::Changed(diff),
                _ => Outcome::New,
            }
        }
    };
    Ok((outcome, summary))
}

/// The trace's records and the SLM's own log beside it (`NAME.log`), if there is one.
fn open(trace: &Path) -> Result<(capture::assign::Assigned, Option<atscope_analyzer::log::Lines>), CaptureError> {
    Ok((capture::open_records(trace, &ImportOptions::default())?, atscope_analyzer::capture::open_log_beside(trace)?))
}

/// [`transcribe`] of the trace file (and its log).
fn decode(trace: &Path, options: Options, line: impl FnMut(&str)) -> Result<Summary, CaptureError> {
    let (records, log) = open(trace)?;
    transcribe(records, log, trace, options, line)
}

/// The body lines of the stored file at `path`, read as needed; `None` when there is none.
fn open_stored(path: &Path) -> std::io::Result<Option<snap::StoredLines>> {
    match std::fs::File::open(path) {
        Ok(f) => snap::body_lines(std::io::BufReader::new(f).lines()).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn write(p: &Path, snap: Option<&Snap>) -> Result<(), String> {
    let Some(snap) = snap else { return Ok(()) };
    p.parent()
        .map(std::fs::create_dir_all)
        .unwrap_or(Ok(()))
        .and_then(|_| std::fs::write(p, snap.render()))
        .map_err(|e| format!("writing {}: {e}", p.display()))
}

fn remove_file_if_any(p: &Path) -> Result<(), String> {
    match std::fs::remove_file(p) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("removing {}: {e}", p.display())),
    }
}
