//! The modem side of a replay: answers a host like the recorded modem did.
//!
//! Host bytes are framed like the SLM frames them (CR LF outside double quotes). A command line
//! is looked up among the plan's triggers: first from the current position on, then from the
//! start; first by exact text, then with volatile values aliased ([`crate::volatile`]), then by
//! command name, form and first parameter. The matched step's modem output is scheduled at its
//! recorded delays (divided by the speed). A command the trace does not know gets `ERROR`, or,
//! when strict, stops the responder with a report. After a command whose next triggers are
//! data-mode chunks, host bytes are data: each recorded data chunk fires when as many bytes have
//! arrived, and the `+++` terminator fires the step that ended data mode.
//!
//! Pure: the caller passes the time (ns since the start) and sends what [`Responder::due`] gives.

use super::inject::{drop_lines, Fault, Injection, RESET_JUNK};
use super::{Plan, Step, Trigger};
use crate::at::framer::{HostFramer, Terminator};
use crate::at::grammar::parse_command;
use crate::volatile::normalize;

/// How the modem side behaves.
#[derive(Debug, Clone, Default)]
pub struct ResponderOptions {
    /// Divide the recorded delays by this (2.0 = twice as fast); 0 means 1.
    pub speed: f64,
    /// Stop at a command the trace does not know, instead of answering `ERROR`.
    pub strict: bool,
    /// Faults to inject.
    pub inject: Vec<Injection>,
    /// The host's terminator.
    pub terminator: Terminator,
}

/// How a command was matched to the trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Same text.
    Exact,
    /// Same text once volatile values are aliased.
    Normalized,
    /// Same command name, form and first parameter.
    Loose,
}

/// The modem-side state machine.
#[derive(Debug)]
pub struct Responder {
    steps: Vec<Step>,
    opts: ResponderOptions,
    cursor: usize,
    framer: HostFramer,
    data: Vec<u8>,
    queue: Vec<(i64, u64, Vec<u8>)>,
    seq: u64,
    started: bool,
    unknown: Vec<String>,
    loose: Vec<String>,
    stopped: Option<String>,
}

/// The answer to a command the trace does not know.
pub const UNKNOWN_ANSWER: &[u8] = b"\r\nERROR\r\n";

impl Responder {
    /// A responder over the plan's steps.
    pub fn new(plan: &Plan, opts: ResponderOptions) -> Self {
        let speed = if opts.speed > 0.0 { opts.speed } else { 1.0 };
        Responder {
            steps: plan.steps.clone(),
            framer: HostFramer::new(opts.terminator),
            opts: ResponderOptions { speed, ..opts },
            cursor: 1,
            data: Vec::new(),
            queue: Vec::new(),
            seq: 0,
            started: false,
            unknown: Vec::new(),
            loose: Vec::new(),
            stopped: None,
        }
    }

    /// Schedules the boot output (what the modem sent before the first host command).
    pub fn start(&mut self, now: i64) {
        if !self.started {
            self.started = true;
            self.fire(0, now, None);
        }
    }

    fn schedule(&mut self, at: i64, bytes: Vec<u8>) {
        if bytes.is_empty() {
            return;
        }
        self.queue.push((at, self.seq, bytes));
        self.seq += 1;
    }

    fn fire(&mut self, k: usize, now: i64, line: Option<&[u8]>) {
        let speed = self.opts.speed;
        let faults: Vec<Fault> = match line {
            Some(l) => self.opts.inject.iter().filter(|i| i.matches_command(l)).map(|i| i.fault.clone()).collect(),
            None => Vec::new(),
        };
        let outputs = self.steps[k].outputs.clone();
        let first_delay = outputs.first().map_or(50_000_000, |o| o.delay_ns);
        let scaled = |d: i64| (d as f64 / speed) as i64;
        let mut extra = 0;
        for f in &faults {
            match f {
                Fault::Delay(ns) => extra += ns,
                Fault::Garbage(bytes) => self.schedule(now + scaled(first_delay), bytes.clone()),
                _ => {}
            }
        }
        if faults.contains(&Fault::Reset) {
            let mut boot = RESET_JUNK.to_vec();
            boot.extend_from_slice(b"Ready\r\n");
            self.schedule(now + scaled(first_delay) + extra, boot);
            return;
        }
        for o in outputs {
            let mut bytes = o.bytes;
            for i in self.opts.inject.iter().filter(|i| i.fault == Fault::DropUrc) {
                bytes = drop_lines(&bytes, &i.pattern);
            }
            self.schedule(now + scaled(o.delay_ns) + extra, bytes);
        }
    }

    fn in_data(&self) -> bool {
        matches!(self.steps.get(self.cursor), Some(Step { trigger: Trigger::Data(_), .. }))
    }

