//! End-to-end tests of `atscope import` and `atscope export --format sr` on real captures,
//! including the round trip through `sigrok-cli` (Debian package `sigrok-cli`). A missing corpus or
//! sigrok-cli skips visibly, and fails where `CI` is set (`support::need`).
//!
//! Run with `cargo test --test uart_cli`.

use std::path::{Path, PathBuf};
use std::process::Command;

use atscope_analyzer::chunk::{Body, Dir, Record};
use atscope_analyzer::trace::TraceReader;

mod support;

use support::{atscope, need};

/// (meta, host bytes, modem bytes) of a trace.
fn read_trace(p: &Path) -> (serde_json::Map<String, serde_json::Value>, Vec<u8>, Vec<u8>) {
    let r = TraceReader::new(std::io::BufReader::new(std::fs::File::open(p).unwrap())).unwrap();
    let meta = r.meta().clone();
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
    (meta, h, m)
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{cmd:?} failed:\n{err}");
    err
}

fn sigrok_decode(sr: &Path, probe: &str, baud: u32) -> Vec<u8> {
    let out = Command::new("sigrok-cli")
        .arg("-i")
        .arg(sr)
        .args(["-P", &format!("uart:baudrate={baud}:rx={probe}"), "-B", "uart=rx"])
        .output()
        .unwrap();
    assert!(out.status.success(), "sigrok-cli failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

#[test]
fn an_at_capture_imports_with_the_at_side_as_host_and_round_trips_through_sigrok_cli() {
    let Some(sr) = need::corpus_file("sigrok-dumps/uart/panasonic_pan1321/panasonic_pan1321_init.sr") else { return };
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("pan1321.atrace");
    let err = run_ok(atscope().arg("import").arg(&sr).arg("-o").arg(&trace));
    assert!(err.contains("baud auto-detected: 115200"), "{err}");
    assert!(err.contains("host = \"TX\""), "the side sending AT is the host:\n{err}");
    let (meta, host, modem) = read_trace(&trace);
    assert_eq!(meta["baud"], 115_200);
    assert!(meta["wiring"].as_str().unwrap().contains("host = \"TX\""));
    assert!(host.starts_with(b"AT+JSEC=1,1,2,04,7777\r\n"));
    assert_eq!(modem, b"ROK\r\nOK\r\nOK\r\nOK\r\nOK\r\nOK\r\nOK\r\n");

    // Export, then import again without flags: probes `host` and `modem` map by name.
    let out_sr = dir.path().join("pan1321.sr");
    run_ok(
        atscope().arg("export").arg(&trace).args(["--format", "sr", "--samplerate", "2000000"]).arg("-o").arg(&out_sr),
    );
    let again = dir.path().join("again.atrace");
    let err = run_ok(atscope().arg("import").arg(&out_sr).arg("-o").arg(&again));
    assert!(err.contains("by channel name"), "{err}");
    let (_, host2, modem2) = read_trace(&again);
    assert_eq!((host2, modem2), (host.clone(), modem.clone()));

    if need::sigrok_cli().is_some() {
        assert_eq!(sigrok_decode(&out_sr, "host", 115_200), host);
        assert_eq!(sigrok_decode(&out_sr, "modem", 115_200), modem);
    }
}

#[test]
fn the_sal_capture_imports_with_its_labels_and_baud() {
    let Some(sal) = need::corpus_file("saleae-logic2-automation/large_async_capture.sal") else { return };
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("sal.atrace");
    let err = run_ok(atscope().arg("import").arg(sal).arg("-o").arg(&trace).args(["--baud", "115200"]));
    assert!(err.contains("\"Channel 0\""), "{err}");
    let (meta, host, modem) = read_trace(&trace);
    assert_eq!(meta["baud"], 115_200);
    assert_eq!(host.len() + modem.len(), 28_434);
    assert!(
        String::from_utf8_lossy(if host.is_empty() { &modem } else { &host }).starts_with("16977\r\n"),
        "decimal counter lines"
    );
}

#[test]
fn bad_input_is_a_clear_error_with_exit_status_2() {
    let Some(corpus) = need::corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            {
                let p = dir.path().join("random.bin");
                std::fs::write(&p, (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect::<Vec<_>>())
                    .unwrap();
                p
            },
            "not a capture atscope can read",
        ),
        (
            {
                let p = dir.path().join("cut.sr");
                let full =
                    std::fs::read(corpus.join("sigrok-dumps/uart/hello_world/8n1/hello_world_8n1_115200.sr")).unwrap();
                std::fs::write(&p, &full[..full.len() / 2]).unwrap();
                p
            },
            "truncated or damaged",
        ),
        (
            {
                let p = dir.path().join("cut.sal");
                let full = std::fs::read(corpus.join("saleae-logic2-automation/cap1.sal")).unwrap();
                std::fs::write(&p, &full[..full.len() - 100]).unwrap();
                p
            },
            "truncated or damaged",
        ),
        (
            {
                let p = dir.path().join("empty.sr");
                std::fs::write(&p, b"").unwrap();
                p
            },
            "empty",
        ),
    ];
    for (path, why) in cases {
        let out = atscope().arg("import").arg(&path).arg("-o").arg(dir.path().join("x.atrace")).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert!(err.contains(&path.display().to_string()) && err.contains(why), "{}: {err}", path.display());
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(!dir.path().join("x.atrace").exists(), "a failed import leaves no trace file");
}

#[test]
fn a_vcd_written_by_sigrok_cli_imports_to_the_same_bytes_as_its_sr() {
    let Some(sr) = need::corpus_file("sigrok-dumps/uart/panasonic_pan1321/panasonic_pan1321_init.sr") else { return };
    let Some(()) = need::sigrok_cli() else { return };
    let dir = tempfile::tempdir().unwrap();
    let vcd = dir.path().join("pan1321.vcd");
    let out = Command::new("sigrok-cli").arg("-i").arg(&sr).args(["-O", "vcd", "-o"]).arg(&vcd).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (a, b) = (dir.path().join("a.atrace"), dir.path().join("b.atrace"));
    run_ok(atscope().arg("import").arg(&sr).arg("-o").arg(&a).args(["--baud", "115200"]));
    let err = run_ok(atscope().arg("import").arg(&vcd).arg("-o").arg(&b).args(["--baud", "115200"]));
    assert!(err.contains("host = \"TX\""), "{err}");
    let (_, h1, m1) = read_trace(&a);
    let (_, h2, m2) = read_trace(&b);
    assert_eq!((h1, m1), (h2, m2));
}
