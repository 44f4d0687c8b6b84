//! The transcript: a timeline rendered for regression snapshots, stable across machines and
//! releases.
//!
//! * one event per line, findings with their help;
//! * times as offsets from the previous line, rounded to [`Transcript::tolerance_ms`] so that
//!   jitter does not churn snapshots (`+0.30s`);
//! * volatile values aliased with counters, the same value always getting the same alias:
//!   `<IMEI#1>`, `<IMSI#1>` (the answer of `AT+CIMI`), `<IP#2>`, `<UUID#1>`, `<SHA#3>`, `<TIME#1>`,
//!   `<ICCID#1>`, `<HANDLE#1>`;
//! * credentials redacted (by [`crate::analysis`]), and nothing of atscope's own version.

use std::collections::HashMap;

use crate::timeline::{Bytes, Event, EventKind};
use crate::volatile::{self, Kind};

use super::text::TextPrinter;

/// Renders events as transcript lines.
pub struct Transcript {
    /// Time rounding, ms.
    pub tolerance_ms: i64,
    last_t: Option<i64>,
    aliases: HashMap<(&'static str, String), usize>,
    counters: HashMap<&'static str, usize>,
    /// The exchange whose command is `AT+CIMI`, while it is open: its bare 15-digit answer is an
    /// IMSI, not an IMEI.
    cimi: Option<u32>,
}

/// The rounding the bundled snapshots use.
pub const DEFAULT_TOLERANCE_MS: i64 = 10;

impl Default for Transcript {
    fn default() -> Self {
        Transcript::new(DEFAULT_TOLERANCE_MS)
    }
}

/// The alias family of a volatile kind (`<IP#n>` for both address families).
fn family(k: Kind) -> Option<&'static str> {
    Some(match k {
        Kind::Time => "TIME",
        Kind::Uuid => "UUID",
        Kind::Sha256 => "SHA",
        Kind::Ipv4 | Kind::Ipv6 => "IP",
        Kind::Imei => "IMEI",
        Kind::Iccid => "ICCID",
        Kind::Handle => "HANDLE",
        Kind::Measurement | Kind::Fix | Kind::Secs => return None,
    })
}

impl Transcript {
    /// A transcript with the given time rounding.
    pub fn new(tolerance_ms: i64) -> Self {
        Transcript {
            tolerance_ms: tolerance_ms.max(1),
            last_t: None,
            aliases: HashMap::new(),
            counters: HashMap::new(),
            cimi: None,
        }
    }

    fn alias(&mut self, fam: &'static str, value: &str) -> String {
        let next = self.counters.get(fam).copied().unwrap_or(0) + 1;
        let n = *self.aliases.entry((fam, value.to_string())).or_insert(next);
        if n == next {
            self.counters.insert(fam, next);
        }
        format!("<{fam}#{n}>")
    }

    /// Replaces the identifying volatile values of one AT line (or any text) with counted
    /// aliases; measurements are kept, since a recorded trace does not change.
    pub fn scrub(&mut self, text: &str) -> String {
        self.scrub_as(text, false)
    }

    /// [`Transcript::scrub`], reading a 15-digit number as an IMSI when `imsi` is set.
    fn scrub_as(&mut self, text: &str, imsi: bool) -> String {
        volatile::rewrite(text, &mut |k, v| match family(k) {
            Some("IMEI") if imsi => self.alias("IMSI", v),
            Some(fam) => self.alias(fam, v),
            None => v.to_string(),
        })
    }

    fn scrub_bytes(&mut self, b: &mut Bytes, imsi: bool) {
        if let Ok(s) = std::str::from_utf8(&b.0) {
            b.0 = self.scrub_as(s, imsi).into_bytes();
        }
    }

