//! Decoded traces held in memory, indexed for the viewer's queries.
//!
//! Each trace is decoded once with [`Analysis`] into a [`TraceIndex`]: the analyzer's events in
//! emission order (serialised to JSON only when a request asks for one), plus compact indexes
//! over them: four lanes of 32-byte items sorted by time (findings and marks; the host side with
//! exchanges as spans; the modem side; the SLM's own log), the transcript rows in time order, the exchange members
//! and which findings name which event. Nothing here keeps a `serde_json::Value` per event.
//!
//! A [`TraceStore`] holds the traces a server serves, under ids made from their file names. It is
//! the only way from a URL to a trace: ids are looked up in a map, never joined to a path.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use atscope_analyzer::analysis::{Analysis, Options};
use atscope_analyzer::capture::{self, CaptureError, ImportOptions};
use atscope_analyzer::chunk::Dir;
use atscope_analyzer::finding::Severity;
use atscope_analyzer::report::Summary;
use atscope_analyzer::timeline::{Event, EventKind, ExchangeStatus};
use tokio::sync::broadcast;

/// The lanes of the timeline, top to bottom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Findings and marks.
    Findings = 0,
    /// What the host sent: exchanges (spans from command to final result), host payload.
    Host = 1,
    /// What the modem sent: URCs, information lines, results, resets, payload, garbage.
    Modem = 2,
    /// The SLM's own log (`NAME.log` beside the capture): one item per line.
    Log = 3,
}

impl Lane {
    /// All lanes, top to bottom.
    pub const ALL: [Lane; 4] = [Lane::Findings, Lane::Host, Lane::Modem, Lane::Log];

    /// The lane's name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Findings => "findings",
            Lane::Host => "host",
            Lane::Modem => "modem",
            Lane::Log => "log",
        }
    }

    /// The lane an event is drawn in, if any (commands are drawn as their exchange's span).
    pub fn of(e: &Event) -> Option<Lane> {
        match &e.kind {
            EventKind::Finding(_) | EventKind::Mark { .. } => Some(Lane::Findings),
            EventKind::Exchange { .. } => Some(Lane::Host),
            EventKind::Command { .. } => None,
            EventKind::Log(_) => Some(Lane::Log),
            _ if e.dir == Some(Dir::Host) => Some(Lane::Host),
            _ => Some(Lane::Modem),
        }
    }
}

/// How notable an event is, for colour: 0 plain, 1 note, 2 warning, 3 error.
pub fn level(e: &Event) -> u8 {
    match &e.kind {
        EventKind::Finding(f) => match f.severity {
            Severity::Note => 1,
            Severity::Warning => 2,
            Severity::Error => 3,
        },
        EventKind::Exchange { status, .. } => match status {
            ExchangeStatus::Ok => 0,
            ExchangeStatus::Open | ExchangeStatus::TimedOut => 2,
            ExchangeStatus::Error | ExchangeStatus::Aborted | ExchangeStatus::Lost => 3,
        },
        EventKind::Final { result, .. } if !result.is_ok() => 3,
        EventKind::Reset(_) => 3,
        EventKind::Garbage { .. } | EventKind::Condition { .. } => 2,
        EventKind::Command { invalid: Some(_), .. } | EventKind::Command { overflow: true, .. } => 2,
        EventKind::Mark { .. } => 1,
        EventKind::Log(l) => match l.level {
            atscope_analyzer::log::Level::Err => 3,
            atscope_analyzer::log::Level::Wrn => 2,
            _ => 0,
        },
        _ => 0,
    }
}

/// One drawable item of a lane: 32 bytes, sorted by `t` within its lane.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    /// Start, ns.
    pub t: i64,
    /// End, ns (equal to `t` for instants).
    pub end: i64,
    /// Index into [`TraceIndex::events`].
    pub idx: u32,
    /// [`level`] of the event.
    pub level: u8,
}

#[derive(Debug, Default)]
struct LaneIndex {
    items: Vec<Item>,
    /// `max_end[i]` = the latest end among `items[..=i]`, so that spans that started long before
    /// a window and still cover it are found with one binary search.
    max_end: Vec<i64>,
}

