//! The SLM's own log in a decoding session: its lines go out among the UART's events at their
//! aligned times ([`crate::log::align`]), and credentials in its hexdumps are redacted.

use crate::log::align::{hexdump_row, Aligner, Report};
use crate::log::segment::Item;
use crate::log::LogEntry;
use crate::timeline::{Event, EventKind};

/// Whether a hexdump row that starts a command (`AT#XCMNG=0,…`, upper-cased) begins one of the
/// commands that carry secrets ([`crate::slm::secrets::SECRETS`], as on the UART).
fn starts_secret_command(head: &str) -> bool {
    head.len() >= 4
        && crate::slm::secrets::SECRETS.iter().any(|s| {
            let cmd = format!("AT{}", s.command);
            head.starts_with(&cmd[..cmd.len().min(head.len())])
        })
}

/// The log beside one session.
pub(super) struct LogFeed {
    pub(super) aligner: Aligner,
    redact: bool,
    /// The hexdump being read: Some(secret?) once its first row decided, None outside one.
    group: Option<Option<bool>>,
    group_is_tx: bool,
    last_rx_secret: bool,
    /// Seq of each segment's first line, until its report goes out.
    first_seq: std::collections::BTreeMap<u32, u64>,
}

impl LogFeed {
    pub(super) fn new(
        source: Box<dyn Iterator<Item = Item> + Send>,
        forced_offset_ns: Option<i64>,
        redact: bool,
    ) -> Self {
        LogFeed {
            aligner: Aligner::new(source, forced_offset_ns),
            redact,
            group: None,
            group_is_tx: false,
            last_rx_secret: false,
            first_seq: Default::default(),
        }
    }

    /// Tells the aligner what a UART event shows.
    pub(super) fn see(&mut self, e: &Event) {
        match &e.kind {
            EventKind::Reset(_) => self.aligner.on_ready(e.t_ns),
            EventKind::Command { line, .. } => self.aligner.on_command(e.end_ns, &line.0),
            EventKind::Info { .. } | EventKind::Final { .. } | EventKind::Urc { .. } | EventKind::Text { .. } => {
                self.aligner.on_modem_traffic()
            }
            _ => {}
        }
    }

    /// The event of one log line (its `seq` set by the caller).
    pub(super) fn entry(&mut self, it: Item, seq: u64) -> LogEntry {
        self.first_seq.entry(it.segment).or_insert(seq);
        let mut entry = LogEntry::from(it);
        if !entry.continuation {
            let hexdump = entry.module.as_deref() == Some("slm_at_host")
                && (entry.text.ends_with("RX") || entry.text.ends_with("TX"));
            self.group = hexdump.then_some(None);
            self.group_is_tx = entry.text.ends_with("TX");
        } else if let Some(decided) = self.group.as_mut() {
            let secret = *decided.get_or_insert_with(|| {
                let bytes = hexdump_row(&entry.text).unwrap_or_default();
                let head = String::from_utf8_lossy(&bytes).to_ascii_uppercase();
                let s = starts_secret_command(&head);
                if self.group_is_tx {
                    s || self.last_rx_secret
                } else {
                    self.last_rx_secret = s;
                    s
                }
            });
            if secret && self.redact {
                entry.text =
                    format!("<redacted hexdump row, {} bytes>", hexdump_row(&entry.text).map_or(0, |b| b.len()));
            }
        }
        entry
    }

    /// Reports of segments that are complete, each with the seq of its first line.
    pub(super) fn reports(&mut self, at_end: bool) -> Vec<(Report, Vec<u64>)> {
        self.aligner
            .take_reports(at_end)
            .into_iter()
            .map(|r| {
                let seq = self.first_seq.remove(&r.segment);
                (r, seq.into_iter().collect())
            })
            .collect()
    }
}
