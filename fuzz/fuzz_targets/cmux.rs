#![no_main]
//! The CMUX deframer and the control-channel decoder: random bytes in random chunks; every
//! frame's control messages decoded.
use atscope_analyzer::cmux::{control_messages, Deframer, Unit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, data)) = data.split_first() else { return };
    let mut d = Deframer::new();
    let mut rest = data;
    let mut step = usize::from(ctl % 11) + 1;
    let mut t = 0i64;
    let mut drain = |d: &mut Deframer| {
        while let Some(u) = d.next_unit() {
            if let Unit::Frame(f) = u {
                let _ = control_messages(&f.info);
            }
        }
    };
    while !rest.is_empty() {
        let n = step.min(rest.len());
        d.push(t, &rest[..n]);
        rest = &rest[n..];
        t += 1_000;
        step = step * 7 % 17 + 1;
        drain(&mut d);
    }
    d.finish();
    drain(&mut d);
});
