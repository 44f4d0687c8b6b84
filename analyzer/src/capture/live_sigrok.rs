//! Live capture from a logic analyzer through libsigrok (`sigrok-rs`), feature `sigrok`.
//!
//! A device (the `demo` driver, an fx2lafw board, …) is opened by driver name, its samples are
//! streamed through [`super::wave`] (per-channel transitions → [`crate::uart::UartDecoder`] →
//! [`ChannelChunk`](super::ChannelChunk)s), and the result is a [`ChannelSource`] like any file,
//! so [`super::assign`] and [`crate::analysis::Analysis`] work unchanged.
//!
//! Linking this module makes the binary GPL-3.0-or-later (see `analyzer/README-sigrok.md`).
//!
//! # How samples get out of `sigrok-rs`
//!
//! `sigrok-rs` 0.1.0 has no streaming API: a session hands its samples back as one `Vec<u8>`
//! when the acquisition has ended, and keeps them all in memory until then. What it does stream
//! is the output of a libsigrok *output module*, appended to a file packet by packet. So:
//!
//! * the session's output is libsigrok's `binary` module (raw samples, `unitsize` bytes each)
//!   written into a named pipe (FIFO) that this module reads while the acquisition runs;
//! * the acquisition runs in *segments* of at most [`LiveOptions::segment_samples`] samples,
//!   because `sigrok-rs` also keeps every sample of a segment in its own buffer until the
//!   segment ends; that buffer is dropped after each segment, so memory stays bounded;
//! * between two segments libsigrok restarts the acquisition: a few milliseconds of the line
//!   are **not captured**. Each such gap is a [`Mark`] in the stream (`capture gap: …`), the
//!   time axis skips the wall-clock length of the gap, and a frame cut by it decodes as an error.
//!   Raise `segment_samples` to make gaps rarer (it costs that many bytes of memory).
//!
//! What it does not do: read `.sr` files (`sigrok-rs` cannot load them; [`super::sr`] does, in
//! pure Rust) or decode UART in libsigrokdecode (our decoder does). The baud rate is not
//! auto-detected (that needs a look ahead into the capture): it is the one given, else 115200.

use std::collections::VecDeque;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sigrok_rs::{Device, Session, SrError};

use super::wave::{Edge, EdgeSource, Fill, UartHints, WaveSource};
use super::{CaptureError, ChannelInfo, ChannelItem, ChannelSource, ImportOptions};
use crate::chunk::Mark;

/// libsigrok is not thread-safe across contexts (two sessions at once corrupt its heap): one
/// user at a time in this process, held by a capture thread for its whole life.
static LIBSIGROK_BUSY: AtomicBool = AtomicBool::new(false);

/// The right to use libsigrok, given back when dropped.
struct LibsigrokTurn;

impl Drop for LibsigrokTurn {
    fn drop(&mut self) {
        LIBSIGROK_BUSY.store(false, Ordering::Release);
    }
}

/// Set once an acquisition was aborted in this process. `sigrok-rs` 0.1.0 then leaves libsigrok's
/// acquisition thread using freed session state (seen as SIGSEGV, or "sr_session_send: session
/// was NULL", when a later capture starts), so no further capture may start in this process.
static LIBSIGROK_ABORTED: AtomicBool = AtomicBool::new(false);

/// Takes libsigrok, or says that it is in use (or no longer safe to use).
fn libsigrok_lock() -> Result<LibsigrokTurn, CaptureError> {
    if LIBSIGROK_ABORTED.load(Ordering::Acquire) {
        return Err(CaptureError::Unusable {
            path: PathBuf::from("sigrok"),
            why: "a live capture was stopped early in this process, and libsigrok (through sigrok-rs 0.1.0) cannot safely start another one after that: run atscope again".into(),
        });
    }
    match LIBSIGROK_BUSY.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed) {
        Ok(_) => Ok(LibsigrokTurn),
        Err(_) => Err(CaptureError::Unusable {
            path: PathBuf::from("sigrok"),
            why: "another live capture is running in this process (libsigrok allows one at a time)".into(),
        }),
    }
}

