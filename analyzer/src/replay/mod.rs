//! Replay: a recorded session played back as the host (toward a real modem) or as the modem
//! (toward a real host MCU). This module is pure: it turns a trace into a [`Plan`], and the
//! state machines that drive a replay ([`pacer::Pacer`] for the host side,
//! [`responder::Responder`] for the modem side) take the time as an argument and return what to
//! send. The serial I/O around them is in the `serial` module (feature `serial`).
//!
//! # The plan
//!
//! The trace is decoded once (without redaction). Host bytes are cut into *triggers*: each
//! command line (framed like the SLM frames it: CR LF outside double quotes) outside data mode,
//! and each host chunk inside data mode (payload, `+++`). Every modem chunk is attached to the
//! latest trigger before it, with its delay from that trigger: this is what the modem side plays.
//!
//! For the host side, each host chunk is a [`HostStep`], sent as recorded, after the modem has
//! shown what it had shown in the original at that point: the same number of finished exchanges,
//! resets, and URCs of each name ([`Counts`], counted from the first host chunk on, so a modem
//! that is already up need not print `Ready`), then after the original think time.
//!
//! * [`inject`]: fault injection for the modem side (`reset@…`, `drop-urc@…`, `delay@…=5s`, `garbage@…`).
//! * [`script`]: the `record --script` language (`AT…`, `wait OK`, `sleep 2s`).

pub mod inject;
pub mod pacer;
pub mod responder;
pub mod script;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::{decode_all, Options};
use crate::at::framer::{HostFramer, Terminator};
use crate::chunk::{Body, Dir, Record};
use crate::timeline::{Event, EventKind, ExchangeStatus};

/// What makes the modem side answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// The start of the session (boot output such as `Ready`).
    Start,
    /// A host command line, terminator removed.
    Command(Vec<u8>),
    /// Host bytes sent in data mode (payload or the `+++` terminator).
    Data(Vec<u8>),
}

/// Modem bytes to send some time after a trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Delay after the trigger in the original, ns.
    pub delay_ns: i64,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// One trigger and what the modem sent after it, until the next trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Time of the trigger in the original, ns.
    pub t_ns: i64,
    /// The trigger.
    pub trigger: Trigger,
    /// The modem's output.
    pub outputs: Vec<Output>,
}

/// Modem behaviour counted for pacing: finished exchanges, resets, and lines by name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Exchanges that ended (a final result, a reset, or lost).
    pub ended: u32,
    /// Resets (`Ready`).
    pub resets: u32,
    /// URCs by name, `text` for unprefixed lines, `payload <owner>` for payloads no command owns.
    pub lines: BTreeMap<String, u32>,
}

impl Counts {
    /// Counts one event; true when it counted.
    pub fn add(&mut self, e: &Event) -> bool {
        let key = match &e.kind {
            EventKind::Exchange { status, .. } if *status != ExchangeStatus::Open => {
                self.ended += 1;
                return true;
            }
            EventKind::Reset(_) => {
                self.resets += 1;
                return true;
            }
            EventKind::Urc { name, .. } => name.clone(),
            EventKind::Text { .. } => "text".to_string(),
            EventKind::Payload { exchange: None, owner, .. } if e.dir == Some(Dir::Modem) => format!("payload {owner}"),
            _ => return false,
        };
        *self.lines.entry(key).or_default() += 1;
        true
    }

    /// `self - base`, per key (never below zero).
    pub fn since(&self, base: &Counts) -> Counts {
        let mut lines = BTreeMap::new();
        for (k, v) in &self.lines {
            let d = v.saturating_sub(base.lines.get(k).copied().unwrap_or(0));
            if d > 0 {
                lines.insert(k.clone(), d);
            }
        }
        Counts { ended: self.ended.saturating_sub(base.ended), resets: self.resets.saturating_sub(base.resets), lines }
    }

    /// What `want` has that `self` does not have yet, as readable items.
    pub fn missing(&self, want: &Counts) -> Vec<String> {
        let mut out = Vec::new();
        if self.ended < want.ended {
            out.push(format!("{} final result(s)", want.ended - self.ended));
        }
        if self.resets < want.resets {
            out.push(format!("{} reset(s)", want.resets - self.resets));
        }
        for (k, v) in &want.lines {
            let have = self.lines.get(k).copied().unwrap_or(0);
            if have < *v {
                out.push(format!("{} × {k}", v - have));
            }
        }
        out
    }
}

