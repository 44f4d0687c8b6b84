//! `atscope diff A B`: do two sessions show the same modem behaviour? (exit 0 equivalent,
//! 1 different, 2 error; `--json` for the machine-readable report).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use atscope_analyzer::analysis::{decode_all, Options};
use atscope_analyzer::capture::{self, ImportOptions};
use atscope_analyzer::chunk::Record;
use atscope_analyzer::diff::{diff, Behaviour, DiffOptions, DiffReport, Tolerance};
use atscope_analyzer::replay::parse_duration;
use atscope_analyzer::timeline::Event;
use clap::Args;

use super::decode::AnalysisArgs;

/// Arguments of `atscope diff`.
#[derive(Args)]
pub struct DiffArgs {
    /// The reference session (.atrace or any capture `decode` reads).
    pub a: PathBuf,
    /// The session to compare with it.
    pub b: PathBuf,
    /// The report as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// B was replayed this many times faster than A (its latencies are scaled back).
    #[arg(long, default_value_t = 1.0)]
    pub b_speed: f64,
    /// Latencies may differ by this much (or by half the larger one) without a note.
    #[arg(long, default_value = "500ms")]
    pub tolerance: String,
    /// Count latencies beyond the tolerance as differences.
    #[arg(long)]
    pub strict_timing: bool,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// Every record of a capture file.
pub fn read_records(path: &Path) -> Result<Vec<Record>> {
    let mut recs = capture::open_records(path, &ImportOptions::default())?;
    let out: Vec<Record> =
        recs.by_ref().collect::<Result<_, _>>().with_context(|| format!("reading {}", path.display()))?;
    for w in recs.source_mut().take_warnings() {
        eprintln!("warning: {}: {w}", path.display());
    }
    Ok(out)
}

/// The timeline of a capture file.
pub fn decode_file(path: &Path, opts: &Options) -> Result<Vec<Event>> {
    let recs = read_records(path)?;
    Ok(decode_all(recs.into_iter().map(Ok::<_, ()>), opts.clone()).expect("infallible").0)
}

/// Prints a report; the exit code it means.
pub fn print_report(report: &DiffReport, a: &str, b: &str, json: bool) -> Result<ExitCode> {
    if json {
        println!("{}", serde_json::to_string(report)?);
    } else {
        println!("A: {a}\nB: {b}");
        print!("{}", report.text());
    }
    Ok(ExitCode::from(if report.equivalent { 0 } else { 1 }))
}

/// Runs `atscope diff`.
pub fn run(args: DiffArgs) -> Result<ExitCode> {
    let opts = args.analysis.options()?;
    anyhow::ensure!(args.b_speed > 0.0 && args.b_speed.is_finite(), "--b-speed must be a positive number");
    let abs_ns = parse_duration(&args.tolerance)
        .with_context(|| format!("--tolerance {:?} is not a duration like 500ms", args.tolerance))?;
    let a = decode_file(&args.a, &opts)?;
    let b = decode_file(&args.b, &opts)?;
    let report = diff(
        &Behaviour::from_events(&a),
        &Behaviour::from_events(&b),
        &DiffOptions {
            tolerance: Tolerance { abs_ns, ..Tolerance::default() },
            b_time_scale: args.b_speed,
            strict_timing: args.strict_timing,
        },
    );
    print_report(&report, &args.a.display().to_string(), &args.b.display().to_string(), args.json)
}
