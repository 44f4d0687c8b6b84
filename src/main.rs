//! `atscope`: a record-and-replay protocol analyzer for the UART between a host MCU and an
//! nRF9160 running the Serial LTE Modem firmware. A thin CLI over `atscope-analyzer`.
//!
//! Exit status: 0 clean, 1 findings at or above `--fail-on` (or a behaviour difference), 2 error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod version;

#[derive(Parser)]
#[command(name = "atscope", version = version::long_version(), about = "AT timeline analyzer for the nRF9160 Serial LTE Modem UART link")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Decode a capture into an AT timeline (text, or JSON Lines with --json).
    Decode(cmd::decode::DecodeArgs),
    /// Check recorded traces against their stored transcripts (regression for CI).
    Check(cmd::check::CheckArgs),
    /// Build, flash and identify the SLM firmware (see firmware/README.md).
    Firmware {
        #[command(subcommand)]
        cmd: cmd::firmware::FirmwareCmd,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => cmd::decode::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Firmware { cmd } => cmd::firmware::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("atscope: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
