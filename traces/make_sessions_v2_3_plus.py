#!/usr/bin/env python3
"""Writes the synthetic SLM v2.3 .. v2.9 oracle sessions (traces/slm-2.3.0 ... traces/slm-2.9.0).

Every byte the modem side sends is what the Serial LTE Modem source at the named NCS tag puts on
the UART (the function is cited next to each session); host bytes are what a host MCU would send.
Each session is written as `NAME.atrace` (JSON Lines, see analyzer/src/trace.rs) and `NAME.expect`
(the findings an expert expects, written from the source BEFORE atscope was run on the file).

Run from anywhere: `python3 traces/make_sessions_v2_3_plus.py`. Deterministic: no randomness, no
clock; the same script writes the same files.

Timing model: one 8N1 character at 115200 Bd takes 86.8 us; a record's `t` is the time of its
first byte and the clock advances by the record's length in characters. Host commands go out as
one record; an SLM answer is one record per UART write burst (rsp_send() + rsp_send_ok() are two
writes back to back, kept as one record when they leave the UART back to back).
"""
import base64
import hashlib
import json
import os

BYTE_S = 10 / 115200  # one 8N1 character at 115200 Bd
ROOT = os.path.dirname(os.path.abspath(__file__))
SCRIPT = "traces/make_sessions_v2_3_plus.py"

BOARD = {
    "2.3.0": "nrf9160dk_nrf9160_ns",
    "2.5.0": "nrf9160dk_nrf9160_ns",
    "2.6.0": "nrf9160dk_nrf9160_ns",
    "2.9.0": "nrf9160dk/nrf9160/ns",  # hardware model v2 board name (NCS >= 2.7)
}
MFW = "mfw_nrf9160_1.3.5"
IMEI = "352656100367872"


class Session:
    def __init__(self, folder, name, title, slm, profile=None, declare=True):
        self.folder = folder
        self.name = name
        self.t = 0.0
        self.recs = []
        self.exp = []
        self.head = {}
        self.meta = {
            "source": f"synthetic, written from the SLM source ({SCRIPT})",
            "title": title,
            "baud": 115200,
        }
        if declare:
            fw = {"slm": slm, "board": BOARD[slm]}
            if profile:
                fw["profile"] = profile
            self.meta["firmware"] = fw
        self.slm = slm

    # --- time -------------------------------------------------------------------------------
    def wait(self, s):
        self.t += s
        return self

    def now(self):
        return round(self.t, 3)

    # --- records ----------------------------------------------------------------------------
    def _rec(self, d, data):
        r = {"t": round(self.t * 1e9), "d": d}
        try:
            r["text"] = data.decode("utf-8")
        except UnicodeDecodeError:
            r["b64"] = base64.b64encode(data).decode()
        self.recs.append(r)
        self.t += len(data) * BYTE_S

    def host(self, data, gap=0.0):
        self.wait(gap)
        self._rec("host", data.encode() if isinstance(data, str) else data)
        return self

    def cmd(self, line, gap=0.05):
        """One host command line, CR LF terminated (CONFIG_SLM_CR_LF_TERMINATION, the default)."""
        self.wait(gap)
        t = self.now()
        self._rec("host", line.encode() + b"\r\n")
        return t

    def modem(self, data, gap=0.0):
        self.wait(gap)
        t = self.now()
        self._rec("modem", data.encode() if isinstance(data, str) else data)
        return t

    def resp(self, *lines, gap=0.01):
        """Information lines then the final result, as format_final_result()/rsp_send() frame
        them: CRLF before every line, one empty line before the final result."""
        out = b""
        for l in lines:
            out += b"\r\n" + (l.encode() if isinstance(l, str) else l) + b"\r\n"
        return self.modem(out, gap)

    def urc(self, line, gap=0.0):
        return self.modem(b"\r\n" + (line.encode() if isinstance(line, str) else line) + b"\r\n", gap)

    # --- expectations -----------------------------------------------------------------------
    def expect(self, sev, fid, at=None, why=""):
        self.exp.append((sev, fid, at, why))

    def header(self, session, source, cls):
        self.head = {"session": session, "source": source, "class": cls}

    def write(self):
        d = os.path.join(ROOT, self.folder)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, self.name + ".atrace"), "w") as f:
            f.write(json.dumps({"atrace": 1, "meta": self.meta}, separators=(",", ":")) + "\n")
            last = 0
            for r in self.recs:
                assert r["t"] >= last, (self.name, r)
                last = r["t"]
                f.write(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n")
        with open(os.path.join(d, self.name + ".expect"), "w") as f:
            f.write(f"# session: {self.head['session']}\n")
            f.write(f"# source: {self.head['source']}\n")
            f.write(f"# class: {self.head['class']}\n")
            errs = [e for e in self.exp if e[0] in ("error", "warning")]
            if not errs:
                f.write("# expect: no warnings, no errors\n")
            for sev, fid, at, why in self.exp:
                line = f"{sev} {fid}"
                if at is not None:
                    line += f" @ {at:.3f}".rstrip("0").rstrip(".") if at != 0 else " @ 0"
                if why:
                    line += f"   # {why}"
                f.write(line + "\n")
        return self


# --- content helpers ----------------------------------------------------------------------------
def pem(kind, seed, n=3):
    body = base64.b64encode(hashlib.sha512(seed.encode()).digest() * 2).decode()
    rows = [body[i:i + 64] for i in range(0, 64 * n, 64)]
    return f"-----BEGIN {kind}-----\r\n" + "\r\n".join(rows) + f"\r\n-----END {kind}-----"


def sha(seed):
    return hashlib.sha256(seed.encode()).hexdigest().upper()


def uuid(seed):
    h = hashlib.md5(seed.encode()).hexdigest()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def slmver_line(v):
    # v2.3+: handle_at_slmver(): "#XSLMVER: %s,\"%s\"" with STRINGIFY(NCS_VERSION_STRING) (which
    # carries its own quotes) and nrf_modem_build_version(); the libmodem version is taken equal to
    # the NCS version here (assumption, see README).
    return f'#XSLMVER: "{v}","{v}"'


def boot(s, version=True, ready=True):
    if ready:
        s.modem("Ready\r\n", 0.0)  # SLM_SYNC_STR, no leading CR LF
        s.expect("note", "slm.reset.expected", 0, "power-on Ready at the capture start")
    if version:
        s.cmd("AT#XSLMVER", 0.3)
        s.resp(slmver_line(s.slm), "OK", gap=0.004)
    s.cmd("AT+CGMR", 0.05)
    s.resp(MFW, "OK", gap=0.006)
    return s


def attach(s, n=5, cscon=True):
    s.cmd(f"AT+CEREG={n}")
    s.resp("OK", gap=0.004)
    if cscon:
        s.cmd("AT+CSCON=1")
        s.resp("OK", gap=0.004)
    s.cmd("AT+CFUN=1")
    s.resp("OK", gap=0.08)
    if n >= 2:
        s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 1.2)
    else:
        s.urc("+CEREG: 2", 1.2)
    if cscon:
        s.urc("+CSCON: 1", 1.6)
    if n >= 4:
        s.urc('+CEREG: 1,"0A2E","01D9B70A",7,,,"11100000","11100000"', 0.9)
    elif n >= 2:
        s.urc('+CEREG: 1,"0A2E","01D9B70A",7', 0.9)
    else:
        s.urc("+CEREG: 1", 0.9)
    s.cmd("AT+CGPADDR=0", 0.2)
    s.resp('+CGPADDR: 0,"10.160.77.12"', "OK", gap=0.005)
    return s


GLITCH = b"\xc0\xff"  # TX line glitch while the nRF9160 resets (slm-protocol.md section 6)


# =================================================================================================
# SLM v2.3.0
# =================================================================================================
F23 = "slm-2.3.0"


def s23_tcpdata_ready_payload():
    s = Session(F23, "c03-tcpdata-header-ready-payload",
                "v2.3 TCP proxy: #XTCPDATA header then a payload holding Ready and OK lines: not a reboot", "2.3.0")
    boot(s)
    attach(s)
    s.cmd('AT#XTCPCLI=1,"banner.example.com",7000', 0.3)
    s.resp('#XTCPCLI: 0,"connected"', gap=0.72)
    s.resp("OK", gap=0.0)
    s.cmd('AT#XTCPSEND="hello"', 0.2)
    s.resp("#XTCPSEND: 5", gap=0.05)
    s.resp("OK")
    # The peer answers with a banner: v2.3+ tcpcli_thread_func(): rsp_send("\r\n#XTCPDATA: %d\r\n")
    # then data_send() of the raw bytes (no CR LF after them).
    p1 = b"Welcome\r\nReady\r\n"
    s.modem(b"\r\n#XTCPDATA: %d\r\n" % len(p1), 0.31)
    s.modem(p1)
    p2 = b"hello\r\nOK\r\n"
    s.modem(b"\r\n#XTCPDATA: %d\r\n" % len(p2), 0.12)
    s.modem(p2)
    s.cmd("AT#XTCPCLI=0", 1.0)
    s.resp('#XTCPCLI: 0,"disconnected"', "OK", gap=0.04)
    s.header("v2.3.0 TCP client; the peer's banner \"Welcome\\r\\nReady\\r\\n\" and an echo with \"OK\" arrive as "
             "#XTCPDATA header + raw bytes: payload, not a reboot, not a final result",
             "sdk-nrf v2.3.0 applications/serial_lte_modem/src/slm_at_tcp_proxy.c tcpcli_thread_func(), "
             "do_tcp_client_connect(), do_tcp_client_disconnect(); slm_at_host.c SLM_SYNC_STR",
             "3 problem (healthy: a careless Ready/OK matcher would see a reboot / an unsolicited OK)")
    return s


