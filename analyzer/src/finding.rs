//! Findings: anomalies explained the way a protocol expert would (Wireshark's Expert Info).
//!
//! Each finding has a stable dotted id (`slm.reset.unexpected`), a severity, the time span and
//! the events it concerns, a one-line message, and help text saying what it likely means and
//! what to check.

use serde::{Deserialize, Serialize};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Note,
    /// Probably wrong, or fragile.
    Warning,
    /// Wrong.
    Error,
}

impl Severity {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `note`, `warning` (or `warn`), `error`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "note" | "info" => Some(Severity::Note),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }

    /// Index into `[note, warning, error]` counters.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable dotted id.
    pub id: String,
    /// Severity (after the user's overrides).
    pub severity: Severity,
    /// One line.
    pub message: String,
    /// What it likely means and what to check.
    pub help: String,
    /// `seq` of the events it concerns.
    pub events: Vec<u64>,
}
