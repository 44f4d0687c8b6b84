//! Findings from the SLM's own log (`--log`): its crashes (`slm.crash`, named by the reset that
//! follows), its `<err>` lines (`slm.log.error`, a note on the exchange that failed with them),
//! the modem library's fault line (`modem.fault`), and how each segment was placed
//! (`slm.log.alignment`).

use super::*;
use crate::log::align::{How, Report};
use crate::log::crash::{classify, Part};
use crate::log::{Level, LogEntry};

/// How long an `<err>` line after a failed exchange's end still belongs to it (the log and the
/// UART are aligned to a few ms; the SLM logs before it answers).
const ERR_AFTER_FAIL_NS: i64 = 500_000_000;
/// How long an `<err>` line waits for the end of a command without a documented maximum time.
const UNTIMED_HOLD_NS: i64 = 10_000_000_000;
/// How long before a `Ready` a crash is taken as its cause (reboot, boot and SLM init).
const CRASH_BEFORE_READY_NS: i64 = 60_000_000_000;

/// A crash being read from the log.
#[derive(Debug, Clone, Default)]
pub(super) struct Crash {
    segment: u32,
    t0: i64,
    t1: i64,
    seqs: Vec<u64>,
    fault: Option<String>,
    fatal: Option<(i64, String)>,
    thread: Option<String>,
    pc: Option<u32>,
    lr: Option<u32>,
    assertion: Option<String>,
    assertion_msg: Option<String>,
    /// The line before was `ASSERTION FAIL` (its message row follows).
    after_assert: bool,
}

impl Crash {
    /// `BUS FAULT in mqtt_thread, PC 0x0002a8c4`.
    fn summary(&self) -> String {
        let what = match (&self.fault, &self.fatal, &self.assertion) {
            (_, _, Some(a)) => format!("ASSERTION FAIL {a}"),
            (Some(f), _, _) => f.clone(),
            (None, Some((_, reason)), _) => reason.clone(),
            _ => "fatal error".into(),
        };
        let mut s = what;
        match self.thread.as_deref() {
            // Zephyr prints `(unknown)` for a thread without a name (no CONFIG_THREAD_NAME).
            Some("unknown") => s.push_str(" in an unnamed thread"),
            Some(t) => s.push_str(&format!(" in {t}")),
            None => {}
        }
        if let Some(pc) = self.pc {
            s.push_str(&format!(", PC 0x{pc:08x}"));
        }
        s
    }
}

/// The log rules' state.
#[derive(Debug, Default)]
pub(super) struct LogState {
    crash: Option<Crash>,
    /// The last crash reported, until a `Ready` names it: (summary, time, seqs).
    last_crash: Option<(String, i64, Vec<u64>)>,
    /// `<err>` lines waiting for the end of the exchange they fell in: exchange → (t, seq, text).
    errs: Vec<(u32, i64, u64, String)>,
    /// The last exchange that ended in an error: (end, seqs, line, result).
    last_failed: Option<(i64, Vec<u64>, String, String)>,
    /// The firmware's ELF (`--elf`), to name the code at a crash's PC and LR.
    pub(super) symbols: Option<Elf>,
}

/// The firmware's symbols, as the rules hold them.
pub(super) struct Elf(pub(super) crate::symbols::Symbols);

impl std::fmt::Debug for Elf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Elf(..)")
    }
}

fn log_text(l: &LogEntry) -> String {
    match &l.module {
        Some(m) => format!("<{}> {m}: {}", l.level.as_str(), l.text),
        None => l.text.clone(),
    }
}