def s23_real_reset_after_payload():
    s = Session(F23, "c03-real-reset-after-payload",
                "v2.3 TCP proxy: a payload, then a glitch+Ready with no command pending: a real reboot", "2.3.0")
    boot(s)
    attach(s)
    s.cmd('AT#XTCPCLI=1,"banner.example.com",7000', 0.3)
    s.resp('#XTCPCLI: 0,"connected"', gap=0.69)
    s.resp("OK", gap=0.0)
    p1 = b"Welcome\r\n"
    s.modem(b"\r\n#XTCPDATA: %d\r\n" % len(p1), 0.35)
    s.modem(p1)
    t = s.modem(GLITCH + b"Ready\r\n", 4.2)
    s.expect("error", "slm.reset.unexpected", t,
             "Ready (after glitch bytes) outside any #XTCPDATA payload, nothing pending, no #XRESET/#XSLEEP")
    s.cmd("AT#XSLMVER", 0.5)
    s.resp(slmver_line("2.3.0"), "OK", gap=0.004)
    s.cmd("AT+CFUN?", 0.05)
    s.resp("+CFUN: 0", "OK", gap=0.006)
    s.header("v2.3.0 TCP client receives a 9-byte banner (header then bytes), 4 s later the chip reboots "
             "(c0 ff glitch, Ready); the host re-initialises",
             "sdk-nrf v2.3.0 applications/serial_lte_modem/src/slm_at_tcp_proxy.c tcpcli_thread_func(); "
             "slm_at_host.c slm_at_host_init() (Ready)",
             "3 near-miss (a real reboot right after a payload: the payload is over, so Ready is a reset)")
    return s


def s23_pipelined_lost():
    s = Session(F23, "c10-pipelined-lost",
                "v2.3: the host sends AT+CGSN=1 while AT+CFUN=1 is pending: UART RX is off, the command is lost", "2.3.0")
    boot(s)
    s.cmd("AT+CEREG=5")
    s.resp("OK", gap=0.004)
    s.cmd("AT+CFUN=1", 0.05)
    t = s.cmd("AT+CGSN=1", 0.003)  # 3 ms later, CFUN=1 still pending: cmd_rx_handler() did uart_rx_disable()
    s.expect("warning", "slm.host.pipelined", t,
             "AT+CGSN=1 sent while AT+CFUN=1 was pending on v2.3 (RX disabled until cmd_send() ends); "
             "its bytes were lost, which also explains why it never got an answer: no separate at.final.missing")
    s.resp("OK", gap=0.075)
    # the host waits 2 s for +CGSN, gives up and sends it again, this time after the OK
    s.cmd("AT+CGSN=1", 2.0)
    s.resp(f'+CGSN: "{IMEI}"', "OK", gap=0.006)
    s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 1.1)
    s.urc('+CEREG: 1,"0A2E","01D9B70A",7,,,"11100000","11100000"', 2.3)
    s.header("v2.3.0: AT+CGSN=1 pipelined 3 ms after AT+CFUN=1; only CFUN's OK comes; the host repeats "
             "AT+CGSN=1 after 2 s and gets it",
             "sdk-nrf v2.3.0 applications/serial_lte_modem/src/slm_at_host.c cmd_rx_handler() (send: "
             "uart_rx_disable()), cmd_send() (uart_receive() only at done:)",
             "10 problem (pipelining on a version that loses input; a session declared < 2.5)")
    return s


def s23_mqttcfg_unsupported():
    s = Session(F23, "c10-xmqttcfg-unsupported",
                "v2.3: AT#XMQTTCFG (added in v2.6) answered ERROR; the host falls back to the v2.3 #XMQTTCON syntax", "2.3.0")
    boot(s)
    attach(s)
    t = s.cmd('AT#XMQTTCFG="atscope-dk-23",60,1', 0.3)
    s.resp("ERROR", gap=0.012)
    s.expect("warning", "slm.command.unsupported", t, "#XMQTTCFG does not exist before v2.6 (not in the v2.3.0 slm_at_cmd_list)")
    s.expect("warning", "at.error", t, "the unknown command went to the modem (slm_at_parse() -ENOENT) which answered ERROR")
    s.cmd('AT#XMQTTCON=1,"atscope-dk-23","","","mqtt.example.com",1883', 0.4)
    s.resp("OK", gap=1.6)
    s.urc("#XMQTTEVT: 0,0", 0.38)
    s.cmd('AT#XMQTTPUB="atscope/dk-23/status","online",0,0', 0.5)
    s.resp("OK", gap=0.05)
    s.cmd("AT#XMQTTCON=0", 2.0)
    s.urc("#XMQTTEVT: 1,0", 0.09)
    s.resp("OK", gap=0.004)
    s.header("v2.3.0: the host tries the v2.6 #XMQTTCFG, gets ERROR, connects with the v2.3 client-id-in-#XMQTTCON "
             "syntax, publishes QoS 0, disconnects (#XMQTTEVT: 1,0 before OK)",
             "sdk-nrf v2.3.0 applications/serial_lte_modem/src/slm_at_commands.c slm_at_cmd_list (no #XMQTTCFG), "
             "slm_at_host.c cmd_send(); mqtt_c/slm_at_mqtt.c handle_at_mqtt_connect(), do_mqtt_disconnect()",
             "10 problem (a command this version does not have)")
    return s


def s23_udp_proxy():
    s = Session(F23, "h-udp-proxy",
                "v2.3 UDP proxy: client, send, #XUDPDATA: <n> header (no address in v2.3-v2.6) then bytes, disconnect", "2.3.0")
    boot(s)
    attach(s)
    s.cmd('AT#XUDPCLI=1,"udp.example.com",5683', 0.3)
    s.resp('#XUDPCLI: 0,"connected"', gap=0.2)
    s.resp("OK")
    s.cmd('AT#XUDPSEND="hello"', 0.2)
    s.resp("#XUDPSEND: 5", gap=0.03)
    s.resp("OK")
    p1 = b"hello\r\nOK\r\n"
    s.modem(b"\r\n#XUDPDATA: %d\r\n" % len(p1), 0.42)
    s.modem(p1)
    s.cmd("AT#XUDPCLI=0", 1.0)
    s.resp('#XUDPCLI: 0,"disconnected"', "OK", gap=0.03)
    s.header("v2.3.0 UDP client: send 5 bytes, the echo (holding an OK line) arrives as #XUDPDATA: 11 then the "
             "raw bytes, disconnect",
             "sdk-nrf v2.3.0 applications/serial_lte_modem/src/slm_at_udp_proxy.c udp_thread_func() "
             "(rsp_send(\"\\r\\n#XUDPDATA: %d\\r\\n\") then data_send()), do_udp_client_connect(), "
             "do_udp_client_disconnect()",
             "healthy (UDP proxy; also class 3: an OK inside the payload)")
    return s


# =================================================================================================
# SLM v2.5.0
# =================================================================================================
F25 = "slm-2.5.0"


def s25_pipelined_answered():
    s = Session(F25, "c10-pipelined-answered",
                "v2.5: a burst of three commands and a blank line, all answered in order", "2.5.0")
    boot(s)
    # One burst; v2.5 cmd_rx_handler() parses the whole RX buffer, runs each command in turn
    # (cmd_send() from rx_handler_callback()) and ignores the empty line (0-size command).
    s.host(b"AT+CGSN=1\r\n\r\nAT+CIMI\r\nAT%XICCID\r\n", 0.1)
    s.resp(f'+CGSN: "{IMEI}"', "OK", gap=0.006)
    s.resp("244071234567890", "OK", gap=0.004)
    s.resp("%XICCID: 89358071234567890123", "OK", gap=0.005)
    attach(s)
    s.header("v2.5.0 (declared): the host sends AT+CGSN=1, an empty line, AT+CIMI and AT%XICCID in one burst; "
             "three answers in order, the empty line silently ignored",
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_host.c rx_handler_callback(), "
             "cmd_rx_handler() (\"Ignore 0 size command\"), cmd_send()",
             "10 near-miss (pipelining is allowed from v2.5: not slm.host.pipelined)")
    return s


