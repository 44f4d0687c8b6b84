//! Capture sources: everything that turns a file (or a port) into a chunk stream.
//!
//! A source first yields [`ChannelChunk`]s: bytes or conditions tagged by the *channel* they
//! were seen on (a Saleae analyzer, a logic-analyzer probe, a trace direction). Which channel
//! is the host and which the modem is decided afterwards by [`assign`], from the user's
//! `--host`/`--modem` choice or from the content (the side whose lines start with `AT`).
//!
//! Formats are detected from the file's content ([`detect`]), not from its name.

pub mod assign;
pub mod detect;
#[cfg(feature = "sigrok")]
pub mod live_sigrok;
pub mod packed;
pub mod raw_csv;
pub mod sal;
pub mod saleae_bin;
pub mod saleae_csv;
pub mod sr;
pub mod sr_write;
pub mod trace_source;
pub mod vcd;
pub mod wave;
pub mod zipread;

use std::path::{Path, PathBuf};

use crate::chunk::{Body, Record};

/// A channel of a capture: a Saleae analyzer, a logic probe, or a direction of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    /// Position in the capture's own channel list (what `--host 1` refers to).
    pub index: usize,
    /// Name as the capture gives it (`Async 1`, `TX`, `host`).
    pub name: String,
}

/// Bytes or a condition seen on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelChunk {
    /// Nanoseconds since the capture start.
    pub t_ns: i64,
    /// Index into [`ChannelSource::channels`].
    pub channel: usize,
    /// Bytes or a condition.
    pub body: Body,
}

/// An item of a channel stream: a chunk on a channel, or a mark on the time axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelItem {
    /// Bytes or a condition on one channel.
    Chunk(ChannelChunk),
    /// A note on the time axis (kept from `.atrace` files).
    Mark(crate::chunk::Mark),
    /// A record that already knows its direction (from `.atrace`).
    Record(Record),
}

/// A capture opened for streaming. Items come in time order.
pub trait ChannelSource: Iterator<Item = Result<ChannelItem, CaptureError>> + Send {
    /// The channels this capture has.
    fn channels(&self) -> &[ChannelInfo];
    /// A short name of the format, for messages (`Saleae data-table CSV`).
    fn format_name(&self) -> &'static str;
    /// Things the user should know about the import (ignored channels, settings used).
    fn notes(&mut self) -> Vec<String> {
        Vec::new()
    }
    /// Non-fatal problems met so far (e.g. a truncated last line); drained by the caller.
    fn take_warnings(&mut self) -> Vec<String> {
        Vec::new()
    }
    /// Input bytes read so far and in all, for a progress bar (`None`: not known).
    fn progress(&self) -> Option<(u64, u64)> {
        None
    }
    /// The baud rate a waveform channel is decoded at (`None` for byte-level formats).
    fn uart_baud(&self, channel: usize) -> Option<u32> {
        let _ = channel;
        None
    }
    /// Channels decoded at a configured rate their pulses contradict (waveform formats).
    fn baud_mismatches(&self) -> Vec<BaudMismatch> {
        Vec::new()
    }
    /// The SLM version the file itself declares (an `.atrace` header's `firmware.slm`).
    fn declared_slm(&self) -> Option<String> {
        None
    }
    /// The recording's metadata, for a format that has it (an `.atrace` header).
    fn recording_meta(&self) -> Option<&crate::trace::Meta> {
        None
    }
}

/// A waveform channel decoded at a configured baud rate that its measured bit time contradicts.
#[derive(Debug, Clone, PartialEq)]
pub struct BaudMismatch {
    /// Index into [`ChannelSource::channels`].
    pub channel: usize,
    /// The rate it was decoded at.
    pub configured: u32,
    /// The rate its shortest pulses measure.
    pub measured: f64,
    /// The standard rate nearest the measurement (or the measurement rounded).
    pub suggested: u32,
}

/// What went wrong opening or reading a capture. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The content is not any format atscope reads.
    #[error("{path}: not a capture atscope can read ({why})")]
    UnknownFormat {
        /// The file.
        path: PathBuf,
        /// What the first bytes looked like.
        why: String,
    },
    /// The content is of a known format but malformed at a known place.
    #[error("{path}:{line}: {why}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line (or record) number.
        line: u64,
        /// What is wrong.
        why: String,
    },
    /// The capture is well formed but cannot be used as asked.
    #[error("{path}: {why}")]
    Unusable {
        /// The file.
        path: PathBuf,
        /// What is wrong and what to do.
        why: String,
    },
}

/// The most channels a waveform capture may have (logic analyzers have 8 to 64; a capture
/// claiming more is damaged or hostile, and each channel costs a decoder).
pub const MAX_CHANNELS: usize = 256;

/// At most `max` characters of `s` (cut on a character boundary, `…` appended when cut): what
/// an error message may quote of a value read from a file.
pub fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some((i, _)) => format!("{}…", &s[..i]),
    }
}

/// [`excerpt`] of bytes that may not be UTF-8.
pub fn excerpt_bytes(b: &[u8], max: usize) -> String {
    let head = &b[..b.len().min(max.saturating_mul(4))];
    let s = String::from_utf8_lossy(head);
    if head.len() < b.len() && s.chars().count() <= max {
        format!("{s}…")
    } else {
        excerpt(&s, max)
    }
}

impl CaptureError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> CaptureError {
        CaptureError::Io { path: path.to_path_buf(), source }
    }
}

