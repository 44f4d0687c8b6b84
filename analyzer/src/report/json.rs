//! JSON Lines: the machine contract of `atscope decode --json`.
//!
//! # Schema, version 2
//!
//! The first line names the schema: `{"type":"schema","schema":"atscope-timeline","version":2}`.
//! A reader checks `version` and refuses a newer major one; fields may be added within a
//! version, never removed or renamed. Every further line is one timeline event, in emission
//! order (findings that later evidence settles are emitted when they are settled, so times are
//! not strictly increasing).
//!
//! Every event has:
//!
//! | field | type | meaning |
//! |---|---|---|
//! | `seq` | integer | emission order, from 0 |
//! | `t`, `end` | integer | start and end, nanoseconds since the capture start |
//! | `dir` | `"host"` \| `"modem"` \| `"log"` | the speaker (absent for exchanges, data mode, findings, marks); `log` for lines of the SLM's own log |
//! | `dlci` | integer | the CMUX channel (27.010 DLCI) the event came on: `0` the control channel, the AT channel (1 by default) for its commands, answers and URCs, the PPP channel for `ppp` events; absent on a plain UART and for events of no channel (findings, exchanges' summaries, marks, bytes outside frames) |
//! | `type` | string | one of the types below |
//! | `meaning` | string | what the raw values mean (absent when atscope knows no meaning) |
//!
//! Bytes are `{"text": "…"}` when valid UTF-8, else `{"b64": "…"}` (standard base64).
//! Parameters are `{"t":"int","v":1}`, `{"t":"str","v":"…"}`, `{"t":"raw","v":"0x1F"}` or
//! `{"t":"empty"}`. Credentials and passwords are redacted unless `--no-redact`.
//!
//! | `type` | fields |
//! |---|---|
//! | `command` | `exchange` (id), `name` (`+CFUN`, `#XMQTTCON`, empty for bare `AT`), `form` (`test`/`read`/`set`/`exec`), `params`, `line` (bytes), `invalid` (why the SLM's grammar rejects it), `overflow` (past 4096 bytes), `pending` (ids still pending, at most 8) |
//! | `info` | `exchange`, `name` (the prefix, if any), `line` |
//! | `final` | `exchange` (absent when none was pending), `result` (`{"code":"ok"}`, `{"code":"error"}`, `{"code":"cme_error","n":518}`, `{"code":"cms_error","n":524}`), `latency_ns` |
//! | `urc` | `name`, `line` |
//! | `text` | `line` (a modem line with no prefix and nothing pending) |
//! | `payload` | `exchange`, `owner` (`#XRECV`, `#XMQTTMSG topic`, `#XTCPDATA`, `data mode`, …), `len`, `data` (bytes) |
//! | `garbage` | `data`, `why` |
//! | `reset` | `garbage` (bytes before `Ready`), `aborted` (exchange ids), `last_command` |
//! | `data_mode` | `enter` (bool), `exchange`, `result` (the `#XDATAMODE` value), `host_terminator` (bool) |
//! | `condition` | `cond` (`framing`, `parity`, `break`, `glitch`) |
//! | `mark` | `text` |
//! | `exchange` | `id`, `name`, `line`, `status` (`ok`, `error`, `aborted` by a reset, `open` at the end of the capture, `timeout`: no answer in time and the host moved on, `lost`: never read, pipelined on an SLM that drops it or sent while it slept), `result`, `latency_ns`, `info_lines` |
//! | `log` | a line of the SLM's own log (`--log`), at its aligned time: `level` (`err`, `wrn`, `inf`, `dbg`, `unknown` for printk and unparsed lines), `module`, `text`, `segment` (which boot, from 0), `uptime_ns` (the SLM's uptime), `boot` (on a segment's first line: the banner's words or `uptime restarted`), `host_time` (a terminal's wall-clock prefix), `continuation` (a hexdump or message row of the line before), `cut` (longer than 4096 bytes) |
//! | `cmux` | a CMUX frame shown on its own (SABM, UA, DM, DISC, the control channel's messages, any frame the receiver drops): `frame` (`SABM`, `UA`, `DM`, `DISC`, `UIH`, `UI`, `?`), `cr`, `pf` (bools), `messages` (DLCI 0 messages in words: `MSC command DLCI 1: RTC RTR DV`), `data` (the information field), `fcs_ok`, `dropped` (`fcs`, `before-open`, `unopened-dlci`) |
//! | `cmux_stray` | bytes outside frames while the mux is up: `data`, `plain_at` (true when they are a plain AT command line) |
//! | `cmux_state` | the mux starts or ends: `up`, `at_channel`, `ppp_channel` (DLCIs), `why` (`command`: after `AT#XCMUX`'s `OK`; `capture`: the capture starts with frames; `at-channel`: `AT#XCMUX=<n>` on the running mux moved the AT channel; `reset`: a `Ready` outside frames) |
//! | `ppp` | a PPP frame on the PPP channel: `protocol` (`LCP`, `IPCP`, `IPV6CP`, `IPv4`, `IPv6`, …, `?`), `number`, `code`, `code_number`, `id`, `options` (control packets: `Configure-Request` … `Echo-Reply`, options in words: `MRU 1280`, `IP-Address 10.64.12.7`), `ip` (IP packets: `protocol`, `from`, `to` with ports, `len`), `len`, `fcs_ok`, `data` (the unescaped frame without its FCS) |
//! | `finding` | `id` (see [`crate::rules::CATALOGUE`]), `severity` (`note`/`warning`/`error`), `message`, `help`, `events` (the `seq` of the events that prove it) |
//!
//! The `log` type and `dir: "log"` were added within version 2 (additive: a reader that skips
//! unknown types reads the rest as before), and so were `dlci` and the `cmux`, `cmux_stray`,
//! `cmux_state` and `ppp` types (issue 16, CMUX and PPP).
//!
//! Version 1 (atscope before the finding catalogue) had no schema line and no `timeout`
//! status.

