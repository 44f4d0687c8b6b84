#!/usr/bin/env python3
"""CMUX and PPP oracle sessions for atscope (issue 16): traces/cmux-sm-1.0.1/.

A Zephyr host (modem_cmux as the initiator, modem_ppp + the Zephyr PPP stack) drives a Serial Modem v1.0.1
built with overlay-cmux.conf and overlay-ppp.conf. The .atrace holds the raw UART bytes of each direction
(non-UTF-8 bursts as b64 records). Written from, without reference to atscope's decoder:
  ncs-serial-modem@v1.0.1 app/src/sm_cmux.c     handle_at_cmux(): rsp_send_ok() *before* cmux_start(), then only
                                                frames; DLCI 1 = AT, the first other DLCI (2) = PPP
                                                (cmux_get_dlci()); init_dlci() addresses 1..CHANNEL_COUNT
  ncs-serial-modem@v1.0.1 app/src/sm_ppp.c      send_status_notification() "\\r\\n#XPPP: %u,%u,%u\\r\\n";
                                                ppp_start() after the PDN is up; ppp_net_mgmt_event_handler()
  ncs-serial-modem@v1.0.1 app/overlay-ppp.conf  CONFIG_NET_L2_PPP_OPTION_MRU/SERVE_IP/SERVE_DNS=y
  ncs-serial-modem@v1.0.1 doc/app/at_cmux.rst, doc/app/at_ppp.rst (example: #XPPP: 1,0,0 / 1,1,0 / 1,0,0 / 0,0,0)
  nrfconnect/sdk-zephyr@011a146c subsys/modem/modem_cmux.c
      modem_cmux_transmit_frame(): F9, address 0x01|cr<<1|dlci<<2, control type|pf<<4, length (EA),
      FCS = 0xFF - crc8_rohc(0xFF, address..length) for UIH (and over the data too for other frames), F9;
      connect_handler()/dlci_open_handler(): the initiator sends SABM cr=1 pf=1;
      on_control_frame_sabm()/on_dlci_frame_sabm(): the responder answers UA with the SABM's cr and pf;
      on_dlci_frame_ua(): the initiator then sends MSC (UIH on DLCI 0, E3 05 <addr> <signals>);
      on_msc_command(): acknowledge (type cr=0, frame cr as received), then the responder's own MSC
      (frame cr = initiator = 0); dlci_pipe_api_transmit(): UIH with cr = initiator (host 1, SM 0), pf 0;
      process_received_byte(): bytes outside F9 ... F9 are skipped, a bad FCS drops the frame.
  Zephyr subsys/modem/modem_ppp.c   modem_ppp_wrap_net_pkt_byte(): 7E FF 7D 23, protocol and data with 7E, 7D and
                                    every byte < 0x20 escaped (XOR 0x20), FCS-16 low byte first, 7E; the receiver
                                    strips the FCS without checking it
  Zephyr subsys/net/l2/ppp/lcp.c    with CONFIG_NET_L2_PPP_OPTION_MRU the only own LCP option is MRU
  RFC 1662 (FCS-16, 0xF0B8 good FCS), RFC 1661 (LCP), RFC 1332 + RFC 1877 (IPCP, DNS options), RFC 791/768/793.
  3GPP TS 27.010 (basic option).
The expectations are written in this script, before atscope ran on the output.

stdlib only, deterministic. Run from the repository root:  python3 traces/make_sessions_cmux.py
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_sessions_sm import (CRLF, IMEI, NCS, SM_TAG, SM_VER, SMVER_LINE, Session,  # noqa: E402
                              answer)

SCRIPT = "traces/make_sessions_cmux.py"
FOLDER = "cmux-sm-" + SM_VER
SRC = "ncs-serial-modem@%s app/src/sm_cmux.c handle_at_cmux(); sdk-zephyr@011a146c subsys/modem/modem_cmux.c" % SM_TAG

# =============================================================================================
# 27.010 basic option framing (as Zephyr's modem_cmux writes it)
# =============================================================================================
SOF = 0xF9
SABM, UA, DM, DISC, UIH, UI = 0x2F, 0x63, 0x0F, 0x43, 0xEF, 0x03
MTU = 127  # overlay-cmux.conf: CONFIG_MODEM_CMUX_MTU=127


def crc8_rohc(init, data):
    """CRC-8/ROHC (reflected poly 0x07 = 0xE0, no final XOR), as Zephyr's crc8_rohc()."""
    crc = init
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0xE0 if crc & 1 else crc >> 1
    return crc


def cmux_frame(dlci, ftype, data=b"", cr=1, pf=0, bad_fcs=False):
    assert len(data) <= MTU
    hdr = bytes([0x01 | (cr << 1) | (dlci << 2), ftype | (pf << 4)])
    n = len(data)
    hdr += bytes([0x01 | (n << 1)]) if n <= 127 else bytes([(n << 1) & 0xFE, n >> 7])
    fcs = crc8_rohc(0xFF, hdr)
    if ftype != UIH:
        fcs = crc8_rohc(fcs, data)
    fcs = 0xFF - fcs
    if bad_fcs:
        fcs ^= 0x5A
    return bytes([SOF]) + hdr + bytes(data) + bytes([fcs, SOF])


