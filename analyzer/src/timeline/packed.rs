//! Events packed into one byte buffer, to be rendered on another thread (defmt's deferred
//! formatting, within one process).
//!
//! An event owns several small allocations (its line, name, parameters, meaning). Handing the
//! events themselves to a writer thread was measured slower than rendering them where they were
//! made: the writer's core reads memory the analysis' allocator reuses at once, and every such
//! line moves between the cores twice. Packed, an event is a few dozen bytes written in sequence
//! into a buffer that goes to the writer whole; the writer unpacks an equal [`Event`] into events
//! of its own, whose strings and vectors it reuses from one event to the next, and renders it.
//! Packing costs a fraction of rendering text or JSON, so the analysis thread gets that much
//! faster.
//!
//! The common kinds (commands, answers, URCs, text, payloads, garbage, data mode, exchanges) are
//! packed field by field; the rare rest (findings, resets, marks, conditions, log lines, CMUX and
//! PPP) travels as a clone beside the bytes. Each packing arm names every field of its variant,
//! so a field added to one fails to compile here until it is packed; a test unpacks every event
//! of every bundled trace and compares it with the original.

use crate::at::grammar::{FinalResult, Form, Param};
use crate::chunk::Dir;
use crate::timeline::{Bytes, Event, EventKind, ExchangeStatus};

/// Packed events: their bytes, and the events that travel whole.
#[derive(Debug, Default)]
pub struct Packed {
    bytes: Vec<u8>,
    whole: Vec<Event>,
    count: usize,
}

/// The kind tags.
mod tag {
    pub const COMMAND: u8 = 0;
    pub const INFO: u8 = 1;
    pub const FINAL: u8 = 2;
    pub const URC: u8 = 3;
    pub const TEXT: u8 = 4;
    pub const PAYLOAD: u8 = 5;
    pub const GARBAGE: u8 = 6;
    pub const DATA_MODE: u8 = 7;
    pub const EXCHANGE: u8 = 8;
    /// The next event of [`super::Packed::whole`].
    pub const WHOLE: u8 = 255;
}

impl Packed {
    /// How many events are packed.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no event is packed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes in use (the whole events count for their size only).
    pub fn size(&self) -> usize {
        self.bytes.len() + self.whole.len() * std::mem::size_of::<Event>()
    }

