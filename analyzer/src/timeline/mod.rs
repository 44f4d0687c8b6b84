//! The timeline: both directions of a capture decoded into exchanges, URCs, resets, payloads
//! and data-mode sessions, in time order.
//!
//! [`TimelineBuilder`] is push-fed and pure: give it [`Record`]s in time order with
//! [`TimelineBuilder::push`], take the events that are ready with [`TimelineBuilder::drain`],
//! and call [`TimelineBuilder::finish`] at the end. Feeding the same bytes cut at any points
//! gives the same events.
//!
//! The session rules follow `slm-protocol.md` §9:
//! * a command is complete at the first final result received while it is pending (FIFO);
//! * a prefixed line whose name is the pending command's is an information line, any other is a
//!   URC (`%CMNG:` lines also answer `#XCMNG`); bare text while a command is pending is
//!   information, otherwise a text line;
//! * `#XRECV: n`, `#XRECVFROM: n,…`, v2.3+ `#XTCPDATA: n` / `#XUDPDATA: n` announce `n` raw bytes;
//!   `#XMQTTMSG: tl,pl` announces a topic and a payload, each followed by CR LF; these bytes are
//!   payload even when they hold `\r\nOK\r\n`;
//! * v2.1.x/v2.2.x `#XTCPDATA: n` / `#XUDPDATA: n` and every `#XHTTPCRSP:n,…` are *trailers*:
//!   the `n` bytes before them are payload. Unclassified modem bytes are held back until the next
//!   recognised line to make that possible;
//! * data mode starts after `OK` to a send command without payload (or `#XHTTPCREQ: 1`); host
//!   bytes are then payload until the modem's `#XDATAMODE`, and only `#X…` lines are cut out of
//!   the modem's bytes;
//! * `Ready` at the end of a line (garbage may precede it) is a reset: every pending command is
//!   aborted and the session state is cleared.

mod datamode;
pub mod event;
mod host;
mod modem;
pub mod packed;
mod trailer;

use std::collections::VecDeque;

pub use event::{Bytes, Event, EventKind, ExchangeStatus, ResetInfo};

use crate::at::framer::{HostFramer, HostLine, ModemFramer, ModemUnit, Terminator};
use crate::at::grammar::{self, Command, FinalResult, Form, ModemLine, Param};
use crate::chunk::{Body, Chunk, Dir, Record};
use crate::slm::{payloads, SlmVersion};

/// Largest payload a header may announce before it is taken for a corrupt line.
const MAX_ANNOUNCED: usize = 1 << 20;
/// Payload events are cut at this size so that memory stays flat in long data-mode sessions.
const PAYLOAD_PIECE: usize = 64 * 1024;
/// Pending commands listed on a new command (for the pipelining rule).
const MAX_LISTED_PENDING: usize = 8;
/// Held-back modem bytes (for trailers) beyond this are released.
const MAX_HELD: usize = 64 * 1024;

/// How to decode.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The host's command terminator.
    pub terminator: Terminator,
    /// The SLM version, when the user knows it; otherwise taken from `#XSLMVER` in the trace,
    /// else [`SlmVersion::DEFAULT`].
    pub version: Option<SlmVersion>,
}

/// A command waiting for its final result: what pairing its answers and ending its exchange
/// need (the event took the parameters).
#[derive(Debug, Clone)]
struct Open {
    id: u32,
    /// The command's name; empty for bare `AT` or an invalid line.
    name: String,
    /// `None` for a line the grammar rejects.
    form: Option<Form>,
    /// The mode an `OK` to `#XSLEEP=1`/`=2` puts the SLM in.
    sleep: Option<i64>,
    /// The AT channel an `OK` to `#XCMUX` starts CMUX with.
    mux_at_channel: Option<u8>,
    line: Vec<u8>,
    t0: i64,
    t1: i64,
    /// When the command's documented maximum time runs out (`None`: unbounded).
    deadline: Option<i64>,
    infos: u32,
    enters_data_mode: bool,
}

#[derive(Debug)]
struct DataSession {
    exchange: Option<u32>,
    host: PayloadAcc,
    modem: PayloadAcc,
    /// v2.2+: the host sent the terminator; what follows is command text again.
    host_done: bool,
    /// The host sent the terminator (v2.1.x: its payload ended with it).
    terminated: bool,
}

