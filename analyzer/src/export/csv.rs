//! CSV for spreadsheets: one row per timeline event, in emission order.
//!
//! Columns: `seq,t_s,end_s,dir,kind,name,text,latency_ms,finding_id,severity,meaning`.
//!
//! * `t_s`/`end_s` are seconds since the capture start with nine decimals (exact nanoseconds,
//!   and a number every spreadsheet sorts and subtracts).
//! * `kind` is the event's JSON `type` (`command`, `urc`, `exchange`, `finding`, …).
//! * `name` is the command or URC name, the final result, the payload's owner, or the
//!   finding id; `text` the line as on the wire (control bytes escaped as in the text report,
//!   `\r`, `\xNN`), a payload's bytes, or the finding's message.
//! * `latency_ms` (three decimals) is set on `final` and `exchange` rows.
//! * `finding_id` is set on `finding` rows only; `severity` on `finding` rows, and on `log` rows
//!   (`dir` `log`: a line of the SLM's own log, `name` its module) it holds the log level.
//!
//! Fields are quoted per RFC 4180 when they hold a comma, a quote or a line break; rows end in
//! CRLF as RFC 4180 says. Values are written as they are: a spreadsheet that treats a leading
//! `+` (as in `+CEREG`) as a formula should import the text columns as text.

use std::io::{self, Write};

use super::ExportSink;
use crate::timeline::{Event, EventKind};

/// The header row.
pub const HEADER: &[&str] =
    &["seq", "t_s", "end_s", "dir", "kind", "name", "text", "latency_ms", "finding_id", "severity", "meaning"];

/// Writes one CSV row per event.
pub struct CsvWriter<W: Write> {
    out: W,
}

impl<W: Write> CsvWriter<W> {
    /// Writes the header row.
    pub fn new(mut out: W) -> io::Result<Self> {
        write_row(&mut out, HEADER.iter().copied())?;
        Ok(CsvWriter { out })
    }
}

fn secs(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let a = ns.unsigned_abs();
    format!("{sign}{}.{:09}", a / 1_000_000_000, a % 1_000_000_000)
}

fn ms(ns: i64) -> String {
    format!("{:.3}", ns as f64 / 1e6)
}

/// The name, text, latency, finding id and severity cells of an event.
fn cells(e: &Event) -> [String; 5] {
    let none = String::new;
    match &e.kind {
        EventKind::Command { name, line, .. } => [name.clone(), line.escaped(), none(), none(), none()],
        EventKind::Info { name, line, .. } => {
            [name.clone().unwrap_or_default(), line.escaped(), none(), none(), none()]
        }
        EventKind::Final { result, latency_ns, .. } => {
            [result.to_string(), result.to_string(), latency_ns.map(ms).unwrap_or_default(), none(), none()]
        }
        EventKind::Urc { name, line, .. } => [name.clone(), line.escaped(), none(), none(), none()],
        EventKind::Text { line } => [none(), line.escaped(), none(), none(), none()],
        EventKind::Payload { owner, data, .. } => [owner.clone(), data.escaped(), none(), none(), none()],
        EventKind::Garbage { data, why } => [why.clone(), data.escaped(), none(), none(), none()],
        EventKind::Reset(r) => ["Ready".into(), format!("{}Ready", r.garbage.escaped()), none(), none(), none()],
        EventKind::DataMode { enter, result, .. } => {
            let what = if *enter { "enter" } else { "exit" };
            [what.into(), result.map(|r| r.to_string()).unwrap_or_default(), none(), none(), none()]
        }
        EventKind::Condition { cond } => {
            let c = serde_json::to_value(cond).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            [c, none(), none(), none(), none()]
        }
        EventKind::Mark { text } => [none(), text.clone(), none(), none(), none()],
        EventKind::Log(l) => {
            [l.module.clone().unwrap_or_default(), l.text.clone(), none(), none(), l.level.as_str().into()]
        }
        EventKind::Exchange { name, line, status, latency_ns, .. } => {
            let status = serde_json::to_value(status).ok().and_then(|v| v.as_str().map(str::to_string));
            let name = if name.is_empty() { status.unwrap_or_default() } else { name.clone() };
            [name, line.escaped(), latency_ns.map(ms).unwrap_or_default(), none(), none()]
        }
        EventKind::Finding(f) => {
            [f.id.clone(), f.message.clone(), none(), f.id.clone(), f.severity.as_str().to_string()]
        }
        EventKind::Cmux { .. } | EventKind::CmuxStray { .. } | EventKind::CmuxState { .. } | EventKind::Ppp(_) => {
            [e.kind.type_name().into(), crate::report::text::words(e), none(), none(), none()]
        }
    }
}

fn write_row<'a, W: Write>(out: &mut W, fields: impl Iterator<Item = &'a str>) -> io::Result<()> {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if f.contains([',', '"', '\r', '\n']) {
            out.write_all(b"\"")?;
            out.write_all(f.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(f.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

impl<W: Write> ExportSink for CsvWriter<W> {
    fn event(&mut self, e: &Event) -> io::Result<()> {
        let dir = e.speaker().unwrap_or("");
        let [name, text, latency, id, severity] = cells(e);
        let row = [
            e.seq.to_string(),
            secs(e.t_ns),
            secs(e.end_ns),
            dir.to_string(),
            e.kind.type_name().to_string(),
            name,
            text,
            latency,
            id,
            severity,
            e.meaning.clone().unwrap_or_default(),
        ];
        write_row(&mut self.out, row.iter().map(String::as_str))
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_commas_and_quotes_are_quoted() {
        let mut out = Vec::new();
        write_row(&mut out, ["a", "b,c", "say \"hi\"", ""].into_iter()).unwrap();
        assert_eq!(out, b"a,\"b,c\",\"say \"\"hi\"\"\",\r\n");
    }

    #[test]
    fn times_are_exact_seconds() {
        assert_eq!(secs(1_500_000_001), "1.500000001");
        assert_eq!(secs(-5), "-0.000000005");
        assert_eq!(ms(1_234_567), "1.235");
    }
}
