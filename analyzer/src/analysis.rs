//! One decoding session: records in, timeline events with meanings and findings out.
//!
//! This is what every surface (the CLI, the viewer, record and replay, the regression check)
//! drives, so that a file, a live port and a replay give the same timeline:
//!
//! ```
//! use atscope_analyzer::analysis::{Analysis, Options};
//! use atscope_analyzer::chunk::{Chunk, Dir, Record};
//!
//! let mut a = Analysis::new(Options::default());
//! let mut lines = Vec::new();
//! a.push(&Record::Chunk(Chunk::bytes(0, Dir::Host, b"AT#XMQTTCON=0\r\n".to_vec())), &mut |e| lines.push(e.clone()));
//! a.push(&Record::Chunk(Chunk::bytes(9_000_000, Dir::Modem, b"\xc0\xffReady\r\n".to_vec())), &mut |e| lines.push(e.clone()));
//! a.finish(&mut |e| lines.push(e.clone()));
//! assert_eq!(a.summary().findings[2], 3); // reset, missing final result, missing #XMQTTEVT: 1
//! ```

mod log;
pub mod pipeline;

use crate::chunk::Record;
use crate::finding::Finding;
use crate::mux::Link;
use crate::redact::redact_event;
use crate::report::Summary;
use crate::rules::{RuleConfig, Rules};
use crate::timeline::{Config, DecoderState, Event, EventKind, TimelineBuilder};

/// How to analyse.
#[derive(Debug, Clone)]
pub struct Options {
    /// Decoder settings (terminator, SLM version).
    pub decoder: Config,
    /// Finding severities.
    pub rules: RuleConfig,
    /// Redact credentials and passwords in the events given out (default on).
    pub redact: bool,
    /// Attach the knowledge base's meanings to events (default on; off when only findings are
    /// wanted).
    pub meanings: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { decoder: Config::default(), rules: RuleConfig::default(), redact: true, meanings: true }
    }
}

/// A decoding session.
pub struct Analysis {
    /// The plain UART or its CMUX channels, in front of the timeline builder.
    link: Link,
    rules: Rules,
    redact: bool,
    meanings: bool,
    seq: u64,
    summary: Summary,
    pending: Vec<Event>,
    /// The decoder state of `pending`'s events, where it changes.
    states: Vec<(usize, DecoderState)>,
    /// The decoder state of the last event handed out.
    state: DecoderState,
    /// The buffer the next event's meaning is written into (kept while events get none).
    spare_meaning: String,
    /// The SLM's own log, when one was given ([`Analysis::attach_log`]).
    log: Option<log::LogFeed>,
    /// The latest UART time seen (log lines go out up to it).
    log_clock: i64,
}

impl Analysis {
    /// A session with the given options.
    pub fn new(opts: Options) -> Self {
        let builder = TimelineBuilder::new(opts.decoder);
        Analysis {
            state: builder.state(),
            states: Vec::new(),
            link: Link::new(builder),
            rules: Rules::new(opts.rules),
            redact: opts.redact,
            meanings: opts.meanings,
            seq: 0,
            summary: Summary::default(),
            pending: Vec::new(),
            spare_meaning: String::new(),
            log: None,
            log_clock: i64::MIN,
        }
    }

    /// Names the code of a crash in the SLM's log (`slm.crash`) with the firmware's ELF.
    pub fn use_symbols(&mut self, symbols: crate::symbols::Symbols) {
        self.rules.use_symbols(symbols);
    }

    /// Reads the SLM's own log beside the UART: `items` are its lines (from
    /// [`crate::log::segment::Reader`] over the file, pulled as the UART's time reaches them);
    /// `forced_offset_ns` is `--log-offset` (the log's uptime 0 at that time of the capture).
    /// Call before the first record.
    pub fn attach_log(
        &mut self,
        items: Box<dyn Iterator<Item = crate::log::segment::Item> + Send>,
        forced_offset_ns: Option<i64>,
    ) {
        self.log = Some(log::LogFeed::new(items, forced_offset_ns, self.redact));
    }

    /// Hands out the log lines placed at or before `t` (all that are left when `t` is `None`).
    fn drain_log(&mut self, t: Option<i64>, sink: &mut dyn FnMut(&Event)) {
        let Some(mut feed) = self.log.take() else { return };
        loop {
            let next = match t {
                Some(t) => feed.aligner.next_before(t),
                None => feed.aligner.next_at_end(),
            };
            let Some((at, item)) = next else { break };
            let entry = feed.entry(item, self.seq);
            let e = Event {
                seq: self.seq,
                t_ns: at,
                end_ns: at,
                dir: None,
                dlci: None,
                meaning: None,
                kind: EventKind::Log(entry),
            };
            self.seq += 1;
            let findings = self.rules.observe(&e, &self.state);
            self.summary.add(&e);
            sink(&e);
            for (t0, t1, f) in findings {
                self.emit_finding(t0, t1, f, sink);
            }
            for (r, events) in feed.reports(false) {
                for (t0, t1, f) in self.rules.log_alignment(&r, events) {
                    self.emit_finding(t0, t1, f, sink);
                }
            }
        }
        if t.is_none() {
            for (r, events) in feed.reports(true) {
                for (t0, t1, f) in self.rules.log_alignment(&r, events) {
                    self.emit_finding(t0, t1, f, sink);
                }
            }
        }
        self.log = Some(feed);
    }

