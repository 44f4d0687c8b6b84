//! Feeding the same bytes cut at any points gives the same timeline (architecture.md), and so
//! does taking the events at any moment.
//!
//! Every trace in `traces/` is decoded through [`Analysis`] (meanings, rules and findings
//! included) once as recorded, then with each chunk re-cut at random points (the pieces keep the
//! chunk's time) and the events taken after a random number of records each time; every event,
//! time and finding must be identical.

use std::path::PathBuf;

use atscope_analyzer::analysis::{Analysis, Options};
use atscope_analyzer::chunk::{Body, Chunk, Record};
use atscope_analyzer::slm::SlmVersion;
use atscope_analyzer::timeline::{Config, Event};
use atscope_analyzer::trace::TraceReader;
use proptest::prelude::*;

struct Trace {
    version: Option<SlmVersion>,
    records: Vec<Record>,
}

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
                out.push(Trace { version, records: reader.map(|r| r.unwrap()).collect() });
            }
        }
    }
    assert!(out.len() >= 6, "the bundled traces are missing");
    out
}

/// Decodes `recs`, taking the events after every `drain_every`-th record (0: only at the end).
fn decode(t: &Trace, recs: &[Record], drain_every: usize) -> Vec<Event> {
    let opts = Options { decoder: Config { version: t.version, ..Default::default() }, ..Default::default() };
    let mut a = Analysis::new(opts);
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
            prop_assert_eq!(decode(&t, &t.records, 1), decode(&t, &recut(&t.records, &cuts), drain_every));
        }
    }
}

#[test]
fn byte_by_byte_gives_the_same_timeline() {
    for t in traces() {
        assert_eq!(decode(&t, &t.records, 1), decode(&t, &recut(&t.records, &[0]), 1));
        assert_eq!(decode(&t, &t.records, 1), decode(&t, &t.records, 0), "events taken only at the end");
    }
}
