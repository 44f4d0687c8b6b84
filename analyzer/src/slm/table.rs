//! The SLM knowledge base as data: commands, URCs, value meanings, promises and timeouts.
//!
//! Sources: `slm-protocol.md` (SLM v2.1.2 source and docs, later versions to the final SLM, the
//! nRF91 AT command reference). One table per kind of fact; the code in [`super`] and in
//! [`crate::rules`] only interprets them. To teach atscope a new command, add a row here.
//!
//! Each kind of fact has its module: [`super::fields`], [`super::commands`], [`super::urcs`],
//! [`super::promises`], [`super::datamode`], [`super::modem_tls`]; this module gathers them
//! under one name for the code that reads them.

pub use super::commands::*;
pub use super::datamode::*;
pub use super::fields::*;
pub use super::modem_tls::*;
pub use super::promises::*;
pub use super::urcs::*;
