#![no_main]
//! Saleae Logic 2 binary export (v0 and v1), decoded as UART.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let flip = data.len() % 2 == 1;
    let p = atscope_fuzz::input_file(data, "bin");
    atscope_fuzz::drain(atscope_analyzer::capture::saleae_bin::open(&[p], &atscope_fuzz::options(flip)));
});
