#!/usr/bin/env python3
"""Writes the synthetic SLM sessions in traces/ (byte for byte from ../shared/docs/slm-protocol.md).

Run from the repository root: `python3 traces/make_traces.py`. Deterministic: the same script
writes the same files. Each session is a list of steps; times are seconds from the capture start.
Host commands go out as one chunk; modem answers as one chunk per line group, the way a USB-UART
adapter read loop delivers them at 115200 Bd.
"""
import base64
import hashlib
import json
import os

BYTE_S = 10 / 115200  # one 8N1 character at 115200 Bd


class Session:
    def __init__(self, title, slm="2.1.2"):
        self.t = 0.0
        self.recs = []
        self.meta = {
            "source": "synthetic (traces/make_traces.py)",
            "title": title,
            "baud": 115200,
            "firmware": {"slm": slm, "board": "nrf9160dk_nrf9160_ns"},
        }

    def at(self, t):
        self.t = max(self.t, t)
        return self

    def wait(self, s):
        self.t += s
        return self

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
        if isinstance(data, str):
            data = data.encode()
        self._rec("host", data)
        return self

    def cmd(self, line, gap=0.05):
        return self.host(line.encode() + b"\r\n", gap)

    def modem(self, data, gap=0.0):
        self.wait(gap)
        if isinstance(data, str):
            data = data.encode()
        self._rec("modem", data)
        return self

    def lines(self, *lines, gap=0.02):
        """Information lines then a final result, framed as SLM does (§1.3)."""
        out = b""
        for i, l in enumerate(lines):
            l = l.encode() if isinstance(l, str) else l
            is_final = i == len(lines) - 1
            if is_final and len(lines) > 1:
                out += b"\r\n" + l + b"\r\n"
            else:
                out += b"\r\n" + l + b"\r\n"
        return self.modem(out, gap)

    def urc(self, line, gap=0.0):
        return self.modem(b"\r\n" + (line.encode() if isinstance(line, str) else line) + b"\r\n", gap)

    def write(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(json.dumps({"atrace": 1, "meta": self.meta}, separators=(",", ":")) + "\n")
            for r in self.recs:
                f.write(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n")


def pem(kind, seed, n=3):
    body = base64.b64encode(hashlib.sha512(seed.encode()).digest() * 2).decode()
    rows = [body[i:i + 64] for i in range(0, 64 * n, 64)]
    return f"-----BEGIN {kind}-----\r\n" + "\r\n".join(rows) + f"\r\n-----END {kind}-----"


def sha(seed):
    return hashlib.sha256(seed.encode()).hexdigest().upper()


def boot(s, version_lines=True):
    s.modem("Ready\r\n", 0.0)
    if version_lines:
        s.cmd("AT#XSLMVER", 0.3).lines('#XSLMVER: "2.1.2"', "OK", gap=0.004)
        s.cmd("AT+CGMR").lines("mfw_nrf9160_1.3.5", "OK", gap=0.006)
    return s


def attach(s):
    s.cmd("AT+CEREG=5").lines("OK", gap=0.004)
    s.cmd("AT+CSCON=1").lines("OK", gap=0.004)
    s.cmd("AT+CFUN=1").lines("OK", gap=0.08)
    s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 1.2)
    s.urc("+CSCON: 1", 1.6)
    s.urc('+CEREG: 1,"0A2E","01D9B70A",7,,,"11100000","11100000"', 0.9)
    s.cmd("AT+CGPADDR=0", 0.2).lines('+CGPADDR: 0,"10.160.77.12"', "OK", gap=0.005)
    return s


def mqtt_connect(s):
    s.cmd('AT#XMQTTCON=1,"atscope-dk-01","","","mqtt.eclipseprojects.io",1883', 0.3)
    s.lines("OK", gap=1.9)
    s.urc("#XMQTTEVT: 0,0", 0.45)
    return s


DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "slm-2.1.2")