/// UART framing settings for waveform inputs; `None` fields mean "from the file, else auto".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UartOverrides {
    /// Baud rate; `None` = what the file says, else auto-detect.
    pub baud: Option<u32>,
    /// `--baud auto`: detect the baud rate even if the file names one.
    pub auto_baud: bool,
    /// 5..=9 data bits.
    pub data_bits: Option<u8>,
    /// `none`, `even` or `odd`.
    pub parity: Option<String>,
    /// Stop bits in halves (2 = 1 stop bit, 3 = 1.5, 4 = 2).
    pub stop_half_bits: Option<u8>,
    /// Invert the host line.
    pub invert_host: bool,
    /// Invert the modem line.
    pub invert_modem: bool,
    /// Most significant bit first.
    pub msb_first: bool,
    /// Ignore pulses shorter than this many nanoseconds (glitch filter); `None` = off.
    pub glitch_ns: Option<u64>,
}

/// Everything a user can say about how to import a capture.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `--host NAME|INDEX`.
    pub host: Option<String>,
    /// `--modem NAME|INDEX`.
    pub modem: Option<String>,
    /// UART settings for waveform inputs.
    pub uart: UartOverrides,
}

/// Opens `path`, detects its format from the content and returns a channel stream.
pub fn open(path: &Path, opts: &ImportOptions) -> Result<Box<dyn ChannelSource>, CaptureError> {
    if is_stream(path) {
        return open_stream(path);
    }
    match detect::detect(path)? {
        detect::Format::Atrace => Ok(Box::new(trace_source::TraceSource::open(path)?)),
        detect::Format::SaleaeTable => Ok(Box::new(saleae_csv::TableSource::open(path)?)),
        detect::Format::SaleaeLegacy => Ok(Box::new(saleae_csv::LegacySource::open(path)?)),
        detect::Format::SigrokSession => Ok(Box::new(sr::open(path, opts)?)),
        detect::Format::SaleaeSal => Ok(Box::new(sal::open(path, opts)?)),
        detect::Format::SaleaeBinary => Ok(Box::new(saleae_bin::open(&[path.to_path_buf()], opts)?)),
        detect::Format::SaleaeRawCsv => Ok(Box::new(raw_csv::open(path, opts)?)),
        detect::Format::Vcd => Ok(Box::new(vcd::open(path, opts)?)),
    }
}

/// Whether `path` is a pipe, FIFO, socket or device (`<(zcat trace.atrace.gz)`, `/dev/stdin`):
/// its bytes can be read once only, where a file can be opened again.
fn is_stream(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.file_type().is_file() && !m.file_type().is_dir())
}

/// Opens a capture that can be read once: the format is told from its first bytes, which are
/// then read again from memory. Only `.atrace` streams like that; the other readers open their
/// file again or seek in it, so they say so instead of waiting forever on a pipe that has been
/// read.
fn open_stream(path: &Path) -> Result<Box<dyn ChannelSource>, CaptureError> {
    use std::io::Read;
    let mut input = std::fs::File::open(path).map_err(|e| CaptureError::io(path, e))?;
    let head = detect::read_head(&mut input, path)?;
    match detect::detect_bytes(&head) {
        Some(detect::Format::Atrace) => {
            let whole = std::io::Cursor::new(head).chain(input);
            Ok(Box::new(trace_source::TraceSource::from_reader(path, Box::new(whole))?))
        }
        Some(f) => Err(CaptureError::Unusable {
            path: path.to_path_buf(),
            why: format!(
                "a pipe or device, not a file: its bytes can be read only once, and the reader of a {} needs a file it can read again or seek in; save the capture to a file first",
                f.name()
            ),
        }),
        None => Err(CaptureError::UnknownFormat { path: path.to_path_buf(), why: detect::describe(&head) }),
    }
}

/// Opens one capture, or several files that together are one (Saleae binary exports: one file
/// per channel).
pub fn open_paths(paths: &[PathBuf], opts: &ImportOptions) -> Result<Box<dyn ChannelSource>, CaptureError> {
    match paths {
        [] => Err(CaptureError::Unusable { path: PathBuf::new(), why: "no capture file given".into() }),
        [one] => open(one, opts),
        many => Ok(Box::new(saleae_bin::open(many, opts)?)),
    }
}

/// [`open_paths`], then assigns host and modem.
pub fn open_records_paths(paths: &[PathBuf], opts: &ImportOptions) -> Result<assign::Assigned, CaptureError> {
    let src = open_paths(paths, opts)?;
    let path = paths.first().cloned().unwrap_or_default();
    assign::Assigned::new(src, &path, opts.host.as_deref(), opts.modem.as_deref())
}

/// Opens a capture and assigns host and modem: the chunk stream every surface consumes.
pub fn open_records(path: &Path, opts: &ImportOptions) -> Result<assign::Assigned, CaptureError> {
    let src = open(path, opts)?;
    assign::Assigned::new(src, path, opts.host.as_deref(), opts.modem.as_deref())
}

/// The SLM's own log beside a capture (`NAME.log`, [`crate::log::beside`]), opened, if there is
/// one: what `check`, `serve` and the oracle sessions read with a trace.
pub fn open_log_beside(capture: &Path) -> Result<Option<crate::log::Lines>, CaptureError> {
    match crate::log::beside(capture) {
        Some(log) => Ok(Some(Box::new(crate::log::open(&log).map_err(|e| CaptureError::io(&log, e))?))),
        None => Ok(None),
    }
}
