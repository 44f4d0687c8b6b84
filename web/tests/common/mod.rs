//! Shared by the router and browser tests: the bundled traces, the hostile trace, and a copy of
//! `mqtt-disconnect-reset` with synthetic findings (findings rules are not in this crate; the
//! ones here exist only to exercise the viewer and say so in their help text).
#![allow(dead_code)]

use std::path::PathBuf;

use atscope_analyzer::analysis::{decode_all, Options};
use atscope_analyzer::capture::{self, ImportOptions};
use atscope_analyzer::finding::{Finding, Severity};
use atscope_analyzer::timeline::{Event, EventKind};
use atscope_web::store::{Origin, TraceStore};
use atscope_web::AppState;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `traces/slm-2.1.2/NAME.atrace`.
pub fn bundled(name: &str) -> PathBuf {
    root().join("traces/slm-2.1.2").join(format!("{name}.atrace"))
}

/// `web/tests/data/hostile.atrace`.
pub fn hostile() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/hostile.atrace")
}

/// The events of a capture.
pub fn decode(path: &std::path::Path) -> Vec<Event> {
    let recs = capture::open_records(path, &ImportOptions::default()).unwrap();
    decode_all(recs, Options::default()).unwrap().0
}

fn finding(seq: u64, at: &Event, severity: Severity, id: &str, message: &str, about: Vec<u64>) -> Event {
    Event {
        seq,
        t_ns: at.t_ns,
        end_ns: at.end_ns,
        dir: None,
        dlci: None,
        meaning: None,
        kind: EventKind::Finding(Finding {
            id: id.into(),
            severity,
            message: message.into(),
            help: format!("Synthetic finding made by the web tests. {message}: check the modem log."),
            events: about,
        }),
    }
}

/// `mqtt-disconnect-reset` plus three synthetic findings: an error on the reset, a warning on
/// the aborted `AT#XMQTTCON=0`, a note on the slow `AT#XMQTTCON=1`.
pub fn with_findings() -> Vec<Event> {
    // The rules' own findings are dropped (and the rest renumbered) so that these tests control
    // exactly which findings exist; the real ones are covered by the bundled traces.
    let mut ev: Vec<Event> = decode(&bundled("mqtt-disconnect-reset"))
        .into_iter()
        .filter(|e| !matches!(e.kind, EventKind::Finding(_)))
        .collect();
    for (i, e) in ev.iter_mut().enumerate() {
        e.seq = i as u64;
    }
    let find = |ev: &[Event], pred: &dyn Fn(&Event) -> bool| ev.iter().find(|e| pred(e)).unwrap().clone();
    let reset = find(&ev, &|e| matches!(e.kind, EventKind::Reset(_)) && e.t_ns > 0);
    let aborted = find(&ev, &|e| matches!(&e.kind, EventKind::Exchange { id: 9, .. }));
    let slow = find(&ev, &|e| matches!(&e.kind, EventKind::Exchange { id: 7, .. }));
    let cmd9 = find(&ev, &|e| matches!(&e.kind, EventKind::Command { exchange: 9, .. }));
    let n = ev.len() as u64;
    ev.push(finding(n, &slow, Severity::Note, "test.latency.slow", "AT#XMQTTCON=1 took 1.9 s", vec![slow.seq]));
    ev.push(finding(
        n + 1,
        &aborted,
        Severity::Warning,
        "test.urc.missing",
        "No #XMQTTEVT: 1,0 after AT#XMQTTCON=0",
        vec![cmd9.seq, aborted.seq],
    ));
    ev.push(finding(
        n + 2,
        &reset,
        Severity::Error,
        "test.reset.unexpected",
        "The modem reset while AT#XMQTTCON=0 was pending",
        vec![reset.seq, cmd9.seq],
    ));
    ev
}

/// A crash and a reboot in the SLM's log format, for `mqtt-disconnect-reset` (written for these tests).
pub const CRASH_LOG: &str = "\
*** Booting nRF Connect SDK v2.1.2 ***\r
[00:00:00.300,000] <inf> slm_at_host: at_host init done\r
[00:00:21.600,000] <wrn> slm_mqtt: keepalive\r
[00:00:23.450,000] <err> os: ***** BUS FAULT *****\r
[00:00:23.450,000] <err> os: Faulting instruction address (r15/pc): 0x0002a8c4\r
[00:00:23.450,000] <err> os: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0\r
[00:00:23.450,000] <err> os: Current thread: 0x20014a30 (mqtt_thread)\r
*** Booting nRF Connect SDK v2.1.2 ***\r
[00:00:00.300,000] <inf> slm_at_host: at_host init done\r
";

/// `mqtt-disconnect-reset` decoded with [`CRASH_LOG`] beside it.
pub fn with_log() -> Vec<Event> {
    use atscope_analyzer::analysis::Analysis;
    let recs = capture::open_records(&bundled("mqtt-disconnect-reset"), &ImportOptions::default()).unwrap();
    let mut a = Analysis::new(Options::default());
    a.attach_log(Box::new(atscope_analyzer::log::segment::parse_all(CRASH_LOG.as_bytes()).into_iter()), None);
    let mut ev = Vec::new();
    for r in recs {
        a.push(&r.unwrap(), &mut |e| ev.push(e.clone()));
    }
    a.finish(&mut |e| ev.push(e.clone()));
    ev
}

/// `n` `+CSCON` URCs 1 ms apart: more transcript rows than one page, more items than pixels.
pub fn many(n: u64) -> Vec<Event> {
    use atscope_analyzer::chunk::Dir;
    use atscope_analyzer::timeline::event::Bytes;
    (0..n)
        .map(|i| Event {
            seq: i,
            t_ns: i as i64 * 1_000_000,
            end_ns: i as i64 * 1_000_000,
            dir: Some(Dir::Modem),
            dlci: None,
            meaning: None,
            kind: EventKind::Urc {
                name: "+CSCON".into(),
                params: Vec::new(),
                line: Bytes(format!("+CSCON: {}", i % 2).into_bytes()),
            },
        })
        .collect()
}

/// A store with the bundled traces, `with-findings`, `with-log`, `hostile` and `many` (5000 URCs).
pub fn state() -> AppState {
    let store = TraceStore::new();
    store.add_events("many", many(5000));
    store.add_paths(&[root().join("traces")], &ImportOptions::default()).unwrap();
    store.add_events("with-findings", with_findings());
    store.add_events("with-log", with_log());
    let h = atscope_web::store::decode_file(&hostile(), &ImportOptions::default()).unwrap();
    store.add("hostile.atrace", Origin::File, h);
    AppState::new(store)
}
