//! The host side of a replay: when to send each recorded host chunk.
//!
//! Before the first step the line must have been quiet for the original's lead time (at least
//! [`MIN_QUIET`]), so that boot output still in flight (a `Ready`) is not taken for an answer.
//! Before step *k* the pacer waits until the live modem has shown, since the first step, what
//! the original modem had shown before step *k* ([`super::Counts`]: finished exchanges, resets,
//! URCs by name), then waits the original think time (from the last such thing to step *k*)
//! divided by the speed. A wait gives up after a limit from the knowledge base: the command's
//! timeout ([`crate::slm::table::timeout_ms`]) for a missing final result, the promise's window
//! ([`crate::slm::table::PROMISES`]) for a missing URC, and at least twice the original gap;
//! `wait_limit` caps every wait. A modem that resets more often than the original did is not
//! waited for: the session has diverged and the diff will say so.
//!
//! Pure: the caller passes the time (ns since the session start) and feeds the live events.

use super::{Counts, HostStep, Plan};
use crate::at::grammar::parse_command;
use crate::slm::table::timeout_ms;
use crate::slm::table::PROMISES;
use crate::timeline::Event;

/// How a replay paces.
#[derive(Debug, Clone, Copy)]
pub struct PacerOptions {
    /// Divide the original's gaps by this (2.0 = twice as fast).
    pub speed: f64,
    /// The longest any single wait may last, ns.
    pub wait_limit_ns: Option<i64>,
}

impl Default for PacerOptions {
    fn default() -> Self {
        PacerOptions { speed: 1.0, wait_limit_ns: None }
    }
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send these bytes now.
    Send(Vec<u8>),
    /// Nothing before this time (ns) unless an event arrives.
    Wait(i64),
    /// Every step was sent and the modem's last answers are in (or were given up on).
    Done,
}

/// The host-side state machine.
#[derive(Debug)]
pub struct Pacer {
    steps: Vec<HostStep>,
    end: Counts,
    last_command: Option<Vec<u8>>,
    opts: PacerOptions,
    next: usize,
    live: Counts,
    base: Option<Counts>,
    last_progress: i64,
    satisfied_at: Option<i64>,
    notes: Vec<String>,
    quiet_ns: i64,
    last_activity: i64,
    /// The firmware the live traffic announced (command timeouts depend on it).
    version: crate::slm::SlmVersion,
}

/// The least quiet time on the line before the first step, ns.
pub const MIN_QUIET: i64 = 100_000_000;

/// How long to wait for a URC nobody promised, ms.
const DEFAULT_URC_WAIT_MS: u64 = 10_000;
/// How long to wait for a final result of a command without a bounded timeout, ms.
const UNBOUNDED_WAIT_MS: u64 = 120_000;

impl Pacer {
    /// A pacer over the plan's host steps.
    pub fn new(plan: &Plan, opts: PacerOptions) -> Self {
        Pacer {
            steps: plan.host.clone(),
            end: plan.end.clone(),
            last_command: plan.last_command.clone(),
            opts: PacerOptions { speed: if opts.speed > 0.0 { opts.speed } else { 1.0 }, ..opts },
            next: 0,
            live: Counts::default(),
            base: None,
            last_progress: 0,
            satisfied_at: None,
            notes: Vec::new(),
            quiet_ns: MIN_QUIET.max((plan.lead_ns.max(0) as f64 / opts.speed.max(f64::MIN_POSITIVE)) as i64),
            last_activity: 0,
            version: crate::slm::SlmVersion::DEFAULT,
        }
    }

    /// Feeds one live event (seen at `now`).
    pub fn observe(&mut self, now: i64, e: &Event) {
        if e.dir != Some(crate::chunk::Dir::Host) {
            self.last_activity = now;
        }
        if let crate::timeline::EventKind::Info { name: Some(name), params, .. }
        | crate::timeline::EventKind::Urc { name, params, .. } = &e.kind
        {
            self.version = crate::slm::SlmVersion::announced(name, params).unwrap_or(self.version);
        }
        if self.live.add(e) {
            self.last_progress = now;
        }
    }

