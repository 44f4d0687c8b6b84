//! The link: what the UART carries, a plain AT conversation or, once `AT#XCMUX` has started
//! the multiplexer (3GPP TS 27.010), CMUX frames that carry one AT channel, a PPP channel and
//! the control channel.
//!
//! [`Link`] sits in front of the [`TimelineBuilder`] and is fed the same records:
//!
//! * **plain**: records go to the builder as they are. When the builder pairs an `OK` with
//!   `AT#XCMUX[=<AT_channel>]` (the SM sends it before `cmux_start()`; the SLM starts the mux
//!   50 ms after it), the modem bytes after that `OK` and every byte after it are frames;
//! * **muxed** ([`channels`]): both directions go through the CMUX deframer; the AT channel's
//!   data goes to the same builder as the plain UART did (the modem has one AT parser, so the
//!   conversation and its exchange numbers go on), its events tagged with the DLCI; the PPP
//!   channel's data goes through the PPP deframer; control frames and frames a receiver drops
//!   are events of their own. A `Ready` outside frames ends the mux (the modem rebooted, its
//!   UART is plain AT again) and goes to the builder as a plain line;
//! * **probe**: at the capture's start, records are held until the bytes tell: a whole CMUX
//!   frame with a good FCS (a capture that starts with the mux already up: CMUX); two bytes
//!   after a line end with no `F9` flag so far (a frame's text ends `CR LF FCS F9`: plain); or
//!   more than [`PROBE_BYTES`] bytes (plain).
//!
//! Every decision is taken at a byte of the stream, never at a chunk boundary or a drain, so
//! the events are the same for any split of the records and any drain frequency.

mod channels;

use crate::chunk::{Body, Chunk, Dir, Record};
use crate::cmux;
use crate::timeline::{EventKind, TimelineBuilder};

use channels::Mux;

/// Bytes held at the capture's start before it is taken for plain AT.
pub const PROBE_BYTES: usize = 1024;

/// What the link carries now.
enum State {
    /// The capture's start, undecided.
    Probe(Probe),
    /// Plain AT.
    Plain,
    /// CMUX frames.
    Muxed(Box<Mux>),
}

/// Records held at the capture's start, and deframers that look for a frame in them.
struct Probe {
    held: Vec<Record>,
    bytes: usize,
    host: cmux::Deframer,
    modem: cmux::Deframer,
    flag_seen: bool,
    /// Bytes since the last line end, per direction (host, modem).
    since_eol: [Option<u8>; 2],
}

/// What the probe concluded.
enum Verdict {
    Wait,
    Plain,
    Muxed,
}

impl Probe {
    fn new() -> Self {
        Probe {
            held: Vec::new(),
            bytes: 0,
            host: cmux::Deframer::new(),
            modem: cmux::Deframer::new(),
            flag_seen: false,
            since_eol: [None; 2],
        }
    }

    fn see(&mut self, rec: &Record) -> Verdict {
        self.held.push(rec.clone());
        let Record::Chunk(Chunk { t_ns, dir, body: Body::Bytes(b) }) = rec else { return Verdict::Wait };
        let (d, eol) = match dir {
            Dir::Host => (&mut self.host, &mut self.since_eol[0]),
            Dir::Modem => (&mut self.modem, &mut self.since_eol[1]),
        };
        // Byte by byte, so the verdict falls at the same byte for any split.
        for (i, &x) in b.iter().enumerate() {
            d.push(*t_ns, &b[i..i + 1]);
            self.bytes += 1;
            self.flag_seen |= x == cmux::FLAG;
            if d.in_step() {
                return Verdict::Muxed;
            }
            *eol = match x {
                b'\r' | b'\n' => Some(0),
                _ => eol.map(|n| n.saturating_add(1)),
            };
            if !self.flag_seen && eol.is_some_and(|n| n >= 2) || self.bytes > PROBE_BYTES {
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
        Link { builder, state: State::Probe(Probe::new()) }
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
            State::Probe(p) => match p.see(rec) {
                Verdict::Wait => {}
                Verdict::Plain => {
                    let State::Probe(p) = std::mem::replace(&mut self.state, State::Plain) else { unreachable!() };
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
        }
    }

    /// Ends the capture.
    pub fn finish(&mut self) {
        if let State::Probe(p) = std::mem::replace(&mut self.state, State::Plain) {
            for r in &p.held {
                self.push(r);
            }
        }
        if let State::Muxed(m) = &mut self.state {
            m.finish(&mut self.builder);
        }
        self.builder.set_channel(None);
        self.builder.finish();
    }

    /// The mux starts: `known` when the capture shows its start (then no channel is open yet).
    fn start_mux(&mut self, t_ns: i64, at_channel: u8, known: bool, modem_rest: Vec<(i64, Vec<u8>)>) {
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
