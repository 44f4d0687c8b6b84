//! Value Change Dump files (as sigrok-cli and PulseView write them) as transitions.
//!
//! `docs/capture-formats.md` §4. Header: `$timescale` (1, 10 or 100 of s … fs; the tick rate is
//! taken from it, as sigrok's own VCD reader does), `$var wire 1 <id> <name> $end` for each
//! logic channel (names may hold spaces), `$enddefinitions`. Body: `#<time>` then value changes
//! `0<id>`, `1<id>` (also `x`/`z`, which keep the level, and `b0 <id>` / `b1 <id>` vectors of
//! one bit), on one line as sigrok writes them or one per line as other writers do;
//! `$dumpvars` … `$end` blocks are read as changes. The last bare timestamp ends the capture.
//! `real` (analog) and wider vector variables are ignored with a note. Streamed line by line.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use super::wave::{Edge, EdgeSource, Fill, WaveSource};
use super::{CaptureError, ChannelInfo, ImportOptions};

/// The longest token read (identifiers, timestamps, vector values, `$var` names).
const MAX_TOKEN: usize = 4096;

/// The most `$var` or header tokens read before `$enddefinitions`.
const MAX_HEADER_TOKENS: usize = 1 << 20;

/// Opens a VCD file as a decoded channel source.
pub fn open(path: &Path, opts: &ImportOptions) -> Result<WaveSource, CaptureError> {
    let first = VcdEdges::open_header(path)?;
    let notes = first.notes.clone();
    drop(first);
    let opener = || -> Result<Box<dyn EdgeSource>, CaptureError> { Ok(Box::new(VcdEdges::open(path)?)) };
    WaveSource::new(path, "Value Change Dump (.vcd)", &opener, &[], opts, notes)
}

/// Ticks per second for a `$timescale` text such as `1 us` or `10ns`.
pub fn parse_timescale(s: &str) -> Option<f64> {
    let s: String = s.split_whitespace().collect();
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let unit_s = match unit {
        "s" => 1.0,
        "ms" => 1e-3,
        "us" => 1e-6,
        "ns" => 1e-9,
        "ps" => 1e-12,
        "fs" => 1e-15,
        _ => return None,
    };
    if ![1.0, 10.0, 100.0].contains(&n) {
        return None;
    }
    let rate = 1.0 / (n * unit_s);
    // Below 1 tick per second (`10 s`, `100 s`) the rate is a fraction, not rounded to 0.
    (rate.is_finite() && rate > 0.0).then_some(if rate >= 1.0 { rate.round() } else { rate })
}

/// The transitions of a VCD file.
pub struct VcdEdges {
    path: PathBuf,
    r: BufReader<File>,
    line_no: u64,
    tokens: VecDeque<String>,
    /// VCD identifier → channel index.
    ids: Vec<(String, u32)>,
    channels: Vec<ChannelInfo>,
    levels: Vec<bool>,
    levels0: Vec<bool>,
    rate: f64,
    time: u64,
    /// A `b…` vector value waiting for its identifier.
    vector: Option<String>,
    in_comment: bool,
    done: bool,
    read: u64,
    total: u64,
    /// Things the user should know.
    pub notes: Vec<String>,
}

impl VcdEdges {
    fn bad(&self, why: String) -> CaptureError {
        CaptureError::Malformed { path: self.path.clone(), line: self.line_no, why }
    }

    /// The next whitespace-separated token, read byte by byte from the buffer (a line of
    /// millions of changes is never held whole).
    fn token(&mut self) -> Result<Option<String>, CaptureError> {
        if let Some(t) = self.tokens.pop_front() {
            return Ok(Some(t));
        }
        let mut tok: Vec<u8> = Vec::new();
        loop {
            let buf = self.r.fill_buf().map_err(|e| CaptureError::io(&self.path, e))?;
            if buf.is_empty() {
                break;
            }
            let (used, ended) = if tok.is_empty() {
                // Leading whitespace: skipped, its line ends counted.
                let skip = buf.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(buf.len());
                self.line_no += buf[..skip].iter().filter(|&&b| b == b'\n').count() as u64;
                let end = buf[skip..].iter().position(u8::is_ascii_whitespace).map(|e| skip + e);
                tok.extend_from_slice(&buf[skip..end.unwrap_or(buf.len())]);
                (end.unwrap_or(buf.len()), end.is_some() && end != Some(skip))
            } else {
                // The whitespace after a token is read with the next one.
                let end = buf.iter().position(u8::is_ascii_whitespace);
                tok.extend_from_slice(&buf[..end.unwrap_or(buf.len())]);
                (end.unwrap_or(buf.len()), end.is_some())
            };
            self.r.consume(used);
            self.read += used as u64;
            if tok.len() > MAX_TOKEN {
                return Err(self.bad(format!(
                    "a token longer than {MAX_TOKEN} bytes ({:?}): not a VCD",
                    super::excerpt_bytes(&tok, 40)
                )));
            }
            if ended {
                break;
            }
        }
        Ok((!tok.is_empty()).then(|| String::from_utf8_lossy(&tok).into_owned()))
    }

