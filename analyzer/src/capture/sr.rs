//! sigrok session files (`.sr`, "srzip", versions 1 and 2) as transitions of their logic channels.
//!
//! Reads `version`, `metadata` (a lenient INI parser: `key=value` or `key = value`, leading
//! spaces), then streams the logic members (`logic-1` or `logic-1-1`, `logic-1-2`, … in numeric
//! order) through inflate, never holding more than a buffer. Any `unitsize` works (the first 8
//! bytes of a sample, i.e. 64 channels, are read); samples split across members are joined.
//! Probe names may hold spaces and `/`. Analog channels are ignored with a note; a session with
//! analog channels only is an error. See `docs/capture-formats.md` §3.
//!
//! It does not decode UART: [`super::wave`] does, on the [`EdgeSource`] this module provides.

use std::io::Read;
use std::path::Path;

use super::packed::PackedScanner;
use super::wave::{Edge, EdgeSource, Fill, WaveSource};
use super::zipread::{read_full, Archive, Member};
use super::{CaptureError, ChannelInfo, ImportOptions};

/// Bytes inflated per read.
const BUF_BYTES: usize = 1 << 18;

/// The largest sample atscope reads (bytes); only the first 8 (64 channels) hold probes it
/// decodes, and a sample must fit the read buffer many times over.
const MAX_UNITSIZE: usize = 4096;

/// At most the first 40 characters of a value from the file, for a message.
fn excerpt(s: &str) -> String {
    super::excerpt(s, 40)
}

/// What a session's `version` and `metadata` say.
#[derive(Debug, Clone)]
pub struct SrInfo {
    /// Format version (1 or 2).
    pub version: u32,
    /// Samples per second.
    pub rate: f64,
    /// Bytes per sample.
    pub unitsize: usize,
    /// Enabled logic channels with data.
    pub channels: Vec<ChannelInfo>,
    /// Bit of each channel within a sample.
    pub bits: Vec<u32>,
    /// Logic members in order.
    pub members: Vec<Member>,
    /// Things the user should know.
    pub notes: Vec<String>,
}

/// Parses a sigrok sample rate: `625 kHz`, `1 MHz`, `31.5 kHz`, `2000000`, `1MHz`.
pub fn parse_samplerate(s: &str) -> Option<f64> {
    let s = s.trim();
    let s = s.strip_suffix("Hz").or_else(|| s.strip_suffix("hz")).unwrap_or(s).trim_end();
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1e3),
        'M' => (&s[..s.len() - 1], 1e6),
        'G' => (&s[..s.len() - 1], 1e9),
        _ => (s, 1.0),
    };
    let v: f64 = num.trim().parse().ok()?;
    let r = (v * mult).round();
    (r.is_finite() && r > 0.0).then_some(r)
}