/// How long an aborted acquisition may take to wind down before its session is released.
const ABORT_WAIT: Duration = Duration::from_secs(5);
/// Extra time after an aborted acquisition reports stopped.
const ABORT_GRACE: Duration = Duration::from_millis(300);

/// Default samples per acquisition segment (bytes of `sigrok-rs`'s own buffer per segment).
pub const DEFAULT_SEGMENT_SAMPLES: u64 = 1 << 25;
/// Blocks of raw samples that may wait between the capture thread and the decoder.
const QUEUE_BLOCKS: usize = 64;
/// Bytes read from the pipe at a time (the most one queued block holds).
const READ_BYTES: usize = 1 << 16;
/// Pipe capacity asked for, so that libsigrok's writes rarely wait for the reader.
const PIPE_BYTES: i32 = 1 << 20;
/// How often the capture thread looks at the pipe and the stop flag.
const POLL: Duration = Duration::from_millis(2);

/// What to open and how.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// libsigrok driver name (`demo`, `fx2lafw`, …).
    pub driver: String,
    /// A device's connection id, serial number or model, when several use the driver.
    pub conn: Option<String>,
    /// Samples per second.
    pub samplerate: u64,
    /// Logic channels to decode, by name (`D0`); empty = every logic channel.
    pub channels: Vec<String>,
    /// Stop after this many samples (`None` = until the stop flag is set).
    pub limit_samples: Option<u64>,
    /// Samples per acquisition segment (see the module docs).
    pub segment_samples: u64,
    /// Folder for the named pipe (`None` = the system's temporary folder).
    pub fifo_dir: Option<PathBuf>,
}

impl LiveOptions {
    /// Options for `driver` at `samplerate` with the defaults for the rest.
    pub fn new(driver: impl Into<String>, samplerate: u64) -> LiveOptions {
        LiveOptions {
            driver: driver.into(),
            conn: None,
            samplerate,
            channels: Vec::new(),
            limit_samples: None,
            segment_samples: DEFAULT_SEGMENT_SAMPLES,
            fifo_dir: None,
        }
    }

    /// `demo`, `fx2lafw:1-1.2`: driver and optional connection id.
    pub fn parse_device(spec: &str) -> (String, Option<String>) {
        match spec.split_once(':') {
            Some((d, c)) if !c.is_empty() => (d.to_string(), Some(c.to_string())),
            Some((d, _)) => (d.to_string(), None),
            None => (spec.to_string(), None),
        }
    }

    fn label(&self) -> String {
        match &self.conn {
            Some(c) => format!("{}:{c}", self.driver),
            None => self.driver.clone(),
        }
    }
}

/// A channel of a device as libsigrok lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceChannel {
    /// Name (`D0`, `A1`).
    pub name: String,
    /// libsigrok's channel index.
    pub index: u32,
    /// A logic (not analog) channel.
    pub logic: bool,
    /// Enabled by default.
    pub enabled: bool,
}

/// A device libsigrok found.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    /// Driver name.
    pub driver: String,
    /// Vendor (may be empty).
    pub vendor: String,
    /// Model (may be empty).
    pub model: String,
    /// Connection id (may be empty).
    pub conn: String,
    /// Serial number (may be empty).
    pub serial: String,
    /// Its channels.
    pub channels: Vec<DeviceChannel>,
    /// libsigrok's full description (options, channel groups).
    pub description: String,
}

fn sr_error(what: &str, e: SrError) -> CaptureError {
    CaptureError::Unusable { path: PathBuf::from("sigrok"), why: format!("{what}: libsigrok says {e:?}") }
}