    /// Tokens up to the next `$end`.
    fn until_end(&mut self) -> Result<Vec<String>, CaptureError> {
        let mut out = Vec::new();
        loop {
            if out.len() > MAX_HEADER_TOKENS {
                return Err(self.bad(format!("a $ section of more than {MAX_HEADER_TOKENS} tokens: not a VCD")));
            }
            match self.token()? {
                None => return Err(self.bad("file ends inside a $ section".into())),
                Some(t) if t == "$end" => return Ok(out),
                Some(t) => out.push(t),
            }
        }
    }

    /// Opens the file and reads its header (channels, rate, notes).
    pub fn open_header(path: &Path) -> Result<VcdEdges, CaptureError> {
        let f = File::open(path).map_err(|e| CaptureError::io(path, e))?;
        let total = f.metadata().map(|m| m.len()).unwrap_or(0);
        let mut v = VcdEdges {
            path: path.to_path_buf(),
            r: BufReader::with_capacity(1 << 16, f),
            line_no: 1,
            tokens: VecDeque::new(),
            ids: Vec::new(),
            channels: Vec::new(),
            levels: Vec::new(),
            levels0: Vec::new(),
            rate: 0.0,
            time: 0,
            vector: None,
            in_comment: false,
            done: false,
            read: 0,
            total,
            notes: Vec::new(),
        };
        let mut ignored = Vec::new();
        loop {
            let Some(t) = v.token()? else {
                return Err(v.bad("no $enddefinitions: not a complete VCD header".into()));
            };
            match t.as_str() {
                "$timescale" => {
                    let ts = v.until_end()?.join(" ");
                    v.rate = parse_timescale(&ts)
                        .ok_or_else(|| v.bad(format!("$timescale {:?} is not understood", super::excerpt(&ts, 40))))?;
                }
                "$var" => {
                    let f = v.until_end()?;
                    if f.len() < 4 {
                        return Err(v.bad(format!("$var {} is incomplete", super::excerpt(&f.join(" "), 60))));
                    }
                    let name = f[3..].join(" ");
                    if f[1] == "1" && matches!(f[0].as_str(), "wire" | "reg" | "logic") {
                        if v.channels.len() >= super::MAX_CHANNELS {
                            return Err(v.bad(format!(
                                "more than {} 1-bit variables: atscope decodes at most {}",
                                super::MAX_CHANNELS,
                                super::MAX_CHANNELS
                            )));
                        }
                        v.ids.push((f[2].clone(), v.channels.len() as u32));
                        v.channels.push(ChannelInfo { index: v.channels.len(), name });
                    } else {
                        if ignored.len() < 16 {
                            ignored.push(format!("{} ({} {})", super::excerpt(&name, 40), f[0], f[1]));
                        } else if ignored.len() == 16 {
                            ignored.push("…".into());
                        }
                    }
                }
                "$enddefinitions" => {
                    v.until_end()?;
                    break;
                }
                t if t.starts_with('$') => {
                    v.until_end()?;
                }
                other => return Err(v.bad(format!("unexpected {:?} in the VCD header", super::excerpt(other, 40)))),
            }
        }
        if !ignored.is_empty() {
            v.notes.push(format!("variables ignored (not 1-bit wires): {}", ignored.join(", ")));
        }
        if v.channels.is_empty() {
            return Err(v.bad("no 1-bit wire variables: nothing to decode as UART".into()));
        }
        if v.rate <= 0.0 {
            v.rate = 1e9;
            v.notes.push("no $timescale: 1 ns assumed".into());
        }
        v.ids.sort();
        v.levels = vec![true; v.channels.len()];
        Ok(v)
    }

    /// Opens the file, reads the header and the values at the first time.
    pub fn open(path: &Path) -> Result<VcdEdges, CaptureError> {
        let mut v = VcdEdges::open_header(path)?;
        // Values before the second timestamp are the initial levels.
        let mut initial = Vec::new();
        let mut seen_time = false;
        while let Some(t) = v.token()? {
            if let Some(ts) = t.strip_prefix('#') {
                let ts: u64 =
                    ts.parse().map_err(|_| v.bad(format!("timestamp {:?} is not a number", super::excerpt(&t, 40))))?;
                if seen_time {
                    v.tokens.push_front(t);
                    break;
                }
                seen_time = true;
                v.time = ts;
                continue;
            }
            v.change(&t, &mut initial)?;
            // `change` sets the level; the edges themselves are not wanted (never held: there may
            // be millions before the second timestamp).
            initial.clear();
        }
        v.levels0 = v.levels.clone();
        Ok(v)
    }

