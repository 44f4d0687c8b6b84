//! The timeline's lanes: which lane an event is drawn in, its level, the compact items a lane
//! holds sorted by time, and what a window of a lane shows (items, or counts per pixel column).

use atscope_analyzer::chunk::Dir;
use atscope_analyzer::finding::Severity;
use atscope_analyzer::timeline::event::CmuxDrop;
use atscope_analyzer::timeline::{Event, EventKind, ExchangeStatus};

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
    /// A CMUX link's own frames: the control channel (DLCI 0: SABM/UA/DM/DISC, MSC…), frames a
    /// receiver dropped, bytes outside frames, the mux going up or down, other channels' data.
    /// (The AT channel's events are in the host and modem lanes.)
    Cmux = 4,
    /// The PPP channel of a CMUX link: one item per PPP frame.
    Ppp = 5,
}

impl Lane {
    /// All lanes, top to bottom.
    pub const ALL: [Lane; 6] = [Lane::Findings, Lane::Host, Lane::Modem, Lane::Log, Lane::Cmux, Lane::Ppp];

    /// The lane's name in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Findings => "findings",
            Lane::Host => "host",
            Lane::Modem => "modem",
            Lane::Log => "log",
            Lane::Cmux => "cmux",
            Lane::Ppp => "ppp",
        }
    }

    /// The lane an event is drawn in, if any (commands are drawn as their exchange's span).
    pub fn of(e: &Event) -> Option<Lane> {
        match &e.kind {
            EventKind::Finding(_) | EventKind::Mark { .. } => Some(Lane::Findings),
            EventKind::Exchange { .. } => Some(Lane::Host),
            EventKind::Command { .. } => None,
            EventKind::Log(_) => Some(Lane::Log),
            EventKind::Ppp(_) => Some(Lane::Ppp),
            EventKind::Payload { owner, .. } if owner == "PPP channel" => Some(Lane::Ppp),
            EventKind::Cmux { .. } | EventKind::CmuxStray { .. } | EventKind::CmuxState { .. } => Some(Lane::Cmux),
            // Data of a channel that is neither the AT nor the PPP one.
            EventKind::Payload { exchange: None, .. } if e.dlci.is_some() => Some(Lane::Cmux),
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
        EventKind::Cmux { dropped: Some(CmuxDrop::Fcs), .. } => 3,
        EventKind::Cmux { dropped: Some(_), .. } | EventKind::CmuxStray { plain_at: true, .. } => 2,
        EventKind::CmuxState { up: false, .. } => 3,
        EventKind::Ppp(p) if !p.fcs_ok => 3,
        // An LCP Terminate-Request.
        EventKind::Ppp(p) if p.number == atscope_analyzer::ppp::LCP && p.code_number == Some(5) => 2,
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
    /// Index into [`TraceIndex::events`](super::TraceIndex::events).
    pub idx: u32,
    /// [`level`] of the event.
    pub level: u8,
}

#[derive(Debug, Default)]
pub(super) struct LaneIndex {
    pub(super) items: Vec<Item>,
    /// `max_end[i]` = the latest end among `items[..=i]`, so that spans that started long before
    /// a window and still cover it are found with one binary search.
    pub(super) max_end: Vec<i64>,
}

impl LaneIndex {
    pub(super) fn insert(&mut self, it: Item) {
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
    pub(super) fn candidates(&self, from: i64, to: i64) -> std::ops::Range<usize> {
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
