//! The multiplexer while it runs: the two directions' CMUX deframers, the state of each DLCI,
//! and where each channel's data goes (the AT channel to the timeline builder, the PPP channel
//! to the PPP deframers, the control channel and the rest to events).
//!
//! What a receiver drops, from Zephyr's `modem_cmux.c` (the SM's and the Zephyr host's CMUX):
//! a frame whose FCS does not check (`process_received_byte()`); a data frame while the mux is
//! not connected, i.e. before DLCI 0 was opened with SABM/UA (`on_dlci_frame()`, "Unexpected
//! DLCI frame"); a data frame on a DLCI that is not open (answered DM when not configured,
//! dropped when closed). Bytes outside `F9 … F9` are skipped.

use crate::chunk::{Chunk, Dir, Record};
use crate::cmux::{self, ControlType, FrameType};
use crate::ppp;
use crate::stray::Stray;
use crate::timeline::event::{CmuxDrop, PppFrame};
use crate::timeline::{Bytes, EventKind, TimelineBuilder};

/// What is known of one DLCI.
#[derive(Debug, Clone, Copy, Default)]
struct Dlci {
    open: bool,
    /// A SABM sent by this side waits for its UA.
    sabm_from: Option<Dir>,
    /// A DISC sent by this side waits for its UA.
    disc_from: Option<Dir>,
}

/// One direction: its CMUX deframer and the PPP deframer of the PPP channel.
struct Side {
    cmux: cmux::Deframer,
    ppp: ppp::Deframer,
}

impl Side {
    fn new() -> Self {
        Side { cmux: cmux::Deframer::new(), ppp: ppp::Deframer::new() }
    }
}

/// The running multiplexer.
pub(super) struct Mux {
    at: u8,
    ppp: u8,
    dlcis: [Dlci; 64],
    host: Side,
    modem: Side,
}

impl Mux {
    /// A mux whose AT channel is `at`. `known`: the capture shows the start (no DLCI open yet);
    /// otherwise the capture began with the mux up and every DLCI is taken for open.
    pub(super) fn new(at: u8, known: bool) -> Self {
        let open = Dlci { open: !known, ..Dlci::default() };
        Mux { at, ppp: ppp_channel(at), dlcis: [open; 64], host: Side::new(), modem: Side::new() }
    }

    /// The PPP channel's DLCI.
    pub(super) fn ppp_channel(&self) -> u8 {
        self.ppp
    }

    fn side(&mut self, dir: Dir) -> &mut Side {
        match dir {
            Dir::Host => &mut self.host,
            Dir::Modem => &mut self.modem,
        }
    }

    /// Feeds bytes of one direction. `Some(rest)` when a `Ready` outside frames ended the mux:
    /// the builder has had the `Ready` line, `rest` are the bytes after it (plain AT).
    pub(super) fn push(&mut self, b: &mut TimelineBuilder, t: i64, dir: Dir, bytes: &[u8]) -> Option<Vec<u8>> {
        if dir == Dir::Host {
            self.host.cmux.push(t, bytes);
            self.units(b, Dir::Host);
            return None;
        }
        // Modem bytes up to each line end, so a `Ready` is seen at the same byte for any split.
        let mut from = 0;
        while from < bytes.len() {
            let end = bytes[from..].iter().position(|&x| x == b'\n').map_or(bytes.len(), |p| from + p + 1);
            self.modem.cmux.push(t, &bytes[from..end]);
            from = end;
            self.units(b, Dir::Modem);
            if ends_with_ready(self.modem.cmux.stray_so_far()) {
                self.end_by_reset(b, t);
                return Some(bytes[from..].to_vec());
            }
        }
        None
    }

    /// The end of the capture: frames cut short and stray bytes come out.
    pub(super) fn finish(&mut self, b: &mut TimelineBuilder) {
        for dir in [Dir::Host, Dir::Modem] {
            self.side(dir).cmux.finish();
            self.units(b, dir);
            self.side(dir).ppp.finish();
            self.ppp_units(b, dir);
        }
    }

    /// A `Ready` outside frames: the modem rebooted and its UART speaks plain AT again.
    fn end_by_reset(&mut self, b: &mut TimelineBuilder, t: i64) {
        let ready = self.modem.cmux.take_stray().unwrap_or_default();
        self.host.cmux.finish();
        self.units(b, Dir::Host);
        for dir in [Dir::Host, Dir::Modem] {
            self.side(dir).ppp.finish();
            self.ppp_units(b, dir);
        }
        b.set_channel(None);
        b.push_event(
            ready.t0,
            t,
            Some(Dir::Modem),
            None,
            EventKind::CmuxState { up: false, at_channel: self.at, ppp_channel: self.ppp, why: "reset".into() },
        );
        b.push(&Record::Chunk(Chunk::bytes(ready.t0, Dir::Modem, ready.data)));
    }

