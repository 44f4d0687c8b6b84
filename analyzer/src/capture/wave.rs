//! Waveform captures (logic analyzers) as channel sources: transitions → UART → chunks.
//!
//! Each waveform format (`sr`, `sal`, `saleae_bin`, `raw_csv`, `vcd`) only has to implement
//! [`EdgeSource`]: the level transitions of its digital channels, in time order. This module
//! does the rest, the same way for every format:
//!
//! 1. settles the UART settings of each channel: command line ([`UartOverrides`]) over what the
//!    file says ([`UartHints`], e.g. a Saleae analyzer) over auto-detection, which reads the
//!    start of the capture a first time ([`PREPASS_SAMPLES`]) for pulse widths and idle levels;
//! 2. runs one [`UartDecoder`] per channel and merges their events in time order (an event is
//!    released once no channel can still report an earlier one);
//! 3. turns events into [`ChannelChunk`]s: one byte per chunk at the start bit's time; a parity
//!    or framing error is a condition chunk just before its byte; a break is a condition.
//!
//! # Differences from sigrok's output, on purpose
//!
//! A run of false starts (start bits read high: a line toggling at power-up, noise) becomes a
//! single [`Condition::Glitch`] chunk, not one "Frame error" per falling edge; the decoder's own
//! events ([`crate::uart`]) keep sigrok's behaviour exactly.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use super::assign::find_channel;
use super::{CaptureError, ChannelChunk, ChannelInfo, ChannelItem, ChannelSource, ImportOptions, UartOverrides};
use crate::chunk::{Body, Condition};
use crate::uart::autodetect::{PulseStats, MAX_PULSES};
use crate::uart::{Parity, UartConfig, UartDecoder, UartEvent};

/// How many samples auto-detection reads at most before decoding starts.
pub const PREPASS_SAMPLES: u64 = 1 << 26;

/// One level transition: channel `channel` is at `level` from sample `sample` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// First sample at the new level.
    pub sample: u64,
    /// Index into the source's channels.
    pub channel: u32,
    /// The new raw level.
    pub level: bool,
}

/// What [`EdgeSource::fill`] says about the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// Every transition before this sample has been delivered.
    Upto(u64),
    /// The capture ends at this sample (exclusive); nothing more follows.
    End(u64),
}

/// The transitions of a waveform capture's digital channels.
pub trait EdgeSource: Send {
    /// The digital channels.
    fn channels(&self) -> &[ChannelInfo];
    /// Samples (ticks) per second.
    fn rate(&self) -> f64;
    /// Nanoseconds of sample 0 on the capture's time axis.
    fn t0_ns(&self) -> i64 {
        0
    }
    /// Raw level of each channel at sample 0.
    fn initial_levels(&self) -> &[bool];
    /// Appends the next transitions (in time order) to `out`.
    fn fill(&mut self, out: &mut Vec<Edge>) -> Result<Fill, CaptureError>;
    /// Bytes of input read so far and in all, for a progress bar.
    fn progress(&self) -> (u64, u64) {
        (0, 0)
    }
    /// Whether opening the capture again to look ahead is cheap and harmless (a file); a live
    /// capture is not, so it is only read once and only what the user configured is used.
    fn rereadable(&self) -> bool {
        true
    }
}

/// UART settings a capture file carries for one channel (all optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UartHints {
    /// Bits per second.
    pub baud: Option<u32>,
    /// 5..=9.
    pub data_bits: Option<u8>,
    /// Parity.
    pub parity: Option<Parity>,
    /// Stop bits in halves.
    pub stop_half_bits: Option<u8>,
    /// Line inverted.
    pub invert: Option<bool>,
    /// MSB first.
    pub msb_first: Option<bool>,
}

/// Per-channel decoding state.
struct Lane {
    dec: UartDecoder,
    /// The previous event was a false start (coalesce runs of them).
    in_false_starts: bool,
    /// Glitch filter: a transition not yet passed on, and the count of filtered pulses.
    held: Option<Edge>,
    glitches: u64,
}

/// A waveform capture decoded to channel chunks.
pub struct WaveSource {
    path: PathBuf,
    src: Box<dyn EdgeSource>,
    format: &'static str,
    channels: Vec<ChannelInfo>,
    lanes: Vec<Lane>,
    rate: f64,
    t0_ns: i64,
    glitch: u64,
    edges: Vec<Edge>,
    ready: VecDeque<ChannelItem>,
    done: bool,
    notes: Vec<String>,
    warnings: Vec<String>,
    configs: Vec<UartConfig>,
    mismatches: Vec<super::BaudMismatch>,
}