use std::io::Write;

use base64::Engine as _;

use crate::at::grammar::{FinalResult, Param};
use crate::finding::Finding;
use crate::json_str::push_escaped;
use crate::timeline::{Bytes, Event, EventKind, ResetInfo};

/// The schema's name in the first line.
pub const SCHEMA: &str = "atscope-timeline";
/// The schema version this crate writes.
pub const SCHEMA_VERSION: u32 = 2;

/// Writes the first line, naming the schema and its version.
pub fn write_header<W: Write>(out: &mut W) -> std::io::Result<()> {
    let header = serde_json::json!({ "type": "schema", "schema": SCHEMA, "version": SCHEMA_VERSION });
    serde_json::to_writer(&mut *out, &header).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}

/// Writes one event as a JSON line (a caller writing many keeps one [`EventWriter`] instead).
pub fn write_event<W: Write>(out: &mut W, e: &Event) -> std::io::Result<()> {
    EventWriter::default().write(out, e)
}

/// Writes events as JSON lines, each encoded into one reused buffer and written at once.
///
/// The envelope (`seq`, `t`, `end`, `dir`, `dlci`, `meaning`) and the fields of every kind a trace is
/// mostly made of (commands, their lines and results, URCs, text, payloads, garbage, data mode,
/// exchanges, resets, findings) are written here by hand; the rare rest (conditions, marks, log
/// lines, the CMUX and PPP kinds) goes through its serde derive. The bytes are the same as serde_json's for the whole
/// [`Event`] (whose kind is flattened into it): a test compares them for every kind.
#[derive(Debug, Default)]
pub struct EventWriter {
    buf: Vec<u8>,
    seq: Counter,
}

impl EventWriter {
    /// Writes one event as a JSON line.
    pub fn write<W: Write>(&mut self, out: &mut W, e: &Event) -> std::io::Result<()> {
        self.buf.clear();
        encode_event(&mut self.buf, e, &mut self.seq)?;
        self.buf.push(b'\n');
        out.write_all(&self.buf)
    }
}

