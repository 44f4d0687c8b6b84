//! `atscope check` over many traces (a benchmark, not a test): `cargo bench --bench check`.
//!
//! For each count in `ATSCOPE_BENCH_TRACES` (default `1000,10000`), fills a temporary folder with
//! that many traces (the bundled sessions, copied into folders of ten, as a device farm's rigs
//! would be), stores their transcripts once (`--update`), then times `atscope check` with
//! `--jobs 1` and `--jobs` each further count in `ATSCOPE_BENCH_JOBS` (default `2`) over the
//! whole folder, reading the peak memory from `/usr/bin/time -v`. Each run is repeated
//! `ATSCOPE_BENCH_REPEAT` times (default 3) and the median printed, with the machine's load
//! average before the runs (other work on a shared machine shows in the figures). Every run must
//! find every transcript unchanged (exit status 0).

mod common;

use std::path::{Path, PathBuf};

use common::run;

fn bundled() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/slm-2.1.2");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "atrace"))
        .collect();
    v.sort();
    v
}

fn list(var: &str, default: &str) -> Vec<usize> {
    std::env::var(var).unwrap_or_else(|_| default.into()).split(',').map(|n| n.trim().parse().expect(var)).collect()
}

fn main() {
    let exe = env!("CARGO_BIN_EXE_atscope");
    let sources = bundled();
    let bytes: u64 = sources.iter().map(|p| std::fs::metadata(p).unwrap().len()).sum();
    eprintln!("{} bundled traces, {:.1} KB each on average", sources.len(), bytes as f64 / sources.len() as f64 / 1e3);
    let jobs: Vec<usize> = std::iter::once(1).chain(list("ATSCOPE_BENCH_JOBS", "2")).collect();
    let repeat = list("ATSCOPE_BENCH_REPEAT", "3")[0].max(1);
    println!("| traces | run | time (median of {repeat}) | traces/s | peak RSS | load average before |");
    println!("|---:|---|---:|---:|---:|---:|");
    for n in list("ATSCOPE_BENCH_TRACES", "1000,10000") {
        let dir = tempfile::tempdir().unwrap();
        let traces = dir.path().join("traces");
        for i in 0..n {
            let rig = traces.join(format!("rig-{:05}", i / sources.len()));
            if i % sources.len() == 0 {
                std::fs::create_dir_all(&rig).unwrap();
            }
            let src = &sources[i % sources.len()];
            std::fs::copy(src, rig.join(src.file_name().unwrap())).unwrap();
        }
        let t = traces.to_str().unwrap();
        let (secs, _) = run(&[exe, "check", t, "--update"]);
        eprintln!("{n} traces written and their transcripts stored ({secs:.2} s)");
        for &j in &jobs {
            let js = j.to_string();
            let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
            let load = load.split_whitespace().next().unwrap_or("?").to_string();
            let mut runs: Vec<(f64, Option<u64>)> =
                (0..repeat).map(|_| run(&[exe, "check", t, "--jobs", &js])).collect();
            runs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (secs, rss) = runs[runs.len() / 2];
            let rss = rss.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "n/a".into());
            println!("| {n} | `atscope check --jobs {j}` | {secs:.2} s | {:.0} | {rss} | {load} |", n as f64 / secs);
        }
    }
}