    fn find(&self, line: &[u8]) -> Option<(usize, Match)> {
        let order: Vec<usize> = (self.cursor..self.steps.len()).chain(1..self.cursor.min(self.steps.len())).collect();
        let cmd = |k: usize| match &self.steps[k].trigger {
            Trigger::Command(l) => Some(l.as_slice()),
            _ => None,
        };
        if let Some(&k) = order.iter().find(|&&k| cmd(k) == Some(line)) {
            return Some((k, Match::Exact));
        }
        let key = normalize(&String::from_utf8_lossy(line));
        if let Some(&k) = order.iter().find(|&&k| cmd(k).is_some_and(|l| normalize(&String::from_utf8_lossy(l)) == key))
        {
            return Some((k, Match::Normalized));
        }
        let parsed = parse_command(line).ok()?;
        let same = |l: &[u8]| {
            parse_command(l).is_ok_and(|c| {
                c.name == parsed.name && c.form == parsed.form && c.params.first() == parsed.params.first()
            })
        };
        order.iter().find(|&&k| cmd(k).is_some_and(same)).map(|&k| (k, Match::Loose))
    }

    fn on_command(&mut self, now: i64, line: Vec<u8>) {
        match self.find(&line) {
            Some((k, how)) => {
                if how == Match::Loose {
                    self.loose.push(String::from_utf8_lossy(&line).into_owned());
                }
                self.fire(k, now, Some(&line));
                self.cursor = k + 1;
            }
            None => {
                let text = String::from_utf8_lossy(&line).into_owned();
                if self.opts.strict {
                    self.stopped.get_or_insert_with(|| format!("the trace has no answer to {text:?}"));
                } else {
                    self.schedule(now + 1_000_000, UNKNOWN_ANSWER.to_vec());
                }
                self.unknown.push(text);
            }
        }
    }

    /// Feeds host bytes that arrived at `now`.
    pub fn feed(&mut self, now: i64, bytes: &[u8]) {
        self.start(now);
        let mut i = 0;
        while i < bytes.len() && self.stopped.is_none() {
            if self.in_data() {
                self.data.extend_from_slice(&bytes[i..]);
                let rest = self.process_data(now);
                if !rest.is_empty() {
                    self.feed(now, &rest);
                }
                return;
            }
            if let Some(line) = self.framer.push_byte(now, bytes[i]) {
                self.on_command(now, line.text);
            }
            i += 1;
        }
    }

    /// Fires the data steps the buffered data covers; returns bytes left after data mode ended.
    fn process_data(&mut self, now: i64) -> Vec<u8> {
        loop {
            let want = match self.steps.get(self.cursor) {
                Some(Step { trigger: Trigger::Data(w), .. }) => w.clone(),
                _ => return std::mem::take(&mut self.data),
            };
            let term = self.data.windows(3).position(|w| w == b"+++");
            if want.ends_with(b"+++") {
                let Some(pos) = term else { return Vec::new() };
                self.data.drain(..pos + 3);
            } else if self.data.len() >= want.len() {
                self.data.drain(..want.len());
            } else if term.is_some() {
                // The host ended data mode early: go to the terminator step, if there is one.
                let next_term = (self.cursor..self.steps.len())
                    .take_while(|&k| matches!(self.steps[k].trigger, Trigger::Data(_)))
                    .find(|&k| matches!(&self.steps[k].trigger, Trigger::Data(w) if w.ends_with(b"+++")));
                match next_term {
                    Some(k) => {
                        self.cursor = k;
                        continue;
                    }
                    None => return Vec::new(),
                }
            } else {
                return Vec::new();
            }
            let k = self.cursor;
            self.fire(k, now, None);
            self.cursor = k + 1;
        }
    }

    /// The output due at `now`, in order.
    pub fn due(&mut self, now: i64) -> Vec<Vec<u8>> {
        self.queue.sort_by_key(|(t, s, _)| (*t, *s));
        let n = self.queue.partition_point(|(t, _, _)| *t <= now);
        self.queue.drain(..n).map(|(_, _, b)| b).collect()
    }

    /// When the next output is due.
    pub fn next_due(&self) -> Option<i64> {
        self.queue.iter().map(|(t, _, _)| *t).min()
    }

    /// Every step was played and nothing is left to send.
    pub fn finished(&self) -> bool {
        self.cursor >= self.steps.len() && self.queue.is_empty()
    }

    /// Set when strict mode met a command the trace does not know.
    pub fn stopped(&self) -> Option<&str> {
        self.stopped.as_deref()
    }

    /// Commands the trace did not know.
    pub fn unknown(&self) -> &[String] {
        &self.unknown
    }

