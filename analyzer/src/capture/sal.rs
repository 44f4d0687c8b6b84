//! Saleae Logic 2 captures (`.sal`) as transitions of their digital channels.
//!
//! A `.sal` is a ZIP of `meta.json` and one `digital-N.bin` / `analog-N.bin` per channel
//! (`docs/capture-formats.md` §1.5). This module reads:
//!
//! * `meta.json`: format version (15 and 16 are known), channel labels (`rowsSettings`), the
//!   digital sample rate, and the settings of any Async Serial analyzer saved in the capture,
//!   which pre-fill the UART settings of its input channel (command-line options still win);
//! * `digital-N.bin` (internal type 100): blocks of run lengths, streamed one block at a time.
//!
//! Analog channels are ignored with a note. Saleae documents the internal files as private and
//! changeable, so any header value not seen on real files is an error that asks the user to
//! export the capture from Logic 2 instead (binary or CSV export, both of which atscope reads).

use std::collections::VecDeque;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::wave::{Edge, EdgeSource, Fill, UartHints, WaveSource};
use super::zipread::{read_full, Archive};
use super::{CaptureError, ChannelInfo, ImportOptions};
use crate::uart::Parity;

/// `meta.json` versions this reader was checked on.
const KNOWN_META_VERSIONS: &[i64] = &[15, 16];

const EXPORT_HINT: &str =
    "export the capture from Logic 2 instead (File > Export Raw Data, binary or CSV) and import that";

/// What `meta.json` says.
#[derive(Debug, Clone)]
pub struct SalInfo {
    /// Digital channels: (device channel number, member name).
    pub digital: Vec<(u32, String)>,
    /// Channel labels, in the order of `digital`.
    pub channels: Vec<ChannelInfo>,
    /// Digital sample rate.
    pub rate: f64,
    /// UART settings per channel, from Async Serial analyzers.
    pub hints: Vec<UartHints>,
    /// Things the user should know.
    pub notes: Vec<String>,
}

fn setting(an: &Value, title: &str) -> Option<f64> {
    an.get("settings")?
        .as_array()?
        .iter()
        .find(|s| s.get("title").and_then(Value::as_str) == Some(title))?
        .get("setting")?
        .get("value")?
        .as_f64()
}

/// Reads `meta.json` and the member list.
pub fn read_info(ar: &Archive) -> Result<SalInfo, CaptureError> {
    let meta = ar
        .read_small("meta.json", 4 << 20)?
        .ok_or_else(|| ar.error(format!("no meta.json: not a Logic 2 capture; {EXPORT_HINT}")))?;
    let meta: Value =
        serde_json::from_slice(&meta).map_err(|e| ar.error(format!("meta.json is not valid JSON: {e}")))?;
    let version = meta.get("version").and_then(Value::as_i64).unwrap_or(-1);
    if !KNOWN_META_VERSIONS.contains(&version) {
        return Err(ar.error(format!(
            "Logic 2 capture format version {version} is not one atscope knows (15, 16); {EXPORT_HINT}"
        )));
    }
    let data = meta.get("data").cloned().unwrap_or(Value::Null);
    let mut notes = Vec::new();
    let mut digital: Vec<(u32, String)> = Vec::new();
    let mut analog: Vec<String> = Vec::new();
    for m in ar.members() {
        let n = &m.name;
        let num = |p: &str| n.strip_prefix(p)?.strip_suffix(".bin")?.parse::<u32>().ok();
        if let Some(k) = num("digital-") {
            digital.push((k, n.clone()));
        } else if let Some(k) = num("analog-") {
            analog.push(format!("analog {k}"));
        }
    }
    digital.sort();
    if !analog.is_empty() {
        notes.push(format!("analog channels ignored: {}", analog.join(", ")));
    }
    if digital.is_empty() {
        return Err(ar.error(if analog.is_empty() {
            "the capture holds no channel data".into()
        } else {
            "the capture holds analog channels only; atscope decodes UART from digital channels".into()
        }));
    }
    let rows = data.get("rowsSettings").and_then(Value::as_array).cloned().unwrap_or_default();
    let label = |k: u32| {
        rows.iter()
            .find(|r| {
                let c = r.get("channel");
                c.and_then(|c| c.get("type")).and_then(Value::as_str) == Some("Digital")
                    && c.and_then(|c| c.get("deviceChannel")).and_then(Value::as_u64) == Some(u64::from(k))
            })
            .and_then(|r| r.get("name")?.as_str().map(str::to_string))
            .unwrap_or_else(|| format!("Channel {k}"))
    };
    let channels: Vec<ChannelInfo> =
        digital.iter().enumerate().map(|(i, (k, _))| ChannelInfo { index: i, name: label(*k) }).collect();
    let rate = data
        .pointer("/captureSettings/connectedDevice/settings/sampleRate/digital")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    let mut hints = vec![UartHints::default(); digital.len()];
    for an in data.get("analyzers").and_then(Value::as_array).into_iter().flatten() {
        let Some(baud) = setting(an, "Bit Rate (Bits/s)") else {
            continue;
        };
        let name = an.get("name").and_then(Value::as_str).unwrap_or("Async Serial");
        let Some(input) = setting(an, "Input Channel") else {
            continue;
        };
        let Some(i) = digital.iter().position(|(k, _)| f64::from(*k) == input) else {
            continue;
        };
        if hints[i] != UartHints::default() {
            continue; // the first analyzer on a channel wins
        }
        if setting(an, "Mode").is_some_and(|m| m != 0.0) {
            notes.push(format!(
                "analyzer {name:?}: multi-processor/multi-drop mode is not decoded; read as normal UART"
            ));
        }
        hints[i] = UartHints {
            baud: Some(baud.round() as u32),
            data_bits: setting(an, "Bits per Frame").map(|b| b as u8),
            parity: setting(an, "Parity Bit").map(|p| match p as i64 {
                1 => Parity::Even,
                2 => Parity::Odd,
                _ => Parity::None,
            }),
            stop_half_bits: setting(an, "Stop Bits").map(|s| (s * 2.0).round() as u8),
            invert: setting(an, "Signal inversion").map(|v| v != 0.0),
            msb_first: setting(an, "Significant Bit").map(|v| v == 0.0),
        };
        notes.push(format!("UART settings of the capture's analyzer {name:?} used for channel {:?}", channels[i].name));
    }
    Ok(SalInfo { digital, channels, rate, hints, notes })
}