def cmux_fcs_ok(frame):
    """Independent receiver-side check (27.010 5.2.1.6): CRC over header + received FCS gives 0xCF."""
    body = frame[1:-1]
    n = body[2] >> 1
    ftype = body[1] & ~0x10
    covered = body[:3] if ftype == UIH else body[:3 + n]
    return crc8_rohc(0xFF, covered + body[-1:]) == 0xCF


MSC = 0x38


def msc(dlci, command=True):
    """MSC: type (EA, C/R, 0x38), length 2 (EA), DLCI octet (EA, 1, DLCI), signals EA|RTC|RTR|DV = 0x8D."""
    return bytes([0x01 | (0x02 if command else 0) | (MSC << 2), 0x05, 0x03 | (dlci << 2), 0x8D])


def self_check_cmux():
    # 27.010 / Linux n_gsm well-known frames: SABM and UA on DLCI 0
    assert cmux_frame(0, SABM, pf=1) == bytes.fromhex("f9033f011cf9"), cmux_frame(0, SABM, pf=1).hex()
    assert cmux_frame(0, UA, pf=1) == bytes.fromhex("f9037301d7f9"), cmux_frame(0, UA, pf=1).hex()
    assert crc8_rohc(0xFF, b"123456789") == 0xD0  # CRC-8/ROHC check value
    for f in (cmux_frame(1, UIH, b"AT\r"), cmux_frame(2, SABM, pf=1), cmux_frame(0, UIH, msc(1), cr=0)):
        assert cmux_fcs_ok(f)
    assert not cmux_fcs_ok(cmux_frame(1, UIH, b"AT\r", bad_fcs=True))


# =============================================================================================
# RFC 1662 HDLC-like framing, as Zephyr's modem_ppp writes it
# =============================================================================================
def fcs16(data, fcs=0xFFFF):
    for b in data:
        fcs ^= b
        for _ in range(8):
            fcs = (fcs >> 1) ^ 0x8408 if fcs & 1 else fcs >> 1
    return fcs


def ppp_frame(proto, info, bad_fcs=False):
    body = bytes([0xFF, 0x03]) + struct.pack(">H", proto) + info
    fcs = fcs16(body) ^ 0xFFFF
    if bad_fcs:
        fcs ^= 0x1234
    body += struct.pack("<H", fcs)
    out = bytearray([0x7E])
    for b in body:
        if b in (0x7E, 0x7D) or b < 0x20:
            out += bytes([0x7D, b ^ 0x20])
        else:
            out.append(b)
    out.append(0x7E)
    return bytes(out)


def ppp_unframe(frame):
    body = bytearray()
    esc = False
    for b in frame[1:-1]:
        if esc:
            body.append(b ^ 0x20)
            esc = False
        elif b == 0x7D:
            esc = True
        else:
            body.append(b)
    return bytes(body)


def self_check_ppp():
    assert fcs16(b"123456789") ^ 0xFFFF == 0x906E  # CRC-16/X-25 check value (the RFC 1662 FCS-16)
    f = ppp_frame(0xC021, bytes([1, 1, 0, 4]))
    assert f[:4] == bytes([0x7E, 0xFF, 0x7D, 0x23])  # modem_ppp header: 7E FF 7D 23
    assert fcs16(ppp_unframe(f)) == 0xF0B8  # RFC 1662 good FCS
    assert fcs16(ppp_unframe(ppp_frame(0x0021, b"\x45" * 20, bad_fcs=True))) != 0xF0B8


LCP, IPCP, IPV4 = 0xC021, 0x8021, 0x0021
CONF_REQ, CONF_ACK, CONF_NAK, CONF_REJ, TERM_REQ, TERM_ACK = 1, 2, 3, 4, 5, 6


def cp(code, ident, options=b""):
    return struct.pack(">BBH", code, ident, 4 + len(options)) + options


def opt(t, value):
    return bytes([t, 2 + len(value)]) + value


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def mru(n):
    return opt(1, struct.pack(">H", n))


# ---- IPv4 --------------------------------------------------------------------------------------
def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(">%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack(">H", csum(hdr)) + hdr[12:]
    assert csum(hdr) == 0
    return hdr + payload


def udp(src, dst, sport, dport, data):
    seg = struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data
    pseudo = ip4(src) + ip4(dst) + struct.pack(">BBH", 0, 17, len(seg))
    c = csum(pseudo + seg) or 0xFFFF
    return seg[:6] + struct.pack(">H", c) + seg[8:]


def tcp(src, dst, sport, dport, seq, ack, flags, opts=b""):
    off = (20 + len(opts)) // 4
    seg = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 64240, 0, 0) + opts
    pseudo = ip4(src) + ip4(dst) + struct.pack(">BBH", 0, 6, len(seg))
    c = csum(pseudo + seg)
    return seg[:16] + struct.pack(">H", c) + seg[18:]


