//! The transcript: a timeline rendered for regression snapshots, stable across machines and
//! releases.
//!
//! * one event per line, findings with their help;
//! * times as offsets from the previous line, rounded to [`Transcript::tolerance_ms`] so that
//!   jitter does not churn snapshots (`+0.30s`);
//! * volatile values aliased with counters, the same value always getting the same alias:
//!   `<IMEI#1>`, `<IP#2>`, `<UUID#1>`, `<SHA#3>`, `<TIME#1>`, `<ICCID#1>`, `<HANDLE#1>`;
//! * credentials redacted (by [`crate::analysis`]), and nothing of atscope's own version.

use std::collections::HashMap;

use regex::Regex;

use crate::timeline::{Event, EventKind};

use super::text::TextPrinter;

/// Renders events as transcript lines.
pub struct Transcript {
    /// Time rounding, ms.
    pub tolerance_ms: i64,
    last_t: Option<i64>,
    aliases: HashMap<(&'static str, String), usize>,
    counters: HashMap<&'static str, usize>,
    patterns: Vec<(&'static str, Regex)>,
    handles: Vec<Regex>,
}

/// The rounding the bundled snapshots use.
pub const DEFAULT_TOLERANCE_MS: i64 = 10;

impl Default for Transcript {
    fn default() -> Self {
        Transcript::new(DEFAULT_TOLERANCE_MS)
    }
}

impl Transcript {
    /// A transcript with the given time rounding.
    pub fn new(tolerance_ms: i64) -> Self {
        let re = |s: &str| Regex::new(s).expect("static pattern");
        Transcript {
            tolerance_ms: tolerance_ms.max(1),
            last_t: None,
            aliases: HashMap::new(),
            counters: HashMap::new(),
            patterns: vec![
                ("UUID", re(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")),
                ("SHA", re(r"\b[0-9a-fA-F]{64}\b")),
                (
                    "TIME",
                    re(
                        r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}| UTC[+-]\d{2}:\d{2})?",
                    ),
                ),
                ("TIME", re(r"\b\d{2}/\d{2}/\d{2},\d{2}:\d{2}:\d{2}(?:[+-]\d+)?")),
                ("IP", re(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")),
                ("IP", re(r"\b(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}\b")),
                ("ICCID", re(r"\b89\d{16,18}\b")),
                ("IMEI", re(r"\b\d{15}\b")),
            ],
            // A socket handle: `#XSOCKET: <h>,<type>,<proto>`, `#XTCPCLI: <h>,"connected"`, …
            handles: vec![
                re(r#"(#X(?:SOCKET|SSOCKET): )(\d+)(,\d+,\d+)"#),
                re(r#"(#X(?:TCPCLI|UDPCLI|TCPSVR|UDPSVR): )(\d+)(,"(?:connected|started)")"#),
                re(r#"(#X(?:ACCEPT|SOCKETSELECT): )(\d+)(,|$)"#),
            ],
        }
    }

    fn alias(&mut self, kind: &'static str, value: &str) -> String {
        let key = (kind, value.to_string());
        let n = match self.aliases.get(&key) {
            Some(n) => *n,
            None => {
                let c = self.counters.entry(kind).or_insert(0);
                *c += 1;
                self.aliases.insert(key, *c);
                *c
            }
        };
        format!("<{kind}#{n}>")
    }

    /// Replaces volatile values in `text` with their aliases.
    pub fn scrub(&mut self, text: &str) -> String {
        let mut s = text.to_string();
        for i in 0..self.handles.len() {
            let re = self.handles[i].clone();
            if let Some(c) = re.captures(&s) {
                let (whole, pre, h, post) =
                    (c.get(0).map(|m| m.range()).unwrap_or(0..0), c[1].to_string(), c[2].to_string(), c[3].to_string());
                let a = self.alias("HANDLE", &h);
                s = format!("{}{pre}{a}{post}{}", &s[..whole.start], &s[whole.end..]);
            }
        }
        for i in 0..self.patterns.len() {
            let (kind, re) = (self.patterns[i].0, self.patterns[i].1.clone());
            let mut out = String::with_capacity(s.len());
            let mut last = 0;
            for m in re.find_iter(&s) {
                out.push_str(&s[last..m.start()]);
                out.push_str(&self.alias(kind, m.as_str()));
                last = m.end();
            }
            out.push_str(&s[last..]);
            s = out;
        }
        s
    }

    /// The transcript line(s) of an event, or `None` for events it leaves out.
    pub fn lines(&mut self, e: &Event) -> Option<String> {
        let body = TextPrinter { color: false }.render(e, e.meaning.as_deref())?;
        // Drop the absolute time column: the transcript gives offsets.
        let body = body.get(13..).unwrap_or("").to_string();
        let t = super::text::shown_time(e);
        // Findings settled late (a deadline passed) are shown in emission order: no negative offsets.
        let dt = (t - self.last_t.unwrap_or(t)).max(0);
        self.last_t = Some(t.max(self.last_t.unwrap_or(t)));
        let step = self.tolerance_ms * 1_000_000;
        let rounded = (dt as f64 / step as f64).round() as i64 * self.tolerance_ms;
        let sign = if rounded < 0 { "-" } else { "+" };
        let r = rounded.unsigned_abs();
        let mut line = format!("{sign}{}.{:03}s {}", r / 1000, r % 1000, self.scrub(&body));
        if let EventKind::Finding(f) = &e.kind {
            line.push_str(&format!("\n          {}", self.scrub(&f.help)));
        }
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_values_get_stable_aliases() {
        let mut t = Transcript::default();
        assert_eq!(t.scrub("+CGSN: \"352656100000001\""), "+CGSN: \"<IMEI#1>\"");
        assert_eq!(t.scrub("+CGPADDR: 0,\"10.0.0.7\",\"10.0.0.8\""), "+CGPADDR: 0,\"<IP#1>\",\"<IP#2>\"");
        assert_eq!(t.scrub("ip 10.0.0.7"), "ip <IP#1>");
        assert_eq!(t.scrub("modem INFO #3 #XSOCKET: 3,1,6"), "modem INFO #3 #XSOCKET: <HANDLE#1>,1,6");
        assert_eq!(t.scrub("#XSOCKET: 0,\"closed\""), "#XSOCKET: 0,\"closed\"");
        assert_eq!(t.scrub("#XTCPCLI: 3,\"connected\""), "#XTCPCLI: <HANDLE#1>,\"connected\"");
        assert_eq!(t.scrub("\"2026-11-25 09:41:07\""), "\"<TIME#1>\"");
        let sha = "A".repeat(64);
        assert_eq!(t.scrub(&format!("%CMNG: 12,0,\"{sha}\"")), "%CMNG: 12,0,\"<SHA#1>\"");
    }
}
