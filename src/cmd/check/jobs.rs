//! Checking traces on several threads, with the results given out in the traces' order.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use atscope_analyzer::check::{Outcome, TraceResult};

use super::trace::{check_one, Setup};

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