    /// Commands matched only by name, form and first parameter.
    pub fn loose_matches(&self) -> &[String] {
        &self.loose
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunk::Dir;
    use crate::replay::test_records::{rec, MS};

    fn plan() -> Plan {
        Plan::from_records(
            &[
                rec(0, Dir::Modem, b"Ready\r\n"),
                rec(100 * MS, Dir::Host, b"AT#XSOCKET=1,1,0\r\n"),
                rec(110 * MS, Dir::Modem, b"\r\n#XSOCKET: 0,1,6\r\n\r\nOK\r\n"),
                rec(200 * MS, Dir::Host, b"AT#XSEND\r\n"),
                rec(204 * MS, Dir::Modem, b"\r\nOK\r\n"),
                rec(300 * MS, Dir::Host, b"hello\r\n"),
                rec(1300 * MS, Dir::Host, b"+++"),
                rec(1360 * MS, Dir::Modem, b"\r\n#XDATAMODE: 0\r\n"),
                rec(1500 * MS, Dir::Host, b"AT#XMQTTCON=0\r\n"),
                rec(1600 * MS, Dir::Modem, b"\r\n#XMQTTEVT: 1,0\r\n"),
                rec(1610 * MS, Dir::Modem, b"\r\nOK\r\n"),
            ],
            Terminator::CrLf,
        )
    }

    /// A responder whose boot output (`Ready`) was already sent.
    fn booted(opts: ResponderOptions) -> Responder {
        let mut r = Responder::new(&plan(), opts);
        r.start(0);
        r.due(0);
        r
    }

    fn all_due(r: &mut Responder) -> Vec<u8> {
        r.due(i64::MAX).concat()
    }

    #[test]
    fn commands_get_their_recorded_answers_at_the_recorded_delays_scaled() {
        let mut r = Responder::new(&plan(), ResponderOptions { speed: 10.0, ..Default::default() });
        r.start(0);
        assert_eq!(r.due(0), [b"Ready\r\n".to_vec()]);
        // Split anywhere: still one command.
        r.feed(5 * MS, b"AT#XSOCK");
        r.feed(6 * MS, b"ET=1,1,0\r\n");
        assert_eq!(r.next_due(), Some(7 * MS));
        assert!(r.due(6 * MS).is_empty());
        assert_eq!(r.due(7 * MS).concat(), b"\r\n#XSOCKET: 0,1,6\r\n\r\nOK\r\n");
    }

    #[test]
    fn data_mode_bytes_are_not_commands_and_the_terminator_ends_them() {
        let mut r = booted(ResponderOptions::default());
        r.feed(0, b"AT#XSOCKET=1,1,0\r\nAT#XSEND\r\n");
        all_due(&mut r);
        r.feed(MS, b"hel");
        r.feed(MS, b"lo\r\n+++");
        assert_eq!(all_due(&mut r), b"\r\n#XDATAMODE: 0\r\n");
        r.feed(2 * MS, b"AT#XMQTTCON=0\r\n");
        assert_eq!(all_due(&mut r), b"\r\n#XMQTTEVT: 1,0\r\n\r\nOK\r\n");
        assert!(r.finished());
        assert!(r.unknown().is_empty());
    }

    #[test]
    fn unknown_commands_get_error_or_stop_when_strict() {
        let mut r = booted(ResponderOptions::default());
        r.feed(0, b"AT+CGSN\r\n");
        assert_eq!(all_due(&mut r), UNKNOWN_ANSWER);
        assert_eq!(r.unknown(), ["AT+CGSN"]);
        let mut r = booted(ResponderOptions { strict: true, ..Default::default() });
        r.feed(0, b"AT+CGSN\r\n");
        assert!(r.stopped().unwrap().contains("AT+CGSN"));
    }

    #[test]
    fn volatile_and_loose_matches_find_the_step() {
        let mut r = booted(ResponderOptions::default());
        r.feed(0, b"AT#XSOCKET=1,1,1\r\n");
        assert_eq!(all_due(&mut r), b"\r\n#XSOCKET: 0,1,6\r\n\r\nOK\r\n");
        assert_eq!(r.loose_matches(), ["AT#XSOCKET=1,1,1"]);
    }

    #[test]
    fn injected_reset_drop_delay_and_garbage() {
        let inject = |s: &[&str]| ResponderOptions {
            inject: s.iter().map(|s| Injection::parse(s).unwrap()).collect(),
            ..Default::default()
        };
        let mut r = booted(inject(&["reset@'AT#XMQTTCON=0'"]));
        r.feed(0, b"AT#XMQTTCON=0\r\n");
        assert_eq!(all_due(&mut r), b"\xc0\xff\x00Ready\r\n");

        let mut r = booted(inject(&["drop-urc@#XMQTTEVT"]));
        r.feed(0, b"AT#XMQTTCON=0\r\n");
        assert_eq!(all_due(&mut r), b"\r\nOK\r\n");

        let mut r = booted(inject(&["delay@AT#XMQTTCON=0=5s", "garbage@AT#XMQTTCON=0=hex:ff"]));
        r.feed(0, b"AT#XMQTTCON=0\r\n");
        assert_eq!(r.next_due(), Some(100 * MS), "garbage first, not delayed");
        assert_eq!(r.due(100 * MS), [vec![0xFF]]);
        assert_eq!(r.next_due(), Some(5_100 * MS));
    }
}