    /// Empties the buffer, keeping its capacity.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.whole.clear();
        self.count = 0;
    }

    /// Appends `e`.
    pub fn push(&mut self, e: &Event) {
        self.count += 1;
        let b = &mut self.bytes;
        put_u64(b, e.seq);
        put_i64(b, e.t_ns);
        put_i64(b, e.end_ns);
        b.push(match e.dir {
            None => 0,
            Some(Dir::Host) => 1,
            Some(Dir::Modem) => 2,
        });
        match e.dlci {
            None => b.push(0),
            Some(d) => b.extend_from_slice(&[1, d]),
        }
        put_opt_str(b, e.meaning.as_deref());
        match &e.kind {
            EventKind::Command { exchange, name, form, params, line, invalid, overflow, pending } => {
                b.push(tag::COMMAND);
                put_u32(b, *exchange);
                put_str(b, name);
                b.push(match form {
                    None => 0,
                    Some(Form::Test) => 1,
                    Some(Form::Read) => 2,
                    Some(Form::Set) => 3,
                    Some(Form::Exec) => 4,
                });
                put_params(b, params);
                put_bytes(b, &line.0);
                put_opt_str(b, invalid.as_deref());
                b.push(u8::from(*overflow));
                put_len(b, pending.len());
                for p in pending {
                    put_u32(b, *p);
                }
            }
            EventKind::Info { exchange, name, params, line } => {
                b.push(tag::INFO);
                put_u32(b, *exchange);
                put_opt_str(b, name.as_deref());
                put_params(b, params);
                put_bytes(b, &line.0);
            }
            EventKind::Final { exchange, result, latency_ns } => {
                b.push(tag::FINAL);
                put_opt_u32(b, *exchange);
                put_result(b, Some(result));
                put_opt_i64(b, *latency_ns);
            }
            EventKind::Urc { name, params, line } => {
                b.push(tag::URC);
                put_str(b, name);
                put_params(b, params);
                put_bytes(b, &line.0);
            }
            EventKind::Text { line } => {
                b.push(tag::TEXT);
                put_bytes(b, &line.0);
            }
            EventKind::Payload { exchange, owner, len, data } => {
                b.push(tag::PAYLOAD);
                put_opt_u32(b, *exchange);
                put_str(b, owner);
                put_u64(b, *len as u64);
                put_bytes(b, &data.0);
            }
            EventKind::Garbage { data, why } => {
                b.push(tag::GARBAGE);
                put_bytes(b, &data.0);
                put_str(b, why);
            }
            EventKind::DataMode { enter, exchange, result, host_terminator } => {
                b.push(tag::DATA_MODE);
                b.push(u8::from(*enter));
                put_opt_u32(b, *exchange);
                put_opt_i64(b, *result);
                b.push(u8::from(*host_terminator));
            }
            EventKind::Exchange { id, name, line, status, result, latency_ns, info_lines } => {
                b.push(tag::EXCHANGE);
                put_u32(b, *id);
                put_str(b, name);
                put_bytes(b, &line.0);
                b.push(match status {
                    ExchangeStatus::Ok => 0,
                    ExchangeStatus::Error => 1,
                    ExchangeStatus::Aborted => 2,
                    ExchangeStatus::Open => 3,
                    ExchangeStatus::TimedOut => 4,
                    ExchangeStatus::Lost => 5,
                });
                put_result(b, result.as_ref());
                put_opt_i64(b, *latency_ns);
                put_u32(b, *info_lines);
            }
            EventKind::Reset(_)
            | EventKind::Condition { .. }
            | EventKind::Mark { .. }
            | EventKind::Finding(_)
            | EventKind::Log(_)
            | EventKind::Cmux { .. }
            | EventKind::CmuxStray { .. }
            | EventKind::CmuxState { .. }
            | EventKind::Ppp(_) => {
                // The envelope above is not read back for these: the clone carries it.
                b.push(tag::WHOLE);
                self.whole.push(e.clone());
            }
        }
    }

    /// Hands each event to `f`, in the order they were pushed, and empties the buffer. The
    /// events are unpacked into `into`'s events, one per kind, whose strings and vectors are
    /// reused from one event to the next: unpacking allocates almost nothing.
    pub fn unpack<W>(&mut self, into: &mut Unpacker, mut f: impl FnMut(&Event) -> Result<(), W>) -> Result<(), W> {
        let mut r = Reader { at: 0, bytes: &self.bytes };
        let mut whole = self.whole.drain(..);
        for _ in 0..std::mem::take(&mut self.count) {
            let (seq, t_ns, end_ns) = (r.u64(), r.i64(), r.i64());
            let dir = match r.u8() {
                0 => None,
                1 => Some(Dir::Host),
                _ => Some(Dir::Modem),
            };
            let dlci = match r.u8() {
                0 => None,
                _ => Some(r.u8()),
            };
            let meaning_at = r.at;
            r.skip_opt_str();
            let tag = r.u8();
            if tag == tag::WHOLE {
                f(&whole.next().expect("a whole event for each WHOLE tag"))?;
                continue;
            }
            let e = into.slots[usize::from(tag)].get_or_insert_with(|| blank(tag));
            e.seq = seq;
            e.t_ns = t_ns;
            e.end_ns = end_ns;
            e.dir = dir;
            e.dlci = dlci;
            let kind_at = r.at;
            r.at = meaning_at;
            r.opt_string_into(&mut e.meaning);
            r.at = kind_at;
            r.kind_into(&mut e.kind);
            f(e)?;
        }
        drop(whole);
        self.clear();
        Ok(())
    }
}

/// The events [`Packed::unpack`] fills, one per packed kind, kept from batch to batch.
#[derive(Debug, Default)]
pub struct Unpacker {
    slots: [Option<Event>; 9],
}

/// An event of the kind `tag` names, every field empty.
fn blank(tag: u8) -> Event {
    let kind = match tag {
        tag::COMMAND => EventKind::Command {
            exchange: 0,
            name: String::new(),
            form: None,
            params: Vec::new(),
            line: Bytes::default(),
            invalid: None,
            overflow: false,
            pending: Vec::new(),
        },
        tag::INFO => EventKind::Info { exchange: 0, name: None, params: Vec::new(), line: Bytes::default() },
        tag::FINAL => EventKind::Final { exchange: None, result: FinalResult::Ok, latency_ns: None },
        tag::URC => EventKind::Urc { name: String::new(), params: Vec::new(), line: Bytes::default() },
        tag::TEXT => EventKind::Text { line: Bytes::default() },
        tag::PAYLOAD => EventKind::Payload { exchange: None, owner: String::new(), len: 0, data: Bytes::default() },
        tag::GARBAGE => EventKind::Garbage { data: Bytes::default(), why: String::new() },
        tag::DATA_MODE => EventKind::DataMode { enter: false, exchange: None, result: None, host_terminator: false },
        _ => EventKind::Exchange {
            id: 0,
            name: String::new(),
            line: Bytes::default(),
            status: ExchangeStatus::Ok,
            result: None,
            latency_ns: None,
            info_lines: 0,
        },
    };
    Event { seq: 0, t_ns: 0, end_ns: 0, dir: None, dlci: None, meaning: None, kind }
}