def mqtt_clean():
    s = Session("Boot, LTE-M attach, MQTT connect/subscribe/publish/receive/disconnect")
    boot(s)
    attach(s)
    mqtt_connect(s)
    s.cmd('AT#XMQTTSUB="atscope/dk-01/cmd",1', 0.2).lines("OK", gap=0.03)
    s.urc("#XMQTTEVT: 7,0", 0.31)
    s.cmd('AT#XMQTTPUB="atscope/dk-01/status","online",1,0', 0.5).lines("OK", gap=0.04)
    s.urc("#XMQTTEVT: 3,0", 0.28)
    # An incoming PUBLISH whose payload holds CR LF and OK: it must stay payload.
    topic = b"atscope/dk-01/cmd"
    payload = b'{"run":"AT+CFUN?\\r\\n"}\r\nOK\r\n'
    s.modem(b"\r\n#XMQTTMSG: %d,%d\r\n" % (len(topic), len(payload)) + topic + b"\r\n" + payload + b"\r\n", 4.0)
    s.urc("#XMQTTEVT: 2,0", 0.001)
    s.cmd("AT#XMQTTCON=0", 3.0)
    s.urc("#XMQTTEVT: 1,0", 0.12)
    s.lines("OK", gap=0.002)
    s.write(os.path.join(DIR, "mqtt-session.atrace"))


def tcp_recv():
    s = Session("TCP socket: open, connect, send, #XRECV whose payload holds \\r\\nOK\\r\\n, close")
    boot(s)
    attach(s)
    s.cmd("AT#XSOCKET=1,1,0", 0.3).lines("#XSOCKET: 0,1,6", "OK", gap=0.01)
    s.cmd('AT#XCONNECT="echo.example.com",7', 0.1).lines("#XCONNECT: 1", "OK", gap=0.62)
    s.cmd('AT#XSEND="ping from atscope"', 0.1).lines("#XSEND: 17", "OK", gap=0.05)
    data = b"ping from atscope\r\nOK\r\n\r\nERROR\r\n"
    s.cmd("AT#XRECV=10", 0.4)
    s.modem(b"\r\n#XRECV: %d\r\n" % len(data) + data, 0.21)
    s.modem(b"\r\nOK\r\n", 0.0)
    s.cmd("AT#XSOCKET=0", 0.3).lines('#XSOCKET: 0,"closed"', "OK", gap=0.03)
    s.write(os.path.join(DIR, "tcp-recv-payload.atrace"))


def datamode():
    s = Session("Data mode: #XSEND without payload, AT text inside the payload, +++ after a pause")
    boot(s)
    attach(s)
    s.cmd("AT#XSOCKET=1,1,0", 0.3).lines("#XSOCKET: 0,1,6", "OK", gap=0.01)
    s.cmd('AT#XCONNECT="logger.example.com",5000', 0.1).lines("#XCONNECT: 1", "OK", gap=0.55)
    s.cmd("AT#XSEND", 0.1).lines("OK", gap=0.003)
    s.host(b"AT+CFUN=0\r\nAT#XRESET\r\n", 0.2)
    s.host(b'{"log":"OK\\r\\nERROR","n":1}\r\n', 0.004)
    s.host(b"+++", 1.0)
    s.urc("#XDATAMODE: 0", 0.06)
    s.cmd("AT#XSOCKET=0", 0.3).lines('#XSOCKET: 0,"closed"', "OK", gap=0.03)
    s.write(os.path.join(DIR, "datamode-send.atrace"))