/// The decimal digits of the `seq` expected next, incremented in place: a writer's events come
/// in `seq` order, so most need no conversion of their number.
#[derive(Debug, Default)]
struct Counter {
    next: Option<u64>,
    digits: Vec<u8>,
}

impl Counter {
    /// Appends `n` in decimal and expects `n + 1` next.
    fn push(&mut self, buf: &mut Vec<u8>, n: u64) {
        if self.next != Some(n) {
            self.digits.clear();
            push_int(&mut self.digits, n, false);
        }
        buf.extend_from_slice(&self.digits);
        self.next = n.checked_add(1);
        for d in self.digits.iter_mut().rev() {
            if *d == b'9' {
                *d = b'0';
            } else {
                *d += 1;
                return;
            }
        }
        self.digits.insert(0, b'1');
    }
}

/// Appends an event's JSON object (no newline) to `buf`.
fn encode_event(buf: &mut Vec<u8>, e: &Event, seq: &mut Counter) -> std::io::Result<()> {
    buf.extend_from_slice(b"{\"seq\":");
    seq.push(buf, e.seq);
    buf.extend_from_slice(b",\"t\":");
    let t = buf.len();
    push_i64(buf, e.t_ns);
    let t = t..buf.len();
    buf.extend_from_slice(b",\"end\":");
    // Three events in four are instants: their end is their start, already written once.
    if e.end_ns == e.t_ns {
        buf.extend_from_within(t);
    } else {
        push_i64(buf, e.end_ns);
    }
    if let Some(d) = e.dir {
        buf.extend_from_slice(b",\"dir\":\"");
        buf.extend_from_slice(d.as_str().as_bytes());
        buf.push(b'"');
    }
    if let Some(d) = e.dlci {
        buf.extend_from_slice(b",\"dlci\":");
        push_int(buf, u64::from(d), false);
    }
    if let Some(m) = &e.meaning {
        buf.extend_from_slice(b",\"meaning\":");
        push_str(buf, m);
    }
    if encode_kind(buf, &e.kind) {
        buf.push(b'}');
        return Ok(());
    }
    // The kind alone is `{"type":…,…}`: its fields continue the envelope's object.
    let at = buf.len();
    serde_json::to_writer(&mut *buf, &e.kind).map_err(std::io::Error::other)?;
    match buf.get_mut(at) {
        Some(b) if *b == b'{' => *b = b',',
        _ => return Err(std::io::Error::other("an event kind did not serialise as an object")),
    }
    Ok(())
}

