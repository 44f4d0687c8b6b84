//! Chrome trace-event JSON, for ui.perfetto.dev and chrome://tracing.
//!
//! # Format choices
//!
//! * The JSON object format, `{"traceEvents":[…],"displayTimeUnit":"ns"}`, written as a stream:
//!   the opening, then each event as soon as it is known, then the closing. `ts` and `dur` are
//!   microseconds (the format's unit) with three decimals, so nanoseconds survive.
//! * One process (`pid` 1, named after the trace) with one thread per track (`M` metadata
//!   events name and order them): `host` (tid 1), `modem` (tid 2), `findings` (tid 3). Tracks
//!   are threads because that is what both viewers draw as a row.
//! * **Exchanges** are complete events (`ph: "X"`) on the host track, from the first byte of the
//!   command to the end of its final result (or to the reset or the end of the capture), named
//!   by the command, with the line, status, result and latency as `args`. Slices on one track
//!   must nest properly; exchanges never nest, so an exchange that overlaps an earlier one
//!   (pipelined commands) goes to the first extra track `host (overlapping N)` (tid 100+N) where
//!   it overlaps nothing. Exchanges are emitted when they end, in end order, so "the last slice
//!   on this track ended before this one starts" is enough to guarantee no overlap.
//! * **URCs, resets**, text lines, modem and host payloads, garbage, conditions and data-mode
//!   changes are instant events (`ph: "i"`, thread scope) on their side's track; marks are
//!   global instants. Information lines and final results are part of their exchange's slice.
//! * **Flow arrows** (`ph: "s"` / `"f"`, `cat: "promise"`) go from a command's slice to the URC
//!   it promised (`slm::table::PROMISES`: `#XMQTTCON=1` → `#XMQTTEVT: 0,…`, `#XRESET` →
//!   `Ready`). The start sits in the middle of the command's slice and binds to it (a flow
//!   start binds to its enclosing slice). The finish is written 1 ns before the URC's instant
//!   and without `bp: "e"`: an instant has no duration, so it never *encloses* a timestamp and
//!   Perfetto's importer would drop an enclosing-bound finish
//!   (`flow_no_enclosing_slice`); a finish without `bp` binds to the next slice on its track,
//!   which 1 ns later is the URC. A flow is written only once both ends are known, so every
//!   start has its finish.
//! * **The SLM's log** (`--log`): each line is an instant on the `log` track (tid 4, drawn
//!   between the modem and the findings), named `<level> module: text`, with level, module,
//!   segment and uptime as `args`.
//! * **Findings** are instant events on the `findings` track named by their message, with id,
//!   severity, help and the `seq` of the events they concern as `args`.
//!
//! State kept: the last end of each exchange track, and the promises still open (each dropped
//! once its deadline has passed), so memory stays flat however long the trace.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::ExportSink;
use crate::at::grammar::Param;
use crate::chunk::Dir;
use crate::slm::table::promises_of;
use crate::slm::table::Promise;
use crate::timeline::{Event, EventKind, ExchangeStatus};

/// Process id of the trace.
pub const PID: u32 = 1;
/// The host track (exchanges that do not overlap).
pub const TID_HOST: u32 = 1;
/// The modem track.
pub const TID_MODEM: u32 = 2;
/// The findings track.
pub const TID_FINDINGS: u32 = 3;
/// The SLM's own log (`--log`): one instant per line, named `level module: text`.
pub const TID_LOG: u32 = 4;
/// Extra exchange tracks are `TID_OVERLAP + n`.
pub const TID_OVERLAP: u32 = 100;

/// Slack added to a promise's deadline before it is forgotten.
const SLACK_NS: i64 = 1_000_000_000;

/// Settings of the writer.
#[derive(Debug, Clone)]
pub struct PerfettoOptions {
    /// The process name shown in the viewer (the trace's title or file name).
    pub process_name: String,
}

impl Default for PerfettoOptions {
    fn default() -> Self {
        PerfettoOptions { process_name: "atscope".into() }
    }
}

