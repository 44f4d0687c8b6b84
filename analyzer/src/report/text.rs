//! The timeline as terminal text: one line per event, time in seconds, the speaker, what it is,
//! and the exchange structure (information lines and results indented under their command).
//!
//! ```text
//!     1.000000 host  CMD   #1 AT+CFUN=1
//!     1.052000 modem OK    #1   OK  (52.000 ms)
//!     2.000000 modem URC        +CEREG: 1
//! ```

use std::io::Write;

use crate::timeline::event::{escape, hex};
use crate::timeline::{Event, EventKind, ExchangeStatus};

/// The time an event is shown at: its start, except for exchange summaries and findings, which
/// are shown where they became known (their end).
pub fn shown_time(e: &Event) -> i64 {
    match e.kind {
        EventKind::Exchange { .. } | EventKind::Finding(_) => e.end_ns,
        _ => e.t_ns,
    }
}

/// What a command line's text is followed by: `  [invalid: …]`, `  [overflow]`,
/// `  [sent while #3 pending]` (empty for other events).
pub fn command_notes(e: &Event) -> String {
    let mut b = String::new();
    if let EventKind::Command { invalid, overflow, pending, .. } = &e.kind {
        if let Some(w) = invalid {
            b.push_str(&format!("  [invalid: {w}]"));
        }
        if *overflow {
            b.push_str("  [overflow]");
        }
        if !pending.is_empty() {
            let p: Vec<String> = pending.iter().map(|p| format!("#{p}")).collect();
            b.push_str(&format!("  [sent while {} pending]", p.join(", ")));
        }
    }
    b
}

/// Prints events as text lines.
#[derive(Debug, Default)]
pub struct TextPrinter {
    /// ANSI colours (only on a terminal).
    pub color: bool,
}

/// Longest text shown for one line on a terminal; the JSON output always has everything.
const MAX_SHOWN: usize = 240;

fn clip(s: String, total_bytes: usize) -> String {
    if s.chars().count() <= MAX_SHOWN {
        return s;
    }
    let mut c: String = s.chars().take(MAX_SHOWN).collect();
    c.push_str(&format!("… ({total_bytes} bytes)"));
    c
}

fn ms(ns: i64) -> String {
    format!("{:.3} ms", ns as f64 / 1e6)
}

/// Seconds with microsecond resolution: `12.345678`.
pub fn secs(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    format!("{sign}{}.{:06}", a / 1_000_000_000, (a % 1_000_000_000) / 1000)
}

impl TextPrinter {
    /// The text line for an event, or `None` for events the text view leaves out.
    pub fn render(&self, e: &Event, annotation: Option<&str>) -> Option<String> {
        let dir = e.dir.map(|d| d.as_str()).unwrap_or("");
        let (tag, colour, body) = match &e.kind {
            EventKind::Command { exchange, line, .. } => {
                let b = format!("#{exchange} {}{}", clip(line.escaped(), line.0.len()), command_notes(e));
                ("CMD", "1;36", b)
            }
            EventKind::Info { exchange, line, .. } => {
                ("INFO", "0", format!("#{exchange}   {}", clip(line.escaped(), line.0.len())))
            }
            EventKind::Final { exchange, result, latency_ns } => {
                let tag = if result.is_ok() { "OK" } else { "ERROR" };
                let colour = if result.is_ok() { "32" } else { "1;31" };
                match exchange {
                    Some(x) => (tag, colour, format!("#{x}   {result}  ({})", ms(latency_ns.unwrap_or(0)))),
                    None => (tag, colour, format!("     {result}  [no command pending]")),
                }
            }
            EventKind::Urc { line, .. } => ("URC", "33", format!("     {}", clip(line.escaped(), line.0.len()))),
            EventKind::Text { line } => ("TEXT", "0", format!("     {}", clip(line.escaped(), line.0.len()))),
            EventKind::Payload { exchange, owner, len, data } => {
                let x = exchange.map(|x| format!("#{x}")).unwrap_or_default();
                // Only the start is shown: escape no more of a (possibly 64 KiB) payload than that.
                let head = escape(&data.0[..data.0.len().min(120)]);
                let preview: String = head.chars().take(120).collect();
                let more = if data.0.len() > 120 || head.chars().count() > 120 { "…" } else { "" };
                ("DATA", "35", format!("{x:<4} {owner}, {len} bytes: {preview}{more}"))
            }
            EventKind::Garbage { data, why } => {
                let shown = hex(&data.0[..data.0.len().min(32)]);
                let more = if data.0.len() > 32 { " …" } else { "" };
                ("GARB", "1;35", format!("     {} bytes: {shown}{more}  ({why})", data.0.len()))
            }
            EventKind::Reset(r) => {
                let g = if r.garbage.0.is_empty() {
                    String::new()
                } else {
                    format!(" after garbage {}", hex(&r.garbage.0))
                };
                ("RESET", "1;31", format!("     Ready{g}"))
            }
            EventKind::DataMode { enter, exchange, result, .. } => {
                let x = exchange.map(|x| format!("#{x}")).unwrap_or_default();
                if *enter {
                    ("DMODE", "35", format!("{x:<4} data mode on"))
                } else {
                    let r = result.map(|r| format!(" (#XDATAMODE: {r})")).unwrap_or_default();
                    ("DMODE", "35", format!("{x:<4} data mode off{r}"))
                }
            }
            EventKind::Condition { cond } => ("COND", "1;35", format!("     {} error", cond.as_str())),
            EventKind::Mark { text } => ("MARK", "1", format!("     {}", escape(text.as_bytes()))),
            EventKind::Finding(f) => {
                let (tag, colour) = match f.severity {
                    crate::finding::Severity::Error => ("ERR!", "1;31"),
                    crate::finding::Severity::Warning => ("WARN", "1;33"),
                    crate::finding::Severity::Note => ("NOTE", "36"),
                };
                (tag, colour, format!("     [{}] {}", f.id, f.message))
            }
            EventKind::Exchange { id, status, line, .. } => match status {
                ExchangeStatus::Open => ("OPEN", "1;31", format!("#{id}   no final result: {}", line.escaped())),
                ExchangeStatus::TimedOut => {
                    ("TIMEO", "1;31", format!("#{id}   timed out, the host moved on: {}", line.escaped()))
                }
                ExchangeStatus::Lost => (
                    "LOST",
                    "1;31",
                    format!("#{id}   never answered (sent while another command was pending): {}", line.escaped()),
                ),
                ExchangeStatus::Aborted => ("ABORT", "1;31", format!("#{id}   aborted by reset: {}", line.escaped())),
                _ => return None,
            },
        };
        let t = shown_time(e);
        let mut s = format!("{:>12} {dir:<5} {tag:<5} {body}", secs(t));
        if let Some(a) = annotation {
            s.push_str("  ");
            s.push_str(a);
        }
        if self.color {
            s = format!("\x1b[{colour}m{s}\x1b[0m");
        }
        Some(s)
    }

    /// Writes an event's line, if it has one.
    pub fn write<W: Write>(&self, out: &mut W, e: &Event, annotation: Option<&str>) -> std::io::Result<()> {
        if let Some(s) = self.render(e, annotation) {
            writeln!(out, "{s}")?;
        }
        Ok(())
    }
}
