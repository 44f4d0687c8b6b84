//! CMUX and PPP: frames a receiver drops, a host still speaking plain AT, a reboot that ends the
//! mux, PPP frames with a bad FCS, before the modem runs PPP, an LCP Terminate, a negotiation
//! that never completes.
//!
//! Sources: Zephyr `subsys/modem/modem_cmux.c` (what a receiver drops), ncs-serial-modem
//! `app/src/sm_ppp.c` (`#XPPP: <running>,<peer_connected>,<cid>`; PPP is attached to its channel
//! only when the PDN is up), RFC 1661 (the LCP/NCP automaton), Zephyr's PPP defaults (10
//! Configure-Requests 3 s apart).

use super::*;
use crate::ppp;
use crate::timeline::event::{CmuxDrop, PppFrame};

/// How long a PPP negotiation may take before it is said not to complete.
const NEGOTIATION_NS: i64 = 30_000_000_000;

/// A PPP negotiation under way: who acked LCP and an NCP (host, modem).
#[derive(Debug, Clone)]
pub(super) struct Negotiation {
    t0: i64,
    seq: u64,
    lcp_acked: [bool; 2],
    ncp_acked: [bool; 2],
}

impl Negotiation {
    fn done(&self) -> bool {
        self.lcp_acked == [true; 2] && self.ncp_acked == [true; 2]
    }
}

/// What the CMUX and PPP rules remember.
#[derive(Debug, Default)]
pub(super) struct MuxState {
    /// `AT#XPPP=1` was answered `OK` (or sent) and no `#XPPP: 1,…` came yet.
    ppp_requested: bool,
    /// The modem reported PPP running (`#XPPP: 1,…`).
    ppp_running: bool,
    /// `ppp.before-pdn` was said for this start.
    before_pdn_said: bool,
    negotiation: Option<Negotiation>,
}

fn side(dir: Option<Dir>) -> usize {
    usize::from(dir == Some(Dir::Modem))
}

fn who(dir: Option<Dir>) -> &'static str {
    match dir {
        Some(Dir::Host) => "the host",
        Some(Dir::Modem) => "the modem",
        None => "?",
    }
}

impl Rules {
    /// A CMUX frame that the analysis showed (control, or dropped).
    pub(super) fn cmux_frame(&mut self, e: &Event, out: &mut Vec<Draft>) {
        let EventKind::Cmux { frame, dropped: Some(why), data, .. } = &e.kind else { return };
        let dlci = e.dlci.unwrap_or(0);
        let from = who(e.dir);
        let what = if data.0.is_empty() { String::new() } else { format!(" ({})", clipped(&data.0)) };
        let (id, message, help) = match why {
            CmuxDrop::Fcs => (
                FindingId::CmuxFcs,
                format!("{frame} frame from {from} on DLCI {dlci}{what}: its FCS does not check"),
                "The receiver drops a CMUX frame whose FCS does not check (modem_cmux.c), so what it carried never arrived: a command in it gets no answer. Bit errors on the UART (baud rate, noise, missing hardware flow control with full buffers) or a sender that computes the FCS over the wrong octets (for UIH only address, control and length are covered).",
            ),
            CmuxDrop::BeforeOpen => (
                FindingId::CmuxDataBeforeOpen,
                format!("{frame} data from {from} on DLCI {dlci}{what} before the mux was opened (no SABM/UA on DLCI 0 yet)"),
                "After AT#XCMUX's OK the modem waits for the host to open the control channel (SABM on DLCI 0, answered UA) and then each channel; a data frame before that is dropped (modem_cmux.c: 'Unexpected DLCI frame'). Open DLCI 0 and the channel first, then send.",
            ),
            CmuxDrop::UnopenedDlci => (
                FindingId::CmuxUnopenedDlci,
                format!("{frame} data from {from} on DLCI {dlci}{what}, a channel not opened with SABM/UA"),
                "Data on a DLCI that is not open is dropped; the modem answers DM when the DLCI is not one it has (the SM has the AT channel and the PPP channel, DLCIs 1 and 2). Check the host's channel configuration against AT#XCMUX? (#XCMUX: <AT channel>,<channel count>) and open the channel with SABM before using it.",
            ),
        };
        out.push(Draft::about(e, id, message, help));
    }

