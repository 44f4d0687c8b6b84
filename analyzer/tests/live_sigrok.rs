//! Live capture through libsigrok (feature `sigrok`): the `demo` driver, and corpus captures
//! replayed by libsigrok's own session-file loader through the same datafeed as a device.
//!
//! Run with `PYO3_PYTHON=/usr/bin/python3 cargo test -p atscope-analyzer --features sigrok
//! --test live_sigrok -- --test-threads=1` (needs Debian's `libsigrok-dev`; see the README).
//!
//! The demo driver's logic channels carry test patterns, not UART: with it these tests assert
//! the capture itself (exact sample counts, no gap, overrun marks when the reader is too slow,
//! clean stops and restarts). UART decoding is asserted on replayed captures, against the file
//! reader's decode of the same file.
#![cfg(feature = "sigrok")]

use std::path::{Path, PathBuf};

#[path = "../../tests/support/need.rs"]
mod need;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use atscope_analyzer::capture::live_sigrok::{self, LiveOptions, LiveSource};
use atscope_analyzer::capture::sr_write::{write_sr, RenderError, SrRender};
use atscope_analyzer::capture::{self, ChannelItem, ChannelSource, ImportOptions};
use atscope_analyzer::chunk::{Body, Chunk, Condition, Dir, Record};

/// libsigrok allows one user per process: the tests take turns.
static TURN: Mutex<()> = Mutex::new(());

fn turn() -> MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// The shared corpus (one skip policy for every test: `tests/support/need.rs`).
fn corpus() -> Option<PathBuf> {
    need::corpus()
}

/// What a run of a live source gave.
#[derive(Debug, Default)]
struct Seen {
    bytes: usize,
    conditions: usize,
    overruns: Vec<(i64, u64)>,
    other_marks: Vec<String>,
    last_t: i64,
    in_order: bool,
}

/// Reads the source to its end, with an optional pause after each item (a slow reader).
fn drain(src: &mut LiveSource, deadline: Duration, pause: Duration) -> Seen {
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
                match m.text.strip_prefix("capture overrun: ") {
                    Some(rest) => {
                        let n = rest.split(' ').next().unwrap().parse().expect("a count of samples");
                        seen.overruns.push((m.t_ns, n));
                    }
                    None => seen.other_marks.push(m.text.clone()),
                }
                m.t_ns
            }
            ChannelItem::Record(r) => r.t_ns(),
        };
        seen.in_order &= t >= seen.last_t;
        seen.last_t = seen.last_t.max(t);
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }
    seen
}

fn demo(rate: u64, limit: Option<u64>) -> LiveOptions {
    let mut o = LiveOptions::new("demo", rate);
    o.channels = vec!["D0".into(), "D1".into()];
    o.limit_samples = limit;
    o
}

fn uart(baud: u32) -> ImportOptions {
    let mut opts = ImportOptions { host: Some("D0".into()), modem: Some("D1".into()), ..Default::default() };
    opts.uart.baud = Some(baud);
    opts
}

fn no_stop() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

#[test]
fn the_demo_device_is_listed_with_its_logic_channels() {
    let _t = turn();
    let devices = live_sigrok::list_devices().unwrap();
    let demo = devices.iter().find(|d| d.driver == "demo").expect("libsigrok always has the demo device");
    let logic: Vec<&str> = demo.channels.iter().filter(|c| c.logic).map(|c| c.name.as_str()).collect();
    assert!(logic.contains(&"D0") && logic.contains(&"D1"), "demo channels: {:?}", demo.channels);
}

/// Rate and length of the CI run of the demo capture (the README has the long runs).
const CI_RATE: u64 = 2_000_000;
const CI_SECS: u64 = 3;