/// The channel table of a device. `sigrok-rs` 0.1.0 has no accessor for it, only its
/// `Display` output (`| D0 | 0 | true | Digital |`), which is read here.
fn channels_of(dev: &Device) -> Vec<DeviceChannel> {
    let text = dev.to_string();
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim().strip_prefix('|')?.strip_suffix('|')?.split('|').map(str::trim).collect();
            let [name, index, enabled, kind] = cells.as_slice() else { return None };
            Some(DeviceChannel {
                name: name.to_string(),
                index: index.parse().ok()?,
                logic: match *kind {
                    "Digital" => true,
                    "Analog" => false,
                    _ => return None,
                },
                enabled: *enabled == "true",
            })
        })
        .collect()
}

fn info_of(dev: &Device) -> DeviceInfo {
    DeviceInfo {
        driver: dev.get_driver_name().clone(),
        vendor: dev.get_vendor().clone(),
        model: dev.get_model().clone(),
        conn: dev.get_connection_id().clone(),
        serial: dev.get_serial_number().clone(),
        channels: channels_of(dev),
        description: dev.to_string(),
    }
}

/// Every device libsigrok finds (the `demo` device is always there).
pub fn list_devices() -> Result<Vec<DeviceInfo>, CaptureError> {
    let _g = libsigrok_lock()?;
    let devices = Session::scan().map_err(|e| sr_error("scanning for devices", e))?;
    Ok(devices.iter().map(info_of).collect())
}

/// Counters of a live capture, readable while it runs.
#[derive(Debug, Default)]
pub struct LiveStats {
    /// Samples captured (not counting the gaps between segments).
    pub samples: AtomicU64,
    /// Acquisition segments started.
    pub segments: AtomicU64,
    /// Bytes of raw samples waiting in the queue now.
    pub queued_bytes: AtomicU64,
    /// The most bytes that ever waited in the queue.
    pub peak_queued_bytes: AtomicU64,
    /// The largest segment buffer `sigrok-rs` held (bytes).
    pub peak_segment_bytes: AtomicU64,
}

/// Gap marks waiting to be merged into the stream.
type Marks = Arc<Mutex<VecDeque<Mark>>>;

/// From the capture thread to the decoder.
enum Msg {
    /// Raw samples (`unitsize` bytes each; a sample may be cut between two blocks).
    Data(Vec<u8>),
    /// The acquisition restarted: about this many samples were not captured.
    Gap { samples: u64, ms: f64 },
    /// The capture ended (sample limit or stop).
    End,
    /// The capture failed.
    Error(String),
}

/// What the capture thread says once the device is open.
struct Ready {
    logic: Vec<DeviceChannel>,
    description: String,
}

/// A live capture, decoded: the [`ChannelSource`] of a logic analyzer.
pub struct LiveSource {
    /// Always `Some` until dropped.
    wave: Option<WaveSource>,
    marks: Marks,
    next_mark: Option<Mark>,
    held: Option<ChannelItem>,
    stats: Arc<LiveStats>,
    stop: Arc<AtomicBool>,
    /// Set when the source is dropped: the capture thread ends without touching `stop`.
    abandon: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    description: String,
}

impl LiveSource {
    /// Counters of the capture.
    pub fn stats(&self) -> &Arc<LiveStats> {
        &self.stats
    }

    /// libsigrok's description of the device (options, channels).
    pub fn device_description(&self) -> &str {
        &self.description
    }

