//! Streaming framers, one per direction. Push bytes in; pull framed units out.
//!
//! * [`HostFramer`]: command lines. The terminator (learned from the traffic by default, or CR LF,
//!   CR, or LF) counts only outside double quotes, and the quote state flips on every `"` (no escapes), so multi-line PEM
//!   content inside `"…"` stays one command. Backspace (0x08) and DEL (0x7F) remove the previous
//!   character. A line longer than [`MAX_HOST_LINE`] is cut and marked as an overflow, as the SLM
//!   does.
//! * [`ModemFramer`]: `\r\n`-framed lines with blank lines skipped (their bytes stay in the next
//!   unit's `raw`, which trailers need), plus two modes the timeline switches on: a payload of
//!   exactly `n` raw bytes (announced by a header such as `#XRECV: n`) and data mode (raw bytes,
//!   out of which only `\r\n#X…\r\n` SLM lines are cut).
//!
//! Framers only cut; they do not interpret. Every byte pushed comes out in exactly one unit,
//! whatever the chunk boundaries were.

use std::collections::VecDeque;

/// The SLM's command buffer size (`CONFIG_SLM_AT_MAX_CMD_LEN`): longer lines get `ERROR`.
pub const MAX_HOST_LINE: usize = 4096;
/// Longest modem line kept whole; longer text is cut into pieces of this size.
pub const MAX_MODEM_LINE: usize = 8192;
/// Longest `#X…` line looked for inside data-mode bytes.
const MAX_DATAMODE_LINE: usize = 256;
/// A reboot's `Ready` in data mode comes after the line was quiet at least this long (a
/// reboot takes far longer); payload bytes of one burst follow each other closely.
const REBOOT_QUIET_NS: i64 = 5_000_000;
/// Line-glitch bytes looked for in front of a `Ready`.
const MAX_GLITCH: usize = 16;
const READY: &[u8] = b"Ready\r\n";

/// What ends a host command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Terminator {
    /// Learned from the traffic: a CR ends a line and an LF right after it is dropped, which is
    /// what both the SLM's CR LF build and the Serial Modem's CR build do with `AT\r\n` and
    /// `AT\r`; an LF ends lines only when the first line ended with a bare LF (an LF build).
    /// An LF inside a line of a CR link stays in the line, as the Serial Modem keeps it.
    #[default]
    Auto,
    /// CR then LF (`CONFIG_SLM_CR_LF_TERMINATION`, the SLM default).
    CrLf,
    /// CR alone (the Serial Modem successor's default).
    Cr,
    /// LF alone.
    Lf,
}

/// Byte runs with the time each arrived, in order.
pub type TimedRuns = Vec<(i64, Vec<u8>)>;

/// Bytes with the time each arrived, consumed from the front.
#[derive(Debug, Default)]
struct TimedBuf {
    data: Vec<u8>,
    /// Consumed bytes at the front of `data`.
    head: usize,
    /// (index into `data`, time) where each pushed chunk starts.
    segs: VecDeque<(usize, i64)>,
}

impl TimedBuf {
    fn push(&mut self, t: i64, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if self.head > 0 && self.head * 2 >= self.data.len() {
            self.data.drain(..self.head);
            for s in self.segs.iter_mut() {
                s.0 = s.0.saturating_sub(self.head);
            }
            self.head = 0;
        }
        self.segs.push_back((self.data.len(), t));
        self.data.extend_from_slice(bytes);
    }

    fn avail(&self) -> &[u8] {
        &self.data[self.head..]
    }

    /// Puts bytes taken earlier back in front, all at time `t`.
    fn unread(&mut self, t: i64, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let mut data = Vec::with_capacity(bytes.len() + self.data.len() - self.head);
        data.extend_from_slice(bytes);
        data.extend_from_slice(&self.data[self.head..]);
        let mut segs = VecDeque::with_capacity(self.segs.len() + 1);
        segs.push_back((0, t));
        for &(i, st) in &self.segs {
            if i + bytes.len() > self.head {
                segs.push_back(((i + bytes.len()).saturating_sub(self.head).max(bytes.len()), st));
            }
        }
        self.data = data;
        self.head = 0;
        self.segs = segs;
    }

    /// Takes every byte still buffered, as (time, bytes) runs in arrival order.
    fn take_all(&mut self) -> TimedRuns {
        let n = self.data.len();
        let mut out = Vec::new();
        for (k, &(i, t)) in self.segs.iter().enumerate() {
            let end = self.segs.get(k + 1).map_or(n, |s| s.0);
            let start = i.max(self.head);
            if start < end {
                out.push((t, self.data[start..end].to_vec()));
            }
        }
        self.data.clear();
        self.segs.clear();
        self.head = 0;
        out
    }