/// A configured rate this far from the measured one is reported as a mismatch.
const BAUD_MISMATCH: f64 = 0.08;

impl WaveSource {
    /// Builds the source. `open` opens the capture afresh (called twice when auto-detection
    /// must look ahead); `hints` has one entry per channel (or is empty).
    pub fn new(
        path: &Path,
        format: &'static str,
        open: &dyn Fn() -> Result<Box<dyn EdgeSource>, CaptureError>,
        hints: &[UartHints],
        opts: &ImportOptions,
        mut notes: Vec<String>,
    ) -> Result<WaveSource, CaptureError> {
        let (overrides, host, modem) = (&opts.uart, opts.host.as_deref(), opts.modem.as_deref());
        let src = open()?;
        let channels = src.channels().to_vec();
        let rate = src.rate();
        let unusable = |why: String| CaptureError::Unusable { path: path.to_path_buf(), why };
        if channels.is_empty() {
            return Err(unusable("the capture has no digital channels".into()));
        }
        if channels.len() > super::MAX_CHANNELS {
            return Err(unusable(format!(
                "{} digital channels: atscope decodes at most {}",
                channels.len(),
                super::MAX_CHANNELS
            )));
        }
        if !(rate.is_finite() && rate > 0.0) {
            return Err(unusable(format!("sample rate {rate} Hz is not usable")));
        }
        let invert = inversions(&channels, overrides, host, modem).map_err(unusable)?;
        let parity = match overrides.parity.as_deref() {
            Some(p) => Some(Parity::parse(p).ok_or_else(|| unusable(format!("parity {p:?}: use none, even or odd")))?),
            None => None,
        };
        if let Some(d) = overrides.data_bits.filter(|d| !(5..=9).contains(d)) {
            return Err(unusable(format!("{d} data bits: use 5 to 9")));
        }
        if let Some(s) = overrides.stop_half_bits.filter(|s| !(2..=4).contains(s)) {
            return Err(unusable(format!("{} stop bits: use 1, 1.5 or 2", f64::from(s) / 2.0)));
        }
        let hint = |i: usize| hints.get(i).cloned().unwrap_or_default();
        let mut bauds: Vec<Option<u32>> = (0..channels.len())
            .map(|i| if overrides.auto_baud { None } else { overrides.baud.or(hint(i).baud) })
            .collect();
        let mut inv: Vec<Option<bool>> = (0..channels.len()).map(|i| invert[i].or(hint(i).invert)).collect();

        // Auto-detection: read the start of the capture once for pulse widths and idle levels. A
        // configured rate is measured too, so that a wrong one is reported, not silently used.
        let configured = bauds.clone();
        // A rate of 0 Bd: from the capture's own settings, or measured on pulses far too slow.
        let no_baud = |i: usize| {
            let from = if configured[i].is_some() {
                "the capture's own analyzer settings say so".to_string()
            } else {
                format!(
                    "measured from its pulses at {rate} samples per second: too slow for a UART, or not a UART line"
                )
            };
            unusable(format!(
                "channel {:?}: no usable baud rate (0 Bd: {from}); give the rate with --baud",
                channels[i].name
            ))
        };
        let mut mismatches = Vec::new();
        if src.rereadable() || bauds.iter().any(Option::is_none) || inv.iter().any(Option::is_none) {
            let mut pre = open()?;
            let levels0 = pre.initial_levels().to_vec();
            let mut stats: Vec<PulseStats> = levels0.iter().map(|&l| PulseStats::new(rate, 0, l)).collect();
            let mut kept: Vec<Vec<(u64, bool)>> = vec![Vec::new(); channels.len()];
            let mut buf = Vec::new();
            let end = loop {
                buf.clear();
                let fill = pre.fill(&mut buf)?;
                for e in &buf {
                    let ch = e.channel as usize;
                    stats[ch].edge(e.sample, e.level);
                    if kept[ch].len() <= MAX_PULSES {
                        kept[ch].push((e.sample, e.level));
                    }
                }
                match fill {
                    Fill::End(end) => break end,
                    Fill::Upto(pos) if pos >= PREPASS_SAMPLES || stats.iter().all(PulseStats::enough) => break pos,
                    Fill::Upto(_) => {}
                }
            };
            for s in &mut stats {
                s.finish(end);
            }
            let secs = end as f64 / rate;
            let estimates: Vec<_> = stats.iter().map(PulseStats::estimate_baud).collect();
            // A channel too quiet to measure takes the rate of the busiest measured one.
            let fallback = estimates.iter().flatten().max_by_key(|e| e.pulses).map(|e| e.baud);
            for i in 0..channels.len() {
                if let (Some(want), Some(e)) = (configured[i], &estimates[i]) {
                    if (e.measured - f64::from(want)).abs() > f64::from(want) * BAUD_MISMATCH {
                        notes.push(format!(
                            "channel {:?}: decoded at {want} Bd, but its pulses measure {:.0} Bd ({} pulses)",
                            channels[i].name, e.measured, e.pulses
                        ));
                        mismatches.push(super::BaudMismatch {
                            channel: i,
                            configured: want,
                            measured: e.measured,
                            suggested: e.baud,
                        });
                    }
                }
                if bauds[i].is_some() {
                    continue;
                }
                let name = &channels[i].name;
                bauds[i] = Some(match (&estimates[i], fallback) {
                    (Some(e), _) => {
                        let how = if e.snapped { "snapped to the standard rate" } else { "no standard rate near it" };
                        notes.push(format!(
                            "channel {name:?}: baud auto-detected: {} (measured {:.0} from {} pulses in the first {secs:.3} s, {how})",
                            e.baud, e.measured, e.pulses
                        ));
                        e.baud
                    }
                    (None, Some(b)) => {
                        notes.push(format!(
                            "channel {name:?}: too few pulses to measure its baud in the first {secs:.3} s; using {b} like the other channels"
                        ));
                        b
                    }
                    (None, _) => {
                        notes.push(format!(
                            "channel {name:?}: no pulses to measure a baud rate in the first {secs:.3} s; assuming 115200 (use --baud)"
                        ));
                        115_200
                    }
                });
            }
            if let Some(i) = bauds.iter().position(|b| *b == Some(0)) {
                return Err(no_baud(i));
            }
            for i in 0..channels.len() {
                if inv[i].is_some() {
                    continue;
                }
                // A line that starts low is a candidate for inversion (or a device powering up):
                // decode the look-ahead both ways and invert only if that gives fewer errors.
                let invert = !levels0[i] && {
                    let mut cfg = UartConfig {
                        baud: f64::from(bauds[i].unwrap_or(115_200)),
                        data_bits: overrides.data_bits.or(hint(i).data_bits).unwrap_or(8),
                        parity: parity.or(hint(i).parity).unwrap_or_default(),
                        stop_half_bits: overrides.stop_half_bits.or(hint(i).stop_half_bits).unwrap_or(2),
                        invert: false,
                        msb_first: false,
                    };
                    let normal = polarity_score(&kept[i], levels0[i], &cfg, rate, end);
                    cfg.invert = true;
                    polarity_score(&kept[i], levels0[i], &cfg, rate, end) > normal
                };
                if invert {
                    notes.push(format!(
                        "channel {:?}: decodes as an inverted line (idles low); --invert-host/--invert-modem to force",
                        channels[i].name
                    ));
                }
                inv[i] = Some(invert);
            }
        }

        if let Some(i) = bauds.iter().position(|b| *b == Some(0)) {
            return Err(no_baud(i));
        }
        let levels0 = src.initial_levels().to_vec();
        let mut lanes = Vec::with_capacity(channels.len());
        let mut configs = Vec::with_capacity(channels.len());
        for i in 0..channels.len() {
            let h = hint(i);
            let cfg = UartConfig {
                baud: f64::from(bauds[i].unwrap_or(115_200)),
                data_bits: overrides.data_bits.or(h.data_bits).unwrap_or(8),
                parity: parity.or(h.parity).unwrap_or_default(),
                stop_half_bits: overrides.stop_half_bits.or(h.stop_half_bits).unwrap_or(2),
                invert: inv[i].unwrap_or(false),
                msb_first: overrides.msb_first || h.msb_first.unwrap_or(false),
            };
            if !(5..=9).contains(&cfg.data_bits) || !(2..=4).contains(&cfg.stop_half_bits) {
                return Err(unusable(format!(
                    "channel {:?}: the capture's UART settings ({} data bits, {} stop bits) are not usable; give --data-bits (5 to 9) and --stop-bits (1, 1.5 or 2)",
                    channels[i].name,
                    cfg.data_bits,
                    f64::from(cfg.stop_half_bits) / 2.0
                )));
            }
            let w = rate / cfg.baud;
            if w < 1.0 {
                return Err(unusable(format!(
                    "channel {:?}: {} Bd is faster than the capture's {} samples per second; check --baud",
                    channels[i].name, cfg.baud, rate
                )));
            }
            if w < 4.0 {
                notes.push(format!(
                    "channel {:?}: only {w:.1} samples per bit at {} Bd: expect sampling errors",
                    channels[i].name, cfg.baud
                ));
            }
            let l0 = levels0.get(i).copied().unwrap_or(true);
            lanes.push(Lane {
                dec: UartDecoder::new(cfg.clone(), rate, l0),
                in_false_starts: false,
                held: None,
                glitches: 0,
            });
            configs.push(cfg);
        }
        let summary: Vec<String> =
            channels.iter().zip(&configs).map(|(c, cfg)| format!("{:?} {}", c.name, cfg.summary())).collect();
        notes.push(format!("UART settings: {}", summary.join(", ")));
        let glitch = overrides.glitch_ns.map(|ns| (ns as f64 * rate / 1e9).round() as u64).unwrap_or(0);
        Ok(WaveSource {
            path: path.to_path_buf(),
            t0_ns: src.t0_ns(),
            src,
            format,
            channels,
            lanes,
            rate,
            glitch,
            edges: Vec::with_capacity(1 << 16),
            ready: VecDeque::new(),
            done: false,
            notes,
            warnings: Vec::new(),
            configs,
            mismatches,
        })
    }

