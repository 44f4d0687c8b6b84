//! The SLM's own log (Zephyr logging over RTT or a second UART), read beside the UART capture.
//!
//! ```text
//! log bytes ─► framer (lines, bounded) ─► line (header: uptime, level, module) ─► segment
//!   (boots, inherited times, crash parts) ─► align (each boot onto the UART axis) ─► timeline
//! ```
//!
//! Everything here is pure (no I/O but the [`segment::Reader`] over a caller's `Read`, no
//! clock); bytes split at any points give the same lines. Bad input is data: a line that fits
//! no format is text of level `unknown`, an over-long line is cut, nothing panics.
//!
//! ```
//! use atscope_analyzer::log::{segment::parse_all, line::Level};
//! let items = parse_all(b"[00:00:01.500,000] <err> slm_mqtt: mqtt_connect: -111\r\n");
//! assert_eq!(items[0].line.level, Level::Err);
//! assert_eq!(items[0].uptime_ns, 1_500_000_000);
//! ```

pub mod align;
pub mod boot;
pub mod crash;
pub mod entry;
pub mod framer;
pub mod line;
pub mod segment;
pub mod stamp;

pub use entry::LogEntry;
pub use line::Level;

/// Where the log of a capture goes: `NAME.log` beside `NAME.atrace` (or any `NAME.ext`);
/// `None` for a capture itself named `.log`.
pub fn path_beside(capture: &std::path::Path) -> Option<std::path::PathBuf> {
    let p = capture.with_extension("log");
    (p != capture).then_some(p)
}

/// The log beside a capture ([`path_beside`]), when it exists.
pub fn beside(capture: &std::path::Path) -> Option<std::path::PathBuf> {
    path_beside(capture).filter(|p| p.is_file())
}

/// Opens a log file for [`crate::analysis::Analysis::attach_log`]: its lines, read in blocks as
/// the UART's time reaches them.
pub fn open(path: &std::path::Path) -> std::io::Result<segment::Reader<std::fs::File>> {
    Ok(segment::Reader::new(std::fs::File::open(path)?))
}

/// What [`crate::analysis::Analysis::attach_log`] takes: a log's lines.
pub type Lines = Box<dyn Iterator<Item = segment::Item> + Send>;
