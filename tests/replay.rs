//! Replay end to end on pseudo-terminals: `replay --as modem` on one end of a null-modem pty
//! cable, `record --proxy` on the other end, `replay --as host` on the proxy's pseudo-terminal.
//!
//! Run with `cargo test -p atscope --test replay` (or `cargo nextest run`, which puts it in the
//! one-thread `pty` group).
//!
//! (1) for every example trace in `traces/` (not the oracle sessions, which test the diagnosis
//!     with hosts that misbehave on purpose), the proxy's recording is equivalent to the original
//!     (`atscope diff` exits 0), and so is the host's own verdict;
//! (2) with `--inject reset@'AT#XMQTTCON=0'`, the recording has `slm.reset.unexpected` and the
//!     diff reports the difference (exit 1).
//!
//! Timing is never asserted: the replays run at `SPEED`× and pacing is checked by the order of
//! what the recording shows.

#![cfg(unix)]

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use support::{atscope, null_modem, wait_until, Proc};

const SPEED: &str = "20";

struct Run {
    proxy_trace: PathBuf,
    host_out: Output,
    modem_stderr: String,
    proxy_stderr: String,
}

/// Modem replay ↔ null modem ↔ proxy ↔ pty ↔ host replay, for one trace.
fn replay_through_proxy(trace: &Path, dir: &Path, inject: &[&str]) -> Run {
    let nm = null_modem();
    let link = dir.join("host-port");
    let proxy_trace = dir.join("proxy.atrace");
    let mut proxy = {
        let mut c = atscope();
        c.args(["record", "-q", "--proxy", &nm.b, "--link"]).arg(&link).arg("-o").arg(&proxy_trace);
        Proc::spawn(c, "proxy", dir)
    };
    wait_until("the proxy's symlink", Duration::from_secs(20), || link.exists());
    let mut modem = {
        let mut c = atscope();
        c.args(["replay", "-q", "--as", "modem", "--speed", SPEED, "--port", &nm.a]).arg(trace);
        for i in inject {
            c.args(["--inject", i]);
        }
        Proc::spawn(c, "modem", dir)
    };
    let host_out = atscope()
        .args(["replay", "-q", "--as", "host", "--speed", SPEED, "--wait-limit", "5s", "--port"])
        .arg(&link)
        .arg("-o")
        .arg(dir.join("host.atrace"))
        .arg(trace)
        .output()
        .unwrap();
    assert_eq!(modem.interrupt(), Some(0), "modem replay: {}", modem.stderr_text());
    assert_eq!(proxy.interrupt(), Some(0), "proxy: {}", proxy.stderr_text());
    Run { proxy_trace, host_out, modem_stderr: modem.stderr_text(), proxy_stderr: proxy.stderr_text() }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn every_trace_replays_equivalently() {
    let traces = support::example_traces();
    assert!(traces.len() >= 10, "expected the bundled traces, found {traces:?}");
    for trace in traces {
        let dir = tempfile::tempdir().unwrap();
        let run = replay_through_proxy(&trace, dir.path(), &[]);
        let context = format!(
            "{}\n--- host stdout\n{}\n--- host stderr\n{}\n--- modem stderr\n{}\n--- proxy stderr\n{}",
            trace.display(),
            text(&run.host_out.stdout),
            text(&run.host_out.stderr),
            run.modem_stderr,
            run.proxy_stderr
        );
        assert_eq!(run.host_out.status.code(), Some(0), "host replay verdict: {context}");
        let diff = atscope().arg("diff").arg(&trace).arg(&run.proxy_trace).args(["--b-speed", SPEED]).output().unwrap();
        assert_eq!(diff.status.code(), Some(0), "proxy recording vs original:\n{}\n{context}", text(&diff.stdout));
        assert!(text(&diff.stdout).contains("equivalent"), "{}", text(&diff.stdout));
    }
}

fn an_injected_reset_is_found_and_reported_by_the_diff() {
    let trace = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/slm-2.1.2/mqtt-session.atrace");
    let dir = tempfile::tempdir().unwrap();
    let run = replay_through_proxy(&trace, dir.path(), &["reset@'AT#XMQTTCON=0'"]);
    let host = text(&run.host_out.stdout);
    assert_eq!(run.host_out.status.code(), Some(1), "the host's diff must say the behaviour differs:\n{host}");
    assert!(host.contains("reset after AT#XMQTTCON=0"), "{host}");

    let findings = atscope().args(["decode", "--findings"]).arg(&run.proxy_trace).output().unwrap();
    let f = text(&findings.stdout);
    assert!(f.contains("slm.reset.unexpected"), "{f}");

    let diff = atscope().arg("diff").arg(&trace).arg(&run.proxy_trace).args(["--b-speed", SPEED]).output().unwrap();
    let d = text(&diff.stdout);
    assert_eq!(diff.status.code(), Some(1), "{d}");
    assert!(d.contains("AT#XMQTTCON=0: A ended OK, B ended aborted by reset"), "{d}");
    assert!(d.contains("URC only in A: #XMQTTEVT: 1,0"), "{d}");
    assert!(d.contains("only in B: reset after AT#XMQTTCON=0"), "{d}");

    let json = atscope().arg("diff").arg("--json").arg(&trace).arg(&run.proxy_trace).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["equivalent"], false);
    assert!(v["differences"].as_array().unwrap().iter().any(|d| d["kind"] == "reset.extra"));
}

#[test]
fn pty_an_injected_reset_is_found_and_reported_by_the_diff() {
    let _turn = support::pty_turn();
    an_injected_reset_is_found_and_reported_by_the_diff();
}

#[test]
fn pty_every_trace_replays_equivalently() {
    let _turn = support::pty_turn();
    every_trace_replays_equivalently();
}
