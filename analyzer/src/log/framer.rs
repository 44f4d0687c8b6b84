//! Lines out of the log's byte stream, push-fed: bytes split at any points give the same lines.
//!
//! A line ends at `\n` or `\r` (RTT loggers write `\r\n`, some terminals a bare `\r`); empty
//! lines are dropped. A line longer than [`MAX_LINE`] bytes is cut there (flagged) and the rest,
//! up to the next line end, is dropped: a log without line ends costs bounded memory.

/// The longest line kept, in bytes (Zephyr's own line buffer is far shorter).
pub const MAX_LINE: usize = 4096;

/// One framed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawLine {
    /// Its bytes, without the line end.
    pub bytes: Vec<u8>,
    /// It was longer than [`MAX_LINE`] and is cut.
    pub cut: bool,
}

/// The framer's state.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    /// Dropping the rest of an over-long line.
    skipping: bool,
}

impl Framer {
    /// A framer at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; complete lines are appended to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<RawLine>) {
        let mut rest = bytes;
        while !rest.is_empty() {
            match rest.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    self.take(&rest[..i]);
                    self.end_line(out);
                    rest = &rest[i + 1..];
                }
                None => {
                    self.take(rest);
                    rest = &[];
                }
            }
        }
    }

    fn take(&mut self, part: &[u8]) {
        if self.skipping {
            return;
        }
        let room = MAX_LINE - self.buf.len();
        if part.len() > room {
            self.buf.extend_from_slice(&part[..room]);
            self.skipping = true;
        } else {
            self.buf.extend_from_slice(part);
        }
    }

    fn end_line(&mut self, out: &mut Vec<RawLine>) {
        let cut = std::mem::take(&mut self.skipping);
        if !self.buf.is_empty() {
            out.push(RawLine { bytes: std::mem::take(&mut self.buf), cut });
        }
    }

    /// Ends the stream: a last line without a line end is given too.
    pub fn finish(&mut self, out: &mut Vec<RawLine>) {
        self.end_line(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(parts: &[&[u8]]) -> Vec<RawLine> {
        let mut f = Framer::new();
        let mut out = Vec::new();
        for p in parts {
            f.feed(p, &mut out);
        }
        f.finish(&mut out);
        out
    }

    #[test]
    fn crlf_cr_and_lf_end_lines_and_empty_lines_vanish() {
        let l = frame(&[b"a\r\nb\rc\n\n\r\nd"]);
        let texts: Vec<&[u8]> = l.iter().map(|l| l.bytes.as_slice()).collect();
        assert_eq!(texts, vec![&b"a"[..], b"b", b"c", b"d"]);
    }

    #[test]
    fn an_over_long_line_is_cut_and_the_next_line_is_whole() {
        let mut long = vec![b'x'; MAX_LINE * 3];
        long.extend_from_slice(b"\nnext\n");
        let l = frame(&[&long]);
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].bytes.len(), l[0].cut), (MAX_LINE, true));
        assert_eq!((l[1].bytes.as_slice(), l[1].cut), (&b"next"[..], false));
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_lines(
            bytes in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'a'), Just(0x1b), any::<u8>()], 0..600),
            cuts in proptest::collection::vec(0usize..600, 0..12),
        ) {
            let whole = frame(&[&bytes]);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort();
            let mut parts: Vec<&[u8]> = Vec::new();
            let mut at = 0;
            for c in cuts {
                parts.push(&bytes[at..c]);
                at = c;
            }
            parts.push(&bytes[at..]);
            prop_assert_eq!(frame(&parts), whole);
        }
    }
}
