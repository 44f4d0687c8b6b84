//! Saleae binary exports of digital channels (`digital_N.bin`, versions 0 and 1).
//!
//! One file per channel (`docs/capture-formats.md` §1.4): a folder of them, or several files,
//! make one capture. Transition times are seconds (f64) on the capture's time axis; they are
//! turned into nanosecond ticks from the earliest `begin_time` (version 0 stores no sample
//! rate). Version 1 chunks ("gaps") restate their initial level; a change across a gap is a
//! transition at the chunk's start. Analog exports and files from inside a `.sal` are refused
//! with the reason.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::wave::{Edge, EdgeSource, Fill, WaveSource};
use super::zipread::read_full;
use super::{CaptureError, ChannelInfo, ImportOptions};

/// The `digital_N.bin` files of a folder, in channel order.
pub fn detect_folder(path: &Path) -> Result<Vec<PathBuf>, CaptureError> {
    let mut found: Vec<(u32, PathBuf)> = Vec::new();
    for e in std::fs::read_dir(path).map_err(|e| CaptureError::io(path, e))? {
        let p = e.map_err(|e| CaptureError::io(path, e))?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(n) = name.strip_prefix("digital_").and_then(|n| n.strip_suffix(".bin")).and_then(|n| n.parse().ok())
        {
            found.push((n, p));
        }
    }
    found.sort();
    if found.is_empty() {
        return Err(CaptureError::Unusable {
            path: path.to_path_buf(),
            why: "is a folder without Saleae digital_N.bin exports; give a capture file".into(),
        });
    }
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

fn channel_name(p: &Path, i: usize) -> String {
    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    match stem.strip_prefix("digital_").and_then(|n| n.parse::<u32>().ok()) {
        Some(n) => format!("Channel {n}"),
        None => format!("{stem} ({i})"),
    }
}

/// Opens one or more binary exports (files or a folder) as a decoded channel source.
pub fn open(paths: &[PathBuf], opts: &ImportOptions) -> Result<WaveSource, CaptureError> {
    let files: Vec<PathBuf> =
        if paths.len() == 1 && paths[0].is_dir() { detect_folder(&paths[0])? } else { paths.to_vec() };
    // Headers first: the earliest begin time is tick 0.
    let mut t_min = f64::INFINITY;
    for p in &files {
        t_min = t_min.min(BinChannel::open(p, 0.0)?.begin);
    }
    let t_min = if t_min.is_finite() { t_min } else { 0.0 };
    let names: Vec<ChannelInfo> =
        files.iter().enumerate().map(|(i, p)| ChannelInfo { index: i, name: channel_name(p, i) }).collect();
    let opener = || -> Result<Box<dyn EdgeSource>, CaptureError> {
        let chans = files.iter().map(|p| BinChannel::open(p, t_min)).collect::<Result<Vec<_>, _>>()?;
        Ok(Box::new(BinEdges::new(chans, names.clone(), t_min)))
    };
    let path = paths.first().cloned().unwrap_or_default();
    WaveSource::new(&path, "Saleae binary export (digital)", &opener, &[], opts, Vec::new())
}

/// One exported channel, read transition by transition.
struct BinChannel {
    path: PathBuf,
    r: BufReader<File>,
    version: i32,
    /// Time of the first chunk's start, seconds.
    begin: f64,
    t0: f64,
    level: bool,
    level0: bool,
    chunks_left: u64,
    left_in_chunk: u64,
    end: u64,
    next: Option<(u64, bool)>,
    /// The tick of the transition read last (transitions must not go back in time).
    last_tick: u64,
}

impl BinChannel {
    fn bad(&self, why: String) -> CaptureError {
        CaptureError::Unusable { path: self.path.clone(), why }
    }

    fn read<const N: usize>(&mut self, what: &str) -> Result<[u8; N], CaptureError> {
        let mut b = [0u8; N];
        let n = read_full(&mut self.r, &mut b).map_err(|e| CaptureError::io(&self.path, e))?;
        if n < N {
            return Err(self.bad(format!("ends inside {what} (truncated file)")));
        }
        Ok(b)
    }

    fn f64(&mut self, what: &str) -> Result<f64, CaptureError> {
        let v = f64::from_le_bytes(self.read::<8>(what)?);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(self.bad(format!("{what} is not a finite number")))
        }
    }

    fn u64(&mut self, what: &str) -> Result<u64, CaptureError> {
        Ok(u64::from_le_bytes(self.read::<8>(what)?))
    }

    fn tick(&self, t: f64) -> u64 {
        ((t - self.t0) * 1e9).round().max(0.0) as u64
    }

    fn open(path: &Path, t0: f64) -> Result<BinChannel, CaptureError> {
        let f = File::open(path).map_err(|e| CaptureError::io(path, e))?;
        let mut c = BinChannel {
            path: path.to_path_buf(),
            r: BufReader::with_capacity(1 << 16, f),
            version: 0,
            begin: 0.0,
            t0,
            level: false,
            level0: false,
            chunks_left: 0,
            left_in_chunk: 0,
            end: 0,
            next: None,
            last_tick: 0,
        };
        let h = c.read::<16>("the header")?;
        if &h[..8] != b"<SALEAE>" {
            return Err(c.bad("not a Saleae binary export (no <SALEAE> header)".into()));
        }
        let version = i32::from_le_bytes(h[8..12].try_into().expect("4 bytes"));
        let kind = i32::from_le_bytes(h[12..16].try_into().expect("4 bytes"));
        match (version, kind) {
            (0 | 1, 0) => {}
            (0 | 1, 1) => {
                return Err(
                    c.bad("an analog binary export; atscope decodes UART from digital channels (export those)".into())
                )
            }
            (_, 100 | 101) => {
                return Err(c.bad("a channel file from inside a Logic 2 .sal capture; import the .sal itself".into()))
            }
            _ => {
                return Err(c.bad(format!(
                "Saleae binary export version {version}, type {kind} is not supported (digital versions 0 and 1 are)"
            )))
            }
        }
        c.version = version;
        if version == 0 {
            c.level = u32::from_le_bytes(c.read::<4>("the header")?) != 0;
            c.begin = c.f64("begin_time")?;
            let end = c.f64("end_time")?;
            c.end = c.tick(end);
            c.left_in_chunk = c.u64("num_transitions")?;
            c.chunks_left = 0;
        } else {
            c.chunks_left = c.u64("chunk_count")?;
            c.begin = f64::INFINITY;
            if c.chunks_left > 0 {
                c.start_chunk(true)?;
            }
        }
        c.level0 = c.level;
        c.advance()?;
        Ok(c)
    }

    /// Reads a version-1 chunk head; a level change across a gap is a transition.
    fn start_chunk(&mut self, first: bool) -> Result<(), CaptureError> {
        self.chunks_left -= 1;
        let level = u32::from_le_bytes(self.read::<4>("a chunk header")?) != 0;
        let _rate = self.f64("a chunk's sample rate")?;
        let begin = self.f64("a chunk's begin_time")?;
        let end = self.f64("a chunk's end_time")?;
        self.left_in_chunk = self.u64("a chunk's num_transitions")?;
        if first {
            self.begin = begin;
            self.level = level;
        } else if level != self.level {
            self.level = level;
            let tick = self.tick(begin);
            if tick < self.last_tick {
                return Err(
                    self.bad(format!("a chunk begins before the previous one ends (at {begin:.3e} s; damaged file?)"))
                );
            }
            self.last_tick = tick;
            self.next = Some((tick, level));
        }
        self.end = self.tick(end);
        Ok(())
    }

    /// Loads the next transition into `next` (`None` at the end).
    fn advance(&mut self) -> Result<(), CaptureError> {
        loop {
            if self.left_in_chunk > 0 {
                self.left_in_chunk -= 1;
                let t = self.f64("a transition time")?;
                self.level = !self.level;
                let tick = self.tick(t);
                if tick < self.last_tick {
                    return Err(self.bad(format!("transition times go backwards (at {t:.3e} s; damaged file?)")));
                }
                self.last_tick = tick;
                self.next = Some((tick, self.level));
                return Ok(());
            }
            if self.version == 1 && self.chunks_left > 0 {
                self.start_chunk(false)?;
                if self.next.is_some() {
                    return Ok(());
                }
                continue;
            }
            self.next = None;
            return Ok(());
        }
    }
}