    /// The UART settings used per channel.
    pub fn configs(&self) -> &[UartConfig] {
        &self.configs
    }

    fn ns(&self, sample: u64) -> i64 {
        let r = self.rate;
        let ns = if r.fract() == 0.0 && r <= 1e15 {
            let r = r as u128;
            i64::try_from((u128::from(sample) * 1_000_000_000 + r / 2) / r).unwrap_or(i64::MAX)
        } else {
            (sample as f64 * 1e9 / r).round() as i64
        };
        self.t0_ns.saturating_add(ns)
    }

    /// Passes transitions to the decoders (through the glitch filter) up to `pos`.
    fn dispatch(&mut self, pos: u64, end: bool) {
        let g = self.glitch;
        for e in self.edges.drain(..) {
            let lane = &mut self.lanes[e.channel as usize];
            if g == 0 {
                lane.dec.edge(e.sample, e.level);
                continue;
            }
            match lane.held.take() {
                Some(h) if e.sample.saturating_sub(h.sample) < g => lane.glitches += 1, // both dropped
                Some(h) => {
                    lane.dec.edge(h.sample, h.level);
                    lane.held = Some(e);
                }
                None => lane.held = Some(e),
            }
        }
        for lane in &mut self.lanes {
            if let Some(h) = lane.held {
                if end || pos >= h.sample.saturating_add(g) {
                    lane.dec.edge(h.sample, h.level);
                    lane.held = None;
                }
            }
            let upto = lane.held.map_or(pos, |h| h.sample.min(pos));
            if end {
                lane.dec.finish(pos);
            } else {
                lane.dec.advance(upto);
            }
        }
    }

