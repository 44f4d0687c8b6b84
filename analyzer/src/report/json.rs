//! JSON Lines: one [`crate::timeline::Event`] object per line.
//!
//! The schema is the serde shape of [`crate::timeline::Event`], documented in
//! [`crate::timeline::event`]: `seq`, `t`, `end`, `dir`, `type` and the fields of the type.

use std::io::Write;

use crate::timeline::Event;

/// Writes one event as a JSON line.
pub fn write_event<W: Write>(out: &mut W, e: &Event) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, e).map_err(std::io::Error::other)?;
    out.write_all(b"\n")
}
