//! Snapshot regression: the transcript of every trace in `traces/` (insta).
//!
//! Run with `cargo test --test snapshots`; `INSTA_GLOB_FILTER=**/mqtt*` narrows to some traces.
//! New or changed snapshots are reviewed with `cargo insta review`, never accepted blindly; CI
//! runs with `INSTA_UPDATE=no`, so a change of behaviour fails with a readable diff.

use atscope_analyzer::analysis::Options;
use atscope_analyzer::capture::ImportOptions;
use atscope_analyzer::check::transcript_of;

#[test]
fn every_bundled_trace_decodes_to_its_reviewed_transcript() {
    insta::glob!("../traces", "**/*.atrace", |path| {
        let (transcript, _) = transcript_of(path, &ImportOptions::default(), Options::default())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        insta::assert_snapshot!(transcript);
    });
}