    /// Moves every event that starts before the horizon into `ready`, in time order.
    fn release(&mut self, all: bool) {
        let horizon = if all { u64::MAX } else { self.lanes.iter().map(|l| l.dec.horizon()).min().unwrap_or(u64::MAX) };
        loop {
            let next = self
                .lanes
                .iter()
                .enumerate()
                .filter_map(|(i, l)| l.dec.peek_start().filter(|&s| s < horizon).map(|s| (s, i)))
                .min();
            let Some((_, i)) = next else { break };
            let Some(ev) = self.lanes[i].dec.next_event() else {
                break;
            };
            self.emit(i, ev);
        }
    }

    fn emit(&mut self, ch: usize, ev: UartEvent) {
        let lane = &mut self.lanes[ch];
        let false_start = matches!(ev, UartEvent::FalseStart { .. });
        let first_false_start = false_start && !lane.in_false_starts;
        lane.in_false_starts = false_start;
        let chunk = |t_ns: i64, body: Body| ChannelItem::Chunk(ChannelChunk { t_ns, channel: ch, body });
        match ev {
            UartEvent::Word(w) => {
                let t = self.ns(w.start);
                if w.parity_error() {
                    self.ready.push_back(chunk(t, Body::Condition(Condition::Parity)));
                }
                if w.framing_error() {
                    self.ready.push_back(chunk(t, Body::Condition(Condition::Framing)));
                }
                self.ready.push_back(chunk(t, Body::Bytes(vec![w.value as u8])));
            }
            UartEvent::FalseStart { start, .. } => {
                if first_false_start {
                    let t = self.ns(start);
                    self.ready.push_back(chunk(t, Body::Condition(Condition::Glitch)));
                }
            }
            UartEvent::Break { start, .. } => {
                let t = self.ns(start);
                self.ready.push_back(chunk(t, Body::Condition(Condition::Break)));
            }
        }
    }

