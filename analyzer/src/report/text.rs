//! The timeline as terminal text: one line per event, time in seconds, the speaker, what it is,
//! and the exchange structure (information lines and results indented under their command).
//!
//! ```text
//!     1.000000 host  CMD   #1 AT+CFUN=1
//!     1.052000 modem OK    #1   OK  (52.000 ms)
//!     2.000000 modem URC        +CEREG: 1
//! ```
//!
//! On a CMUX link the channel follows the speaker: `host  dlci1 CMD   #4 AT+CFUN?`.

use std::fmt::Write as _;
use std::io::Write;

use crate::at::grammar::FinalResult;
use crate::timeline::event::{escape_into, hex, CmuxDrop, PppFrame};
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
    push_command_notes(&mut b, e);
    b
}

/// [`command_notes`], appended to `b`.
fn push_command_notes(b: &mut String, e: &Event) {
    if let EventKind::Command { invalid, overflow, pending, .. } = &e.kind {
        if let Some(w) = invalid {
            b.push_str("  [invalid: ");
            b.push_str(w);
            b.push(']');
        }
        if *overflow {
            b.push_str("  [overflow]");
        }
        if !pending.is_empty() {
            b.push_str("  [sent while ");
            for (i, p) in pending.iter().enumerate() {
                if i > 0 {
                    b.push_str(", ");
                }
                b.push('#');
                push_u64(b, u64::from(*p));
            }
            b.push_str(" pending]");
        }
    }
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
    escape_into(out, head);
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
    if ns < 0 {
        out.push('-');
    }
    let a = ns.unsigned_abs();
    push_u64(out, a / 1_000_000_000);
    out.push('.');
    // Microseconds, zero-padded to six digits (what `{:06}` gives, without the formatter).
    push_zero_padded(out, (a % 1_000_000_000) / 1000, 6);
}

/// Appends `n` zero-padded to `width` digits (what `{n:0width$}` gives).
fn push_zero_padded(out: &mut String, n: u64, width: usize) {
    const ZEROS: &str = "00000000000000000000";
    let mut b = itoa::Buffer::new();
    let digits = b.format(n);
    let pad = width.saturating_sub(digits.len());
    out.push_str(&ZEROS[..pad.min(ZEROS.len())]);
    for _ in ZEROS.len()..pad {
        out.push('0');
    }
    out.push_str(digits);
}

/// Appends `ns` in milliseconds with three decimals, as `{:.3}` writes `ns as f64 / 1e6`. Integer
/// arithmetic gives the same digits except on a tie (a multiple of 1000 ns plus 500, where the
/// float's binary value decides the rounding), for negative values and beyond 10^15 ns (where the
/// float is no longer that close): those take the float.
fn push_ms(out: &mut String, ns: i64) {
    match u64::try_from(ns) {
        Ok(a) if a % 1000 != 500 && a < 1_000_000_000_000_000 => {
            let us = (a + 500) / 1000;
            push_u64(out, us / 1000);
            out.push('.');
            push_zero_padded(out, us % 1000, 3);
        }
        _ => {
            let _ = write!(out, "{:.3}", ns as f64 / 1e6);
        }
    }
}

