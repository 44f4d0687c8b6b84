//! The timeline as terminal text: one line per event, time in seconds, the speaker, what it is,
//! and the exchange structure (information lines and results indented under their command).
//!
//! ```text
//!     1.000000 host  CMD   #1 AT+CFUN=1
//!     1.052000 modem OK    #1   OK  (52.000 ms)
//!     2.000000 modem URC        +CEREG: 1
//! ```

use std::fmt::Write as _;
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

/// Appends `bytes` escaped, cut after [`MAX_SHOWN`] characters with the byte count.
fn push_clipped(out: &mut String, bytes: &[u8]) {
    // Escaping never shortens, so a short line needs no counting.
    let head = &bytes[..bytes.len().min(MAX_SHOWN * 4)];
    let start = out.len();
    crate::timeline::event::escape_into(out, head);
    let shown = &out[start..];
    if bytes.len() <= MAX_SHOWN && shown.len() <= MAX_SHOWN {
        return;
    }
    if let Some((cut, _)) = shown.char_indices().nth(MAX_SHOWN) {
        out.truncate(start + cut);
    } else if head.len() == bytes.len() {
        return;
    }
    let _ = write!(out, "… ({} bytes)", bytes.len());
}

fn push_secs(out: &mut String, ns: i64) {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    let _ = write!(out, "{sign}{}.{:06}", a / 1_000_000_000, (a % 1_000_000_000) / 1000);
}

/// Seconds with microsecond resolution: `12.345678`.
pub fn secs(ns: i64) -> String {
    let mut s = String::new();
    push_secs(&mut s, ns);
    s
}

/// The tag and ANSI colour of an event's line, or `None` for events the text view leaves out.
fn tag(e: &Event) -> Option<(&'static str, &'static str)> {
    Some(match &e.kind {
        EventKind::Command { .. } => ("CMD", "1;36"),
        EventKind::Info { .. } => ("INFO", "0"),
        EventKind::Final { result, .. } if result.is_ok() => ("OK", "32"),
        EventKind::Final { .. } => ("ERROR", "1;31"),
        EventKind::Urc { .. } => ("URC", "33"),
        EventKind::Text { .. } => ("TEXT", "0"),
        EventKind::Payload { .. } => ("DATA", "35"),
        EventKind::Garbage { .. } => ("GARB", "1;35"),
        EventKind::Reset(_) => ("RESET", "1;31"),
        EventKind::DataMode { .. } => ("DMODE", "35"),
        EventKind::Condition { .. } => ("COND", "1;35"),
        EventKind::Mark { .. } => ("MARK", "1"),
        EventKind::Finding(f) => match f.severity {
            crate::finding::Severity::Error => ("ERR!", "1;31"),
            crate::finding::Severity::Warning => ("WARN", "1;33"),
            crate::finding::Severity::Note => ("NOTE", "36"),
        },
        EventKind::Log(l) => match l.level {
            crate::log::Level::Err => ("ERR", "31"),
            crate::log::Level::Wrn => ("WRN", "33"),
            crate::log::Level::Inf => ("INF", "0"),
            crate::log::Level::Dbg => ("DBG", "2"),
            crate::log::Level::Unknown => ("LOG", "0"),
        },
        EventKind::Exchange { status, .. } => match status {
            ExchangeStatus::Open => ("OPEN", "1;31"),
            ExchangeStatus::TimedOut => ("TIMEO", "1;31"),
            ExchangeStatus::Lost => ("LOST", "1;31"),
            ExchangeStatus::Aborted => ("ABORT", "1;31"),
            ExchangeStatus::Ok | ExchangeStatus::Error => return None,
        },
    })
}

/// Appends an event's body (what follows the time, speaker and tag).
/// Appends the exchange column: `#3 ` for a command, `#3   ` under it, blank otherwise.
fn push_label(s: &mut String, e: &Event) {
    match &e.kind {
        EventKind::Command { exchange, .. } => {
            let _ = write!(s, "#{exchange} ");
        }
        EventKind::Info { exchange: x, .. }
        | EventKind::Final { exchange: Some(x), .. }
        | EventKind::Exchange { id: x, .. } => {
            let _ = write!(s, "#{x}   ");
        }
        EventKind::Payload { exchange, .. } | EventKind::DataMode { exchange, .. } => {
            let x = exchange.map(|x| format!("#{x}")).unwrap_or_default();
            let _ = write!(s, "{x:<4} ");
        }
        _ => s.push_str("     "),
    }
}

/// What an event says, in words: the one rendering the terminal, the transcripts and the
/// viewer's rows share (long lines are cut with their byte count).
pub fn words(e: &Event) -> String {
    let mut s = String::with_capacity(64);
    push_words(&mut s, e);
    s
}

