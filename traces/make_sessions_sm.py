#!/usr/bin/env python3
"""Serial Modem (SM) oracle sessions for atscope (issue 16): traces/sm-1.0.1/.

The Serial Modem is the successor of the SLM (nrfconnect/ncs-serial-modem). Every byte here is written from
its source and docs at tag v1.0.1 (west.yml: sdk-nrf v3.2.4), read without reference to atscope's decoder:
  app/Kconfig                      choice "Termination mode", default SM_CR_TERMINATION
  app/src/sm_at_host.c             cmd_rx_handler() (terminator, "Don't buffer anything until AT"),
                                   cmd_grammar_check(), cmd_send(), format_final_result(), exit_datamode()
  app/src/sm_defines.h             SM_SYNC_STR "Ready\r\n" (sent by main.c at start)
  app/src/sm_at_commands.c         handle_at_smver(): "\r\n#XSMVER: %s,%s\r\n" STRINGIFY(SM_VERSION), NCS
  app/src/sm_at_socket.c           #XSOCKET/#XCONNECT/#XSEND/#XRECV/#XCLOSE responses, do_recv()
  app/src/sm_at_mqtt.c, sm_at_nrfcloud.c, sm_at_gnss.c, doc/app/at_*.rst examples
The expectations are written in this script, next to the bytes, before atscope ran on them.

stdlib only, deterministic. Run from the repository root:  python3 traces/make_sessions_sm.py
"""
import base64
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = "traces/make_sessions_sm.py"
BYTE_NS = 86806  # 10 bit times at 115200 Bd
CRLF = "\r\n"
SM_TAG = "v1.0.1"
SM_VER = "1.0.1"
NCS = "3.2.4"
SRC = "ncs-serial-modem@" + SM_TAG


def ns(sec):
    return int(round(sec * 1e9))


class Session:
    """One capture: records in time order plus the expected findings (written before generation)."""

    def __init__(self, folder, name, title, summary, source, firmware, script=SCRIPT):
        self.script = script
        self.folder = folder
        self.name = name
        self.title = title
        self.summary = summary
        self.source = source
        self.firmware = firmware
        self.t = 0
        self.recs = []
        self.expect = []

    def now(self):
        return self.t / 1e9

    def wait(self, sec):
        self.t += ns(sec)

    def _rec(self, d, data, gap):
        self.wait(gap)
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
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

    def cond(self, d, cond, gap=0.0):
        self.wait(gap)
        self.recs.append({"t": self.t, "d": d, "cond": cond})
        return self.t / 1e9

    def exp(self, line):
        self.expect.append(line)

    def write(self):
        folder = os.path.join(HERE, self.folder)
        os.makedirs(folder, exist_ok=True)
        meta = {"atrace": 1, "meta": {
            "source": "synthetic, written from the Serial Modem source (%s)" % self.script,
            "title": self.title, "baud": 115200, "firmware": self.firmware}}
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
            f.write("# length: %.1f s, %d records\n" % (self.now(), len(self.recs)))
            if not any(l.startswith(("error", "warning")) for l in self.expect):
                f.write("# expect: no warnings, no errors\n")
            for l in self.expect:
                f.write(l + "\n")
        return len(self.recs), self.now()


# ---- SM framing ------------------------------------------------------------------------------
def answer(lines=(), final="OK"):
    """cmd_send()/format_final_result(): "\\r\\n" + info lines + "\\r\\n" before the final result."""
    s = ""
    if lines:
        s = CRLF + CRLF.join(lines) + CRLF
    return s + CRLF + final + CRLF


class SmSession(Session):
    """A Serial Modem built with the default CONFIG_SM_CR_TERMINATION: the host ends commands with CR."""

    term = "\r"

    def __init__(self, name, title, summary, source, term="\r"):
        super().__init__("sm-" + SM_VER, name, title, summary, source,
                         {"sm": SM_VER, "ncs": NCS, "board": "nrf9151dk_nrf9151_ns"})
        self.term = term

    def cmd(self, c, lines=(), final="OK", delay=0.012, think=0.15):
        t = self.host(c + self.term, think)
        self.modem(answer(lines, final), delay)
        return t

    def urc(self, text, gap=0.0):
        return self.modem(CRLF + text + CRLF, gap)