    /// The transcript line(s) of an event, or `None` for events it leaves out.
    pub fn lines(&mut self, e: &Event) -> Option<String> {
        let mut e = e.clone();
        match &e.kind {
            EventKind::Command { exchange, name, .. } if name.eq_ignore_ascii_case("+CIMI") => {
                self.cimi = Some(*exchange)
            }
            EventKind::Exchange { id, .. } if self.cimi == Some(*id) => self.cimi = None,
            _ => {}
        }
        let imsi = matches!(&e.kind, EventKind::Info { exchange, name: None, .. } if self.cimi == Some(*exchange));
        match &mut e.kind {
            EventKind::Command { line, .. }
            | EventKind::Info { line, .. }
            | EventKind::Urc { line, .. }
            | EventKind::Text { line }
            | EventKind::Exchange { line, .. } => self.scrub_bytes(line, imsi),
            EventKind::Finding(f) => {
                f.message = self.scrub(&f.message);
                f.help = self.scrub(&f.help);
            }
            EventKind::Log(l) => l.text = self.scrub(&l.text),
            _ => {}
        }
        let body = TextPrinter { color: false }.render(&e, e.meaning.as_deref())?;
        // Drop the absolute time column: the transcript gives offsets.
        let body = body.get(13..).unwrap_or("").to_string();
        let t = super::text::shown_time(&e);
        // Findings settled late (a deadline passed) are shown in emission order: no negative offsets.
        let dt = (t - self.last_t.unwrap_or(t)).max(0);
        self.last_t = Some(t.max(self.last_t.unwrap_or(t)));
        let step = self.tolerance_ms * 1_000_000;
        let rounded = (dt as f64 / step as f64).round() as i64 * self.tolerance_ms;
        let mut line = format!("+{}.{:03}s {body}", rounded / 1000, rounded % 1000);
        if let EventKind::Finding(f) = &e.kind {
            line.push_str(&format!("\n          {}", f.help));
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
        assert_eq!(t.scrub("+CGPADDR: 1,\"10.0.0.7\""), "+CGPADDR: 1,\"<IP#1>\"", "same value, same alias");
        assert_eq!(t.scrub("%CESQ: 54,2,20,3"), "%CESQ: 54,2,20,3", "measurements stay in a transcript");
        assert_eq!(t.scrub("#XSOCKET: 3,1,6"), "#XSOCKET: <HANDLE#1>,1,6");
        assert_eq!(t.scrub("#XTCPCLI: 3,\"connected\""), "#XTCPCLI: <HANDLE#1>,\"connected\"");
        assert_eq!(t.scrub("\"2026-11-25 09:41:07\""), "\"<TIME#1>\"");
        let sha = "A".repeat(64);
        assert_eq!(t.scrub(&format!("%CMNG: 12,0,\"{sha}\"")), "%CMNG: 12,0,\"<SHA#1>\"");
    }

    #[test]
    fn the_answer_of_cimi_is_an_imsi_and_a_bare_cgsn_answer_an_imei() {
        use crate::analysis::{decode_all, Options};
        use crate::chunk::{Chunk, Dir, Record};
        let ms = 1_000_000;
        let records = [
            Record::Chunk(Chunk::bytes(0, Dir::Host, "AT+CIMI\r\n")),
            Record::Chunk(Chunk::bytes(5 * ms, Dir::Modem, "\r\n262011234567890\r\nOK\r\n")),
            Record::Chunk(Chunk::bytes(100 * ms, Dir::Host, "AT+CGSN\r\n")),
            Record::Chunk(Chunk::bytes(105 * ms, Dir::Modem, "\r\n352656100000001\r\nOK\r\n")),
        ];
        let (events, _) =
            decode_all(records.into_iter().map(Ok::<_, std::convert::Infallible>), Options::default()).unwrap();
        let mut t = Transcript::default();
        let text: Vec<String> = events.iter().filter_map(|e| t.lines(e)).collect();
        let text = text.join("\n");
        assert!(text.contains("<IMSI#1>"), "{text}");
        assert!(text.contains("<IMEI#1>"), "{text}");
        assert!(!text.contains("262011234567890") && !text.contains("352656100000001"), "{text}");
    }
}
