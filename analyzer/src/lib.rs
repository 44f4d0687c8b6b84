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
//! * [`uart`]: the UART decoder for waveform captures (logic analyzers), with baud detection.
//!
//! Everything from the chunk stream down is pure: no I/O, no clock. Feeding the same bytes split
//! at any points gives the same events.
#![warn(missing_docs)]

pub mod at;
pub mod capture;
pub mod chunk;
pub mod report;
pub mod timeline;
pub mod trace;
pub mod uart;