def dns_query(qid, name, answer_ip=None):
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    if answer_ip is None:
        return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q
    ans = struct.pack(">HHHIH", 0xC00C, 1, 1, 300, 4) + ip4(answer_ip)
    return struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + ans


# =============================================================================================
# Sessions
# =============================================================================================
HOST_IP, DNS1, DNS2, SERVER = "10.64.12.7", "10.64.0.1", "10.64.0.2", "203.0.113.10"


class CmuxSession(Session):
    def __init__(self, name, title, summary, source=SRC, folder=FOLDER, firmware=None):
        super().__init__(folder, name, title, summary, source,
                         firmware or {"sm": SM_VER, "ncs": NCS, "board": "nrf9151dk_nrf9151_ns",
                                      "overlays": ["overlay-cmux.conf", "overlay-ppp.conf"],
                                      "host": "Zephyr modem_cmux"},
                         script=SCRIPT)

    # plain AT before the mux
    def cmd(self, c, lines=(), final="OK", delay=0.012, think=0.15):
        t = self.host(c + "\r", think)
        self.modem(answer(lines, final), delay)
        return t

    # frames
    def hf(self, dlci, ftype, data=b"", gap=0.0, **kw):
        """A frame from the host (the initiator: cr=1)."""
        return self.host(cmux_frame(dlci, ftype, data, cr=kw.pop("cr", 1), **kw), gap)

    def mf(self, dlci, ftype, data=b"", gap=0.0, **kw):
        """A frame from the SM (the responder: cr=0 on its own UIH, the SABM's cr on its UA)."""
        return self.modem(cmux_frame(dlci, ftype, data, cr=kw.pop("cr", 0), **kw), gap)

    def mux_start(self):
        """AT#XCMUX=1 -> OK in plain text (rsp_send_ok() before cmux_start()); the host opens DLCI 0, 1, 2."""
        t = self.cmd("AT#XCMUX=1", delay=0.004, think=0.3)
        self.hf(0, SABM, pf=1, gap=0.05)
        self.mf(0, UA, pf=1, cr=1, gap=0.002)
        for d in (1, 2):
            self.hf(d, SABM, pf=1, gap=0.003)
            self.mf(d, UA, pf=1, cr=1, gap=0.002)
            self.hf(0, UIH, msc(d), gap=0.001)               # initiator's MSC after the UA
            self.mf(0, UIH, msc(d, command=False), cr=1, gap=0.002)  # acknowledge (frame cr as received)
            self.mf(0, UIH, msc(d), cr=0, gap=0.0005)          # the responder's own MSC
            self.hf(0, UIH, msc(d, command=False), cr=0, gap=0.002)  # the host acknowledges it
        return t

    def at(self, c, lines=(), final="OK", delay=0.012, think=0.15, bad_fcs=False):
        """An AT command in a UIH frame on DLCI 1, the answer in one UIH frame from the SM."""
        t = self.hf(1, UIH, (c + "\r").encode(), gap=think, bad_fcs=bad_fcs)
        if final is not None:
            self.mf(1, UIH, answer(lines, final).encode(), gap=delay)
        return t

    def urc(self, text, gap=0.0):
        return self.mf(1, UIH, (CRLF + text + CRLF).encode(), gap=gap)

    def ppp(self, side, frame, gap=0.0):
        """A PPP frame on DLCI 2, cut into UIH frames of at most 127 bytes."""
        first = None
        for i in range(0, len(frame), MTU):
            chunk = frame[i:i + MTU]
            t = (self.hf if side == "host" else self.mf)(2, UIH, chunk, gap=gap if i == 0 else 0.0)
            first = t if first is None else first
        return first


def boot(s):
    s.modem("Ready\r\n")
    s.exp("note slm.reset.expected @ 0   # power-on Ready (main.c SM_SYNC_STR)")
    t = s.cmd("AT#XSMVER", [SMVER_LINE], delay=0.006, think=0.4)
    s.exp("note sm.dialect @ %.3f   # #XSMVER answered (plain, before the mux), CR-only commands" % t)


def attach_on_mux(s):
    s.at("AT+CEREG=5", delay=0.007)
    s.at("AT+CFUN=1", delay=0.08)
    s.urc('+CEREG: 2,"4E2F","0138A70B",7', 0.6)
    s.urc('+CEREG: 5,"4E2F","0138A70B",7,,,"11100000","11100000"', 1.4)


SM_MAGIC_MRU = 1280   # CONFIG_SM_PPP_FALLBACK_MTU (the PDN gave no MTU)


