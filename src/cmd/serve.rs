//! `atscope serve [FILES or DIRS]`: the web timeline viewer on the given captures.
//!
//! Run with `cargo run --release -- serve traces/` and open the URL it prints.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use atscope_analyzer::capture::ImportOptions;
use atscope_web::server::{ServeOptions, DEFAULT_PORT};
use atscope_web::upload::{Decoder, Limits};
use clap::Args;

/// Arguments of `atscope serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Captures to serve: files (any format `decode` reads) or directories searched for them.
    /// Default: `traces/` in the current directory.
    pub paths: Vec<PathBuf>,
    /// Port to listen on; 0 picks a free one. Default 8080, or a free port if 8080 is taken.
    #[arg(long)]
    pub port: Option<u16>,
    /// Address to listen on. Anything but loopback exposes the traces to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Which channel is the host (name or index), for every capture and upload.
    #[arg(long)]
    pub host: Option<String>,
    /// Which channel is the modem (name or index), for every capture and upload.
    #[arg(long)]
    pub modem: Option<String>,
    /// Largest capture the page may upload, in MiB.
    #[arg(long, default_value_t = 256)]
    pub max_upload_mib: usize,
    /// Most memory one capture (upload or file) may take to decode, in MiB; a capture that needs
    /// more is refused (decoded first in a separate process held to this).
    #[arg(long, default_value_t = 2048, value_name = "MIB")]
    pub decode_memory_mib: u64,
    /// Longest time one capture may take to decode, in seconds.
    #[arg(long, default_value_t = 120, value_name = "S")]
    pub decode_seconds: u64,
}

/// Arguments of the hidden `atscope serve-worker`: the child process `serve` decodes a capture in
/// first, within a memory limit (see `atscope_web::upload`).
#[derive(Args)]
pub struct WorkerArgs {
    /// The capture.
    pub file: PathBuf,
    /// Which channel is the host.
    #[arg(long)]
    pub host: Option<String>,
    /// Which channel is the modem.
    #[arg(long)]
    pub modem: Option<String>,
    /// Address-space limit of this process, MiB.
    #[arg(long)]
    pub memory_mib: Option<u64>,
}

/// Every capture is decoded first in a child process: this executable, `serve-worker`.
pub fn worker_decoder() -> Decoder {
    match std::env::current_exe() {
        Ok(program) => Decoder::Worker { program, args: vec!["serve-worker".into()] },
        Err(e) => {
            eprintln!("warning: cannot find this executable ({e}): captures are decoded without a memory limit");
            Decoder::InProcess
        }
    }
}

/// Runs the hidden `atscope serve-worker`.
pub fn worker(args: WorkerArgs) -> Result<ExitCode> {
    let opts = ImportOptions { host: args.host, modem: args.modem, ..Default::default() };
    atscope_web::upload::worker_main(&args.file, &opts, args.memory_mib);
    Ok(ExitCode::SUCCESS)
}

/// Runs `atscope serve` until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let paths = if args.paths.is_empty() { vec![PathBuf::from("traces")] } else { args.paths };
    let opts = ServeOptions {
        bind: args.bind,
        port: args.port,
        import: ImportOptions { host: args.host, modem: args.modem, ..Default::default() },
        max_upload: args.max_upload_mib.saturating_mul(1024 * 1024),
        limits: Limits {
            decode_memory: args.decode_memory_mib.saturating_mul(1 << 20),
            decode_time: Duration::from_secs(args.decode_seconds.max(1)),
            ..Limits::default()
        },
        decoder: worker_decoder(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let bind = args.bind;
    rt.block_on(atscope_web::serve(paths, opts, |ready| {
        if let Some(note) = ready.note {
            eprintln!("note: {note}");
        }
        if !ready.skipped.is_empty() {
            eprintln!(
                "note: skipped {} file(s) that are not captures ({})",
                ready.skipped.len(),
                by_kind(ready.skipped)
            );
        }
        for f in ready.failed {
            eprintln!("warning: not served: {}", f.error);
        }
        if !bind.is_loopback() {
            eprintln!("warning: listening on {bind}: anyone who can reach this machine can read the traces");
        }
        eprintln!("serving {} trace(s); Ctrl-C or SIGTERM stops (default port {DEFAULT_PORT})", ready.traces);
        println!("{}", ready.url);
    }))
    .context("atscope serve")?;
    Ok(ExitCode::SUCCESS)
}

/// `97 .expect, 97 .snap, 3 .py, 7 others` for a list of file names (a served folder holds
/// notes, scripts and stored transcripts beside its captures; naming each would flood the terminal).
fn by_kind(names: &[String]) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for n in names {
        let base = n.rsplit('/').next().unwrap_or(n);
        let ext = base.rsplit_once('.').map(|(_, e)| e).filter(|e| !e.is_empty()).unwrap_or("");
        *counts.entry(ext).or_default() += 1;
    }
    let mut kinds: Vec<(&str, usize)> = counts.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.is_empty().cmp(&b.0.is_empty())).then(a.0.cmp(b.0)));
    kinds
        .iter()
        .map(|(e, c)| if e.is_empty() { format!("{c} without an extension") } else { format!("{c} .{e}") })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn skipped_files_are_counted_by_kind() {
        let names: Vec<String> =
            ["a/x.expect", "b/y.expect", "README.md", "s/z.snap", "LICENSE"].iter().map(|s| s.to_string()).collect();
        assert_eq!(super::by_kind(&names), "2 .expect, 1 .md, 1 .snap, 1 without an extension");
    }
}
