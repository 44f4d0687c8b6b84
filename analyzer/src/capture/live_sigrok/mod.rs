//! Live capture from a logic analyzer through libsigrok, feature `sigrok`.
//!
//! A device (the `demo` driver, an fx2lafw board, …) is opened by driver name and configured
//! through `sigrok-rs` ([`device`]); a capture thread runs libsigrok's session loop, and its
//! datafeed callback ([`atscope_sigrok`], the workspace's one crate with `unsafe` code) hands
//! every logic packet to a queue bounded in bytes (`queue`); the decoder takes packets from it
//! through the packed-sample scanner ([`crate::capture::packed`], the `.sr` reader's) into
//! [`super::wave`] (transitions → [`crate::uart::UartDecoder`] → chunks). The result is a
//! [`ChannelSource`](super::ChannelSource) like any file, so [`super::assign`] and the analysis work unchanged.
//!
//! One acquisition from start to end: no segments, no gap. Memory is the queue's budget
//! ([`LiveOptions::queue_bytes`]) plus the decoder's state, whatever the length of the capture.
//! If the decoder falls behind a device, whole packets are dropped when the queue is full (a
//! device cannot wait) and the stream says so: a `capture overrun` mark with the count of
//! dropped samples, the time axis kept right.
//!
//! libsigrok can also replay a sigrok session file through the same datafeed
//! ([`LiveInput::SessionFile`], `sr_session_load`); the tests use it to check that the live
//! path decodes exactly what the file reader ([`super::sr`]) decodes.
//!
//! With no `--baud`, the baud rate (and the line's polarity) is measured on the first
//! [`edges::LOOKAHEAD_SECS`] of the capture, whose transitions are kept and then decoded from
//! the start, as for files.
//!
//! Linking this module makes the binary GPL-3.0-or-later (see the README, "Licence of a binary
//! built with `--features sigrok`").

mod acquire;
pub mod device;
pub mod edges;
mod queue;
mod source;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};

pub use device::{list_devices, DeviceChannel, DeviceInfo};
pub use source::LiveSource;

use super::wave::{EdgeSource, WaveSource};
use super::{CaptureError, ChannelInfo, ImportOptions};
use edges::{Feed, LiveEdges};
use queue::{Producer, Queue};

/// Default bytes of samples that may wait between libsigrok and the decoder (at 24 MS/s with
/// 8 channels, about 1.4 s of slack).
pub const DEFAULT_QUEUE_BYTES: usize = 32 << 20;

/// Where the samples come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveInput {
    /// A device of a libsigrok driver.
    Device {
        /// Driver name (`demo`, `fx2lafw`, …).
        driver: String,
        /// A device's connection id, serial number or model, when several use the driver.
        conn: Option<String>,
        /// Samples per second.
        samplerate: u64,
    },
    /// A sigrok session file (`.sr`) replayed by libsigrok itself (`sr_session_load`).
    SessionFile(PathBuf),
}

/// What to open and how.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The device or session file.
    pub input: LiveInput,
    /// Logic channels to decode, by name (`D0`); empty = every enabled logic channel.
    pub channels: Vec<String>,
    /// Stop after this many samples (`None` = until stopped, or the end of a session file).
    pub limit_samples: Option<u64>,
    /// The most bytes of samples waiting for the decoder (see the module docs).
    pub queue_bytes: usize,
}

impl LiveOptions {
    /// Options for the device of `driver` at `samplerate`, with the defaults for the rest.
    pub fn new(driver: impl Into<String>, samplerate: u64) -> LiveOptions {
        LiveOptions::of(LiveInput::Device { driver: driver.into(), conn: None, samplerate })
    }

    /// Options for a session file replayed by libsigrok.
    pub fn session_file(path: impl Into<PathBuf>) -> LiveOptions {
        LiveOptions::of(LiveInput::SessionFile(path.into()))
    }

    fn of(input: LiveInput) -> LiveOptions {
        LiveOptions { input, channels: Vec::new(), limit_samples: None, queue_bytes: DEFAULT_QUEUE_BYTES }
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
        match &self.input {
            LiveInput::Device { driver, conn, .. } => device::label(driver, conn.as_deref()),
            LiveInput::SessionFile(p) => p.display().to_string(),
        }
    }
}

/// Counters of a live capture, readable while it runs.
#[derive(Debug, Default)]
pub struct LiveStats {
    /// Samples decoded.
    pub samples: AtomicU64,
    /// Logic packets libsigrok sent.
    pub packets: AtomicU64,
    /// Samples dropped because the decoder fell behind (each drop is a mark in the stream).
    pub dropped_samples: AtomicU64,
    /// Bytes of samples waiting for the decoder now.
    pub queued_bytes: AtomicU64,
    /// The most bytes that ever waited.
    pub peak_queued_bytes: AtomicU64,
}

