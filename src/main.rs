//! `atscope`: a record-and-replay protocol analyzer for the UART between a host MCU and an
//! nRF9160 running the Serial LTE Modem firmware. A thin CLI over `atscope-analyzer`.
//!
//! Exit status: 0 clean, 1 findings at or above `--fail-on` (or a behaviour difference), 2 error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;

#[derive(Parser)]
#[command(name = "atscope", version, about = "AT timeline analyzer for the nRF9160 Serial LTE Modem UART link")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode a capture into an AT timeline (text, or JSON Lines with --json).
    Decode(cmd::decode::DecodeArgs),
    /// Decode a capture (waveform or bytes) once and write its chunks as an .atrace trace.
    Import(cmd::import::ImportArgs),
    /// Render a trace as a waveform capture (a sigrok session for sigrok-cli and PulseView).
    Export(cmd::export::ExportArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => cmd::decode::run(args),
        Command::Import(args) => cmd::import::run(args),
        Command::Export(args) => cmd::export::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("atscope: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
