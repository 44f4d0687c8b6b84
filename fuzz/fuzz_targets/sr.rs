#![no_main]
//! sigrok session `.sr` (ZIP of version, metadata and logic members), decoded as UART.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = atscope_fuzz::input_file(data, "sr");
    atscope_fuzz::drain(atscope_analyzer::capture::sr::open(&p, &atscope_fuzz::options(false)));
});