struct OpenPromise {
    exchange: u32,
    promise: &'static Promise,
    deadline: i64,
    /// (track, timestamp in the middle of the command's slice) once the exchange ended.
    slice: Option<(u32, i64)>,
    /// When the URC that settled it came (and on which track).
    urc: Option<i64>,
}

/// Counts of what was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerfettoStats {
    /// Trace events written (all phases).
    pub events: u64,
    /// Exchange slices.
    pub slices: u64,
    /// Flow arrows (start and finish pairs).
    pub flows: u64,
}

/// Streams events out as Chrome trace-event JSON.
pub struct PerfettoWriter<W: Write> {
    out: W,
    first: bool,
    /// Last end (ns) of each exchange track; index 0 is the host track.
    lanes: Vec<i64>,
    /// Promises made by commands and not yet drawn (or forgotten).
    promises: Vec<OpenPromise>,
    /// exchange id → command name, for slices of exchanges whose summary has no name.
    names: HashMap<u32, String>,
    next_flow: u64,
    stats: PerfettoStats,
}

/// Microseconds: nanoseconds have at most three decimals as microseconds, and dividing
/// integer nanoseconds (exact in an f64 below 2^53, some 285 years) by 1000 rounds once, to the
/// f64 nearest that three-decimal number: the one its decimal text would parse to.
fn us(ns: i64) -> Value {
    Value::from(ns as f64 / 1000.0)
}

impl<W: Write> PerfettoWriter<W> {
    /// Writes the opening and the metadata naming the process and tracks.
    pub fn new(mut out: W, opts: &PerfettoOptions) -> io::Result<Self> {
        out.write_all(b"{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n")?;
        let mut w = PerfettoWriter {
            out,
            first: true,
            lanes: vec![i64::MIN],
            promises: Vec::new(),
            names: HashMap::new(),
            next_flow: 1,
            stats: PerfettoStats::default(),
        };
        w.put(&json!({"ph": "M", "name": "process_name", "pid": PID, "tid": 0, "ts": 0, "args": {"name": opts.process_name}}))?;
        for (tid, name, order) in
            [(TID_HOST, "host", 0), (TID_MODEM, "modem", 1000), (TID_FINDINGS, "findings", 1001), (TID_LOG, "log", 999)]
        {
            w.thread_meta(tid, name, order)?;
        }
        Ok(w)
    }

    /// What was written so far.
    pub fn stats(&self) -> PerfettoStats {
        self.stats
    }

    fn thread_meta(&mut self, tid: u32, name: &str, order: u32) -> io::Result<()> {
        self.put(&json!({"ph": "M", "name": "thread_name", "pid": PID, "tid": tid, "ts": 0, "args": {"name": name}}))?;
        self.put(&json!({"ph": "M", "name": "thread_sort_index", "pid": PID, "tid": tid, "ts": 0, "args": {"sort_index": order}}))
    }

    fn put(&mut self, v: &Value) -> io::Result<()> {
        if !self.first {
            self.out.write_all(b",\n")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, v).map_err(io::Error::other)?;
        self.stats.events += 1;
        Ok(())
    }

    fn instant(&mut self, tid: u32, t_ns: i64, name: &str, cat: &str, args: Value) -> io::Result<()> {
        self.put(&json!({"ph": "i", "s": "t", "name": name, "cat": cat, "pid": PID, "tid": tid, "ts": us(t_ns), "args": args}))
    }

    fn flow(&mut self, label: &str, from: (u32, i64), to_ns: i64) -> io::Result<()> {
        let id = self.next_flow;
        self.next_flow += 1;
        self.stats.flows += 1;
        let name = format!("promise: {label}");
        self.put(
            &json!({"ph": "s", "id": id, "name": name, "cat": "promise", "pid": PID, "tid": from.0, "ts": us(from.1)}),
        )?;
        self.put(&json!({"ph": "f", "id": id, "name": name, "cat": "promise", "pid": PID, "tid": TID_MODEM, "ts": us(to_ns - 1)}))
    }

