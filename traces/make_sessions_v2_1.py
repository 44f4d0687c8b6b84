#!/usr/bin/env python3
"""Oracle sessions for SLM v2.1.x / v2.2.x, written from the SLM source (not from atscope's rules).

Run from the repository root: `python3 traces/make_sessions_v2_1.py`. Stdlib only, deterministic.
It writes `<class>-<name>.atrace` and `<class>-<name>.expect` into traces/slm-2.1.2/ (v2.1.x
sessions) and traces/slm-2.2.0/ (v2.2.x sessions). It never touches the older files there.

Every byte the modem side sends is what the SLM puts on the UART at the NCS tag named in the
session's `source:` line (sdk-nrf, applications/serial_lte_modem/src/...). The framing rules used
throughout (v2.1.2 and v2.2.0 are identical here):
  * slm_at_host.c cmd_send(): an #X handler returning 0 -> "\\r\\nOK\\r\\n"; any other error ->
    "\\r\\nERROR\\r\\n" (never +CME for #X); a command no #X handler claims goes to the modem
    (nrf_modem_at_cmd) and its answer is sent as "\\r\\n" + text with "\\r\\n" inserted before the
    final result when information lines precede it (format_final_result()).
  * slm_at_host.c notification_handler(): modem URCs are "\\r\\n" + text (text ends in CRLF), only
    in AT-command mode.  SLM info lines and URCs are sprintf'd as "\\r\\n#X...\\r\\n".
  * "Ready\\r\\n" (SLM_SYNC_STR) has no leading CRLF: at boot (slm_at_host_init()) and when the UART
    is powered on again after #XSLEEP=2 (poweron_uart(), then the delayed ring buffer).
  * The SLM never echoes.
Host commands are one burst each, ended by CR LF (CONFIG_SLM_CR_LF_TERMINATION, the default).
"""
import base64
import hashlib
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = "traces/make_sessions_v2_1.py"
BYTE_S = 10 / 115200  # one 8N1 character at 115200 Bd (~86.8 us)

CEREG_SEARCH = '+CEREG: 2,"0B1C","02A6F301",7'
CEREG_HOME = '+CEREG: 1,"0B1C","02A6F301",7,,,"11100000","11100000"'


def sha(seed):
    return hashlib.sha256(seed.encode()).hexdigest().upper()


def pem(kind, seed, trailing_newline=False):
    """Made-up PEM text with CR LF line ends (base64 of hashes of a fixed seed)."""
    raw = b"".join(hashlib.sha512((seed + str(i)).encode()).digest() for i in range(2))
    b = base64.b64encode(raw).decode()
    body = "\r\n".join(b[i:i + 64] for i in range(0, len(b), 64))
    text = "-----BEGIN %s-----\r\n%s\r\n-----END %s-----" % (kind, body, kind)
    return text + ("\r\n" if trailing_newline else "")


class S:
    """One session: records at absolute times (seconds), written as .atrace + .expect."""

    def __init__(self, folder, name, title, slm="2.1.2", profile=None, slm_meta=True):
        self.folder, self.name = folder, name
        fw = {"board": "nrf9160dk_nrf9160_ns"}
        if slm_meta:
            fw = {"slm": slm, "board": "nrf9160dk_nrf9160_ns"}
        if profile:
            fw["profile"] = profile
        self.slm = slm
        self.meta = {"source": "synthetic, written from the SLM source (%s)" % SCRIPT,
                     "title": title, "baud": 115200, "firmware": fw}
        self.recs = []
        self.busy = {}  # side -> ns when its last burst has left the wire

    # --- raw records -------------------------------------------------------------------------
    def _rec(self, t, d, data):
        if isinstance(data, str):
            data = data.encode()
        ns = round(t * 1e9)
        # strictly in time order, and a burst never starts before the last one of the same side
        # has left the wire
        assert not self.recs or ns >= self.recs[-1]["t"], (self.name, t, data[:30])
        assert ns >= self.busy.get(d, 0), (self.name, d, t, data[:30])
        r = {"t": ns, "d": d}
        try:
            r["text"] = data.decode("utf-8")
        except UnicodeDecodeError:
            r["b64"] = base64.b64encode(data).decode()
        self.recs.append(r)
        end = t + len(data) * BYTE_S
        self.busy[d] = round(end * 1e9)
        return end

    def host(self, t, data):
        return self._rec(t, "host", data)

    def modem(self, t, data):
        return self._rec(t, "modem", data)

    def urc(self, t, line):
        return self.modem(t, "\r\n" + line + "\r\n")

    def cmd(self, t, line, *answer, lat=0.005):
        """Host sends `line`+CRLF at t; the answer lines (last one the final result) follow after
        the command's last byte + lat seconds, framed as cmd_send() / format_final_result() do.
        Returns the time the answer ends."""
        end = self.host(t, line + "\r\n")
        if not answer:
            return end
        return self.modem(end + lat, frame(*answer))

    # --- common openings ---------------------------------------------------------------------
    def boot(self, t=0.0):
        self.modem(t, "Ready\r\n")
        return self.cmd(t + 0.30, "AT#XSLMVER", '#XSLMVER: "%s"' % self.slm, "OK")

    def attach(self, t):
        """Notifications on, CFUN=1, then the network's +CEREG/+CSCON URCs (LTE-M)."""
        t = self.cmd(t, "AT+CEREG=5", "OK", lat=0.004) + 0.05
        t = self.cmd(t, "AT+CSCON=1", "OK", lat=0.004) + 0.05
        t = self.cmd(t, "AT+CFUN=1", "OK", lat=0.080)
        self.urc(t + 1.2, CEREG_SEARCH)
        self.urc(t + 2.6, "+CSCON: 1")
        return self.urc(t + 3.5, CEREG_HOME)

    # --- output ------------------------------------------------------------------------------
    def write(self, session, source, klass, findings):
        d = os.path.join(ROOT, self.folder)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, self.name + ".atrace"), "w") as f:
            f.write(json.dumps({"atrace": 1, "meta": self.meta}, separators=(",", ":")) + "\n")
            for r in self.recs:
                f.write(json.dumps(r, separators=(",", ":")) + "\n")
        with open(os.path.join(d, self.name + ".expect"), "w") as f:
            for i, l in enumerate(session.strip().splitlines()):
                f.write(("# session: " if i == 0 else "#   ") + l.strip() + "\n")
            for l in source.strip().splitlines():
                f.write("# source: " + l.strip() + "\n")
            f.write("# class: " + klass + "\n")
            if not any(x.split()[0] in ("error", "warning") for x in findings):
                f.write("# expect: no warnings, no errors\n")
            for x in findings:
                f.write(x + "\n")
        SESSIONS.append((self.folder, self.name, klass, session.strip().splitlines()[0]))


SESSIONS = []


def frame(*lines):
    """SLM framing of an answer: each line as "\\r\\n<line>\\r\\n" (info lines of #X handlers are
    sprintf'd that way; modem answers get "\\r\\n" + lines joined by CRLF + "\\r\\n" before the
    final result, which gives the same bytes for one info line)."""
    return "".join("\r\n" + l + "\r\n" for l in lines)


def modem_frame(*lines):
    """A modem (non-#X) answer with several information lines, as cmd_send() sends it: "\\r\\n",
    the modem's own text (lines separated by one CRLF), then "\\r\\n" inserted before the final
    result by format_final_result()."""
    info, final = lines[:-1], lines[-1]
    if not info:
        return "\r\n" + final + "\r\n"
    return "\r\n" + "".join(l + "\r\n" for l in info) + "\r\n" + final + "\r\n"


V212 = "sdk-nrf v2.1.2 applications/serial_lte_modem/src/"
V220 = "sdk-nrf v2.2.0 applications/serial_lte_modem/src/"
F212 = "slm-2.1.2"
F220 = "slm-2.2.0"


# ================================================================================================
# Class 1: PEM read answers (CR LF inside the quotes)
# ================================================================================================

def c01_xcmng_read_pem():
    s = S(F212, "c01-xcmng-read-pem",
          "#XCMNG write then read of a CA certificate (native TLS): the read answer has no leading "
          "CRLF and carries the PEM's CR LF inside the quotes", profile="native-tls")
    t = s.boot() + 0.3
    t = s.cmd(t, "AT+CFUN=4", "OK", lat=0.12) + 0.4
    ca = pem("CERTIFICATE", "c01 ca 321", trailing_newline=True)
    t = s.cmd(t, 'AT#XCMNG=0,321,0,"%s"' % ca, "OK", lat=0.36) + 0.5
    # slm_at_cmng.c handle_at_xcmng() op 2: sprintf("%%CMNG: %d,%d,\"\",\"%s\"\r\n") then
    # cmd_send() adds OK_STR: two rsp_send() calls, two bursts back to back.
    end = s.host(t, "AT#XCMNG=2,321,0\r\n")
    e = s.modem(end + 0.045, '%%CMNG: 321,0,"","%s"\r\n' % ca)
    t = s.modem(e + 0.0004, "\r\nOK\r\n") + 0.6
    t = s.cmd(t, "AT+CFUN=1", "OK", lat=0.08)
    s.urc(t + 1.3, CEREG_SEARCH)
    s.urc(t + 2.9, CEREG_HOME)
    s.write("""#XCMNG=0 writes a CA (PEM ending in CR LF) under SLM sec_tag 321; #XCMNG=2,321,0 reads it back:
               '%CMNG: 321,0,"","-----BEGIN…' with no leading CRLF, CR LF pairs inside the quotes, then OK.""",
            V212 + "slm_at_cmng.c handle_at_xcmng() (op 2: sprintf \"%%CMNG: %d,%d,\\\"\\\",\\\"%s\\\"\\r\\n\", no leading CRLF); "
            "slm_at_host.c cmd_rx_handler() (terminators inside quotes ignored)",
            "1 problem (hazard for a line-based garbage rule)",
            ["# The read answer is one information line of #XCMNG=2 whose quoted content spans lines; nothing",
             "# in it is garbage, and it is the v2.1.x form (no leading CRLF), so no version finding either."])


def c01_cmng_read_pem_modem():
    s = S(F220, "c01-cmng-read-pem-modem",
          "AT%CMNG=2 read of the nRF Cloud CA: the modem's answer carries the PEM with CR LF inside the quotes",
          slm="2.2.0")
    t = s.boot() + 0.3
    t = s.cmd(t, "AT+CFUN=4", "OK", lat=0.11) + 0.3
    ca = pem("CERTIFICATE", "c01 nrfcloud ca")
    t = s.cmd(t, 'AT%%CMNG=0,16842753,0,"%s"' % ca, "OK", lat=0.30) + 0.5
    end = s.host(t, "AT%CMNG=2,16842753,0\r\n")
    t = s.modem(end + 0.062, modem_frame('%%CMNG: 16842753,0,"%s","%s"' % (sha("c01 nrfcloud ca"), ca), "OK")) + 0.4
    t = s.cmd(t, "AT%CMNG=1,16842753", '%%CMNG: 16842753,0,"%s"' % sha("c01 nrfcloud ca"), "OK", lat=0.03) + 0.5
    s.cmd(t, "AT+CFUN=1", "OK", lat=0.08)
    s.write("""Host writes the nRF Cloud CA with AT%CMNG=0 (modem offline), reads it back with AT%CMNG=2:
               the modem answer '%CMNG: 16842753,0,"<sha>","-----BEGIN…"' has CR LF pairs inside the quotes.""",
            V220 + "slm_at_host.c cmd_send() + format_final_result() (\"\\r\\n\" + modem text, CRLF before OK); "
            "nRF91 AT reference %CMNG read (content returned as written)",
            "1 problem (hazard for a line-based garbage rule)",
            ["# Healthy: a modem read answer with multi-line quoted content; no tag here is native-TLS mapped."])