def native_tls_cmng():
    s = Session("User report (1): native-TLS #XCMNG writes under sec_tag 321, then AT%CMNG=1 lists 3210/3211/3212")
    s.meta["firmware"]["profile"] = "native-tls"
    boot(s)
    s.cmd("AT+CFUN=4", 0.3).lines("OK", gap=0.12)
    for t, kind, seed in [(0, "CERTIFICATE", "ca"), (1, "CERTIFICATE", "client"), (2, "EC PRIVATE KEY", "key")]:
        s.cmd(f'AT#XCMNG=0,321,{t},"{pem(kind, seed)}"', 0.4).lines("OK", gap=0.35)
    s.cmd("AT%CMNG=1", 0.8)
    s.lines(
        f'%CMNG: 3210,0,"{sha("ca")}"',
        f'%CMNG: 3211,0,"{sha("client")}"',
        f'%CMNG: 3212,0,"{sha("key")}"',
        f'%CMNG: 4294967292,0,"{sha("nordic")}"',
        "OK",
        gap=0.09,
    )
    s.cmd("AT%CMNG=1,321", 1.5).lines("OK", gap=0.02)
    s.cmd("AT+CFUN=1", 0.5).lines("OK", gap=0.08)
    s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 1.1)
    s.urc('+CEREG: 1,"0A2E","01D9B70A",7,,,"11100000","11100000"', 2.3)
    s.write(os.path.join(DIR, "native-tls-cmng-list.atrace"))


def nrfcloud():
    s = Session("User report (2): %KEYGEN at 16842753, certificates through #XCMNG, AT#XNRFCLOUD=1: OK, no cloud, +CSCON: 0 6 s later")
    s.meta["firmware"]["profile"] = "native-tls"
    boot(s)
    s.cmd("AT+CFUN=4", 0.3).lines("OK", gap=0.12)
    s.cmd("AT%CMNG=3,16842753,2", 0.4).lines("OK", gap=0.05)
    s.cmd("AT%KEYGEN=16842753,2,0", 0.3)
    csr = base64.urlsafe_b64encode(hashlib.sha512(b"csr").digest() * 3).decode().rstrip("=")
    cose = base64.urlsafe_b64encode(hashlib.sha256(b"cose").digest()).decode().rstrip("=")
    s.lines(f'%KEYGEN: "{csr}.{cose}"', "OK", gap=1.4)
    s.cmd(f'AT#XCMNG=0,16842753,0,"{pem("CERTIFICATE", "aws-ca")}"', 5.0).lines("OK", gap=0.33)
    s.cmd(f'AT#XCMNG=0,16842753,1,"{pem("CERTIFICATE", "signed-client")}"', 0.6).lines("OK", gap=0.33)
    s.cmd("AT%CMNG=1", 0.8)
    s.lines(
        f'%CMNG: 16842753,2,"{sha("keygen")}"',
        f'%CMNG: 168427530,0,"{sha("aws-ca")}"',
        f'%CMNG: 168427531,0,"{sha("signed-client")}"',
        "OK",
        gap=0.08,
    )
    s.cmd("AT+CFUN=1", 0.5).lines("OK", gap=0.08)
    s.urc('+CEREG: 2,"0A2E","01D9B70A",7', 1.1)
    s.urc("+CSCON: 1", 1.3)
    s.urc('+CEREG: 1,"0A2E","01D9B70A",7,,,"11100000","11100000"', 0.8)
    s.cmd("AT#XNRFCLOUD=1", 0.4).lines("OK", gap=2.7)
    s.urc("+CSCON: 0", 6.0)
    s.cmd("AT#XNRFCLOUD?", 60.0).lines('#XNRFCLOUD: 0,0,16842753,"50503041-3633-4261-803d-1e2b8f70111a"', "OK", gap=0.01)
    s.write(os.path.join(DIR, "nrfcloud-keygen-no-cloud.atrace"))


def mqtt_reset():
    s = Session("User report (3): AT#XMQTTCON=0 answered by garbage bytes then Ready; #XMQTTEVT: 1,0 never came")
    boot(s)
    attach(s)
    mqtt_connect(s)
    s.cmd('AT#XMQTTPUB="atscope/dk-01/status","online",0,0', 2.0).lines("OK", gap=0.04)
    s.cmd("AT#XMQTTCON=0", 12.0)
    s.modem(b"\xc0\xff\x00Ready\r\n", 2.35)
    s.cmd("AT", 3.0).lines("OK", gap=0.004)
    s.write(os.path.join(DIR, "mqtt-disconnect-reset.atrace"))


