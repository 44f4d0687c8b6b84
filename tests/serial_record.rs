//! `atscope record` on pseudo-terminals: durability and port loss.
//!
//! Run with `cargo test -p atscope --test serial_record` (or `cargo nextest run`, which puts it
//! in the one-thread `pty` group).
//!
//! (3) a recorder killed with `-9` mid-stream leaves a trace that reads back every chunk it had
//!     written before the kill;
//! (4) a port that disappears mid-record is reported (stderr and a `mark`), the trace is kept,
//!     and recording resumes when the port is back; Ctrl-C then closes the trace cleanly.
//!
//! Also: a script run against a pretend modem (`record --port --script`).

#![cfg(unix)]

mod support;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use atscope_analyzer::chunk::{Body, Dir, Record};
use atscope_analyzer::trace::TraceReader;
use support::{atscope, fake_modem, pty, wait_until, Proc};

/// The records of a trace file (possibly still being written) and the reader's warnings.
fn read_trace(path: &Path) -> (Vec<Record>, Vec<String>) {
    let bytes = std::fs::read(path).unwrap_or_default();
    let Ok(mut r) = TraceReader::new(&bytes[..]) else { return (Vec::new(), Vec::new()) };
    let recs: Vec<Record> = r.by_ref().map(|x| x.expect("every whole line is a record")).collect();
    (recs, r.take_warnings())
}

/// All bytes one side sent, in order.
fn side(recs: &[Record], dir: Dir) -> Vec<u8> {
    let mut out = Vec::new();
    for r in recs {
        if let Record::Chunk(c) = r {
            if let (true, Body::Bytes(b)) = (c.dir == dir, &c.body) {
                out.extend_from_slice(b);
            }
        }
    }
    out
}

fn marks(recs: &[Record]) -> Vec<String> {
    recs.iter()
        .filter_map(|r| match r {
            Record::Mark(m) => Some(m.text.clone()),
            _ => None,
        })
        .collect()
}

fn kill_9_keeps_every_chunk_written_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tap.atrace");
    let mut host = pty();
    let mut modem = pty();
    let mut rec = {
        let mut c = atscope();
        c.args(["record", "-q", "--host-line", &host.path, "--modem-line", &modem.path]).arg("-o").arg(&out);
        Proc::spawn(c, "recorder", dir.path())
    };
    wait_until("the trace header", Duration::from_secs(20), || std::fs::metadata(&out).is_ok_and(|m| m.len() > 0));
    // Both sides keep talking while the recorder is killed.
    let stop = Arc::new(AtomicBool::new(false));
    let (mut hm, mut mm) = (host.master.try_clone_native().unwrap(), modem.master.try_clone_native().unwrap());
    let talker = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let (mut h, mut m) = (Vec::new(), Vec::new());
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let cmd = format!("AT+N={i}\r\n");
                let ans = format!("\r\n+N: {i}\r\n\r\nOK\r\n");
                hm.write_all(cmd.as_bytes()).unwrap();
                h.extend_from_slice(cmd.as_bytes());
                std::thread::sleep(Duration::from_millis(2));
                mm.write_all(ans.as_bytes()).unwrap();
                m.extend_from_slice(ans.as_bytes());
                std::thread::sleep(Duration::from_millis(3));
                i += 1;
            }
            (h, m)
        })
    };
    wait_until("100 records in the trace", Duration::from_secs(30), || read_trace(&out).0.len() >= 100);
    let (before, _) = read_trace(&out);
    rec.signal("KILL");
    rec.wait(Duration::from_secs(10));
    stop.store(true, Ordering::Relaxed);
    let (sent_host, sent_modem) = talker.join().unwrap();
    let (after, warnings) = read_trace(&out);
    assert!(warnings.iter().all(|w| w.contains("cut short")), "{warnings:?}");
    assert!(after.len() >= before.len(), "records lost: {} before the kill, {} after", before.len(), after.len());
    assert_eq!(&after[..before.len()], &before[..], "what was in the trace before the kill changed");
    let (h, m) = (side(&after, Dir::Host), side(&after, Dir::Modem));
    assert!(h.len() > 100 && sent_host.starts_with(&h), "host bytes in the trace are not what was sent");
    assert!(m.len() > 100 && sent_modem.starts_with(&m), "modem bytes in the trace are not what was sent");
    // Drain what the killed recorder left unread, so the ptys are clean for the next case.
    let mut sink = [0u8; 4096];
    let _ = host.slave.read(&mut sink);
    let _ = modem.slave.read(&mut sink);
}

