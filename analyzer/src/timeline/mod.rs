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

pub mod event;

use std::collections::VecDeque;

pub use event::{Bytes, Event, EventKind, ExchangeStatus, ResetInfo};

use crate::at::framer::{HostFramer, HostLine, ModemFramer, ModemUnit, Terminator};
use crate::at::grammar::{self, Command, FinalResult, Form, ModemLine, Param};
use crate::chunk::{Body, Chunk, Dir, Record};
use crate::slm::SlmVersion;

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

#[derive(Debug, Clone)]
struct Open {
    id: u32,
    cmd: Option<Command>,
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
    /// A bare `Ready` in data mode, waiting for the evidence that tells reboot from payload.
    doubt: Option<Doubt>,
    /// Host bytes are being fed again after a doubt was settled (modem units wait).
    replaying: bool,
    /// A v2.1.x/v2.2.x TCP/UDP proxy connection is up: its data arrives before a trailer.
    proxy_open: bool,
    http_claimed: usize,
    http_in_body: bool,
    out: Vec<Event>,
    seq: u64,
}

impl TimelineBuilder {
    /// A builder with the given configuration.
    pub fn new(cfg: Config) -> Self {
        let version = cfg.version.unwrap_or(SlmVersion::DEFAULT);
        TimelineBuilder {
            version,
            version_known: cfg.version.is_some(),
            host: HostFramer::new(cfg.terminator),
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
            replaying: false,
            proxy_open: false,
            http_claimed: 0,
            http_in_body: false,
            out: Vec::new(),
            seq: 0,
        }
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

    /// Whether the version came from the trace or the user (not the default).
    pub fn version_known(&self) -> bool {
        self.version_known
    }

    /// Takes the events that are ready.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Event> {
        self.out.drain(..)
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
        let seq = self.seq;
        self.seq += 1;
        self.out.push(Event { seq, t_ns, end_ns, dir, meaning: None, kind });
    }

    // ---- host side ------------------------------------------------------------------------

    fn push_host(&mut self, t: i64, bytes: &[u8]) {
        if let Some(d) = self.doubt.as_mut().filter(|d| d.host_len + bytes.len() <= MAX_DOUBT_HOST) {
            d.host.push((t, bytes.to_vec()));
            d.host_len += bytes.len();
        }
        let mut i = 0;
        while i < bytes.len() {
            if let Some(d) = self.data.as_mut().filter(|d| !d.host_done) {
                // Data mode: everything is payload. v2.2+ ends it at the terminator in the stream.
                let rest = &bytes[i..];
                if self.version.scans_terminator() {
                    let before = d.host.bytes.len();
                    d.host.push(t, rest);
                    if let Some(p) = find(&d.host.bytes[before.saturating_sub(2)..], b"+++") {
                        let end = before.saturating_sub(2) + p + 3;
                        let after = d.host.bytes.split_off(end);
                        d.host.bytes.truncate(end - 3);
                        d.host_done = true;
                        d.terminated = true;
                        i = bytes.len() - after.len();
                        continue;
                    }
                } else {
                    d.host.push(t, rest);
                }
                self.cut_payload_pieces();
                return;
            }
            if let Some(line) = self.host.push_byte(t, bytes[i]) {
                self.host_line(line);
            }
            i += 1;
        }
    }

