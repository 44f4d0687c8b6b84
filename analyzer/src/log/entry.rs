//! A log line as a timeline event (`"type":"log"`, `"dir":"log"` in `decode --json`).

use serde::{Serialize, Serializer};

use super::line::Level;
use super::segment::Item;

/// The speaker of a log event: always `"log"` (the SLM's log, beside `host` and `modem`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LogDir;

impl Serialize for LogDir {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("log")
    }
}

/// One line of the SLM's log, placed on the UART's time axis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// `"log"`.
    pub dir: LogDir,
    /// `err`, `wrn`, `inf`, `dbg`, or `unknown` (printk, unparsed).
    pub level: Level,
    /// The log module, if the line has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// The message.
    pub text: String,
    /// Which boot of the log (0 for the first segment).
    pub segment: u32,
    /// The SLM's uptime, ns (the line's own stamp, or the line before it).
    pub uptime_ns: i64,
    /// The line starts a boot: the banner's words, or `uptime restarted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boot: Option<String>,
    /// A terminal's wall-clock prefix, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_time: Option<String>,
    /// A continuation row (hexdump, assertion message) of the line before.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub continuation: bool,
    /// The line was longer than the bound and is cut.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub cut: bool,
}

impl From<Item> for LogEntry {
    fn from(it: Item) -> Self {
        LogEntry {
            dir: LogDir,
            level: it.line.level,
            module: it.line.module,
            text: it.line.text,
            segment: it.segment,
            uptime_ns: it.uptime_ns,
            boot: it.starts.map(|s| match s {
                super::segment::Start::Banner(b) => b,
                super::segment::Start::UptimeRestart => "uptime restarted".to_string(),
            }),
            host_time: it.line.host_time,
            continuation: it.line.continuation,
            cut: it.cut,
        }
    }
}