#[test]
fn a_demo_capture_gives_exactly_the_requested_samples_without_a_gap_or_an_overrun() {
    let _t = turn();
    let n = CI_RATE * CI_SECS;
    let t0 = Instant::now();
    let mut src = live_sigrok::open(&demo(CI_RATE, Some(n)), &uart(9600), no_stop()).unwrap();
    assert_eq!(src.channels().iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["D0", "D1"]);
    assert_eq!(src.uart_baud(0), Some(9600));
    assert_eq!(src.samplerate(), CI_RATE);
    let seen = drain(&mut src, Duration::from_secs(60), Duration::ZERO);
    let wall = t0.elapsed();
    let stats = src.stats();
    assert_eq!(stats.samples.load(Ordering::Relaxed), n, "every sample arrived, once");
    assert_eq!(stats.dropped_samples.load(Ordering::Relaxed), 0);
    assert!(seen.overruns.is_empty() && seen.other_marks.is_empty(), "no mark of any kind: {seen:?}");
    assert!(seen.in_order, "items come in time order");
    // The demo's patterns are not UART, but they toggle: the decoder makes something of them.
    assert!(seen.bytes + seen.conditions > 0, "{seen:?}");
    assert!(seen.last_t >= (CI_SECS as i64 - 1) * 1_000_000_000, "the time axis covers the capture: {seen:?}");
    // Memory: what waited for the decoder stayed far below the queue's budget.
    let peak = stats.peak_queued_bytes.load(Ordering::Relaxed);
    assert!(peak <= live_sigrok::DEFAULT_QUEUE_BYTES as u64, "{peak}");
    eprintln!(
        "{n} samples at {CI_RATE}/s in {wall:.2?} ({} packets, at most {peak} bytes queued)",
        stats.packets.load(Ordering::Relaxed)
    );
}

#[test]
fn a_reader_too_slow_for_the_device_gets_overrun_marks_with_the_dropped_counts() {
    let _t = turn();
    // 1 s at 4 MS/s through a queue of 64 KiB, read with a pause after every item: the device
    // cannot wait, so packets are dropped, and each drop is marked where it happened.
    let n = 4_000_000;
    let mut o = demo(4_000_000, Some(n));
    o.queue_bytes = 64 << 10;
    let mut src = live_sigrok::open(&o, &uart(115_200), no_stop()).unwrap();
    let seen = drain(&mut src, Duration::from_secs(60), Duration::from_micros(200));
    let stats = src.stats();
    let dropped = stats.dropped_samples.load(Ordering::Relaxed);
    let decoded = stats.samples.load(Ordering::Relaxed);
    assert!(dropped > 0, "a slow reader loses samples: {seen:?}");
    assert_eq!(seen.overruns.iter().map(|o| o.1).sum::<u64>(), dropped, "every dropped sample is in a mark");
    assert_eq!(decoded + dropped, n, "what was neither decoded nor dropped was never asked for");
    assert!(seen.in_order, "marks are merged in time order");
    assert!(stats.peak_queued_bytes.load(Ordering::Relaxed) <= 64 << 10, "the queue never outgrew its budget");
}

#[test]
fn capture_abort_capture_in_one_process() {
    let _t = turn();
    // An endless capture, dropped after a few items: libsigrok is wound down, not left running.
    let mut src = live_sigrok::open(&demo(1_000_000, None), &uart(115_200), no_stop()).unwrap();
    assert!(src.next().is_some());
    let e = live_sigrok::open(&demo(1_000_000, Some(1000)), &uart(115_200), no_stop()).err().expect("one at a time");
    assert!(e.to_string().contains("another live capture"), "{e}");
    let t = Instant::now();
    drop(src);
    assert!(t.elapsed() < Duration::from_secs(5), "the abort took {:?}", t.elapsed());

    // The same process captures again, exactly.
    let mut src = live_sigrok::open(&demo(1_000_000, Some(500_000)), &uart(115_200), no_stop()).unwrap();
    let seen = drain(&mut src, Duration::from_secs(30), Duration::ZERO);
    assert_eq!(src.stats().samples.load(Ordering::Relaxed), 500_000);
    assert!(seen.overruns.is_empty(), "{seen:?}");
    drop(src);

    // Ctrl-C: the stop flag ends an endless capture in order (no error), and a third one runs.
    let stop = no_stop();
    let mut src = live_sigrok::open(&demo(1_000_000, None), &uart(115_200), stop.clone()).unwrap();
    let flag = stop.clone();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        flag.store(true, Ordering::Relaxed);
    });
    let seen = drain(&mut src, Duration::from_secs(20), Duration::ZERO);
    t.join().unwrap();
    let got = src.stats().samples.load(Ordering::Relaxed);
    assert!(got > 100_000, "samples arrived before the stop: {got}");
    assert!(seen.in_order && seen.overruns.is_empty(), "{seen:?}");
    drop(src);
    let mut src = live_sigrok::open(&demo(1_000_000, Some(10_000)), &uart(115_200), no_stop()).unwrap();
    drain(&mut src, Duration::from_secs(20), Duration::ZERO);
    assert_eq!(src.stats().samples.load(Ordering::Relaxed), 10_000);
}