def ppp_up(s, think=0.3, host_lcp_id=1):
    """LCP both ways, IPCP (host asks 0.0.0.0 + DNS, the SM naks with the PDN's address and DNS), then
    #XPPP: 1,1,0 when the PPP phase is RUNNING. Returns the time of the host's first LCP frame."""
    t = s.ppp("host", ppp_frame(LCP, cp(CONF_REQ, host_lcp_id)), think)
    s.ppp("modem", ppp_frame(LCP, cp(CONF_REQ, 1, mru(SM_MAGIC_MRU))), 0.004)
    s.ppp("modem", ppp_frame(LCP, cp(CONF_ACK, host_lcp_id)), 0.001)
    s.ppp("host", ppp_frame(LCP, cp(CONF_ACK, 1, mru(SM_MAGIC_MRU))), 0.003)
    zero = opt(3, ip4("0.0.0.0")) + opt(129, ip4("0.0.0.0")) + opt(131, ip4("0.0.0.0"))
    s.ppp("host", ppp_frame(IPCP, cp(CONF_REQ, 1, zero)), 0.004)
    s.ppp("modem", ppp_frame(IPCP, cp(CONF_REQ, 1, opt(3, ip4(HOST_IP)))), 0.003)
    given = opt(3, ip4(HOST_IP)) + opt(129, ip4(DNS1)) + opt(131, ip4(DNS2))
    s.ppp("modem", ppp_frame(IPCP, cp(CONF_NAK, 1, given)), 0.001)
    s.ppp("host", ppp_frame(IPCP, cp(CONF_ACK, 1, opt(3, ip4(HOST_IP)))), 0.003)
    s.ppp("host", ppp_frame(IPCP, cp(CONF_REQ, 2, given)), 0.001)
    s.ppp("modem", ppp_frame(IPCP, cp(CONF_ACK, 2, given)), 0.004)
    s.urc("#XPPP: 1,1,0", 0.01)
    return t


def ip_traffic(s, bad_fcs_dns=False):
    q = udp(HOST_IP, DNS1, 49152, 53, dns_query(0x1A2B, "api.example.com"))
    t = s.ppp("host", ppp_frame(IPV4, ipv4(HOST_IP, DNS1, 17, q, 0x0001), bad_fcs=bad_fcs_dns), 0.5)
    # with a bad FCS-16 the SM's modem_ppp still passes the query on (it strips the FCS unchecked): answered
    a = udp(DNS1, HOST_IP, 53, 49152, dns_query(0x1A2B, "api.example.com", SERVER))
    s.ppp("modem", ppp_frame(IPV4, ipv4(DNS1, HOST_IP, 17, a, 0x7701)), 0.12)
    mss = bytes([2, 4, 0x05, 0x14])  # MSS 1300
    syn = tcp(HOST_IP, SERVER, 49153, 443, 0x11223344, 0, 0x02, mss)
    s.ppp("host", ppp_frame(IPV4, ipv4(HOST_IP, SERVER, 6, syn, 0x0002)), 0.02)
    synack = tcp(SERVER, HOST_IP, 443, 49153, 0xA0B0C0D0, 0x11223345, 0x12, bytes([2, 4, 0x05, 0x14]))
    s.ppp("modem", ppp_frame(IPV4, ipv4(SERVER, HOST_IP, 6, synack, 0x3E01)), 0.18)
    ack = tcp(HOST_IP, SERVER, 49153, 443, 0x11223345, 0xA0B0C0D1, 0x10)
    s.ppp("host", ppp_frame(IPV4, ipv4(HOST_IP, SERVER, 6, ack, 0x0003)), 0.002)
    return t


# ---- healthy -----------------------------------------------------------------------------------
def s_at():
    s = CmuxSession("h-cmux-at", "CMUX start and AT on DLCI 1",
                    "SM v1.0.1 with CMUX+PPP overlays: Ready, AT#XSMVER, AT#XCMUX=1 -> OK (plain), then only "
                    "frames: the host opens DLCI 0, 1, 2 (SABM/UA), MSC both ways on DLCI 0 per channel; AT, "
                    "AT+CGSN=1, AT#XCMUX? (#XCMUX: 1,2), CEREG/CFUN and +CEREG URCs in UIH frames on DLCI 1")
    boot(s)
    s.mux_start()
    s.at("AT", delay=0.006, think=0.05)
    s.at("AT+CGSN=1", ['+CGSN: "%s"' % IMEI], delay=0.009)
    s.at("AT#XCMUX?", ["#XCMUX: 1,2"], delay=0.006)
    attach_on_mux(s)
    s.at("AT+CEREG?", ['+CEREG: 5,5,"4E2F","0138A70B",7,,,"11100000","11100000"'], delay=0.008, think=1.0)
    s.wait(1.0)
    return s