    /// Asks the capture to end; the stream then ends after the samples already captured.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Drop for LiveSource {
    fn drop(&mut self) {
        self.abandon.store(true, Ordering::Relaxed);
        // The capture thread may be blocked sending into a full queue: dropping the decoder
        // drops the queue's receiver, the send fails and the thread ends.
        self.wave = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Opens the device and starts capturing. `stop` ends the capture (Ctrl-C).
///
/// One live capture at a time per process (libsigrok's limit): a second `open` while one runs,
/// or [`list_devices`] meanwhile, is an error.
pub fn open(opts: &LiveOptions, import: &ImportOptions, stop: Arc<AtomicBool>) -> Result<LiveSource, CaptureError> {
    let label = opts.label();
    let path = PathBuf::from(format!("sigrok:{label}"));
    let unusable = |why: String| CaptureError::Unusable { path: path.clone(), why };
    if import.uart.auto_baud {
        return Err(unusable(
            "--baud auto needs to look ahead into the capture, which a live capture cannot; give the rate".into(),
        ));
    }
    if opts.samplerate == 0 {
        return Err(unusable("the sample rate must be above 0 Hz".into()));
    }
    if opts.segment_samples == 0 {
        return Err(unusable("the segment must hold at least one sample".into()));
    }
    let dir = opts.fifo_dir.clone().unwrap_or_else(std::env::temp_dir);
    let fifo = dir.join(format!("atscope-sigrok-{}-{}.fifo", std::process::id(), unique()));
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRUSR | nix::sys::stat::Mode::S_IWUSR)
        .map_err(|e| unusable(format!("cannot make the named pipe {}: {e}", fifo.display())))?;
    // Read and write: the reader never sees end-of-file between libsigrok's writes (which open
    // and close the pipe once per packet), and libsigrok's opens never wait for a reader.
    let pipe = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(&fifo)
        .map_err(|e| unusable(format!("cannot open the named pipe {}: {e}", fifo.display())));
    let pipe = match pipe {
        Ok(p) => p,
        Err(e) => {
            let _ = std::fs::remove_file(&fifo);
            return Err(e);
        }
    };
    // A larger pipe lets libsigrok write whole packets without waiting (best effort).
    let _ = nix::fcntl::fcntl(std::os::fd::AsRawFd::as_raw_fd(&pipe), nix::fcntl::FcntlArg::F_SETPIPE_SZ(PIPE_BYTES));

    let guard = match libsigrok_lock() {
        Ok(g) => g,
        Err(e) => {
            let _ = std::fs::remove_file(&fifo);
            return Err(e);
        }
    };
    let stats = Arc::new(LiveStats::default());
    let abandon = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = sync_channel::<Result<Ready, String>>(1);
    let (tx, rx) = sync_channel::<Msg>(QUEUE_BLOCKS);
    let thread = {
        let (opts, stop, stats, abandon) = (opts.clone(), stop.clone(), stats.clone(), abandon.clone());
        std::thread::Builder::new()
            .name("atscope-sigrok".into())
            .spawn(move || {
                let _guard = guard;
                let mut cap =
                    Capture { opts, pipe, fifo: fifo.clone(), tx, stop, abandon, stats, carry: 0, started: false };
                if let Err(e) = cap.run(&ready_tx) {
                    // Before `Ready`, the error goes to `open`; after it, into the stream.
                    if cap.started {
                        let _ = cap.tx.send(Msg::Error(e));
                    } else {
                        let _ = ready_tx.send(Err(e));
                    }
                }
                let _ = std::fs::remove_file(&fifo);
            })
            .map_err(|e| unusable(format!("cannot start the capture thread: {e}")))?
    };
    let ready = match ready_rx.recv() {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let _ = thread.join();
            return Err(unusable(e));
        }
        Err(_) => {
            let _ = thread.join();
            return Err(unusable("the capture thread ended without a word".into()));
        }
    };

