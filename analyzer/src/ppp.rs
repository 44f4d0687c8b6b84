//! PPP in HDLC-like framing (RFC 1662), as `AT#XPPP` carries it over the UART or a CMUX
//! channel: a streaming deframer, and what a frame says (LCP, IPCP and IPV6CP packets with
//! their options; IP packets by protocol, addresses and ports).
//!
//! A frame is `7E | [FF 03] | protocol (1–2 bytes) | information | FCS-16 | 7E`, with every
//! `7D x` standing for `x ^ 0x20` between the flags (the peer may escape more than it must, per
//! its ACCM; unescaping does not need to know which). The FCS is CRC-16/X.25 over everything
//! between the flags; over the frame and its FCS it leaves the residue `F0B8`. A flag both
//! closes a frame and may open the next; empty frames (`7E 7E`) are fill.
//!
//! Like the other framers it only cuts: the units are the same whatever the chunk boundaries
//! were (property test below).

use std::collections::VecDeque;

use crate::stray::Stray;

/// The flag.
pub const FLAG: u8 = 0x7E;
/// The control escape.
pub const ESCAPE: u8 = 0x7D;
/// The longest frame kept (unescaped); longer runs without a flag are stray bytes.
pub const MAX_FRAME: usize = 65_536;
const GOOD_FCS: u16 = 0xF0B8;

/// What the deframer cuts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// A frame between two flags.
    Frame(Frame),
    /// Bytes before the first flag (or a run too long to be a frame).
    Stray(Stray),
}

/// One frame, unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Time of its first byte after the opening flag.
    pub t0: i64,
    /// Time of the closing flag.
    pub t1: i64,
    /// Everything between the flags, unescaped, FCS included.
    pub bytes: Vec<u8>,
    /// The FCS checked.
    pub fcs_ok: bool,
}

impl Frame {
    /// The protocol number and the information field, past the (possibly compressed) address
    /// and control fields; `None` for a frame too short to have them.
    pub fn protocol(&self) -> Option<(u16, &[u8])> {
        let body = self.bytes.get(..self.bytes.len().checked_sub(2)?)?;
        let body = body.strip_prefix(&[0xFF, 0x03]).unwrap_or(body);
        let first = *body.first()?;
        if first & 1 == 1 {
            // Protocol-field compression: one odd byte.
            Some((u16::from(first), &body[1..]))
        } else {
            let second = *body.get(1)?;
            Some((u16::from_be_bytes([first, second]), &body[2..]))
        }
    }
}

/// The streaming deframer of one direction.
#[derive(Debug, Default)]
pub struct Deframer {
    /// A flag has been seen: bytes now belong to frames.
    open: bool,
    frame: Vec<u8>,
    t0: i64,
    escaped: bool,
    stray: Stray,
    out: VecDeque<Unit>,
}

impl Deframer {
    /// A deframer waiting for its first flag.
    pub fn new() -> Self {
        Deframer::default()
    }

    /// Pushes the bytes that arrived at time `t`.
    pub fn push(&mut self, t: i64, bytes: &[u8]) {
        for &b in bytes {
            self.step(b, t);
        }
    }

    /// The next unit, if one is complete.
    pub fn next_unit(&mut self) -> Option<Unit> {
        self.out.pop_front()
    }

    /// At the end of the capture: a frame cut short comes out as stray bytes.
    pub fn finish(&mut self) {
        let cut = std::mem::take(&mut self.frame);
        let t0 = self.t0;
        for b in cut {
            self.stray_byte(b, t0);
        }
        self.flush_stray();
    }

    fn stray_byte(&mut self, b: u8, t: i64) {
        self.stray.push(b, t);
    }

    fn flush_stray(&mut self) {
        if let Some(s) = self.stray.take() {
            self.out.push_back(Unit::Stray(s));
        }
    }

    fn step(&mut self, b: u8, t: i64) {
        if b == FLAG {
            self.flush_stray();
            if self.open && !self.frame.is_empty() {
                let bytes = std::mem::take(&mut self.frame);
                let fcs_ok = bytes.len() >= 4 && crc16(&bytes) == GOOD_FCS;
                self.out.push_back(Unit::Frame(Frame { t0: self.t0, t1: t, bytes, fcs_ok }));
            }
            self.open = true;
            self.escaped = false;
            return;
        }
        if !self.open {
            self.stray_byte(b, t);
            return;
        }
        if self.frame.is_empty() && !self.escaped {
            self.t0 = t;
        }
        if b == ESCAPE && !self.escaped {
            self.escaped = true;
            return;
        }
        let v = if std::mem::take(&mut self.escaped) { b ^ 0x20 } else { b };
        self.frame.push(v);
        if self.frame.len() > MAX_FRAME {
            // No flag for longer than any frame: give the bytes up and wait for a flag.
            let run = std::mem::take(&mut self.frame);
            let t0 = self.t0;
            for x in run {
                self.stray_byte(x, t0);
            }
            self.stray.t1 = t;
            self.flush_stray();
            self.open = false;
        }
    }
}

