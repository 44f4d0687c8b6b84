//! `atscope logic DEVICE --samplerate HZ -o OUT.atrace`: record a live link from a logic analyzer
//! through libsigrok (cargo feature `sigrok`), showing the decoded timeline as it goes.
//!
//! Build with `PYO3_PYTHON=/usr/bin/python3 cargo build --features sigrok` (Debian's
//! `libsigrok-dev`; a binary built so is GPL-3.0-or-later: see the README, "Licence of a binary
//! built with `--features sigrok`").
//! `atscope logic --list` shows the devices libsigrok finds; try `atscope logic demo
//! --samplerate 1M --host D0 --modem D1 --limit-samples 2M -o demo.atrace` without hardware.
//!
//! One acquisition from start to stop, streamed packet by packet through libsigrok's datafeed:
//! no gap. If the decoder falls behind the device, the trace says so (`capture overrun` marks
//! with the count of dropped samples) and so does the summary.
//!
//! A subcommand of its own rather than `record --logic`: `record`'s `--baud`, `--data-bits`,
//! `--parity`, `--stop-bits` are serial-port settings (5–8 data bits, no `auto`), while a logic
//! analyzer takes the waveform UART flags of `import`/`decode` (9 data bits, `--invert-*`,
//! `--glitch-ns`); one command cannot have both under the same names. It reuses `record`'s
//! live view, Ctrl-C handling, trace header and analysis options, and writes the trace the
//! way `record`'s recorder does (one write per record, fsync within 200 ms), but with the
//! analyzer's sample times instead of the wall clock.

#[cfg(feature = "sigrok")]
pub use with_sigrok::{run, LogicArgs};
#[cfg(not(feature = "sigrok"))]
pub use without_sigrok::{run, LogicArgs};

#[cfg(not(feature = "sigrok"))]
mod without_sigrok {
    use std::process::ExitCode;

    use anyhow::Result;
    use clap::Args;

    /// Arguments of `atscope logic` (this build has none: it lacks the feature).
    #[derive(Args)]
    pub struct LogicArgs {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        rest: Vec<String>,
    }

    /// Says that this build cannot do it.
    pub fn run(_args: LogicArgs) -> Result<ExitCode> {
        anyhow::bail!(
            "atscope was built without the sigrok feature; rebuild with `cargo build --features sigrok` (needs libsigrok-dev; the binary is then GPL-3.0-or-later)"
        )
    }
}

#[cfg(feature = "sigrok")]
mod with_sigrok {
    use std::fs::File;
    use std::path::PathBuf;
    use std::process::ExitCode;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use anyhow::{Context, Result};
    use atscope_analyzer::analysis::Analysis;
    use atscope_analyzer::capture::assign::Assigned;
    use atscope_analyzer::capture::live_sigrok::{self, LiveInput, LiveOptions, DEFAULT_QUEUE_BYTES};
    use atscope_analyzer::capture::sr::parse_samplerate;
    use atscope_analyzer::capture::ChannelSource;
    use atscope_analyzer::serial::{DataBits, FlowControl, Parity, PortSettings, StopBits};
    use atscope_analyzer::trace::TraceWriter;
    use clap::Args;
    use serde_json::json;

    use crate::cmd::decode::AnalysisArgs;
    use crate::cmd::live::{self, LiveView};
    use crate::cmd::uart_args::{BaudArg, ParityArg, UartArgs};

    /// How long after a write the trace is synced at the latest (as `record` does).
    const SYNC_INTERVAL: Duration = Duration::from_millis(200);

    fn parse_rate(s: &str) -> Result<u64, String> {
        parse_samplerate(s).map(|r| r as u64).ok_or_else(|| format!("{s:?} is not a sample rate (1M, 24MHz, 500k)"))
    }

    fn parse_count(s: &str) -> Result<u64, String> {
        parse_rate(s).map_err(|_| format!("{s:?} is not a sample count (2M, 500k, 100000)"))
    }