def s25_no_version_pipelined():
    s = Session(F25, "c10-no-version-pipelined",
                "No version declared: a command sent while another is pending, both answered (the traffic of a v2.5+ SLM)", "2.5.0",
                declare=False)
    s.modem("Ready\r\n", 0.0)
    s.expect("note", "slm.reset.expected", 0, "power-on Ready at the capture start")
    s.cmd("AT+CGMR", 0.3)
    s.resp(MFW, "OK", gap=0.006)
    s.cmd("AT+CEREG=5", 0.05)
    s.resp("OK", gap=0.004)
    s.cmd("AT+CGSN=1", 0.05)
    # 2 ms later, AT+CGSN=1 still pending (its answer takes ~6 ms): a v2.1-v2.4 SLM has UART RX
    # disabled at this point and would lose these bytes; v2.5+ queues them.
    t = s.cmd("AT+CIMI", 0.001)
    s.resp(f'+CGSN: "{IMEI}"', "OK", gap=0.003)
    s.resp("244071234567890", "OK", gap=0.004)
    s.expect("warning", "slm.version.contradicted", t,
             "nothing declares the version; AT+CIMI was sent while AT+CGSN=1 was pending and both were answered, "
             "which an SLM < 2.5 (RX off during a command) cannot do: whatever version was assumed below 2.5 is "
             "contradicted (and, the input not being lost, no slm.host.pipelined)")
    s.cmd("AT+CFUN=1", 0.1)
    s.resp("OK", gap=0.08)
    s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 1.2)
    s.urc('+CEREG: 1,"0A2E","01D9B70A",7,,,"11100000","11100000"', 2.1)
    s.header("no meta.firmware, no #XSLMVER; AT+CIMI sent 2 ms after AT+CGSN=1, before its answer, and both answered; otherwise an ordinary attach. "
             "The recording was made with a v2.5.0 SLM (the folder name), but the file says nothing",
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_host.c rx_handler_callback(), cmd_rx_handler(); "
             "v2.3.0 slm_at_host.c cmd_rx_handler() (uart_rx_disable at the terminator) for the contrast",
             "10 problem (an assumed version contradicted by the traffic)")
    return s


def s25_slmuart_removed():
    s = Session(F25, "c10-xslmuart-removed",
                "v2.5: AT#XSLMUART (removed in v2.5.0) answered ERROR", "2.5.0")
    boot(s)
    t = s.cmd("AT#XSLMUART=115200,1", 0.2)
    s.resp("ERROR", gap=0.01)
    s.expect("warning", "slm.command.unsupported", t, "#XSLMUART was removed in v2.5.0 (no entry in the v2.5.0 slm_at_cmd_list)")
    s.expect("warning", "at.error", t, "not an SLM command any more: forwarded to the modem, which answers ERROR")
    s.cmd("AT+CFUN?", 0.3)
    s.resp("+CFUN: 0", "OK", gap=0.006)
    attach(s)
    s.header("v2.5.0: a host written for v2.3 sends AT#XSLMUART=115200,1, gets ERROR, carries on",
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_commands.c slm_at_cmd_list (no AT#XSLMUART); "
             "slm_at_host.c cmd_send() (UNKNOWN_AT_COMMAND_RET -> nrf_modem_at_cmd)",
             "10 problem (a command this version does not have)")
    return s


def s25_reset_in_datamode():
    s = Session(F25, "c02-reset-in-datamode",
                "v2.5: the SLM reboots (glitch + Ready) while in TCP data mode; the host's next lines are commands", "2.5.0")
    boot(s)
    attach(s)
    s.cmd('AT#XTCPCLI=1,"logger.example.com",5000', 0.3)
    s.resp('#XTCPCLI: 0,"connected"', gap=0.66)
    s.resp("OK")
    s.cmd("AT#XTCPSEND", 0.2)
    s.resp("OK", gap=0.003)  # enter_datamode(); from here every host byte is payload
    s.host(b'{"seq":1,"t":21.5}\r\n', 0.4)
    s.host(b'{"seq":2,"t":21.6}\r\n', 1.0)
    t = s.modem(b"\x00" + GLITCH + b"Ready\r\n", 1.7)
    s.expect("error", "slm.reset.unexpected", t,
             "glitch + Ready in data mode with no #XRESET/#XSLEEP: a reboot (data mode is over, the SLM is in command mode)")
    # The host notices the reboot and re-initialises: these are AT commands again, and answered.
    s.cmd("AT#XSLMVER", 0.6)
    s.resp(slmver_line("2.5.0"), "OK", gap=0.004)
    s.cmd("AT+CFUN?", 0.05)
    s.resp("+CFUN: 0", "OK", gap=0.006)
    s.cmd("AT+CFUN=1", 0.05)
    s.resp("OK", gap=0.08)
    s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 1.3)
    s.urc('+CEREG: 1,"0A2E","01D9B70A",7,,,"11100000","11100000"', 1.9)
    s.header("v2.5.0 TCP client in data mode (#XTCPSEND without data), two payload chunks, then 00 c0 ff + Ready; "
             "the host re-initialises with AT commands that are answered",
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_tcp_proxy.c handle_at_tcp_send(); "
             "slm_at_host.c enter_datamode(), raw_rx_handler(); slm_uart_handler.c (Ready at init)",
             "2 problem (a reboot while in data mode)")
    return s


def s25_ready_payload_in_datamode():
    s = Session(F25, "c02-ready-payload-in-datamode",
                "v2.5: in TCP data mode the peer's raw bytes hold Ready and OK lines; +++ then #XDATAMODE: 0", "2.5.0")
    boot(s)
    attach(s)
    s.cmd('AT#XTCPCLI=1,"banner.example.com",7000', 0.3)
    s.resp('#XTCPCLI: 0,"connected"', gap=0.7)
    s.resp("OK")
    s.cmd("AT#XTCPSEND", 0.2)
    s.resp("OK", gap=0.003)
    # In data mode tcpcli_thread_func() forwards received bytes raw (data_send(), no #XTCPDATA header).
    s.modem(b"Welcome\r\nReady\r\n", 0.35)
    s.host(b"hello\r\n", 0.5)
    s.modem(b"hello\r\nOK\r\n", 0.33)
    s.host(b"+++", 1.2)
    s.urc("#XDATAMODE: 0", 0.02)
    s.cmd("AT#XTCPCLI=0", 0.5)
    s.resp('#XTCPCLI: 0,"disconnected"', gap=0.05)
    s.resp("OK")
    s.header("v2.5.0 TCP client in data mode: the peer's banner (raw, Welcome/Ready) and an echo with OK arrive as raw "
             "bytes; the host leaves with +++ and gets #XDATAMODE: 0, so no reboot happened",
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_tcp_proxy.c tcpcli_thread_func() "
             "(in_datamode(): data_send() only), do_tcp_client_disconnect(); slm_at_host.c raw_rx_handler(), exit_datamode()",
             "2 near-miss (Ready inside data-mode payload, proven not a reboot by the #XDATAMODE: 0 that follows)")
    return s


def s25_cmng_list_mapped_no_ready():
    s = Session(F25, "c06-cmng-list-mapped-cloud-no-ready",
                "v2.5 native TLS: %CMNG=1 shows CA/cert only at 168427530/168427531, then #XNRFCLOUD=1: no READY", "2.5.0",
                profile="native-tls")
    boot(s)
    t = s.cmd("AT%CMNG=1", 0.3)
    s.resp(f'%CMNG: 16842753,2,"{sha("keygen-key")}"',
           f'%CMNG: 168427530,0,"{sha("nrfcloud-ca")}"',
           f'%CMNG: 168427531,0,"{sha("nrfcloud-client-cert")}"',
           "OK", gap=0.09)
    lt = s.recs[-1]["t"] / 1e9
    s.expect("note", "slm.tls.native-mapping", round(lt, 3), "168427530 = 16842753*10+0 (CA written through #XCMNG, stored as type 0)")
    s.expect("note", "slm.tls.native-mapping", round(lt, 3), "168427531 = 16842753*10+1 (client certificate through #XCMNG, type 0)")
    attach(s)
    t = s.cmd("AT#XNRFCLOUD=1", 0.4)
    s.resp("OK", gap=1.2)  # nrf_cloud_connect() + up to 10 s date-time wait
    s.expect("error", "slm.tls.modem-tag-unprovisioned", t,
             "nRF Cloud uses modem TLS with sec_tag 16842753; the listing has only the key (type 2) there, "
             "the CA and the certificate are at the mapped tags; the connection never becomes READY")
    s.expect("error", "slm.urc.missing", t, "no #XNRFCLOUD: 1,0 (READY) in the 3 minutes that follow")
    s.urc("+CSCON: 0", 6.3)
    s.urc("+CSCON: 1", 52.0)
    s.urc("+CSCON: 0", 8.1)
    s.cmd("AT#XNRFCLOUD?", 120.0)
    s.resp(f'#XNRFCLOUD: 0,0,16842753,"{uuid("dk-25")}"', "OK", gap=0.01)
    s.header("v2.5.0 native-TLS build: a %CMNG=1 listing (no #XCMNG write in the capture) shows 16842753 only with "
             "the %KEYGEN key, the CA/certificate at 168427530/168427531; AT#XNRFCLOUD=1 is OK, READY never comes "
             "(the capture runs 3 min on); #XNRFCLOUD? says ready 0",
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_native_tls.c slm_tls_map_sectag(), slm_at_cmng.c "
             "handle_at_xcmng() (modem_key_mgmt_write(mapped, 0, ...)); nrfcloud/slm_at_nrfcloud.c handle_at_nrf_cloud(), "
             "on_cloud_evt_ready()",
             "6 problem")
    return s


