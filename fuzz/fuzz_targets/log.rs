#![no_main]
//! The SLM's log: its parser on random bytes cut at random points (the lines must not depend on
//! the cuts), then a whole session with that log beside UART traffic that boots and reboots.
use atscope_analyzer::analysis::{Analysis, Options};
use atscope_analyzer::chunk::{Chunk, Dir, Record};
use atscope_analyzer::log::segment::{parse_all, Parser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, data)) = data.split_first() else { return };
    let whole = parse_all(data);
    let mut p = Parser::new();
    let mut items = Vec::new();
    let mut rest = data;
    let mut step = usize::from(ctl % 11) + 1;
    while !rest.is_empty() {
        let n = step.min(rest.len());
        p.feed(&rest[..n], &mut items);
        rest = &rest[n..];
        step = step * 7 % 17 + 1;
    }
    p.finish(&mut items);
    assert_eq!(items, whole, "the log's lines depend on how its bytes were cut");

    let offset = (ctl & 1 == 1).then_some(i64::from(ctl) * 1_000_000);
    let mut a = Analysis::new(Options::default());
    a.attach_log(Box::new(whole.into_iter()), offset);
    let recs = [
        Record::Chunk(Chunk::bytes(1_000_000_000, Dir::Modem, b"Ready\r\n".to_vec())),
        Record::Chunk(Chunk::bytes(2_000_000_000, Dir::Host, b"AT#XMQTTCON=0\r\n".to_vec())),
        Record::Chunk(Chunk::bytes(3_000_000_000, Dir::Modem, b"\xc0Ready\r\n".to_vec())),
        Record::Chunk(Chunk::bytes(4_000_000_000, Dir::Host, b"AT\r\n".to_vec())),
        Record::Chunk(Chunk::bytes(4_100_000_000, Dir::Modem, b"\r\nERROR\r\n".to_vec())),
    ];
    for r in &recs {
        a.push(r, &mut |_| {});
    }
    a.finish(&mut |_| {});
});
