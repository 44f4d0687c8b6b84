//! Saleae exports of decoded serial data: the Logic 2 data table and the per-analyzer export.
//!
//! * Data table (`name,type,start_time,duration,"data"`): rows of one or more analyzers,
//!   interleaved in time order. Columns are found by name. Each (analyzer, value column) pair with
//!   data becomes a channel: an Async Serial analyzer `"Async 1"` is the channel `Async 1`; an
//!   SPI analyzer gives `My SPI mosi` and `My SPI miso`. The value cell may be in hex (`0x4869`),
//!   ASCII (`"Hi\0"`), decimal (`72 105`) or binary (`0b1001000`) radix; times in relative
//!   seconds (decimal or scientific) or ISO-8601. An `"error"` column of `framing`/`parity`
//!   becomes a line condition before the byte.
//! * Per-analyzer export (`Time [s],Value,Parity Error,Framing Error`, Logic 1.x and Logic 2):
//!   one channel, named after the file. Not valid CSV in ASCII radix (see capture-formats.md
//!   §2.1): the time is before the first comma, the flags after the last two.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::{CaptureError, ChannelChunk, ChannelInfo, ChannelItem, ChannelSource};
use crate::chunk::{Body, Condition};

/// How far the table reader looks ahead for analyzer names before it streams.
const NAME_SCAN_BYTES: u64 = 8 << 20;

/// The longest CSV line read: a Saleae row is tens of bytes, a header of many analyzers a few
/// KiB; a longer "line" is a damaged or hostile file, and is never held whole.
pub const MAX_CSV_LINE: usize = 1 << 20;

/// Characters of a cell quoted in an error message.
const EXCERPT: usize = 40;

fn ex(s: &str) -> String {
    super::excerpt(s, EXCERPT)
}

/// The lines of a CSV file, each bounded by [`MAX_CSV_LINE`], numbered from 1.
pub struct CsvLines {
    path: PathBuf,
    r: BufReader<File>,
    buf: Vec<u8>,
    /// Number of the line read last.
    pub line_no: u64,
    /// Bytes read so far.
    pub read: u64,
}

impl CsvLines {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<CsvLines, CaptureError> {
        let f = File::open(path).map_err(|e| CaptureError::io(path, e))?;
        Ok(CsvLines {
            path: path.into(),
            r: BufReader::with_capacity(1 << 16, f),
            buf: Vec::new(),
            line_no: 0,
            read: 0,
        })
    }

    /// The next line without its line end; `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<String>, CaptureError> {
        use crate::lines::{read_line, Line};
        self.buf.clear();
        let got = read_line(&mut self.r, &mut self.buf, MAX_CSV_LINE).map_err(|e| CaptureError::io(&self.path, e))?;
        let bad = |line, why| CaptureError::Malformed { path: self.path.clone(), line, why };
        match got {
            Line::End => Ok(None),
            Line::TooLong => Err(bad(
                self.line_no + 1,
                format!(
                    "a line longer than {MAX_CSV_LINE} bytes (starting {:?}): not a Saleae export",
                    super::excerpt_bytes(&self.buf, EXCERPT)
                ),
            )),
            Line::Read(n) => {
                self.read += n as u64;
                self.line_no += 1;
                while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                    self.buf.pop();
                }
                match std::str::from_utf8(&self.buf) {
                    Ok(t) => Ok(Some(t.to_string())),
                    Err(e) => {
                        Err(bad(self.line_no, format!("not UTF-8 text (byte {} of the line)", e.valid_up_to() + 1)))
                    }
                }
            }
        }
    }
}

/// Splits one CSV line into fields (RFC 4180 quoting, `""` inside quotes is a quote).
/// Returns each field with whether it was quoted.
fn split_csv(line: &str, out: &mut Vec<(String, bool)>) -> Result<(), String> {
    out.clear();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        let mut quoted = false;
        if chars.peek() == Some(&'"') {
            quoted = true;
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("a quoted field is not closed".into()),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            match chars.next() {
                None => {
                    out.push((field, quoted));
                    return Ok(());
                }
                Some(',') => {}
                Some(c) => return Err(format!("unexpected {c:?} after a quoted field")),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        out.push((field, quoted));
                        return Ok(());
                    }
                    Some(',') => break,
                    Some(c) => field.push(c),
                }
            }
        }
        out.push((field, quoted));
    }
}