    // From here on the thread runs: on an error, abandon it (and free libsigrok) before returning.
    let built = (|| -> Result<(WaveSource, Marks), CaptureError> {
        // Which logic channels to decode, and at which bit of a sample each is.
        let logic = ready.logic;
        let picked: Vec<&DeviceChannel> = if opts.channels.is_empty() {
            logic.iter().collect()
        } else {
            let mut v = Vec::new();
            for want in &opts.channels {
                let found = logic.iter().find(|c| c.name.eq_ignore_ascii_case(want)).ok_or_else(|| {
                    let names: Vec<&str> = logic.iter().map(|c| c.name.as_str()).collect();
                    unusable(format!("no logic channel {want:?}; the device has {}", names.join(", ")))
                })?;
                v.push(found);
            }
            v
        };
        let unitsize = logic.len().div_ceil(8).max(1);
        let channels: Vec<ChannelInfo> =
            picked.iter().enumerate().map(|(i, c)| ChannelInfo { index: i, name: c.name.clone() }).collect();
        let bits: Vec<u32> = picked.iter().map(|c| c.index).collect();
        let picked_len = bits.len();
        if let Some(b) = bits.iter().find(|&&b| b >= 64) {
            return Err(unusable(format!("logic channel index {b} is beyond the 64 atscope reads")));
        }
        let marks = Arc::new(Mutex::new(VecDeque::new()));
        let edges =
            LiveEdges::start(rx, channels, bits, unitsize, opts.samplerate as f64, marks.clone(), stats.clone())
                .map_err(unusable)?;
        let edges = Mutex::new(Some(edges));
        let opener = || -> Result<Box<dyn EdgeSource>, CaptureError> {
            match edges.lock().unwrap_or_else(|e| e.into_inner()).take() {
                Some(e) => Ok(Box::new(e)),
                None => Err(CaptureError::Unusable {
                    path: PathBuf::from("sigrok"),
                    why: "a live capture cannot be read twice (auto-detection needs --baud)".into(),
                }),
            }
        };
        // Settings the live source cannot measure: 115200 Bd (SLM's default) and idle high, unless
        // the user says otherwise.
        let baud = import.uart.baud.unwrap_or(115_200);
        let hints: Vec<UartHints> = (0..picked_len)
            .map(|_| UartHints { baud: Some(baud), invert: Some(false), ..Default::default() })
            .collect();
        let mut notes = vec![format!(
            "live capture from libsigrok device {label} at {} samples/s, {} per segment",
            opts.samplerate, opts.segment_samples
        )];
        if import.uart.baud.is_none() {
            notes.push("baud not given: decoding at 115200 (live captures cannot auto-detect it; use --baud)".into());
        }
        let wave = WaveSource::new(&path, "libsigrok live capture", &opener, &hints, import, notes)?;
        Ok((wave, marks))
    })();
    let (wave, marks) = match built {
        Ok(b) => b,
        Err(e) => {
            abandon.store(true, Ordering::Relaxed);
            let _ = thread.join();
            return Err(e);
        }
    };
    Ok(LiveSource {
        wave: Some(wave),
        marks,
        next_mark: None,
        held: None,
        stats,
        stop,
        abandon,
        thread: Some(thread),
        description: ready.description,
    })
}

/// A number unique within this process (for pipe names).
fn unique() -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The capture thread: owns the libsigrok session (which must stay on one thread).
struct Capture {
    opts: LiveOptions,
    pipe: File,
    fifo: PathBuf,
    tx: SyncSender<Msg>,
    stop: Arc<AtomicBool>,
    abandon: Arc<AtomicBool>,
    stats: Arc<LiveStats>,
    /// Bytes read from the pipe in the current segment.
    carry: u64,
    /// `Ready` was sent.
    started: bool,
}

