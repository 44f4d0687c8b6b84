//! `atscope decode FILE`: a capture to an AT timeline.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

/// Arguments of `atscope decode`.
#[derive(Args)]
pub struct DecodeArgs {
    /// The capture: .atrace, Saleae CSV exports (detected from the content).
    pub file: PathBuf,
    /// Which channel is the host (name or index).
    #[arg(long)]
    pub host: Option<String>,
    /// Which channel is the modem (name or index).
    #[arg(long)]
    pub modem: Option<String>,
    /// One JSON object per timeline event.
    #[arg(long)]
    pub json: bool,
}

/// Runs `atscope decode`.
pub fn run(args: DecodeArgs) -> Result<ExitCode> {
    let _ = args;
    Ok(ExitCode::SUCCESS)
}