def s25_xcmng_mapped_cloud_ready():
    s = Session(F25, "c06-xcmng-mapped-cloud-ready",
                "v2.5 native TLS: #XCMNG writes at 16842753 land on 168427530/1, but the modem's own 16842753 set is complete: READY",
                "2.5.0", profile="native-tls")
    boot(s)
    s.cmd("AT+CFUN=4", 0.3)
    s.resp("OK", gap=0.15)
    for typ, kind, seed in [(0, "CERTIFICATE", "nrfcloud-ca"), (1, "CERTIFICATE", "nrfcloud-client-cert")]:
        s.cmd(f'AT#XCMNG=0,16842753,{typ},"{pem(kind, seed)}"', 0.4)
        s.resp("OK", gap=0.32)
    s.cmd("AT%CMNG=1", 0.5)
    s.resp(f'%CMNG: 16842753,0,"{sha("factory-ca")}"',
           f'%CMNG: 16842753,1,"{sha("factory-cert")}"',
           f'%CMNG: 16842753,2,"{sha("factory-key")}"',
           f'%CMNG: 168427530,0,"{sha("nrfcloud-ca")}"',
           f'%CMNG: 168427531,0,"{sha("nrfcloud-client-cert")}"',
           "OK", gap=0.1)
    lt = s.recs[-1]["t"] / 1e9
    s.expect("note", "slm.tls.native-mapping", round(lt, 3), "168427530 (mapped CA)")
    s.expect("note", "slm.tls.native-mapping", round(lt, 3), "168427531 (mapped client certificate)")
    s.cmd("AT+CEREG=5", 0.3)
    s.resp("OK", gap=0.004)
    s.cmd("AT+CFUN=1")
    s.resp("OK", gap=0.08)
    s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 1.2)
    s.urc('+CEREG: 1,"0A2E","01D9B70A",7,,,"11100000","11100000"', 2.0)
    s.cmd("AT#XNRFCLOUD=1", 0.4)
    s.resp("OK", gap=1.1)
    s.urc("#XNRFCLOUD: 1,0", 6.8)
    s.cmd("AT#XNRFCLOUD=0", 5.0)
    s.resp("OK", gap=0.2)
    s.urc("#XNRFCLOUD: 0,0", 0.4)
    s.header("v2.5.0 native-TLS build: the host writes the nRF Cloud CA/cert through #XCMNG (mapped to 168427530/1, "
             "useless to nRF Cloud) but the modem already holds a full 16842753 set; #XNRFCLOUD=1 gets READY after 6.8 s",
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_cmng.c handle_at_xcmng(); slm_native_tls.c "
             "slm_tls_map_sectag(); nrfcloud/slm_at_nrfcloud.c on_cloud_evt_ready(), on_cloud_evt_disconnected()",
             "6 near-miss (mapped tags shown, but the connection succeeds: notes only)")
    return s


def s25_xcmng_read_pem():
    s = Session(F25, "c01-xcmng-read-pem",
                "v2.5 native TLS: AT#XCMNG=2 read answer (%CMNG line without a leading CR LF, PEM with CR LF inside the quotes)",
                "2.5.0", profile="native-tls")
    boot(s)
    s.cmd("AT+CFUN=4", 0.3)
    s.resp("OK", gap=0.15)
    ca = pem("CERTIFICATE", "broker-ca", 4)
    s.cmd(f'AT#XCMNG=0,321,0,"{ca}"', 0.4)
    s.resp("OK", gap=0.3)
    s.cmd("AT#XCMNG=2,321,0", 0.5)
    # handle_at_xcmng() AT_CMNG_OP_READ: rsp_send("%%CMNG: %d,%d,\"\",\"%s\"\r\n") -- no leading CR LF -- then OK.
    s.modem(f'%CMNG: 321,0,"","{ca}"\r\n'.encode(), 0.21)
    s.resp("OK")
    lt = s.recs[-2]["t"] / 1e9
    s.cmd("AT%CMNG=1,3210", 0.4)
    lt = s.resp(f'%CMNG: 3210,0,"{sha("broker-ca-pem")}"', "OK", gap=0.05)
    s.expect("note", "slm.tls.native-mapping", lt, "3210 = 321*10+0: the #XCMNG CA seen at its mapped modem tag")
    s.header("v2.5.0 native-TLS build: write a CA through #XCMNG, read it back with #XCMNG=2 (the %CMNG line comes "
             "without a leading CR LF and the PEM keeps its CR LF inside the quotes), list modem tag 3210",
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_cmng.c handle_at_xcmng() (AT_CMNG_OP_READ); "
             "slm_native_tls.c slm_tls_map_sectag()",
             "1 problem (healthy: a multi-line read answer, no garbage)")
    return s


def s25_read_forms_vs_urcs():
    s = Session(F25, "c09-read-forms-vs-urcs",
                "v2.5: +CEREG/+CSCON read answers and URCs with the same prefix; a URC during AT+CEREG?; ME DETACH after CFUN=4",
                "2.5.0")
    boot(s)
    s.cmd("AT+CGEREP=1")
    s.resp("OK", gap=0.004)
    attach(s)
    s.urc("+CGEV: ME PDN ACT 0", 0.0)
    # read answers: +CSCON: <n>,<mode>; +CEREG: <n>,<stat>,...
    s.cmd("AT+CSCON?", 1.0)
    s.resp("+CSCON: 1,1", "OK", gap=0.005)
    s.urc("+CSCON: 0", 9.5)
    s.cmd("AT+CSCON?", 1.0)
    s.resp("+CSCON: 1,0", "OK", gap=0.005)
    # a cell change: the +CEREG URC (stat 1, new cell id) arrives while AT+CEREG? runs
    s.cmd("AT+CEREG?", 3.0)
    s.urc('+CEREG: 1,"0A2E","01D9B70B",7,,,"11100000","11100000"', 0.002)
    s.resp('+CEREG: 5,1,"0A2E","01D9B70B",7,,,"11100000","11100000"', "OK", gap=0.004)
    s.cmd("AT+CEREG=3", 0.5)
    s.resp("OK", gap=0.004)
    s.cmd("AT+CEREG?", 0.2)
    s.resp('+CEREG: 3,1,"0A2E","01D9B70B",7', "OK", gap=0.004)
    s.cmd("AT+CFUN=4", 2.0)
    s.resp("OK", gap=0.21)
    s.urc("+CGEV: ME DETACH", 0.03)
    s.urc("+CEREG: 0", 0.01)
    s.header("v2.5.0: read answers +CSCON: 1,1 / 1,0 next to the URC +CSCON: 0; a +CEREG: 1,... URC that lands "
             "inside AT+CEREG? before its +CEREG: 5,1,... read answer; +CEREG: 3,1,... read answer with n=3 "
             "(registered, not denied); the host's CFUN=4 gives +CGEV: ME DETACH",
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_host.c notification_handler() (URC written at once), "
             "cmd_send() (answer after nrf_modem_at_cmd returns); nRF91 AT reference +CEREG/+CSCON/+CGEV",
             "9 problem (healthy: read forms and URCs share prefixes); 11 near-miss (ME DETACH asked by the host)")
    return s


def s25_registration_denied():
    s = Session(F25, "c11-registration-denied",
                "v2.5: +CEREG: 3 with reject cause 15 (no suitable cells in tracking area)", "2.5.0")
    boot(s)
    s.cmd("AT+CEREG=5")
    s.resp("OK", gap=0.004)
    s.cmd("AT+CFUN=1")
    s.resp("OK", gap=0.08)
    s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 1.4)
    t = s.urc('+CEREG: 3,"0A2E","01D9B70A",7,0,15', 6.2)
    s.expect("warning", "modem.registration.denied", t, "+CEREG: 3 (denied), cause_type 0, reject cause 15")
    s.cmd("AT+CFUN=4", 7.0)
    s.resp("OK", gap=0.2)
    s.urc("+CEREG: 0", 0.02)
    s.header("v2.5.0: attach attempt rejected (+CEREG: 3, EMM cause 15); the host goes to CFUN=4",
             "nRF91 AT reference +CEREG (stat 3 = registration denied, cause_type/reject_cause); "
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_host.c notification_handler()",
             "11 problem")
    return s