impl Rules {
    /// One line of the SLM's log.
    pub(super) fn log_line(&mut self, e: &Event, l: &LogEntry, out: &mut Vec<Draft>) {
        if self.log.crash.as_ref().is_some_and(|c| c.segment != l.segment) || l.boot.is_some() {
            self.close_crash(out);
        }
        let part = classify(&l.text);
        if let Some(Part::ModemFault { reason, pc }) = part {
            out.push(Draft {
                id: FindingId::ModemFault,
                level: None,
                t0: e.t_ns,
                t1: e.end_ns,
                message: format!("the modem firmware crashed (the SLM's log: modem fault reason 0x{reason:x}, modem PC 0x{pc:x})"),
                help: "The modem library's fault handler logged a modem crash. The application lives on, but every socket, PDN connection and registration is gone until the modem library is re-initialised. Save a modem trace of the crash for Nordic support.".into(),
                events: vec![e.seq],
            });
            return;
        }
        let starts = part.as_ref().is_some_and(Part::starts_crash);
        if starts && self.log.crash.is_none() {
            self.log.crash = Some(Crash { segment: l.segment, t0: e.t_ns, t1: e.t_ns, ..Default::default() });
        }
        if let Some(c) = self.log.crash.as_mut() {
            // Lines of the dump: the crash's own, never `slm.log.error`.
            let in_dump =
                part.is_some() || l.module.as_deref() == Some("os") || l.continuation || l.level == Level::Unknown;
            if in_dump || l.level == Level::Err {
                c.seqs.push(e.seq);
                c.t1 = e.t_ns;
                let after_assert = std::mem::take(&mut c.after_assert);
                match part {
                    Some(Part::Fault(f)) => c.fault = c.fault.take().or(Some(f)),
                    Some(Part::Fatal { code, reason }) => c.fatal = c.fatal.take().or(Some((code, reason))),
                    Some(Part::Thread(t)) => c.thread = Some(t),
                    Some(Part::Pc(pc)) => c.pc = Some(pc),
                    Some(Part::Lr(lr)) => c.lr = Some(lr),
                    Some(Part::Assert(a)) => {
                        c.assertion = c.assertion.take().or(Some(a));
                        c.after_assert = true;
                    }
                    Some(Part::Halt) => {
                        self.close_crash(out);
                        return;
                    }
                    Some(Part::ModemFault { .. }) => {}
                    None if after_assert && l.continuation => c.assertion_msg = Some(l.text.clone()),
                    None => {}
                }
                return;
            }
        }
        if l.level != Level::Err || l.module.as_deref() == Some("os") {
            return;
        }
        // An <err> line: inside an exchange it waits for its end; just after a failed one it
        // belongs to it; else it stands alone.
        // (Held only while the command may still be answered, so a command that never ends
        // does not hold every later line.)
        let pending = self.cmds.iter().max_by_key(|(x, _)| **x).filter(|(_, c)| {
            e.t_ns <= c.deadline.unwrap_or(c.t1.saturating_add(UNTIMED_HOLD_NS)).saturating_add(ERR_AFTER_FAIL_NS)
        });
        if let Some((&x, _)) = pending {
            self.log.errs.push((x, e.t_ns, e.seq, log_text(l)));
            return;
        }
        if let Some((t_end, seqs, line, result)) = self.log.last_failed.clone() {
            if e.t_ns - t_end <= ERR_AFTER_FAIL_NS {
                out.push(err_note(e.t_ns, e.seq, &log_text(l), &line, &result, seqs));
                return;
            }
        }
        out.push(err_alone(e.t_ns, e.seq, &log_text(l), None));
    }