    fn units(&mut self, b: &mut TimelineBuilder, dir: Dir) {
        while let Some(u) = self.side(dir).cmux.next_unit() {
            match u {
                cmux::Unit::Frame(f) => self.frame(b, dir, f),
                cmux::Unit::Stray(s) => stray(b, dir, s),
            }
        }
    }

    fn frame(&mut self, b: &mut TimelineBuilder, dir: Dir, f: cmux::Frame) {
        let d = usize::from(f.dlci);
        let mut dropped = None;
        if !f.fcs_ok {
            dropped = Some(CmuxDrop::Fcs);
        } else {
            match f.kind() {
                FrameType::Sabm => self.dlcis[d].sabm_from = Some(dir),
                FrameType::Disc => self.dlcis[d].disc_from = Some(dir),
                FrameType::Ua => {
                    let s = &mut self.dlcis[d];
                    if s.disc_from == Some(dir.other()) {
                        s.open = false;
                        s.disc_from = None;
                    } else if s.sabm_from == Some(dir.other()) {
                        s.open = true;
                        s.sabm_from = None;
                    }
                }
                FrameType::Dm => self.dlcis[d] = Dlci::default(),
                FrameType::Uih | FrameType::Ui => {
                    if !self.dlcis[0].open {
                        dropped = Some(CmuxDrop::BeforeOpen);
                    } else if !self.dlcis[d].open {
                        dropped = Some(CmuxDrop::UnopenedDlci);
                    } else if f.dlci == self.at {
                        b.set_channel(Some(self.at));
                        b.push(&Record::Chunk(Chunk::bytes(f.t0, dir, f.info)));
                        // `AT#XCMUX=<AT_channel>` again on the AT channel: the mux goes on, and
                        // the AT channel moves after the `OK` (`handle_at_cmux()`:
                        // `requested_at_channel`), PPP taking the other DLCI.
                        if let Some((start, rest)) = b.take_mux_start() {
                            for (t, x) in rest {
                                b.push(&Record::Chunk(Chunk::bytes(t, Dir::Modem, x)));
                            }
                            b.set_channel(None);
                            if start.at_channel != self.at {
                                self.at = start.at_channel;
                                self.ppp = ppp_channel(self.at);
                                let kind = EventKind::CmuxState {
                                    up: true,
                                    at_channel: self.at,
                                    ppp_channel: self.ppp,
                                    why: "at-channel".into(),
                                };
                                b.push_event(start.t_ns, start.t_ns, None, None, kind);
                            }
                        }
                        b.set_channel(None);
                        return;
                    } else if f.dlci == self.ppp {
                        self.side(dir).ppp.push(f.t0, &f.info);
                        self.ppp_units(b, dir);
                        return;
                    } else if f.dlci != 0 {
                        let len = f.info.len();
                        b.push_event(
                            f.t0,
                            f.t1,
                            Some(dir),
                            Some(f.dlci),
                            EventKind::Payload {
                                exchange: None,
                                owner: format!("DLCI {}", f.dlci),
                                len,
                                data: Bytes(f.info),
                            },
                        );
                        return;
                    }
                }
                FrameType::Other(_) => {}
            }
        }
        let messages = if f.dlci == 0 && f.fcs_ok && matches!(f.kind(), FrameType::Uih | FrameType::Ui) {
            control_words(&f.info)
        } else {
            Vec::new()
        };
        let kind = EventKind::Cmux {
            frame: f.kind().name().to_string(),
            cr: f.cr,
            pf: f.pf(),
            messages,
            fcs_ok: f.fcs_ok,
            dropped,
            data: Bytes(f.info),
        };
        b.push_event(f.t0, f.t1, Some(dir), Some(f.dlci), kind);
    }

    fn ppp_units(&mut self, b: &mut TimelineBuilder, dir: Dir) {
        let dlci = Some(self.ppp);
        ppp_events(b, dir, dlci, &mut self.side(dir).ppp);
    }
}

/// The units a PPP deframer has cut, as events: frames as `ppp`, bytes outside frames as the
/// PPP link's payload.
pub(super) fn ppp_events(b: &mut TimelineBuilder, dir: Dir, dlci: Option<u8>, d: &mut ppp::Deframer) {
    while let Some(u) = d.next_unit() {
        match u {
            ppp::Unit::Frame(f) => b.push_event(f.t0, f.t1, Some(dir), dlci, EventKind::Ppp(ppp_frame(&f))),
            ppp::Unit::Stray(s) => {
                let len = s.data.len();
                let kind = EventKind::Payload { exchange: None, owner: "PPP channel".into(), len, data: Bytes(s.data) };
                b.push_event(s.t0, s.t1, Some(dir), dlci, kind);
            }
        }
    }
}

