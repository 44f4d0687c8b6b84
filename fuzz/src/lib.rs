//! What the fuzz targets share: the input written to a file (every capture reader takes a
//! path, as the command line does) and a capture read to its end, the way `atscope import` does.

use std::path::PathBuf;

use atscope_analyzer::capture::{ChannelSource, ImportOptions};

/// A file for this process's current input; rewritten on every call.
pub fn input_file(data: &[u8], ext: &str) -> PathBuf {
    let dir = std::env::var_os("ATSCOPE_FUZZ_TMP").map(PathBuf::from).unwrap_or_else(|| {
        let shm = PathBuf::from("/dev/shm");
        if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        }
    });
    let path = dir.join(format!("atscope-fuzz-{}.{ext}", std::process::id()));
    std::fs::write(&path, data).expect("the fuzz input file can be written");
    path
}

/// Reads a capture to its end; errors are fine (they are the clear errors we want), panics,
/// hangs and memory blow-ups are what the fuzzer looks for.
pub fn drain(src: Result<impl ChannelSource, atscope_analyzer::capture::CaptureError>) {
    let Ok(mut src) = src else { return };
    let _ = src.channels().len();
    let _ = src.notes();
    for item in src.by_ref() {
        if item.is_err() {
            break;
        }
    }
    let _ = src.take_warnings();
}

/// Import options that exercise the explicit-settings path on half the inputs.
pub fn options(flip: bool) -> ImportOptions {
    let mut o = ImportOptions::default();
    if flip {
        o.uart.baud = Some(115_200);
    }
    o
}

/// The input cut into chunks, the first `first` bytes long and each next one `step(previous)`
/// long, each 1 µs after the one before: how the framer targets vary the splits.
pub fn chunks(data: &[u8], first: usize, step: fn(usize) -> usize) -> Vec<(i64, &[u8])> {
    let mut out = Vec::new();
    let (mut rest, mut n, mut t) = (data, first.max(1), 0i64);
    while !rest.is_empty() {
        let k = n.min(rest.len());
        out.push((t, &rest[..k]));
        rest = &rest[k..];
        t += 1_000;
        n = step(n).max(1);
    }
    out
}
