//! The UART decoder: level transitions of one line in, words and line conditions out.
//!
//! Pure and push-fed: no I/O, no clock. Time is counted in *samples* (ticks of the capture's
//! sample clock, any rate); a caller feeds the transitions of one line in time order with
//! [`UartDecoder::edge`], tells how far the capture is known with [`UartDecoder::advance`], and
//! drains [`UartEvent`]s. Because only transitions are fed, a line that sits idle for a billion
//! samples costs nothing, and a line that sits low (a device powering up) cannot stall the
//! decoder: it waits for the next falling edge.
//!
//! # Sampling rule (the output contract)
//!
//! The decoder reproduces libsigrokdecode's `uart` decoder (0.5.3) sample for sample, so that
//! its output can be checked against `sigrok-cli` (see `docs/capture-formats.md` §5.1):
//!
//! * bit width `w = rate / baud` (a real number); an idle decoder waits for a falling edge,
//!   `F` = the first sample at the low level;
//! * bit `k` (0 = start, 1..=n data, then parity, then the first stop bit) is read at sample
//!   `ceil(F + (w − 1)/2 + k·w)`;
//! * a start bit read high is a *false start* (sigrok's "Frame error" on the start bit): no word,
//!   wait for the next falling edge after that sample;
//! * only the first stop bit is checked; a low one flags the word with a framing error, the word
//!   is still reported;
//! * a low period of at least one frame (`ceil(frame bits · w)` samples) is a break, reported
//!   when the line rises, spanning from the start of the last frame to the rise;
//! * a falling edge at exactly the sample where the previous frame's last bit was read does not
//!   start a new frame (sigrok was not waiting for an edge at that sample).
//!
//! Word spans are sigrok's: from the first data bit's sample point minus `floor(w/2)` to the
//! last data bit's sample point plus `ceil(w/2)`.
//!
//! # What it does not do
//!
//! It does not guess settings: [`autodetect`] estimates the baud rate and the idle level from
//! pulse widths, separately, so that callers can choose when to look ahead. It does not know
//! about host and modem, files or nanoseconds.

pub mod autodetect;

use std::collections::VecDeque;

/// Parity bit setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Parity {
    /// No parity bit.
    #[default]
    None,
    /// The number of ones in data + parity is even.
    Even,
    /// The number of ones in data + parity is odd.
    Odd,
}

impl Parity {
    /// Parses `none`, `even` or `odd` (case-insensitive; also `n`, `e`, `o`).
    pub fn parse(s: &str) -> Option<Parity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "n" => Some(Parity::None),
            "even" | "e" => Some(Parity::Even),
            "odd" | "o" => Some(Parity::Odd),
            _ => None,
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Parity::None => "none",
            Parity::Even => "even",
            Parity::Odd => "odd",
        }
    }
}

/// How one line is framed.
#[derive(Debug, Clone, PartialEq)]
pub struct UartConfig {
    /// Bits per second.
    pub baud: f64,
    /// 5..=9 data bits.
    pub data_bits: u8,
    /// Parity bit.
    pub parity: Parity,
    /// Stop bits in halves: 2 = 1, 3 = 1.5, 4 = 2.
    pub stop_half_bits: u8,
    /// The line idles low (mark = low): swap levels before decoding.
    pub invert: bool,
    /// Data bits arrive most significant first.
    pub msb_first: bool,
}

impl Default for UartConfig {
    fn default() -> Self {
        UartConfig {
            baud: 115_200.0,
            data_bits: 8,
            parity: Parity::None,
            stop_half_bits: 2,
            invert: false,
            msb_first: false,
        }
    }
}

impl UartConfig {
    /// `8N1`-style summary, e.g. `115200 8N1`, `9600 7E2 inverted`.
    pub fn summary(&self) -> String {
        let p = match self.parity {
            Parity::None => 'N',
            Parity::Even => 'E',
            Parity::Odd => 'O',
        };
        let stop = match self.stop_half_bits {
            3 => "1.5".to_string(),
            h => (h / 2).to_string(),
        };
        let mut s = format!("{} {}{}{}", self.baud.round() as u64, self.data_bits, p, stop);
        if self.msb_first {
            s.push_str(" MSB-first");
        }
        if self.invert {
            s.push_str(" inverted");
        }
        s
    }

