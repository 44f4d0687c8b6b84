#![no_main]
//! `.atrace` (JSON Lines) reader: the header, every record, warnings.
use atscope_analyzer::trace::TraceReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(mut r) = TraceReader::new(data) else { return };
    let _ = r.meta();
    for rec in r.by_ref() {
        if rec.is_err() {
            break;
        }
    }
    let _ = r.take_warnings();
    // The same bytes through the file path the command line takes (detection included).
    let p = atscope_fuzz::input_file(data, "atrace");
    atscope_fuzz::drain(atscope_analyzer::capture::trace_source::TraceSource::open(&p));
});
