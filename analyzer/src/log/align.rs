//! Placing the log on the UART's time axis, one segment (boot) at a time, as the UART events
//! go by. Pure: the caller tells it the UART's `Ready`s and commands, and pulls log lines up to
//! each UART event's time.
//!
//! * A segment that starts with a boot is placed by the `Ready` the SLM printed after that boot:
//!   the SLM sends `Ready` and then logs `at_host init done` (`slm_at_host.c`), so that line's
//!   uptime is the `Ready`'s; without it, the segment's first timestamp stands in (less sure).
//!   Boots pair with `Ready`s in order; a log that begins with a boot while the modem answers
//!   before its first `Ready` began before the capture, and that first boot is not paired (host
//!   commands alone do not count: a host often probes with `AT` while the SLM boots).
//! * It is then refined by the log's own mentions of AT traffic: a debug build logs each command
//!   the SLM received as an `RX` hexdump; one that matches a host command line within
//!   [`MENTION_WINDOW_NS`] moves the offset onto that command's end (later lines follow it).
//! * A segment without a boot (the log started mid-run) waits, held, for a mention that matches
//!   a command uniquely, else for the next boot: it is placed so that its last line comes just
//!   before that boot (a fatal error reboots at once). Held lines are bounded by [`HOLD_CAP`].
//! * `--log-offset` forces one offset for every segment (meant for a log of one boot).
//!
//! Memory: the lines of the segment waiting for its `Ready` (from its boot to the `Ready`,
//! a fraction of a second), a bootless segment's lines up to [`HOLD_CAP`], and the commands of
//! the last [`MENTION_WINDOW_NS`]; never the UART's size.

use std::collections::{BTreeMap, VecDeque};

use super::segment::{Item, Start};

/// How far apart a logged `RX` and the host's command may be to match, ns.
pub const MENTION_WINDOW_NS: i64 = 2_000_000_000;
/// The most lines held while a segment waits to be placed.
pub const HOLD_CAP: usize = 65_536;
/// How far into a boot the `at_host init done` line is looked for (uptime, ns).
const INIT_LOOKAHEAD_NS: i64 = 60_000_000_000;

/// How a segment was placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// `--log-offset`.
    Forced,
    /// By its boot and the `Ready` at `ready_ns` on the UART; `init_line`: the `Ready` was matched
    /// to the `at_host init done` line (else the segment's first timestamp stood in).
    Boot {
        /// The `Ready`'s time on the UART axis.
        ready_ns: i64,
        /// The uptime the `Ready` was matched to.
        ready_uptime_ns: i64,
        /// Matched to `at_host init done`.
        init_line: bool,
    },
    /// A bootless segment, by a logged command that matched a host command uniquely.
    Mention {
        /// The command line.
        command: String,
    },
    /// A bootless segment, by the next segment's boot (assumed to follow its last line at once).
    NextBoot,
    /// Nothing placed it: uptime 0 is taken as the capture's start.
    Unaligned,
}

/// How one segment was placed, given when its last line has gone out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The segment.
    pub segment: u32,
    /// How it began, if with a boot.
    pub start: Option<Start>,
    /// How it was placed.
    pub how: How,
    /// UART time = uptime + offset (the first placement), ns.
    pub offset_ns: i64,
    /// Its first and last line on the UART axis, ns.
    pub span: (i64, i64),
    /// Lines in it.
    pub lines: u64,
    /// Logged commands that matched host commands (each refined the offset).
    pub mentions: u32,
    /// The largest correction a mention made, ns.
    pub max_correction_ns: i64,
}

#[derive(Debug, Clone)]
struct Placement {
    offset: i64,
    how: How,
}

/// Gathers the bytes of an `RX` hexdump: the header line and its continuation rows.
#[derive(Debug, Default)]
struct RxGroup {
    open: Option<(u32, i64, Vec<u8>)>,
}