def s_ppp():
    s = CmuxSession("h-cmux-ppp", "CMUX, PPP negotiation on DLCI 2, DNS and a TCP handshake",
                    "SM v1.0.1: mux up as h-cmux-at; AT#XPPP=1 OK; CFUN=1, registered; #XPPP: 1,0,0 (PPP started, "
                    "PDN up); LCP both ways (the SM asks MRU 1280, the host no options), IPCP (host asks "
                    "0.0.0.0 + DNS 0.0.0.0, the SM naks with 10.64.12.7 / 10.64.0.1 / 10.64.0.2, host re-asks, "
                    "Ack); #XPPP: 1,1,0; a DNS query and answer (UDP 53), a TCP SYN / SYN-ACK / ACK to "
                    "203.0.113.10:443 with correct IPv4, UDP and TCP checksums",
                    SRC + "; app/src/sm_ppp.c handle_at_ppp(), ppp_start(), send_status_notification(), "
                    "ppp_net_mgmt_event_handler(); Zephyr subsys/modem/modem_ppp.c")
    boot(s)
    s.mux_start()
    s.at("AT", delay=0.006, think=0.05)
    s.at("AT#XPPP=1", delay=0.01)
    attach_on_mux(s)
    s.urc("#XPPP: 1,0,0", 0.35)
    ppp_up(s)
    ip_traffic(s)
    s.at("AT+CEREG?", ['+CEREG: 5,5,"4E2F","0138A70B",7,,,"11100000","11100000"'], delay=0.008, think=1.5)
    s.wait(1.0)
    return s


def s_midframe():
    s = CmuxSession("h-cmux-midframe", "Capture starts in the middle of a CMUX frame",
                    "SM v1.0.1, the mux is already up when the capture starts: the first modem bytes are the "
                    "tail of a UIH frame on DLCI 1 ('...CEREG: 5,1\\r\\n' + FCS + F9), then whole frames: AT, "
                    "AT#XSMVER, AT+CFUN? on DLCI 1 and a +CSCON URC. No Ready (no boot in the capture). Healthy")
    full = cmux_frame(1, UIH, b"\r\n+CEREG: 5,1\r\n", cr=0)
    s.modem(full[9:])  # starts mid-frame, in the data
    s.at("AT", delay=0.006, think=0.3)
    t = s.at("AT#XSMVER", [SMVER_LINE], delay=0.006)
    s.exp("note sm.dialect @ %.3f   # #XSMVER answered on the AT channel (DLCI 1)" % t)
    s.at("AT+CFUN?", ["+CFUN: 1"], delay=0.008)
    s.urc("+CSCON: 0", 2.0)
    s.wait(1.0)
    return s


# ---- problems ----------------------------------------------------------------------------------
def s_bad_fcs():
    s = CmuxSession("p-cmux-fcs", "A host frame with a bad FCS is dropped, the command is repeated",
                    "SM v1.0.1, mux up; the host's UIH frame carrying AT+CGSN=1 has a wrong FCS byte: "
                    "modem_cmux_process_received_byte() drops it (no answer); after its 1 s timeout the host "
                    "sends the same command in a good frame, answered")
    boot(s)
    s.mux_start()
    s.at("AT", delay=0.006, think=0.05)
    t = s.at("AT+CGSN=1", final=None, think=0.4, bad_fcs=True)
    s.exp("error cmux.fcs @ %.3f   # host UIH on DLCI 1: FCS does not check; the SM dropped the frame "
          "(no at.final.missing: the command never reached the SM)" % t)
    s.at("AT+CGSN=1", ['+CGSN: "%s"' % IMEI], delay=0.009, think=1.0)
    attach_on_mux(s)
    s.wait(1.0)
    return s


def s_reset():
    s = CmuxSession("p-cmux-reset", "The SM reboots while the mux is up",
                    "SM v1.0.1, mux up, AT traffic on DLCI 1; 4 s after the last exchange a glitch on the modem "
                    "line and a plain 'Ready\\r\\n' outside any frame: the SM rebooted (its UART is back in AT "
                    "command mode, CMUX is gone). Nothing was pending and the host did not ask for it")
    boot(s)
    s.mux_start()
    s.at("AT", delay=0.006, think=0.05)
    attach_on_mux(s)
    s.at("AT+CEREG?", ['+CEREG: 5,5,"4E2F","0138A70B",7,,,"11100000","11100000"'], delay=0.008, think=1.0)
    s.cond("modem", "glitch", 4.0)
    t = s.modem(b"\x00Ready\r\n", 0.3)
    s.exp("error cmux.ended-by-reset @ %.3f   # Ready outside frames while the mux was up" % t)
    s.exp("error slm.reset.unexpected @ %.3f   # no #XRESET, no FOTA, no sleep: the reboot is unexplained" % t)
    s.wait(2.0)
    return s


