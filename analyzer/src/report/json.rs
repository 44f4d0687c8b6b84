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
//! | `finding` | `id` (see [`crate::rules::CATALOGUE`]), `severity` (`note`/`warning`/`error`), `message`, `help`, `events` (the `seq` of the events that prove it) |
//!
//! The `log` type and `dir: "log"` were added within version 2 (additive: a reader that skips
//! unknown types reads the rest as before).
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

/// Writes one event as a JSON line.
pub fn write_event<W: Write>(out: &mut W, e: &Event) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, e).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
