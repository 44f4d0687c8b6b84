//! Rules: findings from the timeline, with SLM knowledge from [`crate::slm::table`].
//!
//! [`Rules::observe`] sees every timeline event in order and returns the findings it can tell
//! at that point; [`Rules::finish`] returns those that only the end of the capture settles
//! (a promised URC whose deadline passed, a command still open). Time is the events' own time:
//! no clock is read.
//!
//! Every id, its default severity and when it is raised: [`CATALOGUE`] (the README's table is
//! tested against it). A finding at `error` names the events that prove it; doubts wait for
//! the evidence that settles them (a credential finding for the connection's outcome, a promised
//! URC past its window for the end of the capture, a reboot, or a late arrival).
//!
//! Severities can be changed or rules turned off with [`RuleConfig`].

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

pub mod catalogue;
mod config;
mod health;
mod log;
mod promises;
mod reset;
mod tls;

use promises::{late_urc, missing_urc, urc_text};

pub use catalogue::{FindingId, CATALOGUE};
pub use config::RuleConfig;

use crate::at::grammar::{FinalResult, Form, Param};
use crate::chunk::{Condition, Dir};
use crate::finding::{Finding, Severity};
use crate::slm::table::{self, From};
use crate::slm::{self, SlmVersion};
use crate::timeline::event::hex;
use crate::timeline::{Bytes, Event, EventKind, ExchangeStatus};

/// A finding about to be emitted, before severity overrides.
#[derive(Debug)]
struct Draft {
    id: FindingId,
    /// The severity the evidence supports, when it differs from the id's default.
    level: Option<Severity>,
    t0: i64,
    t1: i64,
    message: String,
    help: String,
    events: Vec<u64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    seq: u64,
    name: String,
    form: Option<Form>,
    params: Vec<Param>,
    /// The command line, kept as bytes: escaped only when a message needs it.
    line: Bytes,
    t0: i64,
    t1: i64,
    deadline: Option<i64>,
}

/// A URC a command promised. It is watched from the command on (the SLM can send it before
/// the command's `OK`); its window starts at the `OK` or at the command, as the table says.
#[derive(Debug, Clone)]
struct Active {
    spec: &'static table::Promise,
    cmd: Arc<Cmd>,
    /// When the window started (`None`: a promise from `OK` whose `OK` has not come yet).
    from_t: Option<i64>,
    /// When the window ends.
    deadline: Option<i64>,
    /// URCs that came during the window, for context.
    seen: Vec<(i64, String)>,
}

