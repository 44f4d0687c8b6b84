//! Feeding the same bytes cut at any points gives the same timeline (architecture.md), and so
//! does taking the events at any moment.
//!
//! Every trace in `traces/` is decoded through [`Analysis`] (meanings, rules and findings
//! included) once as recorded, then with each chunk re-cut at random points (the pieces keep the
//! chunk's time) and the events taken after a random number of records each time; every event,
//! time and finding must be identical.
//!
//! The CMUX sessions (`traces/cmux-*`) go through the mux: their AT channel, control frames and
//! PPP packets are held to the same invariance.
//!
//! A trace with the SLM's log (`NAME.log` beside it, and one inline log on the MQTT-disconnect
//! reset) is decoded with its log too, the log's bytes cut at the same points.

use std::path::PathBuf;

use atscope_analyzer::analysis::{Analysis, Options};
use atscope_analyzer::chunk::{Body, Chunk, Record};
use atscope_analyzer::log::segment::Parser;
use atscope_analyzer::slm::SlmVersion;
use atscope_analyzer::timeline::{Config, Event};
use atscope_analyzer::trace::TraceReader;
use proptest::prelude::*;

struct Trace {
    version: Option<SlmVersion>,
    records: Vec<Record>,
    log: Option<Vec<u8>>,
}

/// A crash and a reboot, in the SLM's log format (for the MQTT-disconnect reset).
const INLINE_LOG: &str = "\
*** Booting nRF Connect SDK v2.1.2 ***\r
[00:00:00.300,000] <inf> slm_at_host: at_host init done\r
[00:00:02.000,000] <dbg> slm_at_host: cmd_send: RX\r
                                 41 54 23 58 4d 51 54 54  43 4f 4e 3d 30 0d 0a    |AT#XMQTT CON=0..\r
[00:00:03.000,000] <err> slm_mqtt: mqtt_disconnect: -128\r
[00:00:05.000,000] <err> os: ***** BUS FAULT *****\r
[00:00:05.000,000] <err> os: Faulting instruction address (r15/pc): 0x0002a8c4\r
[00:00:05.000,000] <err> os: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0\r
[00:00:05.000,000] <err> os: Current thread: 0x20014a30 (mqtt_thread)\r
*** Booting nRF Connect SDK v2.1.2 ***\r
[00:00:00.300,000] <inf> slm_at_host: at_host init done\r
[00:00:01.000,000] <inf> slm: after\r
";

fn traces() -> Vec<Trace> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../traces");
    let mut out = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "atrace") {
                let f = std::io::BufReader::new(std::fs::File::open(&p).unwrap());
                let reader = TraceReader::new(f).unwrap();
                let version = reader
                    .meta()
                    .get("firmware")
                    .and_then(|f| f.get("slm"))
                    .and_then(|v| v.as_str())
                    .and_then(SlmVersion::parse);
                let records: Vec<Record> = reader.map(|r| r.unwrap()).collect();
                let log = std::fs::read(p.with_extension("log")).ok();
                if p.ends_with("slm-2.1.2/mqtt-disconnect-reset.atrace") {
                    out.push(Trace { version, records: records.clone(), log: Some(INLINE_LOG.as_bytes().to_vec()) });
                }
                out.push(Trace { version, records, log });
            }
        }
    }
    assert!(out.len() >= 6, "the bundled traces are missing");
    assert!(out.iter().any(|t| t.log.is_some()), "no trace with a log");
    out
}

/// The log's items, its bytes fed in pieces cut at `cuts` (none: whole).
fn log_items(log: &[u8], cuts: &[usize]) -> Vec<atscope_analyzer::log::segment::Item> {
    let mut p = Parser::new();
    let mut out = Vec::new();
    let mut rest = log;
    let mut k = 0;
    while !rest.is_empty() {
        let n = if cuts.is_empty() { rest.len() } else { 1 + cuts[k % cuts.len()] % rest.len() };
        k += 1;
        p.feed(&rest[..n], &mut out);
        rest = &rest[n..];
    }
    p.finish(&mut out);
    out
}

/// Decodes `recs`, taking the events after every `drain_every`-th record (0: only at the end),
/// with the trace's log (if any) fed in pieces cut at `log_cuts`.
fn decode(t: &Trace, recs: &[Record], drain_every: usize) -> Vec<Event> {
    decode_with(t, recs, drain_every, &[])
}

fn decode_with(t: &Trace, recs: &[Record], drain_every: usize, log_cuts: &[usize]) -> Vec<Event> {
    let opts = Options { decoder: Config { version: t.version, ..Default::default() }, ..Default::default() };
    let mut a = Analysis::new(opts);
    if let Some(log) = &t.log {
        a.attach_log(Box::new(log_items(log, log_cuts).into_iter()), None);
    }
    let mut ev = Vec::new();
    for (i, r) in recs.iter().enumerate() {
        a.feed(r);
        if drain_every > 0 && i % drain_every == 0 {
            a.drain(&mut |e| ev.push(e.clone()));
        }
    }
    a.finish(&mut |e| ev.push(e.clone()));
    ev
}

fn recut(recs: &[Record], cuts: &[usize]) -> Vec<Record> {
    let mut out = Vec::new();
    let mut k = 0;
    for r in recs {
        match r {
            Record::Chunk(Chunk { t_ns, dir, body: Body::Bytes(b) }) => {
                let mut rest = &b[..];
                while !rest.is_empty() {
                    let n = 1 + cuts[k % cuts.len()] % rest.len();
                    k += 1;
                    out.push(Record::Chunk(Chunk::bytes(*t_ns, *dir, rest[..n].to_vec())));
                    rest = &rest[n..];
                }
            }
            other => out.push(other.clone()),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn any_cut_and_any_drain_give_the_same_timeline(
        cuts in proptest::collection::vec(0usize..40, 1..64),
        drain_every in 0usize..7,
    ) {
        for t in traces() {
            prop_assert_eq!(decode(&t, &t.records, 1), decode_with(&t, &recut(&t.records, &cuts), drain_every, &cuts));
        }
    }
}

#[test]
fn byte_by_byte_gives_the_same_timeline() {
    use atscope_analyzer::timeline::EventKind;
    let (mut muxed, mut ppp) = (0, 0);
    for t in traces() {
        let ev = decode(&t, &t.records, 1);
        muxed += usize::from(ev.iter().any(|e| matches!(e.kind, EventKind::CmuxState { up: true, .. })));
        ppp += usize::from(ev.iter().any(|e| matches!(e.kind, EventKind::Ppp(_))));
        assert_eq!(decode(&t, &t.records, 1), decode_with(&t, &recut(&t.records, &[0]), 1, &[0]));
        assert_eq!(decode(&t, &t.records, 1), decode(&t, &t.records, 0), "events taken only at the end");
        if t.log.is_some() {
            let ev = decode(&t, &t.records, 1);
            assert!(
                ev.iter().any(|e| matches!(e.kind, atscope_analyzer::timeline::EventKind::Log(_))),
                "the log's lines are in the timeline"
            );
        }
    }
    assert!(muxed >= 12, "the CMUX sessions go through the mux ({muxed})");
    assert!(ppp >= 4, "the PPP sessions give PPP events ({ppp})");
}