impl Capture {
    fn run(&mut self, ready: &SyncSender<Result<Ready, String>>) -> Result<(), String> {
        let o = self.opts.clone();
        let id = o.conn.clone().unwrap_or_else(|| o.driver.clone());
        let mut session = Session::try_from(id.as_str()).map_err(|e| match e {
            SrError::SrDeviceNotFound => format!(
                "libsigrok finds no device {:?} (is it plugged in, and may this user open it? `atscope logic --list` shows what it finds)",
                o.label()
            ),
            e => format!("cannot open libsigrok device {:?}: {e:?}", o.label()),
        })?;
        if o.conn.is_some() && session.device.get_driver_name() != &o.driver {
            return Err(format!(
                "{:?} is a device of driver {:?}, not {:?}",
                o.label(),
                session.device.get_driver_name(),
                o.driver
            ));
        }
        session
            .set_samplerate(o.samplerate)
            .map_err(|e| format!("the device refuses {} samples/s: {e:?}", o.samplerate))?;
        let table = channels_of(&session.device);
        // Analog channels cost time and never reach the binary output: switch them off.
        for c in table.iter().filter(|c| !c.logic && c.enabled) {
            let _ = session.device.channel_enable(&c.name, false);
        }
        for c in table.iter().filter(|c| c.logic && !c.enabled) {
            let _ = session.device.channel_enable(&c.name, true);
        }
        let logic: Vec<DeviceChannel> = table.into_iter().filter(|c| c.logic).collect();
        if logic.is_empty() {
            return Err(format!("device {:?} has no logic channel", o.label()));
        }
        let unitsize = logic.len().div_ceil(8).max(1) as u64;
        session.set_output("binary", &self.fifo).map_err(|e| format!("libsigrok binary output: {e:?}"))?;
        let description = session.device.to_string();
        ready
            .send(Ok(Ready { logic, description }))
            .map_err(|_| "the capture was abandoned before it started".to_string())?;
        self.started = true;

        let rate = o.samplerate as f64;
        let mut total = 0u64;
        let mut last: Option<(Instant, u64)> = None;
        loop {
            let n = match o.limit_samples {
                Some(l) => o.segment_samples.min(l - total),
                None => o.segment_samples,
            };
            if n == 0 || self.stopping() {
                break;
            }
            let started = Instant::now();
            if let Some((prev, prev_n)) = last {
                let gap = started.duration_since(prev).as_secs_f64() - prev_n as f64 / rate;
                let gap = gap.max(0.0);
                self.send(Msg::Gap { samples: (gap * rate).round() as u64, ms: gap * 1e3 })?;
            }
            session.run_samples_daemon(n).map_err(|e| format!("cannot start the acquisition: {e:?}"))?;
            self.stats.segments.fetch_add(1, Ordering::Relaxed);
            self.carry = 0;
            let mut aborted = false;
            while session.is_running() {
                let drained = self.drain();
                if drained.is_err() || self.stopping() {
                    if drained.is_ok() {
                        let _ = self.drain();
                    }
                    self.abort(&mut session);
                    drained?;
                    aborted = true;
                    break;
                }
                std::thread::sleep(POLL);
            }
            // The session has stopped; its thread may still be writing the last packet.
            let got = if aborted {
                None
            } else {
                self.drain()?;
                match session.read() {
                    Ok(v) => Some(v.len() as u64),
                    Err(SrError::SrNoData) => Some(0),
                    Err(e) => return Err(format!("the acquisition failed: {e:?}")),
                }
            };
            self.drain()?;
            if let Some(got) = got {
                self.stats.peak_segment_bytes.fetch_max(got, Ordering::Relaxed);
                if self.carry != got * unitsize {
                    return Err(format!(
                        "libsigrok wrote {} bytes for {got} samples of {unitsize} bytes: atscope misreads this device's sample layout",
                        self.carry
                    ));
                }
                total += got;
                if got < n {
                    break; // the device ended early
                }
            } else {
                break; // stopped
            }
            last = Some((started, n));
        }
        self.send(Msg::End)
    }

    /// Aborts a running acquisition and waits for libsigrok's thread to wind down: the session
    /// must outlive it (dropping it earlier is a use-after-free inside libsigrok, seen as
    /// SIGSEGV), and `is_running` turns false a little before its last packet is sent. The pipe
    /// is drained meanwhile (errors ignored: the reader may be gone).
    fn abort(&mut self, session: &mut Session) {
        LIBSIGROK_ABORTED.store(true, Ordering::Release);
        let _ = session.abort();
        let waited = Instant::now();
        while session.is_running() && waited.elapsed() < ABORT_WAIT {
            let _ = self.drain();
            std::thread::sleep(POLL);
        }
        std::thread::sleep(ABORT_GRACE);
        let _ = self.drain();
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.abandon.load(Ordering::Relaxed)
    }

    fn send(&self, m: Msg) -> Result<(), String> {
        self.tx.send(m).map_err(|_| "the capture was abandoned".to_string())
    }