SMVER_LINE = '#XSMVER: "v%s","%s"' % (SM_VER, NCS)  # handle_at_smver(): STRINGIFY of quoted strings
IMEI = "359404230071234"


def boot(s, smver=True):
    s.modem("Ready\r\n")
    s.exp("note slm.reset.expected @ 0   # power-on Ready at the capture start (main.c: SM_SYNC_STR)")
    if smver:
        t = s.cmd("AT#XSMVER", [SMVER_LINE], delay=0.006, think=0.4)
        s.exp("note sm.dialect @ %.3f   # #XSMVER answered (sm_at_commands.c:handle_at_smver@%s); commands end "
              "with CR only (CONFIG_SM_CR_TERMINATION, the default in app/Kconfig)" % (t, SM_TAG))
        return t


def attach(s):
    s.cmd("AT+CGSN=1", ['+CGSN: "%s"' % IMEI], delay=0.009)
    s.cmd("AT+CEREG=5", delay=0.007, think=0.05)
    s.cmd("AT+CFUN=1", delay=0.08)
    s.urc('+CEREG: 2,"4E2F","0138A70B",7', 0.6)
    s.urc('+CEREG: 5,"4E2F","0138A70B",7,,,"11100000","11100000"', 1.4)


# =============================================================================================
def s_sockets_tcp():
    s = SmSession("h-sockets-tcp", "SM TCP socket: open, connect, send, receive, close",
                  "SM v1.0.1, handle-based TCP client: #XSOCKET=1,1,0 -> handle 0, #XCONNECT=0,host,port, "
                  "#XSEND string mode, #XRECV binary mode (#XRECV: 0,0,<size> then the payload, then OK), "
                  "#XRECV hex mode, #XCLOSE=0. AT#XSOCKET=1,1,0 also existed on the SLM with the same shape "
                  "(op 1 = IPv4 open): it is a valid SM command (near miss for sm.slm-command)",
                  "%s app/src/sm_at_socket.c handle_at_socket(), handle_at_connect(), handle_at_send(), "
                  "do_recv(), handle_at_close(); doc/app/at_socket.rst" % SRC)
    boot(s)
    attach(s)
    s.cmd("AT#XSOCKET=1,1,0", ["#XSOCKET: 0,1,6"], delay=0.02, think=0.3)
    s.cmd('AT#XCONNECT=0,"echo.example.com",7', ["#XCONNECT: 0,1"], delay=0.74)
    s.cmd('AT#XSEND=0,0,0,"hello sm"', ["#XSEND: 0,0,8"], delay=0.03)
    # do_recv(): rsp_send("\r\n#XRECV: %d,%d,%d\r\n") then data_send(payload), then the final OK
    s.host("AT#XRECV=0,0,0,10\r", 0.4)
    s.modem("\r\n#XRECV: 0,0,8\r\nhello sm" + "\r\nOK\r\n", 0.21)
    s.cmd('AT#XSEND=0,1,0,"0D0A4F4B0D0A"', ["#XSEND: 0,0,6"], delay=0.03)
    s.host("AT#XRECV=0,1,0,10\r", 0.4)
    s.modem("\r\n#XRECV: 0,1,6\r\n0d0a4f4b0d0a" + "\r\nOK\r\n", 0.19)
    s.cmd("AT#XCLOSE=0", ["#XCLOSE: 0,0"], delay=0.05)
    s.wait(1.0)
    return s