    fn time_at(&self, rel: usize) -> i64 {
        let abs = self.head + rel;
        let i = self.segs.partition_point(|s| s.0 <= abs);
        self.segs.get(i.saturating_sub(1)).map(|s| s.1).unwrap_or(0)
    }

    /// Takes `n` bytes: (bytes, time of the first, time of the last).
    fn take(&mut self, n: usize) -> (Vec<u8>, i64, i64) {
        let t0 = self.time_at(0);
        let t1 = self.time_at(n.saturating_sub(1));
        let out = self.data[self.head..self.head + n].to_vec();
        self.head += n;
        while self.segs.len() > 1 && self.segs[1].0 <= self.head {
            self.segs.pop_front();
        }
        if self.head == self.data.len() {
            self.data.clear();
            self.head = 0;
            self.segs.clear();
        }
        (out, t0, t1)
    }
}

/// A host command line, terminator removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLine {
    /// Time of the first byte.
    pub t0: i64,
    /// Time of the terminator (or of the last byte of an overflowed line).
    pub t1: i64,
    /// The line after backspace editing.
    pub text: Vec<u8>,
    /// The line reached [`MAX_HOST_LINE`] without a terminator.
    pub overflow: bool,
}

/// How the host's lines have ended so far (for [`Terminator::Auto`]: what was learned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TerminatorSeen {
    /// The terminator in effect: the configured one, or the one learned from the first line
    /// (`None` until a line ended in `Auto` mode).
    pub effective: Option<Terminator>,
    /// Lines ended by a CR that had an LF right after it (CR LF on a link that ends at CR).
    pub cr_then_lf: u32,
    /// Lines ended by a CR alone.
    pub cr_alone: u32,
}

/// Cuts the host's byte stream into command lines.
#[derive(Debug, Default)]
pub struct HostFramer {
    term: Terminator,
    line: Vec<u8>,
    t0: Option<i64>,
    in_quotes: bool,
    prev_cr: bool,
    seen: TerminatorSeen,
    /// The last line ended at a CR and no byte has come since (an LF now completes CR LF).
    after_cr_end: bool,
}

impl HostFramer {
    /// A framer for the given terminator.
    pub fn new(term: Terminator) -> Self {
        let effective = (term != Terminator::Auto).then_some(term);
        HostFramer { term, seen: TerminatorSeen { effective, ..Default::default() }, ..Default::default() }
    }

    /// How lines have ended so far.
    pub fn terminator_seen(&self) -> TerminatorSeen {
        self.seen
    }

    /// Whether `b` ends the line now (outside quotes).
    fn ends_line(&mut self, b: u8) -> bool {
        match self.seen.effective {
            Some(Terminator::CrLf) => b == b'\n' && self.prev_cr,
            Some(Terminator::Lf) => b == b'\n',
            Some(_) => b == b'\r',
            // Auto, nothing learned yet: the first CR, or an LF ending a non-empty line.
            None => {
                let learned = match b {
                    b'\r' => Terminator::Cr,
                    b'\n' if !self.line.is_empty() => Terminator::Lf,
                    _ => return false,
                };
                self.seen.effective = Some(learned);
                true
            }
        }
    }

    /// Bytes waiting for their terminator.
    pub fn pending(&self) -> &[u8] {
        &self.line
    }

    /// Whether a line has started.
    pub fn is_mid_line(&self) -> bool {
        self.t0.is_some()
    }

    /// Takes the unterminated bytes (e.g. when data mode starts).
    pub fn take_pending(&mut self) -> Option<HostLine> {
        let t0 = self.t0.take()?;
        self.in_quotes = false;
        self.prev_cr = false;
        self.after_cr_end = false;
        Some(HostLine { t0, t1: t0, text: std::mem::take(&mut self.line), overflow: false })
    }

    /// The line just completed, in a buffer of its own size; the framer keeps its buffer for
    /// the next line (no buffer grown again for every line).
    fn take_line(&mut self) -> Vec<u8> {
        let text = self.line.clone();
        self.line.clear();
        text
    }