/// Appends `,"type":"…"` and the kind's fields in its serde derive's order, with the same
/// omissions (`skip_serializing_if`); false, with nothing written, for a kind left to serde.
/// Each arm names every field of its variant, so that a field added to one fails to compile here
/// until it is written.
fn encode_kind(buf: &mut Vec<u8>, kind: &EventKind) -> bool {
    match kind {
        EventKind::Command { exchange, name, form, params, line, invalid, overflow, pending } => {
            push_type(buf, kind);
            push_key(buf, "exchange");
            push_int(buf, u64::from(*exchange), false);
            push_key(buf, "name");
            push_str(buf, name);
            if let Some(f) = form {
                push_key(buf, "form");
                push_quoted_plain(buf, f.as_str());
            }
            push_params(buf, params);
            push_key(buf, "line");
            push_bytes(buf, line);
            if let Some(why) = invalid {
                push_key(buf, "invalid");
                push_str(buf, why);
            }
            if *overflow {
                buf.extend_from_slice(b",\"overflow\":true");
            }
            if !pending.is_empty() {
                push_key(buf, "pending");
                push_ids(buf, pending.iter().map(|&id| u64::from(id)));
            }
        }
        EventKind::Info { exchange, name, params, line } => {
            push_type(buf, kind);
            push_key(buf, "exchange");
            push_int(buf, u64::from(*exchange), false);
            if let Some(name) = name {
                push_key(buf, "name");
                push_str(buf, name);
            }
            push_params(buf, params);
            push_key(buf, "line");
            push_bytes(buf, line);
        }
        EventKind::Final { exchange, result, latency_ns } => {
            push_type(buf, kind);
            push_opt_exchange(buf, *exchange);
            push_key(buf, "result");
            push_result(buf, result);
            push_opt_i64(buf, "latency_ns", *latency_ns);
        }
        EventKind::Urc { name, params, line } => {
            push_type(buf, kind);
            push_key(buf, "name");
            push_str(buf, name);
            push_params(buf, params);
            push_key(buf, "line");
            push_bytes(buf, line);
        }
        EventKind::Text { line } => {
            push_type(buf, kind);
            push_key(buf, "line");
            push_bytes(buf, line);
        }
        EventKind::Payload { exchange, owner, len, data } => {
            push_type(buf, kind);
            push_opt_exchange(buf, *exchange);
            push_key(buf, "owner");
            push_str(buf, owner);
            push_key(buf, "len");
            push_int(buf, *len as u64, false);
            push_key(buf, "data");
            push_bytes(buf, data);
        }
        EventKind::Garbage { data, why } => {
            push_type(buf, kind);
            push_key(buf, "data");
            push_bytes(buf, data);
            push_key(buf, "why");
            push_str(buf, why);
        }
        EventKind::DataMode { enter, exchange, result, host_terminator } => {
            push_type(buf, kind);
            push_key(buf, "enter");
            buf.extend_from_slice(if *enter { b"true" } else { b"false" });
            push_opt_exchange(buf, *exchange);
            push_opt_i64(buf, "result", *result);
            if *host_terminator {
                buf.extend_from_slice(b",\"host_terminator\":true");
            }
        }
        EventKind::Exchange { id, name, line, status, result, latency_ns, info_lines } => {
            push_type(buf, kind);
            push_key(buf, "id");
            push_int(buf, u64::from(*id), false);
            push_key(buf, "name");
            push_str(buf, name);
            push_key(buf, "line");
            push_bytes(buf, line);
            push_key(buf, "status");
            push_quoted_plain(buf, status.as_str());
            if let Some(r) = result {
                push_key(buf, "result");
                push_result(buf, r);
            }
            push_opt_i64(buf, "latency_ns", *latency_ns);
            push_key(buf, "info_lines");
            push_int(buf, u64::from(*info_lines), false);
        }
        EventKind::Reset(ResetInfo { garbage, aborted, last_command }) => {
            push_type(buf, kind);
            push_key(buf, "garbage");
            push_bytes(buf, garbage);
            push_key(buf, "aborted");
            push_ids(buf, aborted.iter().map(|&id| u64::from(id)));
            push_key(buf, "last_command");
            match last_command {
                Some(id) => push_int(buf, u64::from(*id), false),
                None => buf.extend_from_slice(b"null"),
            }
        }
        EventKind::Finding(Finding { id, severity, message, help, events }) => {
            push_type(buf, kind);
            push_key(buf, "id");
            push_str(buf, id);
            push_key(buf, "severity");
            push_quoted_plain(buf, severity.as_str());
            push_key(buf, "message");
            push_str(buf, message);
            push_key(buf, "help");
            push_str(buf, help);
            push_key(buf, "events");
            push_ids(buf, events.iter().copied());
        }
        EventKind::Condition { .. }
        | EventKind::Mark { .. }
        | EventKind::Log(_)
        | EventKind::Cmux { .. }
        | EventKind::CmuxStray { .. }
        | EventKind::CmuxState { .. }
        | EventKind::Ppp(_) => return false,
    }
    true
}

fn push_type(buf: &mut Vec<u8>, kind: &EventKind) {
    buf.extend_from_slice(b",\"type\":");
    push_quoted_plain(buf, kind.type_name());
}