impl LaneIndex {
    fn insert(&mut self, it: Item) {
        // Events come nearly in time order; only exchange summaries land a little earlier.
        let pos = self.items.partition_point(|x| x.t <= it.t);
        self.items.insert(pos, it);
        self.max_end.insert(pos, 0);
        let mut m = if pos == 0 { i64::MIN } else { self.max_end[pos - 1] };
        for i in pos..self.items.len() {
            m = m.max(self.items[i].end);
            if self.max_end[i] == m && i > pos {
                break;
            }
            self.max_end[i] = m;
        }
    }

    /// The index range of items that may overlap `[from, to]` (start <= to, and no item before
    /// the range ends at or after `from`).
    fn candidates(&self, from: i64, to: i64) -> std::ops::Range<usize> {
        let lo = self.max_end.partition_point(|&m| m < from);
        let hi = self.items.partition_point(|x| x.t <= to);
        lo..hi.max(lo)
    }
}

/// What a lane shows for one window: the items themselves, or counts per pixel column.
#[derive(Debug)]
pub enum LaneWindow<'a> {
    /// Few enough to draw one by one.
    Items(Vec<&'a Item>),
    /// Too many: per column, how many start there, how many spans cover it, the worst level.
    Buckets {
        /// Width of one column, ns.
        bucket_ns: f64,
        /// Items starting in the column.
        count: Vec<u32>,
        /// Spans covering the column (exchanges in flight).
        cover: Vec<u32>,
        /// Highest [`level`] of the items in the column.
        level: Vec<u8>,
    },
}

/// A transcript row filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RowFilter {
    /// Case-insensitive text that the row's text must contain.
    pub text: Option<String>,
    /// Command, URC or information line name, case-insensitive (`+CEREG`).
    pub name: Option<String>,
    /// Event types to keep (`urc`, `command`); empty = all.
    pub types: Vec<String>,
}

impl RowFilter {
    /// Whether the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.text.is_none() && self.name.is_none() && self.types.is_empty()
    }
}

/// A trace decoded into events, with the indexes the viewer's queries need.
#[derive(Debug, Default)]
pub struct TraceIndex {
    events: Vec<Event>,
    lanes: [LaneIndex; 4],
    /// Transcript rows: `(row time, index)` sorted by time then seq.
    rows: Vec<(i64, u32)>,
    /// Finding event indices, in time order.
    findings: Vec<(i64, u32)>,
    /// Exchange id → indices of its command, information lines, payload, final, summary.
    exchanges: HashMap<u32, Vec<u32>>,
    /// Event seq → indices of the findings that name it.
    finding_refs: HashMap<u64, Vec<u32>>,
    /// Names of commands, URCs and information lines, with counts.
    names: BTreeMap<(String, &'static str), u64>,
    summary: Summary,
    /// One cached filtered row list (the transcript pages through it).
    filtered: Mutex<Option<(RowFilter, Arc<Vec<u32>>)>>,
}

impl TraceIndex {
    /// An empty index.
    pub fn new() -> Self {
        TraceIndex::default()
    }

    /// Builds an index from events (in emission order).
    pub fn from_events(events: impl IntoIterator<Item = Event>) -> Self {
        let mut ix = TraceIndex::new();
        for e in events {
            ix.push(e);
        }
        ix
    }

