#!/usr/bin/env python3
"""Long, realistic device-lifecycle sessions ("l-" oracles) for atscope.

Each session is what a host MCU firmware and a Serial LTE Modem (SLM) put on the UART over minutes of a
device's day: power-on `Ready`, version query, modem set-up, attach with network URC timing, then real
work (MQTT, TLS, sockets, proxies, HTTP, GNSS, nRF Cloud, SMS, ping, FOTA, data mode, idle cycles).

Every byte is written from the SLM source at the tag named in meta.firmware.slm
(nrfconnect/sdk-nrf applications/serial_lte_modem/src/..., read from the Geocene/sdk-nrf mirror for
v2.1.2..v2.6.0 and waynehsu0227/NCS_v2.9.0 for v2.9.0). The expected findings are written in the same
place as the session, before any analyzer ran on it.

stdlib only, deterministic (no randomness). Run from the repository root:  python3 traces/make_sessions_lifecycle.py
"""
import base64
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = "traces/make_sessions_lifecycle.py"
BYTE_NS = 86806  # 10 bit times at 115200 Bd
CRLF = "\r\n"


def ns(sec):
    return int(round(sec * 1e9))


class Session:
    def __init__(self, ver, name, title, source, klass, summary):
        self.ver = ver
        self.name = name
        self.title = title
        self.source = source
        self.klass = klass
        self.summary = summary
        self.t = 0  # ns, end of the last burst
        self.recs = []
        self.expect = []
        self.first = True

    # ---- time -------------------------------------------------------------------------------
    def now(self):
        return self.t / 1e9

    def wait(self, sec):
        self.t += ns(sec)

    def at(self, sec):
        assert ns(sec) >= self.t, (self.name, sec, self.now())
        self.t = ns(sec)

    # ---- raw records --------------------------------------------------------------------------
    def _rec(self, d, data, gap):
        self.wait(gap)
        if isinstance(data, str):
            raw = data.encode("utf-8")
            r = {"t": self.t, "d": d, "text": data}
        else:
            raw = data
            try:
                r = {"t": self.t, "d": d, "text": raw.decode("utf-8")}
            except UnicodeDecodeError:
                r = {"t": self.t, "d": d, "b64": base64.b64encode(raw).decode("ascii")}
        self.recs.append(r)
        start = self.t / 1e9
        self.t += len(raw) * BYTE_NS
        return start

    def host(self, data, gap=0.0):
        return self._rec("host", data, gap)

    def modem(self, data, gap=0.0):
        return self._rec("modem", data, gap)

    # ---- AT helpers ---------------------------------------------------------------------------
    def urc(self, text, gap=0.0):
        return self.modem(CRLF + text + CRLF, gap)

    def cmd(self, c, lines=(), final="OK", delay=0.012, think=0.15):
        """Host sends a command after `think` s; the answer starts `delay` s after the terminator.
        Returns the time the command was sent."""
        t = self.host(c + CRLF, think)
        self.modem(answer(lines, final), delay)
        return t

    def cmd_wake(self, c, lines=(), final="OK", delay=1.0, think=0.15, rrc=0.14):
        """A command that needs the radio while RRC is idle: +CSCON: 1 arrives while it is pending."""
        t = self.host(c + CRLF, think)
        self.urc("+CSCON: 1", rrc)
        self.modem(answer(lines, final), max(0.0, delay - rrc - 0.01))
        return t

    def note_expect(self, line):
        self.expect.append(line)

    # ---- output -------------------------------------------------------------------------------
    def write(self):
        folder = os.path.join(HERE, "slm-" + self.ver)
        os.makedirs(folder, exist_ok=True)
        meta = {"atrace": 1, "meta": {
            "source": "synthetic, written from the SLM source (%s)" % SCRIPT,
            "title": "%s (%.1f min)" % (self.title, self.now() / 60), "baud": 115200,
            "firmware": {"slm": self.ver, "board": "nrf9160dk_nrf9160_ns"}}}
        last = -1
        for r in self.recs:
            assert r["t"] >= last, (self.name, r)
            last = r["t"]
        with open(os.path.join(folder, self.name + ".atrace"), "w", encoding="utf-8") as f:
            f.write(json.dumps(meta, ensure_ascii=False, separators=(",", ":")) + "\n")
            for r in self.recs:
                f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
        with open(os.path.join(folder, self.name + ".expect"), "w", encoding="utf-8") as f:
            f.write("# session: %s\n" % self.summary)
            f.write("# source: %s\n" % self.source)
            f.write("# class: %s\n" % self.klass)
            f.write("# length: %.1f s, %d records\n" % (self.now(), len(self.recs)))
            if not any(l.startswith(("error", "warning")) for l in self.expect):
                f.write("# expect: no warnings, no errors\n")
            for l in self.expect:
                f.write(l + "\n")
        return len(self.recs), self.now()


def answer(lines=(), final="OK"):
    """SLM framing: info lines `\r\n<line>\r\n...`, then `\r\n<final>\r\n` (slm_at_host.c)."""
    s = ""
    if lines:
        s = CRLF + CRLF.join(lines) + CRLF
    return s + CRLF + final + CRLF


def slmver_line(ver):
    # v2.1.x/v2.2.x: "\r\n#XSLMVER: %s\r\n" with STRINGIFY(NCS_VERSION_STRING)
    # v2.3+: "\r\n#XSLMVER: %s,\"%s\"\r\n" (NCS version, libmodem version)
    if ver in ("2.1.2", "2.2.0"):
        return '#XSLMVER: "%s"' % ver
    return '#XSLMVER: "%s","%s"' % (ver, ver)


# =============================================================================================
# Shared building blocks (modem side from the nRF91 AT command reference)
# =============================================================================================
TAC, CI = "4E2F", "0138A70B"
IMEI = "352656100367731"


def boot(s, think=0.35):
    s.modem("Ready\r\n")
    s.note_expect("note slm.reset.expected @ 0   # power-on Ready at the capture start")
    s.cmd("AT#XSLMVER", [slmver_line(s.ver)], delay=0.006, think=think)


def setup(s, psm=True, edrx=False, cesq=True, xmodemsleep=False, sysmode="1,0,1,0", mdmev=False):
    s.cmd("AT+CGSN=1", ['+CGSN: "%s"' % IMEI], delay=0.009)
    s.cmd("AT+CFUN?", ["+CFUN: 0"], delay=0.008)
    s.cmd("AT%%XSYSTEMMODE=%s" % sysmode, delay=0.011)
    s.cmd("AT+CEREG=5", delay=0.007, think=0.05)
    s.cmd("AT+CSCON=1", delay=0.007, think=0.05)
    s.cmd("AT+CGEREP=1", delay=0.007, think=0.05)
    if cesq:
        s.cmd("AT%CESQ=1", delay=0.007, think=0.05)
    if mdmev:
        s.cmd("AT%MDMEV=1", delay=0.007, think=0.05)
    if xmodemsleep:
        s.cmd("AT%XMODEMSLEEP=1,500,10240", delay=0.008, think=0.05)
    if psm:
        s.cmd('AT+CPSMS=1,,,"00000110","00100001"', delay=0.010, think=0.05)
    if edrx:
        s.cmd('AT+CEDRXS=2,4,"0101"', delay=0.010, think=0.05)
    s.cmd("AT+CFUN=1", delay=0.085, think=0.05)


def cereg_home(psm=True):
    if psm:
        return '+CEREG: 1,"%s","%s",7,,,"00100001","00000110"' % (TAC, CI)
    return '+CEREG: 1,"%s","%s",7,,,"11100000","11100000"' % (TAC, CI)


def attach(s, psm=True, edrx=False, cesq=True, search=1.2):
    """Network side after AT+CFUN=1: searching, RRC connected, registered, default PDN active."""
    s.urc('+CEREG: 2,"%s","%s",7' % (TAC, CI), search)
    if cesq:
        s.urc("%CESQ: 57,2,20,2", 0.45)
    s.urc("+CSCON: 1", 0.9)
    s.urc(cereg_home(psm), 1.6)
    s.urc("+CGEV: ME PDN ACT 0", 0.004)
    if edrx:
        s.urc('+CEDRXP: 4,"0101","0101","0011"', 0.02)


def rrc_idle(s, after=10.5):
    s.urc("+CSCON: 0", after)


def detach_cfun4(s):
    """Host-requested flight mode: the modem answers OK, then the de-registration URCs."""
    s.cmd("AT+CFUN=4", delay=0.21)
    s.urc("+CEREG: 0", 0.02)
    s.urc("+CGEV: ME DETACH", 0.003)


PEM_CA = ("-----BEGIN CERTIFICATE-----\r\n"
          "MIIBtjCCAVugAwIBAgITBmyf1XSXNmY/Owua2eiedgPySjAKBggqhkjOPQQDAjA5\r\n"
          "MQswCQYDVQQGEwJVUzEPMA0GA1UEChMGQW1hem9uMRkwFwYDVQQDExBBbWF6b24g\r\n"
          "Um9vdCBDQSAzMB4XDTE1MDUyNjAwMDAwMFoXDTQwMDUyNjAwMDAwMFowOTELMAkG\r\n"
          "A1UEBhMCVVMxDzANBgNVBAoTBkFtYXpvbjEZMBcGA1UEAxMQQW1hem9uIFJvb3Qg\r\n"
          "Q0EgMzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCmXp8ZBf8ANm+gBG1bG8lKl\r\n"
          "-----END CERTIFICATE-----\r\n")
PEM_CERT = ("-----BEGIN CERTIFICATE-----\r\n"
            "MIIB1TCCAXugAwIBAgIUQ2zFJ0Q7m6xV1gU4k0Lr0rT6r2gwCgYIKoZIzj0EAwIw\r\n"
            "RTELMAkGA1UEBhMCTk8xEzARBgNVBAgMClNvbWUtU3RhdGUxITAfBgNVBAoMGElu\r\n"
            "dGVybmV0IFdpZGdpdHMgUHR5IEx0ZDAeFw0yNDAxMTAxMjAwMDBaFw0zNDAxMDcx\r\n"
            "-----END CERTIFICATE-----\r\n")
