//! The link: what the UART carries, a plain AT conversation or, once `AT#XCMUX` has started
//! the multiplexer (3GPP TS 27.010), CMUX frames that carry one AT channel, a PPP channel and
//! the control channel.
//!
//! [`Link`] sits in front of the [`TimelineBuilder`] and is fed the same records:
//!
//! * **plain**: records go to the builder as they are. When the builder pairs an `OK` with
//!   `AT#XCMUX[=<AT_channel>]` (the SM sends it before `cmux_start()`; the SLM starts the mux
//!   50 ms after it), the modem bytes after that `OK` and every byte after it are frames;
//! * **muxed** (`mux/channels.rs`): both directions go through the CMUX deframer; the AT channel's
//!   data goes to the same builder as the plain UART did (the modem has one AT parser, so the
//!   conversation and its exchange numbers go on), its events tagged with the DLCI; the PPP
//!   channel's data goes through the PPP deframer; control frames and frames a receiver drops
//!   are events of their own. A `Ready` outside frames ends the mux (the modem rebooted, its
//!   UART is plain AT again) and goes to the builder as a plain line;
//! * **PPP alone**: the Serial Modem without CMUX gives PPP a UART of its own (`sm_ppp.c`,
//!   the `ncs,sm-ppp-uart` chosen node); a capture of that UART is PPP frames from the start, both
//!   directions through the PPP deframer;
//! * **probe**: at the capture's start, records are held until the bytes tell: a whole CMUX
//!   frame with a good FCS (a capture that starts with the mux already up: CMUX); a PPP frame
//!   with a good FCS-16 and a known protocol in a direction that sent no `F9` (PPP alone); a plain AT
//!   line (a host command, a modem line after a line end or `Ready`) in a direction that has
//!   sent no `F9` flag (plain); or more than [`PROBE_BYTES`] bytes or [`PROBE_RECORDS`] records
//!   (plain).
//!
//! Every decision is taken at a byte of the stream, never at a chunk boundary or a drain, so
//! the events are the same for any split of the records and any drain frequency.

mod channels;

use crate::chunk::{Body, Chunk, Dir, Record};
use crate::cmux;
use crate::ppp;
use crate::timeline::{EventKind, TimelineBuilder};

use channels::Mux;

/// Bytes held at the capture's start before it is taken for plain AT.
pub const PROBE_BYTES: usize = 1024;
/// Records without bytes (marks, line conditions) held at the capture's start before it is
/// taken for plain AT.
pub const PROBE_RECORDS: usize = 256;

/// What the link carries now.
enum State {
    /// The capture's start, undecided.
    Probe(Box<Probe>),
    /// Plain AT.
    Plain,
    /// CMUX frames.
    Muxed(Box<Mux>),
    /// PPP alone (its own UART): the host's and the modem's PPP deframers.
    Ppp(Box<[ppp::Deframer; 2]>),
}

/// Records held at the capture's start, and deframers that look for a frame in them.
struct Probe {
    held: Vec<Record>,
    bytes: usize,
    /// Held records without bytes (marks, line conditions).
    empty: usize,
    host: ProbeSide,
    modem: ProbeSide,
}

/// What the probe saw of one direction.
struct ProbeSide {
    cmux: cmux::Deframer,
    ppp: ppp::Deframer,
    /// An `F9` flag came in this direction.
    flag_seen: bool,
    /// The line since the last line end (its first [`PROBE_LINE`] bytes).
    line: Vec<u8>,
    /// The current line began after a line end (not at the capture's start).
    after_eol: bool,
}

/// The longest line start the probe keeps.
const PROBE_LINE: usize = 64;

impl ProbeSide {
    fn new() -> Self {
        ProbeSide {
            cmux: cmux::Deframer::new(),
            ppp: ppp::Deframer::new(),
            flag_seen: false,
            line: Vec::new(),
            after_eol: false,
        }
    }

    /// Whether the line just ended is plain AT: a host line that starts with `AT`, a modem line
    /// that began after a line end (`\r\nOK`) or ends with `Ready`; a capture that starts in a
    /// frame's text ends its first line with an FCS and a flag, never like this.
    fn plain_line(&self, dir: Dir) -> bool {
        let printable = !self.line.is_empty() && self.line.iter().all(|&x| (0x20..0x7F).contains(&x));
        let shaped = match dir {
            Dir::Host => self.line.get(..2).is_some_and(|p| p.eq_ignore_ascii_case(b"AT")),
            Dir::Modem => self.after_eol || self.line.ends_with(b"Ready"),
        };
        !self.flag_seen && printable && shaped
    }
}

/// What the probe concluded.
enum Verdict {
    Wait,
    Plain,
    Muxed,
    Ppp,
}

impl Probe {
    fn new() -> Self {
        Probe { held: Vec::new(), bytes: 0, empty: 0, host: ProbeSide::new(), modem: ProbeSide::new() }
    }