/// Accumulates payload bytes and cuts them into events of at most [`PAYLOAD_PIECE`].
#[derive(Debug, Default)]
struct PayloadAcc {
    bytes: Vec<u8>,
    t0: i64,
    t1: i64,
}

impl PayloadAcc {
    fn push(&mut self, t: i64, b: &[u8]) {
        if self.bytes.is_empty() {
            self.t0 = t;
        }
        self.t1 = t;
        self.bytes.extend_from_slice(b);
    }
}

#[derive(Debug, Clone)]
enum Expect {
    /// `n` payload bytes for `owner`.
    Payload { n: usize, owner: &'static str, exchange: Option<u32> },
    /// An optional CR LF after a `#XMQTTMSG` part.
    CrLf,
}

/// A bare `Ready` seen in data mode, with the host bytes sent since.
#[derive(Debug)]
struct Doubt {
    t0: i64,
    t1: i64,
    raw: Vec<u8>,
    host: Vec<(i64, Vec<u8>)>,
    host_len: usize,
}

/// Host bytes kept while a doubtful `Ready` is open (to be fed again as commands).
const MAX_DOUBT_HOST: usize = 4096;

/// A modem line held back in case a trailer claims its bytes.
#[derive(Debug)]
struct Held {
    t0: i64,
    t1: i64,
    text: Vec<u8>,
    raw: Vec<u8>,
}

/// What the decoder knew when it emitted an event: the rules and meanings read each event with
/// the state of its own moment, however often the caller drains (a version learned from a later
/// line does not reach back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderState {
    /// The SLM (or Serial Modem) version in force.
    pub version: SlmVersion,
    /// It came from the trace, an answer or the user (not assumed).
    pub version_known: bool,
    /// The host's terminator in force (`None`: not learned yet).
    pub terminator: Option<Terminator>,
    /// Some line ended with a CR alone (on a link whose lines end at CR).
    pub cr_alone: bool,
    /// Some line ended with CR LF on a link whose lines end at CR (the LF dropped).
    pub cr_then_lf: bool,
}

impl Default for DecoderState {
    fn default() -> Self {
        DecoderState::of(SlmVersion::DEFAULT, false, Default::default())
    }
}

impl DecoderState {
    fn of(version: SlmVersion, version_known: bool, t: crate::at::framer::TerminatorSeen) -> Self {
        DecoderState {
            version,
            version_known,
            terminator: t.effective,
            cr_alone: t.cr_alone > 0,
            cr_then_lf: t.cr_then_lf > 0,
        }
    }
}

/// Builds the timeline from a chunk stream.
pub struct TimelineBuilder {
    cfg: Config,
    version: SlmVersion,
    version_known: bool,
    host: HostFramer,
    modem: ModemFramer,
    pending: VecDeque<Open>,
    last_command: Option<u32>,
    next_id: u32,
    data: Option<DataSession>,
    expect: VecDeque<Expect>,
    held: Vec<Held>,
    held_bytes: usize,
    http_active: bool,
    /// The mode of an `#XSLEEP` the SLM answered OK (1 sleep, 2 idle), until the wake-up's `Ready`.
    asleep: Option<i64>,
    /// A `+CMT`/`+CDS` URC was the last line: the next line is its PDU.
    pdu_follows: Option<String>,
    /// A bare `Ready` in data mode, waiting for the evidence that tells reboot from payload.
    doubt: Option<Doubt>,
    /// Host bytes are being fed again after a doubt was settled (modem units wait).
    replaying: bool,
    /// A v2.1.x/v2.2.x TCP/UDP proxy connection is up: its data arrives before a trailer.
    proxy_open: bool,
    http_claimed: usize,
    http_in_body: bool,
    out: Vec<Event>,
    /// Where in `out` the decoder state changed, and to what.
    marks: Vec<(usize, DecoderState)>,
    /// The state last marked.
    marked: DecoderState,
    seq: u64,
    /// The CMUX channel the bytes being fed came on (tags the events), `None` on a plain UART.
    channel: Option<u8>,
    /// `AT#XCMUX` got its `OK`: the modem's next bytes are frames (taken by the caller).
    mux_start: Option<MuxStart>,
}

/// `AT#XCMUX` was answered `OK`: from the end of that line on, the link carries CMUX frames
/// (`sm_cmux.c` `handle_at_cmux()` sends the `OK` before `cmux_start()`; the SLM starts it from a
/// work item 50 ms later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MuxStart {
    /// The time of the `OK`'s last byte.
    pub t_ns: i64,
    /// The exchange that started it.
    pub exchange: u32,
    /// The AT channel's DLCI (`AT#XCMUX=<AT_channel>`, 1 by default).
    pub at_channel: u8,
}