    fn pump(&mut self) -> Result<(), CaptureError> {
        while self.ready.is_empty() && !self.done {
            self.edges.clear();
            match self.src.fill(&mut self.edges)? {
                Fill::Upto(pos) => {
                    self.dispatch(pos, false);
                    self.release(false);
                }
                Fill::End(end) => {
                    self.dispatch(end, true);
                    self.release(true);
                    self.done = true;
                    for (lane, c) in self.lanes.iter().zip(&self.channels) {
                        if lane.glitches > 0 {
                            self.warnings.push(format!(
                                "{}: channel {:?}: {} pulses shorter than the glitch filter were ignored",
                                self.path.display(),
                                c.name,
                                lane.glitches
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Valid words minus twice the errors, decoding `edges` with `cfg`.
fn polarity_score(edges: &[(u64, bool)], level0: bool, cfg: &UartConfig, rate: f64, end: u64) -> i64 {
    let mut dec = UartDecoder::new(cfg.clone(), rate, level0);
    for &(s, l) in edges {
        dec.edge(s, l);
    }
    let last = edges.last().map_or(end, |e| e.0);
    dec.finish(end.min(last.saturating_add(1)));
    let mut score = 0i64;
    while let Some(ev) = dec.next_event() {
        score += match ev {
            UartEvent::Word(w) if !w.framing_error() && !w.parity_error() => 1,
            UartEvent::Word(_) | UartEvent::FalseStart { .. } => -2,
            UartEvent::Break { .. } => 0,
        };
    }
    score
}

/// Which channels `--invert`, `--invert-host`, `--invert-modem` name (`None` = not said).
fn inversions(
    channels: &[ChannelInfo],
    o: &UartOverrides,
    host: Option<&str>,
    modem: Option<&str>,
) -> Result<Vec<Option<bool>>, String> {
    let mut inv = vec![None; channels.len()];
    if o.invert_host && o.invert_modem {
        return Ok(vec![Some(true); channels.len()]);
    }
    for (flag, on, sel, names) in [
        ("--invert-host", o.invert_host, host, ["host", "dte", "mcu"].as_slice()),
        ("--invert-modem", o.invert_modem, modem, ["modem", "dce", "slm"].as_slice()),
    ] {
        if !on {
            continue;
        }
        let found = match sel {
            Some(s) => find_channel(channels, s),
            None => channels.iter().position(|c| names.iter().any(|n| c.name.eq_ignore_ascii_case(n))),
        };
        let Some(i) = found else {
            return Err(format!(
                "{flag}: cannot tell which channel that is; say it with --{} NAME|INDEX",
                if flag.ends_with("host") { "host" } else { "modem" }
            ));
        };
        inv[i] = Some(true);
    }
    Ok(inv)
}

impl Iterator for WaveSource {
    type Item = Result<ChannelItem, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Err(e) = self.pump() {
            self.done = true;
            self.ready.clear();
            return Some(Err(e));
        }
        self.ready.pop_front().map(Ok)
    }
}

impl ChannelSource for WaveSource {
    fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
    fn format_name(&self) -> &'static str {
        self.format
    }
    fn notes(&mut self) -> Vec<String> {
        std::mem::take(&mut self.notes)
    }
    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
    fn progress(&self) -> Option<(u64, u64)> {
        Some(self.src.progress())
    }
    fn uart_baud(&self, channel: usize) -> Option<u32> {
        self.configs.get(channel).map(|c| c.baud.round() as u32)
    }
    fn baud_mismatches(&self) -> Vec<super::BaudMismatch> {
        self.mismatches.clone()
    }
}