    /// An exchange ended: the `<err>` lines that fell inside it are settled.
    pub(super) fn log_exchange_end(
        &mut self,
        e: &Event,
        id: u32,
        status: ExchangeStatus,
        result: Option<&FinalResult>,
        out: &mut Vec<Draft>,
    ) {
        let cmd = self.cmds.get(&id).cloned();
        let failed = status == ExchangeStatus::Error;
        if failed {
            if let Some(c) = &cmd {
                let r = result.map(|r| r.to_string()).unwrap_or_else(|| "ERROR".into());
                self.log.last_failed = Some((e.end_ns, vec![c.seq, e.seq], c.line.escaped(), r));
            }
        }
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.log.errs).into_iter().partition(|x| x.0 == id);
        self.log.errs = rest;
        for (_, t, seq, text) in mine {
            match (&cmd, failed) {
                (Some(c), true) => {
                    let r = result.map(|r| r.to_string()).unwrap_or_else(|| "ERROR".into());
                    out.push(err_note(t, seq, &text, &c.line.escaped(), &r, vec![c.seq, e.seq]));
                }
                // The command succeeded: an <err> while it ran is a side effect of what it did
                // (a clean AT#XMQTTCON=0 closes the socket under the MQTT thread's poll, which
                // logs POLLNVAL; slm_at_mqtt.c mqtt_thread_fn), nothing to act on.
                (Some(c), false) if status == ExchangeStatus::Ok => {
                    out.push(err_during_ok(t, seq, &text, &c.line.escaped(), vec![c.seq, e.seq]))
                }
                _ => {
                    let how = match status {
                        ExchangeStatus::Ok => "which ended OK",
                        ExchangeStatus::Aborted => "which a reset aborted",
                        ExchangeStatus::TimedOut => "which got no answer in time",
                        ExchangeStatus::Lost => "which the SLM never read",
                        _ => "which got no final result",
                    };
                    out.push(err_alone(t, seq, &text, cmd.as_ref().map(|c| format!("{} ({how})", c.line.escaped()))))
                }
            }
        }
    }

    fn close_crash(&mut self, out: &mut Vec<Draft>) {
        let Some(c) = self.log.crash.take() else { return };
        let mut details = Vec::new();
        if let Some((code, reason)) = &c.fatal {
            details.push(format!(">>> ZEPHYR FATAL ERROR {code}: {reason}"));
        }
        // The assertion itself heads the summary.
        if let Some(m) = &c.assertion_msg {
            details.push(format!("\"{m}\""));
        }
        if let Some(lr) = c.lr {
            details.push(format!("LR 0x{lr:08x}"));
        }
        if let Some(Elf(sym)) = &self.log.symbols {
            if let Some(pc) = c.pc {
                details.push(format!("PC in {}", sym.describe(u64::from(pc))));
            }
            if let Some(lr) = c.lr {
                details.push(format!("called from {}", sym.describe(crate::symbols::call_site(u64::from(lr)))));
            }
        }
        let summary = c.summary();
        let message = if details.is_empty() {
            format!("the SLM crashed: {summary}")
        } else {
            format!("the SLM crashed: {summary} ({})", details.join("; "))
        };
        let stack = c.fatal.as_ref().is_some_and(|(code, r)| *code == 2 || r.contains("Stack overflow"));
        let mut help = "The SLM's log shows a fatal error of the application: Zephyr halts or, with CONFIG_RESET_ON_FATAL_ERROR (the SLM's default), reboots the chip, so the host sees garbage and Ready. Resolve the PC and LR against the build's zephyr.elf (arm-none-eabi-addr2line -e build/zephyr/zephyr.elf 0x…) to find the function; the thread names the part of the SLM that crashed.".to_string();
        if stack {
            help.push_str(" A stack overflow: raise that thread's stack size (e.g. CONFIG_SLM_*_STACK_SIZE or CONFIG_MAIN_STACK_SIZE) and check large buffers on the stack.");
        }
        if c.assertion.is_some() {
            help.push_str(" An __ASSERT failed: the file and line say which invariant broke.");
        }
        self.log.last_crash = Some((summary, c.t0, c.seqs.clone()));
        out.push(Draft { id: FindingId::SlmCrash, level: None, t0: c.t0, t1: c.t1, message, help, events: c.seqs });
    }

    /// The crash the `Ready` at `t` follows, if the log showed one: (summary, time, seqs). Taken once.
    pub(super) fn crash_before_ready(&mut self, t: i64, out: &mut Vec<Draft>) -> Option<(String, i64, Vec<u64>)> {
        self.close_crash(out);
        let (s, t0, seqs) = self.log.last_crash.take()?;
        (t - t0 <= CRASH_BEFORE_READY_NS && t0 <= t).then_some((s, t0, seqs))
    }

    /// The end of the capture: a crash still being read, `<err>` lines of exchanges never ended.
    pub(super) fn log_finish(&mut self, out: &mut Vec<Draft>) {
        self.close_crash(out);
        for (_, t, seq, text) in std::mem::take(&mut self.log.errs) {
            out.push(err_alone(t, seq, &text, None));
        }
    }

    /// The note saying how one segment of the log was placed; `events`: its first line.
    pub fn log_alignment(&self, r: &Report, events: Vec<u64>) -> Vec<(i64, i64, Finding)> {
        let s = |ns: i64| format!("{:.3} s", ns as f64 / 1e9);
        let boot = match &r.start {
            Some(crate::log::segment::Start::Banner(b)) => format!("boot \"{b}\""),
            Some(crate::log::segment::Start::UptimeRestart) => "boot (uptime restarted)".into(),
            None => "no boot: the log started mid-run".into(),
        };
        let (how, sure) = match &r.how {
            How::Forced => (format!("forced by --log-offset ({})", s(r.offset_ns)), "as sure as the offset given"),
            How::Boot { ready_ns, ready_uptime_ns, init_line: true } => (
                format!("by its boot: Ready at {} is its `at_host init done` line (uptime {})", s(*ready_ns), s(*ready_uptime_ns)),
                "sure to a few ms (the SLM logs at_host init done right after it sends Ready)",
            ),
            How::Boot { ready_ns, ready_uptime_ns, .. } => (
                format!("by its boot: Ready at {} taken as its first timestamped line (uptime {}; no `at_host init done` line)", s(*ready_ns), s(*ready_uptime_ns)),
                "approximate (to the SLM's init time, up to a second or two)",
            ),
            How::Mention { command } => (
                format!("by the logged command {command} (it matched one host command)"),
                "sure to a few ms if that logged command is the host's (the only one with that text)",
            ),
            How::NextBoot => (
                "by the next boot (its last line is taken to come just before that reboot)".to_string(),
                "approximate: right when the SLM rebooted at once (a fatal error does), early by the time it ran on after its last line otherwise",
            ),
            How::Unaligned => (
                "not aligned: no Ready for its boot and no logged command matched; its uptime 0 is put at the capture's start".to_string(),
                "unknown: pass --log-offset SECONDS to place it",
            ),
        };
        let refined = if r.mentions > 0 {
            format!(
                "; refined by {} logged command(s) matching the host's (largest correction {})",
                r.mentions,
                s(r.max_correction_ns)
            )
        } else {
            String::new()
        };
        let sure = if r.mentions > 0 && !matches!(r.how, How::Forced) {
            "sure to a few ms (logged commands match the host's)"
        } else {
            sure
        };
        self.finish_drafts(vec![Draft {
            id: FindingId::SlmLogAlignment,
            level: None,
            t0: r.span.0,
            t1: r.span.1,
            message: format!("log segment {} ({boot}, {} lines) placed {how}{refined}: {sure}", r.segment, r.lines),
            help: "The SLM's log counts uptime since boot; atscope puts each boot on the UART's time axis by the Ready the SLM sent after it, and moves it onto the host's commands where a debug build logs them (RX). --log-offset SECONDS forces the offset (uptime 0 at that time of the capture).".into(),
            events,
        }])
    }
}