    /// The track for an exchange `[t0, t1]`: the first whose last slice ended by `t0`.
    fn lane(&mut self, t0: i64, t1: i64) -> io::Result<u32> {
        let i = match self.lanes.iter().position(|&end| end <= t0) {
            Some(i) => i,
            None => {
                self.lanes.push(i64::MIN);
                let i = self.lanes.len() - 1;
                let tid = TID_OVERLAP + i as u32;
                self.thread_meta(tid, &format!("host (overlapping {i})"), i as u32)?;
                i
            }
        };
        self.lanes[i] = t1;
        Ok(if i == 0 { TID_HOST } else { TID_OVERLAP + i as u32 })
    }

    /// A URC or `Ready` line: settles the oldest open promise it answers.
    fn settle(&mut self, name: &str, params: &[Param], t_ns: i64) -> io::Result<()> {
        let Some(i) = self.promises.iter().position(|p| p.urc.is_none() && p.promise.kept_by(name, params)) else {
            return Ok(());
        };
        match self.promises[i].slice {
            Some(from) => {
                let p = self.promises.remove(i);
                self.flow(p.promise.label, from, t_ns)
            }
            None => {
                self.promises[i].urc = Some(t_ns);
                Ok(())
            }
        }
    }

    fn expire(&mut self, now: i64) {
        self.promises.retain(|p| p.urc.is_some() || p.slice.is_none() || p.deadline >= now);
    }

    fn exchange(&mut self, e: &Event, id: u32, name: &str, args: Value, ok: bool) -> io::Result<()> {
        let dur = (e.end_ns - e.t_ns).max(1);
        let tid = self.lane(e.t_ns, e.t_ns + dur)?;
        let label = if name.is_empty() { self.names.remove(&id).unwrap_or_default() } else { name.to_string() };
        self.names.remove(&id);
        let label = if label.is_empty() { "AT".to_string() } else { label };
        self.put(&json!({"ph": "X", "name": label, "cat": "exchange", "pid": PID, "tid": tid, "ts": us(e.t_ns), "dur": us(dur), "args": args}))?;
        self.stats.slices += 1;
        let mid = e.t_ns + dur / 2;
        let mut i = 0;
        while i < self.promises.len() {
            let p = &mut self.promises[i];
            if p.exchange != id || p.slice.is_some() {
                i += 1;
                continue;
            }
            match p.urc {
                Some(t) => {
                    // A URC can come before the command's final result: start the arrow
                    // before it, still inside the slice.
                    let p = self.promises.remove(i);
                    self.flow(p.promise.label, (tid, mid.min(t - 1).max(e.t_ns)), t)?;
                }
                None if ok => {
                    p.slice = Some((tid, mid));
                    i += 1;
                }
                None => {
                    self.promises.remove(i);
                }
            }
        }
        Ok(())
    }
}

fn track(dir: Option<Dir>) -> u32 {
    match dir {
        Some(Dir::Modem) => TID_MODEM,
        _ => TID_HOST,
    }
}

