//! `atscope export TRACE --format pcapng|perfetto|csv|sr -o OUT`: a capture for other tools.
//!
//! * `pcapng`: Wireshark/tshark, one packet per AT line or payload, dissected by Wireshark's
//!   `at` dissector, findings as packet comments.
//! * `perfetto`: Chrome trace-event JSON for ui.perfetto.dev: exchanges as slices, URCs and
//!   resets as instants, arrows from a command to the URC it promised, findings.
//! * `csv`: one row per timeline event, for spreadsheets.
//! * `sr`: a sigrok session with probes `host` and `modem` (which `atscope import` maps back
//!   without flags), for sigrok-cli and PulseView.
//!
//! The format comes from `--format`, else from the output's extension (`.pcapng`, `.json`,
//! `.csv`, `.sr`). The event exports decode any capture atscope reads and redact secrets unless
//! `--no-redact`; they stream, so memory stays flat. Run with
//! `cargo run -- export traces/slm-2.1.2/mqtt-session.atrace -o /tmp/mqtt.pcapng`.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use atscope_analyzer::analysis::Analysis;
use atscope_analyzer::capture::sr_write::{write_sr, SrRender};
use atscope_analyzer::capture::{self, ImportOptions};
use atscope_analyzer::export::csv::CsvWriter;
use atscope_analyzer::export::pcapng::{PcapngOptions, PcapngWriter};
use atscope_analyzer::export::perfetto::{PerfettoOptions, PerfettoWriter};
use atscope_analyzer::export::{parse_rfc3339, ExportSink};
use atscope_analyzer::redact::RedactRecords;
use atscope_analyzer::slm::SlmVersion;
use atscope_analyzer::timeline::Event;
use atscope_analyzer::trace::{Meta, TraceReader};
use clap::{Args, ValueEnum};

use super::decode::AnalysisArgs;

/// Formats `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// pcapng for Wireshark and tshark (`.pcapng`).
    Pcapng,
    /// Chrome trace-event JSON for ui.perfetto.dev (`.json`).
    Perfetto,
    /// One row per timeline event (`.csv`).
    Csv,
    /// sigrok session (`.sr`), for sigrok-cli and PulseView.
    Sr,
}

impl ExportFormat {
    /// The format an output file name implies.
    pub fn from_extension(path: &Path) -> Option<ExportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "pcapng" => Some(ExportFormat::Pcapng),
            "json" => Some(ExportFormat::Perfetto),
            "csv" => Some(ExportFormat::Csv),
            "sr" => Some(ExportFormat::Sr),
            _ => None,
        }
    }
}

/// Arguments of `atscope export`.
#[derive(Args)]
pub struct ExportArgs {
    /// The capture to export (.atrace; pcapng, perfetto and csv also take any capture `decode` reads).
    pub trace: PathBuf,
    /// Output format (default: from the output's extension).
    #[arg(long, value_enum)]
    pub format: Option<ExportFormat>,
    /// The file to write.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    /// Samples per second of the rendered capture (sr).
    #[arg(long, value_name = "HZ", default_value_t = 4_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub samplerate: u64,
    /// Baud rate of both lines (sr; default: the trace's `baud`, else 115200).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub baud: Option<u32>,
    /// Which channel is the host (name or index), for waveform captures.
    #[arg(long)]
    pub host: Option<String>,
    /// Which channel is the modem (name or index), for waveform captures.
    #[arg(long)]
    pub modem: Option<String>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// The SLM's own log (pcapng: a second interface; Perfetto: a log track; CSV: `log` rows).
    #[command(flatten)]
    pub log: super::log_args::LogArgs,
}