    fn see(&mut self, rec: &Record) -> Verdict {
        self.held.push(rec.clone());
        let b = match rec {
            Record::Chunk(Chunk { body: Body::Bytes(b), .. }) if !b.is_empty() => b,
            // Counted apart from the bytes: cutting a chunk makes more records, not more of these.
            _ => {
                self.empty += 1;
                return if self.empty > PROBE_RECORDS { Verdict::Plain } else { Verdict::Wait };
            }
        };
        let Record::Chunk(Chunk { t_ns, dir, .. }) = rec else { return Verdict::Wait };
        let side = if *dir == Dir::Host { &mut self.host } else { &mut self.modem };
        // Byte by byte, so the verdict falls at the same byte for any split.
        for (i, &x) in b.iter().enumerate() {
            side.cmux.push(*t_ns, &b[i..i + 1]);
            side.ppp.push(*t_ns, &b[i..i + 1]);
            self.bytes += 1;
            side.flag_seen |= x == cmux::FLAG;
            if side.cmux.in_step() {
                return Verdict::Muxed;
            }
            while let Some(u) = side.ppp.next_unit() {
                let known = |f: &ppp::Frame| f.protocol().is_some_and(|(p, _)| ppp::protocol_name(p) != "?");
                if matches!(&u, ppp::Unit::Frame(f) if f.fcs_ok && known(f)) && !side.flag_seen {
                    return Verdict::Ppp;
                }
            }
            if matches!(x, b'\r' | b'\n') {
                if side.plain_line(*dir) {
                    return Verdict::Plain;
                }
                side.line.clear();
                side.after_eol = true;
            } else if side.line.len() < PROBE_LINE {
                side.line.push(x);
            }
            if self.bytes > PROBE_BYTES {
                return Verdict::Plain;
            }
        }
        Verdict::Wait
    }
}

/// The link decoder: records in, timeline events out through its [`TimelineBuilder`].
pub struct Link {
    builder: TimelineBuilder,
    state: State,
}

impl Link {
    /// A link in front of `builder`.
    pub fn new(builder: TimelineBuilder) -> Self {
        Link { builder, state: State::Probe(Box::new(Probe::new())) }
    }

    /// The timeline builder (its events, the SLM version).
    pub fn builder(&self) -> &TimelineBuilder {
        &self.builder
    }

    /// The timeline builder, to take its events.
    pub fn builder_mut(&mut self) -> &mut TimelineBuilder {
        &mut self.builder
    }

    /// Whether CMUX is running.
    pub fn muxed(&self) -> bool {
        matches!(self.state, State::Muxed(_))
    }

    /// Feeds one record (in time order).
    pub fn push(&mut self, rec: &Record) {
        match &mut self.state {
            // Nothing held yet: a mark or a line condition goes out at once (nothing to keep it
            // in order with).
            State::Probe(p)
                if p.held.is_empty()
                    && !matches!(rec, Record::Chunk(Chunk { body: Body::Bytes(b), .. }) if !b.is_empty()) =>
            {
                self.builder.push(rec);
            }
            State::Probe(p) => match p.see(rec) {
                Verdict::Wait => {}
                Verdict::Plain => {
                    let State::Probe(p) = std::mem::replace(&mut self.state, State::Plain) else { unreachable!() };
                    for r in &p.held {
                        self.push(r);
                    }
                }
                Verdict::Ppp => {
                    let State::Probe(p) = std::mem::replace(&mut self.state, State::Plain) else { unreachable!() };
                    self.state = State::Ppp(Box::new([ppp::Deframer::new(), ppp::Deframer::new()]));
                    for r in &p.held {
                        self.push(r);
                    }
                }
                Verdict::Muxed => {
                    let State::Probe(p) = std::mem::replace(&mut self.state, State::Plain) else { unreachable!() };
                    let t0 = p.held.first().map_or(0, Record::t_ns);
                    self.start_mux(t0, 1, false, Vec::new());
                    for r in &p.held {
                        self.push(r);
                    }
                }
            },
            State::Plain => {
                self.builder.push(rec);
                if let Some((start, rest)) = self.builder.take_mux_start() {
                    self.start_mux(start.t_ns, start.at_channel, true, rest);
                }
            }
            State::Muxed(m) => match rec {
                Record::Chunk(Chunk { t_ns, dir, body: Body::Bytes(b) }) => {
                    if let Some(rest) = m.push(&mut self.builder, *t_ns, *dir, b) {
                        // A `Ready` outside frames: plain AT again from the byte after it.
                        self.state = State::Plain;
                        if !rest.is_empty() {
                            self.push(&Record::Chunk(Chunk::bytes(*t_ns, *dir, rest)));
                        }
                    }
                }
                _ => {
                    self.builder.set_channel(None);
                    self.builder.push(rec);
                }
            },
            State::Ppp(d) => match rec {
                Record::Chunk(Chunk { t_ns, dir, body: Body::Bytes(b) }) => {
                    let side = &mut d[usize::from(*dir == Dir::Modem)];
                    side.push(*t_ns, b);
                    channels::ppp_events(&mut self.builder, *dir, None, side);
                }
                _ => self.builder.push(rec),
            },
        }
    }

    /// Ends the capture.
    pub fn finish(&mut self) {
        if let State::Probe(p) = std::mem::replace(&mut self.state, State::Plain) {
            for r in &p.held {
                self.push(r);
            }
        }
        match &mut self.state {
            State::Muxed(m) => m.finish(&mut self.builder),
            State::Ppp(d) => {
                for (side, dir) in d.iter_mut().zip([Dir::Host, Dir::Modem]) {
                    side.finish();
                    channels::ppp_events(&mut self.builder, dir, None, side);
                }
            }
            _ => {}
        }
        self.builder.set_channel(None);
        self.builder.finish();
    }

    /// The mux starts: `known` when the capture shows its start (then no channel is open yet).
    fn start_mux(&mut self, t_ns: i64, at_channel: u8, known: bool, modem_rest: crate::at::framer::TimedRuns) {
        let mux = Mux::new(at_channel, known);
        self.builder.set_channel(None);
        self.builder.push_event(
            t_ns,
            t_ns,
            None,
            None,
            EventKind::CmuxState {
                up: true,
                at_channel,
                ppp_channel: mux.ppp_channel(),
                why: if known { "command" } else { "capture" }.to_string(),
            },
        );
        self.state = State::Muxed(Box::new(mux));
        for (t, b) in modem_rest {
            self.push(&Record::Chunk(Chunk::bytes(t, Dir::Modem, b)));
        }
    }
}

#[cfg(test)]
mod tests;
