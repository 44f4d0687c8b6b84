//! Segments: the log between two boots. Zephyr's uptime restarts at every boot, so each segment
//! has its own time origin and is placed on the UART's time axis by itself ([`super::align`]).
//!
//! A segment starts at a boot banner, or where the uptime goes back by more than
//! [`RESTART_BACK_NS`] without one (a banner lost by the RTT logger). Lines without a timestamp
//! (printk, hexdump rows) take the time of the line before them in the segment, except a printk
//! that heads a crash dump (`ASSERTION FAIL …`, printed just before the fatal error's own lines):
//! it and the unstamped lines after it take the time of the dump's first stamped line.
//! Continuation rows take the level and module of the line they continue.

use super::crash::{self, Part};
use super::framer::{Framer, RawLine};
use super::line::{self, Level, Line};

/// The uptime going back by more than this (without a banner) starts a new segment.
pub const RESTART_BACK_NS: i64 = 1_000_000_000;
/// Unstamped lines held for the time of the crash dump they head, at most.
const MAX_HELD: usize = 64;

/// How a segment began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// A boot banner (its words after `Booting `).
    Banner(String),
    /// The uptime restarted without a banner.
    UptimeRestart,
}

/// One line of the log with its place in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The parsed line.
    pub line: Line,
    /// The segment (0 for the first), counting boots.
    pub segment: u32,
    /// Uptime: the line's own, else the line before it in the segment (0 at its start), ns.
    pub uptime_ns: i64,
    /// This line starts its segment with a boot.
    pub starts: Option<Start>,
    /// What the line says about a crash.
    pub crash: Option<Part>,
    /// The line was longer than the framer's bound and is cut.
    pub cut: bool,
}

/// Push-fed log parser: bytes in, [`Item`]s out. Pure; any split of the bytes gives the same items.
#[derive(Debug, Default)]
pub struct Parser {
    framer: Framer,
    raw: Vec<RawLine>,
    segment: u32,
    /// Lines seen in the current segment.
    lines_in_segment: u64,
    uptime: i64,
    /// The last timestamp seen in the segment (for restarts without a banner).
    last_stamp: Option<i64>,
    /// Level and module of the last headed line, for continuation rows.
    context: (Level, Option<String>),
    /// An unstamped line heading a crash dump, and the unstamped lines after it, waiting for the
    /// dump's first stamped line to give them its time.
    held: Vec<Item>,
}

impl Parser {
    /// A parser at the start of a log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes; complete lines are appended to `out` as items.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Item>) {
        self.framer.feed(bytes, &mut self.raw);
        self.items(out);
    }

    /// Ends the log (a last line without a line end is given).
    pub fn finish(&mut self, out: &mut Vec<Item>) {
        self.framer.finish(&mut self.raw);
        self.items(out);
        out.append(&mut self.held);
    }

    fn items(&mut self, out: &mut Vec<Item>) {
        for raw in std::mem::take(&mut self.raw) {
            let item = self.item(raw);
            self.place(item, out);
        }
    }

    /// Gives `item` out, or holds it while it (or a line before it) heads a crash dump whose
    /// time is still to come.
    fn place(&mut self, item: Item, out: &mut Vec<Item>) {
        let stamped = item.line.uptime_ns.is_some();
        if !self.held.is_empty() && (stamped || item.starts.is_some() || self.held.len() >= MAX_HELD) {
            let dump_time = (stamped && item.starts.is_none()).then_some(item.uptime_ns);
            for mut h in self.held.drain(..) {
                if let Some(t) = dump_time {
                    h.uptime_ns = t;
                }
                out.push(h);
            }
        }
        let heads_dump = !stamped && !item.line.continuation && matches!(item.crash, Some(Part::Assert(_)));
        if item.starts.is_none() && (heads_dump || (!self.held.is_empty() && !stamped)) {
            self.held.push(item);
        } else {
            out.push(item);
        }
    }

    fn item(&mut self, raw: RawLine) -> Item {
        let mut line = line::parse(&raw.bytes);
        let mut starts = super::boot::banner(&line.text).map(|b| Start::Banner(b.to_string()));
        if starts.is_none() {
            if let (Some(t), Some(last)) = (line.uptime_ns, self.last_stamp) {
                if t < last - RESTART_BACK_NS {
                    starts = Some(Start::UptimeRestart);
                }
            }
        }
        if starts.is_some() {
            if self.lines_in_segment > 0 {
                self.segment += 1;
            }
            self.lines_in_segment = 0;
            self.uptime = 0;
            self.last_stamp = None;
            self.context = (Level::Unknown, None);
        }
        if let Some(t) = line.uptime_ns {
            self.uptime = t;
            self.last_stamp = Some(t);
        }
        if line.continuation {
            line.level = self.context.0;
            line.module.clone_from(&self.context.1);
        } else {
            self.context = (line.level, line.module.clone());
        }
        self.lines_in_segment += 1;
        let crash = crash::classify(&line.text);
        Item { line, segment: self.segment, uptime_ns: self.uptime, starts, crash, cut: raw.cut }
    }
}

/// Items from a reader of log bytes, read in blocks as they are wanted (a log file of any size
/// costs one block and the items of one block).
pub struct Reader<R> {
    inner: R,
    parser: Parser,
    ready: std::collections::VecDeque<Item>,
    buf: Vec<Item>,
    done: bool,
    /// The read error that ended the log early, if one did.
    pub error: Option<std::io::Error>,
}

impl<R: std::io::Read> Reader<R> {
    /// Items of the log `inner` yields.
    pub fn new(inner: R) -> Self {
        Reader { inner, parser: Parser::new(), ready: Default::default(), buf: Vec::new(), done: false, error: None }
    }
}