/// libsigrok is not thread-safe across contexts (two at once corrupt its heap): one user at a
/// time in this process, held by a capture thread for its whole life.
static LIBSIGROK_BUSY: AtomicBool = AtomicBool::new(false);

/// The right to use libsigrok, given back when dropped.
struct LibsigrokTurn;

impl Drop for LibsigrokTurn {
    fn drop(&mut self) {
        LIBSIGROK_BUSY.store(false, Ordering::Release);
    }
}

/// Takes libsigrok, or says that it is in use.
fn libsigrok_turn() -> Result<LibsigrokTurn, CaptureError> {
    match LIBSIGROK_BUSY.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed) {
        Ok(_) => Ok(LibsigrokTurn),
        Err(_) => Err(CaptureError::Unusable {
            path: PathBuf::from("sigrok"),
            why: "another live capture is running in this process (libsigrok allows one at a time)".into(),
        }),
    }
}

fn sigrok_error(e: atscope_sigrok::SrError) -> CaptureError {
    CaptureError::Unusable { path: PathBuf::from("sigrok"), why: e.to_string() }
}

/// Opens the device (or session file) and starts capturing. `stop` ends the capture (Ctrl-C):
/// the stream then ends after the samples already captured.
///
/// One live capture at a time per process (libsigrok's limit): a second `open` while one runs,
/// or [`list_devices`] meanwhile, is an error. Once a [`LiveSource`] is dropped (at its end or
/// early), the next capture can start.
pub fn open(opts: &LiveOptions, import: &ImportOptions, stop: Arc<AtomicBool>) -> Result<LiveSource, CaptureError> {
    let label = opts.label();
    let path = PathBuf::from(format!("sigrok:{label}"));
    let unusable = |why: String| CaptureError::Unusable { path: path.clone(), why };
    if let LiveInput::Device { samplerate: 0, .. } = opts.input {
        return Err(unusable("the sample rate must be above 0 Hz".into()));
    }
    if opts.limit_samples == Some(0) {
        return Err(unusable("a capture of 0 samples: give a positive limit".into()));
    }
    let turn = libsigrok_turn()?;
    let stats = Arc::new(LiveStats::default());
    let queue = Queue::new(opts.queue_bytes, stats.clone());
    let producer = Producer::new(queue.clone(), acquire::policy(&opts.input));
    let (ready_tx, ready_rx) = sync_channel(1);
    let thread = {
        let opts = opts.clone();
        std::thread::Builder::new()
            .name("atscope-sigrok".into())
            .spawn(move || {
                let _turn = turn;
                acquire::run(&opts, producer, ready_tx);
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
    let marks = Arc::new(Mutex::new(Default::default()));
    let mut src = LiveSource {
        wave: None,
        marks: marks.clone(),
        next_mark: None,
        held: None,
        stats: stats.clone(),
        stop: stop.clone(),
        stopper: ready.stopper.clone(),
        queue: queue.clone(),
        thread: Some(thread),
        description: ready.description,
        samplerate: ready.samplerate,
    };
    // From here on an error drops `src`, which stops the capture and waits for its thread.
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
    if let Some(c) = picked.iter().find(|c| c.index >= 64) {
        return Err(unusable(format!("logic channel {:?} (index {}) is beyond the 64 atscope reads", c.name, c.index)));
    }
    let channels: Vec<ChannelInfo> =
        picked.iter().enumerate().map(|(i, c)| ChannelInfo { index: i, name: c.name.clone() }).collect();
    let bits: Vec<u32> = picked.iter().map(|c| c.index).collect();
    let rate = ready.samplerate as f64;
    let feed = Feed::start(queue, bits, rate, stop, ready.stopper, marks, stats)?;
    let main = LiveEdges::new(feed, channels);
    let lookahead = main.lookahead();
    let opened = AtomicU64::new(0);
    let main = Mutex::new(Some(main));
    // `WaveSource` opens the capture once to decode and, when it must measure, once more to
    // look ahead: the decoding reader first, then the look-ahead (which shares its feed).
    let opener = || -> Result<Box<dyn EdgeSource>, CaptureError> {
        match opened.fetch_add(1, Ordering::Relaxed) {
            0 => Ok(Box::new(main.lock().unwrap_or_else(|e| e.into_inner()).take().expect("first open"))),
            1 => Ok(Box::new(lookahead.lookahead())),
            _ => Err(CaptureError::Unusable {
                path: PathBuf::from("sigrok"),
                why: "a live capture cannot be read a third time".into(),
            }),
        }
    };
    let notes = vec![match &opts.input {
        LiveInput::Device { .. } => {
            format!("live capture from libsigrok device {label} at {} samples/s", ready.samplerate)
        }
        LiveInput::SessionFile(_) => format!("{label} replayed by libsigrok at {} samples/s", ready.samplerate),
    }];
    src.wave = Some(WaveSource::new(&path, "libsigrok live capture", &opener, &[], import, notes)?);
    Ok(src)
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
