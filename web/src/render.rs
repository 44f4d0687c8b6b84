//! How events are shown: a short label for the timeline, a tag and text for a transcript row, and
//! the raw bytes of an event for the detail panel. All text is the analyzer's escaped rendering
//! (control bytes and invalid UTF-8 as `\xNN`); the page still inserts it as text, never as HTML.

use atscope_analyzer::timeline::event::{escape, hex, Bytes};
use atscope_analyzer::timeline::{Event, EventKind, ExchangeStatus};

/// Longest row text; the detail panel has everything.
const ROW_MAX: usize = 300;

fn clip(s: String, max: usize) -> String {
    if s.chars().count() <= max {
        return s;
    }
    let mut c: String = s.chars().take(max).collect();
    c.push('…');
    c
}

/// The short label of an item on the timeline (`+CEREG`, `OK`, `Ready`, a finding's id).
pub fn label(e: &Event) -> String {
    match &e.kind {
        EventKind::Command { name, .. } | EventKind::Exchange { name, .. } => {
            if name.is_empty() {
                "AT".into()
            } else {
                name.clone()
            }
        }
        EventKind::Info { name, line, .. } => name.clone().unwrap_or_else(|| clip(line.escaped(), 24)),
        EventKind::Final { result, .. } => result.to_string(),
        EventKind::Urc { name, .. } => name.clone(),
        EventKind::Text { line } => clip(line.escaped(), 24),
        EventKind::Payload { owner, len, .. } => format!("{owner} {len} B"),
        EventKind::Garbage { data, .. } => format!("garbage {} B", data.0.len()),
        EventKind::Reset(_) => "Ready".into(),
        EventKind::DataMode { enter, .. } => if *enter { "data mode on" } else { "data mode off" }.into(),
        EventKind::Condition { cond } => format!("{} error", cond.as_str()),
        EventKind::Mark { text } => clip(escape(text.as_bytes()), 40),
        EventKind::Finding(f) => f.id.clone(),
        EventKind::Log(l) => clip(escape(l.text.as_bytes()), 40),
        EventKind::Cmux { frame, .. } => frame.clone(),
        EventKind::CmuxStray { data, .. } => format!("stray {} B", data.0.len()),
        EventKind::CmuxState { up, .. } => if *up { "CMUX on" } else { "CMUX off" }.into(),
        EventKind::Ppp(p) => match (&p.code, &p.ip) {
            (Some(code), _) => format!("{} {code}", p.protocol),
            (None, Some(ip)) => format!("{} {} B", ip.protocol, ip.len),
            (None, None) => format!("{} {} B", p.protocol, p.len),
        },
    }
}

/// The status word of an item, where it has one: an exchange's status, a finding's severity, a
/// final result's `ok`/`error`.
pub fn status(e: &Event) -> Option<&'static str> {
    match &e.kind {
        EventKind::Exchange { status, .. } => Some(status.as_str()),
        EventKind::Finding(f) => Some(f.severity.as_str()),
        EventKind::Final { result, .. } => Some(if result.is_ok() { "ok" } else { "error" }),
        _ => None,
    }
}

/// The tag of a transcript row, as in the terminal view (`CMD`, `URC`, `OK`, `RESET`).
pub fn tag(e: &Event) -> &'static str {
    match &e.kind {
        EventKind::Command { .. } => "CMD",
        EventKind::Info { .. } => "INFO",
        EventKind::Final { result, .. } => {
            if result.is_ok() {
                "OK"
            } else {
                "ERROR"
            }
        }
        EventKind::Urc { .. } => "URC",
        EventKind::Text { .. } => "TEXT",
        EventKind::Payload { .. } => "DATA",
        EventKind::Garbage { .. } => "GARB",
        EventKind::Reset(_) => "RESET",
        EventKind::DataMode { .. } => "DMODE",
        EventKind::Condition { .. } => "COND",
        EventKind::Mark { .. } => "MARK",
        EventKind::Finding(f) => match f.severity {
            atscope_analyzer::finding::Severity::Error => "ERR!",
            atscope_analyzer::finding::Severity::Warning => "WARN",
            atscope_analyzer::finding::Severity::Note => "NOTE",
        },
        EventKind::Log(l) => match l.level {
            atscope_analyzer::log::Level::Err => "ERR",
            atscope_analyzer::log::Level::Wrn => "WRN",
            atscope_analyzer::log::Level::Inf => "INF",
            atscope_analyzer::log::Level::Dbg => "DBG",
            atscope_analyzer::log::Level::Unknown => "LOG",
        },
        EventKind::Exchange { status: ExchangeStatus::Open, .. } => "OPEN",
        EventKind::Exchange { status: ExchangeStatus::TimedOut, .. } => "TIMEO",
        EventKind::Exchange { status: ExchangeStatus::Aborted, .. } => "ABORT",
        EventKind::Exchange { .. } => "EXCH",
        EventKind::Cmux { .. } => "CMUX",
        EventKind::CmuxStray { .. } => "STRAY",
        EventKind::CmuxState { .. } => "MUX",
        EventKind::Ppp(_) => "PPP",
    }
}

/// The text of a transcript row: the analyzer's words for the event (the terminal's and the
/// transcripts' too), clipped to the row.
pub fn row_text(e: &Event) -> String {
    clip(atscope_analyzer::report::text::words(e), ROW_MAX)
}

/// The exchange number shown in a row (`#3`), if the event belongs to one.
pub fn exchange_label(e: &Event) -> Option<u32> {
    e.exchange()
}

/// The raw bytes an event carries (a line, a payload, garbage), if any.
pub fn raw_bytes(e: &Event) -> Option<&Bytes> {
    match &e.kind {
        EventKind::Command { line, .. }
        | EventKind::Info { line, .. }
        | EventKind::Urc { line, .. }
        | EventKind::Text { line }
        | EventKind::Exchange { line, .. } => Some(line),
        EventKind::Payload { data, .. }
        | EventKind::Garbage { data, .. }
        | EventKind::Cmux { data, .. }
        | EventKind::CmuxStray { data, .. } => Some(data),
        EventKind::Ppp(p) => Some(&p.data),
        EventKind::Reset(r) if !r.garbage.0.is_empty() => Some(&r.garbage),
        _ => None,
    }
}

/// Hex dump and escaped text of an event's bytes, at most `max` bytes (with the full length).
pub fn raw(e: &Event, max: usize) -> Option<(String, String, usize, bool)> {
    let b = raw_bytes(e)?;
    let shown = &b.0[..b.0.len().min(max)];
    Some((hex(shown), escape(shown), b.0.len(), std::str::from_utf8(&b.0).is_ok()))
}

/// The latency of an event, where it has one (final result, exchange), ns.
pub fn latency(e: &Event) -> Option<i64> {
    match &e.kind {
        EventKind::Final { latency_ns, .. } | EventKind::Exchange { latency_ns, .. } => *latency_ns,
        _ => None,
    }
}
