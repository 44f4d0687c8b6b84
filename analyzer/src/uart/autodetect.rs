//! Baud rate and idle level, estimated from the transitions of one line.
//!
//! Feed a [`PulseStats`] the same transitions a [`super::UartDecoder`] would get (for a
//! look-ahead window), then ask for [`PulseStats::estimate_baud`] and [`PulseStats::idle_high`].
//!
//! * Baud: the shortest pulses that recur (at least 2 % of the pulses, pulses shorter than
//!   [`MIN_PULSE_SAMPLES`] being glitches or a line toggling faster than any UART this decoder
//!   can sample), refined by fitting whole bit counts to all short pulses, then snapped to the
//!   nearest standard rate within [`SNAP_TOLERANCE`].
//! * Idle level: the level the line spent most time at.
//!
//! Pure: no I/O. It does not decode; a wrong guess shows as framing errors downstream.

/// Pulses shorter than this many samples are not used (a UART needs ≥ 4 samples per bit).
pub const MIN_PULSE_SAMPLES: u64 = 4;
/// Relative distance within which a measured rate is snapped to a standard one.
pub const SNAP_TOLERANCE: f64 = 0.03;
/// How many pulses are kept for the estimate.
pub const MAX_PULSES: usize = 4096;

/// Rates a measured baud rate is snapped to.
pub const STANDARD_BAUDS: &[u32] = &[
    110, 300, 600, 1200, 2400, 4800, 9600, 14400, 19200, 28800, 31250, 38400, 56000, 57600, 74880, 76800, 115200,
    128000, 153600, 230400, 250000, 256000, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000, 2000000,
    2500000, 3000000, 3500000, 4000000,
];

/// A baud rate found from pulse widths.
#[derive(Debug, Clone, PartialEq)]
pub struct BaudEstimate {
    /// What the pulses say, bits per second.
    pub measured: f64,
    /// The rate to use: a standard rate if one was near, else the measured rate rounded.
    pub baud: u32,
    /// `baud` is a standard rate the measurement was snapped to.
    pub snapped: bool,
    /// How many pulses the estimate rests on.
    pub pulses: usize,
}

/// Pulse widths and time per level of one line.
#[derive(Debug, Clone)]
pub struct PulseStats {
    rate: f64,
    level: bool,
    last: u64,
    seen_edge: bool,
    widths: Vec<u64>,
    time_high: u64,
    time_low: u64,
}

impl PulseStats {
    /// Starts at sample `start` with raw level `level0`, at `rate` samples per second.
    pub fn new(rate: f64, start: u64, level0: bool) -> PulseStats {
        PulseStats { rate, level: level0, last: start, seen_edge: false, widths: Vec::new(), time_high: 0, time_low: 0 }
    }

    fn account(&mut self, until: u64) {
        let d = until.saturating_sub(self.last);
        if self.level {
            self.time_high = self.time_high.saturating_add(d);
        } else {
            self.time_low = self.time_low.saturating_add(d);
        }
    }

    /// The line changed to `level` at sample `s`.
    pub fn edge(&mut self, s: u64, level: bool) {
        if level == self.level {
            return;
        }
        self.account(s);
        // The first interval started with the capture, not with an edge: not a whole pulse.
        if self.seen_edge && self.widths.len() < MAX_PULSES {
            self.widths.push(s.saturating_sub(self.last));
        }
        self.seen_edge = true;
        self.level = level;
        self.last = s;
    }

    /// The window ends at sample `end`.
    pub fn finish(&mut self, end: u64) {
        self.account(end);
        self.last = end.max(self.last);
    }

    /// Enough pulses were seen for a good estimate.
    pub fn enough(&self) -> bool {
        self.widths.len() >= MAX_PULSES
    }

    /// Number of whole pulses seen.
    pub fn pulses(&self) -> usize {
        self.widths.len()
    }

    /// The level the line sat at longest (`None` if no time was seen).
    pub fn idle_high(&self) -> Option<bool> {
        (self.time_high.saturating_add(self.time_low) > 0).then_some(self.time_high >= self.time_low)
    }

