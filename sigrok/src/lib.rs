//! libsigrok sessions and their datafeed as safe Rust: atscope's only `unsafe` code.
//!
//! `sigrok-rs` 0.1.0 hands samples back only when an acquisition has ended and runs libsigrok's
//! main loop on a thread of its own that can outlive an aborted session. This crate does the
//! one thing it lacks, on the bindings it is built on (`libsigrok-sys`): it registers a
//! datafeed callback (`sr_session_datafeed_callback_add`) and runs the session's main loop on
//! the caller's thread, so that every logic packet reaches Rust while the acquisition runs, and
//! a stopped session is over (its loop returned) before anything is freed. Device scanning and
//! configuration stay with `sigrok-rs` (`Device::config`).
//!
//! The same datafeed serves a device and a session file loaded by libsigrok itself
//! (`sr_session_load`), so a recorded capture can be replayed through the live path.
//!
//! Without the `sigrok` feature the crate is empty (a workspace build needs no libsigrok).
//! Linking it makes a binary GPL-3.0-or-later (libsigrok's licence; see the README, "Licence of
//! a binary built with `--features sigrok`").

#[cfg(feature = "sigrok")]
mod ffi;

#[cfg(feature = "sigrok")]
pub use ffi::{Channel, Context, Device, Flow, Packet, RunEnd, Session, SrError, Stopper};
#[cfg(feature = "sigrok")]
pub use sigrok_rs;
