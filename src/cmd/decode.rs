//! `atscope decode FILE`: a capture to an AT timeline on the terminal, or JSON Lines.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use atscope_analyzer::analysis::Analysis;
use atscope_analyzer::capture::{self, ImportOptions};
use atscope_analyzer::report::json::write_event;
use atscope_analyzer::report::text::TextPrinter;
use atscope_analyzer::timeline::Config;
use clap::Args;

/// Arguments of `atscope decode`.
#[derive(Args)]
pub struct DecodeArgs {
    /// The capture: .atrace or a Saleae CSV export (the format is detected from the content).
    pub file: PathBuf,
    /// Which channel is the host (name or index).
    #[arg(long)]
    pub host: Option<String>,
    /// Which channel is the modem (name or index).
    #[arg(long)]
    pub modem: Option<String>,
    /// One JSON object per timeline event (JSON Lines) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `atscope decode`.
pub fn run(args: DecodeArgs) -> Result<ExitCode> {
    let opts = ImportOptions { host: args.host.clone(), modem: args.modem.clone(), ..Default::default() };
    let mut records = capture::open_records(&args.file, &opts)?;
    eprintln!("{}: {}; {}", args.file.display(), records.source_mut().format_name(), records.explanation());
    for n in records.source_mut().notes() {
        eprintln!("note: {n}");
    }
    let stdout = std::io::stdout();
    let color = !args.json && stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let printer = TextPrinter { color };
    let mut analysis = Analysis::new(Config::default());
    let mut io_err: Option<std::io::Error> = None;
    let json = args.json;
    let mut sink = |e: &atscope_analyzer::timeline::Event| {
        if io_err.is_some() {
            return;
        }
        let r = if json { write_event(&mut out, e) } else { printer.write(&mut out, e, None) };
        if let Err(err) = r {
            io_err = Some(err);
        }
    };
    for rec in records.by_ref() {
        let rec = rec.with_context(|| format!("reading {}", args.file.display()))?;
        analysis.push(&rec, &mut sink);
    }
    analysis.finish(&mut sink);
    for w in records.source_mut().take_warnings() {
        eprintln!("warning: {w}");
    }
    if let Some(e) = io_err {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(e).context("writing the timeline");
    }
    out.flush().ok();
    drop(out);
    let tl = analysis.timeline();
    let ver = if tl.version_known() {
        format!("SLM {}", tl.version())
    } else {
        format!("SLM {} assumed (no #XSLMVER seen)", tl.version())
    };
    eprintln!("{}; {ver}", analysis.summary().line());
    Ok(ExitCode::SUCCESS)
}
