//! Live capture through libsigrok's `demo` driver (feature `sigrok`).
//!
//! Run with `PYO3_PYTHON=/usr/bin/python3 cargo test -p atscope-analyzer --features sigrok --test live_sigrok`
//! (needs Debian's `libsigrok-dev`; see `CI-NEEDS.md`).
//!
//! The demo driver's logic channels carry test patterns, not UART, so these tests assert what
//! can be asserted honestly: samples arrive and are counted, their transitions go through our
//! UART decoder into chunks without a panic, segment gaps are marked, the stream ends on its
//! sample limit or on the stop flag, and no buffer grows with the length of the capture.
#![cfg(feature = "sigrok")]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

#[path = "../../tests/support/need.rs"]
mod need;

use atscope_analyzer::capture::live_sigrok::{self, LiveOptions, LiveSource};
use atscope_analyzer::capture::{self, ChannelItem, ChannelSource, ImportOptions};
use atscope_analyzer::chunk::{Body, Condition};

/// Runs the calling test in a child process of its own and returns `false` in the parent (after
/// checking that the child passed), `true` in the child, where the test's body runs. libsigrok
/// (through sigrok-rs 0.1.0) is not safe to use again in a process after an aborted capture, and
/// allows one user at a time, so every test that touches it gets a process.
fn in_own_process(name: &str) -> bool {
    if std::env::var("ATSCOPE_LIVE_TEST").as_deref() == Ok(name) {
        return true;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--test-threads=1", "--nocapture"])
        .env("ATSCOPE_LIVE_TEST", name)
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "{name} in its own process: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    false
}

/// libsigrok allows one user per process: the tests take turns.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a run of a live source gave.
#[derive(Debug, Default)]
struct Seen {
    bytes: usize,
    conditions: usize,
    gaps: usize,
    last_t: i64,
    in_order: bool,
}

fn drain(src: &mut LiveSource, deadline: Duration) -> Seen {
    let start = Instant::now();
    let mut seen = Seen { in_order: true, ..Default::default() };
    for item in src.by_ref() {
        assert!(start.elapsed() < deadline, "the live source did not end within {deadline:?}");
        let t = match item.expect("no capture error") {
            ChannelItem::Chunk(c) => {
                match c.body {
                    Body::Bytes(b) => seen.bytes += b.len(),
                    Body::Condition(_) => seen.conditions += 1,
                }
                c.t_ns
            }
            ChannelItem::Mark(m) => {
                assert!(m.text.starts_with("capture gap"), "unexpected mark {:?}", m.text);
                seen.gaps += 1;
                m.t_ns
            }
            ChannelItem::Record(r) => r.t_ns(),
        };
        seen.in_order &= t >= seen.last_t;
        seen.last_t = seen.last_t.max(t);
    }
    seen
}

fn demo(rate: u64, limit: Option<u64>, segment: u64) -> LiveOptions {
    let mut o = LiveOptions::new("demo", rate);
    o.channels = vec!["D0".into(), "D1".into()];
    o.limit_samples = limit;
    o.segment_samples = segment;
    o
}

fn uart(baud: u32) -> ImportOptions {
    let mut opts = ImportOptions { host: Some("D0".into()), modem: Some("D1".into()), ..Default::default() };
    opts.uart.baud = Some(baud);
    opts
}

#[test]
fn the_demo_device_is_listed_with_its_logic_channels() {
    if !in_own_process("the_demo_device_is_listed_with_its_logic_channels") {
        return;
    }
    let _t = turn();
    let devices = live_sigrok::list_devices().unwrap();
    let demo = devices.iter().find(|d| d.driver == "demo").expect("libsigrok always has the demo device");
    let logic: Vec<&str> = demo.channels.iter().filter(|c| c.logic).map(|c| c.name.as_str()).collect();
    assert!(logic.contains(&"D0") && logic.contains(&"D1"), "demo channels: {:?}", demo.channels);
}

#[test]
fn demo_samples_flow_through_the_uart_decoder_and_end_on_the_sample_limit() {
    if !in_own_process("demo_samples_flow_through_the_uart_decoder_and_end_on_the_sample_limit") {
        return;
    }
    let _t = turn();
    // 300k samples at 1 MHz in segments of 100k: three acquisitions, two gaps between them.
    let stop = Arc::new(AtomicBool::new(false));
    let mut src = live_sigrok::open(&demo(1_000_000, Some(300_000), 100_000), &uart(9600), stop).unwrap();
    assert_eq!(src.channels().iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["D0", "D1"]);
    assert_eq!(src.uart_baud(0), Some(9600));
    let notes = src.notes();
    assert!(notes.iter().any(|n| n.contains("live capture from libsigrok device demo")), "{notes:?}");
    let seen = drain(&mut src, Duration::from_secs(30));
    let stats = src.stats();
    assert_eq!(stats.samples.load(Ordering::Relaxed), 300_000, "every sample arrived once");
    assert_eq!(stats.segments.load(Ordering::Relaxed), 3);
    assert_eq!(seen.gaps, 2, "each restart of the acquisition is marked");
    assert!(seen.in_order, "items come in time order");
    // The demo's patterns are not UART, but they do toggle: the decoder turns them into
    // something (bytes and/or framing conditions) rather than nothing.
    assert!(seen.bytes + seen.conditions > 0, "{seen:?}");
    assert!(seen.last_t >= 200_000_000, "the time axis covers the capture: {seen:?}");
    // Memory: sigrok-rs's own buffer never held more than a segment, ours never more than the
    // queue (64 blocks of at most 64 KiB).
    assert!(stats.peak_segment_bytes.load(Ordering::Relaxed) <= 100_000);
    assert!(stats.peak_queued_bytes.load(Ordering::Relaxed) <= 64 * 65_536);
    assert_eq!(stats.queued_bytes.load(Ordering::Relaxed), 0, "nothing left in the queue");
}

#[test]
fn a_long_capture_does_not_accumulate_memory() {
    if !in_own_process("a_long_capture_does_not_accumulate_memory") {
        return;
    }
    let _t = turn();
    // 3M samples in 30 segments of 100k: the peaks stay those of one segment, not of the capture.
    let stop = Arc::new(AtomicBool::new(false));
    let mut src = live_sigrok::open(&demo(4_000_000, Some(3_000_000), 100_000), &uart(115_200), stop).unwrap();
    let seen = drain(&mut src, Duration::from_secs(60));
    let stats = src.stats();
    assert_eq!(stats.samples.load(Ordering::Relaxed), 3_000_000);
    assert_eq!(stats.segments.load(Ordering::Relaxed), 30);
    assert_eq!(seen.gaps, 29);
    assert!(stats.peak_segment_bytes.load(Ordering::Relaxed) <= 100_000);
    assert!(stats.peak_queued_bytes.load(Ordering::Relaxed) <= 64 * 65_536);
}

#[test]
fn the_stop_flag_ends_an_unlimited_capture_cleanly() {
    if !in_own_process("the_stop_flag_ends_an_unlimited_capture_cleanly") {
        return;
    }
    let _t = turn();
    let stop = Arc::new(AtomicBool::new(false));
    let mut src = live_sigrok::open(&demo(1_000_000, None, 1 << 20), &uart(115_200), stop.clone()).unwrap();
    let flag = stop.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        flag.store(true, Ordering::Relaxed);
    });
    let seen = drain(&mut src, Duration::from_secs(20));
    t.join().unwrap();
    let n = src.stats().samples.load(Ordering::Relaxed);
    assert!(n > 0, "samples arrived before the stop");
    assert_eq!(seen.gaps, 0, "one segment, no restart");
}

