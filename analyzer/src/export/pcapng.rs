//! pcapng for Wireshark and tshark: one packet per AT line or payload, dissected by
//! Wireshark's own `at` dissector.
//!
//! # Format choices
//!
//! * **Link type 252** (`LINKTYPE_WIRESHARK_UPPER_PDU`, "exported PDU"): each packet starts with
//!   a few TLVs (2-byte big-endian tag, 2-byte big-endian length, value padded to 4 bytes) that
//!   tell Wireshark which dissector to call: tag 12 (`EXP_PDU_TAG_DISSECTOR_NAME`) = `at` for
//!   AT lines, `data` for payloads and garbage; tag 35 (`EXP_PDU_TAG_P2P_DIRECTION`) = 0 (sent)
//!   for the host and 1 (received) for the modem, from which the `at` dissector takes the role
//!   (DTE/DCE); tag 0 ends the list. The bytes after the TLVs are what was on the wire.
//! * **Packet bytes**: a command is its line plus the terminator (`\r\n`, the SLM's default,
//!   unless `--terminator` says otherwise); a modem line (information, final result, URC, text)
//!   is `\r\n<line>\r\n` as the SLM frames it; a reset is the glitch bytes then `Ready\r\n`;
//!   payloads and garbage are their bytes. One packet per line, not per UART chunk or byte.
//! * **Direction** twice over: one interface per side (`host` = 0, `modem` = 1, `findings` = 2,
//!   for comment-only packets, `log` = 3) and the EPB flags' direction bits (host = outbound, modem =
//!   inbound: the capture is seen from the host's side of the link).
//! * **Time**: `if_tsresol` = 9, so timestamps are integer nanoseconds since the Unix epoch:
//!   the trace's `meta.started` (RFC 3339) plus the event's offset, or the offset alone (from
//!   1970-01-01) when the trace has no start time.
//! * **The SLM's own log** (`--log`) is a fourth interface, `log` (3): one packet per log line,
//!   dissected by Wireshark's `data-text-lines` as `<level> module: text\n` (printk lines as
//!   they are), at the line's aligned time. A finding about a log line (a crash) is a comment on it.
//! * **PPP** (issue 16): each PPP frame of a CMUX link's PPP channel is a packet on a fifth
//!   interface, `ppp` (4), with link type 204 (`LINKTYPE_PPP_WITH_DIR`): one direction byte
//!   (1 = sent by the host, 0 = received from the modem) then the frame as between its flags,
//!   unescaped, without its FCS (`FF 03`, protocol, information), so Wireshark dissects LCP,
//!   IPCP, IPV6CP and the IP packets (DNS, TCP, …) inside.
//! * **Findings** become `opt_comment`s (`atscope warning slm.reset.unexpected: …`) of the
//!   packet they concern (the first of the finding's events that is a packet; an exchange's
//!   summary stands for its command line). Packets are held back in a window of
//!   [`WINDOW`] packets so that a finding that comes a little after its packet can still be
//!   attached; a finding about a packet already written, or about no packet at all, becomes a
//!   comment-only packet on the `findings` interface whose `data` PDU is the message.
//!
//! Memory is bounded by the window and the open exchanges, so large traces stream.

use std::collections::{HashMap, VecDeque};
use std::io::{self, Write};

use super::ExportSink;
use crate::chunk::Dir;
use crate::timeline::{Event, EventKind};

/// How many packets are held back for findings to attach to.
pub const WINDOW: usize = 512;

/// `LINKTYPE_WIRESHARK_UPPER_PDU`.
pub const LINKTYPE_UPPER_PDU: u16 = 252;
/// `LINKTYPE_PPP_WITH_DIR`: a direction byte, then a PPP frame in HDLC-like framing.
pub const LINKTYPE_PPP_WITH_DIR: u16 = 204;

const IF_HOST: u32 = 0;
const IF_MODEM: u32 = 1;
const IF_FINDINGS: u32 = 2;
const IF_LOG: u32 = 3;
const IF_PPP: u32 = 4;