def s25_fota_app():
    s = Session(F25, "h-fota-app-update",
                "v2.5: application FOTA download, #XFOTA: 4,0, AT#XRESET, Ready, #XFOTA: 5,0", "2.5.0")
    boot(s)
    attach(s)
    s.cmd('AT#XFOTA=1,"http://fota.example.com/slm-app-update.bin"', 0.3)
    s.resp("OK", gap=0.4)
    for pct in (5, 27, 51, 76, 98):
        s.urc(f"#XFOTA: 1,0,{pct}", 2.6)
    s.urc("#XFOTA: 4,0", 1.0)
    t = s.cmd("AT#XRESET", 1.5)
    s.resp("OK", gap=0.003)  # handle_at_reset(): rsp_send_ok() then reboot
    t = s.modem("Ready\r\n", 6.5)  # MCUboot swaps the image before the new SLM starts
    s.expect("note", "slm.reset.expected", t, "Ready after AT#XRESET (FOTA activation)")
    s.urc("#XFOTA: 5,0", 0.002)  # slm_fota_post_process() right after Ready
    s.cmd("AT#XSLMVER", 0.5)
    s.resp(slmver_line("2.5.0"), "OK", gap=0.004)
    s.header("v2.5.0: HTTP application FOTA, progress URCs, #XFOTA: 4,0, AT#XRESET (OK, reboot), Ready then #XFOTA: 5,0",
             "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_fota.c fota_dl_handler(), slm_fota_post_process(); "
             "slm_at_commands.c handle_at_reset()",
             "healthy (FOTA)")
    return s


# =================================================================================================
# SLM v2.6.0
# =================================================================================================
F26 = "slm-2.6.0"


def s26_mqtt_evt_before_ok():
    s = Session(F26, "c04-mqtt-disconnect-evt-before-ok",
                "v2.6: #XMQTTCFG, connect, subscribe, publish, receive, then #XMQTTCON=0 whose #XMQTTEVT: 1,0 precedes OK",
                "2.6.0")
    boot(s)
    attach(s)
    s.cmd('AT#XMQTTCFG="atscope-dk-26",60,1', 0.3)
    s.resp("OK", gap=0.004)
    s.cmd('AT#XMQTTCON=1,"","","mqtt.example.com",1883', 0.2)
    s.resp("OK", gap=1.5)
    s.urc("#XMQTTEVT: 0,0", 0.36)
    s.cmd('AT#XMQTTSUB="atscope/dk-26/cmd",1', 0.2)
    s.resp("OK", gap=0.02)
    s.urc("#XMQTTEVT: 7,0", 0.29)
    s.cmd('AT#XMQTTPUB="atscope/dk-26/status","online",1,0', 0.4)
    s.resp("OK", gap=0.03)
    s.urc("#XMQTTEVT: 3,0", 0.27)
    topic = b"atscope/dk-26/cmd"
    payload = b"Ready\r\nOK\r\n"
    # handle_mqtt_publish_evt(): rsp_send header, data_send(topic), "\r\n", data_send(payload), "\r\n"
    s.modem(b"\r\n#XMQTTMSG: %d,%d\r\n" % (len(topic), len(payload)), 5.0)
    s.modem(topic + b"\r\n" + payload + b"\r\n")
    s.urc("#XMQTTEVT: 2,0", 0.001)
    s.cmd("AT#XMQTTCON=0", 3.0)
    # do_mqtt_disconnect(): mqtt_disconnect() raises MQTT_EVT_DISCONNECT synchronously (rsp_send from the
    # handler), then k_thread_join(); OK is sent after the handler returns.
    s.urc("#XMQTTEVT: 1,0", 0.11)
    s.resp("OK", gap=0.006)
    s.header("v2.6.0 MQTT: CONNACK/SUBACK/PUBACK after their OKs, a #XMQTTMSG whose payload is Ready/OK lines, "
             "and the DISCONNECT event #XMQTTEVT: 1,0 before the OK of #XMQTTCON=0",
             "sdk-nrf v2.6.0 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c handle_at_mqtt_config(), "
             "do_mqtt_connect(), do_mqtt_disconnect(), mqtt_evt_handler(), handle_mqtt_publish_evt()",
             "4 problem (healthy: a promised URC before its command's OK)")
    return s


def s26_suback_missing():
    s = Session(F26, "c04-suback-missing",
                "v2.6: #XMQTTSUB answered OK, its SUBACK never comes while publishes keep being acknowledged", "2.6.0")
    boot(s)
    attach(s)
    s.cmd('AT#XMQTTCFG="atscope-dk-26b",60,1', 0.3)
    s.resp("OK", gap=0.004)
    s.cmd('AT#XMQTTCON=1,"","","mqtt.example.com",1883', 0.2)
    s.resp("OK", gap=1.5)
    s.urc("#XMQTTEVT: 0,0", 0.36)
    t = s.cmd('AT#XMQTTSUB="atscope/dk-26b/#",1', 0.3)
    s.resp("OK", gap=0.02)
    s.expect("error", "slm.urc.missing", t, "no #XMQTTEVT: 7,<r> (SUBACK) for this subscribe, although the session "
             "stays up for 2 more minutes (three PUBACKs arrive)")
    for i in range(3):
        s.cmd(f'AT#XMQTTPUB="atscope/dk-26b/status","beat {i}",1,0', 40.0)
        s.resp("OK", gap=0.03)
        s.urc("#XMQTTEVT: 3,0", 0.3)
    s.cmd("AT#XMQTTCON=0", 5.0)
    s.urc("#XMQTTEVT: 1,0", 0.1)
    s.resp("OK", gap=0.006)
    s.header("v2.6.0 MQTT: connect (CONNACK), subscribe (OK, no SUBACK ever), three QoS 1 publishes each acknowledged, "
             "disconnect (#XMQTTEVT: 1,0 before OK)",
             "sdk-nrf v2.6.0 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c do_mqtt_subscribe() (OK once "
             "SUBSCRIBE is sent), mqtt_evt_handler() (SUBACK/PUBACK URCs)",
             "4 near-miss (the promised URC really is missing)")
    return s


def s26_xcmng_settings_no_ready():
    s = Session(F26, "c06-xcmng-settings-cloud-no-ready",
                "v2.6 native TLS: nRF Cloud credentials written with #XCMNG (Zephyr settings), modem has none: no READY",
                "2.6.0", profile="native-tls")
    boot(s)
    for typ, kind, seed in [(0, "CERTIFICATE", "nrfcloud-ca"), (1, "CERTIFICATE", "nrfcloud-client-cert"),
                            (2, "EC PRIVATE KEY", "nrfcloud-key")]:
        s.cmd(f'AT#XCMNG=0,16842753,{typ},"{pem(kind, seed)}"', 0.4)
        s.resp("OK", gap=0.06)
    s.cmd("AT#XCMNG=1", 0.4)
    # list_credentials_cb(): slm_at_send_str("#XCMNG: <tag>,<type>\r\n") -- no leading CR LF; the
    # NVS settings backend walks newest first.
    s.modem(b"#XCMNG: 16842753,2\r\n#XCMNG: 16842753,1\r\n#XCMNG: 16842753,0\r\n", 0.03)
    s.resp("OK")
    s.cmd("AT%CMNG=1", 0.4)
    s.resp("OK", gap=0.08)  # the modem's credential storage is empty
    attach(s)
    t = s.cmd("AT#XNRFCLOUD=1", 0.4)
    s.resp("OK", gap=1.3)
    s.expect("error", "slm.tls.modem-tag-unprovisioned", t,
             "nRF Cloud reads sec_tag 16842753 from the modem; these credentials exist only in SLM settings "
             "(#XCMNG, v2.6 native TLS) and %CMNG=1 lists nothing; READY never comes")
    s.expect("error", "slm.urc.missing", t, "no #XNRFCLOUD: 1,0 while the capture runs 2.5 minutes on")
    s.urc("+CSCON: 0", 7.0)
    s.cmd("AT#XNRFCLOUD?", 140.0)
    s.resp(f'#XNRFCLOUD: 0,0,16842753,"{uuid("dk-26")}"', "OK", gap=0.01)
    s.header("v2.6.0 native-TLS build: CA, certificate and key for 16842753 written with #XCMNG (settings, not the "
             "modem), #XCMNG=1 lists them, %CMNG=1 is empty; #XNRFCLOUD=1 is OK but READY never comes",
             "sdk-nrf v2.6.0 applications/serial_lte_modem/src/nativetls/slm_at_cmng.c handle_at_xcmng(), "
             "nativetls/slm_native_tls.c slm_native_tls_store_credential(), list_credentials_cb(); "
             "nrfcloud/slm_at_nrfcloud.c handle_at_nrf_cloud()",
             "6 problem")
    return s