    /// Feeds one record; `sink` gets every event that became ready.
    pub fn push(&mut self, rec: &Record, sink: &mut dyn FnMut(&Event)) {
        self.link.push(rec);
        self.drain(sink);
    }

    /// Feeds one record without taking the events (a caller that batches records calls
    /// [`Analysis::drain`] when it wants them; the events are the same whenever it does).
    pub fn feed(&mut self, rec: &Record) {
        self.link.push(rec);
    }

    /// Ends the session; `sink` gets the last events and findings.
    pub fn finish(&mut self, sink: &mut dyn FnMut(&Event)) {
        self.link.finish();
        self.drain(sink);
        self.drain_log(None, sink);
        let findings = self.rules.finish();
        for (t0, t1, f) in findings {
            self.emit_finding(t0, t1, f, sink);
        }
    }

    /// Hands the events that are ready to `sink`.
    pub fn drain(&mut self, sink: &mut dyn FnMut(&Event)) {
        self.link.builder_mut().take_ready(&mut self.pending, &mut self.states);
        let mut batch = std::mem::take(&mut self.pending);
        let mut marks = std::mem::take(&mut self.states);
        let mut next_mark = marks.iter().peekable();
        // Each event is handled where it lies in the batch (an event is some 250 bytes; moving
        // each out of the vector was a measurable share of the time on chatty traffic).
        for (i, e) in batch.iter_mut().enumerate() {
            while let Some((_, s)) = next_mark.next_if(|(at, _)| *at <= i) {
                self.state = *s;
            }
            let version = self.state.version;
            if let Some(feed) = self.log.as_mut() {
                // Log lines placed before this event go out first; a Ready places its boot.
                feed.see(e);
                self.log_clock = self.log_clock.max(e.t_ns);
                self.drain_log(Some(self.log_clock), sink);
            }
            e.seq = self.seq;
            self.seq += 1;
            if self.meanings {
                let command = match &e.kind {
                    EventKind::Info { exchange, .. } | EventKind::Final { exchange: Some(exchange), .. } => {
                        self.rules.command_name(*exchange)
                    }
                    _ => None,
                };
                // Into a reused buffer: it moves into the event only when there is a meaning, so
                // events without one allocate nothing.
                let mut m = std::mem::take(&mut self.spare_meaning);
                m.clear();
                if crate::meaning::meaning_into(&mut m, e, command, version) {
                    e.meaning = Some(m);
                } else {
                    self.spare_meaning = m;
                }
            }
            // Redacted before the rules see it, so that no finding's message quotes a secret
            // (no rule needs a secret's content).
            if self.redact {
                redact_event(e, version);
            }
            let findings = self.rules.observe(e, &self.state);
            if let Some(v) = self.rules.take_revised_version() {
                self.link.builder_mut().revise_version(v);
            }
            self.summary.add(e);
            sink(e);
            if let Some(m) = e.meaning.take() {
                self.spare_meaning = m;
            }
            for (t0, t1, f) in findings {
                self.emit_finding(t0, t1, f, sink);
            }
        }
        // Keep the buffers' capacity for the next record.
        batch.clear();
        self.pending = batch;
        marks.clear();
        self.states = marks;
    }

    fn emit_finding(&mut self, t0: i64, t1: i64, f: Finding, sink: &mut dyn FnMut(&Event)) {
        let e = Event {
            seq: self.seq,
            t_ns: t0,
            end_ns: t1.max(t0),
            dir: None,
            dlci: None,
            meaning: None,
            kind: EventKind::Finding(f),
        };
        self.seq += 1;
        self.summary.add(&e);
        sink(&e);
    }

    /// Findings the capture itself tells before any record (a configured baud rate its pulses
    /// contradict); call once after opening it.
    /// It also takes the SLM version the file declares (an `.atrace` header), unless the user gave one.
    pub fn capture_checks(&mut self, records: &crate::capture::assign::Assigned, sink: &mut dyn FnMut(&Event)) {
        if let Some(v) = records.declared_slm().as_deref().and_then(crate::slm::SlmVersion::parse) {
            self.link.builder_mut().declare_version(v);
        }
        for (dir, name, m) in records.baud_mismatches() {
            for (t0, t1, f) in self.rules.baud_mismatch(dir, &name, &m) {
                self.emit_finding(t0, t1, f, sink);
            }
        }
    }

    /// Counts so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The decoder (for the SLM version in use).
    pub fn timeline(&self) -> &TimelineBuilder {
        self.link.builder()
    }
}

/// Decodes a whole record stream into a vector of events (for tests and small traces).
pub fn decode_all<I, E>(records: I, opts: Options) -> Result<(Vec<Event>, Summary), E>
where
    I: IntoIterator<Item = Result<Record, E>>,
{
    let mut a = Analysis::new(opts);
    let mut events = Vec::new();
    for r in records {
        a.push(&r?, &mut |e| events.push(e.clone()));
    }
    a.finish(&mut |e| events.push(e.clone()));
    Ok((events, a.summary().clone()))
}