/// Opens a `.sal` file as a decoded channel source.
pub fn open(path: &Path, opts: &ImportOptions) -> Result<WaveSource, CaptureError> {
    let ar = Archive::open(path)?;
    let info = read_info(&ar)?;
    let opener = || -> Result<Box<dyn EdgeSource>, CaptureError> { Ok(Box::new(SalEdges::open(path, &info)?)) };
    WaveSource::new(path, "Saleae Logic 2 capture (.sal)", &opener, &info.hints, opts, info.notes.clone())
}

/// One `digital-N.bin`, decoded block by block.
struct ChannelFile {
    name: String,
    r: Box<dyn Read + Send>,
    blocks_left: u64,
    level: bool,
    /// Every transition before this sample has been decoded.
    upto: u64,
    pending: VecDeque<(u64, bool)>,
    data: Vec<u8>,
    /// Bytes of the member not read yet (its declared size bounds every length in it).
    left: u64,
}

/// The most run-length bytes one block may hold: Logic 2 writes blocks of a few KiB (2 KiB at
/// most in the corpus); the bound keeps one block's transitions (16 bytes each) in tens of MiB,
/// whatever its header claims.
const MAX_BLOCK_BYTES: u64 = 1 << 20;

impl ChannelFile {
    fn read_exact(&mut self, n: usize, what: &str, path: &Path) -> Result<&[u8], CaptureError> {
        if n as u64 > self.left {
            return Err(CaptureError::Unusable {
                path: path.to_path_buf(),
                why: format!("{}: {what} of {n} bytes runs past the member's end (truncated or damaged?)", self.name),
            });
        }
        self.left -= n as u64;
        self.data.resize(n, 0);
        let got = read_full(self.r.as_mut(), &mut self.data[..n]).map_err(|e| CaptureError::Unusable {
            path: path.to_path_buf(),
            why: format!("{}: cannot be inflated (truncated or damaged?): {e}", self.name),
        })?;
        if got < n {
            return Err(CaptureError::Unusable {
                path: path.to_path_buf(),
                why: format!("{}: ends inside {what} (truncated file)", self.name),
            });
        }
        Ok(&self.data[..n])
    }

    fn u64s<const N: usize>(&mut self, what: &str, path: &Path) -> Result<[u64; N], CaptureError> {
        let b = self.read_exact(8 * N, what, path)?;
        Ok(std::array::from_fn(|i| u64::from_le_bytes(b[8 * i..8 * i + 8].try_into().expect("8 bytes"))))
    }

