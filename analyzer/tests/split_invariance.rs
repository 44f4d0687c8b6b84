//! Feeding the same bytes cut at any points gives the same timeline (architecture.md).
//!
//! Every trace in `traces/` is decoded once as recorded and then with each chunk re-cut at
//! random points (the pieces keep the chunk's time); the events must be identical.

use std::path::PathBuf;

use atscope_analyzer::chunk::{Body, Chunk, Record};
use atscope_analyzer::timeline::{Config, Event, TimelineBuilder};
use atscope_analyzer::trace::TraceReader;
use proptest::prelude::*;

fn traces() -> Vec<Vec<Record>> {
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
                out.push(TraceReader::new(f).unwrap().map(|r| r.unwrap()).collect());
            }
        }
    }
    assert!(out.len() >= 6, "the bundled traces are missing");
    out
}

fn decode(recs: &[Record]) -> Vec<Event> {
    let mut b = TimelineBuilder::new(Config::default());
    let mut ev = Vec::new();
    for r in recs {
        b.push(r);
        ev.extend(b.drain());
    }
    b.finish();
    ev.extend(b.drain());
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
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn any_cut_gives_the_same_timeline(cuts in proptest::collection::vec(0usize..40, 1..64)) {
        for t in traces() {
            prop_assert_eq!(decode(&t), decode(&recut(&t, &cuts)));
        }
    }
}

#[test]
fn byte_by_byte_gives_the_same_timeline() {
    for t in traces() {
        assert_eq!(decode(&t), decode(&recut(&t, &[0])));
    }
}
