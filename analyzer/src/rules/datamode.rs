//! Data mode: the terminator inside a payload, and the SLM's own `+++`.

use super::*;

/// How long after an automatic data-mode exit host bytes count as data sent too late.
pub(super) const AFTER_EXIT_WINDOW_NS: i64 = 2_000_000_000;

impl Rules {
    /// A data-mode payload.
    pub(super) fn datamode_payload(&mut self, e: &Event, version: SlmVersion, out: &mut Vec<Draft>) {
        let EventKind::Payload { data, .. } = &e.kind else {
            return;
        };
        self.any_traffic = true;
        let b = &data.0;
        if e.dir == Some(Dir::Host) && !version.scans_terminator() {
            // memchr's searcher: a data-mode payload is up to 64 KiB, searched whole.
            if let Some(p) = memchr::memmem::find(b, b"+++") {
                out.push(Draft {
                    id: FindingId::DatamodeTerminatorNotLast,
                    level: None,
                    t0: e.t_ns,
                    t1: e.end_ns,
                    message: format!("+++ inside the data-mode payload, followed by {} more byte(s)", b.len() - p - 3),
                    help: format!("SLM {version} recognises the data-mode terminator only as the last bytes before an idle gap; a +++ followed by more bytes in the same burst is sent as data. Pause (more than the #XDATACTRL time, about 32 ms at 115200 Bd) before and after +++."),
                    events: vec![e.seq],
                });
            }
        }
        if e.dir == Some(Dir::Modem) && b.ends_with(b"+++") {
            out.push(Draft {
                id: FindingId::DatamodeModemTerminator,
                level: None,
                t0: e.t_ns,
                t1: e.end_ns,
                message: "the SLM sent +++ in data mode".into(),
                help: "Newer SLM sends +++ when the peer closed the connection during data mode and then drops host input until the host answers with +++. Send +++ and wait for #XDATAMODE.".into(),
                events: vec![e.seq],
            });
        }
    }
}
