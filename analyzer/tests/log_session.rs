//! The SLM's own log beside the UART (issue 17): lines placed on the UART's time axis, the crash
//! that explains a reset, `<err>` lines attached to the exchange they explain, the modem
//! library's fault, one alignment note per boot. Small inline sessions, written for these tests.

use atscope_analyzer::analysis::{Analysis, Options};
use atscope_analyzer::chunk::{Chunk, Dir, Record};
use atscope_analyzer::log::segment::parse_all;
use atscope_analyzer::timeline::{Event, EventKind};

const MS: i64 = 1_000_000;

fn uart() -> Vec<Record> {
    let c = |ms: i64, d: Dir, b: &[u8]| Record::Chunk(Chunk::bytes(ms * MS, d, b.to_vec()));
    vec![
        c(1_000, Dir::Modem, b"Ready\r\n"),
        c(2_000, Dir::Host, b"AT#XMQTTCON=1,\"id\",\"\",\"\",\"broker.example\",1883\r\n"),
        c(2_500, Dir::Modem, b"\r\nERROR\r\n"),
        c(6_000, Dir::Host, b"AT#XMQTTCON=0\r\n"),
        c(8_350, Dir::Modem, b"\xc0\xffReady\r\n"),
        c(9_000, Dir::Host, b"AT\r\n"),
        c(9_010, Dir::Modem, b"\r\nOK\r\n"),
    ]
}

const LOG: &str = "\
*** Booting nRF Connect SDK v2.1.2 ***\r
[00:00:00.300,000] <inf> slm_at_host: at_host init done\r
[00:00:01.750,000] <err> slm_mqtt: mqtt_connect: -111\r
[00:00:04.000,000] <err> slm_tcp: recv failed: -128\r
[00:00:04.500,000] <err> nrf_modem: Modem error: 0x1, PC: 0x5a3c2\r
[00:00:05.000,000] <wrn> slm_mqtt: keepalive\r
\x1b[1;31m[00:00:07.300,000] <err> os: ***** BUS FAULT *****\x1b[0m\r
[00:00:07.300,000] <err> os:   Precise data bus error\r
[00:00:07.300,000] <err> os: r0/a1:  0x00000000  r1/a2:  0x00000001  r2/a3:  0x20014a30\r
[00:00:07.300,000] <err> os: r3/a4:  0x00000000 r12/ip:  0x00000010 r14/lr:  0x0001f3b5\r
[00:00:07.300,000] <err> os:  xpsr:  0x61000000\r
[00:00:07.300,000] <err> os: Faulting instruction address (r15/pc): 0x0002a8c4\r
[00:00:07.300,000] <err> os: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0\r
[00:00:07.300,000] <err> os: Current thread: 0x20014a30 (mqtt_thread)\r
*** Booting nRF Connect SDK v2.1.2 ***\r
[00:00:00.300,000] <inf> slm_at_host: at_host init done\r
[00:00:00.900,000] <inf> slm: after the reboot\r
";

fn run(log: Option<&str>, offset: Option<i64>) -> Vec<Event> {
    let mut a = Analysis::new(Options { meanings: false, ..Default::default() });
    if let Some(l) = log {
        a.attach_log(Box::new(parse_all(l.as_bytes()).into_iter()), offset);
    }
    let mut out = Vec::new();
    for r in uart() {
        a.push(&r, &mut |e| out.push(e.clone()));
    }
    a.finish(&mut |e| out.push(e.clone()));
    out
}

fn findings(events: &[Event]) -> Vec<(String, String, i64, String)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Finding(f) => Some((f.id.clone(), f.severity.to_string(), e.t_ns / MS, f.message.clone())),
            _ => None,
        })
        .collect()
}

fn log_at(events: &[Event], text: &str) -> i64 {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Log(l) if l.text == text => Some(e.t_ns),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no log line {text:?}"))
}

