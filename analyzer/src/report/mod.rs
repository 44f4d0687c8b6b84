//! Reports: the timeline as terminal text ([`text`]) and as JSON Lines ([`json`]), and the
//! counts for the summary line ([`Summary`]).

pub mod json;
pub mod text;
pub mod transcript;

use serde::Serialize;

use crate::timeline::{Event, EventKind, ExchangeStatus};

/// Counts over a decoded capture, for the summary line and the viewer's trace list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// First event time, ns.
    pub start_ns: Option<i64>,
    /// Last event end, ns.
    pub end_ns: Option<i64>,
    /// Exchanges (commands).
    pub exchanges: u64,
    /// Exchanges with no final result at the end.
    pub open: u64,
    /// Exchanges aborted by a reset.
    pub aborted: u64,
    /// Exchanges whose command the SLM never read (sent while another was pending, v2.1.x).
    pub lost: u64,
    /// Exchanges that ended in an error result.
    pub errors: u64,
    /// URCs.
    pub urcs: u64,
    /// Resets.
    pub resets: u64,
    /// Payload bytes.
    pub payload_bytes: u64,
    /// Garbage events.
    pub garbage: u64,
    /// Findings by severity: note, warning, error.
    pub findings: [u64; 3],
}

impl Summary {
    /// Counts one event.
    pub fn add(&mut self, e: &Event) {
        self.start_ns = Some(self.start_ns.map_or(e.t_ns, |s| s.min(e.t_ns)));
        self.end_ns = Some(self.end_ns.map_or(e.end_ns, |s| s.max(e.end_ns)));
        match &e.kind {
            EventKind::Exchange { status, .. } => {
                self.exchanges += 1;
                match status {
                    ExchangeStatus::Open | ExchangeStatus::TimedOut => self.open += 1,
                    ExchangeStatus::Aborted => self.aborted += 1,
                    ExchangeStatus::Error => self.errors += 1,
                    ExchangeStatus::Lost => self.lost += 1,
                    ExchangeStatus::Ok => {}
                }
            }
            EventKind::Urc { .. } => self.urcs += 1,
            EventKind::Reset(_) => self.resets += 1,
            EventKind::Payload { len, .. } => self.payload_bytes += *len as u64,
            EventKind::Garbage { .. } => self.garbage += 1,
            EventKind::Finding(f) => self.findings[f.severity.index()] += 1,
            _ => {}
        }
    }

    /// Duration covered, ns.
    pub fn duration_ns(&self) -> i64 {
        match (self.start_ns, self.end_ns) {
            (Some(s), Some(e)) => e - s,
            _ => 0,
        }
    }

    /// One line: `12 exchanges (1 open, 1 aborted, 2 errors), 5 URCs, 1 reset, …`.
    pub fn line(&self) -> String {
        let mut ex = Vec::new();
        for (n, what) in
            [(self.open, "open"), (self.aborted, "aborted by reset"), (self.lost, "lost"), (self.errors, "with error")]
        {
            if n > 0 {
                ex.push(format!("{n} {what}"));
            }
        }
        let ex = if ex.is_empty() { String::new() } else { format!(" ({})", ex.join(", ")) };
        let plural = |n: u64, s: &str| {
            if n == 1 {
                format!("{n} {s}")
            } else {
                format!("{n} {s}s")
            }
        };
        let [notes, warnings, errors] = self.findings;
        format!(
            "{}{ex}, {}, {}, {} payload bytes, {}; findings: {errors} error, {warnings} warning, {notes} note",
            plural(self.exchanges, "exchange"),
            plural(self.urcs, "URC"),
            plural(self.resets, "reset"),
            self.payload_bytes,
            plural(self.garbage, "garbage run"),
        )
    }
}
