#![no_main]
//! Saleae Logic 2 `.sal` (ZIP of meta.json and digital-N.bin), decoded as UART.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = atscope_fuzz::input_file(data, "sal");
    atscope_fuzz::drain(atscope_analyzer::capture::sal::open(&p, &atscope_fuzz::options(false)));
});