#[test]
fn each_boot_is_placed_by_its_ready() {
    let ev = run(Some(LOG), None);
    // at_host init done (uptime 0.300) is the Ready at 1.000 s; the second boot's is at 8.350 s.
    assert_eq!(log_at(&ev, "mqtt_connect: -111"), 2_450 * MS);
    assert_eq!(log_at(&ev, "***** BUS FAULT *****"), 8_000 * MS);
    assert_eq!(log_at(&ev, "after the reboot"), 8_950 * MS);
    let notes: Vec<_> = findings(&ev).into_iter().filter(|f| f.0 == "slm.log.alignment").collect();
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert!(notes.iter().all(|n| n.1 == "note" && n.3.contains("at_host init done")), "{notes:#?}");
}

#[test]
fn log_lines_are_interleaved_with_the_uart_by_time() {
    let ev = run(Some(LOG), None);
    let mut last = i64::MIN;
    for e in ev.iter().filter(|e| {
        matches!(
            e.kind,
            EventKind::Log(_) | EventKind::Command { .. } | EventKind::Final { .. } | EventKind::Urc { .. }
        )
    }) {
        assert!(e.t_ns >= last, "out of order at seq {}: {e:?}", e.seq);
        last = e.t_ns;
    }
}

#[test]
fn the_crash_is_a_finding_and_names_the_reset() {
    let f = findings(&run(Some(LOG), None));
    let crash: Vec<_> = f.iter().filter(|f| f.0 == "slm.crash").collect();
    assert_eq!(crash.len(), 1, "{f:#?}");
    assert_eq!((crash[0].1.as_str(), crash[0].2), ("error", 8_000));
    assert!(crash[0].3.contains("BUS FAULT in mqtt_thread, PC 0x0002a8c4"), "{}", crash[0].3);
    assert!(crash[0].3.contains("LR 0x0001f3b5") && crash[0].3.contains("CPU exception"), "{}", crash[0].3);
    let reset = f.iter().find(|f| f.0 == "slm.reset.unexpected").expect("the reset stays");
    assert_eq!(
        reset.3,
        "the SLM crashed (BUS FAULT in mqtt_thread, PC 0x0002a8c4) 350 ms before Ready (after garbage bytes c0 ff) while AT#XMQTTCON=0 was pending"
    );
}

#[test]
fn an_err_line_inside_a_failed_exchange_is_a_note_on_it_and_alone_a_warning() {
    let f = findings(&run(Some(LOG), None));
    let errs: Vec<_> = f.iter().filter(|f| f.0 == "slm.log.error").collect();
    assert_eq!(errs.len(), 2, "{errs:#?}");
    let note = errs.iter().find(|f| f.1 == "note").expect("a note");
    assert!(
        note.3.contains("AT#XMQTTCON=1") && note.3.contains("ERROR") && note.3.contains("mqtt_connect: -111"),
        "{}",
        note.3
    );
    let alone = errs.iter().find(|f| f.1 == "warning").expect("a warning");
    assert_eq!(alone.2, 4_700);
    assert!(alone.3.contains("recv failed: -128"));
    // The crash dump's <err> lines belong to slm.crash; the wrn line raises nothing.
    assert!(!f.iter().any(|f| f.3.contains("keepalive") || (f.0 == "slm.log.error" && f.3.contains("os:"))));
}

#[test]
fn the_modem_library_fault_line_is_a_modem_fault() {
    let f = findings(&run(Some(LOG), None));
    let m: Vec<_> = f.iter().filter(|f| f.0 == "modem.fault").collect();
    assert_eq!(m.len(), 1);
    assert_eq!((m[0].1.as_str(), m[0].2), ("error", 5_200));
}

#[test]
fn the_log_changes_no_uart_finding_but_the_resets_cause() {
    let log_ids = ["slm.crash", "slm.log.error", "slm.log.alignment", "modem.fault"];
    let strip = |f: Vec<(String, String, i64, String)>| -> Vec<(String, String, i64)> {
        let mut v: Vec<_> =
            f.into_iter().filter(|f| !log_ids.contains(&f.0.as_str())).map(|f| (f.0, f.1, f.2)).collect();
        v.sort();
        v
    };
    assert_eq!(strip(findings(&run(Some(LOG), None))), strip(findings(&run(None, None))));
}