fn err_note(t: i64, seq: u64, text: &str, line: &str, result: &str, seqs: Vec<u64>) -> Draft {
    log_note(
        t,
        seq,
        seqs,
        format!("{line} failed: {result}; the SLM logged {text}"),
        "The SLM's own log says why the command failed (the at.error warning reports the failure itself). A negative number is an errno (e.g. -111 ECONNREFUSED, -116 ETIMEDOUT, -22 EINVAL).",
    )
}

fn err_during_ok(t: i64, seq: u64, text: &str, line: &str, seqs: Vec<u64>) -> Draft {
    log_note(
        t,
        seq,
        seqs,
        format!("the SLM logged {text} during {line}, which ended OK"),
        "The command succeeded, so this error is a side effect of what it did: closing a socket or a session makes the thread that polled it log POLLNVAL, POLLHUP or a failed read. Nothing to act on unless the host sees a problem afterwards.",
    )
}

/// An `<err>` line explained by the exchange it fell in (`seqs`): a note.
fn log_note(t: i64, seq: u64, mut seqs: Vec<u64>, message: String, help: &str) -> Draft {
    seqs.push(seq);
    Draft {
        id: FindingId::SlmLogError,
        level: Some(Severity::Note),
        t0: t,
        t1: t,
        message,
        help: help.into(),
        events: seqs,
    }
}

fn err_alone(t: i64, seq: u64, text: &str, during: Option<String>) -> Draft {
    let message = match during {
        Some(line) => format!("the SLM logged {text} during {line}"),
        None => format!("the SLM logged {text}"),
    };
    Draft {
        id: FindingId::SlmLogError,
        level: None,
        t0: t,
        t1: t,
        message,
        help: "An error the SLM reported in its own log with no failed command to explain it: a background task (socket, MQTT, cloud, GNSS) or the modem library failed. The module names the part of the SLM.".into(),
        events: vec![seq],
    }
}