impl<R: std::io::Read> Iterator for Reader<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        let mut block = [0u8; 16 * 1024];
        while self.ready.is_empty() && !self.done {
            match self.inner.read(&mut block) {
                Ok(0) => {
                    self.parser.finish(&mut self.buf);
                    self.done = true;
                }
                Ok(n) => self.parser.feed(&block[..n], &mut self.buf),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    // The log ends here; the timeline says so where it happened.
                    self.parser.finish(&mut self.buf);
                    let note = format!("[atscope: the log could not be read past this point: {e}]");
                    self.parser.feed(note.as_bytes(), &mut self.buf);
                    self.parser.finish(&mut self.buf);
                    self.error = Some(e);
                    self.done = true;
                }
            }
            self.ready.extend(self.buf.drain(..));
        }
        self.ready.pop_front()
    }
}

/// Parses a whole log held in memory (tests, small logs).
pub fn parse_all(bytes: &[u8]) -> Vec<Item> {
    let mut p = Parser::new();
    let mut out = Vec::new();
    p.feed(bytes, &mut out);
    p.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LOG: &str = "\
[00:00:05.100,000] <inf> slm: ok
[00:00:23.580,000] <err> os: ***** BUS FAULT *****
[00:00:23.580,000] <err> os: Current thread: 0x20014a30 (mqtt_thread)
*** Booting nRF Connect SDK v2.1.2 ***
[00:00:00.250,000] <inf> slm_at_host: at_host init done
[00:00:02.000,000] <dbg> slm_at_host: cmd_send: RX
                                 41 54 0d 0a                 |AT..
[00:00:00.300,000] <inf> slm: again
";

    /// An assertion printk (no timestamp) heading its dump, as Zephyr prints it.
    const ASSERT_LOG: &str = "\
[00:00:00.249,877] <inf> slm_at_host: at_host init done
ASSERTION FAIL [dwork != ((void *)0)] @ WEST_TOPDIR/zephyr/kernel/work.c:990
[00:00:05.191,680] <err> os: r0/a1:  0x00000004  r1/a2:  0x000003de  r2/a3:  0x2000e9f0
[00:00:05.191,802] <err> os: >>> ZEPHYR FATAL ERROR 4: Kernel panic on CPU 0
";

    #[test]
    fn an_assertion_printk_takes_the_time_of_the_dump_it_heads() {
        let items = parse_all(ASSERT_LOG.as_bytes());
        assert_eq!(items.len(), 4);
        assert!(matches!(items[1].crash, Some(Part::Assert(_))));
        assert_eq!(items[1].uptime_ns, 5_191_680_000, "not the 0.25 s of the line before it");
        assert_eq!(items[0].uptime_ns, 249_877_000);
        // Cut short before its dump, it keeps the time of the line before it.
        let cut = parse_all(&ASSERT_LOG.as_bytes()[..ASSERT_LOG.find("[00:00:05").unwrap()]);
        assert_eq!(cut[1].uptime_ns, 249_877_000);
    }

    #[test]
    fn boots_and_uptime_restarts_start_segments() {
        let items = parse_all(LOG.as_bytes());
        let segs: Vec<u32> = items.iter().map(|i| i.segment).collect();
        assert_eq!(segs, vec![0, 0, 0, 1, 1, 1, 1, 2]);
        assert_eq!(items[0].starts, None);
        assert_eq!(items[3].starts, Some(Start::Banner("nRF Connect SDK v2.1.2".into())));
        assert_eq!(items[3].uptime_ns, 0);
        assert_eq!(items[7].starts, Some(Start::UptimeRestart));
        assert_eq!(items[1].crash, Some(Part::Fault("BUS FAULT".into())));
    }

    #[test]
    fn continuation_rows_take_time_level_and_module_of_their_line() {
        let items = parse_all(LOG.as_bytes());
        let row = &items[6];
        assert!(row.line.continuation);
        assert_eq!(
            (row.uptime_ns, row.line.level, row.line.module.as_deref()),
            (2_000_000_000, Level::Dbg, Some("slm_at_host"))
        );
    }

    #[test]
    fn a_banner_at_the_start_does_not_open_an_empty_segment() {
        let items = parse_all(b"*** Booting Zephyr OS build v3.0.99-ncs1 ***\r\n[00:00:00.010,000] <inf> a: b\r\n");
        assert_eq!(items.iter().map(|i| i.segment).collect::<Vec<_>>(), vec![0, 0]);
        assert!(items[0].starts.is_some());
    }

    #[test]
    fn the_reader_gives_the_items_of_parse_all() {
        let r: Vec<Item> = Reader::new(std::io::Cursor::new(LOG.as_bytes())).collect();
        assert_eq!(r, parse_all(LOG.as_bytes()));
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_items(cuts in proptest::collection::vec(0usize..2 * LOG.len() + ASSERT_LOG.len(), 0..10), garbage in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut bytes = LOG.as_bytes().to_vec();
            bytes.extend_from_slice(&garbage);
            bytes.extend_from_slice(ASSERT_LOG.as_bytes());
            bytes.extend_from_slice(LOG.as_bytes());
            let whole = parse_all(&bytes);
            let mut cuts: Vec<usize> = cuts;
            cuts.sort();
            let mut p = Parser::new();
            let mut out = Vec::new();
            let mut at = 0;
            for c in cuts {
                p.feed(&bytes[at..c], &mut out);
                at = c;
            }
            p.feed(&bytes[at..], &mut out);
            p.finish(&mut out);
            prop_assert_eq!(out, whole);
        }
    }
}