    /// The baud rate, if the pulses say anything.
    pub fn estimate_baud(&self) -> Option<BaudEstimate> {
        let mut w: Vec<u64> = self.widths.iter().copied().filter(|&x| x >= MIN_PULSE_SAMPLES).collect();
        if w.len() < 2 {
            return None;
        }
        w.sort_unstable();
        let need = ((w.len() as f64 * 0.02).ceil() as usize).clamp(2, w.len());
        let mut cluster = None;
        for i in 0..w.len() {
            let hi = w.partition_point(|&x| (x as f64) <= w[i] as f64 * 1.35);
            if hi - i >= need {
                cluster = Some(&w[i..hi]);
                break;
            }
        }
        let cluster = cluster?;
        let w0 = cluster[cluster.len() / 2] as f64;
        // Fit whole bit counts to every pulse of up to 12 bits that is close to a whole count.
        let (mut sum_x, mut sum_k, mut used) = (0.0, 0.0, 0usize);
        for &x in &w {
            let bits = x as f64 / w0;
            let k = bits.round();
            if !(1.0..=12.0).contains(&k) || (bits - k).abs() > 0.25 {
                continue;
            }
            sum_x += x as f64;
            sum_k += k;
            used += 1;
        }
        if used == 0 {
            return None;
        }
        let measured = self.rate / (sum_x / sum_k);
        let nearest = STANDARD_BAUDS
            .iter()
            .copied()
            .min_by(|a, b| (f64::from(*a) - measured).abs().total_cmp(&(f64::from(*b) - measured).abs()))
            .unwrap_or(115_200);
        let snapped = ((f64::from(nearest) - measured) / f64::from(nearest)).abs() <= SNAP_TOLERANCE;
        let baud = if snapped { nearest } else { measured.round() as u32 };
        Some(BaudEstimate { measured, baud, snapped, pulses: used })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Transitions of 8N1 frames at `w` samples per bit, back to back after `gap` idle samples.
    fn frames(bytes: &[u8], w: f64, gap: u64) -> Vec<(u64, bool)> {
        let mut edges = Vec::new();
        let mut t = 100.0;
        let mut level = true;
        for &b in bytes {
            t += gap as f64;
            let bits = std::iter::once(false).chain((0..8).map(|i| b >> i & 1 == 1)).chain(std::iter::once(true));
            for (k, bit) in bits.enumerate() {
                if bit != level {
                    edges.push(((t + k as f64 * w).round() as u64, bit));
                    level = bit;
                }
            }
            t += 10.0 * w;
        }
        edges
    }

    #[test]
    fn the_shortest_recurring_pulse_gives_a_standard_rate() {
        let w = 1_000_000.0 / 115_200.0;
        let mut s = PulseStats::new(1_000_000.0, 0, true);
        for (t, l) in frames(b"AT+CFUN=1\r\nOK\r\n", w, 30) {
            s.edge(t, l);
        }
        s.finish(100_000);
        let e = s.estimate_baud().unwrap();
        assert_eq!(e.baud, 115_200);
        assert!(e.snapped);
        assert_eq!(s.idle_high(), Some(true));
    }

    #[test]
    fn pulses_shorter_than_four_samples_are_ignored() {
        let w = 4_000_000.0 / 9600.0;
        let mut s = PulseStats::new(4_000_000.0, 0, true);
        // A fast square wave first (a line toggling at power-up), then real frames.
        for i in 0..400u64 {
            s.edge(i * 2 + 1, i % 2 == 1);
        }
        for (t, l) in frames(b"Hello World!\r\n", w, 500) {
            s.edge(t + 2000, l);
        }
        assert_eq!(s.estimate_baud().unwrap().baud, 9600);
    }

    #[test]
    fn an_odd_rate_is_reported_as_measured() {
        let w = 1_000_000.0 / 12_345.0;
        let mut s = PulseStats::new(1_000_000.0, 0, true);
        for (t, l) in frames(b"Uu\x55\x55", w, 10) {
            s.edge(t, l);
        }
        let e = s.estimate_baud().unwrap();
        assert!(!e.snapped);
        assert!((e.baud as i64 - 12_345).abs() < 150, "{e:?}");
    }

    #[test]
    fn a_silent_line_has_no_rate_but_an_idle_level() {
        let mut s = PulseStats::new(1e6, 0, false);
        s.finish(1000);
        assert_eq!(s.estimate_baud(), None);
        assert_eq!(s.idle_high(), Some(false));
    }
}