    /// Adds one event. Events must come in increasing `seq` (emission order).
    pub fn push(&mut self, e: Event) {
        let idx = self.events.len() as u32;
        self.summary.add(&e);
        if let Some(lane) = Lane::of(&e) {
            self.lanes[lane as usize].insert(Item { t: e.t_ns, end: e.end_ns.max(e.t_ns), idx, level: level(&e) });
        }
        let shown = match &e.kind {
            // The command, its lines and its result are rows already; an exchange summary is a
            // row only when it tells something new (like the terminal view).
            EventKind::Exchange { status, .. } => {
                matches!(status, ExchangeStatus::Open | ExchangeStatus::TimedOut | ExchangeStatus::Aborted)
            }
            _ => true,
        };
        if shown {
            let t = if matches!(e.kind, EventKind::Exchange { .. }) { e.end_ns } else { e.t_ns };
            let pos = self.rows.partition_point(|&(rt, _)| rt <= t);
            self.rows.insert(pos, (t, idx));
        }
        if let Some(x) = e.exchange() {
            self.exchanges.entry(x).or_default().push(idx);
        }
        if let EventKind::Finding(f) = &e.kind {
            let pos = self.findings.partition_point(|&(ft, _)| ft <= e.t_ns);
            self.findings.insert(pos, (e.t_ns, idx));
            for s in &f.events {
                self.finding_refs.entry(*s).or_default().push(idx);
            }
        }
        let kind = match &e.kind {
            EventKind::Command { .. } => Some("command"),
            EventKind::Urc { .. } => Some("urc"),
            _ => None,
        };
        if let (Some(kind), Some(name)) = (kind, e.name()) {
            *self.names.entry((name.to_string(), kind)).or_default() += 1;
        }
        self.events.push(e);
        *self.filtered.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// All events, in emission order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The counts.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// The event with this `seq`.
    pub fn by_seq(&self, seq: u64) -> Option<&Event> {
        self.events.binary_search_by_key(&seq, |e| e.seq).ok().map(|i| &self.events[i])
    }

    /// Command and URC names with their type and count.
    pub fn names(&self) -> impl Iterator<Item = (&str, &'static str, u64)> {
        self.names.iter().map(|((n, k), c)| (n.as_str(), *k, *c))
    }

    /// Items of `lane` overlapping `[from, to]`, one by one when there are at most `max_items`,
    /// else aggregated into `px` columns.
    pub fn window(&self, lane: Lane, from: i64, to: i64, px: usize, max_items: usize) -> LaneWindow<'_> {
        let li = &self.lanes[lane as usize];
        let range = li.candidates(from, to);
        let overlapping = li.items[range.clone()].iter().filter(move |it| it.end >= from);
        if range.len() <= max_items {
            return LaneWindow::Items(overlapping.collect());
        }
        let px = px.max(1);
        let bucket_ns = (to - from) as f64 / px as f64;
        let col = |t: i64| (((t - from) as f64 / bucket_ns).floor().max(0.0) as usize).min(px - 1);
        let mut count = vec![0u32; px];
        let mut level = vec![0u8; px];
        let mut diff = vec![0i64; px + 1];
        for it in overlapping {
            let c0 = col(it.t);
            if it.t >= from {
                count[c0] += 1;
            }
            level[c0] = level[c0].max(it.level);
            if it.end > it.t {
                diff[c0] += 1;
                diff[col(it.end) + 1] -= 1;
            }
        }
        let mut cover = Vec::with_capacity(px);
        let mut run = 0i64;
        for d in &diff[..px] {
            run += d;
            cover.push(run as u32);
        }
        LaneWindow::Buckets { bucket_ns, count, cover, level }
    }

