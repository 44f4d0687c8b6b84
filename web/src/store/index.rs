//! One decoded trace's events with the indexes the viewer queries: the lanes, the transcript
//! rows in time order (filtered, cached per filter), the exchange members and which findings
//! name which event.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use atscope_analyzer::finding::Severity;
use atscope_analyzer::report::Summary;
use atscope_analyzer::timeline::{Event, EventKind, ExchangeStatus};

use super::lanes::{level, Item, Lane, LaneIndex, LaneWindow};

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
    lanes: [LaneIndex; 6],
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

    /// How many items `lane` holds.
    pub fn lane_len(&self, lane: Lane) -> usize {
        self.lanes[lane as usize].items.len()
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

#[cfg(test)]
mod tests {
    use super::*;
    use atscope_analyzer::chunk::Dir;

    fn ev(seq: u64, t: i64, end: i64, kind: EventKind) -> Event {
        Event { seq, t_ns: t, end_ns: end, dir: Some(Dir::Modem), dlci: None, meaning: None, kind }
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
}