    fn host_line(&mut self, l: HostLine) {
        self.release_held();
        let parsed = if l.overflow {
            Err("longer than the SLM's 4096-byte command buffer".to_string())
        } else {
            grammar::parse_command(&l.text)
        };
        if parsed.as_ref().err().is_some_and(|e| e == "empty line") && !self.version.empty_line_is_error() {
            return; // v2.5+ ignores blank lines
        }
        self.retire_overdue(l.t0);
        let id = self.next_id;
        self.next_id += 1;
        // The most recent pending commands (bounded, so that a flood of unanswered lines stays linear).
        let skip = self.pending.len().saturating_sub(MAX_LISTED_PENDING);
        let pending: Vec<u32> = self.pending.iter().skip(skip).map(|o| o.id).collect();
        let (name, form, params, invalid, cmd) = match parsed {
            Ok(c) => (c.name.clone(), Some(c.form), c.params.clone(), None, Some(c)),
            Err(why) => (String::new(), None, Vec::new(), Some(why), None),
        };
        let enters_data_mode = cmd.as_ref().is_some_and(enters_data_mode);
        if let Some(c) = &cmd {
            if c.is("#XHTTPCREQ") {
                self.http_active = true;
                self.http_claimed = 0;
                self.http_in_body = false;
            }
        }
        self.emit(
            l.t0,
            l.t1,
            Some(Dir::Host),
            EventKind::Command {
                exchange: id,
                name,
                form,
                params,
                line: Bytes(l.text.clone()),
                invalid,
                overflow: l.overflow,
                pending,
            },
        );
        self.last_command = Some(id);
        let deadline = cmd
            .as_ref()
            .map(|c| crate::slm::table::timeout_ms(&c.name, &c.params))
            .unwrap_or(Some(crate::slm::table::DEFAULT_SLM_TIMEOUT_MS))
            .map(|ms| l.t1.saturating_add(crate::slm::table::ms_to_ns(ms)));
        self.pending.push_back(Open {
            id,
            cmd,
            line: l.text,
            t0: l.t0,
            t1: l.t1,
            deadline,
            infos: 0,
            enters_data_mode,
        });
    }

    /// A new command after the oldest pending ones ran out of time: the host gave up on them
    /// (an expert reads a retry, not a pipelined command), so a final result that follows
    /// answers the new command, not the overdue one.
    fn retire_overdue(&mut self, now: i64) {
        while self.pending.front().is_some_and(|o| o.deadline.is_some_and(|d| d < now)) {
            let open = self.pending.pop_front().expect("checked");
            let end = open.deadline.unwrap_or(open.t1);
            self.emit_exchange(open, end, ExchangeStatus::TimedOut, None, None);
        }
    }

    // ---- modem side -----------------------------------------------------------------------

    fn pump_modem(&mut self) {
        if self.replaying {
            return;
        }
        loop {
            match self.expect.front() {
                Some(Expect::CrLf) => {
                    // The CR LF after a `#XMQTTMSG` topic or payload: skip it if it is there.
                    match self.modem.peek(2) {
                        None if self.modem.peek(1).is_none_or(|b| b == b"\r") => return,
                        Some(b"\r\n") => self.modem.skip(2),
                        _ => {}
                    }
                    self.expect.pop_front();
                    continue;
                }
                Some(Expect::Payload { n, .. }) if !self.modem.in_payload() => self.modem.expect_payload(*n),
                _ => {}
            }
            let Some(u) = self.modem.next_unit() else {
                return;
            };
            self.modem_unit(u);
        }
    }

    fn modem_unit(&mut self, u: ModemUnit) {
        if self.doubt.is_some() && self.settle_doubt(&u).is_some() {
            // The unit goes back to the framer, to be cut again in command mode.
            return self.pump_modem();
        }
        match u {
            ModemUnit::Bytes { t0, t1, bytes } => {
                if let Some(Expect::Payload { owner, exchange, .. }) = self.expect.front().cloned() {
                    // A payload arrives whole, unless the capture ends inside it.
                    self.expect.pop_front();
                    let len = bytes.len();
                    self.emit(
                        t0,
                        t1,
                        Some(Dir::Modem),
                        EventKind::Payload { exchange, owner: owner.into(), len, data: Bytes(bytes) },
                    );
                    if self.data.is_some() {
                        self.modem.set_data_mode(true);
                    }
                } else if let Some(d) = self.data.as_mut() {
                    d.modem.push(t0, &bytes);
                    self.cut_payload_pieces();
                } else {
                    self.emit(
                        t0,
                        t1,
                        Some(Dir::Modem),
                        EventKind::Garbage {
                            data: Bytes(bytes),
                            why: "modem bytes cut off at the end of the capture".into(),
                        },
                    );
                }
            }
            ModemUnit::Line { t0, t1, text, raw, lead } => {
                if self.data.is_some() {
                    if text == b"Ready" {
                        // A bare Ready in data mode: a reboot, or a peer that sent "Ready".
                        self.doubt = Some(Doubt { t0, t1, raw, host: Vec::new(), host_len: 0 });
                        return;
                    }
                    self.flush_data_payload(Dir::Modem);
                }
                self.modem_line(t0, t1, text, raw, lead);
            }
        }
    }