def s26_xcmng_native_tcpcli_ok():
    s = Session(F26, "c06-xcmng-native-tcpcli-ok",
                "v2.6 native TLS: #XCMNG credentials at sec_tag 1000 used by #XTCPCLI (native TLS since v2.6): connects",
                "2.6.0", profile="native-tls")
    boot(s)
    for typ, kind, seed in [(0, "CERTIFICATE", "iot-ca"), (1, "CERTIFICATE", "iot-client"),
                            (2, "EC PRIVATE KEY", "iot-key")]:
        s.cmd(f'AT#XCMNG=0,1000,{typ},"{pem(kind, seed)}"', 0.4)
        s.resp("OK", gap=0.06)
    s.cmd("AT#XCMNG=1", 0.3)
    s.modem(b"#XCMNG: 1000,2\r\n#XCMNG: 1000,1\r\n#XCMNG: 1000,0\r\n", 0.03)
    s.resp("OK")
    attach(s)
    s.cmd('AT#XTCPCLI=1,"iot.example.com",8883,1000', 0.3)
    s.resp('#XTCPCLI: 0,"connected"', gap=2.4)
    s.resp("OK")
    s.cmd('AT#XTCPSEND="ping"', 0.3)
    s.resp("#XTCPSEND: 4", "OK", gap=0.08)
    s.modem(b"\r\n#XTCPDATA: 4\r\n", 0.4)
    s.modem(b"pong")
    s.cmd("AT#XTCPCLI=0", 1.0)
    s.resp('#XTCPCLI: 0,"disconnected"', "OK", gap=0.06)
    s.header("v2.6.0 native-TLS build: credentials at 1000 through #XCMNG, #XCMNG=1 listing, #XTCPCLI TLS client with "
             "sec_tag 1000 connects (TLS_NATIVE socket), one exchange, disconnect",
             "sdk-nrf v2.6.0 applications/serial_lte_modem/src/slm_at_tcp_proxy.c do_tcp_client_connect() "
             "(slm_native_tls_load_credentials(), TLS_NATIVE); nativetls/slm_native_tls.c list_credentials_cb()",
             "6 near-miss (an #XCMNG-only sec_tag used by a service that does use native TLS on v2.6: healthy)")
    return s


def s26_cmng_read_pem():
    s = Session(F26, "c01-cmng-read-pem",
                "v2.6: AT%CMNG=2 read answer whose PEM carries CR LF inside the quotes", "2.6.0")
    boot(s)
    s.cmd("AT+CFUN=4", 0.3)
    s.resp("OK", gap=0.15)
    ca = pem("CERTIFICATE", "broker-ca-26", 5)
    s.cmd(f'AT%CMNG=0,42,0,"{ca}"', 0.4)
    s.resp("OK", gap=0.35)
    s.cmd("AT%CMNG=1,42", 0.3)
    s.resp(f'%CMNG: 42,0,"{sha(ca)}"', "OK", gap=0.05)
    s.cmd("AT%CMNG=2,42,0", 0.3)
    s.resp(f'%CMNG: 42,0,"{sha(ca)}","{ca}"', "OK", gap=0.07)
    s.cmd("AT+CFUN=1", 0.3)
    s.resp("OK", gap=0.08)
    s.header("v2.6.0: write a CA with %CMNG=0 in CFUN=4, list it, read it back with %CMNG=2 (answer framed by "
             "cmd_send()/format_final_result(): the PEM's inner CR LF stay inside the quotes)",
             "sdk-nrf v2.6.0 applications/serial_lte_modem/src/slm_at_host.c cmd_send(), format_final_result(); "
             "nRF91 AT reference %CMNG read",
             "1 problem (healthy: a multi-line quoted read answer, no garbage)")
    return s


def s26_cmng_read_key_denied():
    s = Session(F26, "c01-cmng-read-key-denied",
                "v2.6: AT%CMNG=2 of a private key: +CME ERROR: 514 (reading keys back is not allowed)", "2.6.0")
    boot(s)
    s.cmd("AT+CMEE=1", 0.2)
    s.resp("OK", gap=0.004)
    s.cmd("AT+CFUN=4", 0.2)
    s.resp("OK", gap=0.15)
    s.cmd("AT%CMNG=1,42", 0.3)
    s.resp(f'%CMNG: 42,0,"{sha("ca-42")}"', f'%CMNG: 42,1,"{sha("cert-42")}"', f'%CMNG: 42,2,"{sha("key-42")}"',
           "OK", gap=0.05)
    t = s.cmd("AT%CMNG=2,42,2", 0.4)
    s.resp("+CME ERROR: 514", gap=0.04)
    s.expect("warning", "at.error", t, "+CME ERROR: 514: the host asked to read a private key back")
    s.cmd("AT%CMNG=2,42,0", 0.4)
    ca = pem("CERTIFICATE", "ca-42", 3)
    s.resp(f'%CMNG: 42,0,"{sha("ca-42")}","{ca}"', "OK", gap=0.06)
    s.header("v2.6.0: CMEE=1, CFUN=4, %CMNG list of tag 42, a denied read of the private key (+CME ERROR: 514), "
             "then a good read of the CA (multi-line PEM)",
             "nRF91 AT reference %CMNG (514 = not allowed); sdk-nrf v2.6.0 applications/serial_lte_modem/src/"
             "slm_at_host.c cmd_send()",
             "1 near-miss (the read that really fails)")
    return s


def s26_sim_failure():
    s = Session(F26, "c11-sim-failure",
                "v2.6: +CEREG: 90 (UICC failure) after CFUN=1", "2.6.0")
    boot(s)
    s.cmd("AT+CEREG=5")
    s.resp("OK", gap=0.004)
    s.cmd("AT+CFUN=1")
    s.resp("OK", gap=0.08)
    t = s.urc("+CEREG: 90", 0.7)
    s.expect("error", "modem.sim.failure", t, "+CEREG: 90: UICC failure / no SIM")
    s.cmd("AT+CFUN=0", 4.0)
    s.resp("OK", gap=1.4)
    s.header("v2.6.0: the SIM fails at start-up: +CEREG: 90; the host powers the modem off",
             "nRF91 AT reference +CEREG (stat 90 = UICC failure); sdk-nrf v2.6.0 slm_at_host.c notification_handler()",
             "11 problem")
    return s


# =================================================================================================
# SLM v2.9.0
# =================================================================================================
F29 = "slm-2.9.0"


def s29_idle_input_lost():
    s = Session(F29, "c07-idle-input-lost",
                "v2.9: AT#XSLEEP=2 idle; a command sent while idle is lost; the wake gives Ready then buffered URCs", "2.9.0")
    boot(s)
    attach(s)
    s.cmd("AT#XSLEEP=2", 1.0)
    s.resp("OK", gap=0.003)
    # go_sleep_wk() after SLM_UART_RESPONSE_DELAY: slm_at_host_power_off() suspends the UART and
    # queues "Ready\r\n" so it is the first thing sent on resume.
    t = s.cmd("AT+CEREG?", 8.0)
    s.expect("warning", "slm.sleep.input-lost", t, "AT+CEREG? sent while the SLM UART is suspended by #XSLEEP=2: lost "
             "(not at.final.missing, not a reset)")
    # host gives up after 1 s, drives the power pin low: power_pin_callback_wakeup() -> slm_at_host_power_on()
    t = s.modem("Ready\r\n", 1.35)
    s.expect("note", "slm.reset.expected", t, "Ready on resume from #XSLEEP=2 idle (queued by slm_at_host_power_off())")
    s.urc("+CSCON: 0", 0.0)  # buffered while idle
    s.cmd("AT+CEREG?", 0.2)
    s.resp('+CEREG: 5,1,"0A2E","01D9B70A",7,,,"11100000","11100000"', "OK", gap=0.004)
    s.header("v2.9.0: idle with #XSLEEP=2; the host sends AT+CEREG? into the suspended UART (lost), then wakes the "
             "SLM with the power pin: Ready, the buffered +CSCON: 0, and the repeated AT+CEREG? is answered",
             "sdk-nrf v2.9.0 applications/serial_lte_modem/src/slm_at_commands.c handle_at_sleep(), go_sleep_wk(); "
             "slm_at_host.c slm_at_host_power_off(), slm_at_host_power_on(); main.c slm_enter_idle()",
             "7 problem")
    return s


def s29_idle_wake_healthy():
    s = Session(F29, "c07-idle-wake-healthy",
                "v2.9: AT#XSLEEP=2 idle, wake by the power pin: Ready then the URCs buffered meanwhile", "2.9.0")
    boot(s)
    attach(s)
    s.cmd("AT#XSLEEP=2", 1.0)
    s.resp("OK", gap=0.003)
    t = s.modem("Ready\r\n", 42.0)
    s.expect("note", "slm.reset.expected", t, "Ready on resume from idle")
    s.urc("+CSCON: 0", 0.0)
    s.urc('+CEREG: 1,"0A2E","01D9B70B",7,,,"11100000","11100000"', 0.0)
    s.cmd("AT+CFUN?", 0.3)
    s.resp("+CFUN: 1", "OK", gap=0.005)
    s.header("v2.9.0: #XSLEEP=2, 42 s idle, power-pin wake: Ready then two buffered URCs; the host carries on",
             "sdk-nrf v2.9.0 applications/serial_lte_modem/src/slm_at_host.c slm_at_host_power_off() "
             "(\"Write sync str to buffer so it is sent first when resuming\"), slm_at_host_power_on()",
             "7 near-miss (healthy idle/wake)")
    return s


