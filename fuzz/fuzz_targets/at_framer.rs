#![no_main]
//! The AT framers and grammar through their public API: host bytes cut into command lines and
//! parsed, modem bytes cut into lines/payloads and parsed, with random splits and payload
//! expectations.
use atscope_analyzer::at::framer::{HostFramer, ModemFramer, Terminator};
use atscope_analyzer::at::grammar::{parse_command, parse_modem_line, split_params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&ctl, data)) = data.split_first() else { return };
    let term = match ctl % 4 {
        0 => Terminator::CrLf,
        1 => Terminator::Cr,
        2 => Terminator::Lf,
        _ => Terminator::Auto,
    };
    let mut host = HostFramer::new(term);
    for (i, &b) in data.iter().enumerate() {
        if let Some(line) = host.push_byte(i as i64, b) {
            let _ = parse_command(&line.text);
            let _ = split_params(&String::from_utf8_lossy(&line.text));
        }
    }
    if let Some(line) = host.take_pending() {
        let _ = parse_command(&line.text);
    }
    let mut modem = ModemFramer::default();
    for (t, chunk) in atscope_fuzz::chunks(data, usize::from(ctl % 7) + 1, |n| n * 5 % 13 + 1) {
        modem.push(t, chunk);
        while let Some(u) = modem.next_unit() {
            if let Some(text) = u.text() {
                let _ = parse_modem_line(text);
                if text.starts_with(b"#XRECV") {
                    modem.expect_payload(usize::from(ctl) * 3);
                }
            }
        }
        if ctl & 0x40 != 0 {
            modem.set_data_mode(!modem.in_data_mode());
        }
    }
    while modem.flush().is_some() {}
});
