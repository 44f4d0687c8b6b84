#![no_main]
//! The PPP deframer and what a frame says: random bytes in random chunks; every frame's
//! protocol, control packet and IP summary read.
use atscope_analyzer::ppp::{ip_summary, ControlPacket, Deframer, Unit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, data)) = data.split_first() else { return };
    let mut d = Deframer::new();
    for (t, chunk) in atscope_fuzz::chunks(data, usize::from(ctl % 13) + 1, |n| n * 5 % 19 + 1) {
        d.push(t, chunk);
    }
    d.finish();
    while let Some(u) = d.next_unit() {
        if let Unit::Frame(f) = u {
            if let Some((_, info)) = f.protocol() {
                let _ = ControlPacket::parse(info);
                let _ = ip_summary(info);
            }
        }
    }
});