/// Reads packed bytes. The bytes were packed by [`Packed::push`] on this machine: reading past
/// their end is a bug, and panics.
struct Reader<'a> {
    at: usize,
    bytes: &'a [u8],
}

impl Reader<'_> {
    /// Fills `kind`, which has the variant of the packed kind ([`blank`] made it, or an event of
    /// that kind before it), reusing its strings and vectors.
    fn kind_into(&mut self, kind: &mut EventKind) {
        match kind {
            EventKind::Command { exchange, name, form, params, line, invalid, overflow, pending } => {
                *exchange = self.u32();
                self.string_into(name);
                *form = match self.u8() {
                    0 => None,
                    1 => Some(Form::Test),
                    2 => Some(Form::Read),
                    3 => Some(Form::Set),
                    _ => Some(Form::Exec),
                };
                self.params_into(params);
                self.bytes_into(&mut line.0);
                self.opt_string_into(invalid);
                *overflow = self.u8() != 0;
                pending.clear();
                for _ in 0..self.len() {
                    pending.push(self.u32());
                }
            }
            EventKind::Info { exchange, name, params, line } => {
                *exchange = self.u32();
                self.opt_string_into(name);
                self.params_into(params);
                self.bytes_into(&mut line.0);
            }
            EventKind::Final { exchange, result, latency_ns } => {
                *exchange = self.opt_u32();
                *result = self.result().expect("a final result is packed with its result");
                *latency_ns = self.opt_i64();
            }
            EventKind::Urc { name, params, line } => {
                self.string_into(name);
                self.params_into(params);
                self.bytes_into(&mut line.0);
            }
            EventKind::Text { line } => self.bytes_into(&mut line.0),
            EventKind::Payload { exchange, owner, len, data } => {
                *exchange = self.opt_u32();
                self.string_into(owner);
                *len = self.u64() as usize;
                self.bytes_into(&mut data.0);
            }
            EventKind::Garbage { data, why } => {
                self.bytes_into(&mut data.0);
                self.string_into(why);
            }
            EventKind::DataMode { enter, exchange, result, host_terminator } => {
                *enter = self.u8() != 0;
                *exchange = self.opt_u32();
                *result = self.opt_i64();
                *host_terminator = self.u8() != 0;
            }
            EventKind::Exchange { id, name, line, status, result, latency_ns, info_lines } => {
                *id = self.u32();
                self.string_into(name);
                self.bytes_into(&mut line.0);
                *status = match self.u8() {
                    0 => ExchangeStatus::Ok,
                    1 => ExchangeStatus::Error,
                    2 => ExchangeStatus::Aborted,
                    3 => ExchangeStatus::Open,
                    4 => ExchangeStatus::TimedOut,
                    _ => ExchangeStatus::Lost,
                };
                *result = self.result();
                *latency_ns = self.opt_i64();
                *info_lines = self.u32();
            }
            _ => unreachable!("only the packed kinds have slots"),
        }
    }

    fn take(&mut self, n: usize) -> &[u8] {
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        s
    }

    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes"))
    }

    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }

    fn i64(&mut self) -> i64 {
        self.u64() as i64
    }

    fn len(&mut self) -> usize {
        self.u32() as usize
    }

    fn bytes_into(&mut self, into: &mut Vec<u8>) {
        let n = self.len();
        into.clear();
        into.extend_from_slice(self.take(n));
    }

    fn string_into(&mut self, into: &mut String) {
        let n = self.len();
        let bytes = self.take(n);
        into.clear();
        // Packed from a `String`: valid UTF-8 (checked again rather than trusted).
        match std::str::from_utf8(bytes) {
            Ok(s) => into.push_str(s),
            Err(_) => into.push_str(&String::from_utf8_lossy(bytes)),
        }
    }

    fn opt_string_into(&mut self, into: &mut Option<String>) {
        if self.u8() == 0 {
            *into = None;
        } else {
            self.string_into(into.get_or_insert_with(String::new));
        }
    }

    fn skip_opt_str(&mut self) {
        if self.u8() != 0 {
            let n = self.len();
            self.at += n;
        }
    }

    fn opt_u32(&mut self) -> Option<u32> {
        (self.u8() != 0).then(|| self.u32())
    }

    fn opt_i64(&mut self) -> Option<i64> {
        (self.u8() != 0).then(|| self.i64())
    }

    fn result(&mut self) -> Option<FinalResult> {
        match self.u8() {
            0 => None,
            1 => Some(FinalResult::Ok),
            2 => Some(FinalResult::Error),
            3 => Some(FinalResult::CmeError(self.i64())),
            _ => Some(FinalResult::CmsError(self.i64())),
        }
    }

    /// Fills `params`, reusing the strings of the parameters already there.
    fn params_into(&mut self, params: &mut Vec<Param>) {
        let n = self.len();
        params.truncate(n);
        for i in 0..n {
            let tag = self.u8();
            let p = match tag {
                0 => Param::Empty,
                1 => Param::Int(self.i64()),
                _ => {
                    let mut s = match params.get_mut(i) {
                        Some(Param::Str(s) | Param::Raw(s)) => std::mem::take(s),
                        _ => String::new(),
                    };
                    self.string_into(&mut s);
                    if tag == 2 {
                        Param::Str(s)
                    } else {
                        Param::Raw(s)
                    }
                }
            };
            match params.get_mut(i) {
                Some(slot) => *slot = p,
                None => params.push(p),
            }
        }
    }
}