    /// Feeds bytes at time `t` up to the end of the first line they complete: that line (if any)
    /// and how many bytes were consumed. Runs of plain bytes are copied whole.
    pub fn push_until_line(&mut self, t: i64, bytes: &[u8]) -> (Option<HostLine>, usize) {
        let mut i = 0;
        while i < bytes.len() {
            // The byte that reaches the limit goes through `push_byte`, which cuts the line.
            let room = MAX_HOST_LINE.saturating_sub(self.line.len() + 1);
            let run =
                bytes[i..].iter().take(room).take_while(|&&b| !matches!(b, b'"' | b'\r' | b'\n' | 0x08 | 0x7F)).count();
            if run > 0 {
                self.t0.get_or_insert(t);
                self.line.extend_from_slice(&bytes[i..i + run]);
                self.prev_cr = false;
                self.after_cr_end = false;
                i += run;
                continue;
            }
            let b = bytes[i];
            i += 1;
            if let Some(l) = self.push_byte(t, b) {
                return (Some(l), i);
            }
        }
        (None, i)
    }

    /// Feeds one byte at time `t`; returns a line when it completes.
    pub fn push_byte(&mut self, t: i64, b: u8) -> Option<HostLine> {
        if std::mem::take(&mut self.after_cr_end) && b == b'\n' {
            // The LF of CR LF on a link whose lines end at the CR: nothing was buffered, dropped.
            self.seen.cr_then_lf += 1;
            self.seen.cr_alone -= 1;
            self.prev_cr = false;
            return None;
        }
        if b == b'\n'
            && self.t0.is_none()
            && self.term == Terminator::Auto
            && self.seen.effective != Some(Terminator::Lf)
        {
            return None; // an LF with nothing buffered ends nothing on a CR link
        }
        let t0 = *self.t0.get_or_insert(t);
        let is_term = !self.in_quotes && self.ends_line(b);
        self.prev_cr = b == b'\r';
        if is_term {
            match self.seen.effective {
                Some(Terminator::CrLf) => {
                    self.line.pop(); // the CR stored before the LF
                }
                Some(Terminator::Cr) if self.term == Terminator::Auto => {
                    self.seen.cr_alone += 1;
                    self.after_cr_end = true;
                }
                _ => {}
            }
            self.t0 = None;
            self.in_quotes = false;
            return Some(HostLine { t0, t1: t, text: self.take_line(), overflow: false });
        }
        match b {
            0x08 | 0x7F => {
                if let Some(c) = self.line.pop() {
                    if c == b'"' {
                        self.in_quotes = !self.in_quotes;
                    }
                }
            }
            _ => {
                if b == b'"' {
                    self.in_quotes = !self.in_quotes;
                }
                self.line.push(b);
            }
        }
        if self.line.len() >= MAX_HOST_LINE {
            self.t0 = None;
            self.in_quotes = false;
            self.prev_cr = false;
            return Some(HostLine { t0, t1: t, text: self.take_line(), overflow: true });
        }
        None
    }
}

/// A unit cut from the modem's byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModemUnit {
    /// A line: `raw` is every byte consumed for it, blank lines before it and its terminator
    /// included; the line itself, without CR/LF, is `raw[lead..end]` ([`ModemUnit::text`]).
    /// One buffer, so that a line is copied out of the framer once.
    Line {
        /// Time of the first byte of the line.
        t0: i64,
        /// Time of the terminator.
        t1: i64,
        /// All bytes consumed.
        raw: Vec<u8>,
        /// Blank-line bytes at the start of `raw` (where the line starts).
        lead: usize,
        /// Where the line ends in `raw` (its terminator follows).
        end: usize,
    },
    /// Raw bytes: an announced payload, or data-mode bytes.
    Bytes {
        /// Time of the first byte.
        t0: i64,
        /// Time of the last byte.
        t1: i64,
        /// The bytes.
        bytes: Vec<u8>,
    },
}

