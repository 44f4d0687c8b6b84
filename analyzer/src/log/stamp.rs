//! The recorder's stamp on a live log: every line from the SLM's log port gets the wall-clock
//! time its first byte arrived, written the way a terminal program writes it
//! (`[2026-11-29 20:50:01.123] `), which [`super::line`] reads back as the line's host time.
//! Pure: the caller reads the clock.

/// Puts the arrival time in front of each line of a byte stream.
#[derive(Debug)]
pub struct Stamper {
    at_line_start: bool,
}

impl Default for Stamper {
    fn default() -> Self {
        Stamper { at_line_start: true }
    }
}

impl Stamper {
    /// Appends `bytes` to `out`, with `[wall] ` before every line that starts in them (a line
    /// starts after `\n`; blank line ends get no stamp).
    pub fn stamp(&mut self, wall: &str, bytes: &[u8], out: &mut Vec<u8>) {
        for &b in bytes {
            if self.at_line_start && !matches!(b, b'\r' | b'\n') {
                out.push(b'[');
                out.extend_from_slice(wall.as_bytes());
                out.extend_from_slice(b"] ");
                self.at_line_start = false;
            }
            out.push(b);
            if b == b'\n' {
                self.at_line_start = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_line_gets_the_time_its_first_byte_came_and_the_parser_reads_it_back() {
        let mut s = Stamper::default();
        let mut out = Vec::new();
        s.stamp("2026-11-29 20:50:01.123", b"[00:00:00.300,000] <inf> slm: a\r\n[00:00:00.4", &mut out);
        s.stamp("2026-11-29 20:50:01.250", b"00,000] <inf> slm: b\r\n\r\n", &mut out);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "[2026-11-29 20:50:01.123] [00:00:00.300,000] <inf> slm: a\r\n\
             [2026-11-29 20:50:01.123] [00:00:00.400,000] <inf> slm: b\r\n\r\n"
        );
        let items = crate::log::segment::parse_all(&out);
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].line.host_time.as_deref(), Some("[2026-11-29 20:50:01.123]"));
        assert_eq!((items[1].uptime_ns, items[1].line.text.as_str()), (400_000_000, "b"));
    }
}