    /// Bytes outside frames on the muxed link.
    pub(super) fn cmux_stray(&mut self, e: &Event, out: &mut Vec<Draft>) {
        let EventKind::CmuxStray { data, plain_at: true } = &e.kind else { return };
        out.push(Draft::about(
            e,
            FindingId::CmuxPlainAtAfterStart,
            format!("the host sent {} as plain text while CMUX was up", clipped(&data.0)),
            "Once AT#XCMUX has been answered OK every byte on the UART must be in a CMUX frame: the modem skips bytes outside frames, so this command is lost. A part of the host still writes to the raw UART instead of its AT channel (DLCI 1 by default).",
        ));
    }

    /// The mux went up or down.
    pub(super) fn cmux_state(&mut self, e: &Event, out: &mut Vec<Draft>) {
        let EventKind::CmuxState { up, why, .. } = &e.kind else { return };
        if *up {
            return;
        }
        self.ppp_ended(e.t_ns, "the mux ended", out);
        self.mux.ppp_requested = false;
        self.mux.ppp_running = false;
        if why == "reset" {
            out.push(Draft::about(
                e,
                FindingId::CmuxEndedByReset,
                "`Ready` outside frames while CMUX was up: the modem rebooted and the mux is gone".into(),
                "After a reboot the modem's UART speaks plain AT again: every channel (AT and PPP) is gone and the host must send AT#XCMUX and open the channels again. The reset finding says what may have caused the reboot.",
            ));
        }
    }

    /// `AT#XPPP=<op>`.
    pub(super) fn ppp_command(&mut self, params: &[Param]) {
        match params.first().and_then(Param::as_int) {
            Some(1) => {
                self.mux.ppp_requested = true;
                self.mux.before_pdn_said = false;
            }
            Some(0) => self.mux.ppp_requested = false,
            _ => {}
        }
    }

    /// `#XPPP: <running>,<peer_connected>,<cid>`.
    pub(super) fn ppp_status(&mut self, params: &[Param]) {
        self.mux.ppp_running = params.first().and_then(Param::as_int) == Some(1);
        if self.mux.ppp_running {
            self.mux.ppp_requested = false;
        }
    }

    /// A PPP frame.
    pub(super) fn ppp_frame(&mut self, e: &Event, p: &PppFrame, out: &mut Vec<Draft>) {
        let from = who(e.dir);
        self.ppp_overdue(e.t_ns, out);
        if !p.fcs_ok {
            out.push(Draft::about(
                e,
                FindingId::PppFcs,
                format!("{} frame from {from} ({} bytes): its FCS-16 does not check", p.protocol, p.len),
                "The frame's bytes changed between the sender's PPP and this point, or the sender's FCS is wrong. Zephyr's modem_ppp strips the FCS without checking it, so the receiver may still use a damaged packet; look for UART errors or a broken escape (0x7D) handling.",
            ));
        }
        if e.dir == Some(Dir::Host) && self.mux.ppp_requested && !self.mux.ppp_running && !self.mux.before_pdn_said {
            self.mux.before_pdn_said = true;
            out.push(Draft::about(
                e,
                FindingId::PppBeforePdn,
                format!("{} from the host before the modem reported PPP running (#XPPP: 1,…)", words_of(p)),
                "The Serial Modem attaches PPP to its channel only when the PDN is up (sm_ppp.c ppp_start() on the PDN activation), then sends #XPPP: 1,0,<cid>. Frames before that are not answered: wait for #XPPP: 1 (or +CGEV: ME PDN ACT) before starting LCP, or expect the first Configure-Requests to time out.",
            ));
        }
        let Some(code) = p.code_number else { return };
        let ncp = matches!(p.number, ppp::IPCP | ppp::IPV6CP);
        match (p.number, code) {
            (ppp::LCP, 1) if self.mux.negotiation.as_ref().is_none_or(Negotiation::done) => {
                self.mux.negotiation =
                    Some(Negotiation { t0: e.t_ns, seq: e.seq, lcp_acked: [false; 2], ncp_acked: [false; 2] });
            }
            (ppp::LCP, 5) => {
                self.ppp_ended(e.t_ns, "LCP Terminate", out);
                out.push(Draft::about(
                    e,
                    FindingId::PppTerminated,
                    format!("LCP Terminate-Request from {from}: PPP is being closed"),
                    "One side closes the PPP link (a host that brings its network interface down, or a modem whose PDN went away). The Serial Modem then stops PPP (#XPPP: 0,…) and does not restart it by itself: AT#XPPP=1 starts it again.",
                ));
            }
            (_, 2) => {
                if let Some(n) = self.mux.negotiation.as_mut() {
                    if p.number == ppp::LCP {
                        n.lcp_acked[side(e.dir)] = true;
                    } else if ncp {
                        n.ncp_acked[side(e.dir)] = true;
                    }
                }
            }
            _ => {}
        }
    }