impl TimelineBuilder {
    /// A builder with the given configuration.
    pub fn new(cfg: Config) -> Self {
        let version = cfg.version.unwrap_or(SlmVersion::DEFAULT);
        let host = HostFramer::new(cfg.terminator);
        let marked = DecoderState::of(version, cfg.version.is_some(), host.terminator_seen());
        TimelineBuilder {
            version,
            version_known: cfg.version.is_some(),
            host,
            marks: Vec::new(),
            marked,
            cfg,
            modem: ModemFramer::default(),
            pending: VecDeque::new(),
            last_command: None,
            next_id: 1,
            data: None,
            expect: VecDeque::new(),
            held: Vec::new(),
            held_bytes: 0,
            http_active: false,
            doubt: None,
            pdu_follows: None,
            asleep: None,
            replaying: false,
            proxy_open: false,
            http_claimed: 0,
            http_in_body: false,
            out: Vec::new(),
            seq: 0,
            channel: None,
            mux_start: None,
        }
    }

    /// The CMUX channel of the bytes fed from now on (`None`: the plain UART).
    pub fn set_channel(&mut self, dlci: Option<u8>) {
        self.channel = dlci;
    }

    /// `AT#XCMUX` was answered `OK` (taken once): the start, and the modem bytes fed after the
    /// `OK` that are not lines but the first frames, as (time, bytes) runs.
    pub fn take_mux_start(&mut self) -> Option<(MuxStart, crate::at::framer::TimedRuns)> {
        let start = self.mux_start.take()?;
        Some((start, self.modem.take_rest()))
    }

    /// Adds an event another decoder made (a CMUX frame, a PPP packet) to the timeline, in
    /// order with the AT events.
    pub fn push_event(&mut self, t_ns: i64, end_ns: i64, dir: Option<Dir>, dlci: Option<u8>, kind: EventKind) {
        self.push_out(t_ns, end_ns, dir, dlci, kind);
    }

    /// The SLM version the rules currently apply.
    pub fn version(&self) -> SlmVersion {
        self.version
    }

    /// The version the recording declares (its header), unless the user gave one.
    pub fn declare_version(&mut self, v: SlmVersion) {
        if self.cfg.version.is_none() {
            self.version = v;
            self.version_known = true;
        }
    }

    /// A newer version the traffic proved, when the version was only assumed.
    pub fn revise_version(&mut self, v: SlmVersion) {
        if !self.version_known && v > self.version {
            self.version = v;
        }
    }

    /// The decoder state of the events to come (and of those drained, when nothing changed).
    pub fn state(&self) -> DecoderState {
        self.marked
    }

    /// Whether the version came from the trace or the user (not the default).
    pub fn version_known(&self) -> bool {
        self.version_known
    }

