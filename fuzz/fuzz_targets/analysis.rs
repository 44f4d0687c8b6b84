#![no_main]
//! A whole decoding session (`Analysis`: timeline, meanings, rules, redaction) fed random bytes
//! of both directions with random splits and times, then finished. Every event is also packed
//! (`timeline::packed`, how `atscope decode` hands events to its writer thread) and must unpack
//! equal.
use atscope_analyzer::analysis::{Analysis, Options};
use atscope_analyzer::chunk::{Chunk, Condition, Dir, Record};
use atscope_analyzer::timeline::packed::{Packed, Unpacker};
use atscope_analyzer::timeline::Event;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut a = Analysis::new(Options::default());
    let (mut packed, mut events) = (Packed::default(), Vec::new());
    let mut sink = |e: &Event| {
        packed.push(e);
        events.push(e.clone());
    };
    let mut t = 0i64;
    let mut rest = data;
    // Each piece: one control byte (direction, length, time step, condition), then its bytes.
    while let Some((&c, tail)) = rest.split_first() {
        let n = usize::from(c & 0x1f).min(tail.len());
        let dir = if c & 0x80 != 0 { Dir::Modem } else { Dir::Host };
        t += i64::from(c & 0x60) * 50_000_000;
        let rec = if c & 0x1f == 0x1f && n == 0x1f {
            Record::Chunk(Chunk::condition(t, dir, Condition::Framing))
        } else {
            Record::Chunk(Chunk::bytes(t, dir, tail[..n].to_vec()))
        };
        a.push(&rec, &mut sink);
        rest = &tail[n..];
    }
    a.finish(&mut sink);
    let mut back = Vec::new();
    let r: Result<(), ()> = packed.unpack(&mut Unpacker::default(), |e| {
        back.push(e.clone());
        Ok(())
    });
    assert!(r.is_ok());
    assert!(back == events, "packed events unpack differently");
});