#[test]
fn an_unknown_device_or_channel_is_refused_with_a_reason() {
    let _t = turn();
    let e = live_sigrok::open(&LiveOptions::new("no-such-driver", 1_000_000), &uart(115_200), no_stop())
        .err()
        .expect("no such device");
    assert!(e.to_string().contains("finds no device"), "{e}");
    let mut o = demo(1_000_000, Some(1000));
    o.channels = vec!["D0".into(), "RX".into()];
    let e = live_sigrok::open(&o, &uart(115_200), no_stop()).err().expect("no channel RX");
    assert!(e.to_string().contains("no logic channel \"RX\""), "{e}");
    // The refusals left libsigrok usable.
    let mut src = live_sigrok::open(&demo(1_000_000, Some(1000)), &uart(115_200), no_stop()).unwrap();
    drain(&mut src, Duration::from_secs(20), Duration::ZERO);
    assert_eq!(src.stats().samples.load(Ordering::Relaxed), 1000);
}

/// Every item of a source.
fn items(src: impl Iterator<Item = Result<ChannelItem, capture::CaptureError>>) -> Vec<ChannelItem> {
    src.map(|i| i.expect("no capture error")).collect()
}

/// A source's channel names and items.
type Decoded = (Vec<String>, Vec<ChannelItem>);

/// The file reader's and the live path's decode of the same `.sr` (libsigrok replaying it).
fn both(sr: &Path, opts: &ImportOptions) -> (Decoded, Decoded) {
    let file = capture::open(sr, opts).unwrap();
    let file_names: Vec<String> = file.channels().iter().map(|c| c.name.clone()).collect();
    let file_items = items(file);
    let mut live = live_sigrok::open(&LiveOptions::session_file(sr), opts, no_stop())
        .unwrap_or_else(|e| panic!("{}: {e}", sr.display()));
    let live_names: Vec<String> = live.channels().iter().map(|c| c.name.clone()).collect();
    let live_items = items(live.by_ref());
    assert_eq!(live.stats().dropped_samples.load(Ordering::Relaxed), 0, "a file waits, it drops nothing");
    ((file_names, file_items), (live_names, live_items))
}

/// The UART settings of a corpus capture and its UART lines, from its sigrok-cli oracle.
fn oracle_settings(sr: &Path) -> Option<(ImportOptions, Vec<String>)> {
    let text = std::fs::read_to_string(format!("{}.sigrok-uart.txt", sr.display())).ok()?;
    let mut opts = ImportOptions::default();
    let mut lines = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("# === line \"")) {
        let (name, rest) = line["# === line \"".len()..].split_once('"')?;
        lines.push(name.to_string());
        let inside = rest.split_once('(')?.1.split_once(')')?.0;
        for kv in inside.split(',') {
            match kv.trim().split_once('=')? {
                ("baudrate", v) => opts.uart.baud = v.parse().ok(),
                ("parity", v) => opts.uart.parity = Some(v.to_string()),
                ("data_bits", v) => opts.uart.data_bits = v.parse().ok(),
                _ => return None,
            }
        }
    }
    Some((opts, lines))
}

/// The items on the channels named `lines` (and the marks), channel indices as names.
fn on_lines(names: &[String], items: &[ChannelItem], lines: &[String]) -> Vec<(String, ChannelItem)> {
    items
        .iter()
        .filter_map(|i| match i {
            ChannelItem::Chunk(c) => lines.contains(&names[c.channel]).then(|| (names[c.channel].clone(), i.clone())),
            other => Some((String::new(), other.clone())),
        })
        .collect()
}

fn corpus_captures(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            corpus_captures(&p, out);
        } else if p.extension().is_some_and(|e| e == "sr")
            && Path::new(&format!("{}.sigrok-uart.txt", p.display())).is_file()
        {
            out.push(p);
        }
    }
}