    /// Takes the events that are ready.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Event> {
        self.marks.clear();
        self.out.drain(..)
    }

    /// Appends the events that are ready to `into` (into an empty one by swapping the buffers,
    /// without moving an event).
    /// `states` gets the decoder state of every event whose state differs from the one before,
    /// by its index in `into`.
    pub fn take_ready(&mut self, into: &mut Vec<Event>, states: &mut Vec<(usize, DecoderState)>) {
        let base = into.len();
        states.extend(self.marks.drain(..).map(|(i, s)| (base + i, s)));
        if into.is_empty() {
            std::mem::swap(&mut self.out, into);
        } else {
            into.append(&mut self.out);
        }
    }

    /// Feeds one record. Records must come in time order.
    pub fn push(&mut self, rec: &Record) {
        match rec {
            Record::Mark(m) => self.emit(m.t_ns, m.t_ns, None, EventKind::Mark { text: m.text.clone() }),
            Record::Chunk(Chunk { t_ns, dir, body }) => match body {
                Body::Condition(c) => self.emit(*t_ns, *t_ns, Some(*dir), EventKind::Condition { cond: *c }),
                Body::Bytes(b) => match dir {
                    Dir::Host => self.push_host(*t_ns, b),
                    Dir::Modem => {
                        self.modem.push(*t_ns, b);
                        self.pump_modem();
                    }
                },
            },
        }
    }

    /// Ends the capture: flushes partial lines, payloads, held bytes, and open exchanges.
    pub fn finish(&mut self) {
        if let Some(d) = self.doubt.take() {
            if let Some(data) = self.data.as_mut() {
                data.modem.push(d.t0, &d.raw);
            }
        }
        if let Some(u) = self.modem.flush() {
            self.modem_unit(u);
        }
        self.release_held();
        if let Some(l) = self.host.take_pending() {
            let end = l.t1;
            self.emit(
                l.t0,
                end,
                Some(Dir::Host),
                EventKind::Garbage {
                    data: Bytes(l.text),
                    why: "host bytes without a terminator at the end of the capture".into(),
                },
            );
        }
        if self.data.is_some() {
            self.end_data_mode(None, None);
        }
        while let Some(open) = self.pending.pop_front() {
            let t = open.t1;
            self.emit_exchange(open, t, ExchangeStatus::Open, None, None);
        }
    }

    fn emit(&mut self, t_ns: i64, end_ns: i64, dir: Option<Dir>, kind: EventKind) {
        self.push_out(t_ns, end_ns, dir, self.channel, kind);
    }

    fn push_out(&mut self, t_ns: i64, end_ns: i64, dir: Option<Dir>, dlci: Option<u8>, kind: EventKind) {
        let state = DecoderState::of(self.version, self.version_known, self.host.terminator_seen());
        if state != self.marked {
            self.marks.push((self.out.len(), state));
            self.marked = state;
        }
        let seq = self.seq;
        self.seq += 1;
        self.out.push(Event { seq, t_ns, end_ns, dir, dlci, meaning: None, kind });
    }
}

/// An SMS PDU: hexadecimal digits only.
fn is_hex(b: &[u8]) -> bool {
    !b.is_empty() && b.iter().all(u8::is_ascii_hexdigit)
}

/// `Ready` at the end of a line, with nothing or line-glitch bytes before it: a boot message.
fn is_ready(text: &[u8]) -> bool {
    let Some(garbage) = text.strip_suffix(b"Ready") else { return false };
    garbage.is_empty() || !is_clean(garbage) || garbage.iter().all(|b| b.is_ascii_whitespace())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether a line's prefix `name` answers command `command`.
fn answers_command(command: &str, name: &str) -> bool {
    if command.eq_ignore_ascii_case(name) {
        return true;
    }
    crate::slm::table::ANSWER_ALIASES.iter().any(|(cmd, line)| command.eq_ignore_ascii_case(cmd) && line == &name)
}

/// Whether `OK` to this command puts the SLM into data mode (§4.4; rows in
/// [`crate::slm::table::DATA_MODE`]).
pub fn enters_data_mode(c: &Command, v: SlmVersion) -> bool {
    crate::slm::table::enters_data_mode(&c.name, c.form, &c.params, v)
}

/// Printable UTF-8. CR and LF inside a line are quoted content (a PEM read back by `%CMNG=2`).
fn is_clean(b: &[u8]) -> bool {
    // Printable ASCII (almost every line) is told without decoding characters.
    if b.iter().all(|&c| matches!(c, b' '..=b'~' | b'\t' | b'\r' | b'\n')) {
        return true;
    }
    std::str::from_utf8(b).is_ok_and(|s| !s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n')))
}

/// Splits a line into a garbage prefix and a clean remainder that starts like an AT item.
fn split_garbage(line: &[u8]) -> (&[u8], &[u8]) {
    if is_clean(line) {
        return (&[], line);
    }
    // The clean tail after the last bad byte or invalid sequence.
    let mut last_bad_end = 0;
    let mut pos = 0;
    for chunk in line.utf8_chunks() {
        let valid = chunk.valid();
        for (i, c) in valid.char_indices() {
            if c.is_control() && !matches!(c, '\t' | '\r' | '\n') {
                last_bad_end = pos + i + c.len_utf8();
            }
        }
        pos += valid.len();
        if !chunk.invalid().is_empty() {
            pos += chunk.invalid().len();
            last_bad_end = pos;
        }
    }
    let tail = &line[last_bad_end..];
    let starts_like_at = |t: &[u8]| {
        t.first().is_some_and(|b| matches!(b, b'+' | b'%' | b'#')) || t.starts_with(b"OK") || t.starts_with(b"ERROR")
    };
    if !tail.is_empty() && starts_like_at(tail) {
        (&line[..last_bad_end], tail)
    } else {
        (line, &[])
    }
}

#[cfg(test)]
mod tests;