    fn parse_seconds(s: &str) -> Result<f64, String> {
        let t = s.trim();
        let (num, mult) = match t.strip_suffix("ms") {
            Some(n) => (n, 1e-3),
            None => match t.strip_suffix('s') {
                Some(n) => (n, 1.0),
                None => match t.strip_suffix("min") {
                    Some(n) => (n, 60.0),
                    None => (t, 1.0),
                },
            },
        };
        match num.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => Ok(v * mult),
            _ => Err(format!("{s:?} is not a duration (60, 60s, 500ms, 2min)")),
        }
    }

    /// Arguments of `atscope logic`.
    #[derive(Args)]
    pub struct LogicArgs {
        /// The device: a libsigrok driver (`demo`, `fx2lafw`), optionally `:ID` with the
        /// connection id, serial number or model that `--list` shows.
        #[arg(value_name = "DRIVER[:ID]", required_unless_present = "list")]
        pub device: Option<String>,
        /// List the devices libsigrok finds, with their channels, and exit.
        #[arg(long)]
        pub list: bool,
        /// Samples per second (at least 4× the baud rate; 8× or more is better).
        #[arg(long, value_name = "HZ", value_parser = parse_rate, required_unless_present = "list")]
        pub samplerate: Option<u64>,
        /// The host's TX channel (name like D0).
        #[arg(long, value_name = "CH")]
        pub host: Option<String>,
        /// The modem's TX channel (name like D1).
        #[arg(long, value_name = "CH")]
        pub modem: Option<String>,
        /// Stop after this many samples (default: at Ctrl-C).
        #[arg(long, value_name = "N", value_parser = parse_count, conflicts_with = "duration")]
        pub limit_samples: Option<u64>,
        /// Stop after this long a capture (60, 60s, 500ms, 2min): the same as --limit-samples
        /// of duration × sample rate, so the length is exact in samples.
        #[arg(long, value_name = "TIME", value_parser = parse_seconds)]
        pub duration: Option<f64>,
        /// Bytes of samples that may wait for the decoder (32M by default): the capture's memory,
        /// and how long the decoder may lag behind the device before samples are dropped.
        #[arg(long, value_name = "N", value_parser = parse_count, default_value_t = DEFAULT_QUEUE_BYTES as u64)]
        pub queue_bytes: u64,
        /// The trace to write.
        #[arg(short, long, value_name = "OUT.atrace", required_unless_present = "list")]
        pub output: Option<PathBuf>,
        /// Do not print the live timeline (marks and the summary still go to stderr).
        #[arg(short, long)]
        pub quiet: bool,
        /// The firmware identity to put in the trace header (default: the one `firmware identify` saved).
        #[arg(long, value_name = "FILE")]
        pub identity_file: Option<PathBuf>,
        #[command(flatten)]
        pub uart: UartArgs,
        #[command(flatten)]
        pub analysis: AnalysisArgs,
    }

    /// Syncs the trace to disk within [`SYNC_INTERVAL`] of a write, on a thread of its own: an
    /// fsync can take seconds on a busy disk, and the decoding thread must not wait for it (the
    /// device would outrun it).
    struct Syncer {
        dirty: Arc<AtomicBool>,
        done: Arc<AtomicBool>,
        thread: std::thread::JoinHandle<std::io::Result<()>>,
    }

    impl Syncer {
        fn start(file: File) -> Result<Syncer> {
            let dirty = Arc::new(AtomicBool::new(false));
            let done = Arc::new(AtomicBool::new(false));
            let (d, fin) = (dirty.clone(), done.clone());
            let thread = std::thread::Builder::new().name("atscope-fsync".into()).spawn(move || loop {
                std::thread::park_timeout(SYNC_INTERVAL);
                let last = fin.load(Ordering::Acquire);
                if d.swap(false, Ordering::AcqRel) {
                    file.sync_data()?;
                }
                if last {
                    return Ok(());
                }
            })?;
            Ok(Syncer { dirty, done, thread })
        }

        /// A record was written.
        fn written(&self) {
            self.dirty.store(true, Ordering::Release);
        }

        /// Syncs what is left and ends the thread.
        fn finish(self) -> std::io::Result<()> {
            self.done.store(true, Ordering::Release);
            self.thread.thread().unpark();
            self.thread.join().unwrap_or_else(|_| Err(std::io::Error::other("the fsync thread panicked")))
        }
    }

    /// Runs `atscope logic`.
    pub fn run(args: LogicArgs) -> Result<ExitCode> {
        if args.list {
            for d in live_sigrok::list_devices().context("cannot list libsigrok devices")? {
                let logic: Vec<&str> = d.channels.iter().filter(|c| c.logic).map(|c| c.name.as_str()).collect();
                let id =
                    [&d.conn, &d.serial, &d.model].into_iter().find(|s| !s.is_empty()).cloned().unwrap_or_default();
                println!("{}:{id}\t{} {}\tlogic channels: {}", d.driver, d.vendor, d.model, logic.join(" "));
            }
            return Ok(ExitCode::SUCCESS);
        }
        let (Some(device), Some(rate), Some(output)) = (&args.device, args.samplerate, &args.output) else {
            anyhow::bail!("give DRIVER[:ID], --samplerate and -o OUT.atrace (or --list)");
        };
        let (driver, conn) = LiveOptions::parse_device(device);
        let mut lopts = LiveOptions::new(driver, rate);
        if let LiveInput::Device { conn: c, .. } = &mut lopts.input {
            *c = conn;
        }
        lopts.limit_samples = match args.duration {
            Some(secs) => Some(((secs * rate as f64).round() as u64).max(1)),
            None => args.limit_samples,
        };
        lopts.queue_bytes = usize::try_from(args.queue_bytes).unwrap_or(usize::MAX);
        if let (Some(h), Some(m)) = (&args.host, &args.modem) {
            lopts.channels = vec![h.clone(), m.clone()];
        }
        let opts = args.uart.import_options(args.host.clone(), args.modem.clone());
        let aopts = args.analysis.options()?;

        let stop = live::stop_flag()?;
        let src = live_sigrok::open(&lopts, &opts, stop.clone()).context("cannot start the live capture")?;
        let stats = src.stats().clone();
        let measured_baud = src.uart_baud(0);
        let mut rec = Assigned::new(Box::new(src), &PathBuf::from(device), args.host.as_deref(), args.modem.as_deref())
            .context("cannot start the live capture")?;
        let notes = rec.source_mut().notes();
        for n in &notes {
            eprintln!("atscope: note: {n}");
        }
        let wiring = rec.explanation().to_string();
        eprintln!("atscope: {wiring}");

        let u = &args.uart;
        let settings = PortSettings {
            baud: match u.baud {
                Some(BaudArg::Rate(b)) => b,
                _ => measured_baud.unwrap_or(115_200),
            },
            data_bits: match u.data_bits {
                Some(5) => DataBits::Five,
                Some(6) => DataBits::Six,
                Some(7) => DataBits::Seven,
                _ => DataBits::Eight,
            },
            parity: match u.parity {
                Some(ParityArg::Even) => Parity::Even,
                Some(ParityArg::Odd) => Parity::Odd,
                _ => Parity::None,
            },
            stop_bits: if u.stop_bits == Some(4) { StopBits::Two } else { StopBits::One },
            flow: FlowControl::None,
        };
        let mut meta = live::meta("logic analyzer (libsigrok)", &wiring, &settings, args.identity_file.as_ref());
        meta.insert("capture".into(), json!(format!("sigrok:{device} at {rate} samples/s")));
        if !notes.is_empty() {
            meta.insert("notes".into(), json!(notes));
        }
        let inputs: Vec<&std::path::Path> = args.identity_file.iter().map(PathBuf::as_path).collect();
        let file = atscope_analyzer::output::open_direct(output, &inputs)?;
        let syncer = Syncer::start(file.try_clone().with_context(|| format!("cannot write {}", output.display()))?)?;
        let mut w = TraceWriter::new(file, &meta).with_context(|| format!("cannot write {}", output.display()))?;
        eprintln!("atscope: capturing from {device} into {}; Ctrl-C to stop", output.display());

        let mut view = LiveView::new(args.quiet, false);
        let mut analysis = Analysis::new(aopts);
        let mut result = Ok(());
        for r in rec.by_ref() {
            let r = match r {
                Ok(r) => r,
                Err(e) => {
                    result = Err(anyhow::Error::new(e).context("the live capture failed"));
                    break;
                }
            };
            // One write of one whole line per record, as `record` does: durable against kill -9.
            w.write(&r).and_then(|_| w.flush()).with_context(|| format!("cannot write {}", output.display()))?;
            syncer.written();
            analysis.push(&r, &mut |e| view.event(e));
        }
        analysis.finish(&mut |e| view.event(e));
        syncer.finish().with_context(|| format!("cannot write {}", output.display()))?;
        for warn in rec.source_mut().take_warnings() {
            eprintln!("atscope: warning: {warn}");
        }
        drop(rec);
        let samples = stats.samples.load(Ordering::Relaxed);
        let dropped = stats.dropped_samples.load(Ordering::Relaxed);
        let lost = if dropped > 0 {
            format!(
                "; {dropped} samples DROPPED (the decoder fell behind: see the `capture overrun` marks; a lower --samplerate or a larger --queue-bytes helps)"
            )
        } else {
            "; none dropped".to_string()
        };
        eprintln!(
            "atscope: {} written; {samples} samples decoded{lost}; {}",
            output.display(),
            analysis.summary().line()
        );
        result.map(|()| ExitCode::SUCCESS)
    }
}
