#![no_main]
//! The CMUX deframer and the control-channel decoder: random bytes in random chunks; every
//! frame's control messages decoded.
use atscope_analyzer::cmux::{control_messages, Deframer, Unit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, data)) = data.split_first() else { return };
    let mut d = Deframer::new();
    let drain = |d: &mut Deframer| {
        while let Some(u) = d.next_unit() {
            if let Unit::Frame(f) = u {
                let _ = control_messages(&f.info);
            }
        }
    };
    for (t, chunk) in atscope_fuzz::chunks(data, usize::from(ctl % 11) + 1, |n| n * 7 % 17 + 1) {
        d.push(t, chunk);
        drain(&mut d);
    }
    d.finish();
    drain(&mut d);
});