def s_plain_at():
    s = CmuxSession("p-cmux-plain-at", "The host still sends plain AT after the mux started",
                    "SM v1.0.1; after AT#XCMUX=1 OK and the mux set-up, one host module sends AT+CFUN? as plain "
                    "text: modem_cmux skips bytes outside F9 frames, so it is lost (no answer); the same command "
                    "in a frame on DLCI 1 is answered")
    boot(s)
    s.mux_start()
    s.at("AT", delay=0.006, think=0.05)
    t = s.host("AT+CFUN?\r", 0.5)
    s.exp("warning cmux.plain-at-after-start @ %.3f   # plain AT+CFUN? on the muxed UART: the SM drops it "
          "(no at.final.missing: it never reached the AT parser)" % t)
    s.at("AT+CFUN?", ["+CFUN: 0"], delay=0.008, think=1.0)
    s.wait(1.0)
    return s


def s_terminate():
    s = CmuxSession("p-ppp-terminate", "The host ends PPP with an LCP Terminate-Request",
                    "SM v1.0.1: PPP up as h-cmux-ppp, DNS + TCP; then the host sends LCP Terminate-Request; the "
                    "SM answers Terminate-Ack; #XPPP: 1,0,0 (peer gone) then #XPPP: 0,0,0 (PPP stopped: 'Peer "
                    "disconnection using the LCP Terminate-Request ... does not attempt to restart')",
                    SRC + "; app/src/sm_ppp.c ppp_net_mgmt_event_handler() NET_EVENT_PPP_PHASE_DEAD; "
                    "doc/app/at_ppp.rst")
    boot(s)
    s.mux_start()
    s.at("AT#XPPP=1", delay=0.01, think=0.05)
    attach_on_mux(s)
    s.urc("#XPPP: 1,0,0", 0.35)
    ppp_up(s)
    ip_traffic(s)
    t = s.ppp("host", ppp_frame(LCP, cp(TERM_REQ, 2, b"User request")), 3.0)
    s.exp("warning ppp.terminated @ %.3f   # LCP Terminate-Request sent by the host" % t)
    s.ppp("modem", ppp_frame(LCP, cp(TERM_ACK, 2)), 0.004)
    s.urc("#XPPP: 1,0,0", 0.02)
    s.urc("#XPPP: 0,0,0", 0.05)
    s.at("AT+CFUN=4", delay=0.3, think=1.0)
    s.wait(1.0)
    return s


def s_before_pdn():
    s = CmuxSession("p-ppp-before-pdn", "The host starts PPP before the PDN is up",
                    "SM v1.0.1: mux up, AT#XPPP=1 OK with the modem still offline; the host starts LCP on DLCI 2 "
                    "at once: its Configure-Requests (every 3 s) get no answer because the SM's PPP is not "
                    "attached to the channel before the PDN is up (ppp_start() runs on the PDN activation); "
                    "CFUN=1, registered, #XPPP: 1,0,0; the next Configure-Request is answered and the "
                    "negotiation completes (#XPPP: 1,1,0)",
                    SRC + "; app/src/sm_ppp.c ppp_start() (sm_cmux_reserve(CMUX_PPP_CHANNEL) and "
                    "modem_ppp_attach() only there), sm_ppp_on_cgev")
    boot(s)
    s.mux_start()
    s.at("AT#XPPP=1", delay=0.01, think=0.05)
    t = s.ppp("host", ppp_frame(LCP, cp(CONF_REQ, 1)), 0.2)
    s.exp("warning ppp.before-pdn @ %.3f   # LCP from the host before #XPPP: 1,0,0 (PDN not up)" % t)
    s.ppp("host", ppp_frame(LCP, cp(CONF_REQ, 2)), 3.0)
    s.at("AT+CEREG=5", delay=0.007, think=0.2)
    s.at("AT+CFUN=1", delay=0.08)
    s.ppp("host", ppp_frame(LCP, cp(CONF_REQ, 3)), 2.7)
    s.urc('+CEREG: 2,"4E2F","0138A70B",7', 0.3)
    s.urc('+CEREG: 5,"4E2F","0138A70B",7,,,"11100000","11100000"', 1.4)
    s.urc("#XPPP: 1,0,0", 0.35)
    ppp_up(s, think=0.6, host_lcp_id=4)
    ip_traffic(s)
    s.wait(1.0)
    return s


def s_ppp_fcs():
    s = CmuxSession("p-ppp-fcs", "A host PPP frame with a bad FCS-16",
                    "SM v1.0.1, PPP up; the host's IPv4 DNS query frame has a wrong FCS-16 (the CMUX FCS of the "
                    "carrying UIH frames is right). Zephyr's modem_ppp strips the FCS without checking it, so "
                    "the query goes out and is answered anyway; the rest of the traffic is clean",
                    SRC + "; Zephyr subsys/modem/modem_ppp.c modem_ppp_process_received_byte() (no FCS check)")
    boot(s)
    s.mux_start()
    s.at("AT#XPPP=1", delay=0.01, think=0.05)
    attach_on_mux(s)
    s.urc("#XPPP: 1,0,0", 0.35)
    ppp_up(s)
    t = ip_traffic(s, bad_fcs_dns=True)
    s.exp("error ppp.fcs @ %.3f   # host IPv4 frame (DNS query) on DLCI 2: FCS-16 does not check" % t)
    s.wait(1.0)
    return s


