//! Exports of a timeline for the tools people already use: Wireshark ([`pcapng`]), Perfetto and
//! chrome://tracing ([`perfetto`]), and spreadsheets ([`csv`]).
//!
//! Every exporter is a sink in ripgrep's sense: it is fed [`Event`]s one at a time, as
//! [`crate::analysis::Analysis`] hands them out, writes what it can at once and keeps only a
//! small bounded state (a window of recent packets, the exchanges and promises still open), so
//! a trace of any size streams out with flat memory. Nothing here collects the timeline.
//!
//! Redaction happens before the events reach an exporter (the analysis redacts by default), so
//! an export shows secrets only when the user turned redaction off.
//!
//! ```
//! use atscope_analyzer::analysis::{Analysis, Options};
//! use atscope_analyzer::chunk::{Chunk, Dir, Record};
//! use atscope_analyzer::export::{csv::CsvWriter, ExportSink};
//!
//! let mut out = Vec::new();
//! let mut csv = CsvWriter::new(&mut out).unwrap();
//! let mut a = Analysis::new(Options::default());
//! let mut sink = |e: &atscope_analyzer::timeline::Event| csv.event(e).unwrap();
//! a.push(&Record::Chunk(Chunk::bytes(0, Dir::Host, b"AT\r\n".to_vec())), &mut sink);
//! a.push(&Record::Chunk(Chunk::bytes(1_000_000, Dir::Modem, b"\r\nOK\r\n".to_vec())), &mut sink);
//! a.finish(&mut sink);
//! csv.finish().unwrap();
//! drop(csv);
//! assert_eq!(String::from_utf8(out).unwrap().lines().count(), 4); // header, command, final, exchange
//! ```

pub mod csv;
pub mod pcapng;
pub mod perfetto;

use std::io;

use crate::timeline::Event;

/// A writer fed timeline events one at a time.
pub trait ExportSink {
    /// Writes (or holds, within a bounded window) one event.
    fn event(&mut self, e: &Event) -> io::Result<()>;
    /// Writes what is still held and the format's trailer, and flushes.
    fn finish(&mut self) -> io::Result<()>;
}

/// Parses an RFC 3339 date-time (`2024-05-01T12:00:00.5Z`, `…+02:00`) into nanoseconds since
/// the Unix epoch. `None` for anything else.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    crate::wall_time::parse_ns(s, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::at::grammar::{split_params, Form};
    use crate::slm::table::{promises_of, PROMISES};

    #[test]
    fn rfc3339_times_become_unix_nanoseconds() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2024-05-01T12:00:00Z"), Some(1_714_564_800 * 1_000_000_000));
        assert_eq!(parse_rfc3339("2024-05-01T14:00:00.25+02:00"), Some(1_714_564_800 * 1_000_000_000 + 250_000_000));
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00.000000001Z"), Some(951_782_400 * 1_000_000_000 + 1));
        assert_eq!(parse_rfc3339("yesterday"), None);
        assert_eq!(parse_rfc3339("2024-05-01T12:00:00"), None);
    }

    #[test]
    fn a_connack_settles_mqtt_connect_but_a_disconnect_does_not() {
        let con = PROMISES.iter().find(|p| p.label == "CONNACK").unwrap();
        assert!(con.kept_by("#XMQTTEVT", &split_params("0,0")));
        assert!(!con.kept_by("#XMQTTEVT", &split_params("1,0")));
        let params = split_params("1,\"cid\",\"\",\"\",\"broker\",1883");
        assert_eq!(promises_of("#XMQTTCON", Some(Form::Set), &params, None).count(), 1);
        assert_eq!(promises_of("#XMQTTCON", Some(Form::Read), &params, None).count(), 0);
    }
}
