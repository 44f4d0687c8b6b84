#![no_main]
//! Firmware symbols from an arbitrary "ELF": opening must give a typed error or symbols, and
//! lookups on what opened must answer (frames, a description), never panic or hang.
use std::path::Path;

use atscope_analyzer::symbols::Symbols;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(symbols) = Symbols::from_bytes(data.to_vec(), Path::new("fuzz.elf")) else { return };
    // Where the seeds' code is (GNU ld's default for arm-none-eabi puts .text at 0x8000), and
    // addresses taken from the input's first bytes.
    let from_input = data.chunks_exact(4).take(8).map(|w| u64::from(u32::from_le_bytes([w[0], w[1], w[2], w[3]])));
    for addr in (0x8000u64..0x8200).step_by(6).chain(from_input) {
        let _ = symbols.frames(addr);
        let _ = symbols.describe(addr);
    }
});