def s_unopened_dlci():
    s = CmuxSession("p-cmux-unopened-dlci", "A UIH frame on a DLCI the mux does not have",
                    "SM v1.0.1 with CMUX+PPP (DLCIs 1 and 2 only); mux up (0, 1, 2 opened); a misconfigured "
                    "host module sends AT+CGMR in a UIH frame on DLCI 3, never opened (and not configured on "
                    "the SM): the SM answers DM (pf=1) on DLCI 3; the host then uses DLCI 1, answered",
                    SRC + " (on_dlci_frame(): unconfigured DLCI -> modem_cmux_dm_response_transmit())")
    boot(s)
    s.mux_start()
    s.at("AT", delay=0.006, think=0.05)
    t = s.hf(3, UIH, b"AT+CGMR\r", gap=0.6)
    s.mf(3, DM, pf=1, cr=1, gap=0.002)
    s.exp("warning cmux.unopened-dlci @ %.3f   # UIH on DLCI 3, never opened with SABM/UA; the SM answered DM "
          "(no at.final.missing: the command never reached the AT parser)" % t)
    s.at("AT+CGMR", ["mfw_nrf91x1_2.0.3"], delay=0.008, think=0.8)
    s.wait(1.0)
    return s


def s_data_before_open():
    s = CmuxSession("p-cmux-data-before-open", "The host sends on DLCI 1 before opening DLCI 0",
                    "SM v1.0.1; right after AT#XCMUX=1 OK the host sends AT in a UIH frame on DLCI 1 before any "
                    "SABM: the SM's modem_cmux is not connected yet and drops it (no answer); the host then "
                    "opens DLCI 0, 1, 2 and repeats AT on DLCI 1, answered",
                    SRC + " (on_dlci_frame(): 'Unexpected DLCI frame' while not CONNECTED)")
    boot(s)
    s.cmd("AT#XCMUX=1", delay=0.004, think=0.3)
    t = s.hf(1, UIH, b"AT\r", gap=0.02)
    s.exp("warning cmux.data-before-open @ %.3f   # UIH on DLCI 1 before DLCI 0 was opened; dropped by the SM "
          "(no cmux.unopened-dlci: DLCI 1 is opened later; no at.final.missing: the AT never reached the SM)" % t)
    s.hf(0, SABM, pf=1, gap=1.0)
    s.mf(0, UA, pf=1, cr=1, gap=0.002)
    for d in (1, 2):
        s.hf(d, SABM, pf=1, gap=0.003)
        s.mf(d, UA, pf=1, cr=1, gap=0.002)
        s.hf(0, UIH, msc(d), gap=0.001)
        s.mf(0, UIH, msc(d, command=False), cr=1, gap=0.002)
        s.mf(0, UIH, msc(d), cr=0, gap=0.0005)
        s.hf(0, UIH, msc(d, command=False), cr=0, gap=0.002)
    s.at("AT", delay=0.006, think=0.05)
    s.at("AT+CFUN?", ["+CFUN: 0"], delay=0.008)
    s.wait(1.0)
    return s


# ---- the SLM (sdk-nrf v2.6.0) --------------------------------------------------------------------
def s_slm_at():
    """SLM v2.6.0 (sdk-nrf, Geocene mirror at 'version: update VERSION to 2.6.0') with CMUX and PPP."""
    s = CmuxSession("h-cmux-at", "SLM v2.6.0: CMUX start and AT on DLCI 1",
                    "SLM v2.6.0 (CR LF terminator), CONFIG_SLM_CMUX and CONFIG_SLM_PPP: Ready, AT#XSLMVER, "
                    "AT#XCMUX=1 -> OK (the normal final result; CMUX starts 50 ms later from a work item); the "
                    "host opens DLCI 0, 1, 2 (SABM/UA, no MSC: the older Zephyr modem_cmux), then AT, "
                    "AT#XCMUX? (#XCMUX: 1,2), AT+CFUN=1, +CEREG URCs in UIH frames on DLCI 1, commands ending "
                    "with CR LF",
                    "sdk-nrf v2.6.0 applications/serial_lte_modem/src/slm_cmux.c handle_at_cmux() "
                    "(k_work_schedule(cmux_start_work, SLM_UART_RESPONSE_DELAY = 50 ms)), CHANNEL_COUNT "
                    "1 + PPP; slm_at_commands.c handle_at_slmver(); Kconfig default SLM_CR_LF_TERMINATION; "
                    "zephyrproject-rtos/zephyr@01376c07 subsys/modem/modem_cmux.c (UIH cr=1 both sides, UA "
                    "copies the SABM's cr/pf, no MSC sent)",
                    folder="cmux-slm-2.6.0",
                    firmware={"slm": "2.6.0", "board": "nrf9160dk_nrf9160_ns", "host": "Zephyr modem_cmux",
                              "config": ["CONFIG_SLM_CMUX=y", "CONFIG_SLM_PPP=y"]})
    s.modem("Ready\r\n")
    s.exp("note slm.reset.expected @ 0   # power-on Ready")
    s.host("AT#XSLMVER\r\n", 0.4)
    s.modem(answer(['#XSLMVER: "2.6.0","2.6.0"']), 0.006)
    s.host("AT#XCMUX=1\r\n", 0.3)
    s.modem(answer(), 0.004)
    s.hf(0, SABM, pf=1, gap=0.1)
    s.mf(0, UA, pf=1, cr=1, gap=0.002)
    for d in (1, 2):
        s.hf(d, SABM, pf=1, gap=0.003)
        s.mf(d, UA, pf=1, cr=1, gap=0.002)

    def at(c, lines=(), delay=0.012, think=0.15):
        s.hf(1, UIH, (c + "\r\n").encode(), gap=think)
        s.mf(1, UIH, answer(lines).encode(), cr=1, gap=delay)

    at("AT", delay=0.006, think=0.05)
    at("AT#XCMUX?", ["#XCMUX: 1,2"], delay=0.006)
    at("AT+CEREG=5", delay=0.007)
    at("AT+CFUN=1", delay=0.08)
    s.mf(1, UIH, b'\r\n+CEREG: 2,"4E2F","0138A70B",7\r\n', cr=1, gap=0.6)
    s.mf(1, UIH, b'\r\n+CEREG: 5,"4E2F","0138A70B",7,,,"11100000","11100000"\r\n', cr=1, gap=1.4)
    at("AT+CEREG?", ['+CEREG: 5,5,"4E2F","0138A70B",7,,,"11100000","11100000"'], delay=0.008, think=1.0)
    s.wait(1.0)
    return s