const TAG_END: u16 = 0;
const TAG_DISSECTOR_NAME: u16 = 12;
const TAG_P2P_DIRECTION: u16 = 35;

/// Settings of the writer.
#[derive(Debug, Clone, Default)]
pub struct PcapngOptions {
    /// Wall time of the capture start, ns since the Unix epoch (from `meta.started`).
    pub start_epoch_ns: Option<i64>,
    /// Written as the section's `shb_userappl`.
    pub application: String,
    /// What ends a host command line on the wire (`\r\n` when empty).
    pub command_terminator: Vec<u8>,
}

struct Packet {
    seq: u64,
    iface: u32,
    t_ns: i64,
    data: Vec<u8>,
    comments: Vec<String>,
}

/// Counts of what was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PcapngStats {
    /// Packets written (lines, payloads and comment-only packets).
    pub packets: u64,
    /// Findings attached as comments to a line's packet.
    pub attached: u64,
    /// Findings written as comment-only packets.
    pub comment_only: u64,
}

/// Streams events out as pcapng.
pub struct PcapngWriter<W: Write> {
    out: W,
    start: i64,
    terminator: Vec<u8>,
    window: VecDeque<Packet>,
    /// exchange id → `seq` of its command packet (removed when the exchange ends).
    commands: HashMap<u32, u64>,
    /// `seq` of an exchange summary → `seq` of its command packet, for recent exchanges.
    aliases: VecDeque<(u64, u64)>,
    stats: PcapngStats,
}

fn pad4(n: usize) -> usize {
    (4 - n % 4) % 4
}

/// Appends one pcapng option (little-endian code and length, value padded to 4 bytes).
fn option(buf: &mut Vec<u8>, code: u16, value: &[u8]) {
    let len = value.len().min(u16::MAX as usize);
    buf.extend_from_slice(&code.to_le_bytes());
    buf.extend_from_slice(&(len as u16).to_le_bytes());
    buf.extend_from_slice(&value[..len]);
    buf.extend(std::iter::repeat_n(0u8, pad4(len)));
}

/// Writes a block: type, total length, body (padded), total length.
fn block<W: Write>(out: &mut W, kind: u32, body: &[u8]) -> io::Result<()> {
    let total = (12 + body.len() + pad4(body.len())) as u32;
    out.write_all(&kind.to_le_bytes())?;
    out.write_all(&total.to_le_bytes())?;
    out.write_all(body)?;
    out.write_all(&[0u8; 3][..pad4(body.len())])?;
    out.write_all(&total.to_le_bytes())
}

/// Appends one exported-PDU TLV (big-endian, value padded to 4 bytes with NULs).
fn tlv(buf: &mut Vec<u8>, tag: u16, value: &[u8]) {
    let padded = value.len() + pad4(value.len());
    buf.extend_from_slice(&tag.to_be_bytes());
    buf.extend_from_slice(&(padded as u16).to_be_bytes());
    buf.extend_from_slice(value);
    buf.extend(std::iter::repeat_n(0u8, pad4(value.len())));
}

/// The exported-PDU header for dissector `name`, with a direction when known.
fn pdu_header(dissector: &str, dir: Option<Dir>) -> Vec<u8> {
    let mut h = Vec::with_capacity(24);
    tlv(&mut h, TAG_DISSECTOR_NAME, dissector.as_bytes());
    if let Some(d) = dir {
        // P2P_DIR_SENT = 0 (the host, DTE), P2P_DIR_RECV = 1 (the modem, DCE).
        let v: u32 = if d == Dir::Host { 0 } else { 1 };
        tlv(&mut h, TAG_P2P_DIRECTION, &v.to_be_bytes());
    }
    tlv(&mut h, TAG_END, &[]);
    h
}

