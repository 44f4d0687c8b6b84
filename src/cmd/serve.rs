//! `atscope serve [FILES or DIRS]`: the web timeline viewer on the given captures.
//!
//! Run with `cargo run --release -- serve traces/` and open the URL it prints.

use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use atscope_analyzer::capture::ImportOptions;
use atscope_web::server::{ServeOptions, DEFAULT_PORT};
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
}

/// Runs `atscope serve` until Ctrl-C.
pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let paths = if args.paths.is_empty() { vec![PathBuf::from("traces")] } else { args.paths };
    let opts = ServeOptions {
        bind: args.bind,
        port: args.port,
        import: ImportOptions { host: args.host, modem: args.modem, ..Default::default() },
        max_upload: args.max_upload_mib.saturating_mul(1024 * 1024),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let bind = args.bind;
    rt.block_on(atscope_web::serve(paths, opts, |ready| {
        if let Some(note) = ready.note {
            eprintln!("note: {note}");
        }
        if !ready.skipped.is_empty() {
            eprintln!(
                "note: skipped {} file(s) that are not captures: {}",
                ready.skipped.len(),
                ready.skipped.join(", ")
            );
        }
        if !bind.is_loopback() {
            eprintln!("warning: listening on {bind}: anyone who can reach this machine can read the traces");
        }
        eprintln!("serving {} trace(s); Ctrl-C stops (default port {DEFAULT_PORT})", ready.traces);
        println!("{}", ready.url);
    }))
    .context("atscope serve")?;
    Ok(ExitCode::SUCCESS)
}