PEM_KEY = ("-----BEGIN EC PRIVATE KEY-----\r\n"
           "MHcCAQEEIHk0v2lY9hH1cW9Xw0p2K3n8Ky5H6bEo3jvM5k0Jz7rUoAoGCCqGSM49\r\n"
           "AwEHoUQDQgAE0b0mC9m5yq8J3a1p8Q5gC0xv2yQ6pGg9u3oZQ7kH5rQ==\r\n"
           "-----END EC PRIVATE KEY-----\r\n")
SHA = ["2C43952EE9E000FF2ACC4E2ED0897C0A72AD5FA72C3D934E81741CBD54F05BD1",
       "8D3C2B1F7E4A9C0B5D6E7F8091A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4",
       "F1E2D3C4B5A6978869504132231405F6E7D8C9BAAB9C8D7E6F50413223140516"]


def xping(s, host, count, times, think=0.2, wake=False):
    """#XPING: OK first, then one `#XPING: s.ms seconds` line per reply (no leading CRLF), then the average when
    count > 1 (slm_at_icmp.c ping_test_handler(): rsp_send("#XPING: %d.%03d seconds\r\n") )."""
    s.cmd('AT#XPING="%s",45,5000,%d,1000' % (host, count), delay=0.015, think=think)
    t0 = s.now()  # the OK: the first echo request leaves now, the next ones every <interval> = 1 s
    if wake:  # the device was RRC idle / in PSM: the echo request first needs an RRC connection
        s.urc("+CSCON: 1", 0.09)
    for i, v in enumerate(times):
        s.at(max(s.now(), t0 + i * 1.0 + float(v)))
        s.modem("#XPING: %s seconds\r\n" % v)
    if len(times) > 1:  # ping_test_handler(): the average only when more than one reply came
        total = sum(int(round(float(v) * 1000)) for v in times)
        avg = (total + len(times) // 2) // len(times)
        s.modem("#XPING: average %d.%03d seconds\r\n" % (avg // 1000, avg % 1000), 0.005)


def _semi(digits):
    if len(digits) % 2:
        digits += "F"
    return "".join(digits[i + 1] + digits[i] for i in range(0, len(digits), 2))


def _gsm7_pack(text):
    bits, nbits, out = 0, 0, []
    for ch in text.encode("ascii"):
        bits |= ch << nbits
        nbits += 7
        while nbits >= 8:
            out.append(bits & 0xFF)
            bits >>= 8
            nbits -= 8
    if nbits:
        out.append(bits & 0xFF)
    return "".join("%02X" % b for b in out)


def sms_in(s, sender, text, when, gap):
    """An incoming SMS on an SLM with #XSMS=1: the modem's +CMT notification (PDU mode, set up by the NCS
    SMS library with +CNMI=3,2,0,1) is forwarded like every modem notification (slm_at_host.c
    notification_handler(), AT_MONITOR ANY), then the SMS library callback prints #XSMS (slm_at_sms.c
    sms_callback())."""
    yy, mo, dd, hh, mi, ss = when
    sca = "0791" + _semi("46700000010")
    scts = "".join(_semi("%02d" % v) for v in (yy, mo, dd, hh, mi, ss)) + "40"  # +01:00 = 4 quarters
    num = sender.lstrip("+")
    tpdu = "04" + "%02X91" % len(num) + _semi(num) + "0000" + scts + "%02X" % len(text) + _gsm7_pack(text)
    s.urc('+CMT: "%s",%d' % (sender, len(tpdu) // 2) + CRLF + sca + tpdu, gap)
    s.urc('#XSMS: "%02d-%02d-%02d %02d:%02d:%02d UTC+01:00","%s","%s"' % (yy, mo, dd, hh, mi, ss, sender, text), 0.02)


# =============================================================================================
# v2.1.2
# =============================================================================================
def s212_mqtt_telemetry_day():
    s = Session("2.1.2", "l-mqtt-telemetry-day",
                "A v2.1.2 MQTT telemetry node: attach with PSM, connect, subscribe, QoS1 publishes with RRC cycles, a command with CR LF/OK/Ready in its payload, a data-mode log upload, clean disconnect",
                "sdk-nrf v2.1.2 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c handle_at_mqtt_connect(), mqtt_evt_handler(), handle_mqtt_publish_evt(), handle_at_mqtt_publish() (data mode when msg is empty); slm_at_host.c (framing, datamode +++ after an idle gap)",
                "healthy", "v2.1.2 telemetry day over MQTT (no TLS); every command answered, every promised URC on time")
    boot(s)
    setup(s, psm=True)
    attach(s)
    s.cmd("AT%XICCID", ["%XICCID: 89460850006002213374"], delay=0.011, think=0.6)
    s.cmd('AT+CGDCONT?', ['+CGDCONT: 0,"IP","telenor.smart","10.161.92.17",0,0'], delay=0.012)
    # connect (v2.1.2 syntax: client id in #XMQTTCON)
    s.cmd('AT#XMQTTCON=1,"dk7731","","","test.mosquitto.org",1883', delay=1.35, think=0.4)
    s.urc("#XMQTTEVT: 0,0", 0.31)
    s.cmd('AT#XMQTTSUB="dk7731/cmd",1', delay=0.045)
    s.urc("#XMQTTEVT: 7,0", 0.27)
    readings = ["21.4", "21.5", "21.5", "21.7", "21.8", "22.0"]
    for i, temp in enumerate(readings):
        if i:
            s.wait(10.5)
            s.urc("+CSCON: 0", 0.0)
            s.wait(38.5)
        s.cmd('AT#XMQTTPUB="dk7731/telemetry","t=%s rh=4%d bat=39%02d",1,0' % (temp, 7 + i % 3, 12 - i),
              delay=0.018, think=0.2)
        if i:
            s.urc("+CSCON: 1", 0.16)
        s.urc("#XMQTTEVT: 3,0", 0.21)
        if i == 2:
            # the backend sends a command (QoS1); the SLM prints the header, topic, CRLF, payload, CRLF
            # then #XMQTTEVT: 2,0 (handle_mqtt_publish_evt() then the common sprintf at the end)
            topic = "dk7731/cmd"
            payload = "interval 60\r\nOK\r\nReady\r\n"
            s.modem("\r\n#XMQTTMSG: %d,%d\r\n%s\r\n%s\r\n" % (len(topic), len(payload), topic, payload), 3.8)
            s.urc("#XMQTTEVT: 2,0", 0.002)
            s.cmd('AT#XMQTTPUB="dk7731/ack","interval 60 applied",0,0', delay=0.017, think=0.35)
    # data-mode upload of a multi-line log (no msg = data mode); +++ alone after an idle gap (v2.1.2 rule).
    # The RRC connection it needs is not reported: modem URCs are dropped while the SLM is in data mode.
    s.wait(10.5)
    s.urc("+CSCON: 0", 0.0)
    s.wait(9.5)
    s.cmd('AT#XMQTTPUB="dk7731/log"', delay=0.012, think=0.2)
    s.host("boot=1 up=612s\r\nOK\r\nrsrp=-83 tx=17\r\nReady\r\n", 0.08)
    s.host("+++", 1.1)
    s.urc("#XDATAMODE: 0", 0.04)
    s.cmd("AT#XMQTTCON?", ['#XMQTTCON: 1,"dk7731","test.mosquitto.org",1883'], delay=0.006, think=0.3)
    s.wait(12.0)
    s.urc("+CSCON: 0", 0.0)
    s.wait(30.0)
    # disconnect: #XMQTTEVT: 1,0 is raised inside mqtt_disconnect(), before the handler returns OK
    s.host("AT#XMQTTCON=0\r\n", 0.0)
    s.urc("+CSCON: 1", 0.15)
    s.urc("#XMQTTEVT: 1,0", 0.12)
    s.modem(answer(), 0.21)
    rrc_idle(s, 10.2)
    return s


def s212_tcp_http_ping():
    s = Session("2.1.2", "l-tcp-proxy-http-ping",
                "A v2.1.2 gateway: ping, TCP client proxy whose peer sends CR LF / OK / Ready (raw bytes first, #XTCPDATA trailer after), HTTP GET with #XHTTPCRSP trailers",
                "sdk-nrf v2.1.2 applications/serial_lte_modem/src/slm_at_tcp_proxy.c tcpcli_thread_func() (rsp_send(data) then \"#XTCPDATA: %d\" trailer); slm_at_icmp.c; http_c/slm_at_httpc.c response_cb() and payload_cb()",
                "healthy", "v2.1.2 ping, TCP proxy with banner/replies containing OK and Ready, HTTP GET; all healthy")
    boot(s)
    setup(s, psm=False, edrx=False)
    attach(s, psm=False)
    xping(s, "8.8.8.8", 4, ["0.412", "0.188", "0.176", "0.201"], think=0.8)
    rrc_idle(s, 10.1)
    s.wait(15)
    # TCP client proxy
    s.cmd_wake('AT#XTCPCLI=1,"gw.example.com",7000', ['#XTCPCLI: 0,"connected"'], delay=0.95, think=0.1)
    banner = "HELLO dk7731\r\nOK\r\n"
    s.modem(banner, 0.42)
    s.urc("#XTCPDATA: %d" % len(banner), 0.001)
    for i, (req, rsp) in enumerate([("PING 1", "PONG 1\r\nReady\r\n"),
                                    ("GET CFG", "interval=300\r\nmode=2\r\nOK\r\n"),
                                    ("PING 2", "PONG 2\r\nReady\r\n")]):
        s.cmd('AT#XTCPSEND="%s"' % req, ["#XTCPSEND: %d" % len(req)], delay=0.021, think=1.5 if i else 0.6)
        if i == 2:
            s.urc("+CSCON: 1", 0.12)
        s.modem(rsp, 0.38)
        s.urc("#XTCPDATA: %d" % len(rsp), 0.001)
        if i == 1:
            s.wait(11)
            s.urc("+CSCON: 0")
            s.wait(40)
    s.cmd("AT#XTCPCLI=0", ['#XTCPCLI: 0,"disconnected"'], delay=0.09, think=2.0)
    rrc_idle(s, 10.4)
    s.wait(60)
    # HTTP GET
    s.cmd_wake('AT#XHTTPCCON=1,"httpbin.org",80', ["#XHTTPCCON: 1"], delay=1.1, think=0.1)
    s.cmd('AT#XHTTPCREQ="GET","/anything/dk7731"', delay=0.015, think=0.3)
    s.urc("#XHTTPCREQ: 0", 0.03)
    hdr = ("HTTP/1.1 200 OK\r\nDate: Sun, 29 Nov 2026 09:14:02 GMT\r\nContent-Type: application/json\r\n"
           "Content-Length: 196\r\nConnection: keep-alive\r\nServer: gunicorn/19.9.0\r\n\r\n")
    body = ('{\n  "args": {}, \n  "headers": {\n    "Host": "httpbin.org"\n  }, \n  "method": "GET", \n'
            '  "origin": "10.161.92.17", \n  "url": "http://httpbin.org/anything/dk7731", \n  "note": "OK"\n}\n')
    body = body + " " * (196 - len(body))
    assert len(body) == 196
    b1, b2 = body[:120], body[120:]
    s.modem(hdr, 0.61)
    s.modem("\r\n#XHTTPCRSP:%d,0\r\n" % len(hdr), 0.001)
    s.modem(b1, 0.001)
    s.modem(b2, 0.09)
    s.modem("\r\n#XHTTPCRSP:%d,1\r\n" % len(body), 0.001)
    s.cmd("AT#XHTTPCCON=0", ["#XHTTPCCON: 0"], delay=0.05, think=0.8)
    rrc_idle(s, 10.3)
    s.wait(20)
    s.cmd("AT+CFUN=0", delay=1.4, think=0.0)
    s.urc("+CEREG: 0", 0.01)
    s.urc("+CGEV: ME DETACH", 0.002)
    return s


def s212_idle_cycles():
    s = Session("2.1.2", "l-idle-sleep-cycles",
                "A duty-cycled v2.1.2 node: #XSLEEP=2 idle periods with URCs buffered while the UART is suspended, wake by pin (Ready then the buffered URCs), a CFUN=4/CFUN=1 cycle",
                "sdk-nrf v2.1.2 applications/serial_lte_modem/src/slm_at_commands.c handle_at_sleep() (SHUTDOWN_MODE_IDLE), main.c enter_idle()/gpio_cb_func(), slm_at_host.c poweron_uart() (Ready, then delayed_send of the buffered output)",
                "healthy", "v2.1.2 idle cycles: every Ready follows an #XSLEEP=2 and is a resume, not a reboot; the host never talks while idle")
    boot(s)
    setup(s, psm=True, xmodemsleep=True)
    attach(s)
    monitor = ('%XMONITOR: 1,"Telia","Telia","24001","4E2F",7,20,"0138A70B",301,6400,57,21,"",'
               '"00100001","00000110","00001001"')
    s.cmd("AT%XMONITOR", [monitor], delay=0.02, think=0.8)
    for cycle in range(3):
        s.cmd("AT#XSLEEP=2", delay=0.004, think=0.4)
        s.wait(150 + 30 * cycle)
        # wake pin: ~100 ms of UART resume, Ready, then what the idle period buffered
        s.modem("Ready\r\n", 0.0)
        s.modem("\r\n+CSCON: 0\r\n\r\n%XMODEMSLEEP: 1,3540000\r\n", 0.002)
        s.cmd("AT+CEREG?", ['+CEREG: 5,1,"%s","%s",7,,,"00100001","00000110"' % (TAC, CI)], delay=0.009, think=0.25)
        s.cmd("AT+CESQ", ["+CESQ: 99,99,255,255,21,57"], delay=0.01)
        xping(s, "nordicsemi.com", 1, ["0.6%02d" % (11 * cycle + 5)], think=0.2, wake=True)
    rrc_idle(s, 10.0)
    # flight-mode cycle requested by the host (ME DETACH is the host's own doing)
    s.wait(5)
    detach_cfun4(s)
    s.urc("%XMODEMSLEEP: 4", 0.05)
    s.wait(30)
    s.cmd("AT+CFUN=1", delay=0.08, think=0.0)
    attach(s, search=1.6)
    s.cmd("AT#XSLEEP=2", delay=0.004, think=2.0)
    s.wait(120)
    s.modem("Ready\r\n", 0.0)
    s.modem("\r\n+CSCON: 0\r\n\r\n%XMODEMSLEEP: 1,3540000\r\n", 0.002)
    s.cmd("AT+CFUN?", ["+CFUN: 1"], delay=0.008, think=0.3)
    return s


def s212_mqtt_burst_reboot():
    s = Session("2.1.2", "l-mqtt-burst-reboot",
                "MQTT telemetry on v2.1.2; in the middle of a fast QoS0 publish burst the chip reboots (glitch bytes then Ready) with no command pending; the host re-initialises and carries on",
                "sdk-nrf v2.1.2 applications/serial_lte_modem/src/slm_at_host.c slm_at_host_init() (Ready after any boot); mqtt_c/slm_at_mqtt.c; docs/slm-protocol.md §6 (v2.1.x shared rsp_buf / 2 KiB MQTT stack)",
                "problem: unexpected reboot outside data mode (neighbour of classes 2/3)", "v2.1.2 MQTT burst interrupted by an unexplained reboot; everything else healthy")
    boot(s)
    setup(s, psm=False)
    attach(s, psm=False)
    s.cmd('AT#XMQTTCON=1,"dk7731","","","broker.hivemq.com",1883', delay=1.6, think=0.5)
    s.urc("#XMQTTEVT: 0,0", 0.28)
    s.cmd('AT#XMQTTSUB="dk7731/cmd",0', delay=0.04)
    s.urc("#XMQTTEVT: 7,0", 0.3)
    for i in range(3):
        s.wait(10.5 if i else 5)
        if i:
            s.urc("+CSCON: 0", 0.0)
            s.wait(49.5)
        s.cmd('AT#XMQTTPUB="dk7731/telemetry","t=2%d.%d",1,0' % (1, i), delay=0.017)
        if i:
            s.urc("+CSCON: 1", 0.15)
        s.urc("#XMQTTEVT: 3,0", 0.22)
    # vibration burst: QoS0 samples every ~1.2 s (no promised URC)
    s.wait(8)
    for i in range(6):
        s.cmd('AT#XMQTTPUB="dk7731/vib","a=%d,%d,%d",0,0' % (i * 3 + 1, 980 - i, 12 + i), delay=0.016,
              think=0.0 if i == 0 else 1.2)
    t_glitch = s.modem(b"\x00\xc0\xff", 0.43)
    t_ready = s.modem("Ready\r\n", 0.27)
    s.note_expect("error slm.reset.unexpected @ %.2f   # glitch bytes 0.43 s after the OK of a QoS0 publish, Ready %.0f ms later; nothing pending, no #XRESET/#XSLEEP/FOTA before it: an unexplained reboot" % (t_ready, (t_ready - t_glitch) * 1000))
    # host notices, re-initialises
    s.cmd("AT#XSLMVER", [slmver_line(s.ver)], delay=0.006, think=0.6)
    setup(s, psm=False)
    attach(s, psm=False, search=1.4)
    s.cmd('AT#XMQTTCON=1,"dk7731","","","broker.hivemq.com",1883', delay=1.5, think=0.5)
    s.urc("#XMQTTEVT: 0,0", 0.3)
    s.cmd('AT#XMQTTSUB="dk7731/cmd",0', delay=0.04)
    s.urc("#XMQTTEVT: 7,0", 0.26)
    s.cmd('AT#XMQTTPUB="dk7731/event","rebooted",1,0', delay=0.017)
    s.urc("#XMQTTEVT: 3,0", 0.2)
    for i in range(4):
        s.cmd('AT#XMQTTPUB="dk7731/vib","a=%d,%d,%d",0,0' % (i, 977 + i, 9), delay=0.016, think=1.2)
    s.wait(12)
    s.urc("+CSCON: 0")
    s.wait(60)
    s.cmd('AT#XMQTTPUB="dk7731/telemetry","t=22.1",1,0', delay=0.017)
    s.urc("+CSCON: 1", 0.15)
    s.urc("#XMQTTEVT: 3,0", 0.22)
    s.host("AT#XMQTTCON=0\r\n", 5.0)
    s.urc("#XMQTTEVT: 1,0", 0.14)
    s.modem(answer(), 0.2)
    rrc_idle(s, 10.0)
    return s


# =============================================================================================
# v2.2.0
# =============================================================================================
def s220_nrfcloud_gnss():
    s = Session("2.2.0", "l-nrfcloud-gnss-day",
                "A v2.2.0 tracker: attach with PSM, nRF Cloud connect (READY 5 s after OK), GNSS continuous fixes in PSM, stop, cloud disconnect, flight mode",
                "sdk-nrf v2.2.0 applications/serial_lte_modem/src/gnss/slm_at_gnss.c handle_at_gps() (#XGPS=<op>[,<interval>[,<timeout>]]), gnss_status_notify() (#XGPS: 1,<status> sent from the handler, before OK), fix_rep_wk(), handle_at_nrf_cloud() / cloud_event_handler()",
                "healthy", "v2.2.0 nRF Cloud + GNSS day; READY within seconds, fixes, clean stop")
    boot(s)
    setup(s, psm=True, xmodemsleep=True)
    attach(s)
    s.cmd("AT#XUUID", ["#XUUID: 50503041-3633-4261-803d-1e2b8f70111a"], delay=0.03, think=0.7)
    s.cmd("AT#XNRFCLOUD=1", delay=1.9, think=0.3)
    s.urc("#XNRFCLOUD: 1,0", 5.2)
    s.cmd("AT#XNRFCLOUD?", ['#XNRFCLOUD: 1,0,16842753,"50503041-3633-4261-803d-1e2b8f70111a"'], delay=0.006, think=0.5)
    rrc_idle(s, 10.5)
    s.urc("%XMODEMSLEEP: 1,3540000", 61.0)
    # GNSS in the PSM window; v2.2 syntax: op, interval (1 = continuous)
    s.host("AT#XGPS=1,1\r\n", 1.0)
    s.urc("#XGPS: 1,1", 0.02)
    s.modem(answer(), 0.001)
    fixes = [("59.334591", "18.063240", "38.2", "24.1"), ("59.334602", "18.063251", "37.9", "11.6"),
             ("59.334598", "18.063262", "38.4", "6.3"), ("59.334601", "18.063259", "38.1", "4.8")]
    sec = 41
    for i, (la, lo, alt, acc) in enumerate(fixes):
        s.urc('#XGPS: %s,%s,%s00000,%s00000,0.120000,0.000000,"2026-11-29 09:%02d:%02d"'
              % (la, lo, alt, acc, 21 + (sec + i * 30) // 60, (sec + i * 30) % 60), 38.0 if i == 0 else 30.0)
    s.host("AT#XGPS=0\r\n", 4.0)
    s.urc("#XGPS: 1,0", 0.015)
    s.modem(answer(), 0.001)
    s.wait(200)
    # PSM ends for the periodic TAU / the host sends its summary through the cloud connection state check
    s.cmd("AT#XNRFCLOUD?", ['#XNRFCLOUD: 1,0,16842753,"50503041-3633-4261-803d-1e2b8f70111a"'], delay=0.006)
    # the disconnect event is raised while the handler is still running: URC first, then OK (as the doc example)
    s.host("AT#XNRFCLOUD=0\r\n", 0.15)
    s.urc("+CSCON: 1", 0.05)
    s.urc("#XNRFCLOUD: 0,0", 0.35)
    s.modem(answer(), 0.01)
    rrc_idle(s, 10.2)
    s.wait(3)
    detach_cfun4(s)
    s.urc("%XMODEMSLEEP: 4", 0.05)
    return s


def s220_sms_ping_udp():
    s = Session("2.2.0", "l-sms-udp-socket-day",
                "A v2.2.0 SMS + UDP reporter: SMS service start, incoming SMS, SMS reply, UDP socket sendto/recvfrom (v2.2 #XRECVFROM: <n>,\"<ip>\" without port), ping",
                "sdk-nrf v2.2.0 applications/serial_lte_modem/src/slm_at_sms.c sms_callback() (#XSMS: \"yy-mm-dd hh:mm:ss UTC+hh:mm\",\"<from>\",\"<text>\"); slm_at_socket.c do_sendto(), do_recvfrom() (\"#XRECVFROM: %d,\\\"%s\\\"\"), do_socket_open()",
                "healthy", "v2.2.0 SMS and UDP socket day; all answered")
    boot(s)
    setup(s, psm=False, cesq=False)
    attach(s, psm=False, cesq=False)
    s.cmd("AT#XSMS=1", delay=0.06, think=0.8)
    s.wait(6)
    s.urc("+CSCON: 0", 4.5)
    # an operator SMS arrives (paging, RRC connect, delivery)
    s.urc("+CSCON: 1", 30.0)
    sms_in(s, "+46700123456", "STATUS?", (26, 11, 29, 9, 41, 7), 0.8)
    s.cmd('AT#XSMS=2,"+46700123456","dk7731 ok bat 3.91V rsrp -84"', delay=2.3, think=1.2)
    rrc_idle(s, 10.0)
    s.wait(30)
    s.cmd("AT#XSOCKET=1,2,0", ["#XSOCKET: 1,2,17"], delay=0.02)
    for i, msg in enumerate(["seq=1 t=21.6", "seq=2 t=21.7", "seq=3 t=21.9"]):
        s.cmd('AT#XSENDTO="udp.example.net",5683,"%s"' % msg, ["#XSENDTO: %d" % len(msg)], delay=0.7 if i == 0 else 0.05,
              think=0.3)
        if i == 0:
            s.urc("+CSCON: 1", 0.05)
        reply = "ack %d\r\nOK\r\n" % (i + 1)
        s.host("AT#XRECVFROM=5\r\n", 0.2)
        s.modem('\r\n#XRECVFROM: %d,"198.51.100.23"\r\n%s\r\nOK\r\n' % (len(reply), reply), 0.31)
        s.wait(6)
    s.cmd("AT#XSOCKET=0", ['#XSOCKET: 0,"closed"'], delay=0.02)
    xping(s, "example.com", 2, ["0.233", "0.180"])
    rrc_idle(s, 10.1)
    s.wait(40)
    s.urc("+CSCON: 1", 0.0)
    sms_in(s, "+46700123456", "REPORT 300", (26, 11, 29, 9, 46, 52), 0.8)
    s.cmd('AT#XSMS=2,"+46700123456","interval 300 set"', delay=2.1, think=0.9)
    rrc_idle(s, 10.0)
    s.cmd("AT#XSMS=0", delay=0.03, think=5.0)
    return s


def s220_tls_xcmng_native():
    s = Session("2.2.0", "l-mqtt-tls-xcmng-native",
                "A v2.2.0 native-TLS build: CA/cert/key written with #XCMNG while offline, then #XMQTTCON on port 8883 with that sec_tag fails (MQTT uses modem TLS with the raw tag); the host falls back to plain MQTT and works",
                "sdk-nrf v2.2.0 applications/serial_lte_modem/src/slm_at_cmng.c handle_at_xcmng() + slm_native_tls.c (tag S*10+T, type 0); mqtt_c/slm_at_mqtt.c do_mqtt_connect() (transport MQTT_TRANSPORT_SECURE = modem offloaded TLS, sec_tag as given)",
                "6 problem (native-TLS credentials used by a modem-TLS service; connect fails)", "v2.2.0 #XCMNG-provisioned tag 42 used by MQTT/TLS: handshake fails, ERROR; rest healthy")
    boot(s)
    # provisioning while offline (CFUN=0 at boot): #XCMNG writes land in modem tags 420/421/422 (type 0)
    s.cmd("AT+CFUN?", ["+CFUN: 0"], delay=0.008, think=0.5)
    s.cmd('AT#XCMNG=0,42,0,"%s"' % PEM_CA, delay=0.32, think=0.2)
    s.cmd('AT#XCMNG=0,42,1,"%s"' % PEM_CERT, delay=0.30, think=0.2)
    s.cmd('AT#XCMNG=0,42,2,"%s"' % PEM_KEY, delay=0.29, think=0.2)
    setup(s, psm=False)
    attach(s, psm=False)
    # DNS + TCP connect + TLS handshake that the modem aborts (no CA under tag 42): ERROR 1.6 s later
    t = s.cmd('AT#XMQTTCON=1,"dk7731","","","mqtt.example.com",8883,42', final="ERROR", delay=1.6, think=0.8)
    s.note_expect("error slm.tls.modem-tag-unprovisioned @ %.2f   # (command at %.2f, ERROR at %.2f) sec_tag 42 was written only through #XCMNG (native TLS: modem tags 420-422, type 0); #XMQTTCON uses modem TLS with tag 42 as is, the handshake fails" % (t + 0.8, t, t + 1.6))
    s.note_expect("warning at.error @ %.2f   # #XMQTTCON answered ERROR (a real failure, not a routine timeout)" % (t + 1.6))
    # fallback: plain MQTT
    s.cmd('AT#XMQTTCON=1,"dk7731","","","mqtt.example.com",1883', delay=1.2, think=3.0)
    s.urc("#XMQTTEVT: 0,0", 0.27)
    s.cmd('AT#XMQTTSUB="dk7731/cmd",1', delay=0.04)
    s.urc("#XMQTTEVT: 7,0", 0.25)
    for i in range(4):
        if i:
            s.wait(11)
            s.urc("+CSCON: 0")
            s.wait(45)
        s.cmd('AT#XMQTTPUB="dk7731/telemetry","t=2%d.4 tls=0",1,0' % i, delay=0.018, think=0.3)
        if i:
            s.urc("+CSCON: 1", 0.16)
        s.urc("#XMQTTEVT: 3,0", 0.21)
    s.host("AT#XMQTTCON=0\r\n", 4.0)
    s.urc("#XMQTTEVT: 1,0", 0.13)
    s.modem(answer(), 0.2)
    rrc_idle(s, 10.0)
    return s


# =============================================================================================
# v2.3.0
# =============================================================================================
def s230_tcp_udp_proxy():
    s = Session("2.3.0", "l-proxy-header-day",
                "A v2.3.0 gateway: TCP client proxy (v2.3 #XTCPDATA header then bytes, payloads with CR LF / OK / Ready), a data-mode #XTCPSEND closed by +++, UDP client proxy (#XUDPDATA: <n> header, no peer address yet)",
                "sdk-nrf v2.3.0 applications/serial_lte_modem/src/slm_at_tcp_proxy.c tcpcli_thread_func() (rsp_send(\"#XTCPDATA: %d\") then data_send()), do_tcp_send_datamode(); slm_at_udp_proxy.c udp_thread_func() (\"#XUDPDATA: %d\" then data); slm_at_host.c",
                "healthy", "v2.3.0 proxies with tricky payloads; all healthy")
    boot(s)
    setup(s, psm=False, edrx=True)
    attach(s, psm=False, edrx=True)
    s.cmd('AT#XTCPCLI=1,"gw.example.com",7000', ['#XTCPCLI: 0,"connected"'], delay=0.9, think=1.0)
    banner = "Welcome\r\nReady\r\n"
    s.urc("#XTCPDATA: %d" % len(banner), 0.4)
    s.modem(banner, 0.001)
    for i, (req, rsp) in enumerate([("HELLO dk7731", "OK\r\n"), ("GET /cfg", "interval=60\r\nOK\r\nReady\r\n")]):
        s.cmd('AT#XTCPSEND="%s"' % req, ["#XTCPSEND: %d" % len(req)], delay=0.02, think=0.8)
        s.urc("#XTCPDATA: %d" % len(rsp), 0.36)
        s.modem(rsp, 0.001)
    # bulk upload in data mode
    s.cmd("AT#XTCPSEND", delay=0.01, think=1.2)
    s.host("LOG 0001 boot ok\r\nLOG 0002 rsrp=-84\r\nLOG 0003 OK\r\n", 0.1)
    s.host("LOG 0004 Ready\r\n", 0.6)
    s.host("+++", 1.2)
    s.urc("#XDATAMODE: 0", 0.05)
    ack = "ACK 4\r\n"
    s.urc("#XTCPDATA: %d" % len(ack), 0.3)
    s.modem(ack, 0.001)
    s.wait(11)
    s.urc("+CSCON: 0")
    s.wait(70)
    # the server pushes an update while idle (paging)
    s.urc("+CSCON: 1", 0.0)
    push = "PUSH fw=2.3.1\r\nOK\r\n"
    s.urc("#XTCPDATA: %d" % len(push), 0.5)
    s.modem(push, 0.001)
    s.cmd('AT#XTCPSEND="ACK PUSH"', ["#XTCPSEND: 8"], delay=0.02, think=0.7)
    s.cmd("AT#XTCPCLI=0", ['#XTCPCLI: 0,"disconnected"'], delay=0.1, think=2.0)
    rrc_idle(s, 10.0)
    s.wait(45)
    # UDP client proxy
    s.cmd('AT#XUDPCLI=1,"udp.example.net",5683', ['#XUDPCLI: 0,"connected"'], delay=0.4)
    for i in range(3):
        msg = "seq=%d t=2%d.%d" % (i + 1, 1, 5 + i)
        s.cmd('AT#XUDPSEND="%s"' % msg, ["#XUDPSEND: %d" % len(msg)], delay=0.02, think=0.4 if i == 0 else 6.0)
        if i == 0:
            s.urc("+CSCON: 1", 0.1)
        r = "ack %d\r\nOK\r\n" % (i + 1)
        s.urc("#XUDPDATA: %d" % len(r), 0.3)
        s.modem(r, 0.001)
    s.cmd("AT#XUDPCLI=0", ['#XUDPCLI: 0,"disconnected"'], delay=0.05, think=1.5)
    rrc_idle(s, 10.2)
    s.wait(30)
    s.cmd("AT+CEDRXRDP", ['+CEDRXRDP: 4,"0101","0101","0011"'], delay=0.01, think=0.0)
    return s


def s230_http_fota():
    s = Session("2.3.0", "l-http-fota-update",
                "A v2.3.0 device checking for an update over HTTP, downloading an application image with #XFOTA=1, activating it with #XRESET (Ready, then #XFOTA: 5,0), and resuming work",
                "sdk-nrf v2.3.0 applications/serial_lte_modem/src/slm_at_fota.c handle_at_fota(), fota_dl_handler() (#XFOTA: 1,0,<pct> progress, #XFOTA: 4,0 downloaded), slm_fota_post_process() (#XFOTA: 5,0 after the reboot); slm_at_commands.c handle_at_reset(); http_c/slm_at_httpc.c",
                "healthy", "v2.3.0 HTTP check + application FOTA + #XRESET; the second Ready is the expected FOTA-activating reset")
    boot(s)
    setup(s, psm=False)
    attach(s, psm=False)
    s.cmd('AT#XHTTPCCON=1,"updates.example.com",80', ["#XHTTPCCON: 1"], delay=0.9, think=0.8)
    s.cmd('AT#XHTTPCREQ="GET","/dk7731/manifest.txt"', delay=0.015)
    s.urc("#XHTTPCREQ: 0", 0.03)
    body = "version=1.4.0\r\nurl=/fw/app_update_1.4.0.bin\r\nsize=231424\r\nOK\r\n"
    hdr = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n"
           % len(body))
    # one recv holds the headers and the start of the body; response_cb() sends the headers, the
    # header trailer, then the first body bytes
    s.modem(hdr, 0.52)
    s.urc("#XHTTPCRSP:%d,0" % len(hdr), 0.0)
    s.modem(body[:20], 0.0)
    s.modem(body[20:], 0.08)
    s.urc("#XHTTPCRSP:%d,1" % len(body), 0.0)
    s.cmd("AT#XHTTPCCON=0", ["#XHTTPCCON: 0"], delay=0.05, think=0.6)
    s.cmd("AT#XFOTA=1,\"http://updates.example.com/fw/app_update_1.4.0.bin\"", delay=0.06, think=1.0)
    for pct in range(5, 101, 5):
        if pct == 100:
            break
        s.urc("#XFOTA: 1,0,%d" % pct, 2.6 if pct > 5 else 1.8)
    s.urc("#XFOTA: 1,0,100", 2.6)
    s.urc("#XFOTA: 4,0", 2.4)
    s.wait(3)
    t = s.cmd("AT#XRESET", delay=0.004, think=0.5)
    # CFUN=0 + 1 s sleep, reboot, MCUboot swaps the 226 KiB image into the primary slot: several seconds
    t_ready = s.modem("Ready\r\n", 6.5)
    s.note_expect("note slm.reset.expected @ %.2f   # Ready after the host's #XRESET (FOTA activation; MCUboot image swap makes it take 6.5 s)" % t_ready)
    s.urc("#XFOTA: 5,0", 0.003)
    s.cmd("AT#XSLMVER", [slmver_line(s.ver)], delay=0.006, think=0.5)
    setup(s, psm=False)
    attach(s, psm=False)
    s.cmd('AT#XHTTPCCON=1,"updates.example.com",80', ["#XHTTPCCON: 1"], delay=0.85, think=0.8)
    s.cmd('AT#XHTTPCREQ="GET","/dk7731/ack?v=1.4.0"', delay=0.015)
    s.urc("#XHTTPCREQ: 0", 0.03)
    # the whole response in one recv: response_cb() is called once with HTTP_DATA_FINAL, so the header
    # trailer already carries final=1, then the body, then the body trailer
    body2 = "OK\r\n"
    hdr2 = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\n"
    s.modem(hdr2, 0.45)
    s.urc("#XHTTPCRSP:%d,1" % len(hdr2), 0.0)
    s.modem(body2, 0.0)
    s.urc("#XHTTPCRSP:%d,1" % len(body2), 0.0)
    s.cmd("AT#XHTTPCCON=0", ["#XHTTPCCON: 0"], delay=0.05, think=0.5)
    rrc_idle(s, 10.1)
    s.wait(120)
    xping(s, "updates.example.com", 1, ["0.244"], wake=True)
    rrc_idle(s, 10.0)
    return s


def s230_connack_late():
    s = Session("2.3.0", "l-mqtt-connack-late",
                "MQTT on v2.3.0 in poor coverage: #XMQTTCON=1 answers OK but CONNACK (#XMQTTEVT: 0,0) only comes 41 s later; then subscribe/publish work normally",
                "sdk-nrf v2.3.0 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c do_mqtt_connect() (OK once CONNECT is sent), mqtt_thread_fn() / mqtt_evt_handler() (#XMQTTEVT: 0,<rc> when CONNACK arrives)",
                "5 problem (late, not missing)", "v2.3.0 CONNACK 41 s after OK: late, not missing")
    boot(s)
    setup(s, psm=False)
    s.urc('+CEREG: 2,"%s","%s",7' % (TAC, CI), 2.5)
    s.urc("%CESQ: 22,0,6,0", 1.0)
    s.urc("+CSCON: 1", 3.5)
    s.urc(cereg_home(False), 4.2)
    s.urc("+CGEV: ME PDN ACT 0", 0.004)
    t = s.cmd('AT#XMQTTCON=1,"dk7731","","","broker.example.com",1883', delay=3.9, think=0.8)
    t_ok = t + 3.9
    s.urc("%CESQ: 15,0,4,0", 9.0)
    s.urc("%CESQ: 24,0,7,0", 14.0)
    t_ev = s.urc("#XMQTTEVT: 0,0", t_ok + 41.0 - s.now())
    s.note_expect("warning slm.urc.late @ %.2f   # CONNACK %.0f s after the OK of #XMQTTCON=1 (a broker answers in well under 10 s)" % (t_ev, t_ev - t_ok))
    s.cmd('AT#XMQTTSUB="dk7731/cmd",1', delay=0.3)
    s.urc("#XMQTTEVT: 7,0", 0.6)
    for i in range(5):
        s.cmd('AT#XMQTTPUB="dk7731/telemetry","t=2%d.1 rsrp=-%d",1,0' % (i, 110 - i), delay=0.02, think=8.0 if i else 0.5)
        s.urc("#XMQTTEVT: 3,0", 0.45)
        if i == 2:
            s.urc("%CESQ: 41,1,14,1", 3.0)
    rrc_idle(s, 10.5)
    s.wait(60)
    s.cmd('AT#XMQTTPUB="dk7731/telemetry","t=25.0 rsrp=-99",1,0', delay=0.02)
    s.urc("+CSCON: 1", 0.2)
    s.urc("#XMQTTEVT: 3,0", 0.4)
    s.host("AT#XMQTTCON=0\r\n", 3.0)
    s.urc("#XMQTTEVT: 1,0", 0.2)
    s.modem(answer(), 0.25)
    rrc_idle(s, 10.0)
    return s


# =============================================================================================
# v2.5.0
# =============================================================================================
def s250_mqtt_tls():
    s = Session("2.5.0", "l-mqtt-tls-day",
                "MQTT over TLS on v2.5.0 with modem credentials: %CMNG writes while offline, %CMNG=1 listing, attach, #XMQTTCON on 8883 with sec_tag 42, QoS1/QoS2 publishes, incoming message with CR LF inside, disconnect",
                "sdk-nrf v2.5.0 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c (sec_tag -> modem TLS), mqtt_evt_handler() (QoS2: #XMQTTEVT: 4,0 PUBREC then 6,0 PUBCOMP); modem %CMNG (nRF91 AT reference)",
                "healthy", "v2.5.0 MQTT/TLS with credentials provisioned in the modem; connect succeeds")
    boot(s)
    s.cmd('AT%%CMNG=0,42,0,"%s"' % PEM_CA, delay=0.25, think=0.3)
    s.cmd('AT%%CMNG=0,42,1,"%s"' % PEM_CERT, delay=0.24, think=0.2)
    s.cmd('AT%%CMNG=0,42,2,"%s"' % PEM_KEY, delay=0.26, think=0.2)
    s.cmd("AT%CMNG=1,42", ['%%CMNG: 42,0,"%s"' % SHA[0], '%%CMNG: 42,1,"%s"' % SHA[1], '%%CMNG: 42,2,"%s"' % SHA[2]],
          delay=0.03)
    setup(s, psm=True)
    attach(s)
    s.cmd('AT#XMQTTCON=1,"dk7731","","","mqtt.example.com",8883,42', delay=2.8, think=0.6)
    s.urc("#XMQTTEVT: 0,0", 0.35)
    s.cmd('AT#XMQTTSUB="dk7731/cmd",1', delay=0.05)
    s.urc("#XMQTTEVT: 7,0", 0.3)
    for i in range(6):
        if i:
            s.wait(11)
            s.urc("+CSCON: 0")
            s.wait(40)
        qos = 2 if i % 3 == 2 else 1
        s.cmd('AT#XMQTTPUB="dk7731/telemetry","t=2%d.%d rh=%d",%d,0' % (1, i, 45 + i, qos), delay=0.03, think=0.2)
        if i:
            s.urc("+CSCON: 1", 0.15)
        if qos == 1:
            s.urc("#XMQTTEVT: 3,0", 0.3)
        else:
            s.urc("#XMQTTEVT: 4,0", 0.3)
            s.urc("#XMQTTEVT: 6,0", 0.28)
        if i == 3:
            topic, payload = "dk7731/cmd", "set\r\nlimit=30\r\nOK\r\n"
            s.modem("\r\n#XMQTTMSG: %d,%d\r\n%s\r\n%s\r\n" % (len(topic), len(payload), topic, payload), 2.5)
            s.urc("#XMQTTEVT: 2,0", 0.001)
    s.cmd("AT#XMQTTCON?", ['#XMQTTCON: 1,"dk7731","mqtt.example.com",8883,42'], delay=0.006, think=2)
    s.host("AT#XMQTTCON=0\r\n", 1.0)
    s.urc("#XMQTTEVT: 1,0", 0.2)
    s.modem(answer(), 0.25)
    rrc_idle(s, 10.0)
    s.urc("%CESQ: 55,2,19,2", 30.0)
    return s


def s250_gnss_psm():
    s = Session("2.5.0", "l-gnss-psm-day",
                "A v2.5.0 tracker: GNSS enabled in %XSYSTEMMODE, PSM granted, continuous GNSS with the v2.5 syntax #XGPS=1,<cloud_assistance>,<interval>, fixes while LTE sleeps, stop",
                "sdk-nrf v2.5.0 applications/serial_lte_modem/src/gnss/slm_at_gnss.c handle_at_gps() (op, cloud_assistance, interval[, timeout]), gnss_status_notifier_wk() (#XGPS: 1,<status> from the SLM work queue; placed before OK as in doc/GNSS_AT_commands.rst), fix_rep_wk()",
                "healthy", "v2.5.0 GNSS fixes in PSM; all healthy")
    boot(s)
    setup(s, psm=True, xmodemsleep=True)
    attach(s)
    rrc_idle(s, 11.0)
    s.urc("%XMODEMSLEEP: 1,3540000", 61.0)
    s.host("AT#XGPS=1,0,1\r\n", 1.0)
    s.urc("#XGPS: 1,1", 0.02)
    s.modem(answer(), 0.001)
    for i in range(8):
        secs = 10 * 60 + 45 + i * 20
        s.urc('#XGPS: 63.429%03d,10.394%03d,42.%d00000,%d.%d00000,0.0%d0000,0.000000,"2026-11-29 10:%02d:%02d"'
              % (100 + i * 3, 200 + i, i, max(3, 30 - i * 4), i, i, secs // 60, secs % 60), 45.0 if i == 0 else 20.0)
    s.cmd("AT#XGPS?", ["#XGPS: 1,1"], delay=0.006, think=2.0)
    s.cmd("AT#XGPS=0", delay=0.03, think=5.0)
    s.urc("#XGPS: 1,0", 0.01)
    s.wait(60)
    # periodic TAU wake
    s.urc("+CSCON: 1", 0.0)
    s.urc("+CSCON: 0", 2.2)
    s.urc("%XMODEMSLEEP: 1,3538000", 61.0)
    s.cmd("AT+CEREG?", ['+CEREG: 5,1,"%s","%s",7,,,"00100001","00000110"' % (TAC, CI)], delay=0.009, think=5.0)
    return s


def s250_socket_recv():
    s = Session("2.5.0", "l-socket-recv-day",
                "A v2.5.0 socket client: TCP #XSOCKET/#XCONNECT/#XSEND/#XRECV (payloads with CR LF, OK, Ready), a data-mode #XSEND ended by +++, then UDP #XSENDTO/#XRECVFROM (v2.5 adds the port)",
                "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_socket.c do_socket_open(), do_connect(), do_send(), do_recv() (\"#XRECV: %d\" then the bytes, then OK), do_recvfrom() (\"#XRECVFROM: %d,\\\"%s\\\",%d\")",
                "healthy", "v2.5.0 socket API with binary-ish payloads; all healthy")
    boot(s)
    setup(s, psm=False)
    attach(s, psm=False)
    s.cmd("AT#XSOCKET=1,1,0", ["#XSOCKET: 0,1,6"], delay=0.02, think=0.8)
    s.cmd('AT#XCONNECT="tcpbin.example.com",4242', ["#XCONNECT: 1"], delay=0.75)
    for i, (msg, rsp) in enumerate([("HELLO", "HELLO\r\nOK\r\n"), ("STATUS", "STATUS\r\nReady\r\nOK\r\n")]):
        s.cmd('AT#XSEND="%s"' % msg, ["#XSEND: %d" % len(msg)], delay=0.03, think=0.5)
        s.host("AT#XRECV=10\r\n", 0.3)
        s.modem("\r\n#XRECV: %d\r\n%s\r\nOK\r\n" % (len(rsp), rsp), 0.33)
    # data mode
    s.cmd("AT#XSEND", delay=0.01, think=1.0)
    blob = "rec 1;21.4\r\nrec 2;21.5\r\nOK\r\nrec 3;Ready\r\n"
    s.host(blob, 0.1)
    s.host("+++", 1.0)
    s.urc("#XDATAMODE: 0", 0.05)
    s.host("AT#XRECV=10\r\n", 0.4)
    s.modem("\r\n#XRECV: %d\r\n%s\r\nOK\r\n" % (len(blob), blob), 0.1)
    s.wait(11)
    s.urc("+CSCON: 0")
    s.wait(60)
    s.cmd('AT#XSEND="BYE"', ["#XSEND: 3"], delay=0.03)
    s.urc("+CSCON: 1", 0.15)
    s.cmd("AT#XSOCKET=0", ['#XSOCKET: 0,"closed"'], delay=0.03, think=0.6)
    s.cmd("AT#XSOCKET=1,2,0", ["#XSOCKET: 0,2,17"], delay=0.02, think=1.0)
    for i in range(3):
        msg = "q%d" % i
        s.cmd('AT#XSENDTO="udp.example.net",7,"%s"' % msg, ["#XSENDTO: %d" % len(msg)], delay=0.03, think=0.3 if i == 0 else 8)
        s.host("AT#XRECVFROM=5\r\n", 0.2)
        r = "%s\r\nOK\r\n" % msg
        s.modem('\r\n#XRECVFROM: %d,"198.51.100.23",7\r\n%s\r\nOK\r\n' % (len(r), r), 0.28)
    s.cmd("AT#XSOCKET=0", ['#XSOCKET: 0,"closed"'], delay=0.03, think=0.6)
    rrc_idle(s, 10.0)
    s.wait(100)
    s.cmd("AT+CFUN?", ["+CFUN: 1"], delay=0.008, think=0.0)
    return s


def s250_idle_input_lost():
    s = Session("2.5.0", "l-idle-command-lost",
                "A v2.5.0 duty-cycled node: #XSLEEP=2 idle cycles; once the host sends AT%XMONITOR while the SLM is still idle (UART suspended) and gets nothing, wakes it, gets Ready + buffered URCs, and repeats the command",
                "sdk-nrf v2.5.0 applications/serial_lte_modem/src/slm_at_commands.c handle_at_sleep() (SLEEP_MODE_IDLE), slm_uart_handler.c slm_uart_power_off() (rx_disable; Ready queued first for the resume), slm_uart_power_on()",
                "7 problem (input lost while idle)", "v2.5.0 host talks to a suspended UART; lost, not a missing final result")
    boot(s)
    setup(s, psm=True, xmodemsleep=True)
    attach(s)
    monitor = ('%XMONITOR: 1,"Telenor","Telenor","24201","4E2F",7,20,"0138A70B",301,6400,52,18,"",'
               '"00100001","00000110","00001001"')
    s.cmd("AT%XMONITOR", [monitor], delay=0.02, think=1.0)
    s.cmd("AT#XSLEEP=2", delay=0.004, think=0.4)
    s.wait(120)
    s.modem("Ready\r\n", 0.0)
    s.modem("\r\n+CSCON: 0\r\n\r\n%XMODEMSLEEP: 1,3540000\r\n", 0.002)
    s.cmd("AT+CESQ", ["+CESQ: 99,99,255,255,18,52"], delay=0.01, think=0.3)
    s.cmd("AT#XSLEEP=2", delay=0.004, think=0.5)
    s.wait(90)
    t_lost = s.host("AT%XMONITOR\r\n", 0.0)
    s.note_expect("warning slm.sleep.input-lost @ %.2f   # sent while the SLM is idle after #XSLEEP=2 (UART RX disabled): lost; no at.final.missing for it" % t_lost)
    s.wait(3.5)
    # host gives up waiting and toggles the wake pin: Ready, then the buffered URC
    s.modem("Ready\r\n", 0.0)  # nothing was buffered (the modem stayed in PSM)
    s.cmd("AT%XMONITOR", [monitor.replace(",52,18,", ",49,15,")], delay=0.02, think=0.3)
    xping(s, "nordicsemi.com", 1, ["0.512"], wake=True)
    s.cmd("AT#XSLEEP=2", delay=0.004, think=12.0)
    s.wait(150)
    s.modem("Ready\r\n", 0.0)
    s.modem("\r\n+CSCON: 0\r\n\r\n%XMODEMSLEEP: 1,3540000\r\n", 0.002)
    s.cmd("AT+CFUN?", ["+CFUN: 1"], delay=0.008, think=0.3)
    return s


# =============================================================================================
# v2.6.0
# =============================================================================================
def s260_mqttcfg_tls():
    s = Session("2.6.0", "l-mqttcfg-tls-day",
                "MQTT/TLS on v2.6.0: credentials via %CMNG while offline, #XMQTTCFG client id/keep-alive, #XMQTTCON without client id, QoS1/QoS2 publishes, data-mode publish, subscription message, unsubscribe, disconnect",
                "sdk-nrf v2.6.0 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c handle_at_mqtt_config() (#XMQTTCFG=<cid>[,<keep_alive>[,<clean_session>]]), handle_at_mqtt_connect() (<op>,<user>,<pass>,<url>,<port>[,<sec_tag>]), mqtt_evt_handler()",
                "healthy", "v2.6.0 MQTT/TLS day with the v2.6 syntax; all healthy")
    boot(s)
    s.cmd('AT%%CMNG=0,7,0,"%s"' % PEM_CA, delay=0.25, think=0.3)
    s.cmd('AT%%CMNG=0,7,1,"%s"' % PEM_CERT, delay=0.24, think=0.2)
    s.cmd('AT%%CMNG=0,7,2,"%s"' % PEM_KEY, delay=0.26, think=0.2)
    setup(s, psm=True, edrx=False)
    attach(s)
    s.cmd('AT#XMQTTCFG="dk7731-%s",300,1' % IMEI[-4:], delay=0.006, think=0.5)
    s.cmd('AT#XMQTTCFG?', ['#XMQTTCFG: "dk7731-%s",300,1' % IMEI[-4:]], delay=0.006)
    s.cmd('AT#XMQTTCON=1,"","","iot.example.com",8883,7', delay=3.1)
    s.urc("#XMQTTEVT: 0,0", 0.4)
    s.cmd('AT#XMQTTSUB="dk7731/cmd/#",1', delay=0.05)
    s.urc("#XMQTTEVT: 7,0", 0.3)
    for i in range(5):
        if i:
            s.wait(11)
            s.urc("+CSCON: 0")
            s.wait(45)
        qos = 2 if i == 2 else 1
        s.cmd('AT#XMQTTPUB="dk7731/telemetry","t=2%d.%d",%d,0' % (2, i, qos), delay=0.03, think=0.2)
        if i:
            s.urc("+CSCON: 1", 0.15)
        if qos == 1:
            s.urc("#XMQTTEVT: 3,0", 0.31)
        else:
            s.urc("#XMQTTEVT: 4,0", 0.3)
            s.urc("#XMQTTEVT: 6,0", 0.29)
        if i == 1:
            topic, payload = "dk7731/cmd/led", "on\r\nOK"
            s.modem("\r\n#XMQTTMSG: %d,%d\r\n%s\r\n%s\r\n" % (len(topic), len(payload), topic, payload), 1.9)
            s.urc("#XMQTTEVT: 2,0", 0.001)
    s.cmd('AT#XMQTTPUB="dk7731/blob","",1,0', delay=0.01, think=1.0)
    s.host("chunk-0001 Ready\r\nchunk-0002 OK\r\nchunk-0003 #XMQTTEVT: 0,0\r\n", 0.1)
    # the chunk is published when the inactivity timer fires; its PUBACK (an SLM URC) arrives while the
    # SLM is still in data mode, which SLM URCs may do
    s.urc("#XMQTTEVT: 3,0", 0.35)
    s.host("+++", 0.65)
    s.urc("#XDATAMODE: 0", 0.05)
    s.cmd('AT#XMQTTUNSUB="dk7731/cmd/#"', delay=0.05, think=2.0)
    s.urc("#XMQTTEVT: 8,0", 0.3)
    s.host("AT#XMQTTCON=0\r\n", 1.0)
    s.urc("#XMQTTEVT: 1,0", 0.2)
    s.modem(answer(), 0.25)
    s.cmd("AT#XMQTTCON?", ["#XMQTTCON: 0"], delay=0.006, think=0.4)
    rrc_idle(s, 10.0)
    return s


def s260_http_post_proxy():
    s = Session("2.6.0", "l-http-post-tcpcli",
                "A v2.6.0 data logger: HTTP POST in data mode (#XHTTPCREQ: 1, payload, +++, #XDATAMODE: 0, #XHTTPCREQ: 0, header/body #XHTTPCRSP trailers), a GET whose body comes in two recvs, and a TCP client session",
                "sdk-nrf v2.6.0 applications/serial_lte_modem/src/http_c/slm_at_httpc.c payload_cb(), httpc_datamode_callback(), response_cb(); slm_at_host.c exit_datamode() (#XDATAMODE: <result>); slm_at_tcp_proxy.c",
                "healthy", "v2.6.0 HTTP POST/GET and TCP proxy; all healthy")
    boot(s)
    setup(s, psm=False)
    attach(s, psm=False)
    s.cmd('AT#XHTTPCCON=1,"api.example.com",80', ["#XHTTPCCON: 1"], delay=0.9, think=0.8)
    payload = '{"id":"dk7731","t":[21.4,21.5,21.7],"msg":"OK\\r\\nReady"}'
    s.cmd('AT#XHTTPCREQ="POST","/v1/log","","application/json",%d' % len(payload), delay=0.02)
    s.urc("#XHTTPCREQ: 1", 0.02)
    s.host(payload, 0.1)
    s.host("+++", 1.0)
    s.urc("#XDATAMODE: 0", 0.04)
    s.urc("#XHTTPCREQ: 0", 0.01)
    hdr = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n"
    body = '{"stored":"OK"}\r\n'
    # one recv holds the whole response: header trailer with final=1 (response_cb() passes final_data)
    s.modem(hdr, 0.5)
    s.urc("#XHTTPCRSP:%d,1" % len(hdr), 0.0)
    s.modem(body, 0.0)
    s.urc("#XHTTPCRSP:%d,1" % len(body), 0.0)
    s.wait(20)
    s.cmd('AT#XHTTPCREQ="GET","/v1/config/dk7731"', delay=0.015)
    s.urc("#XHTTPCREQ: 0", 0.03)
    body2 = "interval=300\r\nreport=1\r\nOK\r\nReady\r\n" + "#" * 40 + "\r\n"
    hdr2 = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body2)
    s.modem(hdr2, 0.45)
    s.urc("#XHTTPCRSP:%d,0" % len(hdr2), 0.0)
    s.modem(body2[:30], 0.0)
    s.modem(body2[30:], 0.12)
    s.urc("#XHTTPCRSP:%d,1" % len(body2), 0.0)
    s.cmd("AT#XHTTPCCON=0", ["#XHTTPCCON: 0"], delay=0.05, think=0.7)
    rrc_idle(s, 10.0)
    s.wait(120)
    s.cmd_wake('AT#XTCPCLI=1,"gw.example.com",7000', ['#XTCPCLI: 0,"connected"'], delay=1.0)
    for i in range(3):
        req = "REPORT %d" % i
        s.cmd('AT#XTCPSEND="%s"' % req, ["#XTCPSEND: %d" % len(req)], delay=0.02, think=0.4 if i == 0 else 15)
        r = "OK %d\r\n" % i
        s.urc("#XTCPDATA: %d" % len(r), 0.35)
        s.modem(r, 0.001)
    s.cmd("AT#XTCPCLI=0", ['#XTCPCLI: 0,"disconnected"'], delay=0.1, think=1.0)
    rrc_idle(s, 10.0)
    s.wait(60)
    detach_cfun4(s)
    return s


def s260_nw_detach():
    s = Session("2.6.0", "l-mqtt-nw-detach",
                "MQTT on v2.6.0; mid-session the network detaches the device (+CGEV: NW DETACH), the MQTT connection aborts, the modem re-registers by itself and the host reconnects",
                "sdk-nrf v2.6.0 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c mqtt_thread_fn() (poll error -> mqtt_abort -> #XMQTTEVT: 1,<err>); modem +CGEV/+CEREG (nRF91 AT reference)",
                "11 problem (network detach)", "v2.6.0 network-initiated detach mid-session; recovery is clean")
    boot(s)
    setup(s, psm=False)
    attach(s, psm=False)
    s.cmd('AT#XMQTTCFG="dk7731",60,1', delay=0.006, think=0.5)
    s.cmd('AT#XMQTTCON=1,"","","broker.example.com",1883', delay=1.3)
    s.urc("#XMQTTEVT: 0,0", 0.3)
    s.cmd('AT#XMQTTSUB="dk7731/cmd",1', delay=0.05)
    s.urc("#XMQTTEVT: 7,0", 0.3)
    for i in range(4):
        if i:
            s.wait(11)
            s.urc("+CSCON: 0")
            s.wait(35)
        s.cmd('AT#XMQTTPUB="dk7731/telemetry","t=2%d.0",1,0' % i, delay=0.03, think=0.2)
        if i:
            s.urc("+CSCON: 1", 0.15)
        s.urc("#XMQTTEVT: 3,0", 0.3)
    s.wait(5)
    t_det = s.urc("+CGEV: NW DETACH", 0.0)
    s.note_expect("warning modem.detached @ %.2f   # the network detached the device; the host had not asked" % t_det)
    s.urc("+CEREG: 0", 0.01)
    s.urc("+CSCON: 0", 0.3)
    s.urc("#XMQTTEVT: 1,-113", 0.9)
    s.urc('+CEREG: 2,"%s","%s",7' % (TAC, CI), 4.0)
    s.urc("+CSCON: 1", 3.1)
    s.urc(cereg_home(False), 2.2)
    s.urc("+CGEV: ME PDN ACT 0", 0.004)
    s.cmd('AT#XMQTTCON=1,"","","broker.example.com",1883', delay=1.4, think=1.5)
    s.urc("#XMQTTEVT: 0,0", 0.3)
    s.cmd('AT#XMQTTSUB="dk7731/cmd",1', delay=0.05)
    s.urc("#XMQTTEVT: 7,0", 0.3)
    for i in range(3):
        if i:
            s.wait(11)
            s.urc("+CSCON: 0")
            s.wait(35)
        s.cmd('AT#XMQTTPUB="dk7731/telemetry","t=2%d.5 reattach=1",1,0' % i, delay=0.03, think=0.2)
        if i:
            s.urc("+CSCON: 1", 0.15)
        s.urc("#XMQTTEVT: 3,0", 0.3)
    s.host("AT#XMQTTCON=0\r\n", 2.0)
    s.urc("#XMQTTEVT: 1,0", 0.2)
    s.modem(answer(), 0.25)
    rrc_idle(s, 10.0)
    return s


# =============================================================================================
# v2.9.0
# =============================================================================================
def s290_cloud_location():
    s = Session("2.9.0", "l-cloud-location-day",
                "A v2.9.0 asset tracker: nRF Cloud connect, cell-based location (#XNRFCLOUDPOS), cloud-assisted GNSS fixes, cloud disconnect",
                "waynehsu0227/NCS_v2.9.0 applications/serial_lte_modem/src/nrfcloud/slm_at_nrfcloud.c on_cloud_evt_ready() (#XNRFCLOUD: 1,0), handle_at_nrf_cloud_pos() / location callback (#XNRFCLOUDPOS: <type>,<lat>,<lon>,<unc>); gnss/slm_at_gnss.c handle_at_gps() (op,cloud_assistance,interval)",
                "healthy", "v2.9.0 cloud location + A-GNSS day; all healthy")
    boot(s)
    setup(s, psm=True, xmodemsleep=False)
    attach(s)
    s.cmd("AT#XNRFCLOUD=1", delay=1.5, think=1.0)
    s.urc("#XNRFCLOUD: 1,0", 4.8)
    s.cmd("AT#XNRFCLOUDPOS=1,0", delay=0.2, think=0.5)
    s.urc("#XNRFCLOUDPOS: 0,59.334611,18.063102,812", 3.9)
    s.host("AT#XGPS=1,1,0,120\r\n", 1.0)
    s.urc("#XGPS: 1,1", 0.6)
    s.modem(answer(), 0.001)
    rrc_idle(s, 12.0)  # after the A-GNSS download
    # doc/GNSS_AT_commands.rst (v2.9) single-fix example: #XGPS: 1,4 (sleep after fix) comes before the fix line
    s.urc("#XGPS: 1,4", 19.0)
    s.urc('#XGPS: 59.334598,18.063251,41.300000,7.200000,0.000000,0.000000,"2026-11-29 11:02:17"', 0.003)
    s.wait(200)
    s.cmd("AT#XNRFCLOUDPOS=1,0", delay=0.2)
    s.urc("+CSCON: 1", 0.1)
    s.urc("#XNRFCLOUDPOS: 0,59.334650,18.063011,790", 3.7)
    s.cmd("AT#XGPS=0", delay=0.02, think=2.0)
    s.urc("#XGPS: 1,0", 0.01)
    rrc_idle(s, 10.0)
    s.wait(120)
    s.cmd("AT#XNRFCLOUD?", ['#XNRFCLOUD: 1,0,16842753,"50503041-3633-4261-803d-1e2b8f70111a"'], delay=0.006)
    s.host("AT#XNRFCLOUD=0\r\n", 0.15)
    s.urc("+CSCON: 1", 0.05)
    s.urc("#XNRFCLOUD: 0,0", 0.4)
    s.modem(answer(), 0.01)
    rrc_idle(s, 10.0)
    return s


def s290_idle_resume():
    s = Session("2.9.0", "l-idle-resume-cycles",
                "A v2.9.0 low-power node: #XSLEEP=2 idle periods (Ready queued at power-off comes out first on resume, then the buffered URCs), pings between, a host-requested CFUN=4/CFUN=1 cycle with ME DETACH",
                "waynehsu0227/NCS_v2.9.0 applications/serial_lte_modem/src/slm_at_commands.c handle_at_sleep()/go_sleep_wk(), slm_at_host.c slm_at_host_power_off() (\"Write sync str to buffer so it is sent first when resuming\"), slm_at_host_power_on()",
                "healthy", "v2.9.0 idle/resume cycles and a host-requested detach; all healthy")
    boot(s)
    setup(s, psm=True, xmodemsleep=True, mdmev=True)
    attach(s)
    xping(s, "nordicsemi.com", 2, ["0.310", "0.188"], think=1.0)
    for cycle in range(3):
        s.cmd("AT#XSLEEP=2", delay=0.004, think=0.5)
        s.wait(140 - 20 * cycle)
        # resume: Ready (queued by slm_at_host_power_off()) first, then what was buffered while idle
        s.modem("Ready\r\n", 0.0)
        if cycle == 0:  # went idle while still RRC connected after the first ping
            buf = "\r\n+CSCON: 0\r\n\r\n%XMODEMSLEEP: 1,3540000\r\n"
        else:
            buf = "\r\n%%CESQ: 5%d,2,19,2\r\n\r\n%%XMODEMSLEEP: 1,3540000\r\n" % (cycle + 1)
        s.modem(buf, 0.001)
        s.cmd("AT+CEREG?", ['+CEREG: 5,1,"%s","%s",7,,,"00100001","00000110"' % (TAC, CI)], delay=0.009, think=0.25)
        xping(s, "nordicsemi.com", 1, ["0.4%02d" % (10 + cycle)], wake=True)
        rrc_idle(s, 10.0)
    detach_cfun4(s)
    s.urc("%XMODEMSLEEP: 4", 0.05)
    s.wait(40)
    s.cmd("AT+CFUN=1", delay=0.08, think=0.0)
    attach(s, search=1.3)
    s.cmd("AT#XSLEEP=2", delay=0.004, think=1.0)
    s.wait(90)
    s.modem("Ready\r\n", 0.0)
    s.modem("\r\n+CSCON: 0\r\n\r\n%XMODEMSLEEP: 1,3540000\r\n", 0.001)
    s.cmd("AT+CFUN?", ["+CFUN: 1"], delay=0.008, think=0.3)
    return s


def s290_sms_http():
    s = Session("2.9.0", "l-sms-http-day",
                "A v2.9.0 remote switch: SMS commands in, HTTP GET of a schedule (#XHTTPCRSP header/body trailers, body with OK/Ready lines), UDP proxy report with the v2.9 #XUDPDATA: <n>,\"<ip>\",<port> header, SMS confirmation",
                "waynehsu0227/NCS_v2.9.0 applications/serial_lte_modem/src/slm_at_sms.c sms_callback(); http_c/slm_at_httpc.c response_cb(); slm_at_udp_proxy.c (\"#XUDPDATA: %d,\\\"%s\\\",%d\" then data)",
                "healthy", "v2.9.0 SMS + HTTP + UDP proxy day; all healthy")
    boot(s)
    setup(s, psm=False, edrx=True)
    attach(s, psm=False, edrx=True)
    s.cmd("AT#XSMS=1", delay=0.06, think=0.8)
    rrc_idle(s, 9.0)
    s.urc("+CSCON: 1", 40.0)
    sms_in(s, "+46700123456", "SYNC SCHEDULE", (26, 11, 29, 12, 0, 3), 0.8)
    s.cmd('AT#XHTTPCCON=1,"sched.example.com",80', ["#XHTTPCCON: 1"], delay=0.9, think=0.6)
    s.cmd('AT#XHTTPCREQ="GET","/dk7731/schedule"', delay=0.015)
    s.urc("#XHTTPCREQ: 0", 0.03)
    body = "06:00 ON\r\n07:30 OFF\r\nOK\r\n18:00 ON\r\nReady\r\n23:00 OFF\r\n"
    hdr = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    # one recv holds the whole response: header trailer with final=1 (response_cb() passes final_data)
    s.modem(hdr, 0.5)
    s.urc("#XHTTPCRSP:%d,1" % len(hdr), 0.0)
    s.modem(body, 0.0)
    s.urc("#XHTTPCRSP:%d,1" % len(body), 0.0)
    s.cmd("AT#XHTTPCCON=0", ["#XHTTPCCON: 0"], delay=0.05, think=0.6)
    s.cmd('AT#XSMS=2,"+46700123456","schedule 4 entries OK"', delay=2.0, think=0.8)
    rrc_idle(s, 10.0)
    s.wait(60)
    s.cmd('AT#XUDPCLI=1,"udp.example.net",5683', ['#XUDPCLI: 0,"connected"'], delay=0.4)
    for i in range(3):
        msg = "relay=%d" % (i % 2)
        s.cmd('AT#XUDPSEND="%s"' % msg, ["#XUDPSEND: %d" % len(msg)], delay=0.02, think=0.5 if i == 0 else 7.0)
        if i == 0:
            s.urc("+CSCON: 1", 0.1)
        r = "ack\r\nOK\r\n"
        s.urc('#XUDPDATA: %d,"198.51.100.23",5683' % len(r), 0.3)
        s.modem(r, 0.001)
    s.cmd("AT#XUDPCLI=0", ['#XUDPCLI: 0,"disconnected"'], delay=0.05, think=1.0)
    rrc_idle(s, 10.0)
    s.wait(100)
    s.urc("+CSCON: 1", 0.0)
    sms_in(s, "+46700123456", "STATUS", (26, 11, 29, 12, 7, 41), 0.8)
    s.cmd('AT#XSMS=2,"+46700123456","relay=0 rsrp=-88"', delay=2.1, think=1.0)
    rrc_idle(s, 10.0)
    return s


ALL = [s212_mqtt_telemetry_day, s212_tcp_http_ping, s212_idle_cycles, s212_mqtt_burst_reboot,
       s220_nrfcloud_gnss, s220_sms_ping_udp, s220_tls_xcmng_native,
       s230_tcp_udp_proxy, s230_http_fota, s230_connack_late,
       s250_mqtt_tls, s250_gnss_psm, s250_socket_recv, s250_idle_input_lost,
       s260_mqttcfg_tls, s260_http_post_proxy, s260_nw_detach,
       s290_cloud_location, s290_idle_resume, s290_sms_http]


def main():
    for fn in ALL:
        s = fn()
        n, dur = s.write()
        print("%-8s %-28s %4d records %6.1f s  %s" % (s.ver, s.name, n, dur, s.klass))


if __name__ == "__main__":
    main()