    /// Applies one value-change token.
    fn change(&mut self, t: &str, out: &mut Vec<Edge>) -> Result<(), CaptureError> {
        if self.in_comment {
            self.in_comment = t != "$end";
            return Ok(());
        }
        if let Some(val) = self.vector.take() {
            return self.set(t, val.chars().last().unwrap_or('x'), out);
        }
        match t.as_bytes().first() {
            Some(b'$') => {
                self.in_comment = t == "$comment";
            } // $dumpvars, $end, $dumpall…: the changes inside count as changes
            Some(b'b' | b'B') => self.vector = Some(t[1..].to_string()),
            Some(b'r' | b'R') => {
                self.token()?; // a real value: skip its identifier
            }
            Some(&c) if matches!(c, b'0' | b'1' | b'x' | b'X' | b'z' | b'Z') => {
                self.set(&t[1..], c as char, out)?;
            }
            _ => return Err(self.bad(format!("unexpected {:?} in the VCD body", super::excerpt(t, 40)))),
        }
        Ok(())
    }

    fn set(&mut self, id: &str, value: char, out: &mut Vec<Edge>) -> Result<(), CaptureError> {
        let Ok(i) = self.ids.binary_search_by(|(k, _)| k.as_str().cmp(id)) else {
            return Ok(());
        };
        let ch = self.ids[i].1;
        let level = match value {
            '0' => false,
            '1' => true,
            _ => return Ok(()), // x / z: keep the level
        };
        if self.levels[ch as usize] != level {
            self.levels[ch as usize] = level;
            out.push(Edge { sample: self.time, channel: ch, level });
        }
        Ok(())
    }
}

impl EdgeSource for VcdEdges {
    fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
    fn rate(&self) -> f64 {
        self.rate
    }
    fn initial_levels(&self) -> &[bool] {
        &self.levels0
    }
    fn fill(&mut self, out: &mut Vec<Edge>) -> Result<Fill, CaptureError> {
        if self.done {
            return Ok(Fill::End(self.time));
        }
        for _ in 0..16_384 {
            let Some(t) = self.token()? else {
                self.done = true;
                return Ok(Fill::End(self.time));
            };
            if let Some(ts) = t.strip_prefix('#') {
                let ts: u64 = ts
                    .parse()
                    .map_err(|_| self.bad(format!("timestamp {:?} is not a number", super::excerpt(&t, 40))))?;
                if ts < self.time {
                    return Err(self.bad("timestamps go backwards".into()));
                }
                self.time = ts;
                continue;
            }
            self.change(&t, out)?;
        }
        Ok(Fill::Upto(self.time))
    }
    fn progress(&self) -> (u64, u64) {
        (self.read, self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{ChannelItem, ChannelSource, UartOverrides};
    use crate::chunk::Body;

    /// A VCD at 1 us per tick with "U" (0x55) at 100 kBd on `host` and a 1 us spike before it.
    fn vcd_with_spike() -> tempfile::NamedTempFile {
        let mut text = String::from(
            "$timescale 1 us $end\n$var wire 1 ! host $end\n$enddefinitions $end\n#0 1!\n#50 0!\n#51 1!\n",
        );
        let mut level = true;
        let bits = [false, true, false, true, false, true, false, true, false, true];
        for (k, &b) in bits.iter().enumerate() {
            if b != level {
                text.push_str(&format!("#{} {}!\n", 200 + 10 * k, u8::from(b)));
                level = b;
            }
        }
        text.push_str("#1000\n");
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    fn decode(f: &Path, glitch_ns: Option<u64>) -> (Vec<u8>, usize) {
        let opts = ImportOptions {
            uart: UartOverrides { baud: Some(100_000), glitch_ns, ..Default::default() },
            ..Default::default()
        };
        let src = open(f, &opts).unwrap();
        let (mut bytes, mut conds) = (Vec::new(), 0);
        for item in src {
            if let ChannelItem::Chunk(c) = item.unwrap() {
                match c.body {
                    Body::Bytes(b) => bytes.extend(b),
                    Body::Condition(_) => conds += 1,
                }
            }
        }
        (bytes, conds)
    }

    #[test]
    fn a_spike_is_a_glitch_condition_or_filtered_away() {
        let f = vcd_with_spike();
        assert_eq!(decode(f.path(), None), (vec![0x55], 1));
        assert_eq!(decode(f.path(), Some(2_000)), (vec![0x55], 0));
        let src = open(f.path(), &ImportOptions::default()).unwrap();
        assert_eq!(src.channels()[0].name, "host");
    }
}