    /// The modem unit after a doubtful `Ready` in data mode settles it: an answer to a command
    /// or a modem URC (both impossible in data mode) proves the reboot; an SLM line such as
    /// `#XDATAMODE` or more received data proves it was payload.
    fn settle_doubt(&mut self, u: &ModemUnit) -> Option<ModemUnit> {
        let d = self.doubt.take()?;
        let rebooted = match u {
            ModemUnit::Bytes { bytes, .. } => {
                let after = bytes.strip_prefix(b"\r\n").unwrap_or(&[]);
                bytes.starts_with(b"Ready")
                    || [&b"OK\r"[..], b"ERROR\r", b"+", b"%"].iter().any(|p| after.starts_with(p))
            }
            ModemUnit::Line { .. } => false,
        };
        if !rebooted {
            if let Some(data) = self.data.as_mut() {
                data.modem.push(d.t0, &d.raw);
            }
            return None;
        }
        // The host bytes sent since the Ready were commands, not payload.
        if let Some(data) = self.data.as_mut() {
            let keep = data.host.bytes.len().saturating_sub(d.host_len);
            data.host.bytes.truncate(keep);
        }
        self.replaying = true;
        self.reset(d.t0, d.t1, Vec::new());
        for (t, b) in d.host {
            self.push_host(t, &b);
        }
        self.replaying = false;
        let (ModemUnit::Bytes { t0, bytes, .. } | ModemUnit::Line { t0, raw: bytes, .. }) = u;
        self.modem.unread(*t0, bytes);
        Some(u.clone())
    }

    fn modem_line(&mut self, t0: i64, t1: i64, text: Vec<u8>, raw: Vec<u8>, lead: usize) {
        // `Ready` at the end of a line, garbage allowed before it: a reset.
        if is_ready(&text) {
            if self.pending.is_empty() && self.version.is_legacy() && self.proxy_open && self.data.is_none() {
                // v2.1.x/v2.2.x proxy data comes before its `#XTCPDATA` trailer and may hold a
                // `Ready` line of its own: the next line tells.
                self.hold(t0, t1, text, raw);
                return;
            }
            self.release_held();
            self.reset(t0, t1, text[..text.len() - 5].to_vec());
            return;
        }
        // Split a garbage prefix off a line that is otherwise clean.
        let (garbage, clean) = split_garbage(&text);
        if !garbage.is_empty() {
            self.release_held();
            let why = if clean.is_empty() { "bytes that fit no AT item" } else { "bytes before an AT line" };
            self.emit(t0, t1, Some(Dir::Modem), EventKind::Garbage { data: Bytes(garbage.to_vec()), why: why.into() });
            if clean.is_empty() {
                return;
            }
        }
        let clean = clean.to_vec();
        let parsed = grammar::parse_modem_line(&clean);
        let holding = self.pending.is_empty() && (self.version.is_legacy() || self.http_active);
        match parsed {
            ModemLine::Final(r) => {
                if self.pending.is_empty() && holding {
                    self.hold(t0, t1, clean, raw);
                    return;
                }
                self.release_held();
                self.final_result(t0, t1, r);
            }
            ModemLine::Prefixed { name, params } => {
                if self.trailer(&name, &params, &raw[..lead]) {
                    self.emit(t0, t1, Some(Dir::Modem), EventKind::Urc { name, params, line: Bytes(clean) });
                    return;
                }
                self.release_held();
                self.prefixed(t0, t1, name, params, clean);
            }
            ModemLine::Text => {
                if holding {
                    self.hold(t0, t1, clean, raw);
                    return;
                }
                self.release_held();
                self.text_line(t0, t1, clean);
            }
        }
    }

    fn text_line(&mut self, t0: i64, t1: i64, line: Vec<u8>) {
        if let Some(open) = self.pending.front_mut() {
            open.infos += 1;
            let exchange = open.id;
            self.emit(
                t0,
                t1,
                Some(Dir::Modem),
                EventKind::Info { exchange, name: None, params: Vec::new(), line: Bytes(line) },
            );
        } else {
            self.emit(t0, t1, Some(Dir::Modem), EventKind::Text { line: Bytes(line) });
        }
    }