impl Active {
    fn overdue(&self, clock: i64) -> bool {
        self.deadline.is_some_and(|d| d < clock)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExpectReset {
    Reset,
    Sleep,
    Idle,
}

/// The rules' state over one capture.
#[derive(Default)]
pub struct Rules {
    cfg: RuleConfig,
    clock: i64,
    any_traffic: bool,
    cmds: HashMap<u32, Arc<Cmd>>,
    /// Pipelined commands on an assumed pre-2.5 version, until their exchanges end.
    pipelined_doubt: HashMap<u32, Vec<Draft>>,
    /// Exchanges sent while the SLM slept or idled, with the finding their end confirms.
    lost_in_sleep: HashMap<u32, Draft>,
    last_cmd: Option<Arc<Cmd>>,
    active: Vec<Active>,
    expect_reset: Option<(ExpectReset, i64)>,
    cfun: Option<(i64, i64)>,
    /// Modem credentials seen: tag → types.
    modem_creds: BTreeMap<i64, BTreeSet<i64>>,
    /// `#XCMNG` writes: native sec_tag → types.
    mapped: BTreeMap<i64, BTreeSet<i64>>,
    flagged_tags: BTreeSet<(i64, &'static str)>,
    /// The `%CMNG` lines of the listing being received.
    listing: Vec<tls::Listed>,
    /// A whole `%CMNG=1` listing was seen.
    listing_seen: bool,
    /// Credential findings waiting for their connection's outcome.
    tls_pending: Vec<tls::PendingTls>,
    bursts: VecDeque<(i64, u64)>,
    burst_flagged_until: i64,
    datamode_auto_exit: Option<(i64, u64)>,
    version: Option<SlmVersion>,
    /// Whether the version was declared (trace, `#XSLMVER`, user), not assumed.
    version_known: bool,
    /// A newer version the traffic proved, for the decoder to apply (assumed versions only).
    revised: Option<SlmVersion>,
    contradiction_said: bool,
    /// The last registration status (`+CEREG`).
    cereg: Option<i64>,
    /// What the SLM's own log told so far (`log.rs`).
    log: log::LogState,
}

/// How long after an automatic data-mode exit host bytes count as data sent too late.
const AFTER_EXIT_WINDOW_NS: i64 = 2_000_000_000;
/// Framing errors or garbage runs within this window that make a baud-rate burst.
const BURST_WINDOW_NS: i64 = 1_000_000_000;
const BURST_COUNT: usize = 4;

fn ints(p: &[Param]) -> Vec<i64> {
    p.iter().map_while(Param::as_int).collect()
}

fn secs(ns: i64) -> String {
    format!("{:.3} s", ns as f64 / 1e9)
}

impl Rules {
    /// Rules with the user's severity overrides.
    pub fn new(cfg: RuleConfig) -> Self {
        Rules { cfg, ..Default::default() }
    }

    fn finish_drafts(&self, drafts: Vec<Draft>) -> Vec<(i64, i64, Finding)> {
        drafts
            .into_iter()
            .filter_map(|d| {
                let severity = self.cfg.severity_from(d.id, d.level.unwrap_or(d.id.severity()))?;
                Some((
                    d.t0,
                    d.t1,
                    Finding {
                        id: d.id.as_str().to_string(),
                        severity,
                        message: d.message,
                        help: d.help,
                        events: d.events,
                    },
                ))
            })
            .collect()
    }

    /// A waveform channel decoded at a rate its measured bit time contradicts.
    pub fn baud_mismatch(
        &self,
        dir: Option<Dir>,
        channel: &str,
        m: &crate::capture::BaudMismatch,
    ) -> Vec<(i64, i64, Finding)> {
        let (configured, measured) = (m.configured, m.measured);
        let side = dir.map(|d| format!("the {d} line")).unwrap_or_else(|| "an unused channel".into());
        self.finish_drafts(vec![Draft {
            id: FindingId::UartBaudMismatch,
            level: None,
            t0: 0,
            t1: 0,
            message: format!("channel {channel:?} ({side}) was decoded at {configured} Bd, but its bit time measures {measured:.0} Bd"),
            help: format!(
                "The shortest pulses on this line are {:.2} bit times at {configured} Bd, so the decode is likely wrong from the start. Decode again with --baud {} or --baud auto; if the device itself runs at the other rate, check #XSLMUART (v2.1.x saves it to flash) against the host's setting.",
                f64::from(configured) / measured,
                m.suggested
            ),
            events: Vec::new(),
        }])
    }

    /// A newer SLM version the traffic proved when the version was only assumed (taken once).
    pub fn take_revised_version(&mut self) -> Option<SlmVersion> {
        self.revised.take()
    }

    /// The command name an exchange answers (for meanings of its lines).
    pub fn command_name(&self, exchange: u32) -> Option<&str> {
        self.cmds.get(&exchange).map(|c| c.name.as_str())
    }

    /// Observes one event (with its final `seq`); returns findings as (start, end, finding).
    pub fn observe(&mut self, e: &Event, version: SlmVersion, known: bool) -> Vec<(i64, i64, Finding)> {
        self.version = Some(version);
        self.version_known = known;
        let mut out = Vec::new();
        self.clock = self.clock.max(e.t_ns);
        match &e.kind {
            EventKind::Command { exchange, name, form, params, line, invalid, pending, .. } => {
                let timeout = table::timeout_ms(name, params);
                let cmd = Arc::new(Cmd {
                    seq: e.seq,
                    name: name.clone(),
                    form: *form,
                    params: params.clone(),
                    line: line.clone(),
                    t0: e.t_ns,
                    t1: e.end_ns,
                    deadline: timeout.map(|ms| e.end_ns.saturating_add(table::ms_to_ns(ms))),
                });
                let asleep = match self.expect_reset {
                    Some((ExpectReset::Idle, since)) => Some(("idle after AT#XSLEEP=2", since)),
                    Some((ExpectReset::Sleep, since)) => Some(("asleep after AT#XSLEEP=1", since)),
                    _ => None,
                };
                if let Some((state, since)) = asleep {
                    // Said when the exchange ends unanswered: an answer would prove the SLM awake.
                    self.lost_in_sleep.insert(*exchange, Draft {
                        id: FindingId::SleepInputLost,
                        level: None,
                        t0: e.t_ns,
                        t1: e.end_ns,
                        message: format!("{} sent while the SLM was {state} ({} before): the UART was off, the command was lost", cmd.line, secs(e.t_ns - since)),
                        help: "After AT#XSLEEP the SLM suspends its UART (idle) or powers off (sleep); nothing the host sends reaches it until the wake-up pin is pulled and Ready comes. Wake the SLM first, wait for Ready, then send.".into(),
                        events: vec![e.seq],
                    });
                } else if !pending.is_empty() && !version.allows_pipelining() {
                    let prev = pending.last().and_then(|p| self.cmds.get(p));
                    let prev_line = prev.map(|c| c.line.escaped()).unwrap_or_else(|| "another command".into());
                    let mut ev = vec![e.seq];
                    ev.extend(prev.map(|c| c.seq));
                    // With an assumed version, the command's own answer would prove a newer SLM:
                    // the warning waits for the exchange's end.
                    let to = if known { &mut out } else { self.pipelined_doubt.entry(*exchange).or_default() };
                    to.push(Draft {
                        id: FindingId::HostPipelined,
                        level: None,
                        t0: e.t_ns,
                        t1: e.end_ns,
                        message: format!("{} sent while {prev_line} was still pending", cmd.line),
                        help: format!(
                            "SLM {version} disables UART RX from a command's terminator until its final result, so without hardware flow control these bytes are lost. Wait for OK/ERROR before sending the next command (v2.5+ accepts pipelined commands)."
                        ),
                        events: ev,
                    });
                }
                if invalid.is_none() {
                    for p in table::promises_of(name, *form, params, Some(version)) {
                        // A host that repeats a command whose URC is overdue has given up on it.
                        let (gave_up, keep): (Vec<Active>, Vec<Active>) = std::mem::take(&mut self.active)
                            .into_iter()
                            .partition(|a| std::ptr::eq(a.spec, p) && a.overdue(self.clock));
                        self.active = keep;
                        out.extend(gave_up.into_iter().map(|a| missing_urc(a, None)));
                        let from_t = (p.from == From::Sent).then_some(e.end_ns);
                        self.active.push(Active {
                            spec: p,
                            cmd: cmd.clone(),
                            from_t,
                            deadline: from_t.map(|t| t + p.within_ms as i64 * 1_000_000),
                            seen: Vec::new(),
                        });
                    }
                }
                self.tls_use(e, version);
                if let Some((t, seq)) = self.datamode_auto_exit.take() {
                    if invalid.is_some() && e.t_ns - t < AFTER_EXIT_WINDOW_NS {
                        out.push(Draft {
                            id: FindingId::DatamodeDataAfterExit,
                            level: None,
                            t0: t,
                            t1: e.end_ns,
                            message: format!("host bytes {} arrived after the SLM had left data mode by itself", cmd.line),
                            help: "SLM v2.1.x leaves data mode on its own after the first chunk of #XNRFCLOUD=2, an HTTP request payload or a single FTP put; what the host sends afterwards (including its +++) is parsed as a command and fails with ERROR. Wait for #XDATAMODE and do not send +++ for these, or move to v2.2+.".into(),
                            events: vec![seq, e.seq],
                        });
                    }
                }
                self.cmds.insert(*exchange, cmd.clone());
                self.last_cmd = Some(cmd);
                self.any_traffic = true;
            }
            EventKind::Final { exchange, result, latency_ns } => {
                self.any_traffic = true;
                match exchange {
                    None => out.push(Draft {
                        id: FindingId::FinalUnsolicited,
                        level: None,
                        t0: e.t_ns,
                        t1: e.end_ns,
                        message: format!("{result} with no command pending"),
                        help: "A final result answers a command; none was waiting. Either the host's command was not captured (a capture started late, a lost host channel), or the host sent bytes the capture did not decode (wrong baud on the host line), or the SLM answered a command twice.".into(),
                        events: vec![e.seq],
                    }),
                    Some(x) => {
                        let cmd = self.cmds.get(x).cloned();
                        if let Some(c) = &cmd {
                            self.final_for(e, c, result, *latency_ns, &mut out);
                        }
                    }
                }
            }
            EventKind::Urc { name, params, line } | EventKind::Info { name: Some(name), params, line, .. } => {
                self.any_traffic = true;
                // Most lines concern no rule: parse their fields only when one needs them.
                let wanted = matches!(name.as_str(), "#XFOTA" | "%CMNG" | "#XMODEM" | "%MDMEV" | "+CEREG" | "+CGEV")
                    || !self.active.is_empty()
                    || !self.tls_pending.is_empty();
                if !wanted {
                    return self.finish_drafts(out);
                }
                self.settle(e, name, params, line, &mut out);
                self.tls_urc(name, params, &mut out);
                let is_info = matches!(e.kind, EventKind::Info { .. });
                if is_info {
                    self.info_line(e, name, params);
                }
                self.health(e, name, params, line, is_info, &mut out);
                if name == "#XFOTA" {
                    let v = ints(params);
                    if v.first() == Some(&4) && v.get(1) == Some(&0) {
                        self.expect_reset = None;
                    }
                }
            }
            EventKind::Reset(r) => {
                self.reset(e, r, &mut out);
            }
            EventKind::Garbage { data, .. } => {
                self.any_traffic = true;
                let dir = e.dir.map(|d| d.as_str()).unwrap_or("?");
                out.push(Draft {
                    id: FindingId::UartGarbage,
                    level: None,
                    t0: e.t_ns,
                    t1: e.end_ns,
                    message: format!("{} byte(s) on the {dir} line fit no AT item: {}", data.0.len(), hex(&data.0[..data.0.len().min(16)])),
                    help: "Non-printable bytes or invalid UTF-8 outside any payload. Single bytes such as 00, FF or C0 are typical of a line glitch while a chip resets or a cable is plugged; a steady stream suggests a wrong baud rate, a floating RX line, or a missing ground.".into(),
                    events: vec![e.seq],
                });
                self.burst(e, &mut out, "garbage");
            }
            EventKind::Condition { cond } => {
                if matches!(cond, Condition::Framing | Condition::Break) {
                    self.burst(e, &mut out, "framing errors");
                }
            }
            EventKind::Log(l) => self.log_line(e, l, &mut out),
            EventKind::Exchange { id, status, result, .. } => {
                self.log_exchange_end(e, *id, *status, result.as_ref(), &mut out);
                if let Some(drafts) = self.pipelined_doubt.remove(id) {
                    match (status, self.cmds.get(id).cloned()) {
                        (ExchangeStatus::Ok | ExchangeStatus::Error, Some(c)) => self.contradicted(
                            e,
                            &c,
                            SlmVersion::new(2, 5, 0),
                            format!("{} was sent while another command was pending and still got its own answer, which SLM {version} never gives (it reads nothing until the pending command ends)", c.line),
                            &mut out,
                        ),
                        _ => out.extend(drafts),
                    }
                }
                let lost = match self.lost_in_sleep.remove(id) {
                    Some(_) if matches!(status, ExchangeStatus::Ok | ExchangeStatus::Error) => {
                        // Answered: the SLM was awake after all (the capture missed its wake-up).
                        self.expect_reset = None;
                        false
                    }
                    Some(d) => {
                        out.push(d);
                        true
                    }
                    None => false,
                };
                if let Some(c) = self.cmds.remove(id).filter(|_| !lost) {
                    match status {
                        ExchangeStatus::TimedOut => out.push(Draft {
                            id: FindingId::FinalMissing,
                            level: None,
                            t0: c.t0,
                            t1: e.end_ns,
                            message: format!(
                                "{} got no final result within {}; the host then moved on to its next command",
                                c.line,
                                secs(e.end_ns - c.t1)
                            ),
                            help: "The SLM should have answered OK or ERROR by now, and the host gave up waiting. A final result that comes after the next command is taken as that command's answer (it could, less likely, be this one's late answer). Check whether the SLM hung on a network operation, and that the modem side of the capture is complete.".into(),
                            events: vec![c.seq, e.seq],
                        }),
                        ExchangeStatus::Aborted => out.push(Draft {
                            id: FindingId::FinalMissing,
                            level: None,
                            t0: c.t0,
                            t1: e.end_ns,
                            message: format!("{} got no final result before the modem reset", c.line),
                            help: "The SLM rebooted while this command was running, so it never answered. If the reset was not requested, this command is the first suspect (see slm.reset.unexpected).".into(),
                            events: vec![c.seq, e.seq],
                        }),
                        ExchangeStatus::Open => {
                            if let Some(d) = c.deadline.filter(|&d| d < self.clock) {
                                out.push(Draft {
                                    id: FindingId::FinalMissing,
                                    level: None,
                                    t0: c.t0,
                                    t1: d,
                                    message: format!("{} got no final result within {}", c.line, secs(d - c.t1)),
                                    help: "The SLM should have answered OK or ERROR by now. Check that the modem side of the capture is complete, the baud rate of the modem line, and whether the SLM hung (a watchdog reset often follows).".into(),
                                    events: vec![c.seq],
                                });
                            }
                        }
                        _ => {}
                    }
                }
            }
            EventKind::DataMode { enter: false, host_terminator: false, .. } => {
                self.datamode_auto_exit = Some((e.t_ns, e.seq));
            }
            EventKind::Payload { owner, data, .. } if owner == "data mode" => {
                self.any_traffic = true;
                let b = &data.0;
                if e.dir == Some(Dir::Host) && !version.scans_terminator() {
                    if let Some(p) = b.windows(3).position(|w| w == b"+++") {
                        out.push(Draft {
                            id: FindingId::DatamodeTerminatorNotLast,
                            level: None,
                            t0: e.t_ns,
                            t1: e.end_ns,
                            message: format!("+++ inside the data-mode payload, followed by {} more byte(s)", b.len() - p - 3),
                            help: format!("SLM {version} recognises the data-mode terminator only as the last bytes before an idle gap; a +++ followed by more bytes in the same burst is sent as data. Pause (more than the #XDATACTRL time, about 32 ms at 115200 Bd) before and after +++."),
                            events: vec![e.seq],
                        });
                    }
                }
                if e.dir == Some(Dir::Modem) && b.ends_with(b"+++") {
                    out.push(Draft {
                        id: FindingId::DatamodeModemTerminator,
                        level: None,
                        t0: e.t_ns,
                        t1: e.end_ns,
                        message: "the SLM sent +++ in data mode".into(),
                        help: "Newer SLM sends +++ when the peer closed the connection during data mode and then drops host input until the host answers with +++. Send +++ and wait for #XDATAMODE.".into(),
                        events: vec![e.seq],
                    });
                }
            }
            _ => {}
        }
        self.finish_drafts(out)
    }

    /// The findings the end of the capture settles.
    pub fn finish(&mut self) -> Vec<(i64, i64, Finding)> {
        let mut out = Vec::new();
        for a in std::mem::take(&mut self.active) {
            let Some(from_t) = a.from_t else { continue }; // its command never succeeded
            if a.overdue(self.clock) {
                self.tls_outcome(a.cmd.seq, false, &mut out);
                out.push(missing_urc(a, None));
                continue;
            }
            out.push(Draft {
                id: FindingId::UrcUnconfirmed,
                level: None,
                t0: from_t,
                t1: self.clock,
                message: format!(
                    "{}: the capture ended {} after it, before {} ({}) was due",
                    a.cmd.line,
                    secs(self.clock - from_t),
                    urc_text(a.spec),
                    a.spec.label
                ),
                help: format!(
                    "{} may still have come; capture at least {} after the command to know.",
                    urc_text(a.spec),
                    secs(a.spec.within_ms as i64 * 1_000_000)
                ),
                events: vec![a.cmd.seq],
            });
        }
        self.tls_unsettled(false, &mut out);
        self.log_finish(&mut out);
        self.finish_drafts(out)
    }

    fn final_for(&mut self, e: &Event, c: &Cmd, result: &FinalResult, latency: Option<i64>, out: &mut Vec<Draft>) {
        // Promises that start at OK (unless the URC already came).
        if result.is_ok() {
            for a in self.active.iter_mut().filter(|a| a.cmd.seq == c.seq && a.from_t.is_none()) {
                a.from_t = Some(e.end_ns);
                a.deadline = Some(e.end_ns + a.spec.within_ms as i64 * 1_000_000);
            }
            if table::PROMISES.iter().any(|p| p.urc == "Ready" && p.command.eq_ignore_ascii_case(&c.name)) {
                self.expect_reset = Some((ExpectReset::Reset, e.end_ns));
            }
        }
        if !result.is_ok() {
            // A failed command promises nothing.
            self.active.retain(|a| a.cmd.seq != c.seq);
        }
        if result.is_ok() {
            if c.name == "+CFUN" && c.form == Some(Form::Set) {
                if let Some(m) = c.params.first().and_then(Param::as_int) {
                    self.cfun = Some((m, e.t_ns));
                }
            }
            if c.name == "#XSLEEP" && c.form == Some(Form::Set) {
                match c.params.first().and_then(Param::as_int) {
                    Some(1) => self.expect_reset = Some((ExpectReset::Sleep, e.end_ns)),
                    Some(2) => self.expect_reset = Some((ExpectReset::Idle, e.end_ns)),
                    _ => {}
                }
            }
            self.credential_write(c);
        }
        if c.name == "%CMNG" {
            self.listing_done(c, result.is_ok(), out);
            if matches!(result, FinalResult::Ok | FinalResult::CmeError(513)) {
                self.query_mapped_tag(e, c, out);
            }
        }
        self.tls_final(c, result, out);
        if let (Some(l), Some(dl)) = (latency, c.deadline) {
            if c.t1 + l > dl {
                out.push(Draft {
                    id: FindingId::FinalLate,
                    level: None,
                    t0: c.t0,
                    t1: e.end_ns,
                    message: format!("{} took {} (documented maximum {})", c.line, secs(l), secs(dl - c.t1)),
                    help: "The SLM answered later than its source allows for this command. A host that times out earlier will have given up; look for a stuck network operation or a modem busy with another task.".into(),
                    events: vec![c.seq, e.seq],
                });
            }
        }
        if result.is_ok() {
            self.succeeded(e, c, out);
        } else {
            self.failure(e, c, result, out);
        }
    }

    fn error_draft(&self, e: &Event, c: &Cmd, result: &FinalResult) -> Draft {
        let version = self.version.unwrap_or(SlmVersion::DEFAULT);
        let meaning = match result {
            FinalResult::CmeError(n) => slm::cme_meaning(Some(&c.name), *n).map(str::to_string),
            FinalResult::CmsError(n) => Some(format!("SMS error {n}")),
            _ => None,
        };
        let mut cause: Vec<String> = Vec::new();
        let cfun = self.cfun.map(|(m, _)| m);
        let active = cfun.is_some_and(|m| matches!(m, 1 | 2 | 21));
        // 518 means "not allowed in active state" only for the commands that document it.
        let documents_518 = table::command(&c.name).is_some_and(|spec| table::lookup(spec.cme, 518).is_some());
        if let (FinalResult::CmeError(518), true) = (result, documents_518) {
            if let Some(m) = cfun {
                cause.push(format!("the modem was in AT+CFUN={m} (set earlier in this capture)"));
            }
        }
        if c.form.is_none() {
            let why = c.line.escaped();
            let why = why.trim();
            cause.push(if why.is_empty() {
                format!("an empty line fails the SLM {version} grammar check")
            } else {
                "the line fails the SLM grammar check: it must start with AT and then +, % or # and a name (v2.1.x also rejects bytes before AT)".into()
            });
        }
        if matches!(result, FinalResult::Error) {
            let ctx = slm::causes::Context { params: &c.params, version, modem_active: active };
            cause.extend(slm::causes::of_error(&c.name, &ctx).map(|k| k.text.to_string()));
        }
        let mut message = format!("{} failed: {result}", c.line);
        if let Some(m) = &meaning {
            message.push_str(&format!(" ({m})"));
        }
        let help = if cause.is_empty() {
            match table::command(&c.name) {
                Some(spec) => format!("{} refused the command. Check its parameters against the {} documentation for SLM {version}.", if c.name.starts_with('#') { "The SLM" } else { "The modem" }, spec.summary),
                None => format!("The command is not in atscope's table for SLM {version}; the SLM may not support it in this build."),
            }
        } else {
            format!("Likely cause: {}.", cause.join("; "))
        };
        Draft { id: FindingId::AtError, level: None, t0: c.t0, t1: e.end_ns, message, help, events: vec![c.seq, e.seq] }
    }

    fn burst(&mut self, e: &Event, out: &mut Vec<Draft>, what: &str) {
        self.bursts.push_back((e.t_ns, e.seq));
        while self.bursts.front().is_some_and(|(t, _)| e.t_ns - t > BURST_WINDOW_NS) {
            self.bursts.pop_front();
        }
        if self.bursts.len() >= BURST_COUNT && e.t_ns > self.burst_flagged_until {
            let t0 = self.bursts.front().map(|b| b.0).unwrap_or(e.t_ns);
            let dir = e.dir.map(|d| d.as_str()).unwrap_or("a");
            out.push(Draft {
                id: FindingId::UartBaudMismatch,
                level: None,
                t0,
                t1: e.end_ns,
                message: format!("{} {what} within {} on the {dir} line", self.bursts.len(), secs(e.t_ns - t0)),
                help: "Bursts of framing errors or undecodable bytes usually mean the two ends disagree on the baud rate (SLM v2.1.x can boot at a rate saved by #XSLMUART, and switches 50 ms after AT#XSLMUART's OK), or the capture's UART settings are wrong. Check both ends' rate and 8N1 framing, and the line's ground.".into(),
                events: self.bursts.iter().map(|b| b.1).collect(),
            });
            self.burst_flagged_until = e.t_ns + BURST_WINDOW_NS;
            self.bursts.clear();
        }
    }
}

#[cfg(test)]
mod tests;
