//! One served trace ([`TraceEntry`]): what is known about it, its index, and for a recording
//! being served the channel its new events are announced on ([`LiveTrace`]).

use std::sync::{Arc, RwLock};

use atscope_analyzer::timeline::{Event, EventKind};
use tokio::sync::broadcast;

use super::index::TraceIndex;

/// Where a trace came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A file given on the command line.
    File,
    /// Uploaded from the page.
    Upload,
    /// Being recorded; events arrive while it is served.
    Live,
    /// Built in code (tests, benchmarks).
    Memory,
}

/// What is known about a trace besides its events.
#[derive(Debug, Clone)]
pub struct TraceMeta {
    /// The id in URLs: made from the file name, unique in the store.
    pub id: String,
    /// Display name (the file name, or the path relative to the folder given).
    pub name: String,
    /// Where it came from.
    pub origin: Origin,
    /// The capture format (`atscope trace (.atrace)`).
    pub format: String,
    /// The SLM version used to decode it.
    pub slm: String,
    /// What the importer said (channel assignment, notes, warnings).
    pub notes: Vec<String>,
}

/// One served trace: what is known about it, its index, and for a live trace the channel that
/// new events are announced on.
#[derive(Debug)]
pub struct TraceEntry {
    /// Id, name, origin.
    pub meta: TraceMeta,
    pub(super) index: RwLock<TraceIndex>,
    pub(super) live: Option<broadcast::Sender<Arc<Event>>>,
    pub(super) finished: std::sync::atomic::AtomicBool,
}

impl TraceEntry {
    /// Read access to the index.
    pub fn index(&self) -> std::sync::RwLockReadGuard<'_, TraceIndex> {
        self.index.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether events may still arrive.
    pub fn is_live(&self) -> bool {
        self.live.is_some() && !self.finished.load(std::sync::atomic::Ordering::Acquire)
    }

    /// A receiver of the events pushed from now on (live traces only).
    pub fn subscribe(&self) -> Option<broadcast::Receiver<Arc<Event>>> {
        if self.is_live() {
            self.live.as_ref().map(|s| s.subscribe())
        } else {
            None
        }
    }
}

/// The handle a recorder pushes events through while the trace is served.
#[derive(Debug, Clone)]
pub struct LiveTrace {
    pub(super) entry: Arc<TraceEntry>,
}

impl LiveTrace {
    /// The trace's id.
    pub fn id(&self) -> &str {
        &self.entry.meta.id
    }

    /// Adds an event to the trace and sends it to every open page.
    pub fn push(&self, e: Event) {
        let e = Arc::new(e);
        self.entry.index.write().unwrap_or_else(|p| p.into_inner()).push((*e).clone());
        if let Some(tx) = &self.entry.live {
            // No receiver is not an error: nobody is watching.
            let _ = tx.send(e);
        }
    }

    /// Marks the end of the recording; open pages are told and their streams end.
    pub fn finish(&self) {
        self.entry.finished.store(true, std::sync::atomic::Ordering::Release);
        if let Some(tx) = &self.entry.live {
            // Receivers see the channel close once every sender is gone; the entry keeps one,
            // so streams also watch `finished`.
            let _ = tx.send(Arc::new(end_marker()));
        }
    }
}

/// The sentinel sent on a live channel when the recording ends (never stored).
pub(crate) fn end_marker() -> Event {
    Event {
        seq: u64::MAX,
        t_ns: 0,
        end_ns: 0,
        dir: None,
        dlci: None,
        meaning: None,
        kind: EventKind::Mark { text: String::new() },
    }
}