    fn final_result(&mut self, t0: i64, t1: i64, r: FinalResult) {
        // An unsolicited +CMS ERROR: 524 is a URC (the modem dropped the SMS client).
        if self.pending.is_empty() && r == FinalResult::CmsError(524) {
            self.emit(
                t0,
                t1,
                Some(Dir::Modem),
                EventKind::Urc {
                    name: "+CMS ERROR".into(),
                    params: vec![Param::Int(524)],
                    line: Bytes(b"+CMS ERROR: 524".to_vec()),
                },
            );
            return;
        }
        let Some(open) = self.pending.pop_front() else {
            self.emit(t0, t1, Some(Dir::Modem), EventKind::Final { exchange: None, result: r, latency_ns: None });
            return;
        };
        if !self.version.allows_pipelining() && self.version_known {
            // RX was off until this final result: commands sent meanwhile were never read.
            // (With an assumed version they wait: their own answers would prove a newer SLM.)
            while let Some(lost) = self.pending.pop_front() {
                self.emit_exchange(lost, t0, ExchangeStatus::Lost, None, None);
            }
        }
        let latency = t0 - open.t1;
        let id = open.id;
        self.emit(
            t0,
            t1,
            Some(Dir::Modem),
            EventKind::Final { exchange: Some(id), result: r.clone(), latency_ns: Some(latency) },
        );
        let enters = open.enters_data_mode && r.is_ok();
        let status = if r.is_ok() { ExchangeStatus::Ok } else { ExchangeStatus::Error };
        self.emit_exchange(open, t1, status, Some(r), Some(latency));
        if enters {
            self.start_data_mode(t1, Some(id));
        }
    }

    fn emit_exchange(
        &mut self,
        open: Open,
        end: i64,
        status: ExchangeStatus,
        result: Option<FinalResult>,
        latency_ns: Option<i64>,
    ) {
        let name = open.cmd.as_ref().map(|c| c.name.clone()).unwrap_or_default();
        let t0 = open.t0;
        self.emit(
            t0,
            end.max(t0),
            None,
            EventKind::Exchange {
                id: open.id,
                name,
                line: Bytes(open.line),
                status,
                result,
                latency_ns,
                info_lines: open.infos,
            },
        );
    }

