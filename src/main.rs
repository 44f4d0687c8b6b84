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
    /// Serve the web timeline viewer on captures (default: traces/).
    Serve(cmd::serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => cmd::decode::run(args),
        Command::Serve(args) => cmd::serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("atscope: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
