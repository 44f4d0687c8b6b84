//! Timeline events: what the decoder tells about a capture, one item at a time.
//!
//! This is the machine contract of `atscope decode --json` (one event per line): every event
//! is an object with `seq` (emission order), `t` (ns since capture start), `end` (ns), `dir`
//! (`host`, `modem`, or absent), `dlci` (the CMUX channel the event belongs to, absent on a plain
//! UART or for events of no channel) and `type`, plus the fields of its type. Bytes are given as
//! `text` when they are valid UTF-8 and as `b64` otherwise (ripgrep's rule).
//!
//! Once `AT#XCMUX` has started the multiplexer (3GPP TS 27.010), the AT channel's commands,
//! answers and URCs carry its `dlci`; frames on the control channel (DLCI 0) and frames a
//! receiver drops are `cmux` events, bytes outside frames `cmux_stray`, the mux going up or down
//! `cmux_state`, and the PPP channel's frames `ppp` events (LCP/IPCP/IPV6CP packets with their
//! options, IP packets with protocol, addresses, ports and length).

use base64::Engine as _;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::at::grammar::{FinalResult, Form, Param};
use crate::chunk::{Condition, Dir};

/// Raw bytes, serialised as `{"text": …}` when valid UTF-8 and `{"b64": …}` otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl Bytes {
    /// A printable rendering: UTF-8 text with control bytes and invalid sequences escaped.
    pub fn escaped(&self) -> String {
        escape(&self.0)
    }
}

impl std::fmt::Display for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.escaped())
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        match std::str::from_utf8(&self.0) {
            Ok(t) => m.serialize_entry("text", t)?,
            Err(_) => m.serialize_entry("b64", &base64::engine::general_purpose::STANDARD.encode(&self.0))?,
        }
        m.end()
    }
}

/// Renders bytes for a terminal or a transcript: printable text as is, `\r` `\n` `\t` as
/// escapes, other control bytes and invalid UTF-8 as `\xNN`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    escape_into(&mut out, bytes);
    out
}

/// [`escape`], appended to `out`.
pub fn escape_into(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let push_hex = |out: &mut String, b: u8| {
        out.push_str("\\x");
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    };
    let mut i = 0;
    while i < bytes.len() {
        // Printable ASCII runs are copied whole (the common case).
        let run = bytes[i..].iter().take_while(|&&b| (0x20..0x7f).contains(&b) && b != b'\\').count();
        if run > 0 {
            out.push_str(std::str::from_utf8(&bytes[i..i + run]).expect("printable ASCII"));
            i += run;
            continue;
        }
        let b = bytes[i];
        if b < 0x80 {
            match b {
                b'\r' => out.push_str("\\r"),
                b'\n' => out.push_str("\\n"),
                b'\t' => out.push_str("\\t"),
                b'\\' => out.push_str("\\\\"),
                b => push_hex(out, b),
            }
            i += 1;
            continue;
        }
        // A run of non-ASCII bytes: valid UTF-8 as is (control characters escaped), the rest as \xNN.
        let end = i + bytes[i..].iter().take_while(|&&b| b >= 0x80).count();
        for chunk in bytes[i..end].utf8_chunks() {
            for c in chunk.valid().chars() {
                if c.is_control() {
                    out.push_str(&format!("\\x{:02x}", c as u32));
                } else {
                    out.push(c);
                }
            }
            for &b in chunk.invalid() {
                push_hex(out, b);
            }
        }
        i = end;
    }
}

/// Hex dump `c0 ff 00`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// How an exchange ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExchangeStatus {
    /// Final result `OK`.
    Ok,
    /// `ERROR`, `+CME ERROR`, `+CMS ERROR`.
    Error,
    /// The modem reset before a final result.
    Aborted,
    /// No final result before the end of the capture.
    Open,
    /// No final result within the command's documented maximum, and the host moved on to
    /// another command.
    #[serde(rename = "timeout")]
    TimedOut,
    /// Never read by the SLM: sent while another command was pending on an SLM that drops such
    /// input (v2.1.x–v2.4.x), or while it slept or idled after `#XSLEEP`.
    Lost,
}

