//! The per-analyzer Async Serial export (`Time [s],Value,Parity Error,Framing Error`, Logic 1.x
//! and Logic 2): one channel, named after the file. Not valid CSV in ASCII radix: the time is
//! before the first comma, the flags after the last two.

use std::path::{Path, PathBuf};

use super::cells::{parse_time, parse_value};
use super::csv::CsvLines;
use super::ex;
use super::rows::{next_item, Feed, RowSource};
use crate::capture::{CaptureError, ChannelChunk, ChannelInfo, ChannelItem, ChannelSource};
use crate::chunk::{Body, Condition};

/// Radix of a per-analyzer export, guessed from its first rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Radix {
    Hex,
    Decimal,
    Ascii,
}

/// A Saleae per-analyzer Async Serial export (`Time [s],Value,Parity Error,Framing Error`).
pub struct LegacySource {
    path: PathBuf,
    feed: Feed,
    radix: Radix,
    has_flags: usize,
    channels: Vec<ChannelInfo>,
}

impl LegacySource {
    /// Opens a per-analyzer export.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let mut lines = CsvLines::open(path)?;
        let header = lines.next_line()?.unwrap_or_default();
        let cols: Vec<String> = header.trim_end().split(',').map(|c| c.trim().to_ascii_lowercase()).collect();
        let has_flags = cols.iter().filter(|c| c.ends_with("error")).count().min(2);
        // Guess the radix from the first rows: ASCII rows hold single characters and escapes.
        let mut radix = Radix::Ascii;
        let mut probe = CsvLines::open(path)?;
        let mut saw_multi_digit = false;
        let mut saw_hex = false;
        let _ = probe.next_line();
        for l in std::iter::from_fn(|| probe.next_line().ok().flatten()).take(2000) {
            if let Some(v) = legacy_value_cell(&l, has_flags) {
                saw_hex |= v.starts_with("0x");
                saw_multi_digit |= v.len() > 1 && v.bytes().all(|b| b.is_ascii_digit());
            }
        }
        if saw_hex {
            radix = Radix::Hex;
        } else if saw_multi_digit {
            radix = Radix::Decimal;
        }
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "serial".into());
        Ok(LegacySource {
            path: path.into(),
            feed: Feed::new(lines),
            radix,
            has_flags,
            channels: vec![ChannelInfo { index: 0, name }],
        })
    }

    fn row(&mut self, line: &str) -> Result<(), CaptureError> {
        let bad = |why: String| CaptureError::Malformed { path: self.path.clone(), line: self.feed.line_no, why };
        let (time, _) = line.split_once(',').ok_or_else(|| bad("a row needs a time and a value".into()))?;
        let (t_ns, _) =
            parse_time(time).ok_or_else(|| bad(format!("time {:?} is not a number of seconds", ex(time))))?;
        let value = legacy_value_cell(line, self.has_flags).ok_or_else(|| bad("a row needs a value".into()))?;
        let flags: Vec<&str> = line.rsplitn(self.has_flags + 1, ',').take(self.has_flags).collect();
        // rsplitn yields the last flag first: Framing Error, then Parity Error.
        let framing = flags.first().is_some_and(|f| f.trim().eq_ignore_ascii_case("error"));
        let parity = self.has_flags > 1 && flags.get(1).is_some_and(|f| f.trim().eq_ignore_ascii_case("error"));
        let byte = match self.radix {
            Radix::Hex => parse_value(value, false).and_then(|b| b.last().copied()),
            Radix::Decimal => value.trim().parse::<u16>().ok().and_then(|v| u8::try_from(v).ok()),
            Radix::Ascii => ascii_legacy(value),
        }
        .ok_or_else(|| bad(format!("value {:?} is not a byte", ex(value))))?;
        for (on, c) in [(parity, Condition::Parity), (framing, Condition::Framing)] {
            if on {
                self.feed.out.push_back(ChannelItem::Chunk(ChannelChunk {
                    t_ns,
                    channel: 0,
                    body: Body::Condition(c),
                }));
            }
        }
        self.feed.out.push_back(ChannelItem::Chunk(ChannelChunk { t_ns, channel: 0, body: Body::Bytes(vec![byte]) }));
        Ok(())
    }
}

/// The value part of a legacy row: between the first comma and the last `flags` commas.
fn legacy_value_cell(line: &str, flags: usize) -> Option<&str> {
    let (_, rest) = line.split_once(',')?;
    let mut end = rest.len();
    for _ in 0..flags {
        end = rest[..end].rfind(',')?;
    }
    Some(&rest[..end])
}

/// Saleae's ASCII radix: `\r`, `\n`, `\t`, `' '`, `COMMA`, `'127'`, or the character itself.
fn ascii_legacy(v: &str) -> Option<u8> {
    match v {
        "\\r" => Some(b'\r'),
        "\\n" => Some(b'\n'),
        "\\t" => Some(b'\t'),
        "' '" | " " => Some(b' '),
        "COMMA" => Some(b','),
        _ => {
            if let Some(n) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
                return n.parse::<u16>().ok().and_then(|v| u8::try_from(v).ok());
            }
            let b = v.as_bytes();
            (b.len() == 1).then(|| b[0])
        }
    }
}

impl ChannelSource for LegacySource {
    fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
    fn format_name(&self) -> &'static str {
        "Saleae per-analyzer serial export"
    }
}

impl RowSource for LegacySource {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }
    fn is_blank(line: &str) -> bool {
        line.is_empty()
    }
    fn row(&mut self, line: &str) -> Result<(), CaptureError> {
        LegacySource::row(self, line)
    }
}

impl Iterator for LegacySource {
    type Item = Result<ChannelItem, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        next_item(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_ascii_cells_follow_saleaes_rules() {
        assert_eq!(ascii_legacy("\\r"), Some(b'\r'));
        assert_eq!(ascii_legacy("COMMA"), Some(b','));
        assert_eq!(ascii_legacy("'127'"), Some(127));
        assert_eq!(ascii_legacy("' '"), Some(b' '));
        assert_eq!(ascii_legacy("A"), Some(b'A'));
        assert_eq!(legacy_value_cell("0.1,COMMA,,Error", 2), Some("COMMA"));
        assert_eq!(legacy_value_cell("0.1,,,", 2), Some(""));
    }
}
