//! Regression checking of recorded traces: each trace's transcript against a stored one.
//!
//! This is `atscope check`, for a user's own CI without Rust, and what the project's snapshot
//! tests use. A per-trace problem (a file that does not decode) is reported for that trace and
//! does not stop the others.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::analysis::{Analysis, Options};
use crate::capture::{self, CaptureError, ImportOptions};
use crate::report::transcript::Transcript;
use crate::report::Summary;

/// File extensions `check` picks up in a directory.
pub const TRACE_EXTENSIONS: &[&str] = &["atrace", "csv", "sr", "sal", "vcd"];

/// The transcript of a capture file and its summary.
pub fn transcript_of(path: &Path, import: &ImportOptions, opts: Options) -> Result<(String, Summary), CaptureError> {
    let mut records = capture::open_records(path, import)?;
    let mut a = Analysis::new(opts);
    let mut t = Transcript::default();
    let mut out = String::new();
    let mut sink = |e: &crate::timeline::Event| {
        if let Some(l) = t.lines(e) {
            out.push_str(&l);
            out.push('\n');
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
    let _ = writeln!(out, "# {}; {version}", a.summary().line());
    for w in records.source_mut().take_warnings() {
        let _ = writeln!(out, "# warning: {}", w.replace(&path.display().to_string(), "<file>"));
    }
    Ok((out, a.summary().clone()))
}

/// Every capture below `dir` (recursively, sorted), skipping `skip` (the snapshot folder).
pub fn find_traces(dir: &Path, skip: Option<&Path>) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let p = entry?.path();
            if skip.is_some_and(|s| p.starts_with(s)) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| TRACE_EXTENSIONS.contains(&e)) {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Where the stored transcript of `trace` lives.
pub fn snapshot_path(traces: &Path, snapshots: &Path, trace: &Path) -> PathBuf {
    let rel = trace.strip_prefix(traces).unwrap_or(trace);
    let mut p = snapshots.join(rel);
    let name = format!("{}.transcript", p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    p.set_file_name(name);
    p
}

/// The result for one trace.
#[derive(Debug)]
pub enum Outcome {
    /// Same transcript as stored.
    Same,
    /// No stored transcript (written when updating).
    New,
    /// Different: a unified diff, stored → now.
    Changed(String),
    /// Updated on request.
    Updated,
    /// The trace could not be decoded.
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

/// Checks (or with `update`, rewrites) the transcript of one trace.
pub fn check_one(traces: &Path, snapshots: &Path, trace: &Path, update: bool, opts: &Options) -> TraceResult {
    let (now, summary) = match transcript_of(trace, &ImportOptions::default(), opts.clone()) {
        Ok(x) => x,
        Err(e) => {
            return TraceResult { trace: trace.to_path_buf(), outcome: Outcome::Failed(e.to_string()), summary: None }
        }
    };
    let snap = snapshot_path(traces, snapshots, trace);
    let stored = std::fs::read_to_string(&snap).ok();
    let outcome = match (&stored, update) {
        (Some(s), _) if *s == now => Outcome::Same,
        (_, true) => {
            let write =
                snap.parent().map(std::fs::create_dir_all).unwrap_or(Ok(())).and_then(|_| std::fs::write(&snap, &now));
            match write {
                Ok(()) => Outcome::Updated,
                Err(e) => Outcome::Failed(format!("writing {}: {e}", snap.display())),
            }
        }
        (None, false) => Outcome::New,
        (Some(s), false) => {
            let diff = similar::TextDiff::from_lines(s.as_str(), now.as_str());
            let name = snap.display().to_string();
            Outcome::Changed(
                diff.unified_diff()
                    .context_radius(3)
                    .header(&format!("{name} (stored)"), &format!("{name} (now)"))
                    .to_string(),
            )
        }
    };
    TraceResult { trace: trace.to_path_buf(), outcome, summary: Some(summary) }
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            c if c.is_control() && c != '\n' && c != '\t' => format!("&#{};", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// JUnit XML for CI dashboards: one test case per trace; `findings_failed` lists traces whose
/// findings reached the `--fail-on` level.
pub fn junit(results: &[TraceResult], findings_failed: &[PathBuf]) -> String {
    let failures = results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Changed(_) | Outcome::New) || findings_failed.contains(&r.trace))
        .count();
    let errors = results.iter().filter(|r| matches!(r.outcome, Outcome::Failed(_))).count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuite name=\"atscope check\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\">",
        results.len()
    );
    for r in results {
        let name = xml_escape(&r.trace.display().to_string());
        let _ = write!(x, "  <testcase classname=\"atscope.check\" name=\"{name}\">");
        match &r.outcome {
            Outcome::Changed(d) => {
                let _ = write!(x, "<failure message=\"behaviour changed\">{}</failure>", xml_escape(d));
            }
            Outcome::New => {
                let _ = write!(x, "<failure message=\"no stored transcript (run with --update)\"/>");
            }
            Outcome::Failed(e) => {
                let _ = write!(x, "<error message=\"{}\"/>", xml_escape(e));
            }
            _ => {}
        }
        if findings_failed.contains(&r.trace) {
            let _ = write!(x, "<failure message=\"findings at or above the --fail-on level\"/>");
        }
        x.push_str("</testcase>\n");
    }
    x.push_str("</testsuite>\n");
    x
}