/// Parses a time cell: relative seconds (`0.000592672`, `2.375e-05`) to nanoseconds, or an
/// ISO-8601 wall time to nanoseconds since the Unix epoch (flag `true`).
pub fn parse_time(cell: &str) -> Option<(i64, bool)> {
    let cell = cell.trim();
    if cell.contains('T') && cell.contains('-') {
        return crate::wall_time::parse_ns(cell, true).map(|t| (t, true));
    }
    if cell.contains(['e', 'E']) {
        let v: f64 = cell.parse().ok()?;
        if !v.is_finite() || v.abs() > 9.0e9 {
            return None;
        }
        return Some(((v * 1e9).round() as i64, false));
    }
    let (neg, digits) = match cell.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cell.strip_prefix('+').unwrap_or(cell)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || int.len() > 9 {
        return None;
    }
    let secs: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut ns: i64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        if i < 9 {
            ns = ns * 10 + i64::from(b - b'0');
        } else if i == 9 && b >= b'5' {
            ns += 1; // round half up on the tenth digit
        }
    }
    for _ in frac.len()..9 {
        ns *= 10;
    }
    let t = secs * 1_000_000_000 + ns;
    Some((if neg { -t } else { t }, false))
}

/// Parses a data-table value cell in any radix into bytes.
pub fn parse_value(cell: &str, quoted: bool) -> Option<Vec<u8>> {
    if quoted {
        return Some(unescape_ascii(cell));
    }
    let cell = cell.trim();
    if cell.is_empty() {
        return None;
    }
    if let Some(hex) = cell.strip_prefix("0x").or_else(|| cell.strip_prefix("0X")) {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let padded = if hex.len() % 2 == 1 { format!("0{hex}") } else { hex.to_string() };
        return (0..padded.len()).step_by(2).map(|i| u8::from_str_radix(&padded[i..i + 2], 16).ok()).collect();
    }
    if let Some(bin) = cell.strip_prefix("0b").or_else(|| cell.strip_prefix("0B")) {
        if bin.is_empty() || !bin.bytes().all(|b| b == b'0' || b == b'1') {
            return None;
        }
        let nbytes = bin.len().div_ceil(8);
        let padded = format!("{}{bin}", "0".repeat(nbytes * 8 - bin.len()));
        return (0..nbytes).map(|i| u8::from_str_radix(&padded[i * 8..i * 8 + 8], 2).ok()).collect();
    }
    cell.split_ascii_whitespace().map(|d| d.parse::<u16>().ok().and_then(|v| u8::try_from(v).ok())).collect()
}

fn unescape_ascii(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match it.next() {
            Some('0') => out.push(0),
            Some('r') => out.push(b'\r'),
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let h: String = it.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&h, 16).unwrap_or(b'?'));
            }
            Some(other) => {
                out.push(b'\\');
                let mut buf = [0u8; 4];
                out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            }
            None => out.push(b'\\'),
        }
    }
    out
}

/// A Saleae Logic 2 data-table CSV.
pub struct TableSource {
    path: PathBuf,
    lines: CsvLines,
    line_no: u64,
    col_name: usize,
    col_start: usize,
    col_error: Option<usize>,
    /// Value columns: (column index, column name).
    value_cols: Vec<(usize, String)>,
    /// Channel per (analyzer name, value column), in order of first appearance.
    channels: Vec<ChannelInfo>,
    keys: HashMap<String, usize>,
    late: Vec<String>,
    t0: Option<i64>,
    out: VecDeque<ChannelItem>,
    fields: Vec<(String, bool)>,
    done: bool,
}

fn channel_name(analyzer: &str, col: &str) -> String {
    if matches!(col, "data" | "value") {
        analyzer.to_string()
    } else {
        format!("{analyzer} {col}")
    }
}