def s29_timeout_then_retry():
    s = Session(F29, "c08-timeout-then-retry",
                "v2.9: AT+CGSN=1 gets no answer for 30 s; the host sends AT and gets OK 10 ms later", "2.9.0")
    boot(s)
    t = s.cmd("AT+CGSN=1", 0.5)
    s.expect("error", "at.final.missing", t, "no final result for AT+CGSN=1 (answers in ms) within its limit; "
             "the OK 30 s later answers the retry AT, not it")
    s.cmd("AT", 30.0)
    s.resp("OK", gap=0.01)
    s.cmd("AT+CGSN=1", 0.2)
    s.resp(f'+CGSN: "{IMEI}"', "OK", gap=0.006)
    s.header("v2.9.0: AT+CGSN=1 unanswered for 30 s, the host probes with AT (OK in 10 ms) and repeats AT+CGSN=1 (answered)",
             "sdk-nrf v2.9.0 applications/serial_lte_modem/src/slm_at_host.c cmd_send() (one final result per command)",
             "8 problem")
    return s


def s29_slow_but_in_time():
    s = Session(F29, "c08-slow-but-in-time",
                "v2.9: slow but in-time answers: CFUN=0 in 1.8 s, AT+COPS=? network scan in 24 s", "2.9.0")
    boot(s)
    attach(s)
    s.cmd("AT+COPS=?", 1.0)
    s.resp('+COPS: (2,"","","24407",7),(1,"","","24405",7),(1,"","","24412",7)', "OK", gap=24.0)
    s.cmd("AT+CFUN=0", 1.0)
    s.resp("OK", gap=1.8)
    s.urc("+CEREG: 0", 0.0)
    s.header("v2.9.0: an operator scan (AT+COPS=?, documented to take minutes) answered after 24 s and CFUN=0 after "
             "1.8 s: slow, within their limits",
             "nRF91 AT reference +COPS=? (network search), +CFUN; sdk-nrf v2.9.0 slm_at_host.c cmd_send()",
             "8 near-miss (slow is not missing)")
    return s


def mqtt29_connect(s, connack_delay):
    s.cmd('AT#XMQTTCFG="atscope-dk-29",60,1', 0.3)
    s.resp("OK", gap=0.004)
    t = s.cmd('AT#XMQTTCON=1,"","","mqtt.example.com",1883', 0.2)
    s.resp("OK", gap=1.4)
    return t


def s29_connack_late():
    s = Session(F29, "c05-connack-late",
                "v2.9: CONNACK (#XMQTTEVT: 0,0) 25 s after the OK of #XMQTTCON=1", "2.9.0")
    boot(s)
    attach(s)
    t = mqtt29_connect(s, 25)
    u = s.urc("#XMQTTEVT: 0,0", 25.0)
    s.expect("warning", "slm.urc.late", u, "CONNACK came 25 s after #XMQTTCON=1 (usually well under a few s): late, not missing")
    s.cmd('AT#XMQTTPUB="atscope/dk-29/status","online",0,0', 0.5)
    s.resp("OK", gap=0.04)
    s.cmd("AT#XMQTTCON=0", 2.0)
    s.urc("#XMQTTEVT: 1,0", 0.1)
    s.resp("OK", gap=0.006)
    s.header("v2.9.0: MQTT connect over a congested link: OK after 1.4 s, CONNACK 25 s later; publish QoS 0; disconnect",
             "sdk-nrf v2.9.0 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c do_mqtt_connect() "
             "(OK after the CONNECT is sent), mqtt_thread_fn()/mqtt_evt_handler() (CONNACK later)",
             "5 problem")
    return s


def s29_connack_never():
    s = Session(F29, "c05-connack-never",
                "v2.9: #XMQTTCON=1 answered OK, no CONNACK while the capture goes on for 3 minutes", "2.9.0")
    boot(s)
    attach(s)
    t = mqtt29_connect(s, None)
    s.expect("error", "slm.urc.missing", t, "#XMQTTEVT: 0,<rc> (CONNACK) never comes; at the 60 s keep-alive the "
             "SLM gives up (#XMQTTEVT: 1,-113) and the capture goes on 2 more minutes")
    s.urc("+CSCON: 0", 10.5)
    s.cmd("AT#XMQTTCON?", 30.0)
    s.resp('#XMQTTCON: 1,"atscope-dk-29","mqtt.example.com",1883', "OK", gap=0.005)
    # mqtt_thread_fn(): poll() times out at the keep-alive (60 s after the CONNECT write), mqtt_live()
    # -> mqtt_ping() fails with -ENOTCONN (no CONNACK yet) -> mqtt_abort() -> MQTT_EVT_DISCONNECT
    # with -ECONNABORTED (113) -> mqtt_evt_handler() prints it.
    s.t = t + 1.4 + 60.0
    s.urc("#XMQTTEVT: 1,-113", 0.0)
    s.cmd("AT#XMQTTCON?", 20.0)
    s.resp("#XMQTTCON: 0", "OK", gap=0.005)
    s.cmd("AT+CEREG?", 90.0)
    s.resp('+CEREG: 5,1,"0A2E","01D9B70A",7,,,"11100000","11100000"', "OK", gap=0.004)
    s.header("v2.9.0: MQTT connect is OK (TCP up, CONNECT sent), the broker never answers; at the 60 s keep-alive "
             "the SLM aborts (#XMQTTEVT: 1,-113); the host polls #XMQTTCON? and +CEREG? for 3 minutes",
             "sdk-nrf v2.9.0 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c do_mqtt_connect(), "
             "handle_at_mqtt_connect() (read form), mqtt_thread_fn() (mqtt_live()/mqtt_abort()); Zephyr "
             "subsys/net/lib/mqtt/mqtt.c mqtt_live(), mqtt_abort()",
             "5 near-miss (missing, not late)")
    return s


def s29_modem_fault():
    s = Session(F29, "c11-modem-fault",
                "v2.9: #XMODEM: FAULT, SHUTDOWN, INIT (the modem core crashed, the application lives on)", "2.9.0")
    boot(s)
    attach(s)
    t = s.urc("#XMODEM: FAULT,0x1,0x3c4a8", 33.0)
    s.expect("error", "modem.fault", t, "#XMODEM: FAULT (libmodem fault handler): modem core crash")
    s.urc("#XMODEM: SHUTDOWN,0", 0.05)
    s.urc("#XMODEM: INIT,0", 0.4)
    s.cmd("AT+CFUN?", 0.5)
    s.resp("+CFUN: 0", "OK", gap=0.006)
    s.cmd("AT+CFUN=1", 0.1)
    s.resp("OK", gap=0.08)
    s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 1.3)
    s.urc('+CEREG: 1,"0A2E","01D9B70A",7,,,"11100000","11100000"', 2.0)
    s.header("v2.9.0: a modem fault 33 s after attach: #XMODEM: FAULT, SHUTDOWN, INIT; no Ready (the application "
             "did not reboot); the host re-attaches",
             "sdk-nrf v2.9.0 applications/serial_lte_modem/src/main.c on_modem_lib_fault() and the modem "
             "shutdown/init work (#XMODEM lines)",
             "11 problem")
    return s


def s29_reset_loop():
    s = Session(F29, "c11-reset-loop",
                "v2.9: %MDMEV: RESET LOOP (the modem blocks attach for 30 minutes)", "2.9.0")
    boot(s)
    s.cmd("AT%MDMEV=1", 0.2)
    s.resp("OK", gap=0.004)
    s.cmd("AT+CEREG=5")
    s.resp("OK", gap=0.004)
    s.cmd("AT+CFUN=1")
    s.resp("OK", gap=0.08)
    t = s.urc("%MDMEV: RESET LOOP", 0.4)
    s.expect("error", "modem.reset-loop", t, "%MDMEV: RESET LOOP: the modem restricts attach after repeated resets")
    s.urc("+CEREG: 2", 1.5)
    s.cmd("AT+CFUN=0", 20.0)
    s.resp("OK", gap=1.3)
    s.header("v2.9.0: right after CFUN=1 the modem reports %MDMEV: RESET LOOP; the host powers it off",
             "nRF91 AT reference %MDMEV (RESET LOOP); sdk-nrf v2.9.0 applications/serial_lte_modem/src/slm_at_host.c "
             "(URC forwarding in command mode)",
             "11 problem")
    return s