impl ExchangeStatus {
    /// The status's name in every output (`timeout` for [`ExchangeStatus::TimedOut`]).
    pub fn as_str(self) -> &'static str {
        match self {
            ExchangeStatus::Ok => "ok",
            ExchangeStatus::Error => "error",
            ExchangeStatus::Aborted => "aborted",
            ExchangeStatus::Open => "open",
            ExchangeStatus::TimedOut => "timeout",
            ExchangeStatus::Lost => "lost",
        }
    }
}

/// Why a CMUX receiver drops a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CmuxDrop {
    /// Its FCS does not check.
    Fcs,
    /// Data before the multiplexer's control channel (DLCI 0) was opened.
    BeforeOpen,
    /// Data on a DLCI that is not open (no SABM/UA).
    UnopenedDlci,
}

/// A PPP frame: its protocol and what it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PppFrame {
    /// `LCP`, `IPCP`, `IPV6CP`, `IPv4`, `IPv6`, `PAP`, …, or `?`.
    pub protocol: String,
    /// The protocol number.
    pub number: u16,
    /// A control protocol's packet code (`Configure-Request`, `Terminate-Ack`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// A control protocol's packet code as a number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_number: Option<u8>,
    /// A control protocol's packet identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u8>,
    /// A Configure-* packet's options, in words (`MRU 1280`, `IP-Address 10.64.12.7`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// An IP packet's protocol, addresses, ports and length.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<crate::ppp::IpSummary>,
    /// The frame's length (unescaped, without the FCS).
    pub len: usize,
    /// The FCS-16 checked.
    pub fcs_ok: bool,
    /// The frame as between the flags, unescaped, without its FCS.
    pub data: Bytes,
}

/// Why a reset is believed to have happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResetInfo {
    /// Bytes on the `Ready` line before `Ready` (a reboot's line glitch).
    pub garbage: Bytes,
    /// Exchanges that were pending and are now aborted.
    pub aborted: Vec<u32>,
    /// The last command sent before the reset (exchange id), if any.
    pub last_command: Option<u32>,
}