impl TableSource {
    /// Opens a data-table CSV and finds its columns and analyzers.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let mut lines = CsvLines::open(path)?;
        let Some(header) = lines.next_line()? else {
            return Err(CaptureError::Malformed { path: path.into(), line: 1, why: "empty file".into() });
        };
        let mut fields = Vec::new();
        split_csv(header.trim_start_matches('\u{feff}').trim_end(), &mut fields)
            .map_err(|why| CaptureError::Malformed { path: path.into(), line: 1, why })?;
        let names: Vec<String> = fields.iter().map(|(f, _)| f.trim().to_ascii_lowercase()).collect();
        let find = |n: &str| names.iter().position(|c| c == n);
        let need = |n: &str| {
            find(n).ok_or_else(|| CaptureError::Malformed {
                path: path.into(),
                line: 1,
                why: format!("the header has no {n:?} column (found: {})", ex(&names.join(", "))),
            })
        };
        let col_name = need("name")?;
        let col_start = need("start_time")?;
        need("type")?;
        let col_error = find("error");
        let fixed = ["name", "type", "start_time", "duration", "error", "address"];
        let value_cols: Vec<(usize, String)> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| !fixed.contains(&n.as_str()))
            .map(|(i, n)| (i, n.clone()))
            .collect();
        if value_cols.is_empty() {
            return Err(CaptureError::Malformed {
                path: path.into(),
                line: 1,
                why: "the header has no value column (an Async Serial export has \"data\")".into(),
            });
        }
        let mut src = TableSource {
            path: path.into(),
            lines,
            line_no: 1,
            col_name,
            col_start,
            col_error,
            value_cols,
            channels: Vec::new(),
            keys: HashMap::new(),
            late: Vec::new(),
            t0: None,
            out: VecDeque::new(),
            fields,
            done: false,
        };
        src.scan_names()?;
        Ok(src)
    }

    /// Reads the start of the file once more to list the analyzers before streaming.
    fn scan_names(&mut self) -> Result<(), CaptureError> {
        let mut lines = CsvLines::open(&self.path)?;
        let mut fields = Vec::new();
        lines.next_line()?;
        while lines.read <= NAME_SCAN_BYTES {
            let line = match lines.next_line() {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(_) => break, // reported with its line number when streaming
            };
            if split_csv(line.trim_end(), &mut fields).is_err() {
                continue; // reported with its line number when streaming
            }
            let Some((name, _)) = fields.get(self.col_name) else {
                continue;
            };
            let name = name.clone();
            for vi in 0..self.value_cols.len() {
                let (ci, _) = self.value_cols[vi];
                if ci >= fields.len() {
                    break;
                }
                if !fields[ci].0.trim().is_empty() {
                    self.channel_for(&name, vi, lines.line_no)?;
                }
            }
        }
        Ok(())
    }

    fn channel_for(&mut self, analyzer: &str, value_col: usize, line_no: u64) -> Result<usize, CaptureError> {
        let key = channel_name(analyzer, &self.value_cols[value_col].1);
        if let Some(&i) = self.keys.get(&key) {
            return Ok(i);
        }
        if self.channels.len() >= super::MAX_CHANNELS {
            return Err(CaptureError::Malformed {
                path: self.path.clone(),
                line: line_no,
                why: format!(
                    "analyzer {:?} would be channel {}: atscope reads at most {} channels from a data table",
                    ex(&key),
                    self.channels.len() + 1,
                    super::MAX_CHANNELS
                ),
            });
        }
        let i = self.channels.len();
        self.channels.push(ChannelInfo { index: i, name: key.clone() });
        self.keys.insert(key, i);
        Ok(i)
    }

    fn row(&mut self, line: &str) -> Result<(), CaptureError> {
        let path = self.path.clone();
        let bad = |why: String, line_no| CaptureError::Malformed { path: path.clone(), line: line_no, why };
        let line_no = self.line_no;
        let mut fields = std::mem::take(&mut self.fields);
        split_csv(line, &mut fields).map_err(|w| bad(w, line_no))?;
        let cell = |i: usize| fields.get(i).map(|(s, q)| (s.as_str(), *q));
        let (name, _) = cell(self.col_name).ok_or_else(|| bad("missing the \"name\" cell".into(), line_no))?;
        let (time, _) = cell(self.col_start).ok_or_else(|| bad("missing the \"start_time\" cell".into(), line_no))?;
        let (t, iso) =
            parse_time(time).ok_or_else(|| bad(format!("start_time {:?} is not a time", ex(time)), line_no))?;
        let t_ns = if iso {
            t.checked_sub(*self.t0.get_or_insert(t))
                .ok_or_else(|| bad(format!("start_time {:?} is too far from the first row's", ex(time)), line_no))?
        } else {
            t
        };
        let cond = match self.col_error.and_then(cell).map(|(s, _)| s.trim().to_ascii_lowercase()) {
            Some(e) if e == "framing" => Some(Condition::Framing),
            Some(e) if e == "parity" => Some(Condition::Parity),
            _ => None,
        };
        let name = name.to_string();
        for vi in 0..self.value_cols.len() {
            let (ci, _) = self.value_cols[vi];
            let Some((v, quoted)) = cell(ci) else {
                break; // value columns are in column order: the row has no more cells
            };
            if v.trim().is_empty() && !quoted {
                continue;
            }
            let bytes = parse_value(v, quoted)
                .ok_or_else(|| bad(format!("value {:?} is not hex, ASCII, decimal or binary", ex(v)), line_no))?;
            let known = self.keys.len();
            let channel = self.channel_for(&name, vi, line_no)?;
            if channel >= known && self.channels.len() > known {
                // An analyzer first seen after the look-ahead: it has no role; say so once.
                self.late.push(format!(
                    "{}: analyzer {:?} first appears on line {line_no}, after the channels were assigned; its rows are ignored",
                    self.path.display(),
                    self.channels[channel].name
                ));
            }
            if let Some(c) = cond {
                self.out.push_back(ChannelItem::Chunk(ChannelChunk { t_ns, channel, body: Body::Condition(c) }));
            }
            self.out.push_back(ChannelItem::Chunk(ChannelChunk { t_ns, channel, body: Body::Bytes(bytes) }));
        }
        self.fields = fields;
        Ok(())
    }
}