fn a_lost_port_is_marked_reopened_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tap.atrace");
    let mut host = pty();
    let first = pty();
    let link = dir.path().join("modem-port");
    std::os::unix::fs::symlink(&first.path, &link).unwrap();
    let mut rec = {
        let mut c = atscope();
        c.args(["record", "--host-line", &host.path, "--modem-line"]).arg(&link).arg("-o").arg(&out);
        Proc::spawn(c, "recorder", dir.path())
    };
    wait_until("the trace header", Duration::from_secs(20), || std::fs::metadata(&out).is_ok_and(|m| m.len() > 0));
    let mut first = first;
    host.master.write_all(b"AT+CFUN?\r\n").unwrap();
    wait_until("the command in the trace", Duration::from_secs(10), || {
        side(&read_trace(&out).0, Dir::Host).ends_with(b"AT+CFUN?\r\n")
    });
    first.master.write_all(b"\r\n+CFUN: 1\r\n\r\nOK\r\n").unwrap();
    wait_until("the first answer in the trace", Duration::from_secs(10), || {
        side(&read_trace(&out).0, Dir::Modem).ends_with(b"OK\r\n")
    });

    // Unplug: the modem adapter's pty goes away.
    drop(first);
    wait_until("a 'lost' mark", Duration::from_secs(10), || {
        marks(&read_trace(&out).0).iter().any(|m| m.contains("lost"))
    });
    // The host side still records while the modem side is gone.
    host.master.write_all(b"AT\r\n").unwrap();
    wait_until("host bytes during the outage", Duration::from_secs(10), || {
        side(&read_trace(&out).0, Dir::Host).ends_with(b"AT\r\n")
    });

    // Plug back in: a new pty behind the same name.
    let mut second = pty();
    let tmp = dir.path().join("modem-port.new");
    std::os::unix::fs::symlink(&second.path, &tmp).unwrap();
    std::fs::rename(&tmp, &link).unwrap();
    wait_until("an 'is back' mark", Duration::from_secs(10), || {
        marks(&read_trace(&out).0).iter().any(|m| m.contains("is back"))
    });
    second.master.write_all(b"\r\nOK\r\n").unwrap();
    wait_until("the answer after the outage", Duration::from_secs(10), || {
        side(&read_trace(&out).0, Dir::Modem).ends_with(b"OK\r\n\r\nOK\r\n")
    });

    assert_eq!(rec.interrupt(), Some(0), "Ctrl-C ends the recording cleanly: {}", rec.stderr_text());
    let (recs, warnings) = read_trace(&out);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(side(&recs, Dir::Host), b"AT+CFUN?\r\nAT\r\n");
    assert_eq!(side(&recs, Dir::Modem), b"\r\n+CFUN: 1\r\n\r\nOK\r\n\r\nOK\r\n");
    let m = marks(&recs);
    assert_eq!(m.len(), 2, "{m:?}");
    let stderr = rec.stderr_text();
    assert!(stderr.contains("lost") && stderr.contains("is back"), "the user is told: {stderr}");
    // The decoded trace shows the marks on the timeline.
    let decoded = atscope().arg("decode").arg(&out).output().unwrap();
    let text = String::from_utf8_lossy(&decoded.stdout);
    assert!(text.contains("MARK") && text.contains("lost"), "{text}");
}

fn a_script_talks_to_a_pretend_modem() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("script.atrace");
    let script = dir.path().join("attach.txt");
    std::fs::write(&script, "// ask twice\nAT+CFUN?\nwait +CFUN: 1\nwait OK 5s\nsleep 10ms\nAT+CFUN?\nwait OK\n")
        .unwrap();
    let mut modem = pty();
    let fake = fake_modem(modem.master.try_clone_native().unwrap(), b"\r\n+CFUN: 1\r\n\r\nOK\r\n");
    let o = atscope()
        .args(["record", "-q", "--port", &modem.path, "--script"])
        .arg(&script)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    fake.stop();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let (recs, _) = read_trace(&out);
    assert_eq!(side(&recs, Dir::Host), b"AT+CFUN?\r\nAT+CFUN?\r\n");
    let _ = modem.slave.read(&mut [0u8; 64]);
}