    /// Moves everything in the pipe to the queue.
    fn drain(&mut self) -> Result<(), String> {
        loop {
            let mut buf = vec![0u8; READ_BYTES];
            match self.pipe.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => {
                    buf.truncate(n);
                    self.carry += n as u64;
                    let q = self.stats.queued_bytes.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
                    self.stats.peak_queued_bytes.fetch_max(q, Ordering::Relaxed);
                    self.send(Msg::Data(buf))?;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("reading the named pipe {}: {e}", self.fifo.display())),
            }
        }
    }
}

/// The transitions of the picked channels, from the capture thread's raw samples.
struct LiveEdges {
    rx: Receiver<Msg>,
    channels: Vec<ChannelInfo>,
    rate: f64,
    unitsize: usize,
    /// Channel of each sample bit (`u32::MAX`: none).
    chan_of_bit: [u32; 64],
    mask: u64,
    cur: u64,
    /// Index of the next sample.
    pos: u64,
    levels0: Vec<bool>,
    /// A block received but not scanned yet (the first one, read for the initial levels).
    pending: Option<Vec<u8>>,
    /// Bytes of a sample cut between two blocks.
    cut: Vec<u8>,
    marks: Marks,
    stats: Arc<LiveStats>,
    ended: bool,
}

impl LiveEdges {
    /// Waits for the first samples (for the initial levels).
    fn start(
        rx: Receiver<Msg>,
        channels: Vec<ChannelInfo>,
        bits: Vec<u32>,
        unitsize: usize,
        rate: f64,
        marks: Marks,
        stats: Arc<LiveStats>,
    ) -> Result<LiveEdges, String> {
        let mut chan_of_bit = [u32::MAX; 64];
        let mut mask = 0u64;
        for (ch, &bit) in bits.iter().enumerate() {
            chan_of_bit[bit as usize] = ch as u32;
            mask |= 1 << bit;
        }
        let mut e = LiveEdges {
            rx,
            levels0: vec![true; channels.len()],
            channels,
            rate,
            unitsize,
            chan_of_bit,
            mask,
            cur: 0,
            pos: 0,
            pending: None,
            cut: Vec::new(),
            marks,
            stats,
            ended: false,
        };
        let mut head: Vec<u8> = Vec::new();
        while head.len() < unitsize {
            match e.rx.recv() {
                Ok(Msg::Data(b)) => {
                    e.stats.queued_bytes.fetch_sub(b.len() as u64, Ordering::Relaxed);
                    head.extend_from_slice(&b);
                }
                Ok(Msg::Gap { .. }) => {}
                Ok(Msg::End) | Err(_) => {
                    e.ended = true;
                    break;
                }
                Ok(Msg::Error(m)) => return Err(m),
            }
        }
        if head.len() >= unitsize {
            let first = sample_at(&head[..unitsize]) & mask;
            e.cur = first;
            e.levels0 = bits.iter().map(|&b| first >> b & 1 == 1).collect();
        }
        e.pending = Some(head);
        Ok(e)
    }

    fn scan(&mut self, block: &[u8], out: &mut Vec<Edge>) {
        let u = self.unitsize;
        let mut data = std::mem::take(&mut self.cut);
        data.extend_from_slice(block);
        let whole = data.len() - data.len() % u;
        for s in data[..whole].chunks_exact(u) {
            let v = sample_at(s) & self.mask;
            let mut d = v ^ self.cur;
            while d != 0 {
                let bit = d.trailing_zeros();
                d &= d - 1;
                out.push(Edge { sample: self.pos, channel: self.chan_of_bit[bit as usize], level: v >> bit & 1 == 1 });
            }
            self.cur = v;
            self.pos += 1;
        }
        self.cut = data[whole..].to_vec();
        self.stats.samples.fetch_add((whole / u) as u64, Ordering::Relaxed);
    }

    fn ns(&self, sample: u64) -> i64 {
        (sample as f64 * 1e9 / self.rate).round() as i64
    }
}

/// The first up to 8 bytes of a sample as a little-endian number.
fn sample_at(s: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = s.len().min(8);
    b[..n].copy_from_slice(&s[..n]);
    u64::from_le_bytes(b)
}