    /// Decodes the next block; `false` when there is none.
    fn next_block(&mut self, path: &Path) -> Result<bool, CaptureError> {
        if self.blocks_left == 0 {
            return Ok(false);
        }
        self.blocks_left -= 1;
        let bad = |why: String| CaptureError::Unusable { path: path.to_path_buf(), why };
        let [begin, end, length, _rate, _one, data_len] = self.u64s::<6>("a block header", path)?;
        if data_len > self.left {
            return Err(bad(format!(
                "{}: a block of {data_len} bytes runs past the member's end ({} bytes left; truncated or damaged?)",
                self.name, self.left
            )));
        }
        if end.checked_sub(begin) != Some(length) || data_len > length.saturating_mul(10).max(64) || begin < self.upto {
            return Err(bad(format!(
                "{}: block header does not add up ({begin}..{end}, {length} samples, {data_len} bytes); {EXPORT_HINT}",
                self.name
            )));
        }
        if data_len > MAX_BLOCK_BYTES {
            return Err(bad(format!(
                "{}: a block of {data_len} bytes is larger than atscope reads ({MAX_BLOCK_BYTES}); {EXPORT_HINT}",
                self.name
            )));
        }
        let data_len = usize::try_from(data_len).map_err(|_| bad(format!("{}: block too large", self.name)))?;
        let runs = self.read_exact(data_len, "run data", path)?.to_vec();
        let [index_count] = self.u64s::<1>("a block index", path)?;
        if index_count == 0 || index_count > length.max(1) || index_count.saturating_mul(20) > self.left {
            return Err(bad(format!("{}: block index count {index_count} is not usable; {EXPORT_HINT}", self.name)));
        }
        let first = self.read_exact(20, "a block index", path)?;
        let level0 = u32::from_le_bytes(first[16..20].try_into().expect("4 bytes")) != 0;
        let rest = (index_count - 1).saturating_mul(20);
        let mut skip = rest;
        while skip > 0 {
            let n = skip.min(1 << 16) as usize;
            self.read_exact(n, "a block index", path)?;
            skip -= n as u64;
        }
        if level0 != self.level {
            self.pending.push_back((begin, level0));
            self.level = level0;
        }
        // Run lengths: bit 7 of a run's first byte must be 0; bit 6 / bit 7 say "more bytes".
        let mut t = begin;
        let mut i = 0;
        // A run's end is a transition unless it is the block's last run: each is pushed when
        // the next run shows it was not the last.
        let mut prev_end: Option<u64> = None;
        while i < runs.len() {
            let b = runs[i];
            if b & 0x80 != 0 {
                return Err(bad(format!("{}: raw-mode block data is not supported; {EXPORT_HINT}", self.name)));
            }
            let mut v = u64::from(b & 0x3F);
            let mut more = b & 0x40 != 0;
            i += 1;
            while more {
                let Some(&c) = runs.get(i) else {
                    return Err(bad(format!("{}: a run length is cut short", self.name)));
                };
                if v > u64::MAX >> 7 {
                    return Err(bad(format!("{}: a run length does not fit 64 bits", self.name)));
                }
                v = (v << 7) | u64::from(c & 0x7F);
                more = c & 0x80 != 0;
                i += 1;
            }
            if let Some(p) = prev_end.take() {
                if p < end {
                    self.level = !self.level;
                    self.pending.push_back((p, self.level));
                }
            }
            t = match t.checked_add(v).and_then(|t| t.checked_add(1)) {
                Some(t) if t <= end => t,
                _ => {
                    return Err(bad(format!(
                        "{}: runs add up to more than the block's {length} samples; {EXPORT_HINT}",
                        self.name
                    )))
                }
            };
            prev_end = Some(t);
        }
        if t != end {
            return Err(bad(format!(
                "{}: runs add up to {} samples in a block of {length}; {EXPORT_HINT}",
                self.name,
                t.saturating_sub(begin)
            )));
        }
        self.upto = end;
        Ok(true)
    }
}

/// The transitions of a `.sal`'s digital channels, merged in time order.
pub struct SalEdges {
    path: PathBuf,
    files: Vec<ChannelFile>,
    done: Vec<bool>,
    channels: Vec<ChannelInfo>,
    levels0: Vec<bool>,
    rate: f64,
}

