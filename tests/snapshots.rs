//! Snapshot regression: the transcript of every trace in `traces/` (insta).
//!
//! The stored transcripts are the ones `atscope check traces` reads (`traces/snapshots/`, one
//! `.snap` per trace, mirroring the folders): one set for both. A changed transcript is written
//! as a pending `.snap.new` beside the stored one, by this test and by `atscope check traces`
//! alike; review with `cargo insta review` (or rewrite every transcript with
//! `cargo run -- check traces --update` and review the `git diff`). CI runs with
//! `INSTA_UPDATE=no`, so a change of behaviour fails with a readable diff.
//! `cargo test --test snapshots -- --nocapture` shows every diff; a failure lists each trace.

mod support;

use std::path::Path;

use atscope_analyzer::analysis::Options;
use atscope_analyzer::capture::{self, ImportOptions};
use atscope_analyzer::check::{transcript_of, DEFAULT_SNAPSHOTS};

#[test]
fn every_bundled_trace_decodes_to_its_reviewed_transcript() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    let snapshots = root.join(DEFAULT_SNAPSHOTS);
    let traces = support::all_traces();
    assert!(traces.len() >= 10, "the bundled traces: {traces:?}");
    let mut failed = Vec::new();
    for trace in &traces {
        let rel = trace.strip_prefix(&root).unwrap();
        let name = rel.file_name().unwrap().to_string_lossy().into_owned();
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(snapshots.join(rel.parent().unwrap()));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_input_file(trace);
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let (transcript, _) = capture::open_records(trace, &ImportOptions::default())
                .and_then(|records| {
                    let log = atscope_analyzer::capture::open_log_beside(trace)?;
                    transcript_of(records, log, trace, Options::default())
                })
                .unwrap_or_else(|e| panic!("{}: {e}", trace.display()));
            settings.bind(|| insta::assert_snapshot!(name, transcript));
        }));
        if ok.is_err() {
            failed.push(rel.display().to_string());
        }
    }
    assert!(failed.is_empty(), "transcripts changed or missing (diffs above; `cargo insta review`): {failed:?}");
}
