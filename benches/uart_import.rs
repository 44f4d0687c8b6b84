//! Benchmark (not a test): `atscope import` against `sigrok-cli -P uart` on the same generated
//! sigrok captures, and the `.sal` import rate.
//!
//! Run with `cargo bench --bench uart_import` (needs `python3`, `sigrok-cli` and GNU `time`).
//! `ATSCOPE_BENCH_SAMPLES=2e8,1e9` picks the capture sizes (default `2e8`),
//! `ATSCOPE_BENCH_DIR` where captures go (default: a folder in the system temp dir; kept, so a
//! second run does not generate them again).
//!
//! Captures come from `shared/tools/gen_uart_sr.py` (4 MS/s, 115200 Bd, busy AT traffic both
//! ways); both tools' bytes are checked against the generator's expected streams. Wall time and
//! peak memory (max RSS) come from `/usr/bin/time -v`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use atscope_analyzer::chunk::{Body, Dir, Record};
use atscope_analyzer::trace::TraceReader;

struct Run {
    secs: f64,
    max_rss_kib: u64,
    stdout: Vec<u8>,
}

/// Runs `cmd` under `/usr/bin/time -v`.
fn timed(cmd: &[&str]) -> Run {
    let out = Command::new("/usr/bin/time").arg("-v").args(cmd).output().expect("/usr/bin/time (GNU time) runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} failed:\n{err}");
    let field = |name: &str| err.lines().find_map(|l| l.trim().strip_prefix(name)).unwrap_or("").trim().to_string();
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):");
    let secs = wall.split(':').fold(0.0, |acc, p| acc * 60.0 + p.parse::<f64>().unwrap_or(0.0));
    let max_rss_kib = field("Maximum resident set size (kbytes):").parse().unwrap_or(0);
    Run { secs, max_rss_kib, stdout: out.stdout }
}

fn atrace_bytes(p: &Path) -> (Vec<u8>, Vec<u8>) {
    let r = TraceReader::new(std::io::BufReader::new(std::fs::File::open(p).unwrap())).unwrap();
    let (mut h, mut m) = (Vec::new(), Vec::new());
    for rec in r {
        if let Record::Chunk(c) = rec.unwrap() {
            if let Body::Bytes(b) = c.body {
                if c.dir == Dir::Host {
                    h.extend(b)
                } else {
                    m.extend(b)
                }
            }
        }
    }
    (h, m)
}

/// Bytes per row (`TX`, `RX`) from sigrok-cli's JSON trace output.
fn sigrok_bytes(json: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for line in String::from_utf8_lossy(json).lines() {
        let l = line.trim().trim_end_matches(',');
        if !l.starts_with('{') || !l.contains("\"ph\": \"B\"") {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        let tid = v["tid"].as_str().unwrap_or("").to_string();
        if let Ok(b) = u8::from_str_radix(v["name"].as_str().unwrap_or(""), 16) {
            out.entry(tid).or_default().push(b);
        }
    }
    out
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let gen = root.join("../shared/tools/gen_uart_sr.py");
    let corpus = root.join("../shared/corpus");
    let dir = std::env::var_os("ATSCOPE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("atscope-bench"));
    std::fs::create_dir_all(&dir).unwrap();
    let sizes = std::env::var("ATSCOPE_BENCH_SAMPLES").unwrap_or_else(|_| "2e8".into());
    let atscope = env!("CARGO_BIN_EXE_atscope");

    let mut rows = Vec::new();
    for size in sizes.split(',') {
        let n = size.trim().parse::<f64>().expect("sample counts like 2e8") as u64;
        let sr = dir.join(format!("uart_{size}.sr"));
        let (tx, rx) = (sr.with_extension("tx.bin"), sr.with_extension("rx.bin"));
        if !(sr.exists() && tx.exists() && rx.exists()) {
            eprintln!("generating {} ({n} samples)...", sr.display());
            let ok = Command::new("python3")
                .arg(&gen)
                .arg("-o")
                .arg(&sr)
                .args(["--samples", &n.to_string()])
                .status()
                .unwrap();
            assert!(ok.success(), "gen_uart_sr.py failed");
        }
        let (want_tx, want_rx) = (std::fs::read(&tx).unwrap(), std::fs::read(&rx).unwrap());
        let trace = sr.with_extension("atrace");
        eprintln!("atscope import {}...", sr.display());
        let ours = timed(&[atscope, "import", sr.to_str().unwrap(), "-o", trace.to_str().unwrap()]);
        let (h, m) = atrace_bytes(&trace);
        let ours_ok = h == want_tx && m == want_rx;
        eprintln!("sigrok-cli -P uart {}...", sr.display());
        let theirs = timed(&[
            "sigrok-cli",
            "-i",
            sr.to_str().unwrap(),
            "-P",
            "uart:baudrate=115200:tx=TX:rx=RX",
            "-A",
            "uart=rx-data:tx-data",
            "--protocol-decoder-jsontrace",
        ]);
        let sb = sigrok_bytes(&theirs.stdout);
        let theirs_ok = sb.get("TX") == Some(&want_tx) && sb.get("RX") == Some(&want_rx);
        rows.push(format!(
            "| {size} ({:.0} s) | {} | {:.2} s ({:.0} MS/s) | {:.1} MiB | {} | {:.1} s ({:.1} MS/s) | {:.1} MiB | {} | **{:.0}×** |",
            n as f64 / 4e6,
            want_tx.len() + want_rx.len(),
            ours.secs,
            n as f64 / ours.secs / 1e6,
            ours.max_rss_kib as f64 / 1024.0,
            if ours_ok { "all equal" } else { "DIFFER" },
            theirs.secs,
            n as f64 / theirs.secs / 1e6,
            theirs.max_rss_kib as f64 / 1024.0,
            if theirs_ok { "all equal" } else { "DIFFER" },
            theirs.secs / ours.secs.max(0.01),
        ));
        assert!(ours_ok, "atscope's bytes differ from the generator's expected streams");
    }

    // .sal import rate: the largest real .sal in the corpus, best of 10 runs.
    let sal = corpus.join("saleae-logic2-automation/large_async_capture.sal");
    let sal_out = dir.join("sal.atrace");
    let best = (0..10)
        .map(|_| {
            timed(&[atscope, "import", sal.to_str().unwrap(), "-o", sal_out.to_str().unwrap(), "--baud", "115200"])
        })
        .min_by(|a, b| a.secs.total_cmp(&b.secs))
        .unwrap();
    let size = std::fs::metadata(&sal).unwrap().len() as f64;
    // 7.6 s at 500 MS/s (meta.json maxCollectedTime 7.616856064 s).
    let samples = 7.616856064 * 500e6;

    println!("| samples (capture length) | bytes decoded | atscope import | atscope peak RSS | atscope bytes | sigrok-cli -P uart | sigrok-cli peak RSS | sigrok-cli bytes | speed-up |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    println!();
    println!(
        "`.sal` import (`large_async_capture.sal`, {:.0} KB, 3.8e9 samples at 500 MS/s, 28,434 bytes): {:.3} s wall (best of 10) = {:.1} MB/s of file, {:.0} G samples/s, peak RSS {:.1} MiB",
        size / 1e3,
        best.secs,
        size / best.secs / 1e6,
        samples / best.secs / 1e9,
        best.max_rss_kib as f64 / 1024.0
    );
}