impl<W: Write> ExportSink for PerfettoWriter<W> {
    fn event(&mut self, e: &Event) -> io::Result<()> {
        self.expire(e.t_ns);
        match &e.kind {
            EventKind::Command { exchange, name, form, params, invalid, .. } => {
                self.names.insert(*exchange, name.clone());
                if invalid.is_none() {
                    let new: Vec<_> = promises_of(name, *form, params, None)
                        .map(|p| OpenPromise {
                            exchange: *exchange,
                            promise: p,
                            deadline: e.end_ns.saturating_add(p.within_ms as i64 * 1_000_000 + SLACK_NS),
                            slice: None,
                            urc: None,
                        })
                        .collect();
                    self.promises.extend(new);
                }
                Ok(())
            }
            EventKind::Info { .. } | EventKind::Final { .. } => Ok(()),
            EventKind::Exchange { id, name, line, status, result, latency_ns, info_lines } => {
                let args = json!({
                    "exchange": id,
                    "line": line.escaped(),
                    "status": status,
                    "result": result.as_ref().map(|r| r.to_string()),
                    "latency_ms": latency_ns.map(|l| l as f64 / 1e6),
                    "info_lines": info_lines,
                });
                let ok = matches!(status, ExchangeStatus::Ok | ExchangeStatus::Open);
                self.exchange(e, *id, name, args, ok)
            }
            EventKind::Urc { name, params, line } => {
                let args = json!({"line": line.escaped(), "meaning": e.meaning});
                self.instant(TID_MODEM, e.t_ns, name, "urc", args)?;
                self.settle(name, params, e.t_ns)
            }
            EventKind::Reset(r) => {
                let args = json!({"garbage": r.garbage.escaped(), "aborted": r.aborted, "meaning": e.meaning});
                self.instant(TID_MODEM, e.t_ns, "Ready (reset)", "reset", args)?;
                self.settle("Ready", &[], e.t_ns)
            }
            EventKind::Text { line } => {
                self.instant(TID_MODEM, e.t_ns, &line.escaped(), "text", json!({"line": line.escaped()}))
            }
            EventKind::Payload { owner, len, data, .. } => {
                let args = json!({"owner": owner, "len": len, "data": data.escaped()});
                self.instant(track(e.dir), e.t_ns, &format!("payload {len} B ({owner})"), "payload", args)
            }
            EventKind::Garbage { data, why } => {
                let args = json!({"data": data.escaped(), "why": why});
                self.instant(track(e.dir), e.t_ns, "garbage", "garbage", args)
            }
            EventKind::DataMode { enter, exchange, result, .. } => {
                let name = if *enter { "data mode: enter" } else { "data mode: exit" };
                let args = json!({"exchange": exchange, "result": result});
                self.instant(TID_HOST, e.t_ns, name, "data_mode", args)
            }
            EventKind::Condition { cond } => {
                let c = serde_json::to_value(cond).unwrap_or(Value::Null);
                let name = format!("line condition: {}", c.as_str().unwrap_or("?"));
                self.instant(track(e.dir), e.t_ns, &name, "condition", json!({"condition": c}))
            }
            EventKind::Mark { text } => self.put(
                &json!({"ph": "i", "s": "g", "name": text, "cat": "mark", "pid": PID, "tid": TID_HOST, "ts": us(e.t_ns)}),
            ),
            EventKind::Cmux { .. } | EventKind::CmuxStray { .. } | EventKind::CmuxState { .. } | EventKind::Ppp(_) => {
                let args = json!({"dlci": e.dlci});
                let what = crate::report::text::words(e);
                self.instant(track(e.dir), e.t_ns, &what, e.kind.type_name(), args)
            }
            EventKind::Finding(f) => {
                let args = json!({"id": f.id, "severity": f.severity, "help": f.help, "events": f.events});
                self.instant(TID_FINDINGS, e.t_ns, &f.message, "finding", args)
            }
            EventKind::Log(l) => {
                let name = match &l.module {
                    Some(m) => format!("<{}> {m}: {}", l.level.as_str(), l.text),
                    None => l.text.clone(),
                };
                let args = json!({"level": l.level, "module": l.module, "text": l.text, "segment": l.segment, "uptime_ns": l.uptime_ns});
                self.instant(TID_LOG, e.t_ns, &name, "log", args)
            }
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.write_all(b"\n]}\n")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::us;

    /// The exact three-decimal text of `ns` as microseconds, by integer arithmetic.
    fn exact(ns: i64) -> String {
        let sign = if ns < 0 { "-" } else { "" };
        let a = ns.unsigned_abs();
        format!("{sign}{}.{:03}", a / 1000, a % 1000)
    }

    #[test]
    fn microseconds_are_the_number_their_three_decimals_say() {
        let mut ns: i64 = 1;
        let mut samples = vec![0, 1, -1, 999, 1000, 1001, -1500, 123_456_789, 86_400_000_000_000];
        // A spread of magnitudes and last digits (a fixed multiplicative sequence).
        for _ in 0..2000 {
            ns = ns.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407) >> 13;
            samples.push(ns % (1 << 50));
        }
        for ns in samples {
            let expected: serde_json::Value = serde_json::from_str(&exact(ns)).unwrap();
            assert_eq!(us(ns), expected, "{ns} ns");
            assert_eq!(us(ns).to_string(), expected.to_string(), "{ns} ns");
        }
    }
}