def c01_read_then_line_noise():
    s = S(F212, "c01-xcmng-read-then-line-noise",
          "A clean #XCMNG PEM read, then three noise bytes on the modem TX line (no reboot follows)",
          profile="native-tls")
    t = s.boot() + 0.3
    t = s.cmd(t, "AT+CFUN=4", "OK", lat=0.12) + 0.4
    ca = pem("CERTIFICATE", "c01 noise ca")
    t = s.cmd(t, 'AT#XCMNG=0,73,0,"%s"' % ca, "OK", lat=0.35) + 0.4
    end = s.host(t, "AT#XCMNG=2,73,0\r\n")
    e = s.modem(end + 0.044, '%%CMNG: 73,0,"","%s"\r\n' % ca)
    t = s.modem(e + 0.0004, "\r\nOK\r\n") + 4.0
    s.modem(t, b"\x00\xfc\x00")          # noise: a probe touched the TX line
    tn = t
    t = s.cmd(t + 2.5, "AT+CFUN?", "+CFUN: 4", "OK", lat=0.006) + 0.5
    s.cmd(t, "AT#XSLMVER", '#XSLMVER: "2.1.2"', "OK")
    s.write("""Near miss of c01-xcmng-read-pem: the same read answer (healthy), then 4 s later three bytes
               00 FC 00 from the modem that belong to no AT item and are not followed by Ready.""",
            V212 + "slm_at_cmng.c handle_at_xcmng(); slm_at_host.c (no code path emits these bytes)",
            "1 near-miss",
            ["warning uart.garbage @ %.2f   # 00 FC 00 fit no AT item; no Ready follows, so it is not a reset glitch" % tn])


# ================================================================================================
# Class 2: a reboot while the SLM is in data mode
# ================================================================================================

def tcpcli(s, t, host, port, fd=1, sec_tag=None, lat=1.4):
    c = 'AT#XTCPCLI=1,"%s",%d' % (host, port) + ("" if sec_tag is None else ",%d" % sec_tag)
    # slm_at_tcp_proxy.c do_tcp_client_connect(): '#XTCPCLI: <fd>,"connected"', then cmd_send()'s OK
    return s.cmd(t, c, '#XTCPCLI: %d,"connected"' % fd, "OK", lat=lat)


def c02_datamode_reboot_glitch():
    s = S(F212, "c02-datamode-reboot-glitch",
          "TCP proxy data mode (#XTCPSEND): the SLM reboots mid-session (C0 FF then Ready); the host's next lines are commands")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t = tcpcli(s, t, "echo.example.net", 7) + 0.3
    t = s.cmd(t, "AT#XTCPSEND", "OK", lat=0.004) + 0.2     # enter_datamode(): OK, then raw
    e = s.host(t, "sensor=21.4;seq=1\r\n")
    s.modem(e + 0.032 + 0.38, "sensor=21.4;seq=1\r\n")      # echo, data_send() raw in data mode
    t = e + 2.0
    e = s.host(t, "sensor=21.5;seq=2\r\n")
    t_reset = e + 1.7
    s.modem(t_reset, b"\xc0\xffReady\r\n")
    t = t_reset + 1.2
    t = s.cmd(t, "AT", "OK", lat=0.004) + 0.1
    t = s.cmd(t, "AT#XSLMVER", '#XSLMVER: "2.1.2"', "OK") + 0.1
    s.cmd(t, "AT+CFUN?", "+CFUN: 0", "OK", lat=0.006)
    s.write("""Host in TCP-proxy data mode (#XTCPSEND without data, OK, payload echoed raw); the SLM then
               emits C0 FF 'Ready' with no #XRESET/#XSLEEP: a reboot; the host's AT, #XSLMVER, +CFUN? are
               answered as commands (+CFUN: 0: the modem restarted too).""",
            V212 + "slm_at_tcp_proxy.c handle_at_tcp_send() enter_datamode(); tcpcli_thread_func() data_send() in data mode; "
            "slm_at_host.c slm_at_host_init() SLM_SYNC_STR",
            "2 problem",
            ["error slm.reset.unexpected @ %.2f   # Ready (glitch bytes in front) in data mode, nothing the host did explains it" % t_reset,
             "# No at.final.missing: #XTCPSEND already had its OK. The host's AT after the reboot is a command, not",
             "# payload (its OK answers it), so no data-mode finding either."])


