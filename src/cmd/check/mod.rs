//! `atscope check TRACES_DIR`: regression over recorded traces for a user's own CI.
//!
//! Decodes every `.atrace` below the directory, compares each transcript with the stored one
//! (insta `.snap` files, by default in TRACES_DIR/snapshots), prints a unified diff per change
//! and writes it as a pending `.snap.new` for `cargo insta review`, and exits 0 (same), 1
//! (behaviour changed, a transcript missing, or findings at `--fail-on`), 2 (a trace could not
//! be decoded, or an I/O error).
//!
//! The comparing is the library's (`atscope_analyzer::check`); here are the edges: finding the
//! traces ([`walk`]), reading and writing the stored files ([`trace`]), threads ([`jobs`]).

mod jobs;
mod trace;
mod walk;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use atscope_analyzer::check::{junit, Outcome, Partition, DEFAULT_SNAPSHOTS};
use atscope_analyzer::finding::Severity;
use clap::Args;

use super::decode::AnalysisArgs;
use jobs::check_all;
use trace::Setup;
use walk::find_traces;

/// Arguments of `atscope check`.
#[derive(Args)]
pub struct CheckArgs {
    /// The directory of traces (every `.atrace` below it; other files are ignored).
    pub traces: PathBuf,
    /// Where the stored transcripts are (default: TRACES/snapshots).
    #[arg(long)]
    pub snapshots: Option<PathBuf>,
    /// Write the current transcripts as the new reference (review them with `git diff`).
    #[arg(long)]
    pub update: bool,
    /// Do not write a changed or new transcript as a pending `.snap.new` (for `cargo insta review`).
    #[arg(long)]
    pub no_pending: bool,
    /// Also fail when a trace has findings at this level or above.
    #[arg(long, value_name = "LEVEL", value_parser = ["note", "warning", "error"])]
    pub fail_on: Option<String>,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Only this share of the traces, for a CI matrix: hash:K/N (or K/N), count:K/N.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<Partition>,
    /// Traces checked at once (default: every core).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// Runs `atscope check`.
pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let options = args.analysis.options()?;
    let snapshots = args.snapshots.clone().unwrap_or_else(|| args.traces.join(DEFAULT_SNAPSHOTS));
    let found =
        find_traces(&args.traces, Some(&snapshots)).with_context(|| format!("reading {}", args.traces.display()))?;
    for s in &found.skipped {
        eprintln!("atscope: skipped {s}");
    }
    if found.traces.is_empty() {
        anyhow::bail!("{}: no traces (.atrace) found", args.traces.display());
    }
    let all = found.traces.len();
    let traces: Vec<PathBuf> = match &args.partition {
        Some(p) => p.select(&args.traces, &found.traces).into_iter().map(|i| found.traces[i].clone()).collect(),
        None => found.traces,
    };
    if let Some(p) = &args.partition {
        println!("partition {p}: {} of {all} traces", traces.len());
    }
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let setup =
        Setup { traces: args.traces.clone(), snapshots, update: args.update, pending: !args.no_pending, options };
    let fail_level = args.fail_on.as_deref().and_then(Severity::parse);
    let mut results = Vec::new();
    let mut findings_failed = Vec::new();
    let (mut changed, mut failed, mut updated) = (0, 0, 0);
    check_all(&setup, &traces, jobs, |mut r| {
        let status = match &r.outcome {
            Outcome::Same => "ok",
            Outcome::Updated => "updated",
            Outcome::New => "NEW (no stored transcript; run with --update)",
            Outcome::Changed(_) => "CHANGED",
            Outcome::Failed(_) => "ERROR",
        };
        println!("{status:>8}  {}", r.trace.display());
        match &r.outcome {
            Outcome::Changed(d) => {
                changed += 1;
                println!("{d}");
            }
            Outcome::New => changed += 1,
            Outcome::Updated => updated += 1,
            Outcome::Failed(e) => {
                failed += 1;
                println!("          {e}");
            }
            _ => {}
        }
        if let (Some(level), Some(s)) = (fail_level, &r.summary) {
            if s.findings[level.index()..].iter().any(|&n| n > 0) {
                println!("          findings at or above {level}: {}", s.line());
                findings_failed.push(r.trace.clone());
            }
        }
        if args.junit.is_some() {
            // Keep what the report needs, not the summaries of thousands of traces.
            r.summary = None;
            results.push(r);
        }
    });
    if let Some(j) = &args.junit {
        std::fs::write(j, junit(&results, &findings_failed)).with_context(|| format!("writing {}", j.display()))?;
    }
    let pending = if changed > 0 && !args.update && setup.pending {
        " (pending transcripts written as .snap.new: review with `cargo insta review`, or rewrite all with --update)"
    } else {
        ""
    };
    println!(
        "{} traces: {} same, {}{changed} changed or new, {failed} failed{}{pending}",
        traces.len(),
        traces.len() - changed - failed - updated,
        if args.update { format!("{updated} updated, ") } else { String::new() },
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
