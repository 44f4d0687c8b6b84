//! The `atscope record --script FILE` language: one item a line.
//!
//! ```text
//! // comments start with // (or "; ")
//! AT+CFUN=1                 a command, sent with CR LF
//! wait OK                   wait for a modem line starting with OK (default timeout 10 s)
//! wait #XMQTTEVT: 0 30s     … with a timeout (a duration with a unit ends the line)
//! sleep 2s                  pause
//! ```
//!
//! `wait` matches the start of any modem line: a final result (`OK`, `ERROR`, `+CME ERROR: 518`),
//! an information line, a URC, a text line, and `Ready` for a reset. [`ScriptRunner`] executes
//! a script against live timeline events; a `wait` that times out fails the script.

use crate::timeline::{Event, EventKind};

/// Default `wait` timeout, ns.
pub const DEFAULT_WAIT_NS: i64 = 10_000_000_000;

/// One script item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Send this line (CR LF is added).
    Send(String),
    /// Wait for a modem line starting with the text, at most this long (ns).
    Wait(String, i64),
    /// Pause, ns.
    Sleep(i64),
}

/// Parses a script; errors name the line.
pub fn parse(text: &str) -> Result<Vec<Item>, String> {
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with("//") || line.starts_with("; ") || line == ";" {
            continue;
        }
        let (word, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        match word {
            "wait" => {
                if rest.is_empty() {
                    return Err(format!("line {}: wait needs what to wait for, e.g. wait OK", n + 1));
                }
                let (pattern, timeout) = match rest.rsplit_once(char::is_whitespace) {
                    Some((p, t)) if t.ends_with(|c: char| c.is_ascii_alphabetic()) => match super::parse_duration(t) {
                        Some(ns) => (p.trim().to_string(), ns),
                        None => (rest.to_string(), DEFAULT_WAIT_NS),
                    },
                    _ => (rest.to_string(), DEFAULT_WAIT_NS),
                };
                out.push(Item::Wait(pattern, timeout));
            }
            "sleep" => {
                let ns = super::parse_duration(rest)
                    .ok_or_else(|| format!("line {}: sleep needs a duration like 2s or 500ms, not {rest:?}", n + 1))?;
                out.push(Item::Sleep(ns));
            }
            _ => out.push(Item::Send(line.to_string())),
        }
    }
    Ok(out)
}

/// The text of a modem line an event carries, for `wait`.
pub fn modem_text(e: &Event) -> Option<String> {
    match &e.kind {
        EventKind::Final { result, .. } => Some(result.to_string()),
        EventKind::Info { line, .. } | EventKind::Urc { line, .. } | EventKind::Text { line } => {
            Some(String::from_utf8_lossy(&line.0).into_owned())
        }
        EventKind::Reset(_) => Some("Ready".into()),
        _ => None,
    }
}

/// What the script wants now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send these bytes.
    Send(Vec<u8>),
    /// Nothing before this time (ns) unless an event arrives.
    Wait(i64),
    /// The script is over.
    Done,
    /// A wait timed out.
    Failed(String),
}

/// Runs a script against live events.
#[derive(Debug)]
pub struct ScriptRunner {
    items: Vec<Item>,
    next: usize,
    until: Option<i64>,
    /// Modem lines since the last command sent, not yet consumed by a `wait`.
    seen: std::collections::VecDeque<String>,
}

impl ScriptRunner {
    /// A runner at the first item.
    pub fn new(items: Vec<Item>) -> Self {
        ScriptRunner { items, next: 0, until: None, seen: Default::default() }
    }

    /// Feeds one live event.
    pub fn observe(&mut self, e: &Event) {
        if let Some(t) = modem_text(e) {
            self.seen.push_back(t);
        }
    }

    /// Consumes the seen lines up to the first that starts with `p`; true if there was one.
    fn take_match(&mut self, p: &str) -> bool {
        while let Some(t) = self.seen.pop_front() {
            if t.starts_with(p) {
                return true;
            }
        }
        false
    }

    /// What to do at `now`.
    pub fn poll(&mut self, now: i64) -> Step {
        loop {
            let Some(item) = self.items.get(self.next).cloned() else { return Step::Done };
            match &item {
                Item::Send(l) => {
                    self.next += 1;
                    self.seen.clear();
                    return Step::Send(format!("{l}\r\n").into_bytes());
                }
                Item::Sleep(ns) | Item::Wait(_, ns) => {
                    let ns = *ns;
                    let until = *self.until.get_or_insert(now + ns);
                    let waiting_for = match &item {
                        Item::Wait(p, _) => Some(p.clone()),
                        _ => None,
                    };
                    let done = match &waiting_for {
                        Some(p) => self.take_match(p),
                        None => now >= until,
                    };
                    if done {
                        self.next += 1;
                        self.until = None;
                        continue;
                    }
                    if now >= until {
                        return Step::Failed(format!(
                            "wait {}: nothing in {:.1} s",
                            waiting_for.unwrap_or_default(),
                            ns as f64 / 1e9
                        ));
                    }
                    return Step::Wait(until);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Analysis, Options};
    use crate::chunk::{Chunk, Dir, Record};

    #[test]
    fn the_issue_examples_parse() {
        let s = "// attach\nAT+CFUN=1\nwait OK\nwait #XMQTTEVT: 0 10s\nsleep 2s\n\nwait #XMQTTEVT: 0\n";
        assert_eq!(
            parse(s).unwrap(),
            [
                Item::Send("AT+CFUN=1".into()),
                Item::Wait("OK".into(), DEFAULT_WAIT_NS),
                Item::Wait("#XMQTTEVT: 0".into(), 10_000_000_000),
                Item::Sleep(2_000_000_000),
                Item::Wait("#XMQTTEVT: 0".into(), DEFAULT_WAIT_NS),
            ]
        );
        assert!(parse("sleep soon").unwrap_err().starts_with("line 1:"));
        assert!(parse("AT\nwait").unwrap_err().starts_with("line 2:"));
    }

    #[test]
    fn a_script_sends_waits_for_lines_and_fails_on_timeout() {
        let mut r = ScriptRunner::new(parse("AT+CFUN?\nwait +CFUN: 1\nwait OK 1s\nAT\nwait OK 1s").unwrap());
        let mut a = Analysis::new(Options::default());
        assert_eq!(r.poll(0), Step::Send(b"AT+CFUN?\r\n".to_vec()));
        a.push(&Record::Chunk(Chunk::bytes(0, Dir::Host, b"AT+CFUN?\r\n".to_vec())), &mut |e| r.observe(e));
        assert_eq!(r.poll(1), Step::Wait(1 + DEFAULT_WAIT_NS));
        let answer = Record::Chunk(Chunk::bytes(5, Dir::Modem, b"\r\n+CFUN: 1\r\n\r\nOK\r\n".to_vec()));
        a.push(&answer, &mut |e| r.observe(e));
        // `+CFUN: 1` then `OK`, both from the same chunk, each consumed by its wait.
        assert_eq!(r.poll(6), Step::Send(b"AT\r\n".to_vec()));
        assert_eq!(r.poll(7), Step::Wait(7 + 1_000_000_000));
        assert!(matches!(r.poll(2_000_000_000), Step::Failed(m) if m.contains("wait OK")));
    }
}
