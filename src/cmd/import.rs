//! `atscope import CAPTURE -o OUT.atrace`: decode a capture once, keep the chunks as a small trace.
//!
//! Waveform captures (sigrok `.sr`, Saleae `.sal`, binary and raw CSV exports, VCD) are decoded
//! with the UART options; byte-level captures are copied. The trace header records the source
//! format, the wiring (which channel was taken for which side, and why) and the baud rate.

use std::io::{BufWriter, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use atscope_analyzer::capture;
use atscope_analyzer::chunk::{Body, Dir, Record};
use atscope_analyzer::trace::{Meta, TraceWriter};
use clap::Args;
use serde_json::json;

use super::uart_args::UartArgs;

/// Arguments of `atscope import`.
#[derive(Args)]
pub struct ImportArgs {
    /// The capture (format detected from the content); several files or a folder for Saleae
    /// binary exports (one `digital_N.bin` per channel).
    #[arg(required = true, num_args = 1..)]
    pub capture: Vec<PathBuf>,
    /// The trace to write.
    #[arg(short, long, value_name = "OUT.atrace")]
    pub output: PathBuf,
    /// Which channel is the host (name or index); default: detected from the content.
    #[arg(long, value_name = "CH")]
    pub host: Option<String>,
    /// Which channel is the modem (name or index); default: detected from the content.
    #[arg(long, value_name = "CH")]
    pub modem: Option<String>,
    /// The SLM's own log saved beside the capture (RTT or a second UART): copied beside the trace
    /// as OUT.log, where `decode --log`, `check` and `serve` read it.
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    #[command(flatten)]
    pub uart: UartArgs,
}

/// Runs `atscope import`.
pub fn run(args: ImportArgs) -> Result<ExitCode> {
    let opts = args.uart.import_options(args.host.clone(), args.modem.clone());
    // The log is opened first: a missing one is refused before anything is written.
    let log_in = match &args.log {
        Some(log) => Some(std::fs::File::open(log).with_context(|| format!("reading the log {}", log.display()))?),
        None => None,
    };
    let mut rec = capture::open_records_paths(&args.capture, &opts).context("cannot import")?;
    let format = rec.source_mut().format_name();
    let notes = rec.source_mut().notes();
    for n in &notes {
        eprintln!("atscope: note: {n}");
    }
    let wiring = rec.explanation().to_string();
    eprintln!("atscope: {wiring}");

    let mut meta = Meta::new();
    meta.insert("source".into(), json!(format));
    meta.insert("capture".into(), json!(args.capture.iter().map(|p| p.display().to_string()).collect::<Vec<_>>()));
    meta.insert("wiring".into(), json!(wiring));
    let sides: Vec<usize> = [Dir::Host, Dir::Modem].into_iter().filter_map(|d| rec.channel_of(d)).collect();
    let baud = sides.into_iter().find_map(|ch| rec.source_mut().uart_baud(ch));
    if let Some(b) = baud {
        meta.insert("baud".into(), json!(b));
    }
    if !notes.is_empty() {
        meta.insert("notes".into(), json!(notes));
    }
    meta.insert("atscope".into(), json!(crate::version::long_version()));
    let log_out = match &args.log {
        Some(log) => {
            let (path, file) = super::log_args::log_beside_output(&args.output)?;
            meta.insert("log".into(), json!({ "source": log.display().to_string(), "file": file }));
            Some(path)
        }
        None => None,
    };

    // Never onto the capture; a file is written beside the target and renamed once complete, so a
    // failed or interrupted import leaves no half trace behind.
    let inputs: Vec<&Path> = args.capture.iter().map(PathBuf::as_path).collect();
    let out = crate::output::create(&args.output, &inputs)?;
    let mut w = TraceWriter::new(BufWriter::with_capacity(1 << 16, out.file()), &meta)
        .with_context(|| format!("cannot write {}", args.output.display()))?;

    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(0);
        b.set_style(
            indicatif::ProgressStyle::with_template("{spinner} importing [{bar:40}] {bytes}/{total_bytes} ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.enable_steady_tick(Duration::from_millis(200));
        b
    });
    let (mut bytes, mut conds) = ([0u64; 2], [0u64; 2]);
    let mut n = 0u64;
    while let Some(r) = rec.next() {
        let r = r.context("cannot import")?;
        if let Record::Chunk(c) = &r {
            let i = usize::from(c.dir == Dir::Modem);
            match &c.body {
                Body::Bytes(b) => bytes[i] += b.len() as u64,
                Body::Condition(_) => conds[i] += 1,
            }
        }
        w.write(&r).with_context(|| format!("cannot write {}", args.output.display()))?;
        n += 1;
        if let (Some(b), true) = (&bar, n.is_multiple_of(4096)) {
            if let Some((done, total)) = rec.source_mut().progress() {
                b.set_length(total);
                b.set_position(done);
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    w.flush().with_context(|| format!("cannot write {}", args.output.display()))?;
    drop(w);
    for warn in rec.source_mut().take_warnings() {
        eprintln!("atscope: warning: {warn}");
    }
    out.commit()?;
    if let (Some(mut from), Some(log_out)) = (log_in, log_out) {
        // Beside the trace, written whole or not at all, never onto an input.
        let mut inputs = inputs.clone();
        inputs.push(&args.output);
        let copy = crate::output::create(&log_out, &inputs)?;
        let mut to = copy.file();
        std::io::copy(&mut from, &mut to).with_context(|| format!("cannot write {}", log_out.display()))?;
        copy.commit()?;
        eprintln!("atscope: wrote {} (the SLM's log)", log_out.display());
    }
    eprintln!(
        "atscope: wrote {}: host {} bytes, modem {} bytes, {} line conditions",
        args.output.display(),
        bytes[0],
        bytes[1],
        conds[0] + conds[1]
    );
    Ok(ExitCode::SUCCESS)
}