#[test]
fn every_uart_capture_of_the_corpus_decodes_live_exactly_as_from_the_file() {
    let _t = turn();
    let Some(corpus) = corpus() else { return };
    let mut files = Vec::new();
    corpus_captures(&corpus, &mut files);
    assert!(files.len() >= 10, "the corpus's UART captures: {files:?}");
    for sr in &files {
        let (opts, lines) = oracle_settings(sr).unwrap_or_else(|| panic!("settings of {}", sr.display()));
        let ((fnames, fitems), (lnames, litems)) = both(sr, &opts);
        assert_eq!(lnames, fnames, "{}: channels", sr.display());
        // Other channels (an enable line, a stepper's pulses) are not UART: what they decode to
        // depends on the polarity guessed from the look-ahead, which is shorter live (see
        // `live_sigrok::edges`) than in a file.
        let (fitems, litems) = (on_lines(&fnames, &fitems, &lines), on_lines(&lnames, &litems, &lines));
        assert!(!fitems.is_empty(), "{}: the file decodes to something", sr.display());
        assert_eq!(litems.len(), fitems.len(), "{}: item count", sr.display());
        // Bytes, their start times (spans) and error conditions, item by item.
        if let Some(i) = (0..fitems.len()).find(|&i| litems[i] != fitems[i]) {
            panic!("{}: item {i} differs: live {:?}, file {:?}", sr.display(), litems[i], fitems[i]);
        }
    }
}

#[test]
fn baud_auto_detection_on_a_live_capture_decodes_from_the_start_of_its_look_ahead() {
    let _t = turn();
    let Some(corpus) = corpus() else { return };
    let sr = corpus.join("sigrok-dumps/uart/hello_world/8n1/hello_world_8n1_115200.sr");
    let mut given = ImportOptions::default();
    given.uart.baud = Some(115_200);
    let (_, (_, with_baud)) = both(&sr, &given);
    let mut live = live_sigrok::open(&LiveOptions::session_file(&sr), &ImportOptions::default(), no_stop()).unwrap();
    let notes = live.notes();
    assert_eq!(live.uart_baud(0), Some(115_200), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("baud auto-detected: 115200")), "{notes:?}");
    let auto = items(live.by_ref());
    assert_eq!(auto, with_baud, "the look-ahead's bytes are decoded too, from the first one");
}

#[test]
fn a_long_generated_capture_decodes_live_exactly_as_from_the_file() {
    let _t = turn();
    // 12 s of both lines at 2 MS/s (24M samples: several 4 MiB members, each replayed by
    // libsigrok in packets of its own size), with bytes of every value and drawn errors.
    let mut records = Vec::new();
    let mut t = 1_000_000i64;
    let mut x = 0x2545_f491u32;
    while t < 12_000_000_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let dir = if x & 1 == 0 { Dir::Host } else { Dir::Modem };
        let chunk = match x % 97 {
            0 => Chunk::condition(t, dir, Condition::Framing),
            1 => Chunk::condition(t, dir, Condition::Break),
            _ => Chunk::bytes(t, dir, (0..(x % 23 + 1)).map(|k| (x >> (k % 24)) as u8).collect::<Vec<u8>>()),
        };
        records.push(Ok::<_, RenderError>(Record::Chunk(chunk)));
        t += i64::from(x % 4_000_000 + 100_000);
    }
    let dir = tempfile::tempdir().unwrap();
    let sr = dir.path().join("long.sr");
    let cfg = SrRender { samplerate: 2_000_000, baud: 115_200, level: 1 };
    let stats = write_sr(std::fs::File::create(&sr).unwrap(), records, &cfg).unwrap();
    assert!(stats.samples >= 24_000_000, "{stats:?}");
    let mut opts = ImportOptions::default();
    opts.uart.baud = Some(115_200);
    let ((fnames, fitems), (lnames, litems)) = both(&sr, &opts);
    assert_eq!(lnames, fnames);
    let bytes = |v: &[ChannelItem]| {
        v.iter()
            .filter_map(|i| if let ChannelItem::Chunk(c) = i { Some(c) } else { None })
            .filter(|c| matches!(c.body, Body::Bytes(_)))
            .count()
    };
    assert!(bytes(&fitems) as u64 >= stats.bytes[0] + stats.bytes[1], "the file decodes every drawn byte");
    assert_eq!(litems.len(), fitems.len());
    if let Some(i) = (0..fitems.len()).find(|&i| litems[i] != fitems[i]) {
        panic!("item {i} differs: live {:?}, file {:?}", litems[i], fitems[i]);
    }
}
