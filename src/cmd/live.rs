//! What `record` and `replay` share: line-setting arguments, the trace header, Ctrl-C, and the
//! live timeline on the terminal.
//!
//! `--serve`: the live viewer (crate `atscope-web`) gets every event through [`start_viewer`]. Every
//! live event already goes through [`LiveView::event`]; a viewer handle that accepts `Event`s
//! plugs in there (see [`LiveView::extra`]).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{Context, Result};
use atscope_analyzer::report::text::TextPrinter;
use atscope_analyzer::serial::{DataBits, FlowControl, Parity, PortSettings, StopBits};
use atscope_analyzer::timeline::{Event, EventKind};
use atscope_analyzer::trace::Meta;
use clap::Args;

/// Serial line settings.
#[derive(Args, Debug, Clone)]
pub struct LineArgs {
    /// Baud rate.
    #[arg(long, default_value_t = 115_200, value_parser = clap::value_parser!(u32).range(1..))]
    pub baud: u32,
    /// Data bits.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u8).range(5..=8))]
    pub data_bits: u8,
    /// Parity.
    #[arg(long, default_value = "none", value_parser = ["none", "odd", "even"])]
    pub parity: String,
    /// Stop bits.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub stop_bits: u8,
    /// Flow control.
    #[arg(long, default_value = "none", value_parser = ["none", "rts-cts"])]
    pub flow: String,
}

impl LineArgs {
    /// The settings.
    pub fn settings(&self) -> PortSettings {
        PortSettings {
            baud: self.baud,
            data_bits: match self.data_bits {
                5 => DataBits::Five,
                6 => DataBits::Six,
                7 => DataBits::Seven,
                _ => DataBits::Eight,
            },
            parity: match self.parity.as_str() {
                "odd" => Parity::Odd,
                "even" => Parity::Even,
                _ => Parity::None,
            },
            stop_bits: if self.stop_bits == 2 { StopBits::Two } else { StopBits::One },
            flow: if self.flow == "rts-cts" { FlowControl::Hardware } else { FlowControl::None },
        }
    }
}

/// Now, in nanoseconds since the Unix epoch (the wall clock of a recording's header and of its
/// log's line stamps).
pub fn now_ns() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

/// The header of a trace atscope records: source, wiring, line settings, atscope version, start
/// time, and the firmware identity `atscope firmware identify` saved last (when there is one).
pub fn meta(source: &str, wiring: &str, settings: &PortSettings, identity_file: Option<&PathBuf>) -> Meta {
    let mut m = Meta::new();
    m.insert("source".into(), source.into());
    m.insert("wiring".into(), wiring.into());
    settings.to_meta(&mut m);
    m.insert("atscope".into(), crate::version::long_version().into());
    m.insert("started".into(), atscope_analyzer::wall_time::rfc3339_seconds(now_ns()).into());
    let env = atscope_firmware::tools::ToolEnv::from_process();
    let file = identity_file.cloned().or_else(|| atscope_firmware::identify::default_state_file(&env));
    if let Some(f) = file {
        match atscope_firmware::identify::load_last(&f) {
            Ok(Some(id)) => {
                m.insert("firmware".into(), id.to_meta());
            }
            Ok(None) => {}
            Err(e) => eprintln!("atscope: warning: {e}; the trace will have no firmware identity"),
        }
    }
    m
}

/// What `record` and `replay` share: the live views, the trace header's identity, the line and
/// the analysis.
#[derive(clap::Args, Debug)]
pub struct SessionArgs {
    /// Also stream the live timeline to the web viewer.
    #[arg(long)]
    pub serve: bool,
    /// Do not print the live timeline (marks and the summary still go to stderr).
    #[arg(short, long)]
    pub quiet: bool,
    /// The firmware identity to put in the trace header (default: the one `firmware identify` saved).
    #[arg(long, value_name = "FILE")]
    pub identity_file: Option<PathBuf>,
    #[command(flatten)]
    pub line: LineArgs,
    #[command(flatten)]
    pub analysis: super::decode::AnalysisArgs,
}

/// A flag set by Ctrl-C (SIGINT) or SIGTERM.
pub fn stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop)).context("installing the Ctrl-C handler")?;
    }
    Ok(stop)
}

/// A live consumer of timeline events (the `--serve` viewer hook).
pub type EventSink = Box<dyn FnMut(&Event)>;

/// The live timeline on the terminal, and the hook for other live consumers.
pub struct LiveView {
    printer: TextPrinter,
    quiet: bool,
    /// Every event of the session, when the caller wants them afterwards (replay's diff).
    pub keep: Option<Vec<Event>>,
    /// Other live consumers (the `--serve` viewer hook).
    pub extra: Vec<EventSink>,
}

impl LiveView {
    /// A view printing to stdout unless `quiet`.
    pub fn new(quiet: bool, keep: bool) -> Self {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        LiveView { printer: TextPrinter { color }, quiet, keep: keep.then(Vec::new), extra: Vec::new() }
    }

    /// With `serve`, also streams every event to a live web viewer (kept running while the
    /// returned server lives).
    pub fn attach_viewer(&mut self, serve: bool, name: &str) -> Result<Option<LiveServer>> {
        Ok(start_viewer(serve, name)?.map(|(sink, server)| {
            self.extra.push(sink);
            server
        }))
    }

    /// Shows one event.
    pub fn event(&mut self, e: &Event) {
        if let EventKind::Mark { text } = &e.kind {
            eprintln!("atscope: {text}");
        }
        if !self.quiet {
            let mut out = std::io::stdout().lock();
            let _ = self.printer.write(&mut out, e, e.meaning.as_deref());
            let _ = out.flush();
        }
        for f in &mut self.extra {
            f(e);
        }
        if let Some(k) = self.keep.as_mut() {
            k.push(e.clone());
        }
    }
}

/// The live web viewer of a recording (`--serve`): serves the session being recorded at a local
/// URL while the recorder pushes events into it. Dropping it marks the recording as ended.
pub struct LiveServer {
    live: atscope_web::LiveTrace,
}

impl Drop for LiveServer {
    fn drop(&mut self) {
        self.live.finish();
    }
}

/// `--serve`: starts the viewer on 127.0.0.1 (port 8080, or a free one) in a background thread and
/// returns the sink that feeds it.
pub fn start_viewer(serve: bool, name: &str) -> Result<Option<(EventSink, LiveServer)>> {
    use std::net::{IpAddr, Ipv4Addr};
    if !serve {
        return Ok(None);
    }
    let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let state = atscope_web::AppState {
        allowed_hosts: atscope_web::server::allowed_hosts(ip),
        decoder: super::serve::worker_decoder(),
        ..Default::default()
    };
    let live = state.store.add_live(name, "live recording");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting the viewer's runtime")?;
    let bound = rt.block_on(atscope_web::server::bind(ip, None)).context("binding the live viewer")?;
    if let Some(note) = &bound.note {
        eprintln!("atscope: {note}");
    }
    eprintln!("atscope: live viewer at {}", bound.url());
    std::thread::spawn(move || {
        if let Err(e) = rt.block_on(atscope_web::server::run(bound.listener, state)) {
            eprintln!("atscope: the live viewer stopped: {e}");
        }
    });
    let feed = live.clone();
    Ok(Some((Box::new(move |e: &Event| feed.push(e.clone())), LiveServer { live })))
}