/// The PPP channel of an SM or SLM mux: the first DLCI that is not the AT channel's
/// (`sm_cmux.c` `cmux_get_dlci(CMUX_PPP_CHANNEL)`, DLCIs 1..CHANNEL_COUNT).
fn ppp_channel(at: u8) -> u8 {
    if at == 1 {
        2
    } else {
        1
    }
}

/// Whether stray modem bytes end with a boot's `Ready` line.
fn ends_with_ready(s: &[u8]) -> bool {
    s.ends_with(b"Ready\r\n") || s.ends_with(b"Ready\n")
}

/// Bytes outside frames: an event, unless they are only repeated flags.
fn stray(b: &mut TimelineBuilder, dir: Dir, s: Stray) {
    if s.data.iter().all(|&x| x == cmux::FLAG) {
        return;
    }
    let plain_at = dir == Dir::Host && is_plain_command(&s.data);
    b.push_event(s.t0, s.t1, Some(dir), None, EventKind::CmuxStray { data: Bytes(s.data), plain_at });
}

/// Whether bytes hold a plain AT command line: `AT` then printable text up to a CR or LF.
fn is_plain_command(data: &[u8]) -> bool {
    let Some(at) = data.windows(2).position(|w| w.eq_ignore_ascii_case(b"AT")) else { return false };
    let rest = &data[at..];
    let Some(end) = rest.iter().position(|&x| x == b'\r' || x == b'\n') else { return false };
    rest[..end].iter().all(|&x| (0x20..0x7F).contains(&x))
}

/// The control channel's messages in words: `MSC command DLCI 1: RTC RTR DV`.
fn control_words(info: &[u8]) -> Vec<String> {
    let Some(msgs) = cmux::control_messages(info) else {
        return vec![format!("unparsable control data ({} bytes)", info.len())];
    };
    msgs.iter()
        .map(|m| {
            let role = if m.command { "command" } else { "response" };
            let mut s = format!("{} {role}", m.kind.name());
            match m.kind {
                ControlType::Msc => {
                    if let Some(&addr) = m.values.first() {
                        s.push_str(&format!(" DLCI {}", addr >> 2));
                    }
                    if let Some(&v) = m.values.get(1) {
                        let signals: Vec<&str> =
                            [(0x02, "FC"), (0x04, "RTC"), (0x08, "RTR"), (0x40, "IC"), (0x80, "DV")]
                                .iter()
                                .filter(|(bit, _)| v & bit != 0)
                                .map(|(_, n)| *n)
                                .collect();
                        s.push_str(&format!(
                            ": {}",
                            if signals.is_empty() { "none".into() } else { signals.join(" ") }
                        ));
                    }
                }
                ControlType::Pn => {
                    if let Some(&d) = m.values.first() {
                        s.push_str(&format!(" DLCI {}", d & 0x3F));
                    }
                    if let (Some(&lo), Some(&hi)) = (m.values.get(4), m.values.get(5)) {
                        s.push_str(&format!(": N1 {}", u16::from_le_bytes([lo, hi])));
                    }
                }
                _ => {
                    if !m.values.is_empty() {
                        s.push_str(&format!(" ({} bytes)", m.values.len()));
                    }
                }
            }
            s
        })
        .collect()
}

/// What a PPP frame says.
fn ppp_frame(f: &ppp::Frame) -> PppFrame {
    let data = f.bytes[..f.bytes.len().saturating_sub(2)].to_vec();
    let mut out = PppFrame {
        protocol: "?".into(),
        number: 0,
        code: None,
        code_number: None,
        id: None,
        options: Vec::new(),
        ip: None,
        len: data.len(),
        fcs_ok: f.fcs_ok,
        data: Bytes(data),
    };
    let Some((number, info)) = f.protocol() else { return out };
    out.number = number;
    out.protocol = ppp::protocol_name(number).to_string();
    match number {
        ppp::LCP | ppp::IPCP | ppp::IPV6CP => {
            if let Some(c) = ppp::ControlPacket::parse(info) {
                out.code = Some(c.code_name().to_string());
                out.code_number = Some(c.code);
                out.id = Some(c.id);
                out.options = c.options.iter().map(|(ty, v)| ppp::option_words(number, *ty, v)).collect();
            }
        }
        ppp::IPV4 | ppp::IPV6 => out.ip = ppp::ip_summary(info),
        _ => {}
    }
    out
}
