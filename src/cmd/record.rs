//! `atscope record`: record a live link to an `.atrace`, showing the decoded timeline as it
//! goes. Three ways to be on the link:
//!
//! * `--port P`: atscope is the host. Type commands (interactive line mode), or `--script FILE`.
//! * `--host-line P1 --modem-line P2`: a tap: two USB-UART adapters listening on the two wires of
//!   a live host↔modem link; their chunks are merged in time order.
//! * `--proxy P`: atscope opens the modem port and makes a pseudo-terminal for the host program
//!   (path printed, `--link` makes a symlink to it), forwarding both ways unchanged.
//!
//! Durability: every chunk is in the trace as soon as it arrives (fsync within 200 ms); a port
//! that goes away leaves a mark and is reopened until it is back; Ctrl-C closes the trace.
//!
//! `--log PORT` also records the SLM's own log (Zephyr logging on a second UART) into `OUT.log`
//! beside the trace, each line stamped with the wall-clock time its first byte arrived; every
//! chunk is one write to the file as it comes, synced at most 200 ms later. `decode --log`,
//! `check` and `serve` read it as any saved log.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::{Context, Result};
use atscope_analyzer::chunk::Dir;
use atscope_analyzer::replay::script;
use atscope_analyzer::serial::link::{spawn_reader, Forward, Line};
use atscope_analyzer::serial::proxy::HostPty;
use atscope_analyzer::serial::recorder::{Recorder, SYNC_INTERVAL};
use atscope_analyzer::serial::session::{self, Driver};
use atscope_analyzer::serial::{open, SharedPort};
use clap::Args;

use super::live::{self, LiveView, SessionArgs};

/// Arguments of `atscope record`.
#[derive(Args)]
pub struct RecordArgs {
    /// The modem's port; atscope is the host (type commands, or --script).
    #[arg(long, value_name = "PORT", conflicts_with_all = ["host_line", "modem_line", "proxy"])]
    pub port: Option<String>,
    /// Tap: the adapter listening on the host's TX wire.
    #[arg(long, value_name = "PORT", requires = "modem_line", conflicts_with = "proxy")]
    pub host_line: Option<String>,
    /// Tap: the adapter listening on the modem's TX wire.
    #[arg(long, value_name = "PORT", requires = "host_line")]
    pub modem_line: Option<String>,
    /// Proxy: the modem's port; the host program gets a pseudo-terminal.
    #[arg(long, value_name = "PORT")]
    pub proxy: Option<String>,
    /// Proxy: make this symlink point at the host program's pseudo-terminal.
    #[arg(long, value_name = "PATH", requires = "proxy")]
    pub link: Option<PathBuf>,
    /// The trace to write.
    #[arg(short, long, value_name = "OUT.atrace")]
    pub output: PathBuf,
    /// With --port: run this script (`AT…` lines, `wait OK`, `wait #XMQTTEVT: 0 10s`, `sleep 2s`).
    #[arg(long, value_name = "FILE", requires = "port")]
    pub script: Option<PathBuf>,
    /// The SLM's own log on a second serial port (Zephyr logging on a UART): recorded beside the
    /// trace as OUT.log, each line stamped with the time it arrived.
    #[arg(long, value_name = "PORT")]
    pub log: Option<String>,
    /// Baud rate of the --log port (8N1, no flow control).
    #[arg(long, value_name = "N", default_value_t = 115_200, requires = "log")]
    pub log_baud: u32,
    #[command(flatten)]
    pub live: SessionArgs,
}

/// Writes the SLM's log port into its file: each line stamped with its arrival time, each chunk
/// one write, synced at most [`SYNC_INTERVAL`] after it; a failing write is said once.
fn log_writer(mut file: std::fs::File) -> Forward {
    use std::io::Write;
    let mut stamper = atscope_analyzer::log::stamp::Stamper::default();
    let mut last_sync = std::time::Instant::now();
    let mut failed = false;
    Box::new(move |bytes| {
        let wall = atscope_analyzer::wall_time::log_stamp(live::now_ns());
        let mut out = Vec::with_capacity(bytes.len() + 64);
        stamper.stamp(&wall, bytes, &mut out);
        let mut r = file.write_all(&out);
        if r.is_ok() && last_sync.elapsed() >= SYNC_INTERVAL {
            r = file.sync_data();
            last_sync = std::time::Instant::now();
        }
        if let (Err(e), false) = (r, failed) {
            eprintln!("atscope: error: writing the log file: {e}");
            failed = true;
        }
    })
}