/// The bytes of one hexdump row (`41 54 0d 0a   |AT..`).
pub fn hexdump_row(text: &str) -> Option<Vec<u8>> {
    let hex = text.split('|').next()?;
    let mut out = Vec::new();
    for tok in hex.split_whitespace() {
        if tok.len() != 2 {
            return None;
        }
        out.push(u8::from_str_radix(tok, 16).ok()?);
    }
    (!out.is_empty()).then_some(out)
}

fn is_rx_header(it: &Item) -> bool {
    !it.line.continuation && it.line.module.as_deref() == Some("slm_at_host") && it.line.text.ends_with("RX")
}

impl RxGroup {
    /// Feeds an item; returns a finished group (segment, uptime, command line without terminator).
    fn push(&mut self, it: &Item) -> Option<(u32, i64, Vec<u8>)> {
        if it.line.continuation {
            if let (Some((seg, _, bytes)), Some(row)) = (self.open.as_mut(), hexdump_row(&it.line.text)) {
                if *seg == it.segment && bytes.len() < 4096 {
                    bytes.extend_from_slice(&row);
                }
            }
            return None;
        }
        let done = self.open.take().map(|(s, u, mut b)| {
            while b.last().is_some_and(|&c| c == b'\r' || c == b'\n') {
                b.pop();
            }
            (s, u, b)
        });
        if is_rx_header(it) {
            self.open = Some((it.segment, it.uptime_ns, Vec::new()));
        }
        done.filter(|(_, _, b)| !b.is_empty())
    }

    /// Ends the open group (its rows are over).
    fn close(&mut self) -> Option<(u32, i64, Vec<u8>)> {
        let (s, u, mut b) = self.open.take()?;
        while b.last().is_some_and(|&c| c == b'\r' || c == b'\n') {
            b.pop();
        }
        (!b.is_empty()).then_some((s, u, b))
    }
}

/// The aligner's state.
pub struct Aligner {
    source: Box<dyn Iterator<Item = Item> + Send>,
    ahead: VecDeque<Item>,
    exhausted: bool,
    forced: Option<i64>,
    placed: BTreeMap<u32, Placement>,
    /// The first segment booted before the capture began: not paired with a `Ready`.
    skip_boot_of: Option<u32>,
    uart_traffic: bool,
    readies: u32,
    current: Option<Report>,
    reports: Vec<Report>,
    /// Host commands of the last window: (end time, line).
    recent: VecDeque<(i64, Vec<u8>)>,
    /// Logged commands already out that matched nothing yet: (segment, uptime, line, aligned time).
    waiting: VecDeque<(u32, i64, Vec<u8>, i64)>,
    emit_rx: RxGroup,
}

impl std::fmt::Debug for Aligner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aligner").field("ahead", &self.ahead.len()).field("placed", &self.placed).finish()
    }
}

impl Aligner {
    /// An aligner over the log's items; `forced_offset_ns` is `--log-offset`.
    pub fn new(source: Box<dyn Iterator<Item = Item> + Send>, forced_offset_ns: Option<i64>) -> Self {
        Aligner {
            source,
            ahead: VecDeque::new(),
            exhausted: false,
            forced: forced_offset_ns,
            placed: BTreeMap::new(),
            skip_boot_of: None,
            uart_traffic: false,
            readies: 0,
            current: None,
            reports: Vec::new(),
            recent: VecDeque::new(),
            waiting: VecDeque::new(),
            emit_rx: RxGroup::default(),
        }
    }

    fn pull(&mut self) -> bool {
        if self.exhausted {
            return false;
        }
        match self.source.next() {
            Some(it) => {
                self.ahead.push_back(it);
                true
            }
            None => {
                self.exhausted = true;
                false
            }
        }
    }

    fn placement(&mut self, seg: u32) -> Option<&Placement> {
        if let Some(off) = self.forced {
            self.placed.entry(seg).or_insert(Placement { offset: off, how: How::Forced });
        }
        self.placed.get(&seg)
    }