/// `,"key":` (keys are plain ASCII).
fn push_key(buf: &mut Vec<u8>, key: &str) {
    buf.extend_from_slice(b",\"");
    buf.extend_from_slice(key.as_bytes());
    buf.extend_from_slice(b"\":");
}

/// A string known to need no escape (names of enum values).
fn push_quoted_plain(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    buf.extend_from_slice(s.as_bytes());
    buf.push(b'"');
}

fn push_i64(buf: &mut Vec<u8>, n: i64) {
    push_int(buf, n.unsigned_abs(), n < 0);
}

fn push_opt_exchange(buf: &mut Vec<u8>, exchange: Option<u32>) {
    if let Some(x) = exchange {
        push_key(buf, "exchange");
        push_int(buf, u64::from(x), false);
    }
}

fn push_opt_i64(buf: &mut Vec<u8>, key: &str, v: Option<i64>) {
    if let Some(v) = v {
        push_key(buf, key);
        push_i64(buf, v);
    }
}

/// Appends `s` as a JSON string.
fn push_str(buf: &mut Vec<u8>, s: &str) {
    push_escaped(buf, s.as_bytes());
}

/// `[1,2,3]`.
fn push_ids(buf: &mut Vec<u8>, ids: impl Iterator<Item = u64>) {
    buf.push(b'[');
    for (i, id) in ids.enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        push_int(buf, id, false);
    }
    buf.push(b']');
}

/// A final result: `{"code":"ok"}`, `{"code":"cme_error","n":518}`.
fn push_result(buf: &mut Vec<u8>, r: &FinalResult) {
    let (code, n) = match r {
        FinalResult::Ok => ("ok", None),
        FinalResult::Error => ("error", None),
        FinalResult::CmeError(n) => ("cme_error", Some(*n)),
        FinalResult::CmsError(n) => ("cms_error", Some(*n)),
    };
    buf.extend_from_slice(b"{\"code\":");
    push_quoted_plain(buf, code);
    if let Some(n) = n {
        buf.extend_from_slice(b",\"n\":");
        push_i64(buf, n);
    }
    buf.push(b'}');
}

/// `,"params":[…]` unless there are none: `{"t":"int","v":1}`, `{"t":"str","v":"…"}`,
/// `{"t":"raw","v":"…"}`, `{"t":"empty"}`.
fn push_params(buf: &mut Vec<u8>, params: &[Param]) {
    if params.is_empty() {
        return;
    }
    push_key(buf, "params");
    buf.push(b'[');
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        match p {
            Param::Empty => buf.extend_from_slice(b"{\"t\":\"empty\"}"),
            Param::Int(n) => {
                buf.extend_from_slice(b"{\"t\":\"int\",\"v\":");
                push_i64(buf, *n);
                buf.push(b'}');
            }
            Param::Str(s) | Param::Raw(s) => {
                buf.extend_from_slice(if matches!(p, Param::Str(_)) {
                    b"{\"t\":\"str\",\"v\":"
                } else {
                    b"{\"t\":\"raw\",\"v\":"
                });
                push_str(buf, s);
                buf.push(b'}');
            }
        }
    }
    buf.push(b']');
}

/// Bytes: `{"text":"…"}` when valid UTF-8, else `{"b64":"…"}` (as [`Bytes`] serialises).
fn push_bytes(buf: &mut Vec<u8>, b: &Bytes) {
    // ASCII (almost every AT line) is valid UTF-8 and quicker to tell.
    let text = if b.0.is_ascii() { Ok(()) } else { std::str::from_utf8(&b.0).map(|_| ()) };
    match text {
        Ok(()) => {
            buf.extend_from_slice(b"{\"text\":");
            push_escaped(buf, &b.0);
        }
        Err(_) => {
            buf.extend_from_slice(b"{\"b64\":\"");
            let at = buf.len();
            let n = base64::encoded_len(b.0.len(), true).expect("payload pieces are far below usize::MAX / 4");
            buf.resize(at + n, 0);
            base64::engine::general_purpose::STANDARD
                .encode_slice(&b.0, &mut buf[at..])
                .expect("the buffer has the encoded length");
            buf.push(b'"');
        }
    }
    buf.push(b'}');
}