impl EdgeSource for LiveEdges {
    fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
    fn rereadable(&self) -> bool {
        false
    }
    fn rate(&self) -> f64 {
        self.rate
    }
    fn initial_levels(&self) -> &[bool] {
        &self.levels0
    }
    fn fill(&mut self, out: &mut Vec<Edge>) -> Result<Fill, CaptureError> {
        if let Some(b) = self.pending.take() {
            self.scan(&b, out);
            return Ok(Fill::Upto(self.pos));
        }
        if self.ended {
            return Ok(Fill::End(self.pos));
        }
        match self.rx.recv() {
            Ok(Msg::Data(b)) => {
                self.stats.queued_bytes.fetch_sub(b.len() as u64, Ordering::Relaxed);
                self.scan(&b, out);
                Ok(Fill::Upto(self.pos))
            }
            Ok(Msg::Gap { samples, ms }) => {
                self.cut.clear();
                let t_ns = self.ns(self.pos);
                self.pos += samples;
                self.marks.lock().unwrap_or_else(|e| e.into_inner()).push_back(Mark {
                    t_ns,
                    text: format!(
                        "capture gap: about {ms:.1} ms not captured while libsigrok restarted the acquisition"
                    ),
                });
                Ok(Fill::Upto(self.pos))
            }
            Ok(Msg::End) | Err(_) => {
                self.ended = true;
                Ok(Fill::End(self.pos))
            }
            Ok(Msg::Error(m)) => {
                self.ended = true;
                Err(CaptureError::Unusable { path: PathBuf::from("sigrok"), why: m })
            }
        }
    }
}

impl LiveSource {
    fn take_mark(&mut self, before: Option<i64>) -> Option<ChannelItem> {
        if self.next_mark.is_none() {
            self.next_mark = self.marks.lock().unwrap_or_else(|e| e.into_inner()).pop_front();
        }
        match (&self.next_mark, before) {
            (Some(m), Some(t)) if m.t_ns > t => None,
            (Some(_), _) => self.next_mark.take().map(ChannelItem::Mark),
            (None, _) => None,
        }
    }
}

fn item_time(i: &ChannelItem) -> i64 {
    match i {
        ChannelItem::Chunk(c) => c.t_ns,
        ChannelItem::Mark(m) => m.t_ns,
        ChannelItem::Record(r) => r.t_ns(),
    }
}

impl Iterator for LiveSource {
    type Item = Result<ChannelItem, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = match self.held.take() {
            Some(i) => i,
            None => match self.wave.as_mut()?.next() {
                Some(Ok(i)) => i,
                Some(Err(e)) => return Some(Err(e)),
                None => return self.take_mark(None).map(Ok),
            },
        };
        if let Some(m) = self.take_mark(Some(item_time(&item))) {
            self.held = Some(item);
            return Some(Ok(m));
        }
        Some(Ok(item))
    }
}

impl LiveSource {
    fn wave(&self) -> &WaveSource {
        self.wave.as_ref().expect("present until dropped")
    }
    fn wave_mut(&mut self) -> &mut WaveSource {
        self.wave.as_mut().expect("present until dropped")
    }
}

impl ChannelSource for LiveSource {
    fn channels(&self) -> &[ChannelInfo] {
        self.wave().channels()
    }
    fn format_name(&self) -> &'static str {
        "libsigrok live capture"
    }
    fn notes(&mut self) -> Vec<String> {
        self.wave_mut().notes()
    }
    fn take_warnings(&mut self) -> Vec<String> {
        self.wave_mut().take_warnings()
    }
    fn uart_baud(&self, channel: usize) -> Option<u32> {
        self.wave().uart_baud(channel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_specs_split_at_the_first_colon() {
        assert_eq!(LiveOptions::parse_device("demo"), ("demo".into(), None));
        assert_eq!(LiveOptions::parse_device("fx2lafw:1-1.2"), ("fx2lafw".into(), Some("1-1.2".into())));
        assert_eq!(LiveOptions::parse_device("fx2lafw:"), ("fx2lafw".into(), None));
    }
}