def c02_datamode_reboot_plain():
    s = S(F220, "c02-datamode-reboot-plain",
          "Socket data mode (#XSEND): a bare Ready (no glitch) arrives mid-payload: a reboot", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t = s.cmd(t, "AT#XSOCKET=1,1,0", "#XSOCKET: 0,1,6", "OK", lat=0.02) + 0.1
    t = s.cmd(t, 'AT#XCONNECT="api.example.org",80', "#XCONNECT: 1", "OK", lat=0.9) + 0.2
    t = s.cmd(t, "AT#XSEND", "OK", lat=0.004) + 0.15
    e = s.host(t, "POST /v1/log HTTP/1.1\r\nHost: api.example.org\r\nContent-Length: 40\r\n\r\n")
    t_reset = e + 3.1
    s.modem(t_reset, "Ready\r\n")
    t = t_reset + 0.9
    t = s.cmd(t, "AT+CFUN?", "+CFUN: 0", "OK", lat=0.006) + 0.1
    s.cmd(t, "AT#XSLMVER", '#XSLMVER: "2.2.0"', "OK")
    s.write("""Socket data mode after #XSEND (v2.2.0); 3 s after the last payload the SLM sends a bare
               'Ready' (no glitch bytes); no #XDATAMODE ever comes; the host's next lines are answered
               as commands and +CFUN: 0 shows the modem restarted.""",
            V220 + "slm_at_socket.c handle_at_send() enter_datamode(); slm_at_host.c slm_at_host_init() SLM_SYNC_STR, exit_datamode()",
            "2 problem",
            ["error slm.reset.unexpected @ %.2f   # Ready in data mode, no #XRESET/#XSLEEP; +CFUN: 0 after it confirms the reboot" % t_reset])


def c02_datamode_exit_then_xreset():
    s = S(F212, "c02-datamode-exit-then-xreset",
          "Data mode left with +++ (#XDATAMODE: 0), then AT#XRESET: OK, FF, Ready (an expected reset)")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t = tcpcli(s, t, "collector.example.net", 5000) + 0.3
    t = s.cmd(t, "AT#XTCPSEND", "OK", lat=0.004) + 0.2
    e = s.host(t, "batch:17,18,19,20\r\n")
    t = e + 1.5
    e = s.host(t, "+++")                       # alone, after > datamode_time_limit of silence
    # slm_at_host.c raw_send(): "+++" at the end of the chunk -> datamode_quit -> exit_datamode(0)
    t = s.modem(e + 0.034 + 0.012, "\r\n#XDATAMODE: 0\r\n") + 0.5
    t = s.cmd(t, "AT#XTCPCLI=0", '#XTCPCLI: 0,"disconnected"', "OK", lat=0.25) + 0.5
    t_cmd = t
    e = s.cmd(t, "AT#XRESET", "OK", lat=0.004)
    # handle_at_reset(): OK, 50 ms, UART off, modem_power_off() (CFUN=0 + 1 s), sys_reboot()
    t_ready = e + 1.62
    s.modem(t_ready, b"\xffReady\r\n")
    s.cmd(t_ready + 0.5, "AT#XSLMVER", '#XSLMVER: "2.1.2"', "OK")
    s.write("""Near miss of c02-datamode-reboot-*: data mode ended properly (+++ then #XDATAMODE: 0), the TCP
               client closed, then AT#XRESET: OK and 1.6 s later FF 'Ready' (one glitch byte).""",
            V212 + "slm_at_commands.c handle_at_reset() (OK, SLM_UART_RESPONSE_DELAY, modem_power_off() with k_sleep 1 s, sys_reboot); "
            "slm_at_host.c raw_send()/exit_datamode()",
            "2 near-miss",
            ["note slm.reset.expected @ %.2f   # Ready after AT#XRESET (the FF in front is part of the reset)" % t_ready,
             "# Healthy: the reset is asked for; the glitch byte is not garbage; no data mode at the Ready."])


# ================================================================================================
# Class 3: Ready / OK inside received payload
# ================================================================================================

def c03_tcpcli_rx_welcome_ready():
    s = S(F212, "c03-tcpcli-rx-welcome-ready",
          "TCP proxy receive: the peer's 'Welcome\\r\\nReady\\r\\n' and 'OK\\r\\n' come as raw bytes before their #XTCPDATA trailers")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t = tcpcli(s, t, "console.example.net", 2323) + 0.0
    # slm_at_tcp_proxy.c tcpcli_thread_func(): rsp_send(rx_data) then "\r\n#XTCPDATA: %d\r\n"
    greet = "Welcome\r\nReady\r\n"
    e = s.modem(t + 0.31, greet)
    t = s.modem(e + 0.0006, "\r\n#XTCPDATA: %d\r\n" % len(greet)) + 1.0
    t = s.cmd(t, 'AT#XTCPSEND="PING"', "#XTCPSEND: 4", "OK", lat=0.03)
    e = s.modem(t + 0.27, "OK\r\n")
    t = s.modem(e + 0.0006, "\r\n#XTCPDATA: 4\r\n") + 1.2
    t = s.cmd(t, 'AT#XTCPSEND="QUIT"', "#XTCPSEND: 4", "OK", lat=0.03)
    bye = "Bye\r\nERROR 0\r\n"
    e = s.modem(t + 0.26, bye)
    e = s.modem(e + 0.0006, "\r\n#XTCPDATA: %d\r\n" % len(bye))
    # peer closes: POLLHUP -> -ECONNRESET, '#XTCPCLI: -104,"disconnected"' (tcpcli_thread_func())
    s.modem(e + 0.4, '\r\n#XTCPCLI: -104,"disconnected"\r\n')
    s.write("""A TCP server greets 'Welcome\\r\\nReady\\r\\n' (raw, then '#XTCPDATA: 16'), answers PING with
               'OK\\r\\n' (raw, then '#XTCPDATA: 4') after the command's own OK, QUIT with 'Bye\\r\\nERROR 0\\r\\n',
               then closes ('#XTCPCLI: -104,"disconnected"').""",
            V212 + "slm_at_tcp_proxy.c tcpcli_thread_func() (v2.1.x/v2.2.x: payload first, then \"\\r\\n#XTCPDATA: %d\\r\\n\"); "
            "do_tcp_send() '#XTCPSEND: %d'",
            "3 problem (hazard: Ready/OK/ERROR text in trailer-framed payload)",
            ["# Healthy: the Ready is payload (its #XTCPDATA trailer counts it), the raw OK is payload and not an",
             "# unsolicited final result, 'ERROR 0' is payload; the peer's close is an ordinary URC."])


def c03_recv_ready_ok():
    s = S(F220, "c03-recv-ready-ok",
          "#XRECV whose 24 payload bytes are 'Ready\\r\\n\\r\\nOK\\r\\n+CSCON: 0\\r\\n'", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t = s.cmd(t, "AT#XSOCKET=1,1,0", "#XSOCKET: 0,1,6", "OK", lat=0.02) + 0.1
    t = s.cmd(t, 'AT#XCONNECT="relay.example.org",9000', "#XCONNECT: 1", "OK", lat=0.8) + 0.2
    t = s.cmd(t, 'AT#XSEND="hello"', "#XSEND: 5", "OK", lat=0.03) + 0.6
    payload = "Ready\r\n\r\nOK\r\n+CSCON: 0\r\n"
    e = s.host(t, "AT#XRECV=10\r\n")
    # slm_at_socket.c do_recv(): "\r\n#XRECV: %d\r\n", then the raw bytes; cmd_send() then OK
    e = s.modem(e + 0.004, "\r\n#XRECV: %d\r\n" % len(payload))
    e = s.modem(e + 0.0002, payload)
    t = s.modem(e + 0.0003, "\r\nOK\r\n") + 0.8
    t = s.cmd(t, "AT#XSOCKET=0", '#XSOCKET: 0,"closed"', "OK", lat=0.05)
    s.write("""Socket #XRECV returns 24 bytes that look like a reboot line, an OK and a +CSCON URC, framed by
               '#XRECV: 24' in front and the command's own OK after.""",
            V220 + "slm_at_socket.c do_recv() ('#XRECV: <n>' then n raw bytes, then OK from cmd_send())",
            "3 problem (hazard: Ready/OK/URC text in length-prefixed payload)",
            ["# Healthy: the 24 bytes are payload; the only final result of #XRECV is the last OK."])


def c03_datamode_rx_ready():
    s = S(F212, "c03-datamode-rx-ready",
          "TCP proxy data mode: the peer's reply 'Ready\\r\\n' comes raw (no trailer in data mode); +++ then #XDATAMODE: 0")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t = tcpcli(s, t, "device-gw.example.net", 4000) + 0.3
    t = s.cmd(t, "AT#XTCPSEND", "OK", lat=0.004) + 0.2
    e = s.host(t, "HELLO dk-07\r\n")
    t_rdy = e + 0.032 + 0.35
    s.modem(t_rdy, "Ready\r\n")          # the gateway's reply, data_send() raw in data mode
    e = s.host(t_rdy + 1.0, "T=21.7\r\n")
    e = s.host(e + 1.5, "+++")
    t = s.modem(e + 0.034 + 0.012, "\r\n#XDATAMODE: 0\r\n") + 0.4
    s.cmd(t, "AT#XTCPCLI=0", '#XTCPCLI: 0,"disconnected"', "OK", lat=0.25)
    s.write("""In TCP-proxy data mode the peer answers 'HELLO' with 'Ready\\r\\n'; in data mode received data is
               forwarded raw with no #XTCPDATA. The host goes on sending payload, +++ ends data mode with
               '#XDATAMODE: 0', which proves the SLM never rebooted.""",
            V212 + "slm_at_tcp_proxy.c tcpcli_thread_func() (in_datamode(): data_send(rx_data) only); "
            "slm_at_host.c raw_send() terminator check, exit_datamode()",
            "3 problem (hazard: bare Ready in data mode that is payload)",
            ["# Healthy: a reboot would have ended data mode silently; instead '#XDATAMODE: 0' answers the host's +++."])


def c03_tcpdata_then_real_reboot():
    s = S(F212, "c03-tcpdata-then-real-reboot",
          "TCP proxy: payload 'Ready\\r\\n' with its #XTCPDATA trailer (not a reset), later C0 'Ready' with no trailer (a reboot)")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t = tcpcli(s, t, "console.example.net", 2323)
    e = s.modem(t + 0.3, "Ready\r\n")
    t = s.modem(e + 0.0006, "\r\n#XTCPDATA: 7\r\n") + 5.0
    t = s.cmd(t, 'AT#XTCPSEND="status"', "#XTCPSEND: 6", "OK", lat=0.03)
    t_reset = t + 7.5
    s.modem(t_reset, b"\xc0Ready\r\n")
    t = t_reset + 2.0
    t = s.cmd(t, "AT#XSLMVER", '#XSLMVER: "2.1.2"', "OK") + 0.1
    t = s.cmd(t, "AT#XTCPCLI?", "#XTCPCLI: -1,0", "OK", lat=0.004)
    s.write("""Near miss of c03-tcpcli-rx-welcome-ready: first a payload 'Ready\\r\\n' with its '#XTCPDATA: 7'
               trailer (healthy), then 7.5 s after '#XTCPSEND' a C0 'Ready' with no trailer; '#XTCPCLI?'
               then shows no socket (-1): the SLM rebooted.""",
            V212 + "slm_at_tcp_proxy.c tcpcli_thread_func(), handle_at_tcp_client() read form '#XTCPCLI: %d,%d'",
            "3 near-miss",
            ["error slm.reset.unexpected @ %.2f   # C0 + Ready, no trailer, no #XRESET/#XSLEEP; the proxy state is gone after it" % t_reset])


# ================================================================================================
# Class 4: a promised URC around its command's OK
# ================================================================================================

def mqttcon(s, t, cid, url, port, sec_tag=None, lat=1.6):
    c = 'AT#XMQTTCON=1,"%s","","","%s",%d' % (cid, url, port) + ("" if sec_tag is None else ",%d" % sec_tag)
    return s.cmd(t, c, "OK", lat=lat)


def c04_mqtt_disconnect_evt_before_ok():
    s = S(F212, "c04-mqtt-disconnect-evt-before-ok",
          "#XMQTTCON=0: '#XMQTTEVT: 1,0' comes before the OK (raised inside mqtt_disconnect()), OK 1.9 s later")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    e = mqttcon(s, t, "dk-c04a", "mqtt.example.com", 1883)
    t = s.urc(e + 0.42, "#XMQTTEVT: 0,0") + 0.8
    e = s.cmd(t, 'AT#XMQTTSUB="dk-c04a/cmd",1', "OK", lat=0.03)
    t = s.urc(e + 0.38, "#XMQTTEVT: 7,0") + 1.0
    t = s.cmd(t, 'AT#XMQTTPUB="dk-c04a/state","on",0,0', "OK", lat=0.03) + 3.0
    t_dis = t
    e = s.host(t, "AT#XMQTTCON=0\r\n")
    # do_mqtt_disconnect(): mqtt_disconnect() sends DISCONNECT, closes the transport and notifies
    # MQTT_EVT_DISCONNECT(0) synchronously (Zephyr mqtt.c client_disconnect(client, 0, true)) ->
    # mqtt_evt_handler() prints '#XMQTTEVT: 1,0'; then k_thread_join() waits for the MQTT thread's
    # poll() to return; then cmd_send() sends OK.
    e = s.urc(e + 0.045, "#XMQTTEVT: 1,0")
    s.modem(e + 1.9, "\r\nOK\r\n")
    s.write("""MQTT connect (CONNACK after OK), subscribe (SUBACK after OK), publish QoS 0, then AT#XMQTTCON=0:
               '#XMQTTEVT: 1,0' 45 ms after the command, its OK 1.9 s after that (the thread join).""",
            V212 + "mqtt_c/slm_at_mqtt.c do_mqtt_disconnect(), mqtt_evt_handler(); "
            "Zephyr subsys/net/lib/mqtt/mqtt.c mqtt_disconnect() -> client_disconnect(client, 0, true)",
            "4 problem (URC before OK)",
            ["# Healthy: the DISCONNECT event precedes the OK by design on v2.1.x; the URC is neither missing nor unsolicited,",
             "# and the OK is not late (#XMQTTCON=0 may block up to CONFIG_MQTT_KEEPALIVE = 60 s)."])


def c04_mqtt_disconnect_ok_after_poll():
    s = S(F212, "c04-mqtt-disconnect-ok-after-poll",
          "#XMQTTCON=0: '#XMQTTEVT: 1,0' at once, OK 41 s later (the MQTT thread sat in poll() until its keep-alive timeout)")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    e = mqttcon(s, t, "dk-c04b", "mqtt.example.com", 1883)
    t = s.urc(e + 0.40, "#XMQTTEVT: 0,0") + 19.0
    e = s.host(t, "AT#XMQTTCON=0\r\n")
    e = s.urc(e + 0.05, "#XMQTTEVT: 1,0")
    s.urc(e + 6.0, "+CSCON: 0")
    t_ok = e + 41.0
    t = s.modem(t_ok, "\r\nOK\r\n") + 0.5
    s.cmd(t, "AT#XMQTTCON?", '#XMQTTCON: 0,"dk-c04b","mqtt.example.com",1883', "OK", lat=0.004)
    s.write("""AT#XMQTTCON=0 20 s after the connect: '#XMQTTEVT: 1,0' at once; the MQTT thread is in
               poll(fd, keepalive time left ~41 s) and only then sees ctx.connected == false and exits,
               so k_thread_join() (limit CONFIG_MQTT_KEEPALIVE = 60 s) returns and OK comes 41 s later.""",
            V212 + "mqtt_c/slm_at_mqtt.c mqtt_thread_fn() (poll(..., mqtt_keepalive_time_left())), do_mqtt_disconnect() "
            "(k_thread_join(K_SECONDS(CONFIG_MQTT_KEEPALIVE))); Zephyr CONFIG_MQTT_KEEPALIVE default 60",
            "4 near-miss (slow OK within the command's own limit)",
            ["# Healthy: 41 s is inside the 60 s join limit of #XMQTTCON=0, so no at.final.late / at.final.missing;",
             "# '#XMQTTEVT: 1,0' before OK is the v2.1.x order. Read answer after disconnect: '#XMQTTCON: 0,…'."])


def c04_nrfcloud_ready_before_ok():
    s = S(F220, "c04-nrfcloud-ready-before-ok",
          "#XNRFCLOUD=1: READY ('#XNRFCLOUD: 1,0') arrives 7.6 s in, before the OK that ends the 10 s date-time wait",
          slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.5
    t_cmd = t
    e = s.host(t, "AT#XNRFCLOUD=1\r\n")
    # handle_at_nrf_cloud(): nrf_cloud_connect() only starts the connection poll thread; then
    # date_time_update_async() + k_sem_take(&sem_date_time, K_SECONDS(10)). No network time and
    # no NTP answer here, so the work queue waits the full 10 s. Meanwhile the cloud thread gets
    # NRF_CLOUD_EVT_READY -> on_cloud_evt_ready() -> '#XNRFCLOUD: 1,0'.
    s.urc(e + 7.6, "#XNRFCLOUD: 1,0")
    t = s.modem(e + 10.0, "\r\nOK\r\n") + 1.0
    t = s.cmd(t, "AT#XNRFCLOUD?", '#XNRFCLOUD: 1,0,16842753,"4e4f5244-4943-0c04-8000-7a1b2c3d4e5f"', "OK", lat=0.004) + 20
    s.urc(t, "+CSCON: 0")
    s.write("""AT#XNRFCLOUD=1 on a network without NITZ: the handler blocks 10 s waiting for date-time; the
               cloud connects in the meantime and '#XNRFCLOUD: 1,0' (READY) comes 2.4 s before the OK.""",
            V220 + "gnss/slm_at_gnss.c handle_at_nrf_cloud() (k_sem_take(&sem_date_time, K_SECONDS(10))), "
            "cloud_event_handler()/on_cloud_evt_ready(); subsys/net/lib/nrf_cloud/src/nrf_cloud.c nrf_cloud_connect() "
            "(CONFIG_NRF_CLOUD_CONNECTION_POLL_THREAD=y: start_connection_poll(), returns at once)",
            "4 problem (URC before OK)",
            ["# Healthy: the promised READY came (before the OK, which the source allows); the OK after 10 s is",
             "# within the command's ~10 s date-time wait."])


def c04_mqtt_acks_after_ok():
    s = S(F220, "c04-mqtt-acks-after-ok",
          "MQTT on v2.2.0 in the usual order: CONNACK, SUBACK, PUBACK, UNSUBACK each after their command's OK",
          slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    e = mqttcon(s, t, "dk-c04d", "mqtt.example.com", 1883, lat=1.3)
    t = s.urc(e + 0.35, "#XMQTTEVT: 0,0") + 0.6
    e = s.cmd(t, 'AT#XMQTTSUB="dk-c04d/#",1', "OK", lat=0.03)
    t = s.urc(e + 0.33, "#XMQTTEVT: 7,0") + 0.7
    e = s.cmd(t, 'AT#XMQTTPUB="dk-c04d/up","v=1",1,0', "OK", lat=0.03)
    t = s.urc(e + 0.36, "#XMQTTEVT: 3,0") + 0.8
    e = s.cmd(t, 'AT#XMQTTUNSUB="dk-c04d/#"', "OK", lat=0.03)
    t = s.urc(e + 0.34, "#XMQTTEVT: 8,0") + 1.0
    e = s.host(t, "AT#XMQTTCON=0\r\n")
    e = s.urc(e + 0.05, "#XMQTTEVT: 1,0")
    s.modem(e + 0.6, "\r\nOK\r\n")
    s.write("""Near miss of the race sessions: every broker acknowledgement comes as its #XMQTTEVT URC 0.3 s
               after its command's OK (the MQTT thread reads them from the socket after the work queue
               has sent OK); the disconnect event precedes its OK as always.""",
            V220 + "mqtt_c/slm_at_mqtt.c (unchanged from v2.1.2) do_mqtt_connect() (mqtt_connect() only sends CONNECT; "
            "the thread is created after it), mqtt_evt_handler(), handle_at_mqtt_subscribe/publish/unsubscribe()",
            "4 near-miss",
            ["# Healthy: each promised URC arrived shortly after its OK."])


# ================================================================================================
# Class 5: late is not missing
# ================================================================================================

def c05_mqtt_connack_late():
    s = S(F212, "c05-mqtt-connack-late",
          "#XMQTTCON=1: OK, then CONNACK ('#XMQTTEVT: 0,0') only 25 s later; publish works afterwards")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t_cmd = t
    e = mqttcon(s, t, "dk-c05a", "broker.slow.example.net", 1883, lat=2.1)
    t_ack = e + 25.0
    s.urc(e + 9.0, "+CSCON: 0")
    s.urc(e + 24.6, "+CSCON: 1")
    t = s.urc(t_ack, "#XMQTTEVT: 0,0") + 1.0
    e = s.cmd(t, 'AT#XMQTTPUB="dk-c05a/up","hello",1,0', "OK", lat=0.03)
    s.urc(e + 0.41, "#XMQTTEVT: 3,0")
    s.write("""The broker accepts TCP and the CONNECT, but its CONNACK arrives 25 s after the OK of
               #XMQTTCON=1 (the SLM has no CONNACK timeout of its own in v2.1.2); QoS 1 publish then works.""",
            V212 + "mqtt_c/slm_at_mqtt.c do_mqtt_connect() (OK after mqtt_connect() sent CONNECT), mqtt_thread_fn() "
            "(CONNACK read by mqtt_input(), no timeout), mqtt_evt_handler()",
            "5 problem (late)",
            ["warning slm.urc.late @ %.2f   # CONNACK came, 25 s after OK: a broker answers in about a second; late, not missing" % t_ack])


def c05_mqtt_connack_never():
    s = S(F212, "c05-mqtt-connack-never",
          "#XMQTTCON=1: OK, then no CONNACK for 3 minutes while the capture goes on")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t_cmd = t
    e = mqttcon(s, t, "dk-c05b", "broker.silent.example.net", 1883, lat=2.0)
    s.urc(e + 10.2, "+CSCON: 0")
    t = e + 95.0
    t = s.cmd(t, "AT#XMQTTCON?", '#XMQTTCON: 1,"dk-c05b","broker.silent.example.net",1883', "OK", lat=0.004)
    s.urc(t + 0.2, "+CSCON: 1")
    s.urc(t + 10.4, "+CSCON: 0")
    t = e + 180.0
    s.cmd(t, "AT+CEREG?", '+CEREG: 5,1,"0B1C","02A6F301",7,,,"11100000","11100000"', "OK", lat=0.006)
    s.write("""Near miss of c05-mqtt-connack-late: OK of #XMQTTCON=1, then no '#XMQTTEVT: 0,…' at all for
               180 s (the host's '#XMQTTCON?' shows connected=1 because ctx.connected is set when CONNECT is
               sent, not on CONNACK).""",
            V212 + "mqtt_c/slm_at_mqtt.c do_mqtt_connect() (ctx.connected = true after k_thread_create), "
            "handle_at_mqtt_connect() read form",
            "5 near-miss (missing)",
            ["error slm.urc.missing @ %.2f   # no CONNACK in the 180 s after OK of #XMQTTCON=1" % t_cmd])


def c05_nrfcloud_ready_late():
    s = S(F220, "c05-nrfcloud-ready-late",
          "#XNRFCLOUD=1 on a first connect: OK after 1 s, READY ('#XNRFCLOUD: 1,0') 45 s later", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.5
    t = s.cmd(t, "AT#XUUID", "#XUUID: 4e4f5244-4943-0c05-8000-1a2b3c4d5e6f", "OK", lat=0.02) + 0.4
    e = s.cmd(t, "AT#XNRFCLOUD=1", "OK", lat=1.05)   # date-time from the network: the semaphore comes fast
    t_ready = e + 45.0
    t = s.urc(t_ready, "#XNRFCLOUD: 1,0") + 2.0
    s.cmd(t, "AT#XNRFCLOUD?", '#XNRFCLOUD: 1,0,16842753,"4e4f5244-4943-0c05-8000-1a2b3c4d5e6f"', "OK", lat=0.004)
    s.write("""First connect of a freshly provisioned device in poor coverage: OK of #XNRFCLOUD=1 after 1 s
               (network time known), then the TLS handshake, CONNACK, subscriptions and shadow exchange of the
               nRF Cloud library take 45 s before READY ('#XNRFCLOUD: 1,0'). No TRANSPORT_DISCONNECTED
               ('#XNRFCLOUD: 0,0') in between: the connection was never dropped.""",
            V220 + "gnss/slm_at_gnss.c handle_at_nrf_cloud(), on_cloud_evt_ready(); "
            "subsys/net/lib/nrf_cloud/src/nrf_cloud.c nrf_cloud_run() (one connect attempt per nrf_cloud_connect(); "
            "READY from the FSM after the shadow exchange)",
            "5 problem (late)",
            ["warning slm.urc.late @ %.2f   # READY came, 45 s after OK (a connect normally takes a few s): late, not missing" % t_ready])


def c05_nrfcloud_ready_never():
    s = S(F220, "c05-nrfcloud-ready-never",
          "#XNRFCLOUD=1: OK, then no READY for 3 minutes; '#XNRFCLOUD?' says 0", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.5
    t_cmd = t
    e = s.cmd(t, "AT#XNRFCLOUD=1", "OK", lat=0.95)
    s.urc(e + 8.4, "+CSCON: 0")
    t = s.cmd(e + 120.0, "AT#XNRFCLOUD?", '#XNRFCLOUD: 0,0,16842753,"4e4f5244-4943-0c05-8000-99aabbccddee"', "OK", lat=0.004)
    s.urc(t + 0.3, "+CSCON: 1")
    s.urc(t + 11.0, "+CSCON: 0")
    s.cmd(e + 185.0, "AT+CEREG?", '+CEREG: 5,1,"0B1C","02A6F301",7,,,"11100000","11100000"', "OK", lat=0.006)
    s.write("""Near miss of c05-nrfcloud-ready-late: OK of #XNRFCLOUD=1, RRC goes idle, no '#XNRFCLOUD: 1,…'
               in the next 185 s; '#XNRFCLOUD?' at 120 s still reads ready=0. (No credential evidence in
               this capture: default build, no %CMNG listing.)""",
            V220 + "gnss/slm_at_gnss.c handle_at_nrf_cloud() (read form '#XNRFCLOUD: <ready>,<signify>,<sec_tag>,\"<id>\"')",
            "5 near-miss (missing)",
            ["error slm.urc.missing @ %.2f   # READY promised by OK of #XNRFCLOUD=1 never came in 185 s" % t_cmd])


# ================================================================================================
# Class 6: credentials (native-TLS sec_tag mapping S*10+T, nRF Cloud reading modem tags directly)
# ================================================================================================

def cmng_list(s, t, entries, lat=0.09):
    """AT%CMNG=1 answered by the modem: one '%CMNG: <tag>,<type>,"<sha>"' line per entry."""
    lines = ['%%CMNG: %d,%d,"%s"' % (tag, typ, sha("cred %d %d %s" % (tag, typ, s.name))) for tag, typ in entries]
    end = s.host(t, "AT%CMNG=1\r\n")
    return s.modem(end + lat, modem_frame(*(lines + ["OK"])))


def xcmng_write(s, t, tag, typ, seed):
    kind = {0: "CERTIFICATE", 1: "CERTIFICATE", 2: "EC PRIVATE KEY"}[typ]
    # slm_at_cmng.c: modem_key_mgmt_write(slm_tls_map_sectag(tag, typ), 0, content): ~0.35 s
    return s.cmd(t, 'AT#XCMNG=0,%d,%d,"%s"' % (tag, typ, pem(kind, seed)), "OK", lat=0.35)


def c06_listing_alone_nrfcloud_no_ready():
    s = S(F212, "c06-listing-alone-nrfcloud-no-ready",
          "%CMNG=1 alone shows the CA/client cert at 168427530/168427531 (mapped) and only the key at 16842753; "
          "#XNRFCLOUD=1: OK, no READY", profile="native-tls")
    t = s.boot() + 0.3
    t_list = t
    t = cmng_list(s, t, [(16842753, 2), (168427530, 0), (168427531, 0)]) + 0.6
    t = s.attach(t) + 0.5
    t_cmd = t
    e = s.cmd(t, "AT#XNRFCLOUD=1", "OK", lat=1.4)
    s.urc(e + 6.1, "+CSCON: 0")
    t = s.cmd(e + 90.0, "AT#XNRFCLOUD?", '#XNRFCLOUD: 0,0,16842753,"50503041-3633-4261-8000-c06a11c0ffee"', "OK", lat=0.004)
    s.cmd(e + 150.0, "AT+CEREG?", '+CEREG: 5,1,"0B1C","02A6F301",7,,,"11100000","11100000"', "OK", lat=0.006)
    s.write("""No #XCMNG write in the capture: the AT%CMNG=1 listing alone shows the private key at 16842753
               (type 2, from %KEYGEN) and two type-0 entries at 168427530/168427531 = 16842753*10+0/+1, i.e.
               a CA and a client certificate written earlier through #XCMNG (native-TLS mapping). nRF Cloud
               uses modem TLS at 16842753, finds no CA/cert there: OK, RRC idle, no READY in 150 s.""",
            V212 + "slm_native_tls.c slm_tls_map_sectag() (sec_tag*10 + type), slm_at_cmng.c handle_at_xcmng() "
            "(modem_key_mgmt_write(map, 0, …): always type 0); subsys/net/lib/nrf_cloud/src/nrf_cloud_transport.c "
            "(sec_tag_list = { CONFIG_NRF_CLOUD_SEC_TAG } = 16842753, modem TLS); gnss/slm_at_gnss.c handle_at_nrf_cloud()",
            "6 problem",
            ["error slm.tls.modem-tag-unprovisioned @ %.2f   # nRF Cloud needs CA+cert at 16842753; the listing has them only mapped, and READY never came" % t_cmd,
             "error slm.urc.missing @ %.2f   # READY promised by OK of #XNRFCLOUD=1 never came (150 s)" % t_cmd,
             "note slm.tls.native-mapping @ %.2f   # 168427530 = 16842753*10+0 (CA)" % t_list,
             "note slm.tls.native-mapping @ %.2f   # 168427531 = 16842753*10+1 (client certificate)" % t_list,
             "# 16842753,2 is not a mapped tag: #XCMNG writes always land as type 0; this is the %KEYGEN key."])


def c06_listing_order_mqtt_tls_fails():
    s = S(F212, "c06-listing-order-mqtt-tls-fails",
          "%CMNG=1 lists 3212, 3210, 3211 (in that order, type 0) next to nRF Cloud's 16842753; "
          "#XMQTTCON over TLS with sec_tag 321 fails", profile="native-tls")
    t = s.boot() + 0.3
    t_list = t
    t = cmng_list(s, t, [(3212, 0), (16842753, 0), (3210, 0), (16842753, 1), (3211, 0), (16842753, 2)]) + 0.6
    t = s.attach(t) + 0.5
    t_cmd = t
    # do_mqtt_connect(): mqtt_connect() -> TLS connect on a modem socket with sec_tag 321, which has
    # no credentials in the modem -> error -> handler returns it -> cmd_send() sends ERROR.
    e = s.cmd(t, 'AT#XMQTTCON=1,"dk-c06b","","","mqtts.example.com",8883,321', "ERROR", lat=2.3)
    s.cmd(e + 1.0, "AT#XMQTTCON?", '#XMQTTCON: 0,"dk-c06b","mqtts.example.com",8883,321', "OK", lat=0.004)
    s.write("""A listing (no #XCMNG write in the capture) in storage order 3212, 16842753/0, 3210, 16842753/1,
               3211, 16842753/2: the SLM tag 321's CA/cert/key exist only as mapped modem tags 3210-3212.
               #XMQTTCON uses modem TLS with the raw tag 321 and fails: ERROR after 2.3 s.""",
            V212 + "mqtt_c/slm_at_mqtt.c client_init() (tls_config->sec_tag_list = &ctx.sec_tag, modem TLS), do_mqtt_connect(); "
            "slm_native_tls.c slm_tls_map_sectag()",
            "6 problem",
            ["error slm.tls.modem-tag-unprovisioned @ %.2f   # MQTT TLS on modem tag 321: not in the listing; its credentials are mapped to 3210-3212" % t_cmd,
             "warning at.error @ %.2f   # #XMQTTCON=1 answered ERROR (the TLS connect failed)" % (t_cmd + 2.3),
             "note slm.tls.native-mapping @ %.2f   # 3212" % t_list,
             "note slm.tls.native-mapping @ %.2f   # 3210" % t_list,
             "note slm.tls.native-mapping @ %.2f   # 3211" % t_list,
             "# No slm.urc.missing: ERROR promises no CONNACK. The three 16842753 entries (types 0,1,2) are nRF Cloud's, not mapped."])


def c06_xcmng_mqtt_connect_succeeds():
    s = S(F212, "c06-xcmng-mqtt-connect-succeeds",
          "#XCMNG writes under sec_tag 321, then #XMQTTCON over TLS with 321 succeeds (CONNACK 0,0)", profile="native-tls")
    t = s.boot() + 0.3
    t = s.cmd(t, "AT+CFUN=4", "OK", lat=0.12) + 0.4
    for typ in (0, 1, 2):
        t = xcmng_write(s, t, 321, typ, "c06c %d" % typ) + 0.4
    t = s.attach(t) + 0.5
    e = s.cmd(t, 'AT#XMQTTCON=1,"dk-c06c","","","mqtts.example.com",8883,321', "OK", lat=3.1)
    t = s.urc(e + 0.52, "#XMQTTEVT: 0,0") + 1.0
    e = s.cmd(t, 'AT#XMQTTPUB="dk-c06c/up","ok",1,0', "OK", lat=0.03)
    s.urc(e + 0.45, "#XMQTTEVT: 3,0")
    s.write("""Credentials for SLM tag 321 are written through #XCMNG (modem tags 3210-3212), then #XMQTTCON
               with sec_tag 321 connects and gets CONNACK 0,0: the modem tag 321 evidently held working
               credentials provisioned before the capture (e.g. with AT%CMNG), so nothing failed.""",
            V212 + "slm_at_cmng.c handle_at_xcmng(); mqtt_c/slm_at_mqtt.c client_init()/do_mqtt_connect()",
            "6 near-miss (connect succeeds)",
            ["# Per the catalogue: the capture proves the credentials were there, so no error/warning. (Notes tolerated.)"])


def c06_xcmng_nrfcloud_ready():
    s = S(F220, "c06-xcmng-nrfcloud-ready",
          "#XCMNG writes under 16842753 (mapped to 168427530/1), then #XNRFCLOUD=1 reaches READY anyway",
          slm="2.2.0", profile="native-tls")
    t = s.boot() + 0.3
    t = s.cmd(t, "AT+CFUN=4", "OK", lat=0.12) + 0.4
    t = xcmng_write(s, t, 16842753, 0, "c06d ca") + 0.4
    t = xcmng_write(s, t, 16842753, 1, "c06d cert") + 0.4
    t = s.attach(t) + 0.5
    e = s.cmd(t, "AT#XNRFCLOUD=1", "OK", lat=1.2)
    t = s.urc(e + 5.8, "#XNRFCLOUD: 1,0") + 1.0
    s.cmd(t, "AT#XNRFCLOUD?", '#XNRFCLOUD: 1,0,16842753,"50503041-3633-4261-8000-c06dc06dc06d"', "OK", lat=0.004)
    s.write("""Same mistaken provisioning as the user report (CA and cert through #XCMNG under 16842753), but
               the modem still holds factory credentials at 16842753 itself: READY 5.8 s after the OK.""",
            V220 + "slm_at_cmng.c handle_at_xcmng() (unchanged from v2.1.2); gnss/slm_at_gnss.c on_cloud_evt_ready()",
            "6 near-miss (connect succeeds)",
            ["# No error/warning: READY proves modem tag 16842753 had its credentials."])


def c06_listing_proper_nrfcloud_ready():
    s = S(F212, "c06-listing-proper-nrfcloud-ready",
          "%CMNG=1 shows 16842753 types 2, 0, 1 (key first); #XNRFCLOUD=1 then READY")
    t = s.boot() + 0.3
    t = cmng_list(s, t, [(16842753, 2), (16842753, 0), (16842753, 1)]) + 0.6
    t = s.attach(t) + 0.5
    e = s.cmd(t, "AT#XNRFCLOUD=1", "OK", lat=1.1)
    t = s.urc(e + 4.9, "#XNRFCLOUD: 1,0") + 2.0
    s.cmd(t, "AT#XNRFCLOUD=0", "#XNRFCLOUD: 0,0", "OK", lat=0.2)
    s.write("""Near miss of c06-listing-alone-nrfcloud-no-ready: a listing with CA, client certificate and
               key all at 16842753 (listed key first), default (non-native-TLS) build; READY 4.9 s after OK;
               '#XNRFCLOUD=0' prints '#XNRFCLOUD: 0,0' (TRANSPORT_DISCONNECTED) before its OK.""",
            V212 + "gnss/slm_at_gnss.c handle_at_nrf_cloud(), on_cloud_evt_disconnected()",
            "6 near-miss",
            ["# Healthy: nothing mapped, nothing missing."])


def c06_tcpcli_tls_mapped_fails():
    s = S(F220, "c06-tcpcli-tls-mapped-fails",
          "#XCMNG CA under sec_tag 42 (-> modem 420), then #XTCPCLI TLS with sec_tag 42: 'not connected', ERROR",
          slm="2.2.0", profile="native-tls")
    t = s.boot() + 0.3
    t = s.cmd(t, "AT+CFUN=4", "OK", lat=0.12) + 0.4
    t = xcmng_write(s, t, 42, 0, "c06f ca") + 0.5
    t = s.attach(t) + 0.5
    t_cmd = t
    # slm_at_tcp_proxy.c do_tcp_client_connect(): socket(IPPROTO_TLS_1_2) = modem TLS, TLS_SEC_TAG_LIST
    # {42}, peer verify required; connect() fails -> '#XTCPCLI: <-errno>,"not connected"', ERROR.
    e = s.cmd(t, 'AT#XTCPCLI=1,"tls.example.com",443,42', '#XTCPCLI: -111,"not connected"', "ERROR", lat=2.6)
    s.write("""The host provisions its CA through #XCMNG (native TLS: modem tag 420, type 0) and opens a TLS
               TCP client with sec_tag 42; the TCP proxy client uses modem TLS with the raw tag 42, which
               has no CA: the handshake fails ('#XTCPCLI: -111,"not connected"', ERROR).""",
            V220 + "slm_at_tcp_proxy.c do_tcp_client_connect() (no slm_tls_loadcrdl() on the client path, IPPROTO_TLS_1_2 "
            "without SOCK_NATIVE_TLS), handle_at_tcp_client()",
            "6 problem",
            ["error slm.tls.modem-tag-unprovisioned @ %.2f   # #XTCPCLI TLS on modem tag 42; 42 was provisioned only via #XCMNG (-> 420)" % t_cmd,
             "warning at.error @ %.2f   # #XTCPCLI=1 answered ERROR" % (t_cmd + 2.6),
             "# -111 (ECONNREFUSED) is my guess at the errno of a failed modem TLS handshake; the value is not the point."])


def c06_cmng_query_mapped_tag():
    s = S(F220, "c06-cmng-query-mapped-tag",
          "#XCMNG=0,77,0 then AT%CMNG=1,77 (empty) and AT%CMNG=1,770 (the mapped CA)", slm="2.2.0", profile="native-tls")
    t = s.boot() + 0.3
    t = s.cmd(t, "AT+CFUN=4", "OK", lat=0.12) + 0.4
    t = xcmng_write(s, t, 77, 0, "c06g ca") + 0.5
    t = s.cmd(t, "AT%CMNG=1,77", "OK", lat=0.03) + 0.8
    t_q = t
    t = s.cmd(t, "AT%CMNG=1,770", '%%CMNG: 770,0,"%s"' % sha("c06g 770"), "OK", lat=0.03) + 0.5
    s.cmd(t, "AT+CFUN=1", "OK", lat=0.08)
    s.write("""After one #XCMNG write under SLM tag 77, the host checks the modem store: '%CMNG=1,77' lists
               nothing (just OK), '%CMNG=1,770' shows the mapped entry (type 0).""",
            V220 + "slm_native_tls.c slm_tls_map_sectag(); slm_at_cmng.c handle_at_xcmng()",
            "6 near-miss (no connection attempted)",
            ["note slm.tls.native-mapping @ %.2f   # 770 = 77*10+0, shown by a %%CMNG query" % t_q,
             "# No error/warning: no modem-TLS service uses tag 77 here."])


def c06_xssocket_mapped_connect_fails():
    s = S(F212, "c06-xssocket-mapped-connect-fails",
          "v2.1 #XSSOCKET with sec_tag 321: the mapped credentials load, the socket opens, #XCONNECT fails (modem TLS on 321)",
          profile="native-tls")
    t = s.boot() + 0.3
    t = s.cmd(t, "AT+CFUN=4", "OK", lat=0.12) + 0.4
    for typ in (0, 1, 2):
        t = xcmng_write(s, t, 321, typ, "c06h %d" % typ) + 0.4
    t = s.attach(t) + 0.5
    t_open = t
    # slm_at_socket.c do_secure_socket_open(): slm_tls_loadcrdl(321) reads 3210-3212 (succeeds), then
    # setsockopt(TLS_SEC_TAG_LIST, {321}) on the modem-offloaded TLS socket.
    t = s.cmd(t, "AT#XSSOCKET=1,1,0,321", "#XSSOCKET: 0,1,258", "OK", lat=0.35) + 0.3
    t_con = t
    t = s.cmd(t, 'AT#XCONNECT="tls.example.com",443', "ERROR", lat=2.4) + 0.5
    s.cmd(t, "AT#XSOCKET=0", '#XSOCKET: 0,"closed"', "OK", lat=0.05)
    s.write("""Native-TLS build, credentials for tag 321 written with #XCMNG; #XSSOCKET=1,1,0,321 opens
               (#XSSOCKET: 0,1,258: slm_tls_loadcrdl() found 3210-3212) but the socket is modem-offloaded
               with the raw tag 321, so the TLS handshake in #XCONNECT fails: ERROR.""",
            V212 + "slm_at_socket.c do_secure_socket_open() (slm_tls_loadcrdl() then TLS_SEC_TAG_LIST {sec_tag} on a "
            "socket(…, IPPROTO_TLS_1_2) without SOCK_NATIVE_TLS), do_connect()",
            "6 problem",
            ["error slm.tls.modem-tag-unprovisioned @ %.2f   # #XSSOCKET (v2.1) TLS on modem tag 321, provisioned only via #XCMNG; the connect failed" % t_con,
             "warning at.error @ %.2f   # #XCONNECT answered ERROR" % (t_con + 2.4)])


# ================================================================================================
# Class 7: idle (#XSLEEP=2) is not a reset
# ================================================================================================

def c07_idle_wake_buffered():
    s = S(F220, "c07-idle-wake-buffered",
          "#XSLEEP=2 idle for 40 s; wake: Ready, then the buffered '+CSCON: 0' URC", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 1.0
    e = s.cmd(t, "AT#XSLEEP=2", "OK", lat=0.004)
    # go_sleep_wk() after 100 ms: poweroff_uart() (uart_rx_disable, 100 ms, PM suspend), enter_idle().
    # The +CSCON: 0 notification 9 s later goes to delayed_rb (uart_send() -> -EAGAIN, indicate pin).
    t_wake = e + 40.0 + 0.1      # wake pin low at e+40 s; poweron_uart(): resume, 100 ms, Ready
    r = s.modem(t_wake, "Ready\r\n")
    t = s.modem(r + 0.0005, "\r\n+CSCON: 0\r\n") + 0.3
    t = s.cmd(t, "AT+CEREG?", '+CEREG: 5,1,"0B1C","02A6F301",7,,,"11100000","11100000"', "OK", lat=0.006) + 0.2
    s.cmd(t, "AT+CSCON?", "+CSCON: 1,0", "OK", lat=0.005)
    s.write("""AT#XSLEEP=2 (UART suspended, modem stays registered), 40 s of silence, the host pulls the wake
               pin: 'Ready' then the '+CSCON: 0' that was buffered during idle; the registration is intact.""",
            V220 + "slm_at_commands.c handle_at_sleep()/go_sleep_wk(); slm_at_host.c poweroff_uart(), poweron_uart() "
            "(uart_send(SLM_SYNC_STR) then delayed_send_work), rsp_send() -> delayed_rb while suspended; main.c enter_idle()",
            "7 problem (idle resume, not a reset)",
            ["note slm.reset.expected @ %.2f   # Ready is the resume marker after #XSLEEP=2" % t_wake,
             "# No reset error: the SLM did not reboot (the buffered URC and the unchanged registration show it)."])


def c07_idle_command_lost():
    s = S(F212, "c07-idle-command-lost",
          "#XSLEEP=2, then the host sends AT+CESQ while idle (lost); after the wake it resends and is answered")
    t = s.boot() + 0.2
    t = s.attach(t) + 1.0
    e = s.cmd(t, "AT#XSLEEP=2", "OK", lat=0.004)
    t_lost = e + 5.0
    s.host(t_lost, "AT+CESQ\r\n")            # UART suspended: these bytes are never received
    t_wake = t_lost + 3.0 + 0.1
    s.modem(t_wake, "Ready\r\n")
    t = t_wake + 0.3
    s.cmd(t, "AT+CESQ", "+CESQ: 99,99,255,255,31,62", "OK", lat=0.006)
    s.write("""After AT#XSLEEP=2 the host sends 'AT+CESQ' (no answer: the UART is suspended), waits 3 s,
               pulls the wake pin: 'Ready', resends 'AT+CESQ' and gets its answer.""",
            V212 + "slm_at_host.c poweroff_uart() (uart_rx_disable + PM suspend), poweron_uart(); main.c enter_idle()",
            "7 problem (input lost while idle)",
            ["warning slm.sleep.input-lost @ %.2f   # host bytes while the SLM's UART is suspended after #XSLEEP=2" % t_lost,
             "note slm.reset.expected @ %.2f   # resume after #XSLEEP=2" % t_wake,
             "# No at.final.missing / 'aborted by reset' for the lost AT+CESQ: it never reached the SLM."])


def c07_sleep0_not_idle_then_reboot():
    s = S(F212, "c07-sleep0-not-idle-then-reboot",
          "AT#XSLEEP=0 is rejected (ERROR), the SLM stays awake; 60 s later an unexplained FF Ready")
    t = s.boot() + 0.2
    t = s.attach(t) + 1.0
    t_sl = t
    e = s.cmd(t, "AT#XSLEEP=0", "ERROR", lat=0.004)
    t = e + 20.0
    t = s.cmd(t, "AT+CESQ", "+CESQ: 99,99,255,255,33,64", "OK", lat=0.006)
    t_reset = t + 40.0
    s.modem(t_reset, b"\xffReady\r\n")
    t = t_reset + 1.0
    s.cmd(t, "AT+CFUN?", "+CFUN: 0", "OK", lat=0.006)
    s.write("""Near miss of the idle sessions: '#XSLEEP=0' answers ERROR (mode 0 is SHUTDOWN_MODE_INVALID), so
               the SLM never went idle (the host's AT+CESQ 20 s later is answered); 40 s after that an FF
               'Ready' comes with no wake, no #XRESET: a reboot (+CFUN: 0 after it).""",
            V212 + "slm_at_commands.c handle_at_sleep() (only SHUTDOWN_MODE_SLEEP=1 / SHUTDOWN_MODE_IDLE=2 accepted)",
            "7 near-miss",
            ["warning at.error @ %.2f   # #XSLEEP=0 answered ERROR" % t_sl,
             "error slm.reset.unexpected @ %.2f   # not a resume: no #XSLEEP=2/1 was in force" % t_reset])


# ================================================================================================
# Class 8: a command that timed out, then a retry
# ================================================================================================

def c08_timeout_then_retry():
    s = S(F212, "c08-timeout-then-retry",
          "AT+CGSN=1 gets no answer for 30 s; the host sends AT and gets OK 10 ms later, then retries")
    t = s.boot() + 0.2
    t = s.attach(t) + 1.0
    t_cmd = t
    e = s.host(t, "AT+CGSN=1\r\n")          # never answered (lost on the line)
    t = e + 30.0
    t = s.cmd(t, "AT", "OK", lat=0.0095) + 0.1
    s.cmd(t, "AT+CGSN=1", '+CGSN: "352656100367872"', "OK", lat=0.006)
    s.write("""'AT+CGSN=1' (a modem command answered in ms) gets nothing for 30 s; the host then sends 'AT'
               and gets OK 10 ms later, and resends 'AT+CGSN=1', which is answered.""",
            V212 + "slm_at_host.c cmd_send() (every received line gets a final result; none came, so the SLM never got it)",
            "8 problem",
            ["error at.final.missing @ %.2f   # the first AT+CGSN=1 never got a final result" % t_cmd,
             "# The OK 10 ms after 'AT' answers the 'AT' (not a late answer to AT+CGSN=1); the host's 'AT' 30 s later",
             "# is a retry after a timeout, not pipelining."])


def c08_recv_long_answered():
    s = S(F220, "c08-recv-long-answered",
          "AT#XRECV=30 answered after 24 s (#XRECV: 5, payload, OK): within its own timeout", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.5
    t = s.cmd(t, "AT#XSOCKET=1,1,0", "#XSOCKET: 0,1,6", "OK", lat=0.02) + 0.1
    t = s.cmd(t, 'AT#XCONNECT="events.example.org",7000', "#XCONNECT: 1", "OK", lat=0.8) + 0.2
    e = s.host(t, "AT#XRECV=30\r\n")
    e = s.modem(e + 24.0, "\r\n#XRECV: 5\r\n")
    e = s.modem(e + 0.0002, "event")
    t = s.modem(e + 0.0003, "\r\nOK\r\n") + 0.5
    s.cmd(t, "AT#XSOCKET=0", '#XSOCKET: 0,"closed"', "OK", lat=0.05)
    s.write("""Near miss of c08-timeout-then-retry: a blocking receive with a 30 s timeout is answered after
               24 s; a slow answer inside the command's own timeout.""",
            V220 + "slm_at_socket.c handle_at_recv()/do_recv() (socket_poll(fd, POLLIN, timeout s))",
            "8 near-miss",
            ["# Healthy: the timeout is the user's 30 s."])


def c08_recv_timeout_error():
    s = S(F212, "c08-recv-timeout-error",
          "AT#XRECV=5 with no data: ERROR after 5 s (routine), then AT / OK")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.5
    t = s.cmd(t, "AT#XSOCKET=1,2,0", "#XSOCKET: 0,2,17", "OK", lat=0.02) + 0.1
    t = s.cmd(t, 'AT#XSENDTO="ntp.example.org",123,"probe"', "#XSENDTO: 5", "OK", lat=0.3) + 0.1
    e = s.host(t, "AT#XRECVFROM=5\r\n")
    t = s.modem(e + 5.0, "\r\nERROR\r\n") + 0.2
    t = s.cmd(t, "AT", "OK", lat=0.004) + 0.2
    s.cmd(t, "AT#XSOCKET=0", '#XSOCKET: 0,"closed"', "OK", lat=0.05)
    s.write("""Near miss: a UDP probe gets no reply; 'AT#XRECVFROM=5' ends with ERROR after exactly its 5 s
               timeout (socket_poll() -> -EAGAIN), the host's 'AT' is then answered at once.""",
            V212 + "slm_at_socket.c do_recvfrom() / socket_poll() (-EAGAIN on timeout -> ERROR)",
            "8 near-miss",
            ["# A routine, expected ERROR (receive timeout): at most a note at.error, no warning; no at.final.missing."])


# ================================================================================================
# Class 9: read answers vs URCs with the same prefix
# ================================================================================================

def c09_cscon_read_vs_urc():
    s = S(F212, "c09-cscon-read-vs-urc",
          "+CSCON URCs (+CSCON: <mode>) and AT+CSCON? read answers (+CSCON: <n>,<mode>) interleaved")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.5
    t = s.cmd(t, "AT+CSCON?", "+CSCON: 1,1", "OK", lat=0.005) + 9.0
    t = s.urc(t, "+CSCON: 0") + 2.0
    t = s.cmd(t, "AT+CSCON?", "+CSCON: 1,0", "OK", lat=0.005) + 0.5
    t = s.cmd(t, 'AT#XPING="example.com",32,3000', "OK", lat=0.01)
    t = s.urc(t + 0.5, "+CSCON: 1")
    t = s.modem(t + 0.35, "#XPING: 0.612 seconds\r\n") + 0.3
    s.cmd(t, "AT+CSCON?", "+CSCON: 1,1", "OK", lat=0.005)
    s.write("""Signalling-connection status read three times ('+CSCON: 1,1', '+CSCON: 1,0', '+CSCON: 1,1')
               between the URCs '+CSCON: 0' and '+CSCON: 1'; a ping ('#XPING:' line without a leading CRLF).""",
            V212 + "slm_at_host.c cmd_send() (read answers), notification_handler() (URCs); slm_at_icmp.c ping_task()",
            "9 near-miss (read answers and URCs well apart)",
            ["# Healthy: each '+CSCON: 1,x' is the read answer of the pending AT+CSCON?; '+CSCON: 0/1' alone are URCs."])


def c09_cereg_urc_inside_read():
    s = S(F220, "c09-cereg-urc-inside-read",
          "An unsolicited +CEREG: 1,… arrives between AT+CEREG? and its read answer +CEREG: 5,1,…", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.cmd(t, "AT+CEREG=5", "OK", lat=0.004) + 0.05
    t = s.cmd(t, "AT+CFUN=1", "OK", lat=0.08)
    s.urc(t + 1.3, CEREG_SEARCH)
    t = t + 3.4
    e = s.host(t, "AT+CEREG?\r\n")
    # The AT monitor (notification_handler) and the work queue (cmd_send) both write to the UART:
    # the registration URC lands while AT+CEREG? is being executed.
    e = s.urc(e + 0.002, CEREG_HOME)
    t = s.modem(e + 0.004, modem_frame('+CEREG: 5,1,"0B1C","02A6F301",7,,,"11100000","11100000"', "OK")) + 0.4
    t = s.cmd(t, "AT+CGEREP=1", "OK", lat=0.004) + 0.2
    t = s.cmd(t, "AT+CGEREP?", "+CGEREP: 1,0", "OK", lat=0.004) + 0.3
    s.cmd(t, "AT+CGDCONT?", '+CGDCONT: 0,"IP","iot.example","10.81.2.77",0,0', "OK", lat=0.006)
    s.write("""While 'AT+CEREG?' is pending, the registration URC '+CEREG: 1,"0B1C",…' (stat first) arrives,
               then the read answer '+CEREG: 5,1,…' (n first) and OK; then CGEREP set/read and CGDCONT read.""",
            V220 + "slm_at_host.c notification_handler() (AT_MONITOR, any time in command mode) and cmd_send()",
            "9 problem (URC during a read of the same prefix)",
            ["# Healthy: the first +CEREG is a URC (stat 1, no <n>), the second the read answer; nothing is missing or extra."])


# ================================================================================================
# Class 10: CME codes and versions
# ================================================================================================

def c10_cme_from_x_command():
    s = S(F212, "c10-cme-from-x-command",
          "A '+CME ERROR: 30' answering AT#XSMS=2 in a trace that declares SLM 2.1.2 (impossible there)")
    t = s.boot() + 0.2
    t = s.cmd(t, "AT+CMEE=1", "OK", lat=0.004) + 0.1
    t = s.attach(t) + 0.5
    t = s.cmd(t, "AT#XSMS=1", "OK", lat=0.05) + 0.5
    t_e = t
    e = s.cmd(t, 'AT#XSMS=2,"+4799887766","test 1"', "+CME ERROR: 30", lat=0.9) + 2.0
    s.cmd(e, 'AT#XSMS=2,"+4799887766","test 2"', "OK", lat=1.1)
    s.write("""Declared v2.1.2 (meta and '#XSLMVER: "2.1.2"'), but an '#XSMS=2' send is answered '+CME ERROR: 30'.
               In v2.1.2 cmd_send() answers every failing #X handler with plain ERROR; only v2.7+ (#X commands
               as libmodem custom commands) can pass a CME code through.""",
            V212 + "slm_at_host.c cmd_send() (slm_at_parse() != 0 and != -ENOENT -> ERROR_STR)",
            "10 problem",
            ["warning slm.version.contradicted @ %.2f   # +CME ERROR from an #X command cannot come from v2.1.2" % t_e,
             "warning at.error @ %.2f   # the send failed" % t_e])


def c10_xmqttcfg_on_v212():
    s = S(F212, "c10-xmqttcfg-on-v212",
          "AT#XMQTTCFG (a v2.6+ command) on SLM 2.1.2: passed to the modem, ERROR; then the v2.1 #XMQTTCON form works")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.5
    t_c = t
    # slm_at_parse() finds no handler -> -ENOENT -> nrf_modem_at_cmd("AT#XMQTTCFG=…") -> modem: ERROR
    t = s.cmd(t, 'AT#XMQTTCFG="dk-c10b",60,1', "ERROR", lat=0.006) + 0.4
    e = mqttcon(s, t, "dk-c10b", "mqtt.example.com", 1883)
    s.urc(e + 0.4, "#XMQTTEVT: 0,0")
    s.write("""The host (written for SLM 2.6+) configures the client with AT#XMQTTCFG: v2.1.2 has no such
               command, the line goes to the modem, which answers ERROR; the v2.1 form
               '#XMQTTCON=1,"<cid>",…' then connects.""",
            V212 + "slm_at_commands.c slm_at_cmd_list[] (no AT#XMQTTCFG), slm_at_parse() -ENOENT; slm_at_host.c cmd_send()",
            "10 problem",
            ["warning slm.command.unsupported @ %.2f   # #XMQTTCFG does not exist before v2.6" % t_c,
             "warning at.error @ %.2f   # it was answered ERROR" % t_c])


def c10_modem_cme_518():
    s = S(F212, "c10-modem-cme-518",
          "+CMEE=1, then AT%CMNG write while online: '+CME ERROR: 518' from the modem (a CME on 2.1.2 is fine for a modem command)")
    t = s.boot() + 0.2
    t = s.cmd(t, "AT+CMEE=1", "OK", lat=0.004) + 0.1
    t = s.attach(t) + 0.5
    t_e = t
    ca = pem("CERTIFICATE", "c10c ca")
    t = s.cmd(t, 'AT%%CMNG=0,16842753,0,"%s"' % ca, "+CME ERROR: 518", lat=0.03) + 0.4
    t = s.cmd(t, "AT+CFUN=4", "OK", lat=0.35)
    s.urc(t + 0.05, "+CEREG: 0")
    t = t + 0.5
    t = s.cmd(t, 'AT%%CMNG=0,16842753,0,"%s"' % ca, "OK", lat=0.30) + 0.4
    t = s.cmd(t, "AT+CFUN=1", "OK", lat=0.08)
    s.urc(t + 1.2, CEREG_SEARCH)
    s.urc(t + 3.1, CEREG_HOME)
    s.write("""Near miss of c10-cme-from-x-command: a modem command (%CMNG write) answered '+CME ERROR: 518'
               (not allowed while CFUN=1) with +CMEE=1; the host goes to CFUN=4, writes again (OK), re-attaches.""",
            V212 + "slm_at_host.c cmd_send() (modem answers passed through; nrf_modem_at_cmd() > 0 keeps the text); "
            "nRF91 AT reference %CMNG (518: not allowed in active state)",
            "10 near-miss",
            ["warning at.error @ %.2f   # the write failed with CME 518 (a real error, the host recovered)" % t_e,
             "# No slm.version.contradicted: CME from a modem command is normal on v2.1.2."])


def c10_slmuart_exists_v220():
    s = S(F220, "c10-slmuart-exists-v220",
          "AT#XSLMUART?, AT#XCLAC and AT#XDATACTRL? on SLM 2.2.0 (#XSLMUART exists until v2.5)", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.cmd(t, "AT#XSLMUART?", "#XSLMUART: 115200,0", "OK", lat=0.004) + 0.2
    t = s.cmd(t, "AT#XCLAC", lat=0.0)
    # slm_at_cmd_list[] of v2.2.0 for the DK's default build: no #XCMNG (native TLS off), no A-GPS/P-GPS/
    # CELLPOS (prj.conf), no TWI (i2c2 disabled in boards/nrf9160dk_nrf9160_ns.overlay), no nRF52 DFU.
    cmds = ["AT#XSLMVER", "AT#XSLEEP", "AT#XRESET", "AT#XUUID", "AT#XCLAC", "AT#XSLMUART", "AT#XDATACTRL",
            "AT#XTCPSVR", "AT#XTCPCLI", "AT#XTCPSEND", "AT#XTCPHANGUP", "AT#XUDPSVR", "AT#XUDPCLI",
            "AT#XUDPSEND", "AT#XSOCKET", "AT#XSSOCKET", "AT#XSOCKETSELECT", "AT#XSOCKETOPT",
            "AT#XSSOCKETOPT", "AT#XBIND", "AT#XCONNECT", "AT#XLISTEN", "AT#XACCEPT", "AT#XSEND", "AT#XRECV",
            "AT#XSENDTO", "AT#XRECVFROM", "AT#XPOLL", "AT#XGETADDRINFO", "AT#XPING", "AT#XSMS", "AT#XFOTA",
            "AT#XGPS", "AT#XNRFCLOUD", "AT#XGPSDEL", "AT#XFTP", "AT#XMQTTCON", "AT#XMQTTPUB", "AT#XMQTTSUB",
            "AT#XMQTTUNSUB", "AT#XHTTPCCON", "AT#XHTTPCREQ", "AT#XGPIOCFG", "AT#XGPIO"]
    # handle_at_clac(): one "%s\r\n" per command, no leading CRLF, then cmd_send()'s OK
    e = s.modem(t + 0.004, "".join(c + "\r\n" for c in cmds))
    t = s.modem(e + 0.0003, "\r\nOK\r\n") + 0.2
    s.cmd(t, "AT#XDATACTRL?", "#XDATACTRL: 32,32", "OK", lat=0.004)
    s.write("""A v2.2.0 host reads the UART settings with #XSLMUART? (115200, no HWFC), lists commands with
               #XCLAC (44 plain 'AT#X…' lines, no leading CRLF, then OK) and reads #XDATACTRL.""",
            V220 + "slm_at_commands.c handle_at_slmuart() ('#XSLMUART: %d,%d'), handle_at_clac() ('%s\\r\\n'), "
            "handle_at_datactrl() ('#XDATACTRL: %d,%d'; 256*10*1000/115200 + 10 = 32 ms)",
            "10 near-miss",
            ["# Healthy: #XSLMUART exists in v2.2.0 (removed only in v2.5)."])


# ================================================================================================
# Class 11: modem health
# ================================================================================================

def c11_modem_fault():
    s = S(F212, "c11-modem-fault",
          "#XMODEM: FAULT, SHUTDOWN, INIT (modem core crash, application alive), then the host re-attaches")
    t = s.boot() + 0.2
    t = s.attach(t) + 20.0
    t_f = t
    # main.c nrf_modem_fault_handler(): FAULT; 10 ms later shutdown; 10 ms later nrf_modem_lib_init()
    e = s.urc(t, "#XMODEM: FAULT,0x2,0x3a1c4")
    e = s.urc(e + 0.012 + 0.18, "#XMODEM: SHUTDOWN,0")
    t = s.urc(e + 0.010 + 0.42, "#XMODEM: INIT,0") + 1.0
    t = s.cmd(t, "AT+CFUN?", "+CFUN: 0", "OK", lat=0.006) + 0.2
    s.attach(t)
    s.write("""Registered DK; the modem core faults: '#XMODEM: FAULT,0x2,0x3a1c4', '#XMODEM: SHUTDOWN,0',
               '#XMODEM: INIT,0'; no Ready (the application did not reboot); the modem is back in CFUN=0 and the
               host re-attaches.""",
            V212 + "main.c nrf_modem_fault_handler(), on_modem_failure_shutdown(), on_modem_failure_reinit() "
            "(CONFIG_NRF_MODEM_LIB_ON_FAULT_APPLICATION_SPECIFIC=y in prj.conf)",
            "11 problem",
            ["error modem.fault @ %.2f   # the modem core crashed" % t_f,
             "# Not a reset: no Ready; SHUTDOWN/INIT are part of the same fault."])


def c11_cereg_denied():
    s = S(F220, "c11-cereg-denied",
          "Registration denied: +CEREG: 3 with reject cause 15 after searching", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.cmd(t, "AT+CEREG=5", "OK", lat=0.004) + 0.05
    t = s.cmd(t, "AT+CFUN=1", "OK", lat=0.08)
    s.urc(t + 1.4, CEREG_SEARCH)
    t_d = t + 9.8
    t = s.urc(t_d, '+CEREG: 3,"0B1C","02A6F301",7,0,15') + 5.0
    s.cmd(t, "AT+CEREG?", '+CEREG: 5,3,"0B1C","02A6F301",7,0,15', "OK", lat=0.006)
    s.write("""The network rejects the attach: '+CEREG: 3,…,0,15' (EMM cause 15, no suitable cells in tracking
               area); the host's read shows the same state.""",
            V220 + "slm_at_host.c notification_handler(); nRF91 AT reference +CEREG (stat 3 denied, cause_type 0 = EMM)",
            "11 problem",
            ["warning modem.registration.denied @ %.2f   # +CEREG: 3 with reject cause 15" % t_d,
             "# One warning for the URC; the read answer repeats the same state (an expert would not count it twice)."])


def c11_nw_detach():
    s = S(F212, "c11-nw-detach",
          "+CGEV: NW DETACH from the network, then search and re-registration")
    t = s.boot() + 0.2
    t = s.cmd(t, "AT+CGEREP=1", "OK", lat=0.004) + 0.05
    t = s.attach(t)
    t = s.urc(t + 0.2, "+CGEV: ME PDN ACT 0") + 30.0
    t_d = t
    e = s.urc(t, "+CGEV: NW DETACH")
    e = s.urc(e + 0.08, CEREG_SEARCH)
    e = s.urc(e + 0.5, "+CSCON: 0")
    e = s.urc(e + 6.0, "+CSCON: 1")
    e = s.urc(e + 1.1, CEREG_HOME)
    s.urc(e + 0.2, "+CGEV: ME PDN ACT 0")
    s.write("""Attached with PDN events on (+CGEREP=1); 30 s later the network detaches the device
               ('+CGEV: NW DETACH'), the modem searches and registers again 7.7 s later.""",
            V212 + "slm_at_host.c notification_handler(); nRF91 AT reference +CGEREP/+CGEV",
            "11 problem",
            ["warning modem.detached @ %.2f   # the network detached the device unasked" % t_d])


def c11_me_detach_cfun4():
    s = S(F212, "c11-me-detach-cfun4",
          "AT+CFUN=4 by the host: +CGEV: ME DETACH, +CEREG: 0 (asked for, not a network detach)")
    t = s.boot() + 0.2
    t = s.cmd(t, "AT+CGEREP=1", "OK", lat=0.004) + 0.05
    t = s.attach(t)
    t = s.urc(t + 0.2, "+CGEV: ME PDN ACT 0") + 15.0
    e = s.cmd(t, "AT+CFUN=4", "OK", lat=0.45)
    e = s.urc(e + 0.01, "+CGEV: ME PDN DEACT 0")
    e = s.urc(e + 0.01, "+CGEV: ME DETACH")
    e = s.urc(e + 0.01, "+CEREG: 0")
    s.urc(e + 0.01, "+CSCON: 0")
    s.write("""Near miss of c11-nw-detach: the host itself switches to flight mode; the modem reports
               'ME PDN DEACT 0', 'ME DETACH', '+CEREG: 0', '+CSCON: 0'.""",
            V212 + "slm_at_host.c notification_handler(); nRF91 AT reference +CGEV (ME = device-initiated)",
            "11 near-miss",
            ["# Healthy: ME DETACH after the host's own CFUN=4."])


def c11_sim_failure():
    s = S(F220, "c11-sim-failure",
          "CFUN=1 with a failing SIM: +CEREG: 90", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.cmd(t, "AT+CEREG=5", "OK", lat=0.004) + 0.05
    t = s.cmd(t, "AT+CFUN=1", "OK", lat=0.08)
    t_s = t + 0.9
    t = s.urc(t_s, "+CEREG: 90") + 20.0
    s.cmd(t, "AT+CEREG?", "+CEREG: 5,90", "OK", lat=0.006)
    s.write("""After AT+CFUN=1 the modem reports '+CEREG: 90' (UICC failure): no SIM or a broken one; the
               host's read 20 s later shows the same.""",
            V220 + "slm_at_host.c notification_handler(); nRF91 AT reference +CEREG stat 90",
            "11 problem",
            ["error modem.sim.failure @ %.2f   # +CEREG: 90 (the read answer repeats the same state)" % t_s])


def c11_reset_loop():
    s = S(F212, "c11-reset-loop", "%MDMEV: RESET LOOP: the modem blocks attach for 30 minutes")
    t = s.boot() + 0.2
    t = s.cmd(t, "AT%MDMEV=1", "OK", lat=0.004) + 0.05
    t = s.cmd(t, "AT+CEREG=5", "OK", lat=0.004) + 0.05
    t = s.cmd(t, "AT+CFUN=1", "OK", lat=0.08)
    t_l = t + 0.6
    t = s.urc(t_l, "%MDMEV: RESET LOOP") + 1.0
    s.urc(t, "+CEREG: 0")
    s.cmd(t + 30.0, "AT+CEREG?", "+CEREG: 5,0", "OK", lat=0.006)
    s.write("""The application has been restarting the modem too often: right after CFUN=1 the modem reports
               '%MDMEV: RESET LOOP' and does not search.""",
            V212 + "slm_at_host.c notification_handler(); nRF91 AT reference %MDMEV",
            "11 problem",
            ["error modem.reset-loop @ %.2f" % t_l])


# ================================================================================================
# Healthy everyday sessions
# ================================================================================================

def h_mqtt_pubsub_v220():
    s = S(F220, "h-mqtt-pubsub", "MQTT subscribe, QoS 1 publish, an incoming message whose payload holds 'Ready' and 'OK'",
          slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    e = mqttcon(s, t, "dk-h01", "mqtt.example.com", 1883, lat=1.5)
    t = s.urc(e + 0.37, "#XMQTTEVT: 0,0") + 0.5
    e = s.cmd(t, 'AT#XMQTTSUB="dk-h01/in",0', "OK", lat=0.03)
    t = s.urc(e + 0.33, "#XMQTTEVT: 7,0") + 4.0
    topic, payload = "dk-h01/in", "Ready\r\nOK\r\n#XMQTTEVT: 9,0"
    # handle_mqtt_publish_evt(): header, then data_send(topic), "\r\n", payload, "\r\n"; then the
    # event handler's '#XMQTTEVT: 2,0'
    e = s.urc(t, "#XMQTTMSG: %d,%d" % (len(topic), len(payload)))
    e = s.modem(e + 0.0003, topic)
    e = s.modem(e + 0.0002, "\r\n")
    e = s.modem(e + 0.0003, payload)
    e = s.modem(e + 0.0002, "\r\n")
    t = s.urc(e + 0.0004, "#XMQTTEVT: 2,0") + 1.0
    e = s.cmd(t, 'AT#XMQTTPUB="dk-h01/out","ack",1,0', "OK", lat=0.03)
    t = s.urc(e + 0.39, "#XMQTTEVT: 3,0") + 1.0
    e = s.host(t, "AT#XMQTTCON=0\r\n")
    e = s.urc(e + 0.05, "#XMQTTEVT: 1,0")
    s.modem(e + 0.7, "\r\nOK\r\n")
    s.write("""Connect, subscribe (QoS 0), an incoming PUBLISH whose %d-byte payload is 'Ready\\r\\nOK\\r\\n#XMQTTEVT: 9,0'
               (framed by '#XMQTTMSG: %d,%d'), a QoS 1 publish with PUBACK, disconnect.""" % (len(payload), len(topic), len(payload)),
            V220 + "mqtt_c/slm_at_mqtt.c handle_mqtt_publish_evt(), mqtt_evt_handler()",
            "healthy",
            ["# Healthy: the payload is length-framed; its Ready/OK/#XMQTTEVT text is data."])


def h_udp_client_v212():
    s = S(F212, "h-udp-client", "UDP proxy client: connect, send, the reply before its #XUDPDATA trailer, disconnect")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t = s.cmd(t, 'AT#XUDPCLI=1,"coap.example.net",5683', '#XUDPCLI: 1,"connected"', "OK", lat=0.35) + 0.3
    t = s.cmd(t, 'AT#XUDPSEND="ping"', "#XUDPSEND: 4", "OK", lat=0.03)
    e = s.modem(t + 0.31, "pong")
    t = s.modem(e + 0.0006, "\r\n#XUDPDATA: 4\r\n") + 1.0
    s.cmd(t, "AT#XUDPCLI=0", '#XUDPCLI: 0,"disconnected"', "OK", lat=0.2)
    s.write("""UDP client proxy on v2.1.2: '#XUDPCLI: 1,"connected"', a 4-byte send, the reply 'pong' as raw bytes
               then '#XUDPDATA: 4' (v2.1/2.2 trailer form), disconnect.""",
            V212 + "slm_at_udp_proxy.c do_udp_client_connect(), udp_thread_func() (rsp_send(data) then '#XUDPDATA: %d')",
            "healthy", ["# Healthy."])


def h_ping_v212():
    s = S(F212, "h-ping", "#XPING with 3 echoes: OK first, then '#XPING:' lines without a leading CRLF, then the average")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    e = s.cmd(t, 'AT#XPING="example.com",45,5000,3,1000', "OK", lat=0.01)
    e = s.modem(e + 0.45, "#XPING: 0.412 seconds\r\n")
    e = s.modem(e + 1.0 + 0.20, "#XPING: 0.198 seconds\r\n")
    e = s.modem(e + 1.0 + 0.18, "#XPING: 0.176 seconds\r\n")
    s.modem(e + 1.0, "#XPING: average 0.262 seconds\r\n")
    s.write("""Ping 3 times at 1 s intervals: OK, three '#XPING: x.yyy seconds' lines and the average, all
               without a leading CRLF.""",
            V212 + "slm_at_icmp.c handle_at_icmp_ping() (OK, then ping_task() on slm_work_q), send_ping_wait_reply()",
            "healthy", ["# Healthy."])


def h_xreset_v220():
    s = S(F220, "h-xreset", "AT#XRESET on v2.2.0: OK, Ready 1.4 s later, the host re-reads the version", slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 2.0
    e = s.cmd(t, "AT#XRESET", "OK", lat=0.004)
    t_r = e + 1.4
    s.modem(t_r, "Ready\r\n")
    s.cmd(t_r + 0.3, "AT#XSLMVER", '#XSLMVER: "2.2.0"', "OK")
    s.write("""Registered DK, 'AT#XRESET': OK, modem powered off (CFUN=0 + 1 s), reboot, 'Ready' 1.4 s after OK.""",
            V220 + "slm_at_commands.c handle_at_reset()",
            "healthy",
            ["note slm.reset.expected @ %.2f   # Ready after AT#XRESET" % t_r])



# ================================================================================================
# Data mode specifics of v2.1.x (catalogue items outside the numbered classes)
# ================================================================================================

def dm_terminator_not_last():
    s = S(F212, "dm-terminator-not-last",
          "v2.1.2 data mode: '+++AT#XTCPCLI=0\\r\\n' in one burst is all sent as payload; a lone +++ later exits")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.4
    t = tcpcli(s, t, "collector.example.net", 5000) + 0.3
    t = s.cmd(t, "AT#XTCPSEND", "OK", lat=0.004) + 0.2
    e = s.host(t, "batch:21,22,23\r\n")
    t_bad = e + 1.5
    e = s.host(t_bad, "+++AT#XTCPCLI=0\r\n")
    t = e + 4.0
    e = s.host(t, "+++")
    t = s.modem(e + 0.034 + 0.012, "\r\n#XDATAMODE: 0\r\n") + 0.4
    s.cmd(t, "AT#XTCPCLI=0", '#XTCPCLI: 0,"disconnected"', "OK", lat=0.25)
    s.write("""In TCP-proxy data mode the host sends '+++AT#XTCPCLI=0\\r\\n' as one burst: v2.1.2 looks for the
               terminator only at the end of a chunk, so all 17 bytes go to the peer as data and nothing is
               answered; 4 s later a lone '+++' ends data mode ('#XDATAMODE: 0') and the disconnect works.""",
            V212 + "slm_at_host.c raw_send() (strncmp of the last quit_str_len bytes of the chunk only)",
            "data mode (v2.1.x) problem",
            ["warning slm.datamode.terminator-not-last @ %.2f   # '+++' followed by more bytes in the same burst: sent as data on v2.1.x" % t_bad,
             "# The 'AT#XTCPCLI=0' inside that burst is payload: no at.final.missing for it."])


def dm_nrfcloud_autoexit_then_plus():
    s = S(F212, "dm-nrfcloud-autoexit-then-plus",
          "v2.1.2 #XNRFCLOUD=2 leaves data mode by itself after the first chunk; the host's +++ then prefixes its next command (ERROR)")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.5
    e = s.cmd(t, "AT#XNRFCLOUD=1", "OK", lat=1.1)
    t = s.urc(e + 4.6, "#XNRFCLOUD: 1,0") + 1.0
    t = s.cmd(t, "AT#XNRFCLOUD=2", "OK", lat=0.004) + 0.2
    e = s.host(t, '{"appId":"TEMP","messageType":"DATA","data":"21.5"}')
    # inactivity timer (32 ms) -> raw_send() -> nrf_cloud_datamode_callback(DATAMODE_SEND) ->
    # do_cloud_send_msg() then exit_datamode(0)
    t = s.modem(e + 0.032 + 0.06, "\r\n#XDATAMODE: 0\r\n")
    t_plus = t + 1.0
    e = s.host(t_plus, "+++")
    t_cmd = e + 0.5
    e = s.cmd(t_cmd, "AT+CEREG?", "ERROR", lat=0.003)   # at_buf = "+++AT+CEREG?" fails the grammar check
    s.cmd(e + 0.5, "AT+CEREG?", '+CEREG: 5,1,"0B1C","02A6F301",7,,,"11100000","11100000"', "OK", lat=0.006)
    s.write("""After READY the host sends a JSON message in data mode (#XNRFCLOUD=2); v2.1.2 sends it and leaves
               data mode by itself ('#XDATAMODE: 0'); the host's '+++' 1 s later is taken as the start of a
               command line, so its next 'AT+CEREG?' becomes '+++AT+CEREG?' and is answered ERROR; the retry works.""",
            V212 + "gnss/slm_at_gnss.c nrf_cloud_datamode_callback() (exit_datamode(0) after do_cloud_send_msg()); "
            "slm_at_host.c cmd_rx_handler() / cmd_grammar_check()",
            "data mode (v2.1.x) problem",
            ["warning slm.datamode.data-after-exit @ %.2f   # '+++' after the SLM already left data mode by itself" % t_plus,
             "warning at.error @ %.2f   # '+++AT+CEREG?' failed the grammar check" % (t_cmd + 0.003),
             "# No slm.datamode.terminator-not-last: the '+++' was a burst of its own."])


def dm_nrfcloud_explicit_exit_v220():
    s = S(F220, "dm-nrfcloud-explicit-exit",
          "v2.2.0 #XNRFCLOUD=2 stays in data mode after the message; the host's +++ ends it ('#XDATAMODE: 0')",
          slm="2.2.0")
    t = s.boot() + 0.2
    t = s.attach(t) + 0.5
    e = s.cmd(t, "AT#XNRFCLOUD=1", "OK", lat=1.1)
    t = s.urc(e + 4.6, "#XNRFCLOUD: 1,0") + 1.0
    t = s.cmd(t, "AT#XNRFCLOUD=2", "OK", lat=0.004) + 0.2
    e = s.host(t, '{"appId":"TEMP","messageType":"DATA","data":"21.5"}')
    e = s.host(e + 1.0, "+++")
    t = s.modem(e + 0.034 + 0.012, "\r\n#XDATAMODE: 0\r\n") + 0.5
    s.cmd(t, "AT+CEREG?", '+CEREG: 5,1,"0B1C","02A6F301",7,,,"11100000","11100000"', "OK", lat=0.006)
    s.write("""Near miss of dm-nrfcloud-autoexit-then-plus: on v2.2.0 the nRF Cloud data mode no longer exits by
               itself after a successful send; the host's '+++' ends it with '#XDATAMODE: 0' and AT+CEREG? works.""",
            V220 + "gnss/slm_at_gnss.c nrf_cloud_datamode_callback() (exit_datamode() only on a send error); "
            "slm_at_host.c raw_send() / datamode_quit()",
            "data mode near-miss",
            ["# Healthy on v2.2.x (the same bytes with an '#XDATAMODE: 0' before the host's +++ would be v2.1.x)."])

ALL = [
    c01_xcmng_read_pem, c01_cmng_read_pem_modem, c01_read_then_line_noise,
    c02_datamode_reboot_glitch, c02_datamode_reboot_plain, c02_datamode_exit_then_xreset,
    c03_tcpcli_rx_welcome_ready, c03_recv_ready_ok, c03_datamode_rx_ready, c03_tcpdata_then_real_reboot,
    c04_mqtt_disconnect_evt_before_ok, c04_mqtt_disconnect_ok_after_poll, c04_nrfcloud_ready_before_ok,
    c04_mqtt_acks_after_ok,
    c05_mqtt_connack_late, c05_mqtt_connack_never, c05_nrfcloud_ready_late, c05_nrfcloud_ready_never,
    c06_listing_alone_nrfcloud_no_ready, c06_listing_order_mqtt_tls_fails, c06_xcmng_mqtt_connect_succeeds,
    c06_xcmng_nrfcloud_ready, c06_listing_proper_nrfcloud_ready, c06_tcpcli_tls_mapped_fails,
    c06_cmng_query_mapped_tag, c06_xssocket_mapped_connect_fails,
    c07_idle_wake_buffered, c07_idle_command_lost, c07_sleep0_not_idle_then_reboot,
    c08_timeout_then_retry, c08_recv_long_answered, c08_recv_timeout_error,
    c09_cscon_read_vs_urc, c09_cereg_urc_inside_read,
    c10_cme_from_x_command, c10_xmqttcfg_on_v212, c10_modem_cme_518, c10_slmuart_exists_v220,
    c11_modem_fault, c11_cereg_denied, c11_nw_detach, c11_me_detach_cfun4, c11_sim_failure, c11_reset_loop,
    dm_terminator_not_last, dm_nrfcloud_autoexit_then_plus, dm_nrfcloud_explicit_exit_v220,
    h_mqtt_pubsub_v220, h_udp_client_v212, h_ping_v212, h_xreset_v220,
]

if __name__ == "__main__":
    for f in ALL:
        f()
    for folder, name, klass, what in SESSIONS:
        print("%-10s %-40s %-28s %s" % (folder, name, klass.split(" (")[0], what[:70]))