impl SalEdges {
    /// Opens every digital channel file and checks its header.
    pub fn open(path: &Path, info: &SalInfo) -> Result<SalEdges, CaptureError> {
        let ar = Archive::open(path)?;
        let mut files = Vec::new();
        let mut rate = info.rate;
        for (_, name) in &info.digital {
            let m = ar.member(name).ok_or_else(|| ar.error(format!("member {name} vanished")))?;
            let mut f = ChannelFile {
                name: name.clone(),
                r: ar.reader(m)?,
                blocks_left: 0,
                level: false,
                upto: 0,
                pending: VecDeque::new(),
                data: Vec::new(),
                left: m.size,
            };
            let h = f.read_exact(51, "the header", path)?.to_vec();
            let version = i32::from_le_bytes(h[8..12].try_into().expect("4 bytes"));
            let kind = i32::from_le_bytes(h[12..16].try_into().expect("4 bytes"));
            if &h[..8] != b"<SALEAE>" || version != 1 || kind != 100 {
                return Err(ar.error(format!(
                    "{name}: internal format (version {version}, type {kind}) is not the one atscope knows (1, 100); {EXPORT_HINT}"
                )));
            }
            let file_rate = f64::from_le_bytes(h[17..25].try_into().expect("8 bytes"));
            if rate <= 0.0 {
                rate = file_rate;
            }
            f.blocks_left = u64::from_le_bytes(h[43..51].try_into().expect("8 bytes"));
            files.push(f);
        }
        // The first block's index gives each channel's initial level.
        let mut levels0 = Vec::new();
        for f in &mut files {
            f.level = false;
            if f.next_block(path)? {
                // A transition at sample 0 of the first block is the initial level, not an edge.
                if let Some(&(0, l)) = f.pending.front() {
                    f.pending.pop_front();
                    levels0.push(l);
                    continue;
                }
            }
            levels0.push(false);
        }
        let done = vec![false; files.len()];
        Ok(SalEdges { path: path.to_path_buf(), files, done, channels: info.channels.clone(), levels0, rate })
    }
}

impl EdgeSource for SalEdges {
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
        loop {
            // Decode a block of the channel that is furthest behind.
            let behind = (0..self.files.len()).filter(|&i| !self.done[i]).min_by_key(|&i| self.files[i].upto);
            if let Some(i) = behind {
                if !self.files[i].next_block(&self.path)? {
                    self.done[i] = true;
                }
            }
            let all_done = self.done.iter().all(|d| *d);
            let pos = if all_done {
                u64::MAX
            } else {
                (0..self.files.len()).filter(|&i| !self.done[i]).map(|i| self.files[i].upto).min().unwrap_or(0)
            };
            let before = out.len();
            for (ch, f) in self.files.iter_mut().enumerate() {
                while let Some(&(s, level)) = f.pending.front() {
                    if s >= pos {
                        break;
                    }
                    f.pending.pop_front();
                    out.push(Edge { sample: s, channel: ch as u32, level });
                }
            }
            out[before..].sort_by_key(|e| (e.sample, e.channel));
            if all_done {
                return Ok(Fill::End(self.files.iter().map(|f| f.upto).max().unwrap_or(0)));
            }
            if out.len() > before || behind.is_none() {
                return Ok(Fill::Upto(pos));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn sal_with_meta(meta: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        let mut z = zip::ZipWriter::new(f.reopen().unwrap());
        let o = zip::write::SimpleFileOptions::default();
        z.start_file("meta.json", o).unwrap();
        z.write_all(meta.as_bytes()).unwrap();
        z.start_file("digital-3.bin", o).unwrap();
        z.start_file("analog-0.bin", o).unwrap();
        z.finish().unwrap();
        f
    }

    #[test]
    fn an_async_serial_analyzer_in_the_capture_prefills_its_channels_uart_settings() {
        let meta = r#"{"version": 16, "data": {
            "captureSettings": {"connectedDevice": {"settings": {"sampleRate": {"digital": 24000000}}}},
            "rowsSettings": [{"name": "MODEM TX", "type": "channel", "channel": {"type": "Digital", "deviceChannel": 3}}],
            "analyzers": [{"name": "Async Serial", "settings": [
                {"title": "Input Channel", "setting": {"value": 3}},
                {"title": "Bit Rate (Bits/s)", "setting": {"value": 9600}},
                {"title": "Bits per Frame", "setting": {"value": 7}},
                {"title": "Stop Bits", "setting": {"value": 1.5}},
                {"title": "Parity Bit", "setting": {"value": 2}},
                {"title": "Significant Bit", "setting": {"value": 0}},
                {"title": "Signal inversion", "setting": {"value": 1}},
                {"title": "Mode", "setting": {"value": 0}}]}]}}"#;
        let f = sal_with_meta(meta);
        let info = read_info(&Archive::open(f.path()).unwrap()).unwrap();
        assert_eq!(info.channels[0].name, "MODEM TX");
        assert_eq!(info.rate, 24e6);
        let h = &info.hints[0];
        assert_eq!(h.baud, Some(9600));
        assert_eq!(h.data_bits, Some(7));
        assert_eq!(h.stop_half_bits, Some(3));
        assert_eq!(h.parity, Some(Parity::Odd));
        assert_eq!((h.msb_first, h.invert), (Some(true), Some(true)));
        assert!(info.notes.iter().any(|n| n.contains("analog channels ignored")));
    }

    #[test]
    fn an_unknown_capture_version_asks_for_an_export() {
        let f = sal_with_meta(r#"{"version": 99, "data": {}}"#);
        let err = read_info(&Archive::open(f.path()).unwrap()).unwrap_err().to_string();
        assert!(err.contains("version 99") && err.contains("export the capture"), "{err}");
    }
}
