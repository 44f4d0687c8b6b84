//! `atscope check TRACES_DIR`: regression over recorded traces for a user's own CI.
//!
//! Decodes every capture below the directory, compares each transcript with the stored one,
//! prints a unified diff per change, and exits 0 (same), 1 (behaviour changed, a transcript
//! missing, or findings at `--fail-on`), 2 (a trace could not be decoded, or an I/O error).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use atscope_analyzer::check::{check_one, find_traces, junit, Outcome};
use atscope_analyzer::finding::Severity;
use clap::Args;

use super::decode::AnalysisArgs;

/// Arguments of `atscope check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The directory of traces.
    pub traces: PathBuf,
    /// Where the stored transcripts are (default: TRACES/.atscope-snapshots).
    #[arg(long)]
    pub snapshots: Option<PathBuf>,
    /// Write the current transcripts as the new reference.
    #[arg(long)]
    pub update: bool,
    /// Also fail when a trace has findings at this level or above.
    #[arg(long, value_name = "LEVEL", value_parser = ["note", "warning", "error"])]
    pub fail_on: Option<String>,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// Runs `atscope check`.
pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let opts = args.analysis.options()?;
    let snapshots = args.snapshots.clone().unwrap_or_else(|| args.traces.join(".atscope-snapshots"));
    let traces =
        find_traces(&args.traces, Some(&snapshots)).with_context(|| format!("reading {}", args.traces.display()))?;
    if traces.is_empty() {
        anyhow::bail!("{}: no traces (.atrace, .csv, .sr, .sal) found", args.traces.display());
    }
    let fail_level = args.fail_on.as_deref().and_then(Severity::parse);
    let mut results = Vec::new();
    let mut findings_failed = Vec::new();
    let (mut changed, mut failed) = (0, 0);
    for t in &traces {
        let r = check_one(&args.traces, &snapshots, t, args.update, &opts);
        let status = match &r.outcome {
            Outcome::Same => "ok",
            Outcome::Updated => "updated",
            Outcome::New => "NEW (no stored transcript; run with --update)",
            Outcome::Changed(_) => "CHANGED",
            Outcome::Failed(_) => "ERROR",
        };
        println!("{status:>8}  {}", t.display());
        match &r.outcome {
            Outcome::Changed(d) => {
                changed += 1;
                println!("{d}");
            }
            Outcome::New => changed += 1,
            Outcome::Failed(e) => {
                failed += 1;
                println!("          {e}");
            }
            _ => {}
        }
        if let (Some(level), Some(s)) = (fail_level, &r.summary) {
            if s.findings[level.index()..].iter().any(|&n| n > 0) {
                println!("          findings at or above {level}: {}", s.line());
                findings_failed.push(t.clone());
            }
        }
        results.push(r);
    }
    if let Some(j) = &args.junit {
        std::fs::write(j, junit(&results, &findings_failed)).with_context(|| format!("writing {}", j.display()))?;
    }
    println!(
        "{} traces: {} same, {changed} changed or new, {failed} failed{}",
        traces.len(),
        traces.len() - changed - failed,
        if findings_failed.is_empty() {
            String::new()
        } else {
            format!(", {} with findings at --fail-on", findings_failed.len())
        }
    );
    Ok(if failed > 0 {
        ExitCode::from(2)
    } else if changed > 0 && !args.update || !findings_failed.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