fn push_words(s: &mut String, e: &Event) {
    match &e.kind {
        EventKind::Command { line, .. } => {
            push_clipped(s, &line.0);
            s.push_str(&command_notes(e));
        }
        EventKind::Info { line, .. } | EventKind::Urc { line, .. } | EventKind::Text { line } => {
            push_clipped(s, &line.0);
        }
        EventKind::Final { exchange: Some(_), result, latency_ns } => {
            let _ = write!(s, "{result}  ({:.3} ms)", latency_ns.unwrap_or(0) as f64 / 1e6);
        }
        EventKind::Final { exchange: None, result, .. } => {
            let _ = write!(s, "{result}  [no command pending]");
        }
        EventKind::Payload { owner, len, data, .. } => {
            // Only the start is shown: escape no more of a (possibly 64 KiB) payload than that.
            let head = escape(&data.0[..data.0.len().min(120)]);
            let preview: String = head.chars().take(120).collect();
            let more = if data.0.len() > 120 || head.chars().count() > 120 { "…" } else { "" };
            let _ = write!(s, "{owner}, {len} bytes: {preview}{more}");
        }
        EventKind::Garbage { data, why } => {
            let shown = hex(&data.0[..data.0.len().min(32)]);
            let more = if data.0.len() > 32 { " …" } else { "" };
            let _ = write!(s, "{} bytes: {shown}{more}  ({why})", data.0.len());
        }
        EventKind::Reset(r) => {
            s.push_str("Ready");
            if !r.garbage.0.is_empty() {
                let _ = write!(s, " after garbage {}", hex(&r.garbage.0));
            }
        }
        EventKind::DataMode { enter: true, .. } => s.push_str("data mode on"),
        EventKind::DataMode { result, .. } => {
            s.push_str("data mode off");
            if let Some(r) = result {
                let _ = write!(s, " (#XDATAMODE: {r})");
            }
        }
        EventKind::Condition { cond } => {
            let _ = write!(s, "{} error", cond.as_str());
        }
        EventKind::Mark { text } => push_clipped(s, text.as_bytes()),
        EventKind::Log(l) => {
            if let Some(m) = &l.module {
                let _ = write!(s, "{m}: ");
            }
            push_clipped(s, l.text.as_bytes());
        }
        EventKind::Finding(f) => {
            let _ = write!(s, "[{}] {}", f.id, f.message);
        }
        EventKind::Exchange { status, line, .. } => {
            let what = match status {
                ExchangeStatus::Open => "no final result",
                ExchangeStatus::TimedOut => "timed out, the host moved on",
                ExchangeStatus::Lost => {
                    "never read by the SLM (sent while it was busy with another command, or asleep)"
                }
                ExchangeStatus::Aborted => "aborted by reset",
                ExchangeStatus::Ok | ExchangeStatus::Error => "",
            };
            if !what.is_empty() {
                let _ = write!(s, "{what}: ");
            }
            push_clipped(s, &line.0);
        }
    }
}

impl TextPrinter {
    /// The text line for an event, or `None` for events the text view leaves out.
    pub fn render(&self, e: &Event, annotation: Option<&str>) -> Option<String> {
        let mut s = String::with_capacity(128);
        self.render_into(&mut s, e, annotation).then_some(s)
    }

    /// Appends the text line for an event to `s`; false for events the text view leaves out.
    pub fn render_into(&self, s: &mut String, e: &Event, annotation: Option<&str>) -> bool {
        let Some((tag, colour)) = tag(e) else { return false };
        if self.color {
            let _ = write!(s, "\x1b[{colour}m");
        }
        let t_start = s.len();
        push_secs(s, shown_time(e));
        let width = s.len() - t_start;
        if width < 12 {
            s.insert_str(t_start, &" ".repeat(12 - width));
        }
        let dir = e.speaker().unwrap_or("");
        let _ = write!(s, " {dir:<5} {tag:<5} ");
        push_label(s, e);
        push_words(s, e);
        if let Some(a) = annotation {
            s.push_str("  ");
            s.push_str(a);
        }
        if self.color {
            s.push_str("\x1b[0m");
        }
        true
    }

    /// Writes an event's line, if it has one.
    pub fn write<W: Write>(&self, out: &mut W, e: &Event, annotation: Option<&str>) -> std::io::Result<()> {
        let mut s = String::with_capacity(128);
        if self.render_into(&mut s, e, annotation) {
            s.push('\n');
            out.write_all(s.as_bytes())?;
        }
        Ok(())
    }
}