/// Runs `atscope record`.
pub fn run(args: RecordArgs) -> Result<ExitCode> {
    let settings = args.live.line.settings();
    let opts = args.live.analysis.options()?;
    let driver_items = match &args.script {
        Some(f) => {
            let text = std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
            Some(script::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", f.display()))?)
        }
        None => None,
    };
    let (source, wiring) = match (&args.port, &args.host_line, &args.modem_line, &args.proxy) {
        (Some(p), ..) => ("serial (atscope as host)", format!("modem on {p}")),
        (None, Some(h), Some(m), None) => ("serial tap", format!("host TX on {h}, modem TX on {m}")),
        (None, None, None, Some(p)) => ("serial proxy", format!("modem on {p}, host on a pseudo-terminal")),
        _ => anyhow::bail!("say where to record: --port P, --host-line P1 --modem-line P2, or --proxy P"),
    };
    let stop = live::stop_flag()?;
    let (tx, rx) = std::sync::mpsc::channel();
    let mut meta = live::meta(source, &wiring, &settings, args.live.identity_file.as_ref());
    let log_path = match &args.log {
        Some(p) => {
            let (path, file) = super::log_args::log_beside_output(&args.output)?;
            meta.insert("log".into(), serde_json::json!({ "port": p, "baud": args.log_baud, "file": file }));
            Some(path)
        }
        None => None,
    };
    let inputs: Vec<&std::path::Path> =
        args.script.iter().chain(args.live.identity_file.iter()).map(PathBuf::as_path).collect();
    let recorder = Recorder::create(Some(&args.output), &inputs, &meta, tx)?;
    let mut readers = Vec::new();
    if let (Some(p), Some(log_path)) = (&args.log, &log_path) {
        let mut inputs = inputs.clone();
        inputs.push(&args.output);
        let file = atscope_analyzer::output::open_direct(log_path, &inputs)?;
        let log_settings = atscope_analyzer::serial::PortSettings { baud: args.log_baud, ..Default::default() };
        let port = open(p, &log_settings)?;
        let line = Line { label: format!("log port {p}"), path: Some(p.clone()), settings: log_settings, dir: None };
        readers.push(spawn_reader(line, port, recorder.clone(), stop.clone(), None, Some(log_writer(file)))?);
    }
    let mut _pty = None;
    let reader_line =
        |label: String, path: &str, dir| Line { label, path: Some(path.to_string()), settings, dir: Some(dir) };
    let (driver, port) = if let Some(p) = &args.port {
        let port = open(p, &settings)?;
        let shared = SharedPort::new(p.clone());
        shared.set(Some(port.try_clone().context("cloning the port handle")?));
        let line = reader_line(format!("modem port {p}"), p, Dir::Modem);
        readers.push(spawn_reader(line, port, recorder.clone(), stop.clone(), Some(shared.clone()), None)?);
        let driver = match driver_items {
            Some(items) => Driver::Script(script::ScriptRunner::new(items)),
            None => {
                eprintln!(
                    "atscope: recording {p} to {}; type AT commands, Ctrl-D or Ctrl-C to stop",
                    args.output.display()
                );
                let (ltx, lrx) = std::sync::mpsc::channel();
                std::thread::spawn(move || {
                    for line in std::io::stdin().lines().map_while(Result::ok) {
                        if ltx.send(line).is_err() {
                            break;
                        }
                    }
                });
                Driver::Interactive(lrx)
            }
        };
        (driver, Some(shared))
    } else if let (Some(h), Some(m)) = (&args.host_line, &args.modem_line) {
        for (path, dir, what) in [(h, Dir::Host, "host line"), (m, Dir::Modem, "modem line")] {
            let port = open(path, &settings)?;
            let line = reader_line(format!("{what} {path}"), path, dir);
            readers.push(spawn_reader(line, port, recorder.clone(), stop.clone(), None, None)?);
        }
        eprintln!("atscope: tapping {h} (host) and {m} (modem) into {}; Ctrl-C to stop", args.output.display());
        (Driver::Passive, None)
    } else {
        let p = args.proxy.as_deref().expect("checked above");
        let modem = open(p, &settings)?;
        let modem_w = SharedPort::new(p);
        modem_w.set(Some(modem.try_clone().context("cloning the port handle")?));
        let mut pty = HostPty::create(args.link.as_deref())?;
        let master = pty.take_master().context("the pty master")?;
        let host_w = SharedPort::new("host pseudo-terminal");
        host_w.set(Some(master.try_clone().context("cloning the pty handle")?));
        let to_modem = modem_w.clone();
        let host_line = Line { label: "host pseudo-terminal".into(), path: None, settings, dir: Some(Dir::Host) };
        let fwd_host: Forward = Box::new(move |b| {
            let _ = to_modem.write_all(b);
        });
        readers.push(spawn_reader(host_line, master, recorder.clone(), stop.clone(), None, Some(fwd_host))?);
        let fwd_modem: Forward = Box::new(move |b| {
            let _ = host_w.write_all(b);
        });
        let line = reader_line(format!("modem port {p}"), p, Dir::Modem);
        readers.push(spawn_reader(line, modem, recorder.clone(), stop.clone(), Some(modem_w), Some(fwd_modem))?);
        let link = pty.link().map(|l| format!(" (symlink {})", l.display())).unwrap_or_default();
        eprintln!(
            "atscope: proxy: point the host program at {}{link}; recording to {}; Ctrl-C to stop",
            pty.path(),
            args.output.display()
        );
        _pty = Some(pty);
        (Driver::Passive, None)
    };
    let mut view = LiveView::new(args.live.quiet, false);
    let name = args.output.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "live".into());
    let _viewer = view.attach_viewer(args.live.serve, &name)?;
    let outcome = session::run(rx, &recorder, port.as_ref(), driver, opts, &stop, &mut |e| view.event(e));
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        let _ = r.join();
    }
    if let Some(e) = recorder.error() {
        eprintln!("atscope: error: {e}");
    }
    recorder.close()?;
    eprintln!("atscope: {} written; {}", args.output.display(), outcome.summary.line());
    for n in &outcome.notes {
        eprintln!("note: {n}");
    }
    if let Some(f) = outcome.failure {
        eprintln!("atscope: script failed: {f}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}
