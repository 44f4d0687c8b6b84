#!/usr/bin/env python3
"""Sessions with the SLM's own log beside the UART (issue 17): `traces/slm-log/NAME.atrace` (host and
modem UART), `NAME.log` (the SLM's Zephyr log as a user saved it) and `NAME.expect` (the findings an
SLM expert expects, written here, before atscope had any log support).

Written from the sources, not from atscope's log parser or rules (which did not exist yet):
  * SLM: nrfconnect/sdk-nrf applications/serial_lte_modem/ at tags v2.1.2 and v2.6.0 (read from the
    Geocene/sdk-nrf mirror: tag v2.1.2, and main = "manifest: NCS v2.6.0", commit 3190fa573),
    lib/fatal_error/fatal_error.c and lib/nrf_modem_lib/fault.c of the same tags.
  * Zephyr (NCS v2.1.2 pins sdk-zephyr v3.1.99-ncs1-1, v2.6.0 pins v3.5.99-ncs1): the texts of
    subsys/logging/log_output.c, kernel/fatal.c, arch/arm/core/aarch32/fatal.c and
    cortex_m/fault.c, include/zephyr/sys/__assert.h, as stored copies of nrfconnect/sdk-zephyr show them
    (see traces/slm-log/README.md for which facts were read where).

Time: every log line of a boot segment is written at UART time R + u, where R is that boot's instant
on the UART axis and u the uptime the log prints. Log timestamps are RTC ticks (32768 Hz) printed by
log_output.c timestamp_print() as [hh:mm:ss.mmm,uuu].

stdlib only, deterministic. Run from the repository root:  python3 traces/make_sessions_logs.py
"""
import base64
import datetime
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "slm-log")
SCRIPT = "traces/make_sessions_logs.py"
BYTE_NS = 86806  # 10 bit times at 115200 Bd
CRLF = "\r\n"
TICKS = 32768  # nRF91 RTC: the sys clock and log timestamp frequency

# subsys/logging/log_output.c
COLOR_DEFAULT = "\x1b[0m"
COLOR_RED = "\x1b[1;31m"
COLOR_YELLOW = "\x1b[1;33m"

BANNER_212 = "*** Booting Zephyr OS build v3.1.99-ncs1-1  ***"  # kernel/init.c, NCS v2.1.2 (two spaces)
BANNER_260 = "*** Booting nRF Connect SDK v3.5.99-ncs1 ***"  # NCS v2.6.0 banner (Zephyr version string)


def ns(sec):
    return int(round(sec * 1e9))


def stamp(u):
    """log_output.c timestamp_print(): [%02u:%02u:%02u.%03u,%03u] from a 32768 Hz tick count."""
    ticks = int(u * TICKS)
    total = ticks // TICKS
    rem = ticks % TICKS
    h, m, s = total // 3600, (total % 3600) // 60, total % 60
    ms = rem * 1000 // TICKS
    us = (1000 * (rem * 1000 - ms * TICKS)) // TICKS
    return "[%02d:%02d:%02d.%03d,%03d]" % (h, m, s, ms, us)


