#![no_main]
//! Saleae raw digital CSV, decoded as UART.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let flip = data.first().is_some_and(|b| b & 1 == 1);
    let p = atscope_fuzz::input_file(data, "csv");
    atscope_fuzz::drain(atscope_analyzer::capture::raw_csv::open(&p, &atscope_fuzz::options(flip)));
});