    /// Steps sent so far, of how many.
    pub fn progress(&self) -> (usize, usize) {
        (self.next, self.steps.len())
    }

    /// Waits that were given up on, as readable lines.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    fn scaled(&self, ns: i64) -> i64 {
        (ns.max(0) as f64 / self.opts.speed) as i64
    }

    /// How long to wait for `want` when `got` is short of it, ns.
    fn limit(&self, got: &Counts, want: &Counts, prev_cmd: Option<&[u8]>, gap_ns: i64) -> i64 {
        let mut ms: u64 = 0;
        if got.ended < want.ended {
            let t = prev_cmd.and_then(|l| parse_command(l).ok()).map(|c| timeout_ms(&c.name, &c.params, self.version));
            ms = ms.max(match t {
                Some(Some(t)) => t,
                Some(None) => UNBOUNDED_WAIT_MS,
                None => crate::slm::table::DEFAULT_SLM_TIMEOUT_MS,
            });
        }
        for (name, n) in &want.lines {
            if got.lines.get(name).copied().unwrap_or(0) < *n {
                let p = PROMISES.iter().filter(|p| p.urc.eq_ignore_ascii_case(name)).map(|p| p.within_ms).max();
                ms = ms.max(p.unwrap_or(DEFAULT_URC_WAIT_MS));
            }
        }
        if got.resets < want.resets {
            let p = PROMISES.iter().filter(|p| p.urc == "Ready").map(|p| p.within_ms).max();
            ms = ms.max(p.unwrap_or(DEFAULT_URC_WAIT_MS));
        }
        let mut limit = (ms as i64 * 1_000_000).max(2 * self.scaled(gap_ns) + 1_000_000_000);
        if let Some(cap) = self.opts.wait_limit_ns {
            limit = limit.min(cap);
        }
        limit
    }

    /// What to do at `now`.
    pub fn poll(&mut self, now: i64) -> Action {
        if self.steps.is_empty() {
            return Action::Done;
        }
        if self.next == 0 {
            let at = self.last_activity + self.quiet_ns;
            if now < at {
                return Action::Wait(at);
            }
            self.base = Some(self.live.clone());
            self.last_progress = now;
            self.next = 1;
            return Action::Send(self.steps[0].bytes.clone());
        }
        let n = self.steps.len();
        let (want, prev_cmd, gap) = if self.next < n {
            let s = &self.steps[self.next];
            (&s.expect, s.prev_command.as_deref(), s.t_ns - self.steps[self.next - 1].t_ns)
        } else {
            (&self.end, self.last_command.as_deref(), 0)
        };
        let got = self.live.since(self.base.as_ref().expect("set at the first step"));
        if self.satisfied_at.is_none() {
            let missing = got.missing(want);
            let diverged = got.resets > want.resets;
            if missing.is_empty() || diverged {
                self.satisfied_at = Some(now);
            } else {
                let deadline = self.last_progress + self.limit(&got, want, prev_cmd, gap);
                if now < deadline {
                    return Action::Wait(deadline);
                }
                let what = if self.next < n { format!("before step {}", self.next + 1) } else { "at the end".into() };
                self.notes.push(format!(
                    "{what}: gave up after {:.1} s waiting for {}",
                    (now - self.last_progress) as f64 / 1e9,
                    missing.join(", ")
                ));
                self.satisfied_at = Some(now);
            }
        }
        if self.next == n {
            return Action::Done;
        }
        let s = &self.steps[self.next];
        let at = self.satisfied_at.expect("set above") + self.scaled(s.t_ns - s.after_ns);
        if now < at {
            return Action::Wait(at);
        }
        self.satisfied_at = None;
        self.last_progress = now;
        self.next += 1;
        Action::Send(s.bytes.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Analysis, Options};
    use crate::at::framer::Terminator;
    use crate::chunk::Dir;
    use crate::replay::test_records::{rec, MS};

    /// Feeds `bytes` from the modem at `now` through a live analysis into the pacer.
    fn modem(a: &mut Analysis, p: &mut Pacer, now: i64, bytes: &[u8]) {
        a.push(&rec(now, Dir::Modem, bytes), &mut |e| p.observe(now, e));
    }

    fn plan() -> Plan {
        Plan::from_records(
            &[
                rec(0, Dir::Modem, b"Ready\r\n"),
                rec(100 * MS, Dir::Host, b"AT#XMQTTCON=1,\"c\",\"\",\"\",\"b\",1883\r\n"),
                rec(200 * MS, Dir::Modem, b"\r\nOK\r\n"),
                rec(700 * MS, Dir::Modem, b"\r\n#XMQTTEVT: 0,0\r\n"),
                rec(900 * MS, Dir::Host, b"AT#XMQTTCON=0\r\n"),
                rec(950 * MS, Dir::Modem, b"\r\n#XMQTTEVT: 1,0\r\n\r\nOK\r\n"),
            ],
            Terminator::CrLf,
        )
    }

    #[test]
    fn the_next_command_waits_for_the_final_result_the_promised_urc_and_the_think_time() {
        let mut p = Pacer::new(&plan(), PacerOptions { speed: 10.0, wait_limit_ns: None });
        let mut a = Analysis::new(Options::default());
        // A stale `Ready` on the line: the first command waits for quiet.
        assert_eq!(p.poll(0), Action::Wait(MIN_QUIET));
        modem(&mut a, &mut p, 50 * MS, b"Ready\r\n");
        assert_eq!(p.poll(MIN_QUIET), Action::Wait(50 * MS + MIN_QUIET));
        let Action::Send(first) = p.poll(150 * MS) else { panic!() };
        a.push(&rec(0, Dir::Host, &first), &mut |e| p.observe(0, e));
        assert!(matches!(p.poll(5 * MS), Action::Wait(_)));
        modem(&mut a, &mut p, 10 * MS, b"\r\nOK\r\n");
        assert!(matches!(p.poll(11 * MS), Action::Wait(_)), "CONNACK not there yet");
        modem(&mut a, &mut p, 60 * MS, b"\r\n#XMQTTEVT: 0,0\r\n");
        // Satisfied at 61 ms; the original think time 200 ms at 10× is 20 ms.
        assert_eq!(p.poll(61 * MS), Action::Wait(81 * MS));
        assert_eq!(p.poll(81 * MS), Action::Send(b"AT#XMQTTCON=0\r\n".to_vec()));
        a.push(&rec(81 * MS, Dir::Host, b"AT#XMQTTCON=0\r\n"), &mut |e| p.observe(81 * MS, e));
        modem(&mut a, &mut p, 90 * MS, b"\r\n#XMQTTEVT: 1,0\r\n\r\nOK\r\n");
        assert_eq!(p.poll(91 * MS), Action::Done);
        assert!(p.notes().is_empty());
    }

    #[test]
    fn a_reset_ends_the_wait_and_a_missing_urc_is_given_up_on_at_the_limit() {
        let mut p = Pacer::new(&plan(), PacerOptions { speed: 10.0, wait_limit_ns: Some(2_000 * MS) });
        let mut a = Analysis::new(Options::default());
        let Action::Send(first) = p.poll(MIN_QUIET) else { panic!() };
        a.push(&rec(0, Dir::Host, &first), &mut |e| p.observe(0, e));
        modem(&mut a, &mut p, 10 * MS, b"\r\nOK\r\n");
        // No CONNACK: the wait is capped at 2 s after the last progress.
        assert_eq!(p.poll(20 * MS), Action::Wait(2010 * MS));
        assert!(matches!(p.poll(2010 * MS), Action::Wait(_)));
        assert_eq!(p.notes().len(), 1, "{:?}", p.notes());
        let Action::Send(_) = p.poll(2100 * MS) else { panic!() };
        a.push(&rec(2100 * MS, Dir::Host, b"AT#XMQTTCON=0\r\n"), &mut |e| p.observe(2100 * MS, e));
        modem(&mut a, &mut p, 2200 * MS, b"\xc0\xffReady\r\n");
        assert_eq!(p.poll(2201 * MS), Action::Done, "a reset the original did not have: no more waiting");
    }
}