    /// Number of transcript rows.
    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// The transcript rows a filter keeps (indices into [`TraceIndex::events`]), cached.
    pub fn filtered_rows(&self, f: &RowFilter) -> Arc<Vec<u32>> {
        let mut cache = self.filtered.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cf, rows)) = cache.as_ref() {
            if cf == f {
                return rows.clone();
            }
        }
        let text = f.text.as_ref().map(|t| t.to_lowercase());
        let name = f.name.as_ref().map(|n| n.to_ascii_uppercase());
        let rows: Vec<u32> = self
            .rows
            .iter()
            .map(|&(_, i)| i)
            .filter(|&i| {
                let e = &self.events[i as usize];
                if !f.types.is_empty() && !f.types.iter().any(|t| t == e.kind.type_name()) {
                    return false;
                }
                if let Some(n) = &name {
                    if e.name().is_none_or(|en| !en.eq_ignore_ascii_case(n)) {
                        return false;
                    }
                }
                if let Some(t) = &text {
                    let r = crate::render::row_text(e);
                    if !r.to_lowercase().contains(t.as_str()) && !e.name().is_some_and(|n| n.to_lowercase().contains(t))
                    {
                        return false;
                    }
                }
                true
            })
            .collect();
        let rows = Arc::new(rows);
        *cache = Some((f.clone(), rows.clone()));
        rows
    }

    /// Transcript rows (event indices) through `filter`: the total, and the page at `offset`.
    pub fn rows(&self, filter: &RowFilter, offset: usize, limit: usize) -> (usize, Vec<&Event>) {
        if filter.is_empty() {
            let page = self.rows.iter().skip(offset).take(limit).map(|&(_, i)| &self.events[i as usize]).collect();
            return (self.rows.len(), page);
        }
        let rows = self.filtered_rows(filter);
        let page = rows.iter().skip(offset).take(limit).map(|&i| &self.events[i as usize]).collect();
        (rows.len(), page)
    }

    /// The position of the first row at or after `t` through `filter`.
    pub fn row_at(&self, filter: &RowFilter, t: i64) -> usize {
        if filter.is_empty() {
            return self.rows.partition_point(|&(rt, _)| rt < t);
        }
        let rows = self.filtered_rows(filter);
        rows.partition_point(|&i| row_time(&self.events[i as usize]) < t)
    }

    /// The position of the row of event `seq` through `filter`, if it has one.
    pub fn row_of(&self, filter: &RowFilter, seq: u64) -> Option<usize> {
        let e = self.by_seq(seq)?;
        let t = row_time(e);
        let start = self.row_at(filter, t);
        let (_, page) = self.rows(filter, start, usize::MAX);
        page.iter().take_while(|r| row_time(r) == t).position(|r| r.seq == seq).map(|p| start + p)
    }

    /// Findings (as events) in time order, those with a severity in `sev` (all if empty).
    pub fn findings<'a>(&'a self, sev: &'a [Severity]) -> impl Iterator<Item = &'a Event> + 'a {
        self.findings.iter().map(|&(_, i)| &self.events[i as usize]).filter(move |e| match &e.kind {
            EventKind::Finding(f) => sev.is_empty() || sev.contains(&f.severity),
            _ => false,
        })
    }

    /// The events that belong with `e`: its exchange's command, lines, result and summary.
    /// For a reset: the command and summary of the exchanges it aborted and of the last command.
    pub fn related(&self, e: &Event) -> Vec<&Event> {
        let members = |x: u32| self.exchanges.get(&x).into_iter().flatten().map(|&i| &self.events[i as usize]);
        match (&e.kind, e.exchange()) {
            (_, Some(x)) => members(x).collect(),
            (EventKind::Reset(r), None) => {
                let mut ids: Vec<u32> = r.aborted.iter().copied().chain(r.last_command).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.into_iter()
                    .flat_map(|x| {
                        members(x).filter(|m| matches!(m.kind, EventKind::Command { .. } | EventKind::Exchange { .. }))
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The findings about `e` or about an event of its exchange (or `e` itself if it is one).
    pub fn findings_about(&self, e: &Event) -> Vec<&Event> {
        let mut seqs: Vec<u64> = vec![e.seq];
        seqs.extend(self.related(e).iter().map(|r| r.seq));
        let mut out: Vec<u32> =
            seqs.iter().flat_map(|s| self.finding_refs.get(s).into_iter().flatten().copied()).collect();
        out.sort_unstable();
        out.dedup();
        out.into_iter().map(|i| &self.events[i as usize]).filter(|f| f.seq != e.seq).collect()
    }
}

/// The time a transcript row is shown at: an exchange summary at its end, others at their start.
pub fn row_time(e: &Event) -> i64 {
    if matches!(e.kind, EventKind::Exchange { .. }) {
        e.end_ns
    } else {
        e.t_ns
    }
}

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
    index: RwLock<TraceIndex>,
    live: Option<broadcast::Sender<Arc<Event>>>,
    finished: std::sync::atomic::AtomicBool,
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
    entry: Arc<TraceEntry>,
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
    Event { seq: u64::MAX, t_ns: 0, end_ns: 0, dir: None, meaning: None, kind: EventKind::Mark { text: String::new() } }
}

/// How many uploaded traces are kept; the oldest upload goes when one more arrives.
pub const MAX_UPLOADS: usize = 16;

/// The traces a server serves.
#[derive(Debug, Default)]
pub struct TraceStore {
    traces: RwLock<Vec<Arc<TraceEntry>>>,
    failed: RwLock<Vec<Failed>>,
}

/// A capture that could not be loaded: listed with its error, the rest is still served.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failed {
    /// Its name (the path relative to the folder given, or the file name).
    pub name: String,
    /// Why (one line).
    pub error: String,
}

/// What [`TraceStore::add_paths`] loaded.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Traces added.
    pub added: usize,
    /// Files in the given directories that are not captures.
    pub skipped: Vec<String>,
    /// Captures that could not be decoded (also kept in the store, see [`TraceStore::failed`]).
    pub failed: Vec<Failed>,
}

/// Why a file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The capture could not be opened or read.
    #[error(transparent)]
    Capture(#[from] CaptureError),
    /// A directory could not be listed.
    #[error("{path}: {err}")]
    Dir {
        /// The directory.
        path: PathBuf,
        /// The I/O error (in the message, so not also a `source`).
        err: std::io::Error,
    },
    /// Nothing to serve.
    #[error("no capture found in {0}")]
    Empty(String),
    /// Every capture failed to load (the first error).
    #[error("{0}")]
    Failed(String),
}

/// A decoded capture, ready to be added to a store.
#[derive(Debug)]
pub struct Decoded {
    /// The index.
    pub index: TraceIndex,
    /// The format's name.
    pub format: String,
    /// The SLM version used.
    pub slm: String,
    /// What the importer said.
    pub notes: Vec<String>,
}

/// Decodes a capture file (any format [`capture::open_records`] reads) into an index.
pub fn decode_file(path: &Path, opts: &ImportOptions) -> Result<Decoded, CaptureError> {
    let never = std::sync::atomic::AtomicBool::new(false);
    decode_file_until(path, opts, &never).map(|d| d.expect("never cancelled"))
}

/// [`decode_file`], stopping (`Ok(None)`) as soon as `cancel` is set (checked between records).
pub fn decode_file_until(
    path: &Path,
    opts: &ImportOptions,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Option<Decoded>, CaptureError> {
    let cancelled = || cancel.load(std::sync::atomic::Ordering::Relaxed);
    let mut records = capture::open_records(path, opts)?;
    let format = records.source_mut().format_name().to_string();
    let mut notes = vec![records.explanation().to_string()];
    notes.extend(records.source_mut().notes());
    let mut analysis = Analysis::new(Options::default());
    // The SLM's own log beside the capture (`NAME.log`), as `atscope check` reads it.
    if let Some(log) = atscope_analyzer::log::beside(path) {
        analysis.attach_log(Box::new(atscope_analyzer::log::open(&log).map_err(|e| CaptureError::io(&log, e))?), None);
    }
    let mut index = TraceIndex::new();
    analysis.capture_checks(&records, &mut |e| index.push(e.clone()));
    for rec in records.by_ref() {
        if cancelled() {
            return Ok(None);
        }
        analysis.push(&rec?, &mut |e| index.push(e.clone()));
    }
    if cancelled() {
        return Ok(None);
    }
    analysis.finish(&mut |e| index.push(e.clone()));
    notes.extend(records.source_mut().take_warnings().into_iter().map(|w| format!("warning: {w}")));
    let tl = analysis.timeline();
    let slm = if tl.version_known() { tl.version().to_string() } else { format!("{} (assumed)", tl.version()) };
    Ok(Some(Decoded { index, format, slm, notes }))
}

/// A URL-safe id from a name: lower-case letters, digits, `.`, `-`, `_`.
fn slug(name: &str) -> String {
    let stem = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = stem.strip_suffix(".atrace").or_else(|| stem.strip_suffix(".csv")).unwrap_or(stem);
    let mut s: String =
        stem.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
    s = s.trim_matches(['-', '.']).chars().take(64).collect();
    if s.is_empty() {
        "trace".into()
    } else {
        s
    }
}

impl TraceStore {
    /// An empty store.
    pub fn new() -> Self {
        TraceStore::default()
    }

    /// All traces, in the order they were added.
    pub fn list(&self) -> Vec<Arc<TraceEntry>> {
        self.traces.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The trace with this id.
    pub fn get(&self, id: &str) -> Option<Arc<TraceEntry>> {
        self.traces.read().unwrap_or_else(|p| p.into_inner()).iter().find(|t| t.meta.id == id).cloned()
    }

    fn add_entry(
        &self,
        name: &str,
        origin: Origin,
        d: Decoded,
        live: Option<broadcast::Sender<Arc<Event>>>,
    ) -> Arc<TraceEntry> {
        let mut traces = self.traces.write().unwrap_or_else(|p| p.into_inner());
        if origin == Origin::Upload {
            let uploads = traces.iter().filter(|t| t.meta.origin == Origin::Upload).count();
            if uploads >= MAX_UPLOADS {
                if let Some(p) = traces.iter().position(|t| t.meta.origin == Origin::Upload) {
                    traces.remove(p);
                }
            }
        }
        let base = slug(name);
        let mut id = base.clone();
        let mut n = 2;
        while traces.iter().any(|t| t.meta.id == id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        let meta = TraceMeta { id, name: name.to_string(), origin, format: d.format, slm: d.slm, notes: d.notes };
        let entry = Arc::new(TraceEntry {
            meta,
            index: RwLock::new(d.index),
            live,
            finished: std::sync::atomic::AtomicBool::new(false),
        });
        traces.push(entry.clone());
        entry
    }

    /// Adds a decoded trace under a fresh id made from `name`.
    pub fn add(&self, name: &str, origin: Origin, d: Decoded) -> Arc<TraceEntry> {
        self.add_entry(name, origin, d, None)
    }

    /// Adds a trace built from events (tests, benchmarks, synthetic findings).
    pub fn add_events(&self, name: &str, events: impl IntoIterator<Item = Event>) -> Arc<TraceEntry> {
        let d = Decoded {
            index: TraceIndex::from_events(events),
            format: "events".into(),
            slm: String::new(),
            notes: Vec::new(),
        };
        self.add(name, Origin::Memory, d)
    }

    /// Starts a live trace: events pushed into the handle are stored and sent to open pages.
    pub fn add_live(&self, name: &str, format: &str) -> LiveTrace {
        let (tx, _) = broadcast::channel(4096);
        let d = Decoded { index: TraceIndex::new(), format: format.into(), slm: String::new(), notes: Vec::new() };
        LiveTrace { entry: self.add_entry(name, Origin::Live, d, Some(tx)) }
    }

    /// Decodes and adds a capture file.
    pub fn add_file(&self, path: &Path, name: &str, opts: &ImportOptions) -> Result<Arc<TraceEntry>, CaptureError> {
        let d = decode_file(path, opts)?;
        Ok(self.add(name, Origin::File, d))
    }

    /// Records a capture that could not be loaded, to be listed with its error.
    pub fn add_failed(&self, name: &str, error: &str) -> Failed {
        let f = Failed { name: name.to_string(), error: error.to_string() };
        self.failed.write().unwrap_or_else(|p| p.into_inner()).push(f.clone());
        f
    }

    /// The captures that could not be loaded.
    pub fn failed(&self) -> Vec<Failed> {
        self.failed.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Adds the captures named on a command line (see [`capture_files`]), decoding them here; a
    /// capture that cannot be decoded is listed with its error ([`TraceStore::failed`]) and the
    /// others are still added. An error only when nothing could be added.
    pub fn add_paths(&self, paths: &[PathBuf], opts: &ImportOptions) -> Result<Loaded, LoadError> {
        let (files, skipped) = capture_files(paths)?;
        let mut loaded = Loaded { skipped, ..Default::default() };
        for (path, name) in files {
            match self.add_file(&path, &name, opts) {
                Ok(_) => loaded.added += 1,
                Err(e) => loaded.failed.push(self.add_failed(&name, &short_error(&e.to_string()))),
            }
        }
        loaded.check(paths)?;
        Ok(loaded)
    }
}

impl Loaded {
    /// An error when nothing was added: [`LoadError::Failed`] naming the first failure, or
    /// [`LoadError::Empty`].
    pub fn check(&self, paths: &[PathBuf]) -> Result<(), LoadError> {
        if self.added > 0 {
            return Ok(());
        }
        if let Some(f) = self.failed.first() {
            return Err(LoadError::Failed(f.error.clone()));
        }
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        Err(LoadError::Empty(names.join(", ")))
    }
}

/// Most characters of an error message shown (a message may quote the input).
pub const MAX_ERROR_CHARS: usize = 300;

/// `msg` cut to [`MAX_ERROR_CHARS`] characters (on a character boundary), first line only.
pub fn short_error(msg: &str) -> String {
    let line = msg.lines().next().unwrap_or("");
    if line.chars().count() <= MAX_ERROR_CHARS && line.len() == msg.len() {
        return line.to_string();
    }
    let mut s: String = line.chars().take(MAX_ERROR_CHARS).collect();
    s.push('…');
    s
}

/// A capture file to load and the name it is shown under.
pub type CaptureFile = (PathBuf, String);

/// The capture files named on a command line: files as given, directories searched recursively
/// (hidden entries skipped) for files whose content is a capture; with the name each is shown
/// under (the file name, or the path relative to the directory). Also the names of the files in
/// directories that are not captures.
pub fn capture_files(paths: &[PathBuf]) -> Result<(Vec<CaptureFile>, Vec<String>), LoadError> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)?;
            files.sort();
            for f in files {
                let rel = f.strip_prefix(p).unwrap_or(&f).to_string_lossy().replace('\\', "/");
                if capture::detect::detect(&f).is_err() {
                    skipped.push(rel);
                    continue;
                }
                out.push((f, rel));
            }
        } else {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            out.push((p.clone(), name));
        }
    }
    Ok((out, skipped))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let err = |err| LoadError::Dir { path: dir.to_path_buf(), err };
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let entry = entry.map_err(err)?;
        let ft = entry.file_type().map_err(err)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if ft.is_dir() {
            walk(&entry.path(), out)?;
        } else if ft.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: u64, t: i64, end: i64, kind: EventKind) -> Event {
        Event { seq, t_ns: t, end_ns: end, dir: Some(Dir::Modem), meaning: None, kind }
    }

    fn urc(seq: u64, t: i64) -> Event {
        use atscope_analyzer::timeline::event::Bytes;
        ev(seq, t, t, EventKind::Urc { name: "+CEREG".into(), params: Vec::new(), line: Bytes(b"+CEREG: 1".to_vec()) })
    }

    #[test]
    fn a_long_span_that_started_before_the_window_is_found() {
        use atscope_analyzer::timeline::event::Bytes;
        let mut ix = TraceIndex::new();
        let x = EventKind::Exchange {
            id: 1,
            name: "+CFUN".into(),
            line: Bytes(b"AT+CFUN=1".to_vec()),
            status: ExchangeStatus::Open,
            result: None,
            latency_ns: None,
            info_lines: 0,
        };
        ix.push(ev(0, 10, 1_000, x));
        for i in 1..50 {
            let mut u = urc(i, 20 + i as i64);
            u.dir = Some(Dir::Host);
            ix.push(u);
        }
        match ix.window(Lane::Host, 500, 600, 10, 100) {
            LaneWindow::Items(items) => assert_eq!(items.iter().map(|i| i.idx).collect::<Vec<_>>(), vec![0]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dense_windows_are_aggregated_into_columns() {
        let ix = TraceIndex::from_events((0..1000).map(|i| urc(i, i as i64 * 10)));
        match ix.window(Lane::Modem, 0, 10_000, 10, 100) {
            LaneWindow::Buckets { count, .. } => {
                assert_eq!(count.len(), 10);
                assert_eq!(count.iter().sum::<u32>(), 1000);
                assert!(count.iter().all(|&c| c == 100), "{count:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rows_are_in_time_order_and_filter_by_name_and_text() {
        let mut ix = TraceIndex::new();
        ix.push(urc(0, 30));
        ix.push(urc(1, 10));
        assert_eq!(ix.rows(&RowFilter::default(), 0, 10).1.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 0]);
        let f = RowFilter { name: Some("+cereg".into()), ..Default::default() };
        assert_eq!(ix.rows(&f, 0, 10).0, 2);
        let f = RowFilter { text: Some("nothing".into()), ..Default::default() };
        assert_eq!(ix.rows(&f, 0, 10).0, 0);
        assert_eq!(ix.row_at(&RowFilter::default(), 20), 1);
        assert_eq!(ix.row_of(&RowFilter::default(), 0), Some(1));
    }

    #[test]
    fn ids_are_slugs_and_unique() {
        let s = TraceStore::new();
        let a = s.add_events("../../etc/pass wd.atrace", []);
        let b = s.add_events("pass wd.atrace", []);
        assert_eq!(a.meta.id, "pass-wd");
        assert_eq!(b.meta.id, "pass-wd-2");
    }
}