fn put_u32(b: &mut Vec<u8>, n: u32) {
    b.extend_from_slice(&n.to_le_bytes());
}

fn put_u64(b: &mut Vec<u8>, n: u64) {
    b.extend_from_slice(&n.to_le_bytes());
}

fn put_i64(b: &mut Vec<u8>, n: i64) {
    b.extend_from_slice(&n.to_le_bytes());
}

fn put_len(b: &mut Vec<u8>, n: usize) {
    put_u32(b, u32::try_from(n).expect("a line, list or payload piece far below 4 GiB"));
}

fn put_bytes(b: &mut Vec<u8>, s: &[u8]) {
    put_len(b, s.len());
    b.extend_from_slice(s);
}

fn put_str(b: &mut Vec<u8>, s: &str) {
    put_bytes(b, s.as_bytes());
}

fn put_opt_str(b: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => b.push(0),
        Some(s) => {
            b.push(1);
            put_str(b, s);
        }
    }
}

fn put_opt_u32(b: &mut Vec<u8>, n: Option<u32>) {
    match n {
        None => b.push(0),
        Some(n) => {
            b.push(1);
            put_u32(b, n);
        }
    }
}

fn put_opt_i64(b: &mut Vec<u8>, n: Option<i64>) {
    match n {
        None => b.push(0),
        Some(n) => {
            b.push(1);
            put_i64(b, n);
        }
    }
}

fn put_result(b: &mut Vec<u8>, r: Option<&FinalResult>) {
    match r {
        None => b.push(0),
        Some(FinalResult::Ok) => b.push(1),
        Some(FinalResult::Error) => b.push(2),
        Some(FinalResult::CmeError(n)) => {
            b.push(3);
            put_i64(b, *n);
        }
        Some(FinalResult::CmsError(n)) => {
            b.push(4);
            put_i64(b, *n);
        }
    }
}