/// The bytes an event put on the wire, and the dissector for them; `None` for events that
/// are not wire data (exchanges, findings, conditions, marks, data-mode changes).
fn wire(e: &Event, terminator: &[u8]) -> Option<(&'static str, Vec<u8>)> {
    let modem_line = |l: &[u8]| {
        let mut v = Vec::with_capacity(l.len() + 4);
        v.extend_from_slice(b"\r\n");
        v.extend_from_slice(l);
        v.extend_from_slice(b"\r\n");
        v
    };
    match &e.kind {
        EventKind::Command { line, .. } => {
            let mut v = line.0.clone();
            v.extend_from_slice(terminator);
            Some(("at", v))
        }
        EventKind::Info { line, .. } | EventKind::Urc { line, .. } | EventKind::Text { line } => {
            Some(("at", modem_line(&line.0)))
        }
        EventKind::Final { result, .. } => Some(("at", modem_line(result.to_string().as_bytes()))),
        EventKind::Reset(r) => {
            let mut v = r.garbage.0.clone();
            v.extend_from_slice(b"Ready\r\n");
            Some(("at", v))
        }
        EventKind::Payload { data, .. } | EventKind::Garbage { data, .. } => Some(("data", data.0.clone())),
        _ => None,
    }
}

impl<W: Write> PcapngWriter<W> {
    /// Writes the section header and the three interface descriptions.
    pub fn new(mut out: W, opts: &PcapngOptions) -> io::Result<Self> {
        let mut shb = Vec::new();
        shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes());
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&(-1i64).to_le_bytes());
        if !opts.application.is_empty() {
            option(&mut shb, 4, opts.application.as_bytes()); // shb_userappl
        }
        option(&mut shb, 0, &[]);
        block(&mut out, 0x0A0D_0D0A, &shb)?;
        for (name, desc, linktype) in [
            ("host", "AT commands and data sent by the host MCU (DTE)", LINKTYPE_UPPER_PDU),
            ("modem", "lines and data sent by the nRF9160 SLM (DCE)", LINKTYPE_UPPER_PDU),
            ("findings", "atscope findings about no single packet", LINKTYPE_UPPER_PDU),
            ("log", "lines of the SLM's own log (Zephyr logging), placed on the UART's time axis", LINKTYPE_UPPER_PDU),
            ("ppp", "PPP frames of the CMUX link's PPP channel, both directions", LINKTYPE_PPP_WITH_DIR),
        ] {
            let mut idb = Vec::new();
            idb.extend_from_slice(&linktype.to_le_bytes());
            idb.extend_from_slice(&0u16.to_le_bytes());
            idb.extend_from_slice(&0u32.to_le_bytes()); // snaplen: no limit
            option(&mut idb, 2, name.as_bytes()); // if_name
            option(&mut idb, 3, desc.as_bytes()); // if_description
            option(&mut idb, 9, &[9]); // if_tsresol: 10^-9 s
            option(&mut idb, 0, &[]);
            block(&mut out, 1, &idb)?;
        }
        Ok(PcapngWriter {
            out,
            start: opts.start_epoch_ns.unwrap_or(0),
            terminator: if opts.command_terminator.is_empty() {
                b"\r\n".to_vec()
            } else {
                opts.command_terminator.clone()
            },
            window: VecDeque::new(),
            commands: HashMap::new(),
            aliases: VecDeque::new(),
            stats: PcapngStats::default(),
        })
    }

    /// What was written so far.
    pub fn stats(&self) -> PcapngStats {
        self.stats
    }

    fn write_packet(&mut self, p: Packet) -> io::Result<()> {
        let ts = u64::try_from(self.start.saturating_add(p.t_ns)).unwrap_or(0);
        let mut body = Vec::with_capacity(p.data.len() + 64);
        body.extend_from_slice(&p.iface.to_le_bytes());
        body.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        body.extend_from_slice(&(ts as u32).to_le_bytes());
        body.extend_from_slice(&(p.data.len() as u32).to_le_bytes());
        body.extend_from_slice(&(p.data.len() as u32).to_le_bytes());
        body.extend_from_slice(&p.data);
        body.extend(std::iter::repeat_n(0u8, pad4(p.data.len())));
        for c in &p.comments {
            option(&mut body, 1, c.as_bytes()); // opt_comment
        }
        let flags: u32 = match p.iface {
            IF_HOST => 0b10,  // outbound
            IF_MODEM => 0b01, // inbound
            IF_PPP if p.data.first() == Some(&1) => 0b10,
            IF_PPP => 0b01,
            _ => 0,
        };
        if flags != 0 {
            option(&mut body, 2, &flags.to_le_bytes()); // epb_flags
        }
        option(&mut body, 0, &[]);
        self.stats.packets += 1;
        block(&mut self.out, 6, &body)
    }

    fn hold(&mut self, p: Packet) -> io::Result<()> {
        self.window.push_back(p);
        while self.window.len() > WINDOW {
            let old = self.window.pop_front().expect("window is not empty");
            self.write_packet(old)?;
        }
        Ok(())
    }

    fn attach(&mut self, e: &Event, f: &crate::finding::Finding) -> io::Result<()> {
        let comment = format!("atscope {} {}: {}", f.severity, f.id, f.message);
        for seq in &f.events {
            let seq = self.aliases.iter().find(|(a, _)| a == seq).map_or(*seq, |(_, c)| *c);
            if let Some(p) = self.window.iter_mut().find(|p| p.seq == seq) {
                p.comments.push(comment);
                self.stats.attached += 1;
                return Ok(());
            }
        }
        self.stats.comment_only += 1;
        let mut data = pdu_header("data", None);
        data.extend_from_slice(f.message.as_bytes());
        self.hold(Packet { seq: e.seq, iface: IF_FINDINGS, t_ns: e.t_ns, data, comments: vec![comment] })
    }
}