/// One host chunk to send when replaying as the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostStep {
    /// Time in the original, ns.
    pub t_ns: i64,
    /// The bytes, as recorded.
    pub bytes: Vec<u8>,
    /// What the modem had shown (since the first host step) before this step in the original.
    pub expect: Counts,
    /// Time in the original of the last thing counted in `expect` (or of the previous step).
    pub after_ns: i64,
    /// The last command line sent before this step (for its timeout).
    pub prev_command: Option<Vec<u8>>,
}

/// Everything a replay needs from a trace.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Modem side: triggers and answers.
    pub steps: Vec<Step>,
    /// Host side: chunks to send.
    pub host: Vec<HostStep>,
    /// What the modem had shown by the end of the original (since the first host step).
    pub end: Counts,
    /// The last command line of the original.
    pub last_command: Option<Vec<u8>>,
    /// The quiet time before the first host chunk in the original (from the modem's last
    /// output before it), ns.
    pub lead_ns: i64,
}

impl Plan {
    /// Builds the plan from a trace's records.
    pub fn from_records(records: &[Record], terminator: Terminator) -> Plan {
        let opts = Options { redact: false, ..Options::default() };
        let (events, _) = decode_all(records.iter().cloned().map(Ok::<_, ()>), opts).expect("no error type");
        // Data-mode intervals [enter, exit).
        let mut data: Vec<(i64, i64)> = Vec::new();
        for e in &events {
            if let EventKind::DataMode { enter, .. } = e.kind {
                if enter {
                    data.push((e.t_ns, i64::MAX));
                } else if let Some(last) = data.last_mut() {
                    if last.1 == i64::MAX {
                        last.1 = e.t_ns;
                    }
                }
            }
        }
        let in_data = |t: i64| data.iter().any(|&(a, b)| a <= t && t < b);

        // Modem side.
        let mut steps = vec![Step { t_ns: 0, trigger: Trigger::Start, outputs: Vec::new() }];
        let mut framer = HostFramer::new(terminator);
        // Host side.
        let mut host: Vec<HostStep> = Vec::new();
        let mut counts = Counts::default();
        let mut base: Option<Counts> = None;
        let mut ev = events.iter().peekable();
        let mut last_counted_t = 0i64;
        let mut last_command: Option<Vec<u8>> = None;
        let mut last_modem_t: Option<i64> = None;
        let mut lead_ns = 0;
        for r in records {
            let Record::Chunk(c) = r else { continue };
            let Body::Bytes(bytes) = &c.body else { continue };
            match c.dir {
                Dir::Modem => {
                    last_modem_t = Some(c.t_ns);
                    let last = steps.last_mut().expect("Start is always there");
                    last.outputs.push(Output { delay_ns: (c.t_ns - last.t_ns).max(0), bytes: bytes.clone() });
                }
                Dir::Host => {
                    // Pacing: count the modem's events before this chunk.
                    // (An exchange counts when it ended, not when its command was sent.)
                    let when = |e: &Event| if matches!(e.kind, EventKind::Exchange { .. }) { e.end_ns } else { e.t_ns };
                    while let Some(e) = ev.next_if(|e| when(e) < c.t_ns) {
                        if counts.add(e) && e.dir != Some(Dir::Host) {
                            last_counted_t = last_counted_t.max(e.end_ns.max(e.t_ns));
                        }
                    }
                    if base.is_none() {
                        lead_ns = last_modem_t.map_or(0, |m| (c.t_ns - m).max(0));
                    }
                    let b = base.get_or_insert_with(|| counts.clone());
                    let prev_t = host.last().map_or(c.t_ns, |h| h.t_ns);
                    host.push(HostStep {
                        t_ns: c.t_ns,
                        bytes: bytes.clone(),
                        expect: counts.since(b),
                        after_ns: last_counted_t.max(prev_t).min(c.t_ns),
                        prev_command: last_command.clone(),
                    });
                    // Triggers.
                    if in_data(c.t_ns) {
                        steps.push(Step { t_ns: c.t_ns, trigger: Trigger::Data(bytes.clone()), outputs: Vec::new() });
                    } else {
                        for &byte in bytes {
                            if let Some(line) = framer.push_byte(c.t_ns, byte) {
                                last_command = Some(line.text.clone());
                                steps.push(Step {
                                    t_ns: c.t_ns,
                                    trigger: Trigger::Command(line.text),
                                    outputs: Vec::new(),
                                });
                            }
                        }
                    }
                }
            }
        }
        for e in ev {
            counts.add(e);
        }
        let end = counts.since(&base.unwrap_or_default());
        Plan { steps, host, end, last_command, lead_ns }
    }
}