/// Appends `n` in decimal (what `{}` gives, without the formatter: the text view writes several
/// numbers per line).
fn push_u64(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Appends `s` left-aligned in a column of `width` characters (what `{s:<width}` gives for ASCII).
fn push_padded(out: &mut String, s: &str, width: usize) {
    out.push_str(s);
    for _ in s.len()..width {
        out.push(' ');
    }
}

/// Appends a final result as its `Display` writes it (`OK`, `+CME ERROR: 518`), without the
/// formatter (one per exchange).
fn push_result(out: &mut String, r: &FinalResult) {
    match r {
        FinalResult::Ok => out.push_str("OK"),
        FinalResult::Error => out.push_str("ERROR"),
        FinalResult::CmeError(n) | FinalResult::CmsError(n) => {
            out.push_str(if matches!(r, FinalResult::CmeError(_)) { "+CME ERROR: " } else { "+CMS ERROR: " });
            out.push_str(itoa::Buffer::new().format(*n));
        }
    }
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
        EventKind::Cmux { dropped: Some(_), .. } => ("CMUX", "1;31"),
        EventKind::Cmux { .. } => ("CMUX", "34"),
        EventKind::CmuxStray { .. } => ("STRAY", "1;35"),
        EventKind::CmuxState { .. } => ("MUX", "1;34"),
        EventKind::Ppp(_) => ("PPP", "34"),
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
            s.push('#');
            push_u64(s, u64::from(*exchange));
            s.push(' ');
        }
        EventKind::Info { exchange: x, .. }
        | EventKind::Final { exchange: Some(x), .. }
        | EventKind::Exchange { id: x, .. } => {
            s.push('#');
            push_u64(s, u64::from(*x));
            s.push_str("   ");
        }
        EventKind::Payload { exchange, .. } | EventKind::DataMode { exchange, .. } => {
            let start = s.len();
            if let Some(x) = exchange {
                s.push('#');
                push_u64(s, u64::from(*x));
            }
            let width = s.len() - start;
            push_padded(s, "", 4usize.saturating_sub(width));
            s.push(' ');
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
            push_command_notes(s, e);
        }
        EventKind::Info { line, .. } | EventKind::Urc { line, .. } | EventKind::Text { line } => {
            push_clipped(s, &line.0);
        }
        EventKind::Final { exchange: Some(_), result, latency_ns } => {
            push_result(s, result);
            s.push_str("  (");
            push_ms(s, latency_ns.unwrap_or(0));
            s.push_str(" ms)");
        }
        EventKind::Final { exchange: None, result, .. } => {
            let _ = write!(s, "{result}  [no command pending]");
        }
        EventKind::Payload { owner, len, data, .. } => {
            s.push_str(owner);
            s.push_str(", ");
            push_u64(s, *len as u64);
            s.push_str(" bytes: ");
            // Only the start is shown: escape no more of a (possibly 64 KiB) payload than that,
            // and keep its first 120 characters.
            let start = s.len();
            escape_into(s, &data.0[..data.0.len().min(120)]);
            let cut = s[start..].char_indices().nth(120).map(|(i, _)| start + i);
            if let Some(cut) = cut {
                s.truncate(cut);
            }
            if data.0.len() > 120 || cut.is_some() {
                s.push('…');
            }
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
        EventKind::Cmux { frame, pf, messages, data, dropped, .. } => {
            s.push_str(frame);
            if *pf {
                s.push_str(" P/F");
            }
            if !messages.is_empty() {
                let _ = write!(s, ": {}", messages.join("; "));
            } else if !data.0.is_empty() {
                s.push_str(": ");
                push_clipped(s, &data.0);
            }
            match dropped {
                Some(CmuxDrop::Fcs) => s.push_str("  [bad FCS: dropped]"),
                Some(CmuxDrop::BeforeOpen) => s.push_str("  [before the mux was opened: dropped]"),
                Some(CmuxDrop::UnopenedDlci) => s.push_str("  [DLCI not open: dropped]"),
                None => {}
            }
        }
        EventKind::CmuxStray { data, plain_at } => {
            let _ = write!(s, "{} bytes outside frames: ", data.0.len());
            push_clipped(s, &data.0);
            if *plain_at {
                s.push_str("  [a plain AT command: dropped]");
            }
        }
        EventKind::CmuxState { up: true, at_channel, ppp_channel, why } => {
            let _ = write!(s, "CMUX on ({why}): AT on DLCI {at_channel}, PPP on DLCI {ppp_channel}");
        }
        EventKind::CmuxState { why, .. } => {
            let _ = write!(s, "CMUX off ({why})");
        }
        EventKind::Ppp(p) => push_ppp(s, p),
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

/// A PPP frame in words: `LCP Configure-Request id 1: MRU 1280`,
/// `IPv4 UDP 10.64.12.7:49152 → 10.64.0.1:53, 61 bytes`.
fn push_ppp(s: &mut String, p: &PppFrame) {
    s.push_str(&p.protocol);
    if let Some(code) = &p.code {
        let _ = write!(s, " {code}");
        if let Some(id) = p.id {
            let _ = write!(s, " id {id}");
        }
        if !p.options.is_empty() {
            let _ = write!(s, ": {}", p.options.join(", "));
        }
    } else if let Some(ip) = &p.ip {
        let _ = write!(s, " {} {} → {}, {} bytes", ip.protocol, ip.from, ip.to, ip.len);
    } else {
        let _ = write!(s, " (0x{:04x}), {} bytes", p.number, p.len);
    }
    if !p.fcs_ok {
        s.push_str("  [bad FCS]");
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
            s.insert_str(t_start, &"            "[..12 - width]);
        }
        let dir = e.speaker().unwrap_or("");
        s.push(' ');
        push_padded(s, dir, 5);
        s.push(' ');
        if let Some(d) = e.dlci {
            s.push_str("dlci");
            push_u64(s, u64::from(d));
            s.push(' ');
        }
        push_padded(s, tag, 5);
        s.push(' ');
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy as _;

    #[test]
    fn results_are_written_as_their_display_writes_them() {
        for r in [FinalResult::Ok, FinalResult::Error, FinalResult::CmeError(518), FinalResult::CmsError(-3)] {
            let mut s = String::new();
            push_result(&mut s, &r);
            assert_eq!(s, r.to_string());
        }
    }

    proptest::proptest! {
        #[test]
        fn milliseconds_are_written_as_the_float_formatter_writes_them(
            ns in proptest::prop_oneof![
                -2_000_000i64..2_000_000_000,
                0i64..2_000_000_000_000_000,
                (0i64..1_000_000_000_000).prop_map(|k| k * 1000 + 499),
                (0i64..1_000_000_000_000).prop_map(|k| k * 1000 + 501),
                (0i64..1_000_000_000_000).prop_map(|k| k * 1000 + 500),
            ]
        ) {
            let mut s = String::new();
            push_ms(&mut s, ns);
            proptest::prop_assert_eq!(s, format!("{:.3}", ns as f64 / 1e6));
        }

        #[test]
        fn seconds_are_written_as_the_formatter_writes_them(ns in proptest::num::i64::ANY) {
            let a = ns.unsigned_abs();
            let sign = if ns < 0 { "-" } else { "" };
            proptest::prop_assert_eq!(secs(ns), format!("{sign}{}.{:06}", a / 1_000_000_000, (a % 1_000_000_000) / 1000));
        }
    }
}
