//! Regression checking of recorded traces: each trace's transcript against a stored one.
//!
//! This is what `atscope check` (for a user's own CI without Rust) and the project's snapshot
//! tests compare with. Everything here is pure: a trace's records become its transcript
//! ([`transcribe`]), a transcript and the stored file's text become a [`Verdict`] with the diff
//! and the file to write ([`compare`]), or, without holding either whole, the stored lines are
//! matched as the transcript is made ([`snap::LineMatch`]). The stored transcripts are insta
//! `.snap` files ([`snap`]); traces can be split across machines ([`partition`]); a run's results
//! become a JUnit report ([`junit()`]). Finding the traces, reading and writing the `.snap` files
//! and running traces on several threads is the CLI's (`src/cmd/check/`).

pub mod junit;
pub mod partition;
pub mod snap;

use std::path::{Path, PathBuf};

pub use junit::report as junit;
pub use partition::Partition;

use snap::Snap;

use crate::analysis::{Analysis, Options};
use crate::capture::assign::Assigned;
use crate::capture::CaptureError;
use crate::report::transcript::Transcript;
use crate::report::Summary;

/// Decodes a capture's records (and the SLM's own log beside it, if given: its lines are in the
/// transcript) and gives its transcript to `line`, one line (without its `\n`) at a time; its
/// summary. `file` is the capture's path, written `<file>` in the import's warnings so that a
/// transcript does not depend on where the trace lies.
pub fn transcribe(
    mut records: Assigned,
    log: Option<crate::log::Lines>,
    file: &Path,
    opts: Options,
    mut line: impl FnMut(&str),
) -> Result<Summary, CaptureError> {
    let mut a = Analysis::new(opts);
    if let Some(log) = log {
        a.attach_log(log, None);
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
        if tl.version_known() { tl.version().product() } else { format!("{} (assumed)", tl.version().product()) };
    line(&format!("# {}; {version}", a.summary().line()));
    for w in records.source_mut().take_warnings() {
        line(&format!("# warning: {}", w.replace(&file.display().to_string(), "<file>")));
    }
    Ok(a.summary().clone())
}

/// The whole transcript of a capture's records and its summary ([`transcribe`]).
pub fn transcript_of(
    records: Assigned,
    log: Option<crate::log::Lines>,
    file: &Path,
    opts: Options,
) -> Result<(String, Summary), CaptureError> {
    let mut out = String::new();
    let summary = transcribe(records, log, file, opts, |l| {
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

/// A transcript against the stored one, with what to write for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The same transcript as stored (after insta's normalisation).
    Same,
    /// Nothing stored: the file to store.
    New(Snap),
    /// Different: a unified diff (stored → now), and the file to store instead (the stored
    /// header, whoever wrote it, with the new transcript).
    Changed {
        /// The diff.
        diff: String,
        /// The new file.
        snap: Snap,
    },
}

impl Verdict {
    /// The file to store for a new or changed transcript.
    pub fn snap(&self) -> Option<&Snap> {
        match self {
            Verdict::Same => None,
            Verdict::New(s) | Verdict::Changed { snap: s, .. } => Some(s),
        }
    }
}

/// Compares the transcript `now` with the stored file's text (`None`: nothing stored).
/// `input_file` is the trace's path below the traces folder (`/`-separated; it goes into a new
/// file's header); `name` names the stored file in the diff's header.
pub fn compare(stored: Option<&str>, now: &str, input_file: &str, name: &str) -> Verdict {
    let Some(stored) = stored.map(Snap::parse) else {
        return Verdict::New(Snap::new(input_file, now));
    };
    if stored.matches(now) {
        return Verdict::Same;
    }
    let old = snap::normalize(&stored.body) + "\n";
    let new = snap::normalize(now) + "\n";
    let diff = similar::TextDiff::from_lines(old.as_str(), new.as_str())
        .unified_diff()
        .context_radius(3)
        .header(&format!("{name} (stored)"), &format!("{name} (now)"))
        .to_string();
    Verdict::Changed { diff, snap: Snap { header: stored.header, body: now.to_string() } }
}

/// The path of `trace` below `traces` as `a/b/c.atrace` (the same on every platform): what a
/// new stored file's header names.
pub fn input_file(traces: &Path, trace: &Path) -> String {
    let rel = trace.strip_prefix(traces).unwrap_or(trace);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_transcript_gets_a_diff_and_keeps_the_stored_header() {
        let stored = "---\nsource: tests/snapshots.rs\n---\n+0.000s modem OK\n+0.100s host AT+CFUN?\n";
        let v = compare(Some(stored), "+0.000s modem ERROR\n+0.100s host AT+CFUN?\n", "s/a.atrace", "x.snap");
        let Verdict::Changed { diff, snap } = &v else { panic!("{v:?}") };
        assert!(diff.contains("--- x.snap (stored)\n+++ x.snap (now)\n"), "{diff}");
        assert!(diff.contains("\n-+0.000s modem OK\n++0.000s modem ERROR\n"), "{diff}");
        assert_eq!(snap.header, "---\nsource: tests/snapshots.rs\n---\n");
        assert_eq!(snap.render(), "---\nsource: tests/snapshots.rs\n---\n+0.000s modem ERROR\n+0.100s host AT+CFUN?\n");
    }

    #[test]
    fn the_same_transcript_whitespace_aside_is_same_and_nothing_stored_is_new() {
        let stored = Snap::new("a.atrace", "+0.000s modem OK\n").render();
        assert_eq!(compare(Some(&stored), "+0.000s modem OK  \r\n\n", "a.atrace", "x"), Verdict::Same);
        let v = compare(None, "+0.000s modem OK\n", "s/a b.atrace", "x");
        assert_eq!(v.snap().map(Snap::render), Some(Snap::new("s/a b.atrace", "+0.000s modem OK\n").render()));
        assert!(matches!(v, Verdict::New(_)));
    }

    #[test]
    fn input_files_are_slash_separated_below_the_traces_folder() {
        let t = Path::new("traces");
        assert_eq!(input_file(t, &t.join("slm-2.1.2").join("a.atrace")), "slm-2.1.2/a.atrace");
        assert_eq!(input_file(t, Path::new("elsewhere.atrace")), "elsewhere.atrace");
    }
}