    fn prefixed(&mut self, t0: i64, t1: i64, name: String, params: Vec<Param>, line: Vec<u8>) {
        if name == "#XSLMVER" && self.cfg.version.is_none() {
            if let Some(v) = SlmVersion::from_params(&params) {
                self.version = v;
                self.version_known = true;
            }
        }
        if name == "#XSMVER" && self.cfg.version.is_none() {
            if let Some(mut v) = SlmVersion::from_params(&params) {
                v.sm = true;
                self.version = v;
                self.version_known = true;
            }
        }
        let answers = self.pending.front().is_some_and(|o| {
            o.cmd.as_ref().is_some_and(|c| {
                answers_command(c, &name)
                    && !(c.form == Form::Read && crate::slm::urc_during_read(&name, &params, o.infos > 0))
            })
        });
        let exchange = if answers { self.pending.front().map(|o| o.id) } else { None };
        if let Some(open) = self.pending.front_mut().filter(|_| answers) {
            open.infos += 1;
        }
        let int = |i: usize| params.get(i).and_then(Param::as_int);
        let first_int = int(0);
        let second_int = int(1);
        let state = params.last().and_then(Param::as_text).map(str::to_string);
        let kind = match exchange {
            Some(ex) => EventKind::Info { exchange: ex, name: Some(name.clone()), params, line: Bytes(line) },
            None => EventKind::Urc { name: name.clone(), params, line: Bytes(line) },
        };
        if name == "#XDATAMODE" {
            // The payload came before the line that ends it.
            self.strip_terminator();
            self.flush_data_payload(Dir::Host);
            self.flush_data_payload(Dir::Modem);
        }
        self.emit(t0, t1, Some(Dir::Modem), kind);
        let announced =
            |n: Option<i64>| n.and_then(|n| usize::try_from(n).ok()).filter(|&n| n > 0 && n <= MAX_ANNOUNCED);
        match name.as_str() {
            "#XRECV" | "#XRECVFROM" if exchange.is_some() => {
                if let Some(n) = announced(first_int) {
                    self.expect.push_back(Expect::Payload {
                        n,
                        owner: if name == "#XRECV" { "#XRECV" } else { "#XRECVFROM" },
                        exchange,
                    });
                }
            }
            "#XTCPDATA" | "#XUDPDATA" if !self.version.is_legacy() => {
                if let Some(n) = announced(first_int) {
                    let owner = if name == "#XTCPDATA" { "#XTCPDATA" } else { "#XUDPDATA" };
                    self.expect.push_back(Expect::Payload { n, owner, exchange: None });
                }
            }
            "#XMQTTMSG" => {
                let size = |v: Option<i64>| v.and_then(|n| usize::try_from(n).ok()).filter(|&n| n <= MAX_ANNOUNCED);
                if let (Some(tl), Some(pl)) = (size(first_int), size(second_int)) {
                    {
                        if tl > 0 {
                            self.expect.push_back(Expect::Payload { n: tl, owner: "#XMQTTMSG topic", exchange: None });
                        }
                        self.expect.push_back(Expect::CrLf);
                        if pl > 0 {
                            self.expect.push_back(Expect::Payload { n: pl, owner: "#XMQTTMSG", exchange: None });
                        }
                        self.expect.push_back(Expect::CrLf);
                    }
                }
            }
            "#XDATAMODE" if self.data.is_some() => self.end_data_mode(Some(t0), first_int),
            "#XTCPCLI" | "#XTCPSVR" | "#XUDPCLI" | "#XUDPSVR" => {
                // `<h>,"connected"`, `"<ip>","connected"`, `<h>,"started"` open a proxy;
                // `…,"disconnected"`, `"stopped"`, `"not connected"` close it.
                match state.as_deref() {
                    Some("connected" | "started") => self.proxy_open = true,
                    Some("disconnected" | "stopped" | "not connected") => self.proxy_open = false,
                    _ => {}
                }
            }
            "#XHTTPCREQ" => match first_int {
                Some(1) => {
                    let ex = self.pending.front().map(|o| o.id).or(self.last_command);
                    self.start_data_mode(t1, ex);
                }
                Some(n) if n < 0 => self.http_active = false,
                _ => {}
            },
            _ => {}
        }
    }

    /// A v2.1.x `#XTCPDATA`/`#XUDPDATA`, or any `#XHTTPCRSP`: claims the held bytes before it.
    fn trailer(&mut self, name: &str, params: &[Param], lead: &[u8]) -> bool {
        let int = |i: usize| params.get(i).and_then(Param::as_int);
        let is_trailer = match name {
            "#XTCPDATA" | "#XUDPDATA" => self.version.is_legacy(),
            // `#XHTTPCRSP: 0,<negative errno>` is the remote closing early, not a trailer.
            "#XHTTPCRSP" => int(0) != Some(0) || matches!(int(1), Some(0 | 1)),
            _ => false,
        };
        if !is_trailer {
            return false;
        }
        let Some(n) = int(0) else {
            return false;
        };
        let last = int(1);
        let mut n = usize::try_from(n).unwrap_or(0);
        if name == "#XHTTPCRSP" {
            // The first trailer of a response covers the header block; later ones give the
            // running total of body bytes.
            if self.http_in_body {
                let total = n;
                n = total.saturating_sub(self.http_claimed);
                self.http_claimed = total.max(self.http_claimed);
            } else {
                self.http_in_body = true;
                self.http_claimed = 0;
            }
            if last == Some(1) && self.http_in_body && self.http_claimed > 0 {
                self.http_active = false;
                self.http_in_body = false;
                self.http_claimed = 0;
            }
        }
        let mut region: Vec<u8> = Vec::new();
        let mut times: Vec<(usize, i64, i64)> = Vec::new();
        for h in &self.held {
            times.push((region.len(), h.t0, h.t1));
            region.extend_from_slice(&h.raw);
        }
        region.extend_from_slice(lead);
        if region.ends_with(b"\r\n") {
            region.truncate(region.len() - 2);
        }
        let n = n.min(region.len());
        let cut = region.len() - n;
        let payload = region[cut..].to_vec();
        let held = std::mem::take(&mut self.held);
        self.held_bytes = 0;
        // Bytes before the claimed region are released as the lines they were.
        let mut consumed = 0;
        for h in held {
            if consumed + h.raw.len() <= cut {
                consumed += h.raw.len();
                self.classify_released(h);
            } else {
                break;
            }
        }
        let t_first = times.iter().rev().find(|(off, _, _)| *off <= cut).map(|t| t.1).unwrap_or(0);
        let t_last = times.last().map(|t| t.2).unwrap_or(t_first);
        let owner = match name {
            "#XTCPDATA" => "#XTCPDATA",
            "#XUDPDATA" => "#XUDPDATA",
            _ => "#XHTTPCRSP",
        };
        if !payload.is_empty() {
            let len = payload.len();
            self.emit(
                t_first,
                t_last,
                Some(Dir::Modem),
                EventKind::Payload { exchange: None, owner: owner.into(), len, data: Bytes(payload) },
            );
        }
        true
    }

