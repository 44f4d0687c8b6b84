#![no_main]
//! The UART decoder on random edges with a random (valid) configuration.
use atscope_analyzer::uart::{Parity, UartConfig, UartDecoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let (head, edges) = data.split_at(6);
    let cfg = UartConfig {
        baud: f64::from(u16::from_le_bytes([head[0], head[1]]).max(1)),
        data_bits: 5 + head[2] % 5,
        parity: match head[3] % 3 {
            0 => Parity::None,
            1 => Parity::Even,
            _ => Parity::Odd,
        },
        stop_half_bits: 2 + head[3] / 3 % 3,
        invert: head[4] & 1 == 1,
        msb_first: head[4] & 2 == 2,
    };
    // Sample rates from 1 Hz to 2^24 Hz: slow captures (fewer samples per bit than 1) included.
    let rate = f64::from(1u32 << (head[5] % 25));
    let mut d = UartDecoder::new(cfg, rate, head[4] & 4 == 4);
    let mut s = 0u64;
    let mut level = true;
    for pair in edges.chunks(2) {
        let gap = u64::from(pair[0]) << (u32::from(*pair.get(1).unwrap_or(&0)) % 40);
        s = s.saturating_add(gap);
        level = !level;
        d.edge(s, level);
        while d.next_event().is_some() {}
    }
    d.finish(s.saturating_add(1 << 20));
    while d.next_event().is_some() {}
});