impl Iterator for TableSource {
    type Item = Result<ChannelItem, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(i) = self.out.pop_front() {
                return Some(Ok(i));
            }
            if self.done {
                return None;
            }
            let line = match self.lines.next_line() {
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(Some(l)) => l,
            };
            self.line_no = self.lines.line_no;
            let line = line.as_str();
            if line.trim().is_empty() {
                continue;
            }
            if let Err(e) = self.row(line) {
                self.done = true;
                return Some(Err(e));
            }
        }
    }
}

impl ChannelSource for TableSource {
    fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
    fn format_name(&self) -> &'static str {
        "Saleae Logic 2 data-table CSV"
    }
    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.late)
    }
}

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
    lines: CsvLines,
    line_no: u64,
    radix: Radix,
    has_flags: usize,
    channels: Vec<ChannelInfo>,
    out: VecDeque<ChannelItem>,
    done: bool,
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
            lines,
            line_no: 1,
            radix,
            has_flags,
            channels: vec![ChannelInfo { index: 0, name }],
            out: VecDeque::new(),
            done: false,
        })
    }

    fn row(&mut self, line: &str) -> Result<(), CaptureError> {
        let bad = |why: String| CaptureError::Malformed { path: self.path.clone(), line: self.line_no, why };
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
                self.out.push_back(ChannelItem::Chunk(ChannelChunk { t_ns, channel: 0, body: Body::Condition(c) }));
            }
        }
        self.out.push_back(ChannelItem::Chunk(ChannelChunk { t_ns, channel: 0, body: Body::Bytes(vec![byte]) }));
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

impl Iterator for LegacySource {
    type Item = Result<ChannelItem, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(i) = self.out.pop_front() {
                return Some(Ok(i));
            }
            if self.done {
                return None;
            }
            let line = match self.lines.next_line() {
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
                Ok(Some(l)) => l,
            };
            self.line_no = self.lines.line_no;
            if line.is_empty() {
                continue;
            }
            if let Err(e) = self.row(&line) {
                self.done = true;
                return Some(Err(e));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_saleae_notation_become_exact_nanoseconds() {
        assert_eq!(parse_time("0.000592672"), Some((592_672, false)));
        assert_eq!(parse_time("7.9902142"), Some((7_990_214_200, false)));
        assert_eq!(parse_time("2.375e-05"), Some((23_750, false)));
        assert_eq!(parse_time("-0.5"), Some((-500_000_000, false)));
        assert_eq!(parse_time("0.042909760000000"), Some((42_909_760, false)));
        let (a, iso) = parse_time("2022-06-29T04:05:27.591152100+00:00").unwrap();
        let (b, _) = parse_time("2022-06-29T06:05:27.591152200+02:00").unwrap();
        assert!(iso);
        assert_eq!(b - a, 100);
        assert_eq!(a, 1_656_475_527_591_152_100);
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn values_in_every_radix_become_bytes() {
        assert_eq!(parse_value("0x31", false), Some(vec![0x31]));
        assert_eq!(parse_value("0x486900", false), Some(vec![0x48, 0x69, 0]));
        assert_eq!(parse_value("Hi\\0", true), Some(b"Hi\0".to_vec()));
        assert_eq!(parse_value("\\r\\n", true), Some(b"\r\n".to_vec()));
        assert_eq!(parse_value("72 105 0", false), Some(vec![72, 105, 0]));
        assert_eq!(parse_value("0b1001000", false), Some(vec![0x48]));
        assert_eq!(parse_value("0b100000001", false), Some(vec![0x01, 0x01]), "a 9-bit word, MSB first");
        assert_eq!(parse_value("0xZZ", false), None);
    }

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
