//! # atscope-analyzer
//!
//! The library behind the `atscope` command: it turns captures of the UART between a host MCU
//! and an nRF9160 running the Serial LTE Modem (SLM) firmware into an AT timeline.
//!
//! ```text
//! capture (file, port) ─► chunk stream ─► at::Decoder (framer + grammar) ─► timeline events
//! ```
//!
//! * [`chunk`]: the chunk model every source produces.
//! * [`trace`]: the `.atrace` recording format (JSON Lines), writer and streaming reader.
//! * [`capture`]: importers (detected from content) and host/modem assignment.
//! * [`at`]: the push-fed AT framer and grammar for both directions.
//! * [`timeline`]: exchanges, URCs, resets, data-mode sessions, in time order.
//! * [`report`]: terminal text and JSON Lines output.
//! * [`export`]: streaming exports for Wireshark (pcapng), Perfetto (trace-event JSON) and CSV.
//! * [`diff`] and [`volatile`]: the semantic diff of two sessions.
//! * [`replay`]: a trace played back as the host or as the modem (pure state machines).
//! * `serial` (feature `serial`): live ports: durable recording, tap, proxy, replay I/O, port listing.
//! * [`symbols`]: firmware code addresses (a crash's PC and LR) to function, file and line, from the ELF.
//! * [`uart`]: the UART decoder for waveform captures (logic analyzers), with baud detection.
//!
//! Everything from the chunk stream down (all but `serial`) is pure: no I/O, no clock. Feeding the same bytes split
//! at any points gives the same events.
#![warn(missing_docs)]

pub mod analysis;
pub mod at;
pub mod capture;
pub mod check;
pub mod chunk;
pub mod cmux;
pub mod diff;
pub mod export;
pub mod finding;
mod json_str;
pub mod lines;
pub mod log;
pub mod meaning;
pub mod mux;
pub mod output;
pub mod ppp;
pub mod redact;
pub mod replay;
pub mod report;
pub mod rules;
#[cfg(feature = "serial")]
pub mod serial;
pub mod slm;
pub mod stray;
pub mod symbols;
pub mod timeline;
pub mod trace;
pub mod uart;
pub mod volatile;
pub mod wall_time;
