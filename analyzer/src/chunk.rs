//! The chunk stream: what every capture source produces and every decoder consumes.
//!
//! A [`Chunk`] is bytes (or a line condition) that one side of the link sent, stamped with
//! integer nanoseconds since the capture start. The side is named by the speaker
//! ([`Dir::Host`] or [`Dir::Modem`]), never by "tx"/"rx", which only describe one wiring.

use serde::{Deserialize, Serialize};

/// Who spoke: the host MCU (DTE) or the modem running SLM (DCE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dir {
    /// The MCU that sends AT commands.
    Host,
    /// The nRF9160 running the Serial LTE Modem firmware.
    Modem,
}

impl Dir {
    /// Lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::Host => "host",
            Dir::Modem => "modem",
        }
    }

    /// The other side.
    pub fn other(self) -> Dir {
        match self {
            Dir::Host => Dir::Modem,
            Dir::Modem => Dir::Host,
        }
    }
}

impl std::fmt::Display for Dir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A line condition seen by a UART receiver instead of (or besides) a data byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    /// The stop bit was not at the idle level.
    Framing,
    /// The parity bit did not match.
    Parity,
    /// The line sat at the break level for longer than a frame.
    Break,
    /// A pulse shorter than the glitch filter.
    Glitch,
}

impl Condition {
    /// Lower-case name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Framing => "framing",
            Condition::Parity => "parity",
            Condition::Break => "break",
            Condition::Glitch => "glitch",
        }
    }
}

/// What a chunk carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Bytes in the order they were on the wire.
    Bytes(Vec<u8>),
    /// A line condition.
    Condition(Condition),
}

/// Bytes or a line condition from one side, at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Nanoseconds since the capture start (negative before a logic analyzer's trigger).
    pub t_ns: i64,
    /// Who sent it.
    pub dir: Dir,
    /// What was sent.
    pub body: Body,
}

impl Chunk {
    /// A chunk of bytes.
    pub fn bytes(t_ns: i64, dir: Dir, bytes: impl Into<Vec<u8>>) -> Chunk {
        Chunk { t_ns, dir, body: Body::Bytes(bytes.into()) }
    }

    /// A chunk that carries a line condition.
    pub fn condition(t_ns: i64, dir: Dir, cond: Condition) -> Chunk {
        Chunk { t_ns, dir, body: Body::Condition(cond) }
    }
}

/// A note a user (or the recorder) put on the time axis, e.g. "port unplugged".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    /// Nanoseconds since the capture start.
    pub t_ns: i64,
    /// What happened.
    pub text: String,
}

/// One item of a recorded stream: a chunk or a mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// Bytes or a condition.
    Chunk(Chunk),
    /// A mark.
    Mark(Mark),
}

impl Record {
    /// The time of this record.
    pub fn t_ns(&self) -> i64 {
        match self {
            Record::Chunk(c) => c.t_ns,
            Record::Mark(m) => m.t_ns,
        }
    }
}
