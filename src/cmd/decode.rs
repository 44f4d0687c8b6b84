//! `atscope decode FILE`: a capture to an AT timeline on the terminal, or JSON Lines, with
//! the findings of the rules.

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use atscope_analyzer::analysis::pipeline::{self, Stopped};
use atscope_analyzer::analysis::{Analysis, Options};
use atscope_analyzer::at::framer::Terminator;
use atscope_analyzer::capture;
use atscope_analyzer::finding::Severity;
use atscope_analyzer::report::json::{write_header, EventWriter};
use atscope_analyzer::report::text::TextPrinter;
use atscope_analyzer::rules::RuleConfig;
use atscope_analyzer::slm::SlmVersion;
use atscope_analyzer::timeline::{Config, Event, EventKind};
use clap::Args;

/// What decides the analysis, shared by `decode` and the commands that decode.
#[derive(Args, Debug, Clone, Default)]
pub struct AnalysisArgs {
    /// SLM version to apply when the trace has no `#XSLMVER` answer (default 2.1.2).
    #[arg(long, value_name = "X.Y.Z")]
    pub slm_version: Option<String>,
    /// Change a finding's severity or turn it off: ID=note|warning|error|off (`slm.datamode.*` matches a family). Repeatable.
    #[arg(long = "severity", value_name = "ID=LEVEL")]
    pub severity: Vec<String>,
    /// A file of `ID = LEVEL` lines (default: ./atscope.toml's [severity] section, when present).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Show credentials and passwords instead of redacting them.
    #[arg(long)]
    pub no_redact: bool,
    /// What ends a host command line: auto (learned from the traffic: a CR ends a line, the LF
    /// of CR LF is dropped), crlf (SLM default), cr (Serial Modem default) or lf.
    #[arg(long, value_name = "TERM", default_value = "auto", value_parser = ["auto", "crlf", "cr", "lf"])]
    pub terminator: String,
}

impl AnalysisArgs {
    /// The analysis options these arguments describe.
    pub fn options(&self) -> Result<Options> {
        let mut rules = RuleConfig::default();
        let file = self.rules.clone().or_else(|| Some(PathBuf::from("atscope.toml")).filter(|p| p.is_file()));
        if let Some(f) = file {
            let text = std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
            rules.add_file_text(&text).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?;
        }
        for s in &self.severity {
            rules.add(s).map_err(|e| anyhow::anyhow!("--severity {e}"))?;
        }
        let version = match &self.slm_version {
            Some(v) => {
                Some(SlmVersion::parse(v).with_context(|| format!("--slm-version {v:?} is not a version like 2.1.2"))?)
            }
            None => None,
        };
        let terminator = match self.terminator.as_str() {
            "cr" => Terminator::Cr,
            "lf" => Terminator::Lf,
            "crlf" => Terminator::CrLf,
            _ => Terminator::Auto,
        };
        Ok(Options { decoder: Config { version, terminator }, rules, redact: !self.no_redact, ..Default::default() })
    }
}

/// Arguments of `atscope decode`.
#[derive(Args)]
pub struct DecodeArgs {
    /// The capture: .atrace, Saleae CSV/binary/.sal, sigrok .sr, VCD (detected from the content).
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
    /// Only the findings.
    #[arg(long)]
    pub findings: bool,
    /// Exit with status 1 when a finding at this level or above exists.
    #[arg(long, value_name = "LEVEL", value_parser = ["note", "warning", "error"])]
    pub fail_on: Option<String>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// The SLM's own log.
    #[command(flatten)]
    pub log: super::log_args::LogArgs,
    /// UART settings for waveform captures (.sal, .sr, Saleae binary/raw CSV, VCD).
    #[command(flatten)]
    pub uart: super::uart_args::UartArgs,
}

/// Runs `atscope decode`.
pub fn run(args: DecodeArgs) -> Result<ExitCode> {
    let opts = args.uart.import_options(args.host.clone(), args.modem.clone());
    let mut analysis_opts = args.analysis.options()?;
    analysis_opts.meanings = !args.findings;
    let mut records = capture::open_records(&args.file, &opts)?;
    eprintln!("{}: {}; {}", args.file.display(), records.source_mut().format_name(), records.explanation());
    for n in records.source_mut().notes() {
        eprintln!("note: {n}");
    }
    let stdout = std::io::stdout();
    let color = !args.json && stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // Not locked: the events are written on the pipeline's writer thread.
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    let printer = TextPrinter { color };
    let mut analysis = Analysis::new(analysis_opts);
    args.log.attach(&mut analysis, &args.file, records.source_mut().recording_meta())?;
    let (json, only_findings) = (args.json, args.findings);
    // One line buffer for the whole run: an event's line is rendered into it, then written.
    let mut line = String::with_capacity(256);
    let mut json_writer = EventWriter::default();
    let mut render = |out: &mut BufWriter<std::io::Stdout>, e: &Event| -> std::io::Result<()> {
        if json {
            return json_writer.write(out, e);
        }
        line.clear();
        if printer.render_into(&mut line, e, e.meaning.as_deref()) {
            line.push('\n');
        }
        out.write_all(line.as_bytes())?;
        match (&e.kind, only_findings) {
            (EventKind::Finding(f), true) => writeln!(out, "{:>12}       {}", "", f.help),
            _ => Ok(()),
        }
    };
    let keep = |e: &Event| !only_findings || matches!(e.kind, EventKind::Finding(_));
    let mut first = Vec::new();
    analysis.capture_checks(&records, &mut |e| {
        if keep(e) {
            first.push(e.clone());
        }
    });
    let written = if json { write_header(&mut out) } else { Ok(()) }
        .and_then(|_| first.iter().try_for_each(|e| render(&mut out, e)))
        .map_err(Stopped::Write)
        .and_then(|_| pipeline::run(&mut analysis, records.by_ref(), keep, |e| render(&mut out, e)));
    for w in records.source_mut().take_warnings() {
        eprintln!("warning: {w}");
    }
    match written {
        Ok(()) => {}
        Err(Stopped::Read(e)) => {
            out.flush().ok();
            return Err(e).with_context(|| format!("reading {}", args.file.display()));
        }
        Err(Stopped::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(Stopped::Write(e)) => return Err(e).context("writing the timeline"),
    }
    if let Err(e) = out.flush() {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(e).context("writing the timeline");
    }
    let tl = analysis.timeline();
    let ver = if tl.version_known() {
        tl.version().product()
    } else {
        format!("{} assumed (no #XSLMVER or #XSMVER seen; --slm-version to change)", tl.version().product())
    };
    let summary = analysis.summary();
    eprintln!("{}; {ver}", summary.line());
    if let Some(level) = args.fail_on.as_deref().and_then(Severity::parse) {
        if summary.findings[level.index()..].iter().any(|&n| n > 0) {
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}