def s_mqtt():
    s = SmSession("h-mqtt", "SM MQTT: configure, connect, subscribe, publish, receive, disconnect",
                  "SM v1.0.1 MQTT client: #XMQTTCFG client id, #XMQTTCON=1 -> OK then #XMQTTEVT: 0,0 (CONNACK), "
                  "#XMQTTSUB -> #XMQTTEVT: 7,0, #XMQTTPUB string QoS 1 -> #XMQTTEVT: 3,0, an incoming message "
                  "(#XMQTTMSG: <topic_len>,<msg_len> then topic and message lines), #XMQTTCON=0 -> #XMQTTEVT: 1,0",
                  "%s app/src/sm_at_mqtt.c handle_at_mqtt_connect(), mqtt_evt_handler() "
                  "(\"\\r\\n#XMQTTEVT: %%d,%%d\\r\\n\"), handle_mqtt_publish_evt() (#XMQTTMSG); doc/app/at_mqtt.rst" % SRC)
    boot(s)
    attach(s)
    s.cmd('AT#XMQTTCFG="sm-dev-0042",60,1', delay=0.01, think=0.3)
    s.cmd('AT#XMQTTCON=1,"","","mqtt.example.com",1883', delay=0.05)
    s.urc("#XMQTTEVT: 0,0", 1.3)
    s.cmd('AT#XMQTTSUB="sm/dev/0042/cmd",1', delay=0.02, think=0.2)
    s.urc("#XMQTTEVT: 7,0", 0.45)
    s.cmd('AT#XMQTTPUB="sm/dev/0042/telemetry","{\'t\':21.5}",1,0', delay=0.03, think=0.4)
    s.urc("#XMQTTEVT: 3,0", 0.5)
    # handle_mqtt_publish_evt(): "\r\n#XMQTTMSG: %d,%d\r\n", topic, "\r\n", message, "\r\n"; then the PUBACK event
    topic, msg = "sm/dev/0042/cmd", '{"led":1}'
    s.modem("\r\n#XMQTTMSG: %d,%d\r\n%s\r\n%s\r\n" % (len(topic), len(msg), topic, msg), 6.2)
    s.urc("#XMQTTEVT: 2,0", 0.002)
    s.cmd("AT#XMQTTCON=0", delay=0.02, think=2.0)
    s.urc("#XMQTTEVT: 1,0", 0.3)
    s.wait(1.0)
    return s


def s_nrfcloud():
    s = SmSession("h-nrfcloud", "SM nRF Cloud: connect, send a message in data mode, receive one",
                  "SM v1.0.1 nRF Cloud: #XNRFCLOUD=1 -> OK then #XNRFCLOUD: 1,0 (ready, no location sending); "
                  "#XNRFCLOUD=2 enters data mode (OK), the JSON then +++, #XDATAMODE: 0; a cloud message "
                  "arrives as #XNRFCLOUD: <json>",
                  "%s app/src/sm_at_nrfcloud.c (rsp_send \"\\r\\n#XNRFCLOUD: %%d,%%d\\r\\n\", "
                  "\"\\r\\n#XNRFCLOUD: %%s\\r\\n\"); app/src/sm_at_host.c exit_datamode(); doc/app/at_nrfcloud.rst" % SRC)
    boot(s)
    attach(s)
    s.cmd("AT#XNRFCLOUD=1", delay=0.02, think=0.5)
    s.urc("#XNRFCLOUD: 1,0", 4.1)
    s.cmd("AT#XNRFCLOUD=2", delay=0.01, think=0.3)
    s.host('{"appId":"TEMP","messageType":"DATA","data":"21.5"}', 0.05)
    s.host("+++", 1.2)
    s.urc("#XDATAMODE: 0", 0.05)
    s.urc('#XNRFCLOUD: {"appId":"LED","messageType":"CFG_SET","data":"1"}', 3.5)
    s.wait(1.0)
    return s


def s_gnss():
    s = SmSession("h-gnss", "SM GNSS: single fix with LTE off",
                  "SM v1.0.1 GNSS: %XSYSTEMMODE=0,0,1,0, CFUN=31, #XGNSS=1,0,0,0 -> #XGNSS: 1,1 and OK, "
                  "#XGNSS: 1,4 then the fix line, #XGNSS=0 -> #XGNSS: 1,0 and OK (the doc's example)",
                  "%s app/src/sm_at_gnss.c handle_at_gnss() (\"\\r\\n#XGNSS: 1,%%d\\r\\n\"), fix report "
                  "(\"\\r\\n#XGNSS: %%lf,%%lf,%%f,%%f,%%f,%%f,\\\"%%04u-...\\\"\\r\\n\"); doc/app/at_gnss.rst" % SRC)
    boot(s)
    s.cmd("AT%XSYSTEMMODE=0,0,1,0", delay=0.011, think=0.3)
    s.cmd("AT+CFUN=31", delay=0.05)
    s.cmd("AT#XGNSS=1,0,0,0", ["#XGNSS: 1,1"], delay=0.03)
    s.urc("#XGNSS: 1,4", 28.4)
    s.urc('#XGNSS: 35.457576,139.625090,121.473785,22.199919,0.442868,0.000000,"2026-11-29 06:25:48"', 0.004)
    s.cmd("AT#XGNSS=0", ["#XGNSS: 1,0"], delay=0.02, think=0.5)
    s.cmd("AT+CFUN=0", delay=0.2)
    s.wait(1.0)
    return s


