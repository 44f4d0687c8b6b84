//! `atscope replay TRACE --as host|modem --port P`: play a recorded session back over a real
//! port.
//!
//! * `--as host`: send the host side to a modem, paced like the original (each command after
//!   the modem has shown what it had shown before it in the original, then the original think
//!   time; `--speed` divides the think time), record the new session (`-o`), then print the
//!   semantic diff against the original. Exit 0 equivalent, 1 behaviour differs, 2 error.
//! * `--as modem`: answer a host MCU like the recorded modem: recorded answers at recorded
//!   latencies, URCs at recorded offsets; unknown commands get `ERROR` (`--strict`: stop with a
//!   report, exit 1). `--inject reset@'AT#XMQTTCON=0'`, `drop-urc@#XMQTTEVT`,
//!   `delay@AT+CFUN=1=5s`, `garbage@AT+CGMR` inject faults. Runs until Ctrl-C (or `--once`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::{Context, Result};
use atscope_analyzer::at::framer::Terminator;
use atscope_analyzer::chunk::Dir;
use atscope_analyzer::diff::{diff, Behaviour, DiffOptions};
use atscope_analyzer::replay::inject::Injection;
use atscope_analyzer::replay::pacer::{Pacer, PacerOptions};
use atscope_analyzer::replay::responder::{Responder, ResponderOptions};
use atscope_analyzer::replay::{parse_duration, Plan};
use atscope_analyzer::serial::link::{spawn_reader, Line};
use atscope_analyzer::serial::recorder::Recorder;
use atscope_analyzer::serial::session::{self, Driver};
use atscope_analyzer::serial::{open, SharedPort};
use clap::Args;

use super::diff::{decode_file, print_report, read_records};
use super::live::{self, LiveView, SessionArgs};

/// Arguments of `atscope replay`.
#[derive(Args)]
pub struct ReplayArgs {
    /// The recorded session.
    pub trace: PathBuf,
    /// Which side atscope plays.
    #[arg(long = "as", value_name = "ROLE", value_parser = ["host", "modem"])]
    pub role: String,
    /// The port: the modem's (--as host) or the host MCU's (--as modem).
    #[arg(long)]
    pub port: String,
    /// Record the new session here.
    #[arg(short, long, value_name = "NEW.atrace")]
    pub output: Option<PathBuf>,
    /// Play this many times faster than recorded (scales the recorded gaps and latencies).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// --as host: give up any single wait for the modem after this long (e.g. 5s).
    #[arg(long, value_name = "DURATION")]
    pub wait_limit: Option<String>,
    /// --as host: the diff as one JSON object on stdout (the live timeline is not printed).
    #[arg(long)]
    pub json: bool,
    /// --as modem: stop with a report at a command the trace does not know (instead of ERROR).
    #[arg(long)]
    pub strict: bool,
    /// --as modem: inject a fault, KIND@PATTERN[=ARG] (reset, drop-urc, delay, garbage). Repeatable.
    #[arg(long, value_name = "KIND@PATTERN")]
    pub inject: Vec<String>,
    /// --as modem: end after the whole trace was played (default: until Ctrl-C).
    #[arg(long)]
    pub once: bool,
    #[command(flatten)]
    pub live: SessionArgs,
}

/// Runs `atscope replay`.
pub fn run(args: ReplayArgs) -> Result<ExitCode> {
    anyhow::ensure!(args.speed > 0.0 && args.speed.is_finite(), "--speed must be a positive number");
    let as_host = args.role == "host";
    let settings = args.live.line.settings();
    let opts = args.live.analysis.options()?;
    let records = read_records(&args.trace)?;
    let plan = Plan::from_records(&records, Terminator::default());
    let driver = if as_host {
        let wait_limit_ns = match &args.wait_limit {
            Some(w) => {
                Some(parse_duration(w).with_context(|| format!("--wait-limit {w:?} is not a duration like 5s"))?)
            }
            None => None,
        };
        Driver::Host(Pacer::new(&plan, PacerOptions { speed: args.speed, wait_limit_ns }))
    } else {
        let inject = args
            .inject
            .iter()
            .map(|s| Injection::parse(s).map_err(|e| anyhow::anyhow!("--inject {e}")))
            .collect::<Result<Vec<_>>>()?;
        let ro = ResponderOptions { speed: args.speed, strict: args.strict, inject, terminator: Terminator::default() };
        Driver::Modem { responder: Responder::new(&plan, ro), once: args.once }
    };
    let stop = live::stop_flag()?;
    let (tx, rx) = std::sync::mpsc::channel();
    let source = if as_host { "replay as host" } else { "replay as modem" };
    let mut meta = live::meta(
        source,
        &format!("{} on {}", if as_host { "modem" } else { "host" }, args.port),
        &settings,
        args.live.identity_file.as_ref(),
    );
    meta.insert("replay_of".into(), args.trace.display().to_string().into());
    meta.insert("speed".into(), args.speed.into());
    let inputs: Vec<&std::path::Path> =
        std::iter::once(&args.trace).chain(args.live.identity_file.iter()).map(PathBuf::as_path).collect();
    let recorder = Recorder::create(args.output.as_deref(), &inputs, &meta, tx)?;
    let port = open(&args.port, &settings)?;
    let shared = SharedPort::new(args.port.clone());
    shared.set(Some(port.try_clone().context("cloning the port handle")?));
    let peer = if as_host { Dir::Modem } else { Dir::Host };
    let line =
        Line { label: format!("{peer} port {}", args.port), path: Some(args.port.clone()), settings, dir: Some(peer) };
    let reader = spawn_reader(line, port, recorder.clone(), stop.clone(), Some(shared.clone()), None)?;
    if !as_host {
        eprintln!("atscope: playing the modem of {} on {}; Ctrl-C to stop", args.trace.display(), args.port);
    }
    let mut view = LiveView::new(args.live.quiet || args.json, as_host);
    let name =
        format!("replay of {}", args.trace.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    let _viewer = view.attach_viewer(args.live.serve, &name)?;
    let outcome = session::run(rx, &recorder, Some(&shared), driver, opts.clone(), &stop, &mut |e| view.event(e));
    stop.store(true, Ordering::Relaxed);
    let _ = reader.join();
    if let Some(e) = recorder.error() {
        eprintln!("atscope: error: {e}");
    }
    recorder.close()?;
    eprintln!("atscope: {}", outcome.summary.line());
    for n in &outcome.notes {
        eprintln!("note: {n}");
    }
    if let Some(f) = &outcome.failure {
        eprintln!("atscope: stopped: {f}");
        return Ok(ExitCode::from(1));
    }
    if !as_host {
        return Ok(ExitCode::SUCCESS);
    }
    if outcome.stopped {
        anyhow::bail!("interrupted before the replay was complete; no diff");
    }
    let original = decode_file(&args.trace, &opts)?;
    let new = view.keep.take().unwrap_or_default();
    let report = diff(
        &Behaviour::from_events(&original),
        &Behaviour::from_events(&new),
        &DiffOptions { b_time_scale: args.speed, ..Default::default() },
    );
    let b = match &args.output {
        Some(o) => format!("live session on {} (recorded to {})", args.port, o.display()),
        None => format!("live session on {}", args.port),
    };
    print_report(&report, &args.trace.display().to_string(), &b, args.json)
}
