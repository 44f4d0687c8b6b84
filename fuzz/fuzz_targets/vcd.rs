#![no_main]
//! Value Change Dump, decoded as UART.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let flip = data.last().is_some_and(|b| b & 1 == 1);
    let p = atscope_fuzz::input_file(data, "vcd");
    atscope_fuzz::drain(atscope_analyzer::capture::vcd::open(&p, &atscope_fuzz::options(flip)));
});
