//! `atscope ports`: serial ports with USB VID:PID, serial number and product when known.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

/// Arguments of `atscope ports`.
#[derive(Args)]
pub struct PortsArgs {
    /// One JSON object per port.
    #[arg(long)]
    pub json: bool,
}

/// Runs `atscope ports`.
pub fn run(args: PortsArgs) -> Result<ExitCode> {
    let ports = atscope_analyzer::serial::ports::list()?;
    for p in &ports {
        if args.json {
            println!("{}", serde_json::to_string(p)?);
        } else {
            println!("{}", p.line());
        }
    }
    if ports.is_empty() && !args.json {
        eprintln!(
            "no serial ports found (a USB adapter that is plugged in but missing here may need the `dialout` group)"
        );
    }
    Ok(ExitCode::SUCCESS)
}