/// Several exported channels merged in time order.
struct BinEdges {
    chans: Vec<BinChannel>,
    channels: Vec<ChannelInfo>,
    levels0: Vec<bool>,
    t0_ns: i64,
    pending: Vec<Option<(u64, bool)>>,
}

impl BinEdges {
    fn new(mut chans: Vec<BinChannel>, channels: Vec<ChannelInfo>, t0: f64) -> BinEdges {
        let levels0 = chans.iter().map(|c| c.level0).collect();
        let pending = chans.iter_mut().map(|c| c.next.take()).collect();
        BinEdges { chans, channels, levels0, t0_ns: (t0 * 1e9).round() as i64, pending }
    }
}

impl EdgeSource for BinEdges {
    fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
    fn rate(&self) -> f64 {
        1e9
    }
    fn t0_ns(&self) -> i64 {
        self.t0_ns
    }
    fn initial_levels(&self) -> &[bool] {
        &self.levels0
    }
    fn fill(&mut self, out: &mut Vec<Edge>) -> Result<Fill, CaptureError> {
        for _ in 0..4096 {
            let next = self.pending.iter().enumerate().filter_map(|(i, p)| p.map(|(s, _)| (s, i))).min();
            let Some((_, i)) = next else {
                return Ok(Fill::End(self.chans.iter().map(|c| c.end).max().unwrap_or(0)));
            };
            let (sample, level) = self.pending[i].take().expect("chosen above");
            out.push(Edge { sample, channel: i as u32, level });
            self.chans[i].advance()?;
            self.pending[i] = self.chans[i].next.take();
        }
        let upto = self.pending.iter().filter_map(|p| p.map(|(s, _)| s)).min().unwrap_or(u64::MAX);
        Ok(Fill::Upto(upto))
    }
}