fn put_params(b: &mut Vec<u8>, params: &[Param]) {
    put_len(b, params.len());
    for p in params {
        match p {
            Param::Empty => b.push(0),
            Param::Int(n) => {
                b.push(1);
                put_i64(b, *n);
            }
            Param::Str(s) => {
                b.push(2);
                put_str(b, s);
            }
            Param::Raw(s) => {
                b.push(3);
                put_str(b, s);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{decode_all, Options};

    fn unpack_all(packed: &mut Packed, unpacker: &mut Unpacker, out: &mut Vec<Event>) {
        let r: Result<(), ()> = packed.unpack(unpacker, |e| {
            out.push(e.clone());
            Ok(())
        });
        assert!(r.is_ok());
    }

    /// Every event of every bundled trace comes back equal, in order, across many buffers.
    #[test]
    fn every_event_of_every_trace_unpacks_equal() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../traces");
        let mut stack = vec![dir];
        let (mut events, mut whole, mut kinds) = (0, 0, std::collections::BTreeSet::new());
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|x| x != "atrace") {
                    continue;
                }
                let f = std::io::BufReader::new(std::fs::File::open(&p).unwrap());
                let reader = crate::trace::TraceReader::new(f).unwrap();
                let (all, _) = decode_all(reader, Options::default()).unwrap();
                let mut packed = Packed::default();
                let mut unpacker = Unpacker::default();
                let mut back = Vec::new();
                for (i, e) in all.iter().enumerate() {
                    packed.push(e);
                    kinds.insert(e.kind.type_name());
                    whole += usize::from(packed.bytes.last() == Some(&tag::WHOLE));
                    // Buffers of varying sizes, reused.
                    if i % 7 == 3 {
                        unpack_all(&mut packed, &mut unpacker, &mut back);
                        assert!(packed.is_empty());
                    }
                }
                unpack_all(&mut packed, &mut unpacker, &mut back);
                assert_eq!(back, all, "{}", p.display());
                events += all.len();
            }
        }
        assert!(events > 5_000, "{events} events");
        assert!(whole > 0 && whole < events / 4, "{whole} of {events} travel whole");
        for k in ["command", "info", "final", "urc", "payload", "garbage", "data_mode", "exchange", "reset", "finding"]
        {
            assert!(kinds.contains(k), "no {k} event in the traces: {kinds:?}");
        }
    }

    #[test]
    fn odd_values_unpack_equal() {
        let line = Bytes(vec![0, 0xff, b'\r', b'\n', b'"']);
        let kinds = vec![
            EventKind::Command {
                exchange: u32::MAX,
                name: "É#X".into(),
                form: Some(Form::Test),
                params: vec![Param::Empty, Param::Int(i64::MIN), Param::Str("a\"b".into()), Param::Raw(String::new())],
                line: line.clone(),
                invalid: Some("why".into()),
                overflow: true,
                pending: vec![1, 2, u32::MAX],
            },
            EventKind::Info { exchange: 0, name: None, params: vec![], line: Bytes(vec![]) },
            EventKind::Final { exchange: None, result: FinalResult::CmsError(-5), latency_ns: Some(-1) },
            EventKind::Exchange {
                id: 3,
                name: String::new(),
                line: line.clone(),
                status: ExchangeStatus::TimedOut,
                result: None,
                latency_ns: None,
                info_lines: 9,
            },
            EventKind::DataMode { enter: false, exchange: Some(0), result: Some(i64::MAX), host_terminator: true },
            EventKind::Payload { exchange: None, owner: "#XRECV".into(), len: 1 << 40, data: line.clone() },
            EventKind::Text { line: line.clone() },
            EventKind::Urc { name: "+CEREG".into(), params: vec![Param::Int(0)], line: line.clone() },
            EventKind::Garbage { data: line.clone(), why: "\u{0}".into() },
            EventKind::Final { exchange: Some(1), result: FinalResult::CmeError(518), latency_ns: None },
            EventKind::Mark { text: "m".into() },
        ];
        let mut packed = Packed::default();
        let all: Vec<Event> = kinds
            .into_iter()
            .enumerate()
            .map(|(i, kind)| Event {
                seq: u64::MAX - i as u64,
                t_ns: i64::MIN + i as i64,
                end_ns: -1,
                dir: [None, Some(Dir::Host), Some(Dir::Modem)][i % 3],
                dlci: [None, Some(0), Some(255)][i % 3],
                meaning: (i % 2 == 0).then(|| "ü".repeat(i)),
                kind,
            })
            .collect();
        for e in &all {
            packed.push(e);
        }
        assert_eq!(packed.len(), all.len());
        let mut back = Vec::new();
        unpack_all(&mut packed, &mut Unpacker::default(), &mut back);
        assert_eq!(back, all);
        // Unpacked again into the same events, with shorter and fewer fields: nothing stays behind.
        let mut unpacker = Unpacker::default();
        for e in all.iter().rev() {
            packed.push(e);
        }
        let (mut first, mut second) = (Vec::new(), Vec::new());
        unpack_all(&mut packed, &mut unpacker, &mut first);
        for e in all.iter().chain(all.iter().rev()) {
            packed.push(e);
        }
        unpack_all(&mut packed, &mut unpacker, &mut second);
        assert_eq!(first, all.iter().rev().cloned().collect::<Vec<_>>());
        assert_eq!(second, all.iter().chain(all.iter().rev()).cloned().collect::<Vec<_>>());
    }
}