    /// Bits in one frame: start + data + parity + stop.
    pub fn frame_bits(&self) -> f64 {
        1.0 + f64::from(self.data_bits)
            + if self.parity == Parity::None { 0.0 } else { 1.0 }
            + f64::from(self.stop_half_bits) / 2.0
    }
}

/// One decoded word and how its frame looked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The data bits (5..=9 of them), in the configured bit order.
    pub value: u16,
    /// First sample of the start bit (the falling edge).
    pub start: u64,
    /// sigrok's data span: first data sample point − floor(w/2) .. last + ceil(w/2).
    pub span: (u64, u64),
    /// The parity bit's sample point and whether it matched; `None` without parity.
    pub parity: Option<(u64, bool)>,
    /// The first stop bit's sample point and whether it was high; `None` if the capture ended
    /// before it.
    pub stop: Option<(u64, bool)>,
}

impl Word {
    /// The parity bit did not match.
    pub fn parity_error(&self) -> bool {
        matches!(self.parity, Some((_, false)))
    }

    /// The stop bit was low.
    pub fn framing_error(&self) -> bool {
        matches!(self.stop, Some((_, false)))
    }
}

/// What the decoder reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UartEvent {
    /// A data word (possibly with a parity or framing error).
    Word(Word),
    /// A falling edge whose start bit was high at its sample point (a glitch, noise, or a line
    /// toggling faster than the baud rate). sigrok reports it as "Frame error".
    FalseStart {
        /// The falling edge.
        start: u64,
        /// The start bit's sample point.
        point: u64,
    },
    /// The line was low for at least a frame.
    Break {
        /// Start of the last frame before the rise (sigrok's span).
        start: u64,
        /// The rising edge.
        end: u64,
    },
}