def s29_nw_detach():
    s = Session(F29, "c11-nw-detach",
                "v2.9: the network detaches the device (+CGEV: NW DETACH) unasked", "2.9.0")
    boot(s)
    s.cmd("AT+CGEREP=1", 0.2)
    s.resp("OK", gap=0.004)
    attach(s)
    s.urc("+CGEV: ME PDN ACT 0", 0.0)
    t = s.urc("+CGEV: NW DETACH", 95.0)
    s.expect("warning", "modem.detached", t, "network-initiated detach; the host had not asked")
    s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 0.1)
    s.urc('+CEREG: 1,"0A2E","01D9B70A",7,,,"11100000","11100000"', 6.0)
    s.urc("+CGEV: ME PDN ACT 0", 0.0)
    s.header("v2.9.0: attached, 95 s later +CGEV: NW DETACH, the modem re-registers by itself",
             "nRF91 AT reference +CGEREP/+CGEV (NW DETACH); sdk-nrf v2.9.0 slm_at_host.c (URC forwarding)",
             "11 problem")
    return s


def s29_sms_cms_error():
    s = Session(F29, "c10-xsms-cms-error",
                "v2.9: AT#XSMS=2 (an SLM command) ends with +CMS ERROR: 500 (v2.7+ AT custom commands)", "2.9.0")
    boot(s)
    attach(s)
    s.cmd("AT#XSMS=1", 0.3)
    s.resp("OK", gap=0.05)
    t = s.cmd('AT#XSMS=2,"+358401234567","hello"', 1.0)
    s.resp("+CMS ERROR: 500", gap=0.6)
    s.expect("warning", "at.error", t, "the SMS send failed (+CMS ERROR: 500)")
    s.header("v2.9.0: SMS start, then a send whose modem-side failure propagates as +CMS ERROR through the "
             "#X command (custom AT command path since v2.7): no version contradiction on v2.9",
             "sdk-nrf v2.9.0 applications/serial_lte_modem/src/slm_at_sms.c handle_at_sms()/do_sms_send() "
             "(returns sms_send_text()'s modem error), slm_at_host.c slm_at_cb_wrapper(), cmd_send() "
             "(nrf_modem_at_cmd() > 0 -> response printed as is)",
             "10 near-miss (a CME/CMS error from an #X command on v2.7+: at.error only, no slm.version.contradicted)")
    return s


def s29_datamode_send():
    s = Session(F29, "h-socket-datamode",
                "v2.9: TCP socket, #XSEND data mode with AT text in the payload, +++, #XRECV, close", "2.9.0")
    boot(s)
    attach(s)
    s.cmd("AT#XSOCKET=1,1,0", 0.3)
    s.resp("#XSOCKET: 0,1,6", "OK", gap=0.01)
    s.cmd('AT#XCONNECT="logger.example.com",5000', 0.1)
    s.resp("#XCONNECT: 1", "OK", gap=0.6)
    s.cmd("AT#XSEND", 0.1)
    s.resp("OK", gap=0.003)
    s.host(b"AT+CFUN=0\r\nAT#XRESET\r\nReady\r\n", 0.2)
    s.host(b"+++", 1.0)
    s.urc("#XDATAMODE: 0", 0.03)
    s.cmd("AT#XRECV=5", 0.5)
    data = b"ack\r\nOK\r\n"
    s.modem(b"\r\n#XRECV: %d\r\n" % len(data) + data, 0.15)
    s.resp("OK")
    s.cmd("AT#XSOCKET=0", 0.3)
    s.resp('#XSOCKET: 0,"closed"', "OK", gap=0.03)
    s.header("v2.9.0: TCP socket; data mode payload holding AT+CFUN=0/AT#XRESET/Ready text (payload, not commands), "
             "+++ and #XDATAMODE: 0; #XRECV of 9 bytes holding OK",
             "sdk-nrf v2.9.0 applications/serial_lte_modem/src/slm_at_socket.c handle_at_send() (enter_datamode), "
             "do_recv(); slm_at_host.c raw_rx_handler(), exit_datamode()",
             "healthy (data mode, sockets)")
    return s


def s29_udpdata_ready_payload():
    s = Session(F29, "c03-udpdata-ready-payload",
                "v2.9 UDP proxy: #XUDPDATA: <n>,\"<ip>\",<port> header then a payload holding Ready", "2.9.0")
    boot(s)
    attach(s)
    s.cmd('AT#XUDPCLI=1,"udp.example.com",5683', 0.3)
    s.resp('#XUDPCLI: 0,"connected"', gap=0.2)
    s.resp("OK")
    s.cmd('AT#XUDPSEND="hello"', 0.2)
    s.resp("#XUDPSEND: 5", gap=0.03)
    s.resp("OK")
    p1 = b"Welcome\r\nReady\r\n"
    s.modem(b'\r\n#XUDPDATA: %d,"198.51.100.7",5683\r\n' % len(p1), 0.38)
    s.modem(p1)
    s.cmd("AT#XUDPCLI=0", 1.0)
    # do_udp_proxy_close(): eventfd to the thread, which closes and prints the URC, then k_thread_join()
    # returns and the OK follows.
    s.resp('#XUDPCLI: 0,"disconnected"', gap=0.02)
    s.resp("OK")
    s.header("v2.9.0 UDP client: the datagram \"Welcome\\r\\nReady\\r\\n\" arrives as #XUDPDATA: 16,\"198.51.100.7\",5683 "
             "then 16 raw bytes: payload, not a reboot",
             "sdk-nrf v2.9.0 applications/serial_lte_modem/src/slm_at_udp_proxy.c udp_thread_func() "
             "(rsp_send(\"\\r\\n#XUDPDATA: %d,\\\"%s\\\",%d\\r\\n\") then data_send()), do_udp_proxy_close()",
             "3 problem (healthy)")
    return s


def s29_peer_close_modem_terminator():
    s = Session(F29, "dm-peer-close-slm-sends-terminator",
                "v2.9: the TCP peer closes while in data mode; the SLM sends +++, the host answers +++, #XDATAMODE: -104",
                "2.9.0")
    boot(s)
    attach(s)
    s.cmd('AT#XTCPCLI=1,"logger.example.com",5000', 0.3)
    s.resp('#XTCPCLI: 0,"connected"', gap=0.64)
    s.resp("OK")
    s.cmd("AT#XTCPSEND", 0.2)
    s.resp("OK", gap=0.003)
    s.host(b'{"seq":1,"t":21.5}\r\n', 0.4)
    # tcpcli_thread_func(): POLLHUP -> -ECONNRESET -> exit_datamode_handler(-104): NULL mode and
    # tcp_datamode_callback(DATAMODE_EXIT, ..., SLM_DATAMODE_FLAGS_EXIT_HANDLER) sends "+++" raw.
    t = s.modem("+++", 3.1)
    s.expect("warning", "slm.datamode.modem-terminator", t,
             "the SLM sent +++: the peer closed the connection while in data mode (the host answers +++ correctly)")
    s.host(b"+++", 0.15)  # null_handler() drops input until it sees the terminator, then exit_datamode()
    s.urc("#XDATAMODE: -104", 0.002)
    s.cmd("AT#XTCPCLI?", 0.5)
    s.resp("#XTCPCLI: -1,1", "OK", gap=0.004)
    s.header("v2.9.0 TCP client in data mode; 3 s after a chunk the peer closes: the SLM sends +++ (raw), the host "
             "answers +++ 150 ms later, #XDATAMODE: -104 (ECONNRESET); #XTCPCLI? shows no socket",
             "sdk-nrf v2.9.0 applications/serial_lte_modem/src/slm_at_tcp_proxy.c tcpcli_thread_func(), "
             "tcp_datamode_callback(); slm_at_host.c exit_datamode_handler(), null_handler(), exit_datamode()",
             "data mode (slm.datamode.modem-terminator), not one of the 11 classes")
    return s


ALL = [
    s23_tcpdata_ready_payload, s23_real_reset_after_payload, s23_pipelined_lost, s23_mqttcfg_unsupported, s23_udp_proxy,
    s25_pipelined_answered, s25_no_version_pipelined, s25_slmuart_removed, s25_reset_in_datamode,
    s25_ready_payload_in_datamode, s25_cmng_list_mapped_no_ready, s25_xcmng_mapped_cloud_ready, s25_xcmng_read_pem,
    s25_read_forms_vs_urcs, s25_registration_denied, s25_fota_app,
    s26_mqtt_evt_before_ok, s26_suback_missing, s26_xcmng_settings_no_ready, s26_xcmng_native_tcpcli_ok, s26_cmng_read_pem,
    s26_cmng_read_key_denied, s26_sim_failure,
    s29_idle_input_lost, s29_idle_wake_healthy, s29_timeout_then_retry, s29_slow_but_in_time, s29_connack_late,
    s29_connack_never, s29_modem_fault, s29_reset_loop, s29_nw_detach, s29_sms_cms_error, s29_datamode_send,
    s29_udpdata_ready_payload, s29_peer_close_modem_terminator,
]


def main():
    for f in ALL:
        s = f()
        s.write()
        print(f"{s.folder}/{s.name}")


if __name__ == "__main__":
    main()