/// CRC-16/X.25 as RFC 1662 §C.2 computes it (reflected 0x8408, initial 0xFFFF, no final
/// complement): over a frame and its FCS it gives `F0B8`.
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in bytes {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0x8408 } else { crc >> 1 };
        }
    }
    crc
}

/// Encodes a frame as a sender does: address and control, protocol, information, FCS, with
/// flags around and the flag, the escape and every control byte below 0x20 escaped.
pub fn encode(protocol: u16, info: &[u8]) -> Vec<u8> {
    let mut body = vec![0xFF, 0x03];
    body.extend_from_slice(&protocol.to_be_bytes());
    body.extend_from_slice(info);
    let fcs = !crc16(&body);
    body.extend_from_slice(&fcs.to_le_bytes());
    let mut out = vec![FLAG];
    for b in body {
        if b == FLAG || b == ESCAPE || b < 0x20 {
            out.extend_from_slice(&[ESCAPE, b ^ 0x20]);
        } else {
            out.push(b);
        }
    }
    out.push(FLAG);
    out
}

/// Protocol numbers atscope names.
pub const LCP: u16 = 0xC021;
/// IP Control Protocol.
pub const IPCP: u16 = 0x8021;
/// IPv6 Control Protocol.
pub const IPV6CP: u16 = 0x8057;
/// IPv4.
pub const IPV4: u16 = 0x0021;
/// IPv6.
pub const IPV6: u16 = 0x0057;

/// The name of a PPP protocol number.
pub fn protocol_name(p: u16) -> &'static str {
    match p {
        LCP => "LCP",
        IPCP => "IPCP",
        IPV6CP => "IPV6CP",
        IPV4 => "IPv4",
        IPV6 => "IPv6",
        0xC023 => "PAP",
        0xC223 => "CHAP",
        0x80FD => "CCP",
        _ => "?",
    }
}

/// A control-protocol packet (LCP, IPCP, IPV6CP: RFC 1661 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlPacket {
    /// The code (1 Configure-Request … 11 Discard-Request).
    pub code: u8,
    /// The identifier that pairs a reply with its request.
    pub id: u8,
    /// The options of a Configure-* packet: (type, value).
    pub options: Vec<(u8, Vec<u8>)>,
}

impl ControlPacket {
    /// Parses a control packet; `None` when its length or options do not fit.
    pub fn parse(info: &[u8]) -> Option<ControlPacket> {
        let (&code, &id) = (info.first()?, info.get(1)?);
        let len = usize::from(u16::from_be_bytes([*info.get(2)?, *info.get(3)?]));
        let data = info.get(4..len)?;
        let mut options = Vec::new();
        if (1..=4).contains(&code) {
            let mut i = 0;
            while i < data.len() {
                let ty = data[i];
                let olen = usize::from(*data.get(i + 1)?);
                if olen < 2 {
                    return None;
                }
                options.push((ty, data.get(i + 2..i + olen)?.to_vec()));
                i += olen;
            }
        }
        Some(ControlPacket { code, id, options })
    }

    /// The code's name.
    pub fn code_name(&self) -> &'static str {
        match self.code {
            1 => "Configure-Request",
            2 => "Configure-Ack",
            3 => "Configure-Nak",
            4 => "Configure-Reject",
            5 => "Terminate-Request",
            6 => "Terminate-Ack",
            7 => "Code-Reject",
            8 => "Protocol-Reject",
            9 => "Echo-Request",
            10 => "Echo-Reply",
            11 => "Discard-Request",
            _ => "?",
        }
    }
}