#[test]
fn one_capture_at_a_time_and_none_after_an_aborted_one() {
    if !in_own_process("one_capture_at_a_time_and_none_after_an_aborted_one") {
        return;
    }
    let _t = turn();
    let stop = Arc::new(AtomicBool::new(false));
    let mut src = live_sigrok::open(&demo(1_000_000, None, 1 << 20), &uart(115_200), stop.clone()).unwrap();
    let _ = src.next();
    let e = live_sigrok::open(&demo(1_000_000, Some(1000), 1000), &uart(115_200), stop.clone())
        .err()
        .expect("libsigrok is in use");
    assert!(e.to_string().contains("another live capture"), "{e}");
    let t = Instant::now();
    drop(src);
    assert!(t.elapsed() < Duration::from_secs(10));
    // After an aborted acquisition sigrok-rs 0.1.0 is not safe to use again in this process
    // (a use-after-free in libsigrok's thread): a clear refusal, not a crash.
    let e = live_sigrok::open(&demo(1_000_000, Some(10_000), 10_000), &uart(115_200), stop).err().expect("refused");
    assert!(e.to_string().contains("run atscope again"), "{e}");
}

#[test]
fn an_unknown_device_and_auto_baud_are_refused_with_a_reason() {
    if !in_own_process("an_unknown_device_and_auto_baud_are_refused_with_a_reason") {
        return;
    }
    let _t = turn();
    let stop = Arc::new(AtomicBool::new(false));
    let e = live_sigrok::open(&LiveOptions::new("no-such-driver", 1_000_000), &uart(115_200), stop.clone())
        .err()
        .expect("no such device");
    assert!(e.to_string().contains("finds no device"), "{e}");
    let mut auto = uart(115_200);
    auto.uart.auto_baud = true;
    let e = live_sigrok::open(&demo(1_000_000, Some(1000), 1000), &auto, stop).err().expect("auto baud refused");
    assert!(e.to_string().contains("--baud auto"), "{e}");
}

#[test]
fn an_unknown_channel_is_refused_with_the_device_channels() {
    if !in_own_process("an_unknown_channel_is_refused_with_the_device_channels") {
        return;
    }
    let _t = turn();
    let stop = Arc::new(AtomicBool::new(false));
    let mut o = demo(1_000_000, Some(1000), 1000);
    o.channels = vec!["D0".into(), "RX".into()];
    let e = live_sigrok::open(&o, &uart(115_200), stop).err().expect("no channel RX");
    assert!(e.to_string().contains("no logic channel \"RX\""), "{e}");
}

#[test]
fn the_pure_rust_sr_reader_is_unaffected_by_the_feature() {
    if !in_own_process("the_pure_rust_sr_reader_is_unaffected_by_the_feature") {
        return;
    }
    let _t = turn();
    // The same check as `uart_oracle`: with libsigrok linked in, `.sr` files are still read by
    // our own reader and decoder (sigrok-rs cannot load them).
    let Some(sr) = need::corpus_file("sigrok-dumps/uart/trekstor_ebr30_a/trekstor_ebr30_a_uart.sr") else { return };
    let mut opts = ImportOptions::default();
    opts.uart.baud = Some(115_200);
    let src = capture::open(&sr, &opts).unwrap();
    assert_eq!(src.format_name(), "sigrok session (.sr)");
    let tx = src.channels().iter().position(|c| c.name == "TX").unwrap();
    let (mut bytes, mut conds) = (0, Vec::new());
    for item in src {
        if let ChannelItem::Chunk(c) = item.unwrap() {
            if c.channel == tx {
                match c.body {
                    Body::Bytes(b) => bytes += b.len(),
                    Body::Condition(k) => conds.push(k),
                }
            }
        }
    }
    assert_eq!(bytes, 1109);
    assert_eq!(conds, [Condition::Glitch, Condition::Framing, Condition::Break]);
}
