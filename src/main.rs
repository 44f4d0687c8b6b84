//! `atscope`: a record-and-replay protocol analyzer for the UART between a host MCU and an
//! nRF9160 running the Serial LTE Modem firmware. A thin CLI over `atscope-analyzer`.
//!
//! Exit status: 0 clean, 1 findings at or above `--fail-on` (or a behaviour difference), 2 error.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod output;
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
    /// Serial ports, with USB VID:PID, serial number and product when known.
    Ports(cmd::ports::PortsArgs),
    /// Record a live link (as the host, a two-adapter tap, or a pty proxy) to an .atrace.
    Record(cmd::record::RecordArgs),
    /// Play a trace back over a real port, as the host (then diff) or as the modem.
    Replay(cmd::replay::ReplayArgs),
    /// Compare the modem behaviour of two sessions (exit 1 when it differs).
    Diff(cmd::diff::DiffArgs),
    /// Build, flash and identify the SLM firmware (see firmware/README.md).
    Firmware {
        #[command(subcommand)]
        cmd: cmd::firmware::FirmwareCmd,
    },
    /// Decode a capture (waveform or bytes) once and write its chunks as an .atrace trace.
    Import(cmd::import::ImportArgs),
    /// Export a capture for other tools: Wireshark (pcapng), Perfetto (JSON), CSV, or a sigrok session.
    Export(cmd::export::ExportArgs),
    /// Serve the web timeline viewer on captures (default: traces/).
    Serve(cmd::serve::ServeArgs),
    /// Record a live link from a logic analyzer through libsigrok (needs the `sigrok` feature).
    Logic(cmd::logic::LogicArgs),
    /// Internal: `serve` decodes each capture in this child process first, within a memory limit.
    #[command(hide = true)]
    ServeWorker(cmd::serve::WorkerArgs),
}

/// Whether a panic is Rust's `print!`/`eprint!` failing on a closed pipe.
fn is_closed_pipe_panic(info: &std::panic::PanicHookInfo<'_>) -> bool {
    let msg = info
        .payload()
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| info.payload().downcast_ref::<&str>().copied())
        .unwrap_or("");
    msg.starts_with("failed printing to std") && msg.contains("Broken pipe")
}

/// Whether an error is a write to a closed pipe (`atscope … | head -1`).
fn is_closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// A reader that closed our stdout or stderr (`| head -1`) has all it wanted: end quietly, like
/// a process killed by SIGPIPE, without a panic message or an error on a closed stream.
fn end_quietly_on_closed_pipes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if is_closed_pipe_panic(info) {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    end_quietly_on_closed_pipes();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Decode(args) => cmd::decode::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Ports(args) => cmd::ports::run(args),
        Command::Record(args) => cmd::record::run(args),
        Command::Replay(args) => cmd::replay::run(args),
        Command::Diff(args) => cmd::diff::run(args),
        Command::Firmware { cmd } => cmd::firmware::run(cmd),
        Command::Import(args) => cmd::import::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Logic(args) => cmd::logic::run(args),
        Command::ServeWorker(args) => cmd::serve::worker(args),
    };
    match result {
        Ok(code) => code,
        Err(e) if is_closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("atscope: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