    fn hold(&mut self, t0: i64, t1: i64, text: Vec<u8>, raw: Vec<u8>) {
        self.held_bytes += raw.len();
        self.held.push(Held { t0, t1, text, raw });
        while self.held_bytes > MAX_HELD && !self.held.is_empty() {
            let h = self.held.remove(0);
            self.held_bytes -= h.raw.len();
            self.classify_released(h);
        }
    }

    fn release_held(&mut self) {
        self.held_bytes = 0;
        for h in std::mem::take(&mut self.held) {
            self.classify_released(h);
        }
    }

    fn classify_released(&mut self, h: Held) {
        if is_ready(&h.text) {
            let garbage = h.text[..h.text.len() - 5].to_vec();
            self.reset(h.t0, h.t1, garbage);
            return;
        }
        match grammar::parse_modem_line(&h.text) {
            ModemLine::Final(r) => self.final_result(h.t0, h.t1, r),
            _ => self.text_line(h.t0, h.t1, h.text),
        }
    }

    fn reset(&mut self, t0: i64, t1: i64, garbage: Vec<u8>) {
        let aborted: Vec<u32> = self.pending.iter().map(|o| o.id).collect();
        self.emit(
            t0,
            t1,
            Some(Dir::Modem),
            EventKind::Reset(ResetInfo { garbage: Bytes(garbage), aborted, last_command: self.last_command }),
        );
        while let Some(open) = self.pending.pop_front() {
            self.emit_exchange(open, t0, ExchangeStatus::Aborted, None, None);
        }
        if self.data.is_some() {
            self.end_data_mode(None, None);
        }
        self.expect.clear();
        self.modem.expect_payload(0);
        self.modem.set_data_mode(false);
        self.http_active = false;
        self.proxy_open = false;
        self.http_claimed = 0;
        self.http_in_body = false;
    }

    // ---- data mode ------------------------------------------------------------------------

    fn start_data_mode(&mut self, t: i64, exchange: Option<u32>) {
        if self.data.is_some() {
            return;
        }
        self.emit(t, t, None, EventKind::DataMode { enter: true, exchange, result: None, host_terminator: false });
        // Host bytes already buffered as a partial command line belong to the payload.
        let mut host = PayloadAcc::default();
        if let Some(l) = self.host.take_pending() {
            host.push(l.t0, &l.text);
        }
        self.data =
            Some(DataSession { exchange, host, modem: PayloadAcc::default(), host_done: false, terminated: false });
        self.modem.set_data_mode(true);
    }

    /// The terminator that ended data mode is not payload.
    fn strip_terminator(&mut self) {
        if let Some(d) = self.data.as_mut() {
            if d.host.bytes.ends_with(b"+++") {
                let n = d.host.bytes.len() - 3;
                d.host.bytes.truncate(n);
                d.terminated = true;
            }
        }
    }