/// Parses INI text leniently into (section, key, value) triples.
pub fn parse_ini(text: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            out.push((section.clone(), k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// Reads and checks a session's description.
pub fn read_info(path: &Path) -> Result<(Archive, SrInfo), CaptureError> {
    let ar = Archive::open(path)?;
    let version =
        ar.read_small("version", 64)?.ok_or_else(|| ar.error("no \"version\" member: not a sigrok session".into()))?;
    let version_text = String::from_utf8_lossy(&version);
    let version: u32 = version_text
        .trim()
        .parse()
        .map_err(|_| ar.error(format!("sigrok session version {:?} is not a number", excerpt(version_text.trim()))))?;
    if !(1..=2).contains(&version) {
        return Err(ar.error(format!("sigrok session version {version} is not supported (1 and 2 are)")));
    }
    let meta = ar.read_small("metadata", 1 << 20)?.ok_or_else(|| ar.error("no \"metadata\" member".into()))?;
    let ini = parse_ini(&String::from_utf8_lossy(&meta));
    let get = |key: &str| ini.iter().find(|(s, k, _)| s == "device 1" && k == key).map(|(_, _, v)| v.as_str());
    let mut notes = Vec::new();
    let analog: Vec<&str> = ini
        .iter()
        .filter(|(s, k, _)| s == "device 1" && k.starts_with("analog") && k[6..].parse::<u32>().is_ok())
        .map(|(_, _, v)| v.as_str())
        .collect();
    let Some(capturefile) = get("capturefile") else {
        let n = analog.len().max(get("total analog").and_then(|v| v.parse().ok()).unwrap_or(0));
        return Err(ar.error(if n > 0 {
            format!("analog-only sigrok session ({n} analog channels, no logic channel): atscope decodes UART from logic channels only")
        } else {
            "the session has no logic data (no \"capturefile\" in its metadata)".into()
        }));
    };
    if !analog.is_empty() {
        notes.push(format!("analog channels ignored: {}", analog.join(", ")));
    }
    let rate_text = get("samplerate").ok_or_else(|| ar.error("metadata has no samplerate".into()))?;
    let rate = parse_samplerate(rate_text)
        .ok_or_else(|| ar.error(format!("samplerate {:?} is not understood", excerpt(rate_text))))?;
    let unitsize: usize = match get("unitsize") {
        Some(u) => {
            let u: usize = u
                .parse()
                .ok()
                .filter(|&u| u >= 1)
                .ok_or_else(|| ar.error(format!("unitsize {:?} is not usable", excerpt(u))))?;
            if u > MAX_UNITSIZE {
                return Err(ar.error(format!(
                    "unitsize {u} (bytes per sample) is larger than atscope reads ({MAX_UNITSIZE}); sigrok devices use 1 to 8"
                )));
            }
            u
        }
        None => 1,
    };
    let mut probes: Vec<(u32, String)> = ini
        .iter()
        .filter(|(s, _, _)| s == "device 1")
        .filter_map(|(_, k, v)| Some((k.strip_prefix("probe")?.parse::<u32>().ok()?, v.clone())))
        .filter(|(n, _)| *n >= 1)
        .collect();
    probes.sort();
    let usable_bits = (unitsize.min(8) * 8) as u32;
    let mut channels = Vec::new();
    let mut bits = Vec::new();
    let mut without_data = Vec::new();
    for (n, name) in probes {
        if n - 1 < usable_bits {
            channels.push(ChannelInfo { index: channels.len(), name });
            bits.push(n - 1);
        } else {
            without_data.push(name);
        }
    }
    if !without_data.is_empty() {
        notes.push(format!(
            "{} probes without data (beyond unitsize {unitsize}): {}",
            without_data.len(),
            excerpt(&without_data.join(", "))
        ));
    }
    if channels.is_empty() {
        return Err(ar.error("the session lists no enabled logic probe".into()));
    }
    // `logic-1` alone (version 1) or `logic-1-1`, `logic-1-2`, … read until one is missing.
    let mut members = Vec::new();
    if let Some(m) = ar.member(capturefile) {
        members.push(m.clone());
    }
    let mut k = 1;
    while let Some(m) = ar.member(&format!("{capturefile}-{k}")) {
        members.push(m.clone());
        k += 1;
    }
    let more = ar.members().iter().filter(|m| m.name.starts_with(&format!("{capturefile}-"))).count();
    if more > k - 1 {
        notes.push(format!("{} logic chunks after a missing {capturefile}-{k} were not read", more - (k - 1)));
    }
    Ok((ar, SrInfo { version, rate, unitsize, channels, bits, members, notes }))
}

/// Opens a `.sr` file as a decoded channel source.
pub fn open(path: &Path, opts: &ImportOptions) -> Result<WaveSource, CaptureError> {
    let (_, info) = read_info(path)?;
    let notes = info.notes.clone();
    let opener = || -> Result<Box<dyn EdgeSource>, CaptureError> { Ok(Box::new(SrEdges::open(path, &info)?)) };
    WaveSource::new(path, "sigrok session (.sr)", &opener, &[], opts, notes)
}

/// The transitions of a session's logic channels.
pub struct SrEdges {
    ar: Archive,
    info: SrInfo,
    next_member: usize,
    reader: Option<Box<dyn Read + Send>>,
    buf: Vec<u8>,
    /// Valid bytes in `buf` not scanned yet: `buf[start..len]`.
    start: usize,
    len: usize,
    /// Bytes of a sample cut by a member boundary.
    carry: Vec<u8>,
    scanner: PackedScanner,
    levels0: Vec<bool>,
    read_bytes: u64,
    total_bytes: u64,
}

impl SrEdges {
    /// Opens the logic stream and reads the first sample.
    pub fn open(path: &Path, info: &SrInfo) -> Result<SrEdges, CaptureError> {
        let ar = Archive::open(path)?;
        let total_bytes = info.members.iter().map(|m| m.size).sum();
        let mut s = SrEdges {
            ar,
            info: info.clone(),
            next_member: 0,
            reader: None,
            buf: vec![0; BUF_BYTES],
            start: 0,
            len: 0,
            carry: Vec::new(),
            scanner: PackedScanner::new(info.unitsize, &info.bits),
            levels0: vec![true; info.channels.len()],
            read_bytes: 0,
            total_bytes,
        };
        if s.refill()? && s.len >= s.info.unitsize {
            s.levels0 = s.scanner.start(&s.buf[..s.info.unitsize], &info.bits);
        }
        Ok(s)
    }

    /// Reads the next buffer (across members). `false` at the end of the data.
    fn refill(&mut self) -> Result<bool, CaptureError> {
        loop {
            if self.reader.is_none() {
                let Some(m) = self.info.members.get(self.next_member) else {
                    return Ok(false);
                };
                self.reader = Some(self.ar.reader(m)?);
                self.next_member += 1;
            }
            let name = &self.info.members[self.next_member - 1].name;
            let r = self.reader.as_mut().expect("set above");
            // Keep a cut sample's head in front of the new bytes.
            let keep = self.carry.len();
            self.buf[..keep].copy_from_slice(&self.carry);
            self.carry.clear();
            let n = read_full(r.as_mut(), &mut self.buf[keep..]).map_err(|e| {
                self.ar.error(format!("logic member {name:?} cannot be inflated (truncated or damaged?): {e}"))
            })?;
            self.read_bytes += n as u64;
            if n == 0 {
                self.reader = None;
                self.carry.extend_from_slice(&self.buf[..keep]);
                continue;
            }
            let total = keep + n;
            let whole = total - total % self.info.unitsize;
            self.carry.extend_from_slice(&self.buf[whole..total]);
            self.start = 0;
            self.len = whole;
            if whole > 0 {
                return Ok(true);
            }
        }
    }

    fn scan(&mut self, out: &mut Vec<Edge>) {
        self.scanner.scan(&self.buf[self.start..self.len], out);
        self.start = self.len;
    }
}

impl EdgeSource for SrEdges {
    fn channels(&self) -> &[ChannelInfo] {
        &self.info.channels
    }
    fn rate(&self) -> f64 {
        self.info.rate
    }
    fn initial_levels(&self) -> &[bool] {
        &self.levels0
    }
    fn fill(&mut self, out: &mut Vec<Edge>) -> Result<Fill, CaptureError> {
        if self.start >= self.len && !self.refill()? {
            return Ok(Fill::End(self.scanner.pos()));
        }
        self.scan(out);
        Ok(Fill::Upto(self.scanner.pos()))
    }
    fn progress(&self) -> (u64, u64) {
        (self.read_bytes, self.total_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_rates_are_read_with_their_prefixes() {
        assert_eq!(parse_samplerate("625 kHz"), Some(625_000.0));
        assert_eq!(parse_samplerate("1 MHz"), Some(1_000_000.0));
        assert_eq!(parse_samplerate("31.5 kHz"), Some(31_500.0));
        assert_eq!(parse_samplerate("2000000"), Some(2_000_000.0));
        assert_eq!(parse_samplerate("4MHz"), Some(4_000_000.0));
        assert_eq!(parse_samplerate("fast"), None);
        assert_eq!(parse_samplerate(""), None);
    }

    #[test]
    fn old_metadata_with_spaces_is_read() {
        let ini = parse_ini("[device 1]\ndriver = chronovu-la8\n trigger1 = 0\nprobe1 = Recv PAN1321/FTDI TX\n");
        assert!(ini.contains(&("device 1".into(), "probe1".into(), "Recv PAN1321/FTDI TX".into())));
        assert!(ini.contains(&("device 1".into(), "trigger1".into(), "0".into())));
    }
}