    /// A negotiation under way for longer than it may take.
    pub(super) fn ppp_overdue(&mut self, now: i64, out: &mut Vec<Draft>) {
        if self.mux.negotiation.as_ref().is_some_and(|n| !n.done() && now - n.t0 > NEGOTIATION_NS) {
            self.ppp_ended(now, "30 s went by", out);
        }
    }

    /// PPP ended (or gave up): a negotiation that had not completed is said.
    pub(super) fn ppp_ended(&mut self, now: i64, why: &str, out: &mut Vec<Draft>) {
        let Some(n) = self.mux.negotiation.take() else { return };
        if n.done() {
            return;
        }
        let missing: Vec<&str> = [
            (!n.lcp_acked[0], "LCP Configure-Ack from the host"),
            (!n.lcp_acked[1], "LCP Configure-Ack from the modem"),
            (!n.ncp_acked[0], "IPCP/IPV6CP Configure-Ack from the host"),
            (!n.ncp_acked[1], "IPCP/IPV6CP Configure-Ack from the modem"),
        ]
        .iter()
        .filter(|(m, _)| *m)
        .map(|(_, s)| *s)
        .collect();
        out.push(Draft {
            id: FindingId::PppNegotiationIncomplete,
            level: None,
            t0: n.t0,
            t1: now.max(n.t0),
            message: format!("PPP negotiation started {} before {why} and never completed: no {}", secs(now - n.t0), missing.join(", no ")),
            help: "PPP is up only when LCP and an NCP (IPCP for IPv4, IPV6CP for IPv6) have been acked in both directions. Unanswered Configure-Requests mean the peer does not hear them (wrong channel, PPP not started on the modem: AT#XPPP=1 and a PDN up); Naks or Rejects repeated mean the two sides disagree on an option.".into(),
            events: vec![n.seq],
        });
    }

    /// At the end of the capture.
    pub(super) fn mux_finish(&mut self, out: &mut Vec<Draft>) {
        self.ppp_overdue(self.clock, out);
    }

    /// A reboot ends PPP.
    pub(super) fn mux_reset(&mut self, t: i64, out: &mut Vec<Draft>) {
        self.ppp_ended(t, "the modem rebooted", out);
        self.mux.ppp_requested = false;
        self.mux.ppp_running = false;
    }
}

fn clipped(b: &[u8]) -> String {
    let s = crate::timeline::event::escape(&b[..b.len().min(48)]);
    if b.len() > 48 {
        format!("{s}…")
    } else {
        s
    }
}

fn words_of(p: &PppFrame) -> String {
    match &p.code {
        Some(c) => format!("{} {c}", p.protocol),
        None => p.protocol.clone(),
    }
}