impl<W: Write> ExportSink for PcapngWriter<W> {
    fn event(&mut self, e: &Event) -> io::Result<()> {
        match &e.kind {
            EventKind::Finding(f) => return self.attach(e, f),
            EventKind::Command { exchange, .. } => {
                self.commands.insert(*exchange, e.seq);
            }
            EventKind::Exchange { id, .. } => {
                if let Some(cmd) = self.commands.remove(id) {
                    self.aliases.push_back((e.seq, cmd));
                    if self.aliases.len() > WINDOW {
                        self.aliases.pop_front();
                    }
                }
            }
            _ => {}
        }
        if let EventKind::Log(l) = &e.kind {
            let mut data = pdu_header("data-text-lines", None);
            if let Some(m) = &l.module {
                data.extend_from_slice(format!("<{}> {m}: ", l.level.as_str()).as_bytes());
            }
            data.extend_from_slice(l.text.as_bytes());
            data.push(b'\n');
            return self.hold(Packet { seq: e.seq, iface: IF_LOG, t_ns: e.t_ns, data, comments: Vec::new() });
        }
        if let EventKind::Ppp(p) = &e.kind {
            let mut data = Vec::with_capacity(p.data.0.len() + 1);
            data.push(u8::from(e.dir == Some(Dir::Host)));
            data.extend_from_slice(&p.data.0);
            return self.hold(Packet { seq: e.seq, iface: IF_PPP, t_ns: e.t_ns, data, comments: Vec::new() });
        }
        let Some((dissector, bytes)) = wire(e, &self.terminator) else { return Ok(()) };
        let iface = if e.dir == Some(Dir::Host) { IF_HOST } else { IF_MODEM };
        let mut data = pdu_header(dissector, e.dir);
        data.extend_from_slice(&bytes);
        self.hold(Packet { seq: e.seq, iface, t_ns: e.t_ns, data, comments: Vec::new() })
    }

    fn finish(&mut self) -> io::Result<()> {
        while let Some(p) = self.window.pop_front() {
            self.write_packet(p)?;
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exported_pdu_tags_are_big_endian_and_padded() {
        assert_eq!(
            pdu_header("at", Some(Dir::Modem)),
            [0, 12, 0, 4, b'a', b't', 0, 0, 0, 35, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0]
        );
    }

    #[test]
    fn blocks_are_padded_and_carry_their_length_twice() {
        let mut out = Vec::new();
        block(&mut out, 6, &[1, 2, 3, 4, 5]).unwrap();
        assert_eq!(out.len(), 20);
        assert_eq!(&out[4..8], &20u32.to_le_bytes());
        assert_eq!(&out[16..20], &20u32.to_le_bytes());
    }
}
