//! Line reading with a bound: a hostile file's "line" may be a gigabyte without a line end, and
//! no reader may hold more than its bound of it.

use std::io::{self, BufRead};

/// What [`read_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// End of the input: nothing was read.
    End,
    /// A line (with its `\n` when it had one) is in the buffer; `n` bytes were consumed.
    Read(usize),
    /// The line is longer than the bound; the bytes up to the bound are in the buffer and the
    /// rest of the line is *not* consumed (the caller reports an error).
    TooLong,
}

/// Appends one line (up to and including `\n`) to `buf`, never more than `max` bytes.
pub fn read_line<R: BufRead + ?Sized>(r: &mut R, buf: &mut Vec<u8>, max: usize) -> io::Result<Line> {
    let mut total = 0usize;
    loop {
        let avail = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(if total == 0 { Line::End } else { Line::Read(total) });
        }
        let (take, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if total + take > max {
            let fit = max - total;
            buf.extend_from_slice(&avail[..fit]);
            r.consume(fit);
            return Ok(Line::TooLong);
        }
        buf.extend_from_slice(&avail[..take]);
        r.consume(take);
        total += take;
        if done {
            return Ok(Line::Read(total));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_at_the_bound_and_the_rest_is_left() {
        let mut r = io::BufReader::with_capacity(4, &b"ab\ncdefgh\nij"[..]);
        let mut buf = Vec::new();
        assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Line::Read(3));
        assert_eq!(buf, b"ab\n");
        buf.clear();
        assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Line::TooLong);
        assert_eq!(buf, b"cdefg");
        buf.clear();
        assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Line::Read(2));
        assert_eq!(buf, b"h\n");
        buf.clear();
        assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Line::Read(2));
        assert_eq!(buf, b"ij");
        buf.clear();
        assert_eq!(read_line(&mut r, &mut buf, 5).unwrap(), Line::End);
    }
}
