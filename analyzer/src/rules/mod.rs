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
mod datamode;
mod dialect;
mod exchange;
mod health;
mod log;
mod mux;
mod promises;
mod reset;
mod tls;
mod uart;

use promises::{late_urc, missing_urc, urc_text};

pub use catalogue::{FindingId, CATALOGUE};
pub use config::RuleConfig;

use crate::at::grammar::{FinalResult, Form, Param};
use crate::chunk::{Condition, Dir};
use crate::finding::{Finding, Severity};
use crate::slm::table::{self, From};
use crate::slm::{self, SlmVersion};
use crate::timeline::event::hex;
use crate::timeline::{Bytes, DecoderState, Event, EventKind, ExchangeStatus};

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

impl Draft {
    /// A finding about one event, over its span, at the id's default severity.
    fn about(e: &Event, id: FindingId, message: String, help: impl Into<String>) -> Draft {
        Draft { id, level: None, t0: e.t_ns, t1: e.end_ns, message, help: help.into(), events: vec![e.seq] }
    }
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
    cmds: rustc_hash::FxHashMap<u32, Arc<Cmd>>,
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
    /// CMUX and PPP (`mux.rs`).
    mux: mux::MuxState,
    /// The Serial Modem dialect (`dialect.rs`).
    dialect: dialect::Dialect,
    /// What the decoder knew at the event being observed.
    state: DecoderState,
}

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

    /// Names the code at a crash's PC and LR with the firmware's ELF.
    pub fn use_symbols(&mut self, symbols: crate::symbols::Symbols) {
        self.log.symbols = Some(log::Elf(symbols));
    }

    fn finish_drafts(&self, drafts: Vec<Draft>) -> Vec<(i64, i64, Finding)> {
        if drafts.is_empty() {
            return Vec::new(); // most events: no list to convert
        }
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

    /// A newer SLM version the traffic proved when the version was only assumed (taken once).
    pub fn take_revised_version(&mut self) -> Option<SlmVersion> {
        self.revised.take()
    }

    /// The firmware's name for messages ("SLM", or "Serial Modem" once it shows itself).
    fn firmware(&self) -> &'static str {
        self.version.map_or("SLM", SlmVersion::firmware)
    }

    /// The command name an exchange answers (for meanings of its lines).
    pub fn command_name(&self, exchange: u32) -> Option<&str> {
        self.cmds.get(&exchange).map(|c| c.name.as_str())
    }

    /// Observes one event (with its final `seq`); returns findings as (start, end, finding).
    /// `state` is what the decoder knew when it emitted the event (version, terminator).
    pub fn observe(&mut self, e: &Event, state: &DecoderState) -> Vec<(i64, i64, Finding)> {
        let (version, known) = (state.version, state.version_known);
        self.version = Some(version);
        self.version_known = known;
        self.state = *state;
        let mut out = Vec::new();
        self.dialect(e, &mut out);
        self.clock = self.clock.max(e.t_ns);
        self.ppp_overdue(self.clock, &mut out);
        match &e.kind {
            EventKind::Command { name, params, .. } => {
                if name.eq_ignore_ascii_case("#XPPP") {
                    self.ppp_command(params);
                }
                self.command(e, version, known, &mut out);
            }
            EventKind::Final { .. } => {
                self.final_result(e, &mut out);
            }
            EventKind::Urc { name, params, line } | EventKind::Info { name: Some(name), params, line, .. } => {
                self.any_traffic = true;
                if name == "#XPPP" {
                    self.ppp_status(params);
                }
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
                self.mux_reset(e.t_ns, &mut out);
                self.reset(e, r, &mut out);
            }
            EventKind::Cmux { .. } => self.cmux_frame(e, &mut out),
            EventKind::CmuxStray { .. } => self.cmux_stray(e, &mut out),
            EventKind::CmuxState { .. } => self.cmux_state(e, &mut out),
            EventKind::Ppp(p) => self.ppp_frame(e, p, &mut out),
            EventKind::Garbage { .. } => {
                self.garbage(e, &mut out);
            }
            EventKind::Condition { cond } => {
                if matches!(cond, Condition::Framing | Condition::Break) {
                    self.burst(e, &mut out, "framing errors");
                }
            }
            EventKind::Log(l) => self.log_line(e, l, &mut out),
            EventKind::Exchange { id, status, result, .. } => {
                self.log_exchange_end(e, *id, *status, result.as_ref(), &mut out);
                self.exchange_end(e, version, &mut out);
            }
            EventKind::DataMode { enter: false, host_terminator: false, .. } => {
                self.datamode_auto_exit = Some((e.t_ns, e.seq));
            }
            EventKind::Payload { owner, .. } if owner == "data mode" => {
                self.datamode_payload(e, version, &mut out);
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
        self.mux_finish(&mut out);
        self.finish_drafts(out)
    }
}

#[cfg(test)]
mod tests;