/// A Configure-* option of `protocol` in words: `MRU 1280`, `IP-Address 10.64.12.7`,
/// `Primary-DNS 10.64.0.1`, `Magic-Number 0x12345678`; an unknown one as `option <type> (<hex>)`.
pub fn option_words(protocol: u16, ty: u8, value: &[u8]) -> String {
    let hex = || value.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let ipv4 = || <[u8; 4]>::try_from(value).ok().map(std::net::Ipv4Addr::from);
    let named = match (protocol, ty) {
        (LCP, 1) => <[u8; 2]>::try_from(value).ok().map(|v| format!("MRU {}", u16::from_be_bytes(v))),
        (LCP, 2) => Some(format!("ACCM 0x{}", hex())),
        (LCP, 3) => Some(format!("Auth-Protocol 0x{}", hex())),
        (LCP, 5) => Some(format!("Magic-Number 0x{}", hex())),
        (LCP, 7) => Some("Protocol-Field-Compression".to_string()),
        (LCP, 8) => Some("Address-and-Control-Field-Compression".to_string()),
        (IPCP, 2) => Some(format!("IP-Compression 0x{}", hex())),
        (IPCP, 3) => ipv4().map(|a| format!("IP-Address {a}")),
        // RFC 1877: 129 primary DNS, 130 primary NBNS, 131 secondary DNS, 132 secondary NBNS.
        (IPCP, 129) => ipv4().map(|a| format!("Primary-DNS {a}")),
        (IPCP, 130) => ipv4().map(|a| format!("Primary-NBNS {a}")),
        (IPCP, 131) => ipv4().map(|a| format!("Secondary-DNS {a}")),
        (IPCP, 132) => ipv4().map(|a| format!("Secondary-NBNS {a}")),
        (IPV6CP, 1) => Some(format!("Interface-Identifier {}", hex())),
        _ => None,
    };
    named.unwrap_or_else(|| format!("option {ty} ({})", hex()))
}

/// What an IP packet is, in a line: protocol, addresses, ports, length.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IpSummary {
    /// `TCP`, `UDP`, `ICMP`, or the protocol number.
    pub protocol: String,
    /// Source address (and port).
    pub from: String,
    /// Destination address (and port).
    pub to: String,
    /// The packet's total length.
    pub len: usize,
}

