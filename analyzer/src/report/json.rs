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

use crate::timeline::Event;

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
/// The envelope (`seq`, `t`, `end`, `dir`, `dlci`, `meaning`) is written here, the kind's fields by its
/// serde derive: the same bytes as serialising the whole [`Event`] (whose kind is flattened into
/// it), without serde's flattening, which goes through a map serializer field by field.
#[derive(Debug, Default)]
pub struct EventWriter {
    buf: Vec<u8>,
}

impl EventWriter {
    /// Writes one event as a JSON line.
    pub fn write<W: Write>(&mut self, out: &mut W, e: &Event) -> std::io::Result<()> {
        self.buf.clear();
        encode_event(&mut self.buf, e)?;
        self.buf.push(b'\n');
        out.write_all(&self.buf)
    }
}

/// Appends an event's JSON object (no newline) to `buf`.
fn encode_event(buf: &mut Vec<u8>, e: &Event) -> std::io::Result<()> {
    buf.extend_from_slice(b"{\"seq\":");
    push_int(buf, e.seq, false);
    buf.extend_from_slice(b",\"t\":");
    push_int(buf, e.t_ns.unsigned_abs(), e.t_ns < 0);
    buf.extend_from_slice(b",\"end\":");
    push_int(buf, e.end_ns.unsigned_abs(), e.end_ns < 0);
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
        push_str(buf, m)?;
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

/// Appends a decimal integer, with a minus sign when `negative` (what serde_json writes).
fn push_int(buf: &mut Vec<u8>, n: u64, negative: bool) {
    if negative {
        buf.push(b'-');
    }
    buf.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Appends `s` as a JSON string: as it is between quotes when it needs no escape (no `"`, `\`
/// or control character: the common case), else through serde_json's escaping.
fn push_str(buf: &mut Vec<u8>, s: &str) -> std::io::Result<()> {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(&mut *buf, s).map_err(std::io::Error::other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{decode_all, Options};
    use crate::chunk::{Chunk, Dir, Record};
    use crate::timeline::EventKind;

    proptest::proptest! {
        #[test]
        fn strings_are_written_as_serde_json_writes_them(s in "\\PC*|[ -~\"\\\\\u{0}-\u{1f}\u{7f}é€😀]{0,40}") {
            let mut buf = Vec::new();
            push_str(&mut buf, &s).unwrap();
            proptest::prop_assert_eq!(String::from_utf8(buf).unwrap(), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn integers_are_written_as_serde_json_writes_them(n in proptest::num::i64::ANY) {
            let mut buf = Vec::new();
            push_int(&mut buf, n.unsigned_abs(), n < 0);
            proptest::prop_assert_eq!(String::from_utf8(buf).unwrap(), n.to_string());
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
