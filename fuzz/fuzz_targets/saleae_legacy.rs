#![no_main]
//! Saleae per-analyzer (legacy, Logic 1.x style) CSV export.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = atscope_fuzz::input_file(data, "csv");
    atscope_fuzz::drain(atscope_analyzer::capture::saleae_csv::LegacySource::open(&p));
});
