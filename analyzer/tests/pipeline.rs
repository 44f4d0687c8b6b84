//! [`pipeline::run`], what `atscope decode` uses, both ways: threaded (records read on one
//! thread, events packed and written on another) and inline (one core). Each gives exactly the
//! events of the plain run (push every record, then finish), keeps only the events asked for
//! (`--findings`), stops at a read error after writing what came before it, and stops reading
//! when the writer fails (`atscope decode big.atrace | head`).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use atscope_analyzer::analysis::pipeline::{self, Stopped};
use atscope_analyzer::analysis::{Analysis, Options};
use atscope_analyzer::chunk::{Chunk, Dir, Mark, Record};
use atscope_analyzer::timeline::Event;
use atscope_analyzer::trace::TraceReader;

/// Every bundled SLM 2.1.2 trace, one after the other on one time axis: thousands of records,
/// so that records and events cross the threads in many batches, with resets, data mode and
/// findings along the way.
fn long_stream() -> Vec<Record> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../traces/slm-2.1.2");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "atrace"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    let mut offset = 0;
    for _ in 0..4 {
        for p in &paths {
            let reader = TraceReader::new(std::io::BufReader::new(std::fs::File::open(p).unwrap())).unwrap();
            let mut last = offset;
            for r in reader {
                let mut r = r.unwrap();
                match &mut r {
                    Record::Chunk(c) => c.t_ns += offset,
                    Record::Mark(m) => m.t_ns += offset,
                }
                last = last.max(r.t_ns());
                out.push(r);
            }
            offset = last + 60_000_000_000;
        }
    }
    out
}

/// Runs `pipeline::threaded` or `pipeline::inline`.
fn run<E: Send, W: Send>(
    threaded: bool,
    records: impl Iterator<Item = Result<Record, E>> + Send,
    keep: impl Fn(&Event) -> bool,
    write: impl FnMut(&Event) -> Result<(), W> + Send,
) -> Result<(), Stopped<E, W>> {
    let mut a = Analysis::new(Options::default());
    if threaded {
        pipeline::threaded(&mut a, records, keep, write)
    } else {
        pipeline::inline(&mut a, records, keep, write)
    }
}

fn plain(records: &[Record], finish: bool) -> Vec<Event> {
    let mut a = Analysis::new(Options::default());
    let mut events = Vec::new();
    for r in records {
        a.push(r, &mut |e| events.push(e.clone()));
    }
    if finish {
        a.finish(&mut |e| events.push(e.clone()));
    }
    events
}

#[test]
fn same_events_as_the_plain_run() {
    for threaded in [true, false] {
        same_events_as_the_plain_run_(threaded);
    }
}

fn same_events_as_the_plain_run_(threaded: bool) {
    let records = long_stream();
    assert!(records.len() > 5_000, "too few records to cross many batches: {}", records.len());
    let expected = plain(&records, true);
    let mut got = Vec::new();
    let r: Result<(), Stopped<(), ()>> = run(
        threaded,
        records.iter().cloned().map(Ok),
        |_| true,
        |e| {
            got.push(e.clone());
            Ok(())
        },
    );
    assert!(r.is_ok());
    assert!(expected.len() > 2_000 * 2, "{} events", expected.len());
    assert!(expected.iter().any(|e| matches!(e.kind, atscope_analyzer::timeline::EventKind::Finding(_))));
    assert_eq!(got.len(), expected.len());
    assert_eq!(got, expected);
}

#[test]
fn only_the_events_kept_are_written() {
    for threaded in [true, false] {
        only_the_events_kept_are_written_(threaded);
    }
}

fn only_the_events_kept_are_written_(threaded: bool) {
    let records = long_stream();
    let is_finding = |e: &Event| matches!(e.kind, atscope_analyzer::timeline::EventKind::Finding(_));
    let expected: Vec<Event> = plain(&records, true).into_iter().filter(is_finding).collect();
    assert!(expected.len() > 100, "{} findings", expected.len());
    let mut got = Vec::new();
    let r: Result<(), Stopped<(), ()>> = run(threaded, records.iter().cloned().map(Ok), is_finding, |e| {
        got.push(e.clone());
        Ok(())
    });
    assert!(r.is_ok());
    assert_eq!(got, expected);
}

#[test]
fn a_read_error_stops_after_the_events_before_it() {
    for threaded in [true, false] {
        a_read_error_stops_after_the_events_before_it_(threaded);
    }
}

fn a_read_error_stops_after_the_events_before_it_(threaded: bool) {
    let records = long_stream();
    let cut = 3_000;
    let expected = plain(&records[..cut], false);
    let stream = records
        .iter()
        .take(cut)
        .cloned()
        .map(Ok)
        .chain(std::iter::once(Err("bad record")))
        .chain(records[cut..].iter().cloned().map(Ok));
    let mut got = Vec::new();
    let r: Result<(), Stopped<&str, ()>> = run(
        threaded,
        stream,
        |_| true,
        |e| {
            got.push(e.clone());
            Ok(())
        },
    );
    assert!(matches!(r, Err(Stopped::Read("bad record"))), "{r:?}");
    // Not finished: no findings of the end, and nothing read after the error.
    assert_eq!(got, expected);
}

#[test]
fn a_write_error_stops_reading() {
    for threaded in [true, false] {
        a_write_error_stops_reading_(threaded);
    }
}

fn a_write_error_stops_reading_(threaded: bool) {
    // An endless capture: only the writer's error can end this run.
    let read = AtomicUsize::new(0);
    let stream = (0i64..).map(|i| {
        read.fetch_add(1, Ordering::Relaxed);
        let t = i * 1_000_000;
        Ok::<_, ()>(if i % 2 == 0 {
            Record::Chunk(Chunk::bytes(t, Dir::Host, b"AT+CFUN?\r\n".to_vec()))
        } else {
            Record::Chunk(Chunk::bytes(t, Dir::Modem, b"\r\n+CFUN: 1\r\n\r\nOK\r\n".to_vec()))
        })
    });
    let mut written = 0;
    let r = run(
        threaded,
        stream,
        |_| true,
        |_| {
            written += 1;
            if written == 10_000 {
                Err("pipe closed")
            } else {
                Ok(())
            }
        },
    );
    assert!(matches!(r, Err(Stopped::Write("pipe closed"))), "{r:?}");
    assert_eq!(written, 10_000);
    // Reading stopped within the batches in flight.
    assert!(read.load(Ordering::Relaxed) < 100_000, "{} records read", read.load(Ordering::Relaxed));
}

#[test]
fn marks_cross_too() {
    for threaded in [true, false] {
        marks_cross_too_(threaded);
    }
}

fn marks_cross_too_(threaded: bool) {
    let records = vec![
        Record::Chunk(Chunk::bytes(0, Dir::Host, b"AT\r\n".to_vec())),
        Record::Mark(Mark { t_ns: 5, text: "power cycle".into() }),
        Record::Chunk(Chunk::bytes(10, Dir::Modem, b"\r\nOK\r\n".to_vec())),
    ];
    let expected = plain(&records, true);
    let mut got = Vec::new();
    let r: Result<(), Stopped<(), ()>> = run(
        threaded,
        records.into_iter().map(Ok),
        |_| true,
        |e| {
            got.push(e.clone());
            Ok(())
        },
    );
    assert!(r.is_ok());
    assert_eq!(got, expected);
}