    fn place(&mut self, seg: u32, offset: i64, how: How) {
        self.placed.entry(seg).or_insert(Placement { offset, how });
    }

    /// The modem said something other than `Ready` (an answer, a URC): if that comes before any
    /// `Ready`, the SLM was running when the capture began, so a boot at the start of the log
    /// happened before the capture and is paired with no `Ready` (it may still be placed by a
    /// logged command or by the next boot).
    pub fn on_modem_traffic(&mut self) {
        if self.readies == 0
            && !self.uart_traffic
            && self.forced.is_none()
            && self.head_segment() == Some(0)
            && self.ahead[0].starts.is_some()
            && !self.placed.contains_key(&0)
        {
            self.skip_boot_of = Some(0);
        }
        self.uart_traffic = true;
    }

    /// A host command line ending at `t1_ns`.
    pub fn on_command(&mut self, t1_ns: i64, line: &[u8]) {
        while self.recent.front().is_some_and(|(t, _)| t1_ns - t > MENTION_WINDOW_NS) {
            self.recent.pop_front();
        }
        self.recent.push_back((t1_ns, line.to_vec()));
        while self.waiting.front().is_some_and(|w| t1_ns - w.3 > MENTION_WINDOW_NS) {
            self.waiting.pop_front();
        }
        if let Some(i) = self.waiting.iter().position(|w| w.2 == line && (t1_ns - w.3).abs() <= MENTION_WINDOW_NS) {
            let (seg, uptime, _, _) = self.waiting.remove(i).expect("index found");
            self.refine(seg, t1_ns - uptime);
        }
        self.place_bootless_by_mention(t1_ns, line);
    }

    /// A bootless segment at the head waits for a logged command that matches this one uniquely.
    fn place_bootless_by_mention(&mut self, t1_ns: i64, line: &[u8]) {
        if self.forced.is_some() {
            return;
        }
        let Some(seg) = self.head_segment() else { return };
        if self.placed.contains_key(&seg) || self.is_boot_candidate(seg) {
            return;
        }
        // Hold the segment's lines (bounded) to look for its RX groups.
        while self.ahead.back().is_none_or(|b| b.segment == seg) && self.ahead.len() < HOLD_CAP && self.pull() {}
        let mut group = RxGroup::default();
        let mut hits = Vec::new();
        for it in self.ahead.iter().take_while(|it| it.segment == seg) {
            if let Some((_, up, bytes)) = group.push(it) {
                if bytes == line {
                    hits.push(up);
                }
            }
        }
        if let [up] = hits[..] {
            let command = String::from_utf8_lossy(line).into_owned();
            self.place(seg, t1_ns - up, How::Mention { command });
        }
    }

    fn head_segment(&mut self) -> Option<u32> {
        if self.ahead.is_empty() {
            self.pull();
        }
        self.ahead.front().map(|it| it.segment)
    }

    fn is_boot_candidate(&self, seg: u32) -> bool {
        self.ahead.iter().find(|it| it.segment == seg).is_some_and(|it| it.starts.is_some())
            && self.skip_boot_of != Some(seg)
    }