/// One timeline event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Emission order, from 0.
    pub seq: u64,
    /// Start, ns since the capture start.
    #[serde(rename = "t")]
    pub t_ns: i64,
    /// End, ns since the capture start.
    #[serde(rename = "end")]
    pub end_ns: i64,
    /// The speaker, when the event belongs to one side.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<Dir>,
    /// The CMUX channel (DLCI) the event belongs to; `None` on a plain UART, for DLCI-less
    /// events (findings, marks) and for bytes outside frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dlci: Option<u8>,
    /// What the raw values mean, from the knowledge base (set by [`crate::analysis`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meaning: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// The kinds of timeline event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A host command line. It opens exchange `exchange`.
    Command {
        /// Exchange id.
        exchange: u32,
        /// `+CFUN`, `#XMQTTCON`; empty for bare `AT` or an invalid line.
        name: String,
        /// Test/Read/Set/Exec.
        #[serde(skip_serializing_if = "Option::is_none")]
        form: Option<Form>,
        /// Set-form parameters.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        params: Vec<Param>,
        /// The line as sent (terminator removed).
        line: Bytes,
        /// Why the SLM's grammar check rejects it, if it does.
        #[serde(skip_serializing_if = "Option::is_none")]
        invalid: Option<String>,
        /// The line reached the SLM's 4096-byte limit.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        overflow: bool,
        /// Other exchanges were still pending when this was sent.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        pending: Vec<u32>,
    },
    /// An information line of a pending command.
    Info {
        /// Exchange id.
        exchange: u32,
        /// The line's prefix name, if it has one.
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The parameters after the prefix (parsed once, quote-aware).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        params: Vec<Param>,
        /// The line.
        line: Bytes,
    },
    /// A final result code.
    Final {
        /// The exchange it completes; absent when no command was pending.
        #[serde(skip_serializing_if = "Option::is_none")]
        exchange: Option<u32>,
        /// The result.
        result: FinalResult,
        /// From the end of the command line to this result, ns.
        #[serde(skip_serializing_if = "Option::is_none")]
        latency_ns: Option<i64>,
    },
    /// An unsolicited result code.
    Urc {
        /// `+CEREG`, `#XMQTTEVT`.
        name: String,
        /// The parameters after the prefix (parsed once, quote-aware).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        params: Vec<Param>,
        /// The line.
        line: Bytes,
    },
    /// A modem line with no prefix and no pending command.
    Text {
        /// The line.
        line: Bytes,
    },
    /// Opaque bytes owned by a command, a URC or data mode.
    Payload {
        /// The exchange the payload belongs to, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        exchange: Option<u32>,
        /// What announced it: `#XRECV`, `#XMQTTMSG topic`, `#XMQTTMSG`, `#XTCPDATA`, `data mode`.
        owner: String,
        /// Its length.
        len: usize,
        /// The bytes.
        data: Bytes,
    },
    /// Bytes that fit no AT item (line glitches, non-printable runs, invalid UTF-8).
    Garbage {
        /// The bytes.
        data: Bytes,
        /// Why they fit nothing.
        why: String,
    },
    /// The modem rebooted (`Ready`).
    Reset(ResetInfo),
    /// Data mode started (after `OK` to a send command without payload) or ended.
    DataMode {
        /// `true` on entry, `false` on exit.
        enter: bool,
        /// The exchange that entered data mode.
        #[serde(skip_serializing_if = "Option::is_none")]
        exchange: Option<u32>,
        /// On exit: the `#XDATAMODE` result, if the modem gave one.
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<i64>,
        /// On exit: the host had sent the terminator (`+++`); false when the SLM left by itself.
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        host_terminator: bool,
    },
    /// A UART line condition.
    Condition {
        /// Which condition.
        cond: Condition,
    },
    /// A user or recorder mark.
    Mark {
        /// The text.
        text: String,
    },
    /// An anomaly found by the rules (see [`crate::finding`]).
    Finding(crate::finding::Finding),
    /// A line of the SLM's own log, placed on the UART's time axis (`"dir": "log"`).
    Log(crate::log::LogEntry),
    /// A CMUX frame worth showing on its own: every frame that is not data on an open channel
    /// (SABM, UA, DM, DISC, the control channel's messages) and every frame the receiver drops.
    Cmux {
        /// `SABM`, `UA`, `DM`, `DISC`, `UIH`, `UI`, or `?`.
        frame: String,
        /// The address's C/R bit.
        cr: bool,
        /// The poll/final bit.
        pf: bool,
        /// The control channel's messages in it (`MSC command DLCI 1: RTC RTR DV`).
        #[serde(skip_serializing_if = "Vec::is_empty")]
        messages: Vec<String>,
        /// The information field.
        data: Bytes,
        /// The frame check sequence checked.
        fcs_ok: bool,
        /// Why the receiver drops the frame, if it does.
        #[serde(skip_serializing_if = "Option::is_none")]
        dropped: Option<CmuxDrop>,
    },
    /// Bytes outside CMUX frames while the mux is up (the receiver skips them).
    CmuxStray {
        /// The bytes.
        data: Bytes,
        /// They are a plain AT command line (a host that still speaks plain AT).
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        plain_at: bool,
    },
    /// The multiplexer started (after `AT#XCMUX`'s `OK`, or frames from the capture's start)
    /// or ended.
    CmuxState {
        /// `true` when it starts.
        up: bool,
        /// The DLCI of the AT channel.
        at_channel: u8,
        /// The DLCI of the PPP channel.
        ppp_channel: u8,
        /// Why: `command` (`AT#XCMUX`), `capture` (frames from the capture's start),
        /// `at-channel` (`AT#XCMUX=<n>` on the running mux moved the AT channel), `reset` (a
        /// `Ready` outside frames: the modem rebooted).
        why: String,
    },
    /// A PPP frame (RFC 1662) on the PPP channel.
    Ppp(PppFrame),
    /// An exchange, summarised when it ends (or at the end of the capture if it never did).
    Exchange {
        /// Exchange id.
        id: u32,
        /// Command name.
        name: String,
        /// The command line.
        line: Bytes,
        /// How it ended.
        status: ExchangeStatus,
        /// The final result, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<FinalResult>,
        /// Latency, ns.
        #[serde(skip_serializing_if = "Option::is_none")]
        latency_ns: Option<i64>,
        /// How many information lines it got.
        info_lines: u32,
    },
}