/// `record --log PORT`: the SLM's log port goes into OUT.log beside the trace, each line stamped
/// with its arrival time, and `decode --log` places it (the boot by the Ready on the UART).
fn the_log_port_is_recorded_beside_the_trace() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.atrace");
    let log_path = dir.path().join("s.log");
    let script = dir.path().join("s.txt");
    std::fs::write(&script, "sleep 600ms\nAT+CFUN?\nwait OK\nsleep 300ms\n").unwrap();
    let mut modem = pty();
    let mut logp = pty();
    let fake = fake_modem(modem.master.try_clone_native().unwrap(), b"\r\n+CFUN: 1\r\n\r\nOK\r\n");
    let mut rec = {
        let mut c = atscope();
        c.args(["record", "-q", "--port", &modem.path, "--log", &logp.path, "--script"])
            .arg(&script)
            .arg("-o")
            .arg(&out);
        Proc::spawn(c, "recorder", dir.path())
    };
    wait_until("the log file", Duration::from_secs(20), || log_path.exists());
    std::thread::sleep(Duration::from_millis(100));
    let log = b"*** Booting nRF Connect SDK v2.1.2 ***\r\n[00:00:00.300,000] <inf> slm_at_host: at_host init done\r\n[00:00:00.500,000] <err> slm_tcp: POLLERR\r\n";
    logp.master.write_all(log).unwrap();
    let code = rec.wait(Duration::from_secs(20));
    fake.stop();
    assert_eq!(code, Some(0), "{}", rec.stderr_text());
    let written = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 3, "{written:?}");
    for (l, want) in lines.iter().zip(["*** Booting", "[00:00:00.300,000] <inf>", "[00:00:00.500,000] <err>"]) {
        // `[2026-11-29 20:50:01.123] ` then the line as the port sent it.
        assert!(l.starts_with('[') && l.as_bytes().get(24) == Some(&b']') && l[26..].starts_with(want), "{l:?}");
    }
    let meta = std::fs::read_to_string(&out).unwrap();
    assert!(meta.lines().next().unwrap().contains("\"file\":\"s.log\""), "the header names the log file");
    let o = atscope().args(["decode", "--json", "--log"]).arg(&log_path).arg(&out).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("\"dir\":\"log\"") && text.contains("POLLERR"), "{text}");
    let _ = modem.slave.read(&mut [0u8; 64]);
    let _ = logp.slave.read(&mut [0u8; 64]);
}

/// Plain HTTP GET on loopback (the viewer's API), body as text.
fn http_get(url: &str) -> String {
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

fn serve_streams_the_live_recording_to_the_viewer() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("served.atrace");
    let script = dir.path().join("s.txt");
    std::fs::write(&script, "AT+CFUN?\nwait OK 5s\nsleep 20s\n").unwrap();
    let mut modem = pty();
    let fake = fake_modem(modem.master.try_clone_native().unwrap(), b"\r\n+CFUN: 1\r\n\r\nOK\r\n");
    let mut cmd = atscope();
    cmd.args(["record", "-q", "--serve", "--port", &modem.path, "--script"]).arg(&script).arg("-o").arg(&out);
    let mut rec = Proc::spawn(cmd, "served", dir.path());
    let mut url = String::new();
    wait_until("the viewer's URL on stderr", Duration::from_secs(20), || {
        url =
            rec.stderr_text().lines().find_map(|l| l.split("live viewer at ").nth(1)).unwrap_or("").trim().to_string();
        !url.is_empty()
    });
    let mut list = String::new();
    wait_until("the command in the live trace", Duration::from_secs(20), || {
        list = http_get(&format!("{url}api/v1/traces"));
        list.contains("\"live\":true") && list.contains("\"exchanges\":1")
    });
    assert!(list.contains("served.atrace"), "{list}");
    assert_eq!(rec.interrupt(), Some(0), "{}", rec.stderr_text());
    fake.stop();
    let _ = modem.slave.read(&mut [0u8; 64]);
}

#[test]
fn pty_kill_9_keeps_every_chunk_written_before_it() {
    let _turn = support::pty_turn();
    kill_9_keeps_every_chunk_written_before_it();
}

#[test]
fn pty_a_lost_port_is_marked_reopened_and_nothing_is_lost() {
    let _turn = support::pty_turn();
    a_lost_port_is_marked_reopened_and_nothing_is_lost();
}

#[test]
fn pty_the_log_port_is_recorded_beside_the_trace() {
    let _turn = support::pty_turn();
    the_log_port_is_recorded_beside_the_trace();
}

#[test]
fn pty_a_script_talks_to_a_pretend_modem() {
    let _turn = support::pty_turn();
    a_script_talks_to_a_pretend_modem();
}

#[test]
fn pty_serve_streams_the_live_recording_to_the_viewer() {
    let _turn = support::pty_turn();
    serve_streams_the_live_recording_to_the_viewer();
}
