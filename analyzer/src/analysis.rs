//! One decoding session: records in, timeline events out, with the running summary.
//!
//! This is what every surface (the CLI, the viewer, record and replay) drives, so that a file,
//! a live port and a replay give the same timeline.

use crate::chunk::Record;
use crate::report::Summary;
use crate::timeline::{Config, Event, TimelineBuilder};

/// A decoding session.
pub struct Analysis {
    builder: TimelineBuilder,
    summary: Summary,
}

impl Analysis {
    /// A session with the given decoder configuration.
    pub fn new(cfg: Config) -> Self {
        Analysis { builder: TimelineBuilder::new(cfg), summary: Summary::default() }
    }

    /// Feeds one record; `sink` gets every event that became ready.
    pub fn push(&mut self, rec: &Record, sink: &mut dyn FnMut(&Event)) {
        self.builder.push(rec);
        self.drain(sink);
    }

    /// Ends the session; `sink` gets the last events.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&Event)) {
        self.builder.finish();
        self.drain(sink);
    }

    fn drain(&mut self, sink: &mut dyn FnMut(&Event)) {
        for e in self.builder.drain() {
            self.summary.add(&e);
            sink(&e);
        }
    }

    /// Counts so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The decoder (for the SLM version in use).
    pub fn timeline(&self) -> &TimelineBuilder {
        &self.builder
    }
}

/// Decodes a whole record stream into a vector of events (for tests and small traces).
pub fn decode_all<I, E>(records: I, cfg: Config) -> Result<(Vec<Event>, Summary), E>
where
    I: IntoIterator<Item = Result<Record, E>>,
{
    let mut a = Analysis::new(cfg);
    let mut events = Vec::new();
    for r in records {
        a.push(&r?, &mut |e| events.push(e.clone()));
    }
    a.finish(&mut |e| events.push(e.clone()));
    Ok((events, a.summary().clone()))
}
