//! What the benchmarks share: running a command under `/usr/bin/time -v`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs a command with stdout to /dev/null; (seconds, peak RSS in KiB if known).
pub fn run(cmd: &[&str]) -> (f64, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    let mut c = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-v").args(cmd);
        c
    } else {
        let mut c = Command::new(cmd[0]);
        c.args(&cmd[1..]);
        c
    };
    let start = Instant::now();
    let out = c.stdout(Stdio::null()).stderr(Stdio::piped()).output().expect("run");
    let secs = start.elapsed().as_secs_f64();
    assert!(out.status.success(), "{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    let rss = String::from_utf8_lossy(&out.stderr).lines().find_map(|l| {
        l.trim().strip_prefix("Maximum resident set size (kbytes): ").and_then(|v| v.trim().parse().ok())
    });
    (secs, rss)
}
