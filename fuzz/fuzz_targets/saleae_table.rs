#![no_main]
//! Saleae Logic 2 data-table CSV (analyzer export).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let p = atscope_fuzz::input_file(data, "csv");
    atscope_fuzz::drain(atscope_analyzer::capture::saleae_csv::TableSource::open(&p));
});