/// Parses `2s`, `500ms`, `1.5s`, `2m`, `100us` into nanoseconds (a bare number is seconds).
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let v: f64 = num.parse().ok()?;
    let mult = match unit.trim() {
        "" | "s" | "sec" => 1e9,
        "ms" => 1e6,
        "us" | "µs" => 1e3,
        "ns" => 1.0,
        "m" | "min" => 60e9,
        _ => return None,
    };
    (v.is_finite() && v >= 0.0).then(|| (v * mult).round() as i64)
}

/// What the replay modules' tests build their recordings from.
#[cfg(test)]
pub(crate) mod test_records {
    use crate::chunk::{Chunk, Dir, Record};

    /// A millisecond in nanoseconds.
    pub const MS: i64 = 1_000_000;

    /// A chunk of `b` from `d` at `t` ns.
    pub fn rec(t: i64, d: Dir, b: &[u8]) -> Record {
        Record::Chunk(Chunk::bytes(t, d, b.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::test_records::{rec, MS};
    use super::*;

    #[test]
    fn modem_chunks_follow_the_latest_trigger_and_data_mode_chunks_are_data() {
        let recs = vec![
            rec(0, Dir::Modem, b"Ready\r\n"),
            rec(100 * MS, Dir::Host, b"AT#XSEND\r\n"),
            rec(105 * MS, Dir::Modem, b"\r\nOK\r\n"),
            rec(200 * MS, Dir::Host, b"AT+CFUN=0\r\n"),
            rec(1200 * MS, Dir::Host, b"+++"),
            rec(1260 * MS, Dir::Modem, b"\r\n#XDATAMODE: 0\r\n"),
            rec(1300 * MS, Dir::Host, b"AT+CFUN?\r\nAT"),
            rec(1310 * MS, Dir::Host, b"\r\n"),
            rec(1320 * MS, Dir::Modem, b"\r\n+CFUN: 1\r\n\r\nOK\r\n"),
        ];
        let p = Plan::from_records(&recs, Terminator::CrLf);
        let triggers: Vec<&Trigger> = p.steps.iter().map(|s| &s.trigger).collect();
        assert_eq!(
            triggers,
            [
                &Trigger::Start,
                &Trigger::Command(b"AT#XSEND".to_vec()),
                &Trigger::Data(b"AT+CFUN=0\r\n".to_vec()),
                &Trigger::Data(b"+++".to_vec()),
                &Trigger::Command(b"AT+CFUN?".to_vec()),
                &Trigger::Command(b"AT".to_vec()),
            ]
        );
        assert_eq!(p.steps[0].outputs, [Output { delay_ns: 0, bytes: b"Ready\r\n".to_vec() }]);
        assert_eq!(p.steps[3].outputs[0].delay_ns, 60 * MS);
        assert_eq!(p.steps[5].outputs[0].delay_ns, 10 * MS);
    }

    #[test]
    fn host_steps_expect_what_the_modem_had_shown_since_the_first_command() {
        let recs = vec![
            rec(0, Dir::Modem, b"Ready\r\n"),
            rec(100 * MS, Dir::Host, b"AT+CFUN=1\r\n"),
            rec(180 * MS, Dir::Modem, b"\r\nOK\r\n"),
            rec(1000 * MS, Dir::Modem, b"\r\n+CEREG: 1\r\n"),
            rec(1200 * MS, Dir::Host, b"AT#XMQTTCON=0\r\n"),
            rec(1300 * MS, Dir::Modem, b"\xc0Ready\r\n"),
        ];
        let p = Plan::from_records(&recs, Terminator::CrLf);
        assert_eq!(p.host.len(), 2);
        assert_eq!(p.host[0].expect, Counts::default());
        let want = &p.host[1].expect;
        assert_eq!((want.ended, want.resets, want.lines.get("+CEREG").copied()), (1, 0, Some(1)));
        assert_eq!(p.host[1].after_ns, 1000 * MS);
        assert_eq!(p.host[1].prev_command.as_deref(), Some(&b"AT+CFUN=1"[..]));
        assert_eq!((p.end.ended, p.end.resets), (2, 1));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2s"), Some(2_000_000_000));
        assert_eq!(parse_duration("1.5s"), Some(1_500_000_000));
        assert_eq!(parse_duration("500ms"), Some(500_000_000));
        assert_eq!(parse_duration("2m"), Some(120_000_000_000));
        assert_eq!(parse_duration("3"), Some(3_000_000_000));
        assert_eq!(parse_duration("x"), None);
        assert_eq!(parse_duration("5 parsecs"), None);
    }
}