/// Runs `atscope export`.
pub fn run(args: ExportArgs) -> Result<ExitCode> {
    let format = match args.format.or_else(|| ExportFormat::from_extension(&args.output)) {
        Some(f) => f,
        None => bail!(
            "cannot tell the format from {}: give --format pcapng|perfetto|csv|sr (or name the file .pcapng, .json, .csv or .sr)",
            args.output.display()
        ),
    };
    if format != ExportFormat::Sr {
        return run_events(&args, format);
    }
    let name = args.trace.display().to_string();
    let out = crate::output::create(&args.output, &[&args.trace])?;
    let f = File::open(&args.trace).with_context(|| format!("cannot open {name}"))?;
    let reader = TraceReader::new(std::io::BufReader::with_capacity(1 << 16, f))
        .with_context(|| format!("cannot read {name}"))?;
    let baud = args
        .baud
        .or_else(|| reader.meta().get("baud").and_then(|b| b.as_u64()).and_then(|b| u32::try_from(b).ok()))
        .unwrap_or(115_200);
    let cfg = SrRender { samplerate: args.samplerate, baud, ..SrRender::default() };
    {
        {
            let w = BufWriter::with_capacity(1 << 16, out.file());
            let records = reader.map(|r| r.map_err(|e| anyhow::anyhow!("{name}: {e}")));
            // Raw bytes carry the secrets too: redacted unless asked otherwise.
            let records: Box<dyn Iterator<Item = Result<_, anyhow::Error>>> = if args.analysis.no_redact {
                Box::new(records)
            } else {
                let version =
                    args.analysis.slm_version.as_deref().and_then(SlmVersion::parse).unwrap_or(SlmVersion::DEFAULT);
                Box::new(RedactRecords::new(records, version))
            };
            let stats =
                write_sr(w, records, &cfg).with_context(|| format!("cannot write {}", args.output.display()))?;
            out.commit()?;
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

/// The `.atrace` header of `path`, when it is a trace (for the start time and title).
fn trace_meta(path: &Path) -> Option<Meta> {
    let f = File::open(path).ok()?;
    TraceReader::new(std::io::BufReader::new(f)).ok().map(|r| r.meta().clone())
}

/// Decodes the capture and streams its events into the chosen exporter.
fn run_events(args: &ExportArgs, format: ExportFormat) -> Result<ExitCode> {
    let opts = args.analysis.options()?;
    let import = ImportOptions { host: args.host.clone(), modem: args.modem.clone(), ..Default::default() };
    let output = crate::output::create(&args.output, &[&args.trace])?;
    let mut records = capture::open_records(&args.trace, &import)?;
    let meta = trace_meta(&args.trace).unwrap_or_default();
    let out = BufWriter::with_capacity(1 << 16, output.file());
    let title = meta
        .get("title")
        .and_then(|t| t.as_str())
        .map(str::to_string)
        .unwrap_or_else(|| args.trace.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let mut sink: Box<dyn ExportSink + '_> = match format {
        ExportFormat::Pcapng => {
            let start = meta.get("started").and_then(|s| s.as_str()).and_then(parse_rfc3339);
            let o = PcapngOptions {
                start_epoch_ns: start,
                application: format!("atscope {}", crate::version::long_version()),
                command_terminator: match args.analysis.terminator.as_str() {
                    "cr" => b"\r".to_vec(),
                    "lf" => b"\n".to_vec(),
                    _ => b"\r\n".to_vec(),
                },
            };
            Box::new(PcapngWriter::new(out, &o)?)
        }
        ExportFormat::Perfetto => Box::new(PerfettoWriter::new(out, &PerfettoOptions { process_name: title })?),
        ExportFormat::Csv => Box::new(CsvWriter::new(out)?),
        ExportFormat::Sr => unreachable!("sr is rendered from records"),
    };
    let mut analysis = Analysis::new(opts);
    args.log.attach(&mut analysis, &args.trace, records.source_mut().recording_meta())?;
    let mut io_err: Option<std::io::Error> = None;
    let mut feed = |e: &Event| {
        if io_err.is_none() {
            if let Err(err) = sink.event(e) {
                io_err = Some(err);
            }
        }
    };
    analysis.capture_checks(&records, &mut feed);
    for rec in records.by_ref() {
        let rec = rec.with_context(|| format!("reading {}", args.trace.display()))?;
        analysis.push(&rec, &mut feed);
    }
    analysis.finish(&mut feed);
    for w in records.source_mut().take_warnings() {
        eprintln!("warning: {w}");
    }
    let written = match io_err {
        Some(e) => Err(e),
        None => sink.finish(),
    };
    drop(sink);
    written.with_context(|| format!("cannot write {}", args.output.display()))?;
    output.commit()?;
    let redacted = if args.analysis.no_redact { "not redacted" } else { "secrets redacted" };
    eprintln!("atscope: wrote {} ({format:?}); {}; {redacted}", args.output.display(), analysis.summary().line());
    Ok(ExitCode::SUCCESS)
}
