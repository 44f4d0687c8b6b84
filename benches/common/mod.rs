//! What the benchmarks share: running a command under `/usr/bin/time -v`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs a command with stdout to /dev/null; (seconds, peak RSS in KiB if known). It must succeed.
#[allow(dead_code)] // not every benchmark uses both
pub fn run(cmd: &[&str]) -> (f64, Option<u64>) {
    let (code, secs, rss, err) = run_status(cmd);
    assert!(code == 0, "{cmd:?} failed: {err}");
    (secs, rss)
}

/// Runs a command with stdout to /dev/null; (seconds, CPU seconds: user + sys of all its threads,
/// peak RSS in KiB), the last two if `/usr/bin/time` is installed. It must succeed.
#[allow(dead_code)]
pub fn run_cpu(cmd: &[&str]) -> (f64, Option<f64>, Option<u64>) {
    let (code, secs, rss, err) = run_status(cmd);
    assert!(code == 0, "{cmd:?} failed: {err}");
    let field =
        |name: &str| err.lines().find_map(|l| l.trim().strip_prefix(name).and_then(|v| v.trim().parse::<f64>().ok()));
    let cpu = field("User time (seconds): ").zip(field("System time (seconds): ")).map(|(u, s)| u + s);
    (secs, cpu, rss)
}

/// Runs a command with stdout to /dev/null, whatever its exit: (exit code, seconds, peak RSS in
/// KiB if known, stderr).
#[allow(dead_code)]
pub fn run_status(cmd: &[&str]) -> (i32, f64, Option<u64>, String) {
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
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let rss = err.lines().find_map(|l| {
        l.trim().strip_prefix("Maximum resident set size (kbytes): ").and_then(|v| v.trim().parse().ok())
    });
    // Under /usr/bin/time the command's own exit status is in its report.
    let code = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("Exit status: ").and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| out.status.code().unwrap_or(-1));
    (code, secs, rss, err)
}