def s_datamode():
    s = SmSession("h-datamode", "SM data mode: #XSEND without data, payload with AT text and Ready, +++",
                  "SM v1.0.1 data mode on a TCP socket: AT#XSEND=0,2,0 -> OK enters data mode; the payload "
                  "holds 'AT+CFUN=0\\r', 'Ready\\r\\n' and 'OK' (data, not commands); +++ -> #XDATAMODE: 0; then "
                  "AT#XSEND=0,2,0,12 (data_len: leaves data mode after 12 bytes, no +++) -> #XDATAMODE: 0; "
                  "#XRECV of the echo",
                  "%s app/src/sm_at_socket.c handle_at_send() mode 2, socket_datamode_callback(); "
                  "app/src/sm_at_host.c enter_datamode(), exit_datamode() (\"\\r\\n#XDATAMODE: %%d\\r\\n\"); "
                  "doc/app/sm_data_mode.rst" % SRC)
    boot(s)
    attach(s)
    s.cmd("AT#XSOCKET=1,1,0", ["#XSOCKET: 0,1,6"], delay=0.02, think=0.3)
    s.cmd('AT#XCONNECT=0,"echo.example.com",7', ["#XCONNECT: 0,1"], delay=0.61)
    s.cmd("AT#XSEND=0,2,0", delay=0.01, think=0.2)
    s.host("cmd: AT+CFUN=0\rReady\r\nOK\r\n", 0.05)
    s.host("+++", 1.1)
    s.urc("#XDATAMODE: 0", 0.06)
    s.cmd("AT#XSEND=0,2,0,12", delay=0.01, think=0.4)
    s.host("0123456789AB", 0.05)
    s.urc("#XDATAMODE: 0", 0.08)
    s.host("AT#XRECV=0,0,0,5\r", 0.6)
    payload = "cmd: AT+CFUN=0\rReady\r\nOK\r\n0123456789AB"
    s.modem("\r\n#XRECV: 0,0,%d\r\n%s\r\nOK\r\n" % (len(payload), payload), 0.12)
    s.cmd("AT#XCLOSE=0", ["#XCLOSE: 0,0"], delay=0.05)
    s.wait(1.0)
    return s


# ---- problems and near misses ------------------------------------------------------------------
def s_slm_xslmver():
    s = SmSession("p-slm-command-xslmver", "Host still asks AT#XSLMVER on a Serial Modem",
                  "SM v1.0.1; the host's driver, written for the SLM, sends AT#XSLMVER: the SM has no such "
                  "command (no SM_AT_CMD_CUSTOM for it), so it goes to the modem, which answers ERROR; the host "
                  "then tries AT#XSMVER, which answers",
                  "%s app/src/sm_at_commands.c (only #XSMVER: handle_at_smver()); app/src/sm_at_host.c cmd_send() "
                  "(a command that is no SM custom command goes to nrf_modem_at_cmd())" % SRC)
    s.modem("Ready\r\n")
    s.exp("note slm.reset.expected @ 0   # power-on Ready at the capture start")
    t = s.cmd("AT#XSLMVER", final="ERROR", delay=0.004, think=0.4)
    s.exp("warning sm.slm-command @ %.3f   # #XSLMVER is the SLM's; the Serial Modem has #XSMVER" % t)
    s.exp("warning at.error @ %.3f   # the ERROR on the wire (no SM command of that name, the modem rejects it)" % t)
    t = s.cmd("AT#XSMVER", [SMVER_LINE], delay=0.006, think=0.3)
    s.exp("note sm.dialect @ %.3f   # #XSMVER answered; CR-only commands" % t)
    attach(s)
    s.wait(1.0)
    return s