    /// A `Ready` on the UART at `t_ns`: places the next boot of the log.
    pub fn on_ready(&mut self, t_ns: i64) {
        self.readies += 1;
        if self.forced.is_some() {
            return;
        }
        // Find the first unplaced boot, looking past placed lines up to shortly after this Ready.
        let mut i = 0;
        let boot = loop {
            if i == self.ahead.len() && (i >= HOLD_CAP || !self.pull()) {
                break None;
            }
            let it = &self.ahead[i];
            if let Some(p) = self.placed.get(&it.segment) {
                if p.offset.saturating_add(it.uptime_ns) > t_ns.saturating_add(MENTION_WINDOW_NS) {
                    break None;
                }
            } else if it.starts.is_some() && self.skip_boot_of != Some(it.segment) {
                break Some(i);
            }
            i += 1;
        };
        let Some(i) = boot else { return };
        let seg = self.ahead[i].segment;
        // The uptime of the Ready: the `at_host init done` line of this boot.
        let mut j = i;
        let mut first_stamp = None;
        let found = loop {
            if j == self.ahead.len() && (j >= HOLD_CAP || !self.pull()) {
                break None;
            }
            let it = &self.ahead[j];
            if it.segment != seg || it.uptime_ns > INIT_LOOKAHEAD_NS {
                break None;
            }
            if first_stamp.is_none() && it.line.uptime_ns.is_some() {
                first_stamp = Some(it.uptime_ns);
            }
            if it.line.module.as_deref() == Some("slm_at_host") && it.line.text.contains("at_host init done") {
                break Some(it.uptime_ns);
            }
            j += 1;
        };
        let (u, init_line) = match found {
            Some(u) => (u, true),
            None => (first_stamp.unwrap_or(0), false),
        };
        let offset = t_ns - u;
        self.place(seg, offset, How::Boot { ready_ns: t_ns, ready_uptime_ns: u, init_line });
        // Bootless segments before it end just before this boot.
        let mut last: BTreeMap<u32, i64> = BTreeMap::new();
        for it in self.ahead.iter().take(i) {
            if !self.placed.contains_key(&it.segment) {
                last.insert(it.segment, it.uptime_ns);
            }
        }
        for (s, up) in last {
            self.place(s, offset - up, How::NextBoot);
        }
    }

    fn refine(&mut self, seg: u32, measured: i64) {
        if self.forced.is_some() {
            return;
        }
        if let Some(p) = self.placed.get_mut(&seg) {
            let correction = measured - p.offset;
            p.offset = measured;
            if let Some(r) = self.current.as_mut().filter(|r| r.segment == seg) {
                r.mentions += 1;
                r.max_correction_ns = r.max_correction_ns.max(correction.abs());
            }
        }
    }

    /// The next log line whose place on the UART axis is at or before `t_ns`, with that time.
    pub fn next_before(&mut self, t_ns: i64) -> Option<(i64, Item)> {
        let seg = self.head_segment()?;
        let offset = self.placement(seg)?.offset;
        let t = offset.saturating_add(self.ahead[0].uptime_ns);
        if t > t_ns {
            return None;
        }
        let it = self.ahead.pop_front().expect("head exists");
        Some((t, self.out(t, it)))
    }

    /// At the end of the UART: every line left, unplaced segments at offset 0.
    pub fn next_at_end(&mut self) -> Option<(i64, Item)> {
        let seg = self.head_segment()?;
        if self.placement(seg).is_none() {
            self.place(seg, 0, How::Unaligned);
        }
        self.next_before(i64::MAX)
    }

    fn out(&mut self, t: i64, it: Item) -> Item {
        if self.current.as_ref().is_none_or(|r| r.segment != it.segment) {
            if let Some(r) = self.current.take() {
                self.reports.push(r);
            }
            let p = self.placed.get(&it.segment).cloned().expect("placed before it goes out");
            let start = it.starts.clone();
            self.current = Some(Report {
                segment: it.segment,
                start,
                how: p.how,
                offset_ns: p.offset,
                span: (t, t),
                lines: 0,
                mentions: 0,
                max_correction_ns: 0,
            });
        }
        if let Some(r) = self.current.as_mut() {
            r.span.1 = t;
            r.lines += 1;
        }
        let mut done = self.emit_rx.push(&it);
        if done.is_none() && self.emit_rx.open.is_some() {
            // The group ends where its rows do: refine before the next line is placed.
            if self.ahead.is_empty() {
                self.pull();
            }
            if self.ahead.front().is_none_or(|n| !n.line.continuation) {
                done = self.emit_rx.close();
            }
        }
        if let Some((seg, up, bytes)) = done {
            self.mention(seg, up, bytes);
        }
        it
    }