/// Summarizes an IPv4 or IPv6 packet; `None` when its header does not fit.
pub fn ip_summary(packet: &[u8]) -> Option<IpSummary> {
    let version = packet.first()? >> 4;
    let (proto, src, dst, payload, len): (u8, String, String, &[u8], usize) = match version {
        4 => {
            let ihl = usize::from(packet[0] & 0x0F) * 4;
            let total = usize::from(u16::from_be_bytes([*packet.get(2)?, *packet.get(3)?]));
            let a = packet.get(12..16)?;
            let b = packet.get(16..20)?;
            let src = std::net::Ipv4Addr::new(a[0], a[1], a[2], a[3]).to_string();
            let dst = std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string();
            (*packet.get(9)?, src, dst, packet.get(ihl..)?, total)
        }
        6 => {
            let src: [u8; 16] = packet.get(8..24)?.try_into().ok()?;
            let dst: [u8; 16] = packet.get(24..40)?.try_into().ok()?;
            let plen = usize::from(u16::from_be_bytes([*packet.get(4)?, *packet.get(5)?]));
            (
                *packet.get(6)?,
                std::net::Ipv6Addr::from(src).to_string(),
                std::net::Ipv6Addr::from(dst).to_string(),
                packet.get(40..)?,
                plen + 40,
            )
        }
        _ => return None,
    };
    let ports = || {
        Some((
            u16::from_be_bytes([*payload.first()?, *payload.get(1)?]),
            u16::from_be_bytes([*payload.get(2)?, *payload.get(3)?]),
        ))
    };
    let (name, from, to) = match (proto, ports()) {
        (6, Some((sp, dp))) => ("TCP".to_string(), format!("{src}:{sp}"), format!("{dst}:{dp}")),
        (17, Some((sp, dp))) => ("UDP".to_string(), format!("{src}:{sp}"), format!("{dst}:{dp}")),
        (1 | 58, _) => ("ICMP".to_string(), src, dst),
        (p, _) => (format!("protocol {p}"), src, dst),
    };
    Some(IpSummary { protocol: name, from, to, len })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn units(chunks: &[&[u8]]) -> Vec<Unit> {
        let mut d = Deframer::new();
        for (i, c) in chunks.iter().enumerate() {
            d.push(i as i64, c);
        }
        d.finish();
        std::iter::from_fn(|| d.next_unit()).collect()
    }

    #[test]
    fn the_fcs_leaves_rfc_1662s_residue() {
        // RFC 1662 §C.2: a frame followed by its complemented CRC, low byte first, gives F0B8.
        let body = [0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x04];
        let fcs = !crc16(&body);
        let mut all = body.to_vec();
        all.extend_from_slice(&fcs.to_le_bytes());
        assert_eq!(crc16(&all), GOOD_FCS);
        // The catalogued check value of CRC-16/X.25 (the complemented CRC of "123456789").
        assert_eq!(!crc16(b"123456789"), 0x906E);
    }

    #[test]
    fn an_lcp_negotiation_and_an_ip_packet() {
        // LCP Configure-Request id 1: MRU 1500, ACCM 0, magic number.
        let lcp = [1, 1, 0, 18, 1, 4, 0x05, 0xDC, 2, 6, 0, 0, 0, 0, 5, 6, 0x12, 0x34, 0x56, 0x78];
        let mut lcp = lcp.to_vec();
        lcp[3] = lcp.len() as u8;
        let mut ip = vec![0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 2, 93, 184, 216, 34];
        ip.extend_from_slice(&[0xC0, 0x01, 0x01, 0xBB]); // ports 49153 → 443
        ip.extend_from_slice(&[0; 16]);
        let mut wire = b"CONNECT\r\n".to_vec();
        wire.extend(encode(LCP, &lcp));
        wire.extend(&encode(IPV4, &ip)[1..]); // shares the flag
        let us = units(&[&wire]);
        assert_eq!(us[0], Unit::Stray(Stray { t0: 0, t1: 0, data: b"CONNECT\r\n".to_vec() }));
        let Unit::Frame(f) = &us[1] else { panic!("{us:?}") };
        assert!(f.fcs_ok);
        let (p, info) = f.protocol().unwrap();
        assert_eq!(protocol_name(p), "LCP");
        let c = ControlPacket::parse(info).unwrap();
        assert_eq!((c.code_name(), c.id, c.options.len()), ("Configure-Request", 1, 3));
        assert_eq!(c.options[0], (1, vec![0x05, 0xDC]));
        let Unit::Frame(g) = &us[2] else { panic!("{us:?}") };
        let (p, info) = g.protocol().unwrap();
        assert_eq!(p, IPV4);
        let s = ip_summary(info).unwrap();
        assert_eq!(
            (s.protocol.as_str(), s.from.as_str(), s.to.as_str()),
            ("TCP", "10.0.0.2:49153", "93.184.216.34:443")
        );
    }

    #[test]
    fn options_are_named_as_their_rfcs_number_them() {
        assert_eq!(option_words(LCP, 1, &[0x05, 0x00]), "MRU 1280");
        assert_eq!(option_words(IPCP, 3, &[10, 64, 12, 7]), "IP-Address 10.64.12.7");
        assert_eq!(option_words(IPCP, 129, &[10, 64, 0, 1]), "Primary-DNS 10.64.0.1");
        assert_eq!(option_words(IPCP, 131, &[10, 64, 0, 2]), "Secondary-DNS 10.64.0.2");
        assert_eq!(option_words(IPCP, 200, &[1, 2]), "option 200 (0102)");
        // A value of the wrong size is shown raw, not misread.
        assert_eq!(option_words(LCP, 1, &[5]), "option 1 (05)");
    }

    #[test]
    fn a_corrupted_frame_fails_its_fcs() {
        let mut wire = encode(LCP, &[5, 2, 0, 4]);
        wire[5] ^= 0x01;
        let us = units(&[&wire]);
        assert!(matches!(&us[0], Unit::Frame(f) if !f.fcs_ok), "{us:?}");
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_units(
            parts in prop::collection::vec(prop_oneof![
                prop::collection::vec(any::<u8>(), 0..300).prop_map(|i| encode(IPV4, &i)),
                prop::collection::vec(any::<u8>(), 0..30),
            ], 0..10),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let wire = parts.concat();
            let chunks = crate::stray::cut_at(&wire, cuts.iter().map(|c| c.index(wire.len() + 1)).collect());
            let strip = |us: Vec<Unit>| -> Vec<(Vec<u8>, bool)> {
                us.into_iter().map(|u| match u {
                    Unit::Frame(f) => (f.bytes, f.fcs_ok),
                    Unit::Stray(Stray { data, .. }) => (data, false),
                }).collect()
            };
            prop_assert_eq!(strip(units(&[&wire])), strip(units(&chunks)));
        }
    }
}