# ---- read-back check: a separate deframer over the written files ---------------------------------
def verify_written(path):
    """Counts (bad CMUX FCS, bad PPP FCS-16, bad IPv4/UDP/TCP checksums) over both directions of a file."""
    import base64
    import json
    streams = {"host": bytearray(), "modem": bytearray()}
    with open(path, encoding="utf-8") as f:
        for line in list(f)[1:]:
            r = json.loads(line)
            if "text" in r:
                streams[r["d"]] += r["text"].encode("utf-8")
            elif "b64" in r:
                streams[r["d"]] += base64.b64decode(r["b64"])
    bad_cmux = bad_ppp = bad_ip = 0
    for buf in streams.values():
        i, dlci2 = 0, bytearray()
        while i < len(buf):
            if buf[i] != SOF:
                i += 1
                continue
            j = i + 1
            while j < len(buf) and buf[j] == SOF:
                j += 1
            if j + 3 > len(buf) or not buf[j + 2] & 1:
                i = j
                continue
            n = buf[j + 2] >> 1
            end = j + 3 + n
            if end + 1 >= len(buf) or buf[end + 1] != SOF:
                i = j
                continue
            covered = buf[j:j + 3] if buf[j + 1] & ~0x10 == UIH else buf[j:j + 3 + n]
            if crc8_rohc(0xFF, bytes(covered) + bytes([buf[end]])) != 0xCF:
                bad_cmux += 1
            elif buf[j] >> 2 == 2:
                dlci2 += buf[j + 3:end]
            i = end + 1
        for chunk in bytes(dlci2).split(b"\x7e"):
            if not chunk:
                continue
            body = ppp_unframe(b"\x7e" + chunk + b"\x7e")
            if fcs16(body) != 0xF0B8:
                bad_ppp += 1
            elif body[2:4] == b"\x00\x21":
                ip = body[4:-2]
                ihl = (ip[0] & 15) * 4
                seg = ip[ihl:]
                pseudo = ip[12:20] + struct.pack(">BBH", 0, ip[9], len(seg))
                bad_ip += (csum(ip[:ihl]) != 0) + (csum(pseudo + seg) != 0)
    return bad_cmux, bad_ppp, bad_ip


EXPECTED_DAMAGE = {"p-cmux-fcs": (1, 0, 0), "p-ppp-fcs": (0, 1, 0)}

SESSIONS = [s_at, s_ppp, s_midframe, s_bad_fcs, s_reset, s_plain_at, s_terminate, s_before_pdn, s_ppp_fcs,
            s_unopened_dlci, s_data_before_open, s_slm_at]


def main():
    self_check_cmux()
    self_check_ppp()
    for f in SESSIONS:
        s = f()
        n, sec = s.write()
        damage = verify_written(os.path.join(os.path.dirname(os.path.abspath(__file__)), s.folder,
                                             s.name + ".atrace"))
        assert damage == EXPECTED_DAMAGE.get(s.name, (0, 0, 0)), (s.name, damage)
        print("%-34s %4d records %6.1f s  bad cmux/ppp/ip: %s" % (s.folder + "/" + s.name, n, sec, damage))


if __name__ == "__main__":
    main()