/// Appends a decimal integer, with a minus sign when `negative` (what serde_json writes).
fn push_int(buf: &mut Vec<u8>, n: u64, negative: bool) {
    if negative {
        buf.push(b'-');
    }
    buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{decode_all, Options};
    use crate::chunk::{Chunk, Dir, Record};
    use crate::timeline::ExchangeStatus;

    proptest::proptest! {
        #[test]
        fn integers_are_written_as_serde_json_writes_them(n in proptest::num::i64::ANY) {
            let mut buf = Vec::new();
            push_int(&mut buf, n.unsigned_abs(), n < 0);
            proptest::prop_assert_eq!(String::from_utf8(buf).unwrap(), n.to_string());
        }

        #[test]
        fn seq_numbers_in_order_or_not_are_written_as_numbers(
            start in proptest::prelude::any::<u64>(),
            steps in proptest::collection::vec(0u64..3, 1..40),
        ) {
            let mut counter = Counter::default();
            let mut n = start.min(u64::MAX - 200);
            for step in steps {
                // 1: the next one (incremented in place); 0 and 2: a repeat or a gap.
                n += step;
                let mut buf = Vec::new();
                counter.push(&mut buf, n);
                proptest::prop_assert_eq!(String::from_utf8(buf).unwrap(), n.to_string());
            }
        }
    }

    #[test]
    fn seq_numbers_carry_across_digit_counts() {
        let mut counter = Counter::default();
        for n in (0..1200).chain(99_990..100_010).chain(u64::MAX - 3..=u64::MAX).chain(0..3) {
            let mut buf = Vec::new();
            counter.push(&mut buf, n);
            assert_eq!(buf, n.to_string().into_bytes());
        }
    }

    /// Events of every kind, as a session of both sides gives them.
    fn events() -> Vec<Event> {
        let recs: [(i64, Dir, &[u8]); 9] = [
            (-5, Dir::Host, b"AT+CFUN=1\r\n"),
            (1_000, Dir::Modem, b"\r\nOK\r\n\r\n+CEREG: 5,\"0B\\\"x\",1\r\n"),
            (2_000, Dir::Host, b"AT#XSEND\r\n"),
            (3_000, Dir::Modem, b"\r\nOK\r\n"),
            (4_000, Dir::Host, b"\xc0\xff payload \x01"),
            (5_000, Dir::Host, b"+++"),
            (6_000, Dir::Modem, b"\r\n#XDATAMODE: 0\r\n"),
            (7_000, Dir::Host, b"AT#XMQTTCON=0\r\n"),
            (9_000_000, Dir::Modem, b"\xc0\xffReady\r\nstray text\r\n\r\nOK\r\n"),
        ];
        let mut recs: Vec<(i64, Dir, Vec<u8>)> = recs.iter().map(|&(t, d, b)| (t, d, b.to_vec())).collect();
        // CMUX (events with a `dlci`, `cmux`, `cmux_state`, `ppp`).
        use crate::cmux::encode;
        recs.push((10_000_000, Dir::Host, b"AT#XCMUX=1\r\n".to_vec()));
        recs.push((10_001_000, Dir::Modem, b"\r\nOK\r\n".to_vec()));
        for (i, dlci) in [0u8, 1, 2].into_iter().enumerate() {
            let t = 10_002_000 + i as i64 * 1_000;
            recs.push((t, Dir::Host, encode(dlci, true, 0x3F, &[])));
            recs.push((t + 500, Dir::Modem, encode(dlci, true, 0x73, &[])));
        }
        recs.push((10_010_000, Dir::Host, encode(1, true, 0xEF, b"AT+CGMR\r\n")));
        let lcp = crate::ppp::encode(crate::ppp::LCP, &[1, 1, 0, 8, 1, 4, 5, 0]);
        recs.push((10_011_000, Dir::Modem, encode(2, false, 0xEF, &lcp)));
        let recs = recs.into_iter().map(|(t, d, b)| Ok::<_, ()>(Record::Chunk(Chunk::bytes(t, d, b))));
        decode_all(recs, Options::default()).unwrap().0
    }

    /// Every kind with every optional field both present and absent, its bytes and strings
    /// taken from `bytes` (any bytes: valid UTF-8 or not) and `s` (any text).
    fn every_kind(bytes: &[u8], s: &str) -> Vec<EventKind> {
        use crate::at::grammar::Form;
        use crate::chunk::Condition;
        let line = || Bytes(bytes.to_vec());
        let params =
            || vec![Param::Empty, Param::Int(-7), Param::Int(i64::MAX), Param::Str(s.into()), Param::Raw(s.into())];
        let results = [FinalResult::Ok, FinalResult::Error, FinalResult::CmeError(518), FinalResult::CmsError(-1)];
        let mut kinds = Vec::new();
        for (i, form) in
            [None, Some(Form::Test), Some(Form::Read), Some(Form::Set), Some(Form::Exec)].into_iter().enumerate()
        {
            kinds.push(EventKind::Command {
                exchange: i as u32,
                name: s.into(),
                form,
                params: if i % 2 == 0 { params() } else { Vec::new() },
                line: line(),
                invalid: (i % 2 == 1).then(|| s.to_string()),
                overflow: i % 2 == 0,
                pending: (0..i as u32).collect(),
            });
        }
        for name in [None, Some(s.to_string())] {
            kinds.push(EventKind::Info { exchange: 3, name: name.clone(), params: params(), line: line() });
            kinds.push(EventKind::Info { exchange: u32::MAX, name, params: Vec::new(), line: line() });
        }
        for (i, r) in results.iter().enumerate() {
            kinds.push(EventKind::Final {
                exchange: (i % 2 == 0).then_some(4),
                result: r.clone(),
                latency_ns: (i % 2 == 1).then_some(-3),
            });
            kinds.push(EventKind::Exchange {
                id: i as u32,
                name: s.into(),
                line: line(),
                status: [
                    ExchangeStatus::Ok,
                    ExchangeStatus::Error,
                    ExchangeStatus::Aborted,
                    ExchangeStatus::Open,
                    ExchangeStatus::TimedOut,
                    ExchangeStatus::Lost,
                ][i],
                result: (i % 2 == 0).then(|| r.clone()),
                latency_ns: (i % 2 == 1).then_some(i64::MIN),
                info_lines: 2,
            });
        }
        kinds.push(EventKind::Exchange {
            id: 9,
            name: String::new(),
            line: line(),
            status: ExchangeStatus::Lost,
            result: None,
            latency_ns: None,
            info_lines: 0,
        });
        kinds.push(EventKind::Urc { name: s.into(), params: params(), line: line() });
        kinds.push(EventKind::Urc { name: s.into(), params: Vec::new(), line: line() });
        kinds.push(EventKind::Text { line: line() });
        kinds.push(EventKind::Payload { exchange: Some(1), owner: s.into(), len: bytes.len(), data: line() });
        kinds.push(EventKind::Payload { exchange: None, owner: "data mode".into(), len: 0, data: Bytes::default() });
        kinds.push(EventKind::Garbage { data: line(), why: s.into() });
        for (enter, exchange, result, host_terminator) in [(true, Some(2), None, false), (false, None, Some(-5), true)]
        {
            kinds.push(EventKind::DataMode { enter, exchange, result, host_terminator });
        }
        kinds.push(EventKind::Reset(crate::timeline::ResetInfo {
            garbage: line(),
            aborted: vec![1, 2],
            last_command: None,
        }));
        kinds.push(EventKind::Condition { cond: Condition::Glitch });
        kinds.push(EventKind::Mark { text: s.into() });
        kinds.push(EventKind::Cmux {
            frame: "UIH".into(),
            cr: true,
            pf: false,
            messages: vec![s.into()],
            data: line(),
            fcs_ok: false,
            dropped: Some(crate::timeline::event::CmuxDrop::Fcs),
        });
        kinds.push(EventKind::CmuxStray { data: line(), plain_at: true });
        kinds.push(EventKind::CmuxState { up: false, at_channel: 1, ppp_channel: 2, why: s.into() });
        kinds.push(EventKind::Finding(crate::finding::Finding {
            id: "at.final.missing".into(),
            severity: crate::finding::Severity::Error,
            message: s.into(),
            help: s.into(),
            events: vec![0, 1],
        }));
        kinds
    }

    /// `e` through the writer and through serde_json, as two strings.
    fn both_ways(e: &Event) -> (String, String) {
        let mut ours = Vec::new();
        EventWriter::default().write(&mut ours, e).unwrap();
        let mut serde = serde_json::to_vec(e).unwrap();
        serde.push(b'\n');
        (String::from_utf8(ours).unwrap(), String::from_utf8(serde).unwrap())
    }

    fn event(kind: EventKind, dir: Option<Dir>, meaning: Option<String>) -> Event {
        // A CMUX channel on the events with a direction (the envelope's `dlci`).
        let dlci = dir.map(|d| if d == Dir::Host { 0 } else { 63 });
        Event { seq: 12, t_ns: -1, end_ns: i64::MAX, dir, dlci, meaning, kind }
    }

    #[test]
    fn every_kind_is_written_as_serde_json_writes_it_odd_bytes_included() {
        let odd: [(&[u8], &str); 5] = [
            (b"AT+CFUN=1", "+CFUN"),
            (b"AT#XMQTTCFG=\"id\\\"x\",\"a\\b\"\t\x01\x08\x0c\x1f\x7f", "q\"b\\c\u{0}\u{1f}\u{7f}\r\n\t\u{8}\u{c}"),
            (b"\xc0\xff payload \x01", "é€😀\u{85}"),
            ("é€😀\u{2028}".as_bytes(), ""),
            (b"", "data mode"),
        ];
        for (bytes, s) in odd {
            for kind in every_kind(bytes, s) {
                for (dir, meaning) in [
                    (None, None),
                    (Some(Dir::Modem), Some(format!("{s} \"m\""))),
                    (Some(Dir::Host), Some(String::new())),
                ] {
                    let (ours, serde) = both_ways(&event(kind.clone(), dir, meaning));
                    assert_eq!(ours, serde);
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_and_text_are_written_as_serde_json_writes_them(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..48),
            s in "\\PC*|[ -~\"\\\\\u{0}-\u{1f}\u{7f}é€😀]{0,40}",
        ) {
            for kind in every_kind(&bytes, &s) {
                let (ours, serde) = both_ways(&event(kind, Some(Dir::Host), Some(s.clone())));
                proptest::prop_assert_eq!(ours, serde);
            }
        }
    }

    #[test]
    fn events_are_written_as_serde_json_writes_the_whole_event() {
        let events = events();
        for kind in [
            "command",
            "final",
            "urc",
            "payload",
            "data_mode",
            "reset",
            "finding",
            "exchange",
            "cmux",
            "cmux_state",
            "ppp",
        ] {
            assert!(events.iter().any(|e| e.kind.type_name() == kind), "no {kind} event in {events:#?}");
        }
        assert!(events.iter().any(|e| e.meaning.is_some()));
        assert!(events.iter().any(|e| e.dlci.is_some() && e.meaning.is_some()), "a command on a channel");
        assert!(events.iter().any(|e| matches!(e.kind, EventKind::Command { .. }) && e.t_ns < 0));
        let mut w = EventWriter::default();
        for e in &events {
            let mut ours = Vec::new();
            w.write(&mut ours, e).unwrap();
            let mut serde = serde_json::to_vec(e).unwrap();
            serde.push(b'\n');
            assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(serde).unwrap());
        }
    }
}