    fn mention(&mut self, seg: u32, uptime: i64, bytes: Vec<u8>) {
        let Some(offset) = self.placed.get(&seg).map(|p| p.offset) else { return };
        let at = offset.saturating_add(uptime);
        let best = self
            .recent
            .iter()
            .filter(|(t, l)| *l == bytes && (t - at).abs() <= MENTION_WINDOW_NS)
            .min_by_key(|(t, _)| (t - at).abs())
            .map(|(t, _)| *t);
        match best {
            Some(t) => self.refine(seg, t - uptime),
            None => self.waiting.push_back((seg, uptime, bytes, at)),
        }
    }

    /// Reports of the segments whose last line has gone out (all of them after the end).
    pub fn take_reports(&mut self, at_end: bool) -> Vec<Report> {
        if at_end {
            // The last RX group of the log ends with it.
            if let Some(r) = self.current.take() {
                self.reports.push(r);
            }
        }
        std::mem::take(&mut self.reports)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::segment::parse_all;

    fn aligner(log: &str, forced: Option<i64>) -> Aligner {
        Aligner::new(Box::new(parse_all(log.as_bytes()).into_iter()), forced)
    }

    const MS: i64 = 1_000_000;

    const BOOT_LOG: &str = "\
*** Booting nRF Connect SDK v2.1.2 ***
[00:00:00.200,000] <inf> slm: Serial LTE Modem
[00:00:00.450,000] <inf> slm_at_host: at_host init done
[00:00:05.000,000] <dbg> slm_at_host: cmd_send: RX
                                 41 54 2b 43 46 55 4e 3d  31 0d 0a                |AT+CFUN= 1..
[00:00:06.000,000] <inf> slm: later
";

    #[test]
    fn a_boot_is_placed_by_its_ready_and_held_until_then() {
        let mut a = aligner(BOOT_LOG, None);
        assert!(a.next_before(i64::MAX / 2).is_none(), "nothing goes out before the Ready places the boot");
        a.on_ready(2_000 * MS);
        let (t, it) = a.next_before(2_000 * MS).unwrap();
        assert_eq!(t, 2_000 * MS - 450 * MS, "the banner is at uptime 0, 450 ms before Ready");
        assert!(it.starts.is_some());
        let (t, _) = a.next_before(2_000 * MS).unwrap();
        assert_eq!(t, 1_750 * MS);
        let (t, _) = a.next_before(2_000 * MS).unwrap();
        assert_eq!(t, 2_000 * MS);
        assert!(a.next_before(2_000 * MS).is_none());
    }

    #[test]
    fn a_logged_command_refines_the_offset() {
        let mut a = aligner(BOOT_LOG, None);
        a.on_ready(2_000 * MS);
        // The host's AT+CFUN=1 ended 30 ms later than the boot alignment puts the log's RX.
        a.on_command(6_580 * MS, b"AT+CFUN=1");
        let mut last = None;
        while let Some((t, it)) = a.next_before(10_000 * MS) {
            last = Some((t, it.line.text));
        }
        assert_eq!(last, Some((7_580 * MS, "later".to_string())), "the line after the RX follows the refined offset");
        let r = a.take_reports(true);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].mentions, r[0].max_correction_ns), (1, 30 * MS));
        assert!(matches!(r[0].how, How::Boot { init_line: true, .. }));
    }

    #[test]
    fn a_bootless_crash_ends_just_before_the_next_boot() {
        let log = "\
[00:10:00.000,000] <inf> slm: running
[00:10:23.000,000] <err> os: ***** BUS FAULT *****
*** Booting nRF Connect SDK v2.1.2 ***
[00:00:00.300,000] <inf> slm_at_host: at_host init done
";
        let mut a = aligner(log, None);
        a.on_modem_traffic();
        a.on_ready(30_000 * MS);
        let (t0, _) = a.next_before(30_000 * MS).unwrap();
        let (t1, crash) = a.next_before(30_000 * MS).unwrap();
        assert_eq!(crash.line.text, "***** BUS FAULT *****");
        assert_eq!(t1, 30_000 * MS - 300 * MS, "the crash's line is the last before the boot");
        assert_eq!(t0, t1 - 23_000 * MS);
        let (tb, boot) = a.next_before(30_000 * MS).unwrap();
        assert!(boot.starts.is_some());
        assert_eq!(tb, 29_700 * MS);
        let _ = a.next_before(30_000 * MS).unwrap();
        let r = a.take_reports(true);
        assert_eq!(r.iter().map(|r| r.how.clone()).collect::<Vec<_>>()[0], How::NextBoot);
    }

    #[test]
    fn a_log_that_booted_before_the_capture_does_not_take_the_first_ready() {
        let log = "\
*** Booting nRF Connect SDK v2.1.2 ***
[00:00:00.300,000] <inf> slm_at_host: at_host init done
[00:00:40.000,000] <err> os: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0
*** Booting nRF Connect SDK v2.1.2 ***
[00:00:00.300,000] <inf> slm_at_host: at_host init done
";
        let mut a = aligner(log, None);
        a.on_modem_traffic();
        a.on_ready(10_000 * MS);
        let items: Vec<(i64, u32)> =
            std::iter::from_fn(|| a.next_before(10_000 * MS)).map(|(t, i)| (t, i.segment)).collect();
        assert_eq!(items.len(), 5);
        assert_eq!(items[2], (9_700 * MS, 0), "the fatal error comes right before the second boot");
        assert_eq!(items[3], (9_700 * MS, 1));
    }

    #[test]
    fn host_probes_before_the_first_ready_do_not_make_the_boot_older_than_the_capture() {
        let mut a = aligner(BOOT_LOG, None);
        a.on_command(100 * MS, b"AT");
        a.on_command(600 * MS, b"AT");
        a.on_ready(2_000 * MS);
        let (t, it) = a.next_before(2_000 * MS).unwrap();
        assert!(it.starts.is_some());
        assert_eq!(t, 1_550 * MS);
    }

    #[test]
    fn a_boot_before_the_capture_is_placed_by_a_logged_command() {
        let mut a = aligner(BOOT_LOG, None);
        a.on_modem_traffic(); // an answer before any Ready: the SLM was already running
        a.on_command(30_000 * MS, b"AT+CFUN=1");
        let (t, it) = a.next_before(i64::MAX / 2).unwrap();
        assert!(it.starts.is_some());
        assert_eq!(t, 25_000 * MS, "the RX at uptime 5 s is the command that ended at 30 s");
        while a.next_before(i64::MAX / 2).is_some() {}
        let r = a.take_reports(true);
        assert_eq!(r[0].how, How::Mention { command: "AT+CFUN=1".into() });
    }

    #[test]
    fn a_forced_offset_places_everything() {
        let mut a = aligner(BOOT_LOG, Some(100 * MS));
        let (t, _) = a.next_before(i64::MAX).unwrap();
        assert_eq!(t, 100 * MS);
        let r = {
            while a.next_before(i64::MAX).is_some() {}
            a.take_reports(true)
        };
        assert_eq!(r[0].how, How::Forced);
    }

    #[test]
    fn an_unplaceable_log_goes_out_at_the_end_unaligned() {
        let mut a = aligner("[00:00:01.000,000] <inf> x: y\n", None);
        assert!(a.next_before(i64::MAX / 2).is_none());
        let (t, _) = a.next_at_end().unwrap();
        assert_eq!(t, 1_000 * MS);
        assert_eq!(a.take_reports(true)[0].how, How::Unaligned);
    }

    #[test]
    fn hexdump_rows() {
        assert_eq!(hexdump_row("41 54 0d 0a                 |AT.."), Some(b"AT\r\n".to_vec()));
        assert_eq!(hexdump_row("not hex |"), None);
    }
}