    fn end_data_mode(&mut self, t: Option<i64>, result: Option<i64>) {
        self.strip_terminator();
        self.flush_data_payload(Dir::Host);
        self.flush_data_payload(Dir::Modem);
        let Some(d) = self.data.take() else { return };
        let t = t.unwrap_or(d.host.t1.max(d.modem.t1));
        self.emit(
            t,
            t,
            None,
            EventKind::DataMode { enter: false, exchange: d.exchange, result, host_terminator: d.terminated },
        );
        self.modem.set_data_mode(false);
        self.pump_modem();
    }

    fn flush_data_payload(&mut self, dir: Dir) {
        let Some(d) = self.data.as_mut() else { return };
        let acc = match dir {
            Dir::Host => &mut d.host,
            Dir::Modem => &mut d.modem,
        };
        if acc.bytes.is_empty() {
            return;
        }
        let acc = std::mem::take(acc);
        let exchange = d.exchange;
        let len = acc.bytes.len();
        self.emit(
            acc.t0,
            acc.t1,
            Some(dir),
            EventKind::Payload { exchange, owner: "data mode".into(), len, data: Bytes(acc.bytes) },
        );
    }

    /// Emits full [`PAYLOAD_PIECE`]s of data-mode payload, so memory stays flat.
    fn cut_payload_pieces(&mut self) {
        for dir in [Dir::Host, Dir::Modem] {
            loop {
                let Some(d) = self.data.as_mut() else { return };
                let acc = match dir {
                    Dir::Host => &mut d.host,
                    Dir::Modem => &mut d.modem,
                };
                // Keep the tail that may still be the terminator.
                if acc.bytes.len() < PAYLOAD_PIECE + 3 {
                    break;
                }
                let rest = acc.bytes.split_off(PAYLOAD_PIECE);
                let piece = std::mem::replace(&mut acc.bytes, rest);
                let (t0, t1) = (acc.t0, acc.t1);
                acc.t0 = acc.t1;
                let exchange = d.exchange;
                self.emit(
                    t0,
                    t1,
                    Some(dir),
                    EventKind::Payload { exchange, owner: "data mode".into(), len: piece.len(), data: Bytes(piece) },
                );
            }
        }
    }
}

/// `Ready` at the end of a line, with nothing or line-glitch bytes before it: a boot message.
fn is_ready(text: &[u8]) -> bool {
    let Some(garbage) = text.strip_suffix(b"Ready") else { return false };
    garbage.is_empty() || !is_clean(garbage) || garbage.iter().all(|b| b.is_ascii_whitespace())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether a line's prefix `name` answers command `c`.
fn answers_command(c: &Command, name: &str) -> bool {
    if c.name.eq_ignore_ascii_case(name) {
        return true;
    }
    // v2.1.2 `#XCMNG` read prints a `%CMNG:` line; `#XTCPHANGUP` answers with `#XTCPSVR`.
    matches!((c.name.as_str(), name), ("#XCMNG", "%CMNG") | ("#XTCPHANGUP", "#XTCPSVR"))
}

/// Whether `OK` to this command puts the SLM into data mode (§4.4).
pub fn enters_data_mode(c: &Command) -> bool {
    let n = c.params.len();
    let empty = |i: usize| match c.params.get(i) {
        None => true,
        Some(grammar::Param::Empty) => true,
        Some(grammar::Param::Str(s)) => s.is_empty(),
        _ => false,
    };
    match c.name.as_str() {
        "#XSEND" | "#XTCPSEND" | "#XUDPSEND" => c.form == Form::Exec || (c.form == Form::Set && empty(0)),
        "#XSENDTO" => c.form == Form::Set && n <= 2,
        "#XMQTTPUB" => c.form == Form::Set && empty(1),
        "#XNRFCLOUD" => c.form == Form::Set && c.int(0) == Some(2),
        "#XFTP" => {
            let op = c.text(0).unwrap_or("").to_ascii_lowercase();
            c.form == Form::Set && ((op == "put" || op == "mput") && n <= 2 || op == "uput" && n <= 1)
        }
        _ => false,
    }
}

/// Printable UTF-8. CR and LF inside a line are quoted content (a PEM read back by `%CMNG=2`).
fn is_clean(b: &[u8]) -> bool {
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