impl ModemUnit {
    /// A line's text, without CR/LF (`None` for raw bytes).
    pub fn text(&self) -> Option<&[u8]> {
        match self {
            ModemUnit::Line { raw, lead, end, .. } => Some(&raw[*lead..*end]),
            ModemUnit::Bytes { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ModemMode {
    Lines,
    Payload(usize),
    Data,
}

/// Cuts the modem's byte stream into lines, payloads and data-mode bytes.
#[derive(Debug)]
pub struct ModemFramer {
    buf: TimedBuf,
    mode: ModemMode,
    /// Time of the last data-mode byte handed out (for the quiet gap before a reboot's `Ready`).
    last_data_t: Option<i64>,
    /// Bytes already scanned for a line end (so a long line is not rescanned per chunk).
    scanned: usize,
}

impl Default for ModemFramer {
    fn default() -> Self {
        ModemFramer { buf: TimedBuf::default(), mode: ModemMode::Lines, last_data_t: None, scanned: 0 }
    }
}

impl ModemFramer {
    /// Appends bytes received at `t`.
    pub fn push(&mut self, t: i64, bytes: &[u8]) {
        self.buf.push(t, bytes);
    }

    /// The next `n` bytes are a payload (after a header such as `#XRECV: n`).
    pub fn expect_payload(&mut self, n: usize) {
        self.mode = if n == 0 { ModemMode::Lines } else { ModemMode::Payload(n) };
        self.scanned = 0;
    }

    /// Whether a payload is being waited for.
    pub fn in_payload(&self) -> bool {
        matches!(self.mode, ModemMode::Payload(_))
    }

    /// The next `n` buffered bytes, if that many are buffered.
    pub fn peek(&self, n: usize) -> Option<&[u8]> {
        self.buf.avail().get(..n)
    }

    /// Puts a unit's bytes back in front of the buffer (the timeline learnt it was cut in the
    /// wrong mode).
    pub fn unread(&mut self, t: i64, bytes: &[u8]) {
        self.buf.unread(t, bytes);
        self.scanned = 0;
    }

    /// Drops `n` buffered bytes (at most what is buffered).
    pub fn skip(&mut self, n: usize) {
        let n = n.min(self.buf.avail().len());
        if n > 0 {
            self.buf.take(n);
        }
    }

    /// Data mode on or off.
    pub fn set_data_mode(&mut self, on: bool) {
        self.mode = if on { ModemMode::Data } else { ModemMode::Lines };
        self.last_data_t = None;
        self.scanned = 0;
    }

    /// Whether data mode is on.
    pub fn in_data_mode(&self) -> bool {
        self.mode == ModemMode::Data
    }

    /// Bytes not yet cut into a unit.
    pub fn pending(&self) -> usize {
        self.buf.avail().len()
    }

    /// The next complete unit, if the buffered bytes hold one.
    pub fn next_unit(&mut self) -> Option<ModemUnit> {
        match self.mode {
            ModemMode::Payload(n) => {
                // A payload comes out whole (announced sizes are bounded by the caller).
                if self.buf.avail().len() < n {
                    return None;
                }
                let (bytes, t0, t1) = self.buf.take(n);
                self.mode = ModemMode::Lines;
                Some(ModemUnit::Bytes { t0, t1, bytes })
            }
            ModemMode::Lines => self.next_line(),
            ModemMode::Data => self.next_data(),
        }
    }

    /// Takes every byte not yet cut into a unit, as (time, bytes) runs: the link stopped
    /// carrying lines (CMUX started after the `OK` before them).
    pub fn take_rest(&mut self) -> TimedRuns {
        self.scanned = 0;
        self.mode = ModemMode::Lines;
        self.buf.take_all()
    }

    /// Everything still buffered, as a final unit (end of capture).
    pub fn flush(&mut self) -> Option<ModemUnit> {
        let n = self.buf.avail().len();
        if n == 0 {
            return None;
        }
        if self.mode == ModemMode::Lines {
            let avail = self.buf.avail();
            let lead = avail.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
            if lead == n {
                self.buf.take(n);
                return None;
            }
            let t0 = self.buf.time_at(lead);
            let (raw, _, t1) = self.buf.take(n);
            self.scanned = 0;
            return Some(ModemUnit::Line { t0, t1, raw, lead, end: n });
        }
        let (bytes, t0, t1) = self.buf.take(n);
        Some(ModemUnit::Bytes { t0, t1, bytes })
    }

    fn next_line(&mut self) -> Option<ModemUnit> {
        let avail = self.buf.avail();
        let lead = avail.iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
        let start = self.scanned.max(lead);
        let quoted_line = avail[lead..].starts_with(b"%CMNG:");
        let end = if quoted_line {
            // `%CMNG` read output carries PEM content with CR LF inside quotes.
            let mut q = false;
            let mut found = None;
            for (i, &b) in avail.iter().enumerate().skip(lead) {
                if b == b'"' {
                    q = !q;
                } else if b == b'\n' && !q {
                    found = Some(i);
                    break;
                }
            }
            found
        } else {
            avail[start..].iter().position(|&b| b == b'\n').map(|p| p + start)
        };
        let Some(end) = end else {
            if avail.len() - lead >= MAX_MODEM_LINE {
                let t0 = self.buf.time_at(lead);
                let end = lead + MAX_MODEM_LINE;
                let (raw, _, t1) = self.buf.take(end);
                self.scanned = 0;
                return Some(ModemUnit::Line { t0, t1, raw, lead, end });
            }
            self.scanned = avail.len();
            return None;
        };
        self.scanned = 0;
        let t0 = self.buf.time_at(lead);
        let (raw, _, t1) = self.buf.take(end + 1);
        let mut end = raw.len() - 1;
        if end > lead && raw[end - 1] == b'\r' {
            end -= 1;
        }
        Some(ModemUnit::Line { t0, t1, raw, lead, end })
    }

    fn next_data(&mut self) -> Option<ModemUnit> {
        let u = self.cut_data()?;
        let (ModemUnit::Bytes { t1, .. } | ModemUnit::Line { t1, .. }) = &u;
        self.last_data_t = Some(*t1);
        Some(u)
    }

    /// Where a reboot's `Ready` (with its glitch bytes) starts in data-mode bytes: a `Ready\r\n`
    /// preceded by nothing but glitch bytes after a quiet line. `Ready` inside a burst of
    /// payload (a server's `Welcome\r\nReady\r\n`) is payload.
    fn reboot_in_data(&self, avail: &[u8]) -> Option<usize> {
        let mut from = 0;
        while let Some(p) = find(&avail[from..], READY).map(|p| p + from) {
            let g = p - avail[..p].iter().rev().take(MAX_GLITCH).take_while(|&&b| is_glitch(b)).count();
            let before = if g == 0 { self.last_data_t } else { Some(self.buf.time_at(g - 1)) };
            if before.is_none_or(|t| self.buf.time_at(g) - t >= REBOOT_QUIET_NS) {
                return Some(g);
            }
            from = p + 1;
        }
        None
    }

    fn cut_data(&mut self) -> Option<ModemUnit> {
        let avail = self.buf.avail();
        if avail.is_empty() {
            return None;
        }
        const MARK: &[u8] = b"\r\n#X";
        let mark = find(avail, MARK);
        let reboot = self.reboot_in_data(avail);
        if let Some(g) = reboot.filter(|&g| mark.is_none_or(|m| g < m)) {
            if g > 0 {
                let (bytes, t0, t1) = self.buf.take(g);
                return Some(ModemUnit::Bytes { t0, t1, bytes });
            }
            let n = self.buf.avail().iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
            let t0 = self.buf.time_at(0);
            let (raw, _, t1) = self.buf.take(n);
            return Some(ModemUnit::Line { t0, t1, raw, lead: 0, end: n - 2 });
        }
        match mark {
            Some(0) => {
                let body = &avail[2..];
                match body.windows(2).position(|w| w == b"\r\n") {
                    Some(p) => {
                        let t0 = self.buf.time_at(2);
                        let (raw, _, t1) = self.buf.take(2 + p + 2);
                        Some(ModemUnit::Line { t0, t1, raw, lead: 2, end: 2 + p })
                    }
                    None if body.len() > MAX_DATAMODE_LINE => {
                        let (bytes, t0, t1) = self.buf.take(1);
                        Some(ModemUnit::Bytes { t0, t1, bytes })
                    }
                    None => None,
                }
            }
            Some(p) => {
                let (bytes, t0, t1) = self.buf.take(p);
                Some(ModemUnit::Bytes { t0, t1, bytes })
            }
            None => {
                // Keep back a tail that could still become "\r\n#X" or a reboot's "Ready\r\n".
                let partial = |pat: &[u8]| (1..pat.len()).rev().find(|&k| avail.ends_with(&pat[..k])).unwrap_or(0);
                let mut keep = partial(MARK);
                let ready = partial(READY);
                if ready > 0 {
                    let head = avail.len() - ready;
                    let glitch = avail[..head].iter().rev().take(MAX_GLITCH).take_while(|&&b| is_glitch(b)).count();
                    keep = keep.max(ready + glitch);
                } else {
                    // Glitch bytes at the very end may precede a Ready still to come.
                    keep = keep.max(avail.iter().rev().take(MAX_GLITCH).take_while(|&&b| is_glitch(b)).count());
                }
                let n = avail.len() - keep;
                if n == 0 {
                    return None;
                }
                let (bytes, t0, t1) = self.buf.take(n);
                Some(ModemUnit::Bytes { t0, t1, bytes })
            }
        }
    }
}

/// A byte a UART line glitch produces (not printable text, not a line end).
fn is_glitch(b: u8) -> bool {
    !(b.is_ascii_graphic() || b == b' ' || b == b'\r' || b == b'\n' || b == b'\t')
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests;
