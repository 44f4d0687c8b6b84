//! `atscope export TRACE --format sr -o OUT.sr`: render a trace as a waveform capture.
//!
//! The sigrok session has probes `host` and `modem` (which `atscope import` maps back without
//! flags) and can be opened by sigrok-cli and PulseView.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use atscope_analyzer::capture::sr_write::{write_sr, SrRender};
use atscope_analyzer::trace::TraceReader;
use clap::{Args, ValueEnum};

/// Waveform formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// sigrok session (`.sr`), for sigrok-cli and PulseView.
    Sr,
}

/// Arguments of `atscope export`.
#[derive(Args)]
pub struct ExportArgs {
    /// The trace to render (.atrace).
    pub trace: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Sr)]
    pub format: ExportFormat,
    /// The file to write.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Samples per second of the rendered capture.
    #[arg(long, value_name = "HZ", default_value_t = 4_000_000)]
    pub samplerate: u64,
    /// Baud rate of both lines (default: the trace's `baud`, else 115200).
    #[arg(long, value_name = "N")]
    pub baud: Option<u32>,
}

/// Runs `atscope export`.
pub fn run(args: ExportArgs) -> Result<ExitCode> {
    let name = args.trace.display().to_string();
    let f = File::open(&args.trace).with_context(|| format!("cannot open {name}"))?;
    let reader = TraceReader::new(std::io::BufReader::with_capacity(1 << 16, f))
        .with_context(|| format!("cannot read {name}"))?;
    let baud = args
        .baud
        .or_else(|| reader.meta().get("baud").and_then(|b| b.as_u64()).and_then(|b| u32::try_from(b).ok()))
        .unwrap_or(115_200);
    let cfg = SrRender { samplerate: args.samplerate, baud, ..SrRender::default() };
    match args.format {
        ExportFormat::Sr => {
            let dir = args.output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
            let tmp = tempfile::NamedTempFile::new_in(dir)
                .with_context(|| format!("cannot create a file in {}", dir.display()))?;
            let out = BufWriter::with_capacity(1 << 16, tmp.as_file().try_clone()?);
            let records = reader.map(|r| r.map_err(|e| anyhow::anyhow!("{name}: {e}")));
            let stats =
                write_sr(out, records, &cfg).with_context(|| format!("cannot write {}", args.output.display()))?;
            tmp.persist(&args.output).with_context(|| format!("cannot write {}", args.output.display()))?;
            eprintln!(
                "atscope: wrote {}: {} samples at {} Hz, {} Bd 8N1; host {} bytes, modem {} bytes{}{}",
                args.output.display(),
                stats.samples,
                cfg.samplerate,
                baud,
                stats.bytes[0],
                stats.bytes[1],
                if stats.delayed > 0 {
                    format!("; {} bytes moved later (line busy)", stats.delayed)
                } else {
                    String::new()
                },
                if stats.not_drawn > 0 {
                    format!("; {} parity conditions not drawn (8N1)", stats.not_drawn)
                } else {
                    String::new()
                },
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