impl UartEvent {
    /// The sample at which this event starts (events of one line come in this order).
    pub fn start(&self) -> u64 {
        match self {
            UartEvent::Word(w) => w.start,
            UartEvent::FalseStart { start, .. } | UartEvent::Break { start, .. } => *start,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for a falling edge.
    Idle,
    /// Reading the frame that started at `start`; `bit` is the next bit to read.
    Frame { start: u64, bit: u8, value: u16, ones: u8, first_point: u64, parity: Option<(u64, bool)> },
}

/// Decodes one line. See the module docs for the exact rule.
#[derive(Debug, Clone)]
pub struct UartDecoder {
    cfg: UartConfig,
    bit_width: f64,
    half_floor: u64,
    half_ceil: u64,
    frame_len: u64,
    /// Logical level (after inversion): true = mark/idle.
    level: bool,
    /// Every sample point before this has been read.
    pos: u64,
    state: State,
    /// Start of the last frame (sigrok's `frame_start`, used for break spans).
    frame_start: u64,
    /// The falling edge of the current low period.
    break_start: Option<u64>,
    /// The sample point read last (a falling edge there does not start a frame).
    last_point: Option<u64>,
    /// The next sample point of the frame being read (valid in `State::Frame`).
    next_point: u64,
    out: VecDeque<UartEvent>,
}

impl UartDecoder {
    /// A decoder for a line sampled at `rate` Hz whose raw level at sample 0 is `level0`.
    ///
    /// # Panics
    /// If `rate / cfg.baud` is not finite and positive, or data bits are not 5..=9 (API misuse;
    /// callers validate user input first).
    pub fn new(cfg: UartConfig, rate: f64, level0: bool) -> UartDecoder {
        let bit_width = rate / cfg.baud;
        assert!(bit_width.is_finite() && bit_width > 0.0, "bad rate/baud {rate}/{}", cfg.baud);
        assert!((5..=9).contains(&cfg.data_bits), "data bits must be 5..=9");
        let half = bit_width / 2.0;
        let frame_len = (cfg.frame_bits() * bit_width).ceil() as u64;
        let level = level0 != cfg.invert;
        UartDecoder {
            half_floor: half.floor() as u64,
            half_ceil: half.ceil() as u64,
            frame_len,
            bit_width,
            cfg,
            level,
            pos: 0,
            state: State::Idle,
            frame_start: 0,
            break_start: None,
            last_point: None,
            next_point: 0,
            out: VecDeque::new(),
        }
    }

    /// The configuration in use.
    pub fn config(&self) -> &UartConfig {
        &self.cfg
    }

    /// Samples per bit.
    pub fn bit_width(&self) -> f64 {
        self.bit_width
    }

    /// sigrok's span of a message about the bit read at `point`.
    pub fn bit_span(&self, point: u64) -> (u64, u64) {
        (point.saturating_sub(self.half_floor), point.saturating_add(self.half_ceil))
    }

    fn point(&self, start: u64, bit: u8) -> u64 {
        // Same operations, same order, as libsigrokdecode's get_sample_point(), for exact equality.
        let mut p = start as f64 + (self.bit_width - 1.0) / 2.0;
        p += f64::from(bit) * self.bit_width;
        // ceil() without a libm call (exact for the non-negative values met here).
        let t = p.max(0.0) as u64;
        if (t as f64) < p {
            t.saturating_add(1)
        } else {
            t
        }
    }

    /// Index of the (first) stop bit.
    fn stop_bit(&self) -> u8 {
        1 + self.cfg.data_bits + u8::from(self.cfg.parity != Parity::None)
    }

    /// The line changed to raw level `level` at sample `s` (the first sample at the new level).
    /// Transitions must come in time order; a repeated level is ignored.
    pub fn edge(&mut self, s: u64, level: bool) {
        self.read_points_before(s);
        self.pos = self.pos.max(s);
        let level = level != self.cfg.invert;
        if level == self.level {
            return;
        }
        self.level = level;
        if !level {
            // Falling: a start bit, unless a frame is still being read or its last bit was read
            // at this very sample.
            if self.state == State::Idle && self.last_point.is_none_or(|p| s > p) {
                self.frame_start = s;
                self.next_point = self.point(s, 0);
                self.state = State::Frame { start: s, bit: 0, value: 0, ones: 0, first_point: 0, parity: None };
            }
            self.break_start = Some(s);
        } else if let Some(b) = self.break_start.take() {
            if s.saturating_sub(b) >= self.frame_len {
                self.out.push_back(UartEvent::Break { start: self.frame_start, end: s });
                self.state = State::Idle;
            }
        }
    }

    /// Nothing changes before sample `s`: read every sample point before it.
    pub fn advance(&mut self, s: u64) {
        self.read_points_before(s);
        self.pos = self.pos.max(s);
    }

    /// The capture ends at sample `end` (exclusive): read what can be read and report a word
    /// whose data bits are complete even if its stop bit is missing.
    pub fn finish(&mut self, end: u64) {
        self.advance(end);
        if let State::Frame { start, bit, value, first_point, parity, .. } = self.state {
            if bit > self.cfg.data_bits {
                let last = self.point(start, self.cfg.data_bits);
                let word = Word {
                    value: self.order(value),
                    start,
                    span: (first_point.saturating_sub(self.half_floor), last.saturating_add(self.half_ceil)),
                    parity,
                    stop: None,
                };
                self.out.push_back(UartEvent::Word(word));
            }
            self.state = State::Idle;
        }
    }

    /// Every event this decoder will still report starts at or after this sample.
    pub fn horizon(&self) -> u64 {
        match self.state {
            State::Frame { start, .. } => start,
            State::Idle if self.break_start.is_some() => self.frame_start,
            State::Idle => self.pos,
        }
    }

    /// Takes the next decoded event.
    pub fn next_event(&mut self) -> Option<UartEvent> {
        self.out.pop_front()
    }

    /// Takes the next event if it starts before `before`.
    pub fn next_event_before(&mut self, before: u64) -> Option<UartEvent> {
        if self.out.front()?.start() < before {
            self.out.pop_front()
        } else {
            None
        }
    }

    /// The start of the oldest undelivered event, if any.
    pub fn peek_start(&self) -> Option<u64> {
        self.out.front().map(UartEvent::start)
    }

    fn order(&self, v: u16) -> u16 {
        if self.cfg.msb_first {
            let n = u32::from(self.cfg.data_bits);
            v.reverse_bits() >> (16 - n)
        } else {
            v
        }
    }

    fn read_points_before(&mut self, limit: u64) {
        while let State::Frame { start, bit, value, ones, first_point, parity } = self.state {
            let p = self.next_point;
            if p >= limit {
                return;
            }
            let level = self.level;
            self.last_point = Some(p);
            let n = self.cfg.data_bits;
            let next = |value, ones, first_point, parity| State::Frame {
                start,
                bit: bit + 1,
                value,
                ones,
                first_point,
                parity,
            };
            if bit == 0 {
                if level {
                    self.out.push_back(UartEvent::FalseStart { start, point: p });
                    self.state = State::Idle;
                } else {
                    self.state = next(value, ones, first_point, parity);
                }
            } else if bit <= n {
                let value = value | (u16::from(level) << (bit - 1));
                let first_point = if bit == 1 { p } else { first_point };
                self.state = next(value, ones + u8::from(level), first_point, parity);
            } else if bit == n + 1 && self.cfg.parity != Parity::None {
                let total = ones + u8::from(level);
                let ok = match self.cfg.parity {
                    Parity::Even => total % 2 == 0,
                    Parity::Odd => total % 2 == 1,
                    Parity::None => true,
                };
                self.state = next(value, ones, first_point, Some((p, ok)));
            } else {
                debug_assert_eq!(bit, self.stop_bit());
                let last = self.point(start, n);
                let word = Word {
                    value: self.order(value),
                    start,
                    span: (first_point.saturating_sub(self.half_floor), last.saturating_add(self.half_ceil)),
                    parity,
                    stop: Some((p, level)),
                };
                self.out.push_back(UartEvent::Word(word));
                self.state = State::Idle;
            }
            if let State::Frame { start, bit, .. } = self.state {
                self.next_point = self.point(start, bit);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Raw transitions of frames at `w` samples per bit, starting at sample `t`, idle high.
    fn frames(cfg: &UartConfig, words: &[u16], w: f64, mut t: f64, gap: f64) -> Vec<(u64, bool)> {
        let mut edges = Vec::new();
        let mut level = true;
        for &v in words {
            let n = usize::from(cfg.data_bits);
            let mut bits = vec![false];
            let data: Vec<bool> = (0..n).map(|i| v >> i & 1 == 1).collect();
            if cfg.msb_first {
                bits.extend(data.iter().rev());
            } else {
                bits.extend(&data);
            }
            let ones = data.iter().filter(|b| **b).count();
            match cfg.parity {
                Parity::Even => bits.push(ones % 2 == 1),
                Parity::Odd => bits.push(ones % 2 == 0),
                Parity::None => {}
            }
            bits.push(true);
            for (k, &b) in bits.iter().enumerate() {
                if b != level {
                    edges.push(((t + k as f64 * w).round() as u64, b));
                    level = b;
                }
            }
            t += (bits.len() as f64 + gap) * w;
        }
        edges
    }

    fn decode(cfg: &UartConfig, level0: bool, edges: &[(u64, bool)], end: u64) -> Vec<UartEvent> {
        let mut d = UartDecoder::new(cfg.clone(), 1_000_000.0, level0);
        for &(s, l) in edges {
            d.edge(s, l);
        }
        d.finish(end);
        std::iter::from_fn(|| d.next_event()).collect()
    }

    fn words(evs: &[UartEvent]) -> Vec<u16> {
        evs.iter()
            .filter_map(|e| match e {
                UartEvent::Word(w) => Some(w.value),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_framing_setting_round_trips() {
        for (bits, parity, stop, msb) in [
            (8, Parity::None, 2, false),
            (7, Parity::Even, 4, false),
            (5, Parity::Odd, 3, true),
            (9, Parity::Even, 2, true),
        ] {
            let cfg = UartConfig {
                baud: 100_000.0,
                data_bits: bits,
                parity,
                stop_half_bits: stop,
                msb_first: msb,
                invert: false,
            };
            let mask = (1u16 << bits) - 1;
            let sent: Vec<u16> = [0x41u16, 0x1FF, 0x00, 0x155, 0x0F].iter().map(|v| v & mask).collect();
            let evs = decode(&cfg, true, &frames(&cfg, &sent, 10.0, 50.0, 1.5), 10_000);
            assert_eq!(words(&evs), sent, "{}", cfg.summary());
            assert!(evs.iter().all(|e| matches!(e, UartEvent::Word(w) if !w.parity_error() && !w.framing_error())));
        }
    }

    #[test]
    fn a_line_that_sits_low_from_power_up_does_not_stall_the_decoder() {
        let cfg = UartConfig { baud: 100_000.0, ..UartConfig::default() };
        // Low from sample 0 to 5000 (power-up), then "OK" at 6000.
        let mut edges = vec![(5000, true)];
        edges.extend(frames(&cfg, b"OK".map(u16::from).as_slice(), 10.0, 6000.0, 2.0));
        let evs = decode(&cfg, false, &edges, 10_000);
        assert_eq!(words(&evs), vec![0x4F, 0x4B]);
        // No break either: the low period did not start with a falling edge.
        assert!(!evs.iter().any(|e| matches!(e, UartEvent::Break { .. })));
    }

    #[test]
    fn a_long_low_period_is_a_break_after_a_framing_error() {
        let cfg = UartConfig { baud: 100_000.0, ..UartConfig::default() };
        let evs = decode(&cfg, true, &[(100, false), (1000, true)], 2000);
        assert!(matches!(&evs[0], UartEvent::Word(w) if w.value == 0 && w.framing_error()));
        assert_eq!(evs[1], UartEvent::Break { start: 100, end: 1000 });
    }

    #[test]
    fn a_short_spike_is_a_false_start_and_the_next_frame_still_decodes() {
        let cfg = UartConfig { baud: 100_000.0, ..UartConfig::default() };
        let mut edges = vec![(100, false), (102, true)];
        edges.extend(frames(&cfg, &[0x55], 10.0, 300.0, 1.0));
        let evs = decode(&cfg, true, &edges, 2000);
        assert_eq!(evs[0], UartEvent::FalseStart { start: 100, point: 105 });
        assert_eq!(words(&evs), vec![0x55]);
    }

    #[test]
    fn an_inverted_line_decodes_with_invert() {
        let cfg = UartConfig { baud: 100_000.0, ..UartConfig::default() };
        let edges: Vec<(u64, bool)> =
            frames(&cfg, &[0x31, 0x32], 10.0, 100.0, 1.0).into_iter().map(|(s, l)| (s, !l)).collect();
        let inv = UartConfig { invert: true, ..cfg };
        assert_eq!(words(&decode(&inv, false, &edges, 2000)), vec![0x31, 0x32]);
    }

    #[test]
    fn a_parity_error_and_a_low_stop_bit_flag_the_word() {
        let cfg = UartConfig { baud: 100_000.0, parity: Parity::Even, ..UartConfig::default() };
        // 0x01 with parity bit 0 (wrong) and stop bit low, then high.
        let edges = [(100, false), (110, true), (120, false), (210, true)];
        let evs = decode(&cfg, true, &edges, 1000);
        let UartEvent::Word(w) = &evs[0] else { panic!("{evs:?}") };
        assert_eq!(w.value, 0x01);
        assert!(w.parity_error() && w.framing_error());
    }
}