def s_slm_xcmng():
    s = SmSession("p-slm-command-xcmng", "Host provisions TLS credentials with the SLM's native #XCMNG",
                  "SM v1.0.1; the host writes a CA certificate with AT#XCMNG=0,... (native TLS, SLM only); the SM "
                  "has no #XCMNG, the modem answers ERROR; the host then uses AT%CMNG=0,... (modem credential "
                  "store), OK. The certificate body is a placeholder and stays redacted",
                  "%s app/src/ (no #XCMNG handler; doc/app/at_socket.rst #XSSOCKET takes a modem sec_tag); "
                  "app/src/sm_at_host.c cmd_send()" % SRC)
    boot(s)
    cert = "-----BEGIN CERTIFICATE-----\nMIIBoracleplaceholderAAAA\n-----END CERTIFICATE-----"
    t = s.cmd('AT#XCMNG=0,16842753,0,"%s"' % cert, final="ERROR", delay=0.005, think=0.5)
    s.exp("warning sm.slm-command @ %.3f   # native-TLS #XCMNG is the SLM's; on the SM credentials go to the "
          "modem with %%CMNG" % t)
    s.exp("warning at.error @ %.3f   # the ERROR on the wire" % t)
    s.cmd('AT%%CMNG=0,16842753,0,"%s"' % cert, delay=0.35, think=0.4)
    attach(s)
    s.wait(1.0)
    return s


def s_term_lf():
    s = SmSession("p-terminator-lf", "Host ends one command with LF only on a CR build",
                  "SM v1.0.1 with the default CR terminator; boot code sends AT#XSMVER<CR> (answered). A second "
                  "module sends AT+CFUN?<LF>: on a CR build cmd_rx_handler() keeps the LF in the command buffer "
                  "and sends nothing, so no answer; 2 s later AT+CEREG?<CR> ends the buffered line "
                  "'AT+CFUN?\\nAT+CEREG?', which cmd_grammar_check() rejects ('?' not followed by NUL): ERROR",
                  "%s app/src/sm_at_host.c cmd_rx_handler() ('\\n' sends only on LF or CR+LF builds), "
                  "cmd_grammar_check(), rsp_send_error(); app/Kconfig choice \"Termination mode\"" % SRC)
    boot(s)
    t = s.host("AT+CFUN?\n", 0.3)
    s.exp("warning sm.terminator-mismatch @ %.3f   # LF-terminated command on a CR build: the SM keeps "
          "waiting for CR and glues it to the next command" % t)
    t2 = s.host("AT+CEREG?\r", 2.0)
    s.modem(answer(final="ERROR"), 0.003)
    s.exp("warning at.error @ %.3f   # the ERROR is the SM rejecting the glued line AT+CFUN?\\nAT+CEREG? "
          "(no at.final.missing for AT+CFUN?: that ERROR ends it too)" % t2)
    s.cmd("AT+CFUN?", ["+CFUN: 0"], delay=0.008, think=0.5)
    s.wait(1.0)
    return s


def s_term_crlf():
    s = SmSession("n-terminator-crlf", "Host ends commands with CR LF on a CR build (harmless)",
                  "SM v1.0.1 with the default CR terminator, host sends every command with CR LF: the CR ends "
                  "the command, the LF arrives with nothing buffered and cmd_rx_handler() drops it ('Don't "
                  "buffer anything until \"AT\" is received'); every command is answered. Near miss for "
                  "sm.terminator-mismatch",
                  "%s app/src/sm_at_host.c cmd_rx_handler()" % SRC, term="\r\n")
    s.modem("Ready\r\n")
    s.exp("note slm.reset.expected @ 0   # power-on Ready")
    t = s.cmd("AT#XSMVER", [SMVER_LINE], delay=0.006, think=0.4)
    s.exp("note sm.dialect @ %.3f   # #XSMVER answered (the CR LF terminator says nothing here)" % t)
    attach(s)
    s.cmd("AT+CGDCONT?", ['+CGDCONT: 0,"IP","iot.example","10.64.12.7",0,0'], delay=0.01)
    s.wait(1.0)
    return s


SESSIONS = [s_sockets_tcp, s_mqtt, s_nrfcloud, s_gnss, s_datamode, s_slm_xslmver, s_slm_xcmng, s_term_lf,
            s_term_crlf]


def main():
    for f in SESSIONS:
        s = f()
        n, sec = s.write()
        print("%-28s %3d records %6.1f s" % (s.folder + "/" + s.name, n, sec))


if __name__ == "__main__":
    main()