impl Event {
    /// The speaker's name in every output: `host`, `modem`, `log` (the SLM's own log), or none.
    pub fn speaker(&self) -> Option<&'static str> {
        match (&self.kind, self.dir) {
            (EventKind::Log(_), _) => Some("log"),
            (_, d) => d.map(Dir::as_str),
        }
    }

    /// The exchange the event belongs to, if any.
    pub fn exchange(&self) -> Option<u32> {
        match &self.kind {
            EventKind::Command { exchange, .. } | EventKind::Info { exchange, .. } => Some(*exchange),
            EventKind::Final { exchange, .. } | EventKind::Payload { exchange, .. } => *exchange,
            EventKind::DataMode { exchange, .. } => *exchange,
            EventKind::Exchange { id, .. } => Some(*id),
            _ => None,
        }
    }

    /// The command, URC or information line name of the event (`AT` for a bare `AT`), if any.
    pub fn name(&self) -> Option<&str> {
        match &self.kind {
            EventKind::Command { name, .. } | EventKind::Exchange { name, .. } => {
                Some(if name.is_empty() { "AT" } else { name.as_str() })
            }
            EventKind::Urc { name, .. } => Some(name),
            EventKind::Info { name, .. } => name.as_deref(),
            _ => None,
        }
    }
}

impl EventKind {
    /// The `type` name of this kind.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventKind::Command { .. } => "command",
            EventKind::Info { .. } => "info",
            EventKind::Final { .. } => "final",
            EventKind::Urc { .. } => "urc",
            EventKind::Text { .. } => "text",
            EventKind::Payload { .. } => "payload",
            EventKind::Garbage { .. } => "garbage",
            EventKind::Reset(_) => "reset",
            EventKind::DataMode { .. } => "data_mode",
            EventKind::Condition { .. } => "condition",
            EventKind::Mark { .. } => "mark",
            EventKind::Exchange { .. } => "exchange",
            EventKind::Finding(_) => "finding",
            EventKind::Log(_) => "log",
            EventKind::Cmux { .. } => "cmux",
            EventKind::CmuxStray { .. } => "cmux_stray",
            EventKind::CmuxState { .. } => "cmux_state",
            EventKind::Ppp(_) => "ppp",
        }
    }
}

#[cfg(test)]
mod escape_tests {
    use super::escape;
    use proptest::prelude::*;

    /// The plain rendering rule, char by char, as the fast one must give it.
    fn reference(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.utf8_chunks() {
            for c in chunk.valid().chars() {
                match c {
                    '\r' => out.push_str("\\r"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push_str("\\t"),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                    c => out.push(c),
                }
            }
            for b in chunk.invalid() {
                out.push_str(&format!("\\x{b:02x}"));
            }
        }
        out
    }

    proptest! {
        #[test]
        fn the_fast_escape_renders_like_the_plain_rule(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(escape(&bytes), reference(&bytes));
        }
    }

    #[test]
    fn text_controls_and_invalid_bytes() {
        let s = "AT\r\n\u{7f}\u{85}é\\";
        assert_eq!(escape(s.as_bytes()), reference(s.as_bytes()));
        assert_eq!(escape(b"\xc0\xffReady"), "\\xc0\\xffReady");
    }
}