class Session:
    def __init__(self, ver, name, title, summary, source, klass, log_how, style="plain", eol="\r\n",
                 started=None):
        self.ver, self.name, self.title = ver, name, title
        self.summary, self.source, self.klass, self.log_how = summary, source, klass, log_how
        self.style, self.eol, self.started = style, eol, started
        self.t = 0
        self.recs = []
        self.log = []  # (uart_time, kind, level, module, text, boot)
        self.boot_at = None
        self.expect = []

    # ---- UART (same conventions as make_sessions_lifecycle.py) -------------------------------
    def now(self):
        return self.t / 1e9

    def wait(self, sec):
        self.t += ns(sec)

    def at(self, sec):
        assert ns(sec) >= self.t, (self.name, sec, self.now())
        self.t = ns(sec)

    def _rec(self, d, data, gap):
        self.wait(gap)
        raw = data.encode("utf-8") if isinstance(data, str) else data
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

    def urc(self, text, gap=0.0):
        return self.modem(CRLF + text + CRLF, gap)

    def cmd(self, c, lines=(), final="OK", delay=0.012, think=0.15):
        """Host command after `think` s; the answer starts `delay` s after it. Returns (sent, answer)."""
        t = self.host(c + CRLF, think)
        a = self.modem(answer(lines, final), delay)
        return t, a

    # ---- log --------------------------------------------------------------------------------
    def boot(self, r, banner):
        """A boot: uptime 0 at UART time r; the kernel prints its banner first (printk, no prefix)."""
        self.boot_at = r
        self.log.append((r + 0.0, "raw", None, None, banner, r))

    def lg(self, t, level, module, text):
        assert self.boot_at is not None and t >= self.boot_at, (self.name, t)
        self.log.append((t, "msg", level, module, text, self.boot_at))

    def raw(self, t, text):
        """printk through the log (LOG_PRINTK): the raw text, no timestamp, no level."""
        self.log.append((t, "raw", None, None, text, self.boot_at))

    def x(self, sev, fid, at=None, why=""):
        where = "" if at is None else " @ %.3f" % at
        self.expect.append("%s %s%s   # %s" % (sev, fid, where, why))

    # ---- output -------------------------------------------------------------------------------
    def render_log(self):
        out = []
        last = -1.0
        for (t, kind, level, module, text, r) in self.log:
            assert t >= last, (self.name, t, text)
            last = t
            if kind == "raw":
                line = text
            else:
                if self.style == "ticks":
                    # CONFIG_LOG_BACKEND_FORMAT_TIMESTAMP=n: timestamp_print() "[%08lu] " of the raw count
                    prefix = "[%08d] " % int((t - r) * TICKS)
                else:
                    prefix = stamp(t - r) + " "
                body = "<%s> %s: %s" % (level, module, text)
                if self.style == "colour":
                    colour = {"err": COLOR_RED, "wrn": COLOR_YELLOW}.get(level, COLOR_DEFAULT)
                    line = prefix + colour + body + COLOR_DEFAULT
                else:
                    line = prefix + body
            if self.style == "wallclock":
                # the terminal's own clock when the line arrived (logs on a UART, 2 ms late)
                wall = self.started + datetime.timedelta(seconds=t + 0.002)
                line = "[%s.%03d] " % (wall.strftime("%Y-%m-%d %H:%M:%S"), wall.microsecond // 1000) + line
            out.append(line + self.eol)
        return "".join(out)

    def write(self):
        os.makedirs(OUT, exist_ok=True)
        meta = {"source": "synthetic, written from the SLM and Zephyr sources (%s)" % SCRIPT,
                "title": self.title, "baud": 115200,
                "firmware": {"slm": self.ver, "board": "nrf9160dk_nrf9160_ns"}}
        if self.started is not None:
            meta["started"] = self.started.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        last = -1
        for r in self.recs:
            assert r["t"] >= last, (self.name, r)
            last = r["t"]
        base = os.path.join(OUT, self.name)
        with open(base + ".atrace", "w", encoding="utf-8") as f:
            f.write(json.dumps({"atrace": 1, "meta": meta}, ensure_ascii=False, separators=(",", ":")) + "\n")
            for r in self.recs:
                f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
        with open(base + ".log", "w", encoding="utf-8", newline="") as f:
            f.write(self.render_log())
        with open(base + ".expect", "w", encoding="utf-8") as f:
            f.write("# session: %s\n" % self.summary)
            f.write("# log: %s\n" % self.log_how)
            f.write("# source: %s\n" % self.source)
            f.write("# class: %s\n" % self.klass)
            f.write("# length: %.1f s, %d UART records, %d log lines\n" % (self.now(), len(self.recs), len(self.log)))
            if not any(l.startswith(("error", "warning")) for l in self.expect):
                f.write("# expect: no warnings, no errors\n")
            for l in self.expect:
                f.write(l + "\n")


def answer(lines=(), final="OK"):
    s = ""
    if lines:
        s = CRLF + CRLF.join(lines) + CRLF
    return s + CRLF + final + CRLF


# =============================================================================================
# Boot blocks: the log lines each SLM version prints from reset to Ready, and the Ready itself.
# =============================================================================================
def boot_212(s, r, glitch=b""):
    """v2.1.2: modem library init runs before main (SYS_INIT); main() -> start_execute():
    LOG_INF("Serial LTE Modem") (main.c), slm_at_host_init() sends "Ready\\r\\n" then
    LOG_INF("at_host init done") (slm_at_host.c). Returns the time of the Ready bytes."""
    s.boot(r, BANNER_212)
    s.lg(r + 0.2846, "inf", "slm", "Serial LTE Modem")
    s.at(r + 0.2852 - len(glitch) * BYTE_NS / 1e9)
    t_glitch = s.modem(glitch + b"Ready\r\n")
    t_ready = t_glitch + len(glitch) * BYTE_NS / 1e9
    s.lg(r + 0.2861, "inf", "slm_at_host", "at_host init done")
    return t_ready


def boot_260(s, r, glitch=b""):
    """v2.6.0 main.c: nrf_modem_lib_init() in main() -> on_modem_lib_init() LOG_INF("lib_modem init: %d");
    start_execute() LOG_INF("Serial LTE Modem"); slm_uart_handler.c slm_uart_handler_enable()
    LOG_INF("UART baud: %d d/p/s-bits: %d/%d/%d HWFC: %d") (8 data bits = 3, no parity = 0, 1 stop bit = 1,
    RTS/CTS = 1 on the DK overlay); slm_at_host_init() sends Ready then LOG_INF("at_host init done")."""
    s.boot(r, BANNER_260)
    s.lg(r + 0.2458, "inf", "slm", "lib_modem init: 0")
    s.lg(r + 0.2462, "inf", "slm", "Serial LTE Modem")
    s.lg(r + 0.2465, "inf", "slm_uart_handler", "UART baud: 115200 d/p/s-bits: 3/0/1 HWFC: 1")
    s.at(r + 0.2491 - len(glitch) * BYTE_NS / 1e9)
    t_glitch = s.modem(glitch + b"Ready\r\n")
    t_ready = t_glitch + len(glitch) * BYTE_NS / 1e9
    s.lg(r + 0.2499, "inf", "slm_at_host", "at_host init done")
    return t_ready


TAC, CI = "0A2E", "01D9B70A"


def attach(s, ver):
    s.cmd("AT#XSLMVER", ['#XSLMVER: "2.1.2"' if ver == "2.1.2" else '#XSLMVER: "%s","%s"' % (ver, ver)],
          delay=0.005, think=0.30)
    s.cmd("AT+CGMR", ["mfw_nrf9160_1.3.5"], delay=0.006, think=0.05)
    s.cmd("AT+CEREG=5", delay=0.005, think=0.05)
    s.cmd("AT+CSCON=1", delay=0.005, think=0.05)
    s.cmd("AT+CFUN=1", delay=0.080, think=0.05)
    s.urc('+CEREG: 2,"%s","%s",7' % (TAC, CI), 1.2)
    s.urc("+CSCON: 1", 1.6)
    s.urc('+CEREG: 1,"%s","%s",7,,,"11100000","11100000"' % (TAC, CI), 0.9)
    s.cmd("AT+CGPADDR=0", ['+CGPADDR: 0,"10.160.77.12"'], delay=0.006, think=0.2)


def fault_dump_busfault(s, t, thread, pc, lr, bfar):
    """Zephyr Cortex-M fault dump (CONFIG_FAULT_DUMP=2), every line LOG_ERR of module `os`:
    cortex_m/fault.c bus_fault() (PR_FAULT_INFO/PR_EXC), aarch32/fatal.c esf_dump(), kernel/fatal.c
    z_fatal_error(); then NCS lib/fatal_error/fatal_error.c k_sys_fatal_error_handler() (module
    fatal_error) LOG_ERR("Resetting system") (CONFIG_RESET_ON_FATAL_ERROR). Returns the reset instant."""
    lines = [
        "***** BUS FAULT *****",
        "  Precise data bus error",
        "  BFAR Address: 0x%x" % bfar,
        "r0/a1:  0x%08x  r1/a2:  0x%08x  r2/a3:  0x%08x" % (0x0, 0x2001a3c8, 0x0),
        "r3/a4:  0x%08x r12/ip:  0x%08x r14/lr:  0x%08x" % (0x1, 0x0, lr),
        " xpsr:  0x%08x" % 0x61000000,
        "Faulting instruction address (r15/pc): 0x%08x" % pc,
        ">>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0",
        "Current thread: %s" % thread,
    ]
    for i, text in enumerate(lines):
        s.lg(t + i * 0.000031, "err", "os", text)
    s.lg(t + len(lines) * 0.000031 + 0.000092, "err", "fatal_error", "Resetting system")
    return t + 0.0015


SRC_LOG_212 = ("Zephyr v3.1.99-ncs1-1 subsys/logging/log_output.c timestamp_print()/ids_print() "
               "(\"[%02u:%02u:%02u.%03u,%03u] \", \"<%s> \", \"%s: \")")
SRC_LOG_260 = SRC_LOG_212.replace("v3.1.99-ncs1-1", "v3.5.99-ncs1")


# =============================================================================================
# 1. The user's case: v2.1.2, AT#XMQTTCON=0, BUS FAULT, glitch + Ready
# =============================================================================================
def s01():
    s = Session("2.1.2", "crash-mqttcon0-busfault",
                "User report (3) with its RTT log: AT#XMQTTCON=0, a BUS FAULT, glitch bytes and Ready",
                "v2.1.2, MQTT connected; AT#XMQTTCON=0 is answered by nothing but C0 FF 00 'Ready' 0.35 s later. "
                "The RTT log shows why: 4.3 ms after the command a BUS FAULT (precise data bus error, BFAR "
                "0x100010, PC 0x0002f6c4, LR 0x0002f6b1) in an unnamed thread, '>>> ZEPHYR FATAL ERROR 0: CPU "
                "exception on CPU 0', 'Resetting system', then the boot banner and the init lines around the new Ready.",
                "sdk-nrf v2.1.2 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c do_mqtt_disconnect() "
                "(mqtt_disconnect(), then #XMQTTEVT: 1,0 from mqtt_evt_handler() never sent), main.c start_execute() "
                "LOG_INF(\"Serial LTE Modem\"), slm_at_host.c slm_at_host_init() (Ready, LOG_INF(\"at_host init "
                "done\")), lib/fatal_error/fatal_error.c k_sys_fatal_error_handler(); Zephyr v3.1.99-ncs1-1 "
                "arch/arm/core/aarch32/cortex_m/fault.c bus_fault(), arch/arm/core/aarch32/fatal.c esf_dump(), "
                "kernel/fatal.c z_fatal_error() (thread name 'unknown': CONFIG_THREAD_NAME is not set by the SLM "
                "and the MQTT thread is made by k_thread_create() without a name); " + SRC_LOG_212,
                "issue 17 problem: crash explains an unexpected reset",
                "pasted from the J-Link RTT Viewer window (escapes rendered, so none in the text), LF line ends")
    s.eol = "\n"
    r0 = 0.015
    t_ready0 = boot_212(s, r0)
    attach(s, "2.1.2")
    s.cmd('AT#XMQTTCON=1,"atscope-dk-01","","","mqtt.eclipseprojects.io",1883', delay=1.90, think=0.3)
    s.urc("#XMQTTEVT: 0,0", 0.45)
    s.cmd('AT#XMQTTPUB="atscope/dk-01/status","online",0,0', delay=0.044, think=2.0)
    t_cmd = s.host("AT#XMQTTCON=0" + CRLF, 12.0)
    t_crash = s.now() + 0.0043
    reset = fault_dump_busfault(s, t_crash, "0x20015d30 (unknown)", pc=0x0002f6c4, lr=0x0002f6b1, bfar=0x100010)
    r1 = reset + 0.058  # MCUboot (and SPM) run before the application's uptime starts
    t_ready1 = boot_212(s, r1, glitch=b"\xc0\xff\x00")
    s.cmd("AT", delay=0.004, think=3.0)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("error", "slm.crash", t_crash, "'***** BUS FAULT *****' (first line of the fatal error), precise data "
        "bus error at 0x100010, PC 0x0002f6c4, LR 0x0002f6b1, thread 0x20015d30 (unknown), CPU exception; "
        "AT#XMQTTCON=0 (sent %.3f) pending" % t_cmd)
    s.x("error", "slm.reset.unexpected", t_ready1, "Ready after glitch C0 FF 00 while AT#XMQTTCON=0 was pending; "
        "its message names the crash %.0f ms before Ready as the cause" % ((t_ready1 - t_crash) * 1000))
    s.x("error", "slm.urc.missing", t_ready1, "#XMQTTEVT: 1,0 promised by AT#XMQTTCON=0 never came: the SLM crashed first")
    s.x("error", "at.final.missing", t_ready1, "AT#XMQTTCON=0 got no final result before the reboot")
    s.x("note", "slm.log.alignment", None, "segment 1 (boot before the power-on Ready at %.3f)" % t_ready0)
    s.x("note", "slm.log.alignment", None, "segment 2 (boot before the Ready at %.3f)" % t_ready1)
    s.expect.append("# No slm.log.error: every <err> line here is the crash dump (module os) or the fatal-error "
                    "handler's 'Resetting system' (module fatal_error), which belong to slm.crash.")
    s.expect.append("# No uart.garbage: C0 FF 00 are the reset's glitch bytes in front of Ready.")
    return s


# =============================================================================================
# 2. Clean session with an info log (v2.1.2): <inf> and one benign <wrn>
# =============================================================================================
def s02():
    s = Session("2.1.2", "clean-info-log",
                "Healthy v2.1.2 day with its RTT log: attach, TCP client closed by the server, MQTT publish",
                "v2.1.2 boot, LTE attach, AT#XTCPCLI connect, AT#XTCPSEND, a reply from the server (payload then "
                "#XTCPDATA: 5), the server closes: the log's '<wrn> slm_tcp: POLLHUP' and '<inf> slm_tcp: TCP client "
                "thread terminated' around the URC #XTCPCLI: -104,\"disconnected\"; then MQTT connect and publish.",
                "sdk-nrf v2.1.2 applications/serial_lte_modem/src/slm_at_tcp_proxy.c tcpcli_thread_func() (POLLHUP "
                "-> LOG_WRN(\"POLLHUP\"), ret -ECONNRESET, '#XTCPCLI: %d,\"disconnected\"', LOG_INF(\"TCP client "
                "thread terminated\")), do_tcp_send() ('#XTCPSEND: %d'); mqtt_c/slm_at_mqtt.c do_mqtt_connect(); "
                "main.c/slm_at_host.c boot lines; " + SRC_LOG_212,
                "issue 17 healthy: a log with <inf> and <wrn> lines raises nothing",
                "RTT log as text without colour escapes (CONFIG_LOG_BACKEND_SHOW_COLOR=n), CR LF")
    r0 = 0.012
    t_ready0 = boot_212(s, r0)
    attach(s, "2.1.2")
    s.cmd('AT#XTCPCLI=1,"collector.example.net",5000', ['#XTCPCLI: 0,"connected"'], delay=1.35, think=0.3)
    s.cmd('AT#XTCPSEND="hello"', ["#XTCPSEND: 5"], delay=0.032, think=0.5)
    s.modem("ack:1", 0.21)
    s.urc("#XTCPDATA: 5")
    s.wait(9.8)
    t_hup = s.now()
    s.lg(t_hup, "wrn", "slm_tcp", "POLLHUP")
    s.urc('#XTCPCLI: -104,"disconnected"', 0.0006)
    s.lg(s.now() + 0.0002, "inf", "slm_tcp", "TCP client thread terminated")
    s.cmd('AT#XMQTTCON=1,"atscope-dk-01","","","mqtt.eclipseprojects.io",1883', delay=1.70, think=2.0)
    s.urc("#XMQTTEVT: 0,0", 0.41)
    s.cmd('AT#XMQTTPUB="atscope/dk-01/status","online",0,0', delay=0.041, think=1.5)
    s.cmd("AT+CSCON?", ["+CSCON: 1,1"], delay=0.006, think=3.0)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("note", "slm.log.alignment", None, "one segment, placed by its boot and the power-on Ready")
    s.expect.append("# Healthy: <inf> and <wrn> lines are log events only; the server's close (POLLHUP, #XTCPCLI: "
                    "-104) is an ordinary event, not a failure of a command.")
    return s


# =============================================================================================
# 3. Assertion reboot (v2.6.0 debug build: CONFIG_ASSERT=y, CONFIG_THREAD_NAME=y)
# =============================================================================================
def s03():
    s = Session("2.6.0", "assert-kernel-panic",
                "v2.6.0 debug build: an ASSERTION FAIL during AT#XTCPCLI, Kernel panic, reboot",
                "v2.6.0 built with CONFIG_ASSERT=y and CONFIG_THREAD_NAME=y (a debug overlay). AT#XTCPCLI=1,... is "
                "pending when the log prints 'ASSERTION FAIL [dwork != ((void *)0)] @ WEST_TOPDIR/zephyr/kernel/work.c:990' "
                "(printk, no timestamp), the register dump, '>>> ZEPHYR FATAL ERROR 4: Kernel panic on CPU 0', "
                "'Current thread: 0x2000e9f0 (sysworkq)', 'Resetting system'; the UART shows Ready 0.31 s later.",
                "Zephyr v3.5.99-ncs1 include/zephyr/sys/__assert.h __ASSERT_LOC() (\"ASSERTION FAIL [%s] @ %s:%d\\n\" "
                "through printk), lib/os/assert.c assert_post_action() -> k_panic(); arch/arm/core/aarch32/fatal.c "
                "esf_dump(); kernel/fatal.c z_fatal_error() reason 4 'Kernel panic', thread_name_get(); sdk-nrf v2.6.0 "
                "lib/fatal_error/fatal_error.c; applications/serial_lte_modem/src/main.c and slm_at_host.c and "
                "slm_uart_handler.c boot lines (lib_modem init, Serial LTE Modem, UART baud, Ready, at_host init done); "
                + SRC_LOG_260 + ". The asserted expression and line are those of a real NCS build's kernel/work.c "
                "(k_work_reschedule_for_queue); the line number was not checked at v3.5.99-ncs1.",
                "issue 17 problem: assertion reboot during a command",
                "RTT log as text without colour escapes (CONFIG_LOG_BACKEND_SHOW_COLOR=n), CR LF")
    r0 = 0.020
    t_ready0 = boot_260(s, r0)
    attach(s, "2.6.0")
    t_cmd = s.host('AT#XTCPCLI=1,"collector.example.net",5000' + CRLF, 0.4)
    t_assert = s.now() + 0.0061
    s.raw(t_assert, "ASSERTION FAIL [dwork != ((void *)0)] @ WEST_TOPDIR/zephyr/kernel/work.c:990")
    dump = [
        "r0/a1:  0x%08x  r1/a2:  0x%08x  r2/a3:  0x%08x" % (0x4, 0x3de, 0x2000e9f0),
        "r3/a4:  0x%08x r12/ip:  0x%08x r14/lr:  0x%08x" % (0x0, 0xa, 0x0004d1b7),
        " xpsr:  0x%08x" % 0x41000000,
        "Faulting instruction address (r15/pc): 0x%08x" % 0x0006a5c2,
        ">>> ZEPHYR FATAL ERROR 4: Kernel panic on CPU 0",
        "Current thread: 0x2000e9f0 (sysworkq)",
    ]
    t_first = t_assert + 0.000061
    for i, text in enumerate(dump):
        s.lg(t_first + i * 0.000031, "err", "os", text)
    s.lg(t_first + len(dump) * 0.000031 + 0.000092, "err", "fatal_error", "Resetting system")
    r1 = t_assert + 0.0016 + 0.061
    t_ready1 = boot_260(s, r1)
    s.cmd("AT#XSLMVER", ['#XSLMVER: "2.6.0","2.6.0"'], delay=0.005, think=1.0)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("error", "slm.crash", t_assert, "ASSERTION FAIL [dwork != ((void *)0)] @ WEST_TOPDIR/zephyr/kernel/work.c:990, "
        "Kernel panic (reason 4) in thread sysworkq, PC 0x0006a5c2, LR 0x0004d1b7; the assertion line is printk "
        "(no timestamp): its time is that of the dump lines that follow it")
    s.x("error", "slm.reset.unexpected", t_ready1, "Ready with nothing the host did to explain it, AT#XTCPCLI=1 "
        "pending; the cause is the assertion %.0f ms before" % ((t_ready1 - t_assert) * 1000))
    s.x("error", "at.final.missing", t_ready1, "AT#XTCPCLI=1,... (sent %.3f) got no final result before the reboot" % t_cmd)
    s.x("note", "slm.log.alignment", None, "segment 1 (power-on boot)")
    s.x("note", "slm.log.alignment", None, "segment 2 (the boot after the panic)")
    s.expect.append("# No slm.log.error: the <err> lines are the panic's dump (os) and 'Resetting system' (fatal_error).")
    return s


# =============================================================================================
# 4. An <err>-explained ERROR (v2.1.2): #XMQTTCON=1 refused
# =============================================================================================
def s04():
    s = Session("2.1.2", "err-explains-mqttcon-error",
                "v2.1.2: AT#XMQTTCON=1 answered ERROR; the log says 'ERROR: mqtt_connect -111'",
                "v2.1.2, registered; AT#XMQTTCON=1 to a broker address with nothing listening on 1883: the TCP "
                "connect is refused, the log prints '<err> slm_mqtt: ERROR: mqtt_connect -111' (ECONNREFUSED) and "
                "the UART gets ERROR; the host then connects to the right broker (OK, #XMQTTEVT: 0,0).",
                "sdk-nrf v2.1.2 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c do_mqtt_connect() "
                "(LOG_ERR(\"ERROR: mqtt_connect %d\", err) and return err -> ERROR), slm_at_host.c cmd_send() (an #X "
                "handler's error is answered ERROR without a log line of its own in v2.1.2); newlib ECONNREFUSED = 111; "
                + SRC_LOG_212,
                "issue 17 problem: an <err> line inside a failed exchange",
                "JLinkRTTLogger file of a build with CONFIG_LOG_BACKEND_SHOW_COLOR=n (no escapes), CR LF")
    r0 = 0.010
    t_ready0 = boot_212(s, r0)
    attach(s, "2.1.2")
    t_cmd = s.host('AT#XMQTTCON=1,"atscope-dk-01","","","192.0.2.10",1883' + CRLF, 0.3)
    t_err = s.now() + 0.3512
    s.lg(t_err, "err", "slm_mqtt", "ERROR: mqtt_connect -111")
    s.at(t_err + 0.0004)
    t_error = s.modem(answer((), "ERROR"))
    s.cmd('AT#XMQTTCON=1,"atscope-dk-01","","","mqtt.eclipseprojects.io",1883', delay=1.85, think=2.0)
    s.urc("#XMQTTEVT: 0,0", 0.43)
    s.cmd('AT#XMQTTPUB="atscope/dk-01/status","online",0,0', delay=0.041, think=1.0)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("warning", "at.error", t_error, "AT#XMQTTCON=1 (sent %.3f) answered ERROR" % t_cmd)
    s.x("note", "slm.log.error", t_err, "'<err> slm_mqtt: ERROR: mqtt_connect -111' inside the failed exchange: "
        "attached to it as its cause (connection refused), a note because at.error already reports the failure")
    s.x("note", "slm.log.alignment", None, "one segment")
    s.expect.append("# No slm.urc.missing: an ERROR promises no CONNACK. No warning slm.log.error: the line is attached.")
    return s


# =============================================================================================
# 5. Near miss of 4: an <err> line that stands alone (v2.1.2, TCP client POLLERR)
# =============================================================================================
def s05():
    s = Session("2.1.2", "err-standalone-tcp-pollerr",
                "v2.1.2: a lone '<err> slm_tcp: POLLERR' while no command is pending; the socket is gone",
                "v2.1.2, TCP client connected and idle; 31 s after the last exchange the log prints "
                "'<err> slm_tcp: POLLERR' and the UART gets #XTCPCLI: -5,\"disconnected\" (ret -EIO), then "
                "'<inf> slm_tcp: TCP client thread terminated'. No command is pending and none fails: the error "
                "stands alone. The host then reconnects (OK).",
                "sdk-nrf v2.1.2 applications/serial_lte_modem/src/slm_at_tcp_proxy.c tcpcli_thread_func() "
                "(POLLERR -> LOG_ERR(\"POLLERR\"), ret = -EIO, '#XTCPCLI: %d,\"disconnected\"', LOG_INF(\"TCP client "
                "thread terminated\")); newlib EIO = 5; " + SRC_LOG_212,
                "issue 17 near miss of err-explains-mqttcon-error: an <err> line outside any failed exchange",
                "JLinkRTTLogger file of a build with CONFIG_LOG_BACKEND_SHOW_COLOR=n (no escapes), CR LF")
    r0 = 0.010
    t_ready0 = boot_212(s, r0)
    attach(s, "2.1.2")
    s.cmd('AT#XTCPCLI=1,"collector.example.net",5000', ['#XTCPCLI: 0,"connected"'], delay=1.30, think=0.3)
    s.cmd('AT#XTCPSEND="status:ok"', ["#XTCPSEND: 9"], delay=0.030, think=0.6)
    s.wait(31.0)
    t_err = s.now()
    s.lg(t_err, "err", "slm_tcp", "POLLERR")
    s.urc('#XTCPCLI: -5,"disconnected"', 0.0005)
    s.lg(s.now() + 0.0002, "inf", "slm_tcp", "TCP client thread terminated")
    s.cmd('AT#XTCPCLI=1,"collector.example.net",5000', ['#XTCPCLI: 0,"connected"'], delay=1.41, think=4.0)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("warning", "slm.log.error", t_err, "'<err> slm_tcp: POLLERR' stands alone: no exchange pending, none failed")
    s.x("note", "slm.log.alignment", None, "one segment")
    s.expect.append("# No at.error: every command got OK. #XTCPCLI: -5,\"disconnected\" is a URC, not a final result.")
    return s


# =============================================================================================
# 6a. Modem fault, shipped configuration (v2.6.0): #XMODEM on the UART, the log only shows the re-init
# =============================================================================================
def s06a():
    s = Session("2.6.0", "modem-fault-xmodem-and-log",
                "v2.6.0: the modem core faults (#XMODEM: FAULT/SHUTDOWN/INIT); the log shows the library re-init",
                "v2.6.0 as shipped (prj.conf CONFIG_NRF_MODEM_LIB_ON_FAULT_APPLICATION_SPECIFIC=y): the SLM's own "
                "nrf_modem_fault_handler() reports the fault on the UART only (#XMODEM: FAULT,0x2,0x3a1c4, SHUTDOWN,0, "
                "INIT,0); the log gets no fault text, only '<inf> slm: lib_modem init: 0' from the NRF_MODEM_LIB_ON_INIT "
                "hook when the library is initialized again. The host re-attaches.",
                "sdk-nrf v2.6.0 applications/serial_lte_modem/src/main.c nrf_modem_fault_handler(), "
                "on_modem_failure_shutdown(), on_modem_failure_reinit(), on_modem_lib_init() (LOG_INF(\"lib_modem "
                "init: %d\")); prj.conf; lib/nrf_modem_lib/fault.c (its own handler, which would log, is compiled out "
                "under ON_FAULT_APPLICATION_SPECIFIC); " + SRC_LOG_260,
                "issue 17: modem fault seen on the UART, the log adds no second fault",
                "RTT log as text without colour escapes (CONFIG_LOG_BACKEND_SHOW_COLOR=n), CR LF")
    r0 = 0.018
    t_ready0 = boot_260(s, r0)
    attach(s, "2.6.0")
    t_fault = s.urc("#XMODEM: FAULT,0x2,0x3a1c4", 19.0)
    s.urc("#XMODEM: SHUTDOWN,0", 0.0102)
    s.urc("#XMODEM: INIT,0", 0.195)
    s.lg(s.now() - 0.0009, "inf", "slm", "lib_modem init: 0")
    s.cmd("AT+CFUN?", ["+CFUN: 0"], delay=0.006, think=1.5)
    s.cmd("AT+CEREG=5", delay=0.005, think=0.05)
    s.cmd("AT+CFUN=1", delay=0.080, think=0.05)
    s.urc('+CEREG: 2,"%s","%s",7' % (TAC, CI), 1.1)
    s.urc('+CEREG: 1,"%s","%s",7,,,"11100000","11100000"' % (TAC, CI), 2.3)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("error", "modem.fault", t_fault, "#XMODEM: FAULT,0x2,0x3a1c4: the modem core crashed (one fault: the log "
        "only shows the library's re-init, no second fault)")
    s.x("note", "slm.log.alignment", None, "one segment")
    return s


# =============================================================================================
# 6b. Modem fault logged by the modem library (v2.1.2 built with ON_FAULT_RESET_MODEM): nothing on the UART
# =============================================================================================
def s06b():
    s = Session("2.1.2", "modem-fault-in-log-only",
                "v2.1.2 with CONFIG_NRF_MODEM_LIB_ON_FAULT_RESET_MODEM: the modem fault is only in the log",
                "v2.1.2 built with CONFIG_NRF_MODEM_LIB_ON_FAULT_RESET_MODEM=y instead of the prj.conf's "
                "APPLICATION_SPECIFIC: the modem library's own handler logs '<err> nrf_modem: Modem error: 0x2, PC: "
                "0x3a1c4' and '<inf> nrf_modem: Modem has faulted, re-initializing'; no #XMODEM on the UART. The "
                "host notices later: AT+CEREG? reads '+CEREG: 0,0' (the modem restarted in CFUN=0 with the URC "
                "setting reset) and it re-attaches.",
                "sdk-nrf v2.1.2 lib/nrf_modem_lib/fault.c nrf_modem_fault_handler() (CONFIG_NRF_MODEM_LIB_ON_FAULT_"
                "RESET_MODEM: LOG_ERR(\"Modem error: 0x%x, PC: 0x%x\"), restart_on_fault() LOG_INF(\"Modem has faulted, "
                "re-initializing\")), lib/nrf_modem_lib/nrf_modem_os.c LOG_MODULE_REGISTER(nrf_modem, ...); "
                + SRC_LOG_212,
                "issue 17 problem: modem fault known only from the log",
                "JLinkRTTLogger file of a build with CONFIG_LOG_BACKEND_SHOW_COLOR=n (no escapes), CR LF")
    r0 = 0.014
    t_ready0 = boot_212(s, r0)
    attach(s, "2.1.2")
    s.wait(14.0)
    t_fault = s.now()
    s.lg(t_fault, "err", "nrf_modem", "Modem error: 0x2, PC: 0x3a1c4")
    s.lg(t_fault + 0.0003, "inf", "nrf_modem", "Modem has faulted, re-initializing")
    s.cmd("AT+CEREG?", ["+CEREG: 0,0"], delay=0.006, think=25.0)
    s.cmd("AT+CEREG=5", delay=0.005, think=0.1)
    s.cmd("AT+CSCON=1", delay=0.005, think=0.05)
    s.cmd("AT+CFUN=1", delay=0.080, think=0.05)
    s.urc('+CEREG: 2,"%s","%s",7' % (TAC, CI), 1.1)
    s.urc("+CSCON: 1", 1.4)
    s.urc('+CEREG: 1,"%s","%s",7,,,"11100000","11100000"' % (TAC, CI), 0.8)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("error", "modem.fault", t_fault, "'<err> nrf_modem: Modem error: 0x2, PC: 0x3a1c4' (nrf_modem_lib's fault "
        "handler): the modem core crashed; only the log shows it")
    s.x("note", "slm.log.alignment", None, "one segment")
    s.expect.append("# No slm.log.error for that <err> line: it is the modem fault itself (modem.fault). No reset: "
                    "the application did not reboot (no banner, no Ready).")
    return s


# =============================================================================================
# 7a. Log variant: a serial terminal with host wall-clock timestamps (v2.6.0, logs on a UART)
# =============================================================================================
def s07a():
    started = datetime.datetime(2026, 3, 14, 10, 21, 7, 250000)
    s = Session("2.6.0", "log-terminal-wallclock",
                "v2.6.0 with logs on a second UART, saved by a serial terminal with wall-clock timestamps",
                "Healthy v2.6.0 session (attach, MQTT config/connect/subscribe/publish). The SLM was built with "
                "CONFIG_LOG_BACKEND_UART=y on a second UART (RTT off, CONFIG_LOG_BACKEND_SHOW_COLOR=n); the terminal saved each line with the PC's "
                "clock in front ('[2026-03-14 10:21:07.514] [00:00:00.246,063] <inf> slm: ...'). The .atrace header "
                "carries the capture's start time (meta.started) on the same clock.",
                "sdk-nrf v2.6.0 applications/serial_lte_modem/src/main.c, slm_uart_handler.c, slm_at_host.c boot lines; "
                "mqtt_c/slm_at_mqtt.c handle_at_mqtt_config(), do_mqtt_connect(); " + SRC_LOG_260,
                "issue 17 log variant: host wall-clock prefixes",
                "serial terminal log, '[YYYY-MM-DD hh:mm:ss.mmm] ' before each line, CR LF",
                style="wallclock", started=started)
    r0 = 0.016
    t_ready0 = boot_260(s, r0)
    attach(s, "2.6.0")
    s.cmd('AT#XMQTTCFG="atscope-dk-26",60,1', delay=0.006, think=0.3)
    s.cmd('AT#XMQTTCON=1,"","","mqtt.example.com",1883', delay=1.50, think=0.2)
    s.urc("#XMQTTEVT: 0,0", 0.36)
    s.cmd('AT#XMQTTSUB="atscope/dk-26/cmd",1', delay=0.022, think=0.2)
    s.urc("#XMQTTEVT: 7,0", 0.29)
    s.cmd('AT#XMQTTPUB="atscope/dk-26/status","online",1,0', delay=0.033, think=0.4)
    s.urc("#XMQTTEVT: 3,0", 0.27)
    s.cmd("AT+CSCON?", ["+CSCON: 1,1"], delay=0.006, think=2.0)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("note", "slm.log.alignment", None, "one segment (boot + Ready; the wall clock agrees within 2 ms)")
    return s


# =============================================================================================
# 7b. Log variant: ANSI colour escapes (JLinkRTTLogger raw file), v2.6.0 refused connect with two <err> lines
# =============================================================================================
def s07b():
    s = Session("2.6.0", "log-colour-mqttcon-refused",
                "v2.6.0 raw RTT log with colour escapes: AT#XMQTTCON=1 refused, two <err> lines, ERROR",
                "v2.6.0; the RTT log was written by JLinkRTTLogger with the escapes of CONFIG_LOG_BACKEND_SHOW_COLOR "
                "('\\x1b[1;31m' before <err>, '\\x1b[1;33m' before <wrn>, '\\x1b[0m' before other levels and after "
                "every message). AT#XMQTTCON=1 to a closed port: '<err> slm_mqtt: ERROR: mqtt_connect -111', then "
                "'<err> slm_at_host: AT command error: -111 (Connection refused)', then ERROR on the UART.",
                "sdk-nrf v2.6.0 applications/serial_lte_modem/src/mqtt_c/slm_at_mqtt.c do_mqtt_connect() "
                "(LOG_ERR(\"ERROR: mqtt_connect %d\")), slm_at_host.c cmd_send() (LOG_ERR(\"AT command error: %d (%s)\", "
                "err, strerror(-err)) before rsp_send_error()); Zephyr v3.5.99-ncs1 subsys/logging/log_output.c "
                "prefix_print() (timestamp, then color_prefix(), then ids_print()), postfix_print() (color_postfix(), "
                "then CR LF), colors[] (err red, wrn yellow, inf/dbg none -> LOG_COLOR_CODE_DEFAULT); picolibc "
                "strerror(ECONNREFUSED)",
                "issue 17 log variant: colour escapes; <err> lines inside a failed exchange (two)",
                "JLinkRTTLogger raw file, ANSI colour escapes kept, CR LF",
                style="colour")
    r0 = 0.011
    t_ready0 = boot_260(s, r0)
    attach(s, "2.6.0")
    s.cmd('AT#XMQTTCFG="atscope-dk-26",60,1', delay=0.006, think=0.3)
    t_cmd = s.host('AT#XMQTTCON=1,"","","192.0.2.10",1883' + CRLF, 0.2)
    t_err1 = s.now() + 0.2871
    s.lg(t_err1, "err", "slm_mqtt", "ERROR: mqtt_connect -111")
    s.lg(t_err1 + 0.0001, "err", "slm_at_host", "AT command error: -111 (Connection refused)")
    s.at(t_err1 + 0.0004)
    t_error = s.modem(answer((), "ERROR"))
    s.cmd('AT#XMQTTCON=1,"","","mqtt.example.com",1883', delay=1.50, think=1.5)
    s.urc("#XMQTTEVT: 0,0", 0.36)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("warning", "at.error", t_error, "AT#XMQTTCON=1 (sent %.3f) answered ERROR" % t_cmd)
    s.x("note", "slm.log.error", t_err1, "'ERROR: mqtt_connect -111' attached to the failed AT#XMQTTCON=1")
    s.x("note", "slm.log.error", t_err1, "'AT command error: -111 (Connection refused)' attached to the same exchange")
    s.x("note", "slm.log.alignment", None, "one segment")
    return s


# =============================================================================================
# 7c. Log variant: the log starts mid-session (no banner for the first segment), then AT#XRESET (v2.1.2)
# =============================================================================================
def s07c():
    s = Session("2.1.2", "log-mid-session-then-xreset",
                "v2.1.2: capture and RTT log started an hour after boot; data mode, disconnect, AT#XRESET",
                "The SLM has been up for 1 h 2 min when JLinkRTTLogger and the UART capture start: the first log "
                "segment has no banner and its uptimes start at 01:02:05. Traffic: AT#XTCPSEND (data mode, "
                "'<inf> slm_at_host: Enter datamode', 'Raw send 19', '+++', 'datamode off pending', 'Exit datamode' "
                "with #XDATAMODE: 0), AT#XTCPCLI=0 ('<wrn> slm_tcp: POLLNVAL', 'TCP client thread terminated'), then "
                "AT#XRESET: OK, FF 'Ready' and a second segment with the boot banner.",
                "sdk-nrf v2.1.2 applications/serial_lte_modem/src/slm_at_host.c enter_datamode() LOG_INF(\"Enter "
                "datamode\"), raw_send() LOG_INF(\"Raw send %d\") and LOG_INF(\"datamode off pending\"), exit_datamode() "
                "LOG_INF(\"Exit datamode\"); slm_at_tcp_proxy.c do_tcp_client_disconnect() (close, then the thread's "
                "POLLNVAL 'client disconnected locally by AT command' LOG_WRN(\"POLLNVAL\"), no URC from the thread), "
                "tcpcli_thread_func(); slm_at_commands.c handle_at_reset(); " + SRC_LOG_212,
                "issue 17 log variant: no boot for the first segment (alignment by AT-traffic lines only)",
                "JLinkRTTLogger file of a build with CONFIG_LOG_BACKEND_SHOW_COLOR=n (plain, CR LF), started late")
    s.boot_at = -3725.318  # the boot the log does not show: uptime 01:02:05.3 at the capture start
    s.at(0.2)
    s.cmd("AT#XTCPCLI?", ["#XTCPCLI: 0,1"], delay=0.006, think=0.0)
    t_send, t_ok = s.cmd("AT#XTCPSEND", delay=0.005, think=0.4)
    s.lg(t_ok - 0.0003, "inf", "slm_at_host", "Enter datamode")
    t_data = s.host("batch:17,18,19,20" + CRLF, 0.2)
    s.lg(s.now() + 0.0502, "inf", "slm_at_host", "Raw send 19")
    t_plus = s.host("+++", 1.5)
    s.lg(s.now() + 0.0011, "inf", "slm_at_host", "datamode off pending")
    s.lg(s.now() + 0.0452, "inf", "slm_at_host", "Exit datamode")
    s.urc("#XDATAMODE: 0", 0.0458)
    t_dis = s.host("AT#XTCPCLI=0" + CRLF, 0.5)
    s.lg(s.now() + 0.0021, "wrn", "slm_tcp", "POLLNVAL")
    s.lg(s.now() + 0.0023, "inf", "slm_tcp", "TCP client thread terminated")
    s.modem(CRLF + '#XTCPCLI: 0,"disconnected"' + CRLF + answer(), 0.0030)
    s.cmd("AT#XRESET", delay=0.005, think=0.5)
    # handle_at_reset(): OK, 50 ms, UART off, modem_power_off() (CFUN=0, 1 s), sys_reboot()
    r1 = s.now() + 1.05 + 0.30 + 0.058
    t_ready1 = boot_212(s, r1, glitch=b"\xff")
    s.cmd("AT#XSLMVER", ['#XSLMVER: "2.1.2"'], delay=0.005, think=0.5)
    s.x("note", "slm.reset.expected", t_ready1, "Ready after AT#XRESET (the FF in front is part of the reset)")
    s.x("note", "slm.log.alignment", None, "segment 1: no boot in the log; placed by the lines that mention "
        "AT traffic (Enter/Exit datamode around #XTCPSEND's OK and #XDATAMODE: 0, Raw send)")
    s.x("note", "slm.log.alignment", None, "segment 2: boot banner and the Ready after AT#XRESET")
    s.expect.append("# Healthy: the <wrn> POLLNVAL is the thread seeing the socket the command closed.")
    return s


# =============================================================================================
# 8. A healthy AT#XRESET with its log (v2.6.0): two segments, expected reset, no crash
# =============================================================================================
def s08():
    s = Session("2.6.0", "xreset-healthy",
                "v2.6.0: AT#XRESET with the RTT log: boot banner again, expected reset",
                "v2.6.0: power-on boot, attach, AT#XRESET: OK, then 1.4 s later the second boot banner, the init "
                "lines and Ready. No fatal error anywhere in the log.",
                "sdk-nrf v2.6.0 applications/serial_lte_modem/src/slm_at_commands.c handle_at_reset() "
                "(final_call(slm_reset): slm_power_off_modem(), LOG_PANIC(), sys_reboot(SYS_REBOOT_COLD)); main.c, "
                "slm_uart_handler.c, slm_at_host.c boot lines; " + SRC_LOG_260,
                "issue 17 healthy: a requested reboot with its log",
                "RTT log as text without colour escapes (CONFIG_LOG_BACKEND_SHOW_COLOR=n), CR LF")
    r0 = 0.013
    t_ready0 = boot_260(s, r0)
    attach(s, "2.6.0")
    s.cmd("AT#XRESET", delay=0.005, think=1.0)
    r1 = s.now() + 1.10 + 0.061
    t_ready1 = boot_260(s, r1)
    s.cmd("AT#XSLMVER", ['#XSLMVER: "2.6.0","2.6.0"'], delay=0.005, think=0.4)
    s.cmd("AT+CFUN?", ["+CFUN: 0"], delay=0.006, think=0.1)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("note", "slm.reset.expected", t_ready1, "Ready after AT#XRESET")
    s.x("note", "slm.log.alignment", None, "segment 1 (power-on boot)")
    s.x("note", "slm.log.alignment", None, "segment 2 (the boot after AT#XRESET)")
    s.expect.append("# No slm.crash: the second banner follows a requested reset, with no fatal error before it.")
    return s


# =============================================================================================
# 9. A stack overflow (sentinel) in the MQTT thread with no command pending (v2.1.2)
# =============================================================================================
def s09():
    s = Session("2.1.2", "crash-stack-overflow-idle",
                "v2.1.2: the 2 KiB MQTT thread overflows on a large PUBLISH; Stack overflow fatal error, reboot",
                "v2.1.2, MQTT connected and subscribed, no command pending. 18 s after the SUBACK the log shows a "
                "stack overflow caught by CONFIG_STACK_SENTINEL in the unnamed MQTT thread: the register dump (r0 = 2, "
                "the reason passed through the SVC), '>>> ZEPHYR FATAL ERROR 2: Stack overflow on CPU 0', "
                "'Current thread: 0x20016e48 (unknown)', 'Resetting system'; no #XMQTTMSG reached the UART, then FF "
                "'Ready'. The host finds the MQTT session gone.",
                "sdk-nrf v2.1.2 applications/serial_lte_modem/prj.conf (CONFIG_STACK_SENTINEL=y), mqtt_c/slm_at_mqtt.c "
                "(THREAD_STACK_SIZE KB(2), mqtt_thread_fn(), handle_mqtt_publish_evt()); Zephyr v3.1.99-ncs1-1 "
                "kernel/thread.c z_check_stack_sentinel() -> z_except_reason(K_ERR_STACK_CHK_FAIL), "
                "arch/arm/core/aarch32/fatal.c z_do_kernel_oops() (reason = stacked r0) -> z_arm_fatal_error() -> "
                "esf_dump(), kernel/fatal.c z_fatal_error() reason 2 'Stack overflow'; /work/shared/docs/slm-protocol.md "
                "(2 KiB MQTT stack before v2.4.0); " + SRC_LOG_212,
                "issue 17 problem: crash with no command pending (a stack overflow, not a CPU fault)",
                "RTT log as text without colour escapes (CONFIG_LOG_BACKEND_SHOW_COLOR=n), CR LF")
    r0 = 0.013
    t_ready0 = boot_212(s, r0)
    attach(s, "2.1.2")
    s.cmd('AT#XMQTTCON=1,"atscope-dk-01","","","mqtt.eclipseprojects.io",1883', delay=1.80, think=0.3)
    s.urc("#XMQTTEVT: 0,0", 0.42)
    s.cmd('AT#XMQTTSUB="atscope/dk-01/cmd",1', delay=0.021, think=0.4)
    s.urc("#XMQTTEVT: 7,0", 0.31)
    s.wait(18.0)
    t_crash = s.now()
    dump = [
        "r0/a1:  0x%08x  r1/a2:  0x%08x  r2/a3:  0x%08x" % (0x2, 0x20016e48, 0x0),
        "r3/a4:  0x%08x r12/ip:  0x%08x r14/lr:  0x%08x" % (0x20016e48, 0x0, 0x0003a9d5),
        " xpsr:  0x%08x" % 0x21000000,
        "Faulting instruction address (r15/pc): 0x%08x" % 0x0003a9e2,
        ">>> ZEPHYR FATAL ERROR 2: Stack overflow on CPU 0",
        "Current thread: 0x20016e48 (unknown)",
    ]
    for i, text in enumerate(dump):
        s.lg(t_crash + i * 0.000031, "err", "os", text)
    s.lg(t_crash + len(dump) * 0.000031 + 0.000092, "err", "fatal_error", "Resetting system")
    r1 = t_crash + 0.0015 + 0.058
    t_ready1 = boot_212(s, r1, glitch=b"\xff")
    s.cmd("AT", delay=0.004, think=2.5)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("error", "slm.crash", t_crash, "Stack overflow (fatal error 2) in thread 0x20016e48 (unknown), PC 0x0003a9e2, "
        "LR 0x0003a9d5; the first fatal line is the register dump (no '***** ... FAULT *****' line for an SVC-raised error)")
    s.x("error", "slm.reset.unexpected", t_ready1, "FF Ready with nothing pending and no #XRESET/#XSLEEP: the cause is the "
        "stack overflow %.0f ms before" % ((t_ready1 - t_crash) * 1000))
    s.x("note", "slm.log.alignment", None, "segment 1 (power-on boot)")
    s.x("note", "slm.log.alignment", None, "segment 2 (the boot after the overflow)")
    s.expect.append("# No at.final.missing, no slm.urc.missing: nothing was pending (the SUBACK had come).")
    return s


# =============================================================================================
# 10. Log variant: raw tick timestamps (CONFIG_LOG_BACKEND_FORMAT_TIMESTAMP=n), v2.6.0, AT#XRESET
# =============================================================================================
def s10():
    s = Session("2.6.0", "log-raw-ticks-xreset",
                "v2.6.0 log with raw timestamps ([%08lu] RTC ticks at 32768 Hz), AT#XRESET",
                "v2.6.0 built with CONFIG_LOG_BACKEND_FORMAT_TIMESTAMP=n: each line starts with the raw log "
                "timestamp, the 32768 Hz RTC count since boot, as '[00008054] <inf> slm: lib_modem init: 0'. Boot, "
                "attach, AT#XRESET, second boot (the count restarts).",
                "Zephyr v3.5.99-ncs1 subsys/logging/log_output.c timestamp_print() (not formatted: \"[%08lu] \" of "
                "the timestamp; the timestamp is k_cycle_get_32(), 32768 Hz on the nRF91 RTC); sdk-nrf v2.6.0 "
                "applications/serial_lte_modem/src/slm_at_commands.c handle_at_reset(), boot lines as in xreset-healthy",
                "issue 17 log variant: uptime as raw cycles",
                "RTT log as text without colour escapes (CONFIG_LOG_BACKEND_SHOW_COLOR=n), CR LF",
                style="ticks")
    r0 = 0.017
    t_ready0 = boot_260(s, r0)
    attach(s, "2.6.0")
    s.cmd("AT#XRESET", delay=0.005, think=2.0)
    r1 = s.now() + 1.12 + 0.060
    t_ready1 = boot_260(s, r1)
    s.cmd("AT#XSLMVER", ['#XSLMVER: "2.6.0","2.6.0"'], delay=0.005, think=0.4)
    s.x("note", "slm.reset.expected", t_ready0, "power-on Ready at the capture start")
    s.x("note", "slm.reset.expected", t_ready1, "Ready after AT#XRESET")
    s.x("note", "slm.log.alignment", None, "segment 1 (power-on boot; raw counts, 32768 per second)")
    s.x("note", "slm.log.alignment", None, "segment 2 (the boot after AT#XRESET)")
    return s


SESSIONS = [s01, s02, s03, s04, s05, s06a, s06b, s07a, s07b, s07c, s08, s09, s10]


def main():
    for make in SESSIONS:
        s = make()
        s.write()
        print("%-32s %6.1f s  %3d UART records  %3d log lines" % (s.name, s.now(), len(s.recs), len(s.log)))


if __name__ == "__main__":
    main()