def http_client():
    s = Session("HTTP client: connect, GET, header block and body as raw bytes before their #XHTTPCRSP trailers")
    boot(s)
    attach(s)
    s.cmd('AT#XHTTPCCON=1,"example.com",80', 0.3).lines("#XHTTPCCON: 1", "OK", gap=0.8)
    s.cmd('AT#XHTTPCREQ="GET","/status"', 0.2).lines("OK", gap=0.02)
    s.urc("#XHTTPCREQ: 0", 0.05)
    header = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n\r\n"
    body = b"OK\r\nall systems\r\n"
    s.modem(header, 0.4)
    s.modem(b"\r\n#XHTTPCRSP:%d,0\r\n" % len(header), 0.001)
    s.modem(body, 0.01)
    s.modem(b"\r\n#XHTTPCRSP:%d,1\r\n" % len(body), 0.001)
    s.cmd("AT#XHTTPCCON=0", 0.5).lines("#XHTTPCCON: 0", "OK", gap=0.1)
    s.write(os.path.join(DIR, "http-client-get.atrace"))


def gnss():
    s = Session("GNSS: system mode with GNSS, CFUN=31, one fix, stop")
    boot(s)
    s.cmd("AT%XSYSTEMMODE=1,0,1,0", 0.3).lines("OK", gap=0.01)
    s.cmd("AT+CFUN=31", 0.2).lines("OK", gap=0.05)
    s.cmd("AT#XGPS=1,0,120", 0.2).lines("#XGPS: 1,1", "OK", gap=0.03)
    s.urc('#XGPS: 35.681236,139.767125,41.2,7.8,0.1,0.0,"2026-11-25 09:41:07"', 38.0)
    s.urc("#XGPS: 1,4", 0.02)
    s.cmd("AT#XGPS=0", 1.0).lines("#XGPS: 1,0", "OK", gap=0.02)
    s.write(os.path.join(DIR, "gnss-single-fix.atrace"))


def fota():
    s = Session("Application FOTA: download, #XRESET to activate, Ready, #XFOTA: 5,0")
    boot(s)
    attach(s)
    s.cmd('AT#XFOTA=1,"http://fota.example.com/slm_app_update.bin"', 0.3).lines("OK", gap=0.4)
    for pct in (10, 30, 50, 70, 90, 100):
        s.urc(f"#XFOTA: 1,0,{pct}", 2.0)
    s.urc("#XFOTA: 4,0", 0.3)
    s.cmd("AT#XRESET", 1.0).lines("OK", gap=0.01)
    s.modem(b"Ready\r\n", 12.5)
    s.urc("#XFOTA: 5,0", 0.02)
    s.cmd("AT#XSLMVER", 0.5).lines('#XSLMVER: "2.1.2"', "OK", gap=0.004)
    s.write(os.path.join(DIR, "fota-app-update.atrace"))


def sleep_wake():
    s = Session("#XSLEEP=2 idle then wake (Ready, buffered URCs), then #XSLEEP=1 and a wake-up pin reset")
    boot(s)
    attach(s)
    s.cmd("AT#XSLEEP=2", 1.0).lines("OK", gap=0.01)
    s.modem(b"Ready\r\n", 30.0)
    s.urc("+CSCON: 0", 0.003)
    s.cmd("AT+CEREG?", 0.2).lines('+CEREG: 5,1,"0A2E","01D9B70A",7,,,"11100000","11100000"', "OK", gap=0.01)
    s.cmd("AT#XSLEEP=1", 1.0).lines("OK", gap=0.01)
    s.modem(b"Ready\r\n", 45.0)
    s.cmd("AT#XSLMVER", 0.5).lines('#XSLMVER: "2.1.2"', "OK", gap=0.004)
    s.write(os.path.join(DIR, "sleep-idle-and-wake.atrace"))


if __name__ == "__main__":
    for f in (mqtt_clean, tcp_recv, datamode, native_tls_cmng, nrfcloud, mqtt_reset, http_client, gnss, fota, sleep_wake):
        f()