#[test]
fn a_forced_offset_places_the_log_and_says_so() {
    let ev = run(Some(LOG), Some(100 * MS));
    assert_eq!(log_at(&ev, "mqtt_connect: -111"), 1_850 * MS);
    let f = findings(&ev);
    let notes: Vec<_> = f.iter().filter(|f| f.0 == "slm.log.alignment").collect();
    assert!(!notes.is_empty() && notes.iter().all(|n| n.3.contains("--log-offset")), "{notes:#?}");
}

#[test]
fn log_events_are_json_with_dir_log() {
    let ev = run(Some(LOG), None);
    let e = ev.iter().find(|e| matches!(e.kind, EventKind::Log(_))).unwrap();
    let v: serde_json::Value = serde_json::to_value(e).unwrap();
    assert_eq!(v["type"], "log");
    assert_eq!(v["dir"], "log");
    assert_eq!(v["level"], "unknown");
    assert_eq!(v["boot"], "nRF Connect SDK v2.1.2");
    let e = ev.iter().find(|e| matches!(&e.kind, EventKind::Log(l) if l.text == "mqtt_connect: -111")).unwrap();
    let v: serde_json::Value = serde_json::to_value(e).unwrap();
    assert_eq!(
        (v["level"].as_str(), v["module"].as_str(), v["segment"].as_u64(), v["uptime_ns"].as_i64()),
        (Some("err"), Some("slm_mqtt"), Some(0), Some(1_750_000_000))
    );
}

#[test]
fn credentials_in_a_logged_hexdump_are_redacted() {
    let log = "\
*** Booting nRF Connect SDK v2.1.2 ***\r
[00:00:00.300,000] <inf> slm_at_host: at_host init done\r
[00:00:01.000,000] <dbg> slm_at_host: cmd_send: RX\r
                                 41 54 25 43 4d 4e 47 3d  30 2c 31 2c 30 2c 22 2d |AT%CMNG= 0,1,0,\"-\r
                                 53 45 43 52 45 54                                |SECRET           \r
";
    let ev = run(Some(log), None);
    let rows: Vec<String> = ev
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Log(l) if l.continuation => Some(l.text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.starts_with("<redacted hexdump row")), "{rows:?}");
}

/// A clean `AT#XMQTTCON=0`: the SLM closes the socket under the MQTT thread's poll, which logs
/// `<err> slm_mqtt: POLLNVAL` (slm_at_mqtt.c mqtt_thread_fn, v2.1.2) while the command runs. The
/// command ended OK, so the line is a note, not a warning.
#[test]
fn an_err_line_during_a_command_that_succeeded_is_a_note() {
    let c = |ms: i64, d: Dir, b: &[u8]| Record::Chunk(Chunk::bytes(ms * MS, d, b.to_vec()));
    let uart = vec![
        c(1_000, Dir::Modem, b"Ready\r\n"),
        c(2_000, Dir::Host, b"AT#XMQTTCON=0\r\n"),
        c(2_300, Dir::Modem, b"\r\n#XMQTTEVT: 1,0\r\n\r\nOK\r\n"),
    ];
    let log = "\
*** Booting nRF Connect SDK v2.1.2 ***\r
[00:00:00.300,000] <inf> slm_at_host: at_host init done\r
[00:00:01.450,000] <err> slm_mqtt: POLLNVAL\r
[00:00:01.451,000] <inf> slm_mqtt: MQTT thread terminated\r
";
    let mut a = Analysis::new(Options { meanings: false, ..Default::default() });
    a.attach_log(Box::new(parse_all(log.as_bytes()).into_iter()), None);
    let mut out = Vec::new();
    for r in uart {
        a.push(&r, &mut |e| out.push(e.clone()));
    }
    a.finish(&mut |e| out.push(e.clone()));
    let f = findings(&out);
    let err: Vec<_> = f.iter().filter(|x| x.0 == "slm.log.error").collect();
    assert_eq!(err.len(), 1, "{f:?}");
    assert_eq!(err[0].1, "note", "{f:?}");
    assert!(err[0].3.contains("POLLNVAL") && err[0].3.contains("which ended OK"), "{f:?}");
    assert!(f.iter().all(|x| x.1 == "note"), "a healthy disconnect draws no warning: {f:?}");
}
