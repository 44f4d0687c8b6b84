//! Renders a chunk stream as a sigrok session (`.sr`): the way back from a trace to a waveform.
//!
//! Two logic probes, `host` (bit 0) and `modem` (bit 1), so that importing the file again maps
//! them without flags. Each byte becomes an 8N1 frame at the configured baud rate, starting at
//! its chunk's time or, if the line is still busy with the previous frame, right after it (so
//! bytes are never lost or reordered; their times may move by up to a frame). Conditions are
//! drawn too: `framing` gives the next byte a low stop bit, `break` holds the line low for two
//! frames, `glitch` is a short low spike; `parity` cannot be drawn in 8N1 and is counted.
//!
//! Streaming: samples go to `logic-1-N` members of [`CHUNK_BYTES`] as they are produced, so any
//! capture size needs one chunk of memory. It does not write analog channels.

use std::collections::VecDeque;
use std::io::{Seek, Write};

use zip::write::SimpleFileOptions;

use crate::chunk::{Body, Chunk, Condition, Dir, Record};

/// Samples per `logic-1-N` member (libsigrok writes 4 MiB chunks too).
pub const CHUNK_BYTES: usize = 4 << 20;

/// The most samples one export draws: 2^36 (about 4.8 hours at 4 MHz; runs of idle deflate
/// about 1000:1, so some 70 MB of file). A trace whose times would need more (a far-away
/// timestamp, an absurd `--samplerate`) is refused instead of filling the disk.
pub const MAX_SAMPLES: u64 = 1 << 36;

/// The most samples per bit drawn (a frame is then 10 M samples).
pub const MAX_SAMPLES_PER_BIT: f64 = 1e6;

/// How to render.
#[derive(Debug, Clone)]
pub struct SrRender {
    /// Samples per second.
    pub samplerate: u64,
    /// Bits per second of both lines.
    pub baud: u32,
    /// Deflate level of the members (0 = stored).
    pub level: i64,
}

impl Default for SrRender {
    fn default() -> Self {
        SrRender { samplerate: 4_000_000, baud: 115_200, level: 1 }
    }
}

/// What was rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderStats {
    /// Samples written.
    pub samples: u64,
    /// Bytes drawn per side (host, modem).
    pub bytes: [u64; 2],
    /// Bytes that had to wait for the line to be free.
    pub delayed: u64,
    /// Conditions that cannot be drawn (parity).
    pub not_drawn: u64,
}

/// Errors of the renderer.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// Writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The ZIP writer failed.
    #[error("{0}")]
    Zip(#[from] zip::result::ZipError),
    /// The settings cannot be drawn.
    #[error("{0}")]
    Settings(String),
}

/// `4 MHz`, `625 kHz`, `31.5 kHz`: sigrok's way of writing a rate.
pub fn format_samplerate(hz: u64) -> String {
    for (div, unit) in [(1_000_000_000, "GHz"), (1_000_000, "MHz"), (1_000, "kHz")] {
        if hz >= div && hz.is_multiple_of(div / 1000) {
            let whole = hz / div;
            let frac = hz % div / (div / 1000);
            return if frac == 0 {
                format!("{whole} {unit}")
            } else {
                format!("{whole}.{} {unit}", format!("{frac:03}").trim_end_matches('0'))
            };
        }
    }
    format!("{hz} Hz")
}

/// One line's pending transitions.
#[derive(Default)]
struct Line {
    /// The line is free (idle, after the last frame) from this sample on.
    free: u64,
    edges: VecDeque<(u64, bool)>,
    bad_stop_next: bool,
}

impl Line {
    fn push(&mut self, s: u64, level: bool) {
        if let Some(&(t, l)) = self.edges.back() {
            if l == level {
                return;
            }
            if t == s {
                // A zero-length pulse: nothing to draw.
                self.edges.pop_back();
                return;
            }
        }
        self.edges.push_back((s, level));
    }
}

/// Streams samples into `logic-1-N` members.
struct Samples<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    opts: SimpleFileOptions,
    buf: Vec<u8>,
    member: u32,
    written: u64,
}

impl<W: Write + Seek> Samples<W> {
    fn run(&mut self, value: u8, mut n: u64) -> Result<(), RenderError> {
        while n > 0 {
            let room = (CHUNK_BYTES - self.buf.len()) as u64;
            let k = n.min(room) as usize;
            self.buf.resize(self.buf.len() + k, value);
            n -= k as u64;
            self.written += k as u64;
            if self.buf.len() == CHUNK_BYTES {
                self.flush()?;
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), RenderError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.member += 1;
        self.zip.start_file(format!("logic-1-{}", self.member), self.opts)?;
        self.zip.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }
}

/// Renders `records` (in time order) into a `.sr` written to `out`.
pub fn write_sr<W, E>(
    out: W,
    records: impl IntoIterator<Item = Result<Record, E>>,
    cfg: &SrRender,
) -> Result<RenderStats, E>
where
    W: Write + Seek,
    E: From<RenderError>,
{
    if cfg.baud == 0 {
        return Err(RenderError::Settings("0 Bd cannot be drawn: give the baud rate (--baud)".into()).into());
    }
    let w = cfg.samplerate as f64 / f64::from(cfg.baud);
    if w > MAX_SAMPLES_PER_BIT {
        return Err(RenderError::Settings(format!(
            "{} samples per second for {} Bd is {w:.0} samples per bit, more than the {MAX_SAMPLES_PER_BIT:.0} an sr export draws; lower --samplerate",
            cfg.samplerate, cfg.baud
        ))
        .into());
    }
    if w.is_nan() || w < 2.0 {
        return Err(RenderError::Settings(format!(
            "{} samples per second cannot draw {} Bd (at least 2 samples per bit are needed, 4 or more to decode well)",
            cfg.samplerate, cfg.baud
        ))
        .into());
    }
    let method = if cfg.level == 0 { zip::CompressionMethod::Stored } else { zip::CompressionMethod::Deflated };
    let opts = SimpleFileOptions::default()
        .compression_method(method)
        .compression_level((cfg.level > 0).then_some(cfg.level))
        .last_modified_time(zip::DateTime::default());
    let mut zip = zip::ZipWriter::new(out);
    let start = |zip: &mut zip::ZipWriter<W>, name: &str, data: &[u8]| -> Result<(), RenderError> {
        zip.start_file(name, opts)?;
        zip.write_all(data)?;
        Ok(())
    };
    start(&mut zip, "version", b"2")?;
    let mut s = Samples { zip, opts, buf: Vec::with_capacity(CHUNK_BYTES), member: 0, written: 0 };
    let mut lines = [Line::default(), Line::default()];
    let lead = (2.0 * w).ceil() as u64;
    for l in &mut lines {
        l.free = lead;
    }
    let mut stats = RenderStats::default();
    let mut value = 0b11u8;
    let frame = |start: f64, k: f64| (start + k * w).round() as u64;
    for r in records {
        let Record::Chunk(Chunk { t_ns, dir, body }) = r? else {
            continue;
        };
        let i = usize::from(dir == Dir::Modem);
        let t = (t_ns.max(0) as f64 * cfg.samplerate as f64 / 1e9).round() as u64;
        if t > MAX_SAMPLES || lines.iter().any(|l| l.free > MAX_SAMPLES) {
            return Err(RenderError::Settings(format!(
                "a record at {:.3} s would be sample {t} at {} Hz, past the {MAX_SAMPLES} samples an sr export draws; lower --samplerate or cut the trace",
                t_ns as f64 / 1e9,
                cfg.samplerate
            ))
            .into());
        }
        // Everything before `t` is final on both lines: write it.
        write_until(&mut s, &mut lines, &mut value, t)?;
        let line = &mut lines[i];
        let mut at = t.max(line.free);
        match body {
            Body::Bytes(bytes) => {
                if at > t {
                    stats.delayed += 1;
                }
                for b in bytes {
                    let st = at as f64;
                    let bits = std::iter::once(false)
                        .chain((0..8).map(|k| b >> k & 1 == 1))
                        .chain(std::iter::once(!line.bad_stop_next));
                    for (k, bit) in bits.enumerate() {
                        line.push(frame(st, k as f64), bit);
                    }
                    let mut end = frame(st, 10.0);
                    if line.bad_stop_next {
                        // Back to idle two bit times after the bad stop bit.
                        end = frame(st, 11.0);
                        line.push(end, true);
                        line.bad_stop_next = false;
                    }
                    line.free = end;
                    at = end;
                    stats.bytes[i] += 1;
                }
            }
            Body::Condition(Condition::Framing) => line.bad_stop_next = true,
            Body::Condition(Condition::Break) => {
                let st = at as f64;
                line.push(at, false);
                let end = frame(st, 20.0);
                line.push(end, true);
                line.free = frame(st, 22.0);
            }
            Body::Condition(Condition::Glitch) => {
                let len = ((w / 8.0).floor() as u64).max(1);
                line.push(at, false);
                line.push(at + len, true);
                line.free = at + len + w.ceil() as u64;
            }
            Body::Condition(Condition::Parity) => stats.not_drawn += 1,
        }
    }
    // Drain, then a frame of idle after the last edge.
    let last = lines.iter().map(|l| l.free).max().unwrap_or(0);
    write_until(&mut s, &mut lines, &mut value, u64::MAX)?;
    let tail = (last + (10.0 * w).ceil() as u64).saturating_sub(s.written);
    s.run(value, tail)?;
    s.flush()?;
    stats.samples = s.written;
    let meta = format!(
        "[global]\nsigrok version=0.5.2\n\n[device 1]\ncapturefile=logic-1\ntotal probes=2\nsamplerate={}\ntotal analog=0\nprobe1=host\nprobe2=modem\nunitsize=1\n",
        format_samplerate(cfg.samplerate)
    );
    let mut zip = s.zip;
    start(&mut zip, "metadata", meta.as_bytes())?;
    zip.finish().map_err(RenderError::from)?;
    Ok(stats)
}

/// Writes samples up to (not including) `until`, applying the lines' transitions before it.
fn write_until<W: Write + Seek>(
    s: &mut Samples<W>,
    lines: &mut [Line; 2],
    value: &mut u8,
    until: u64,
) -> Result<(), RenderError> {
    loop {
        let next = lines.iter().filter_map(|l| l.edges.front().map(|e| e.0)).min();
        match next {
            Some(t) if t < until => {
                s.run(*value, t.saturating_sub(s.written))?;
                for (bit, l) in lines.iter_mut().enumerate() {
                    while let Some(&(et, level)) = l.edges.front() {
                        if et != t {
                            break;
                        }
                        l.edges.pop_front();
                        if level {
                            *value |= 1 << bit;
                        } else {
                            *value &= !(1 << bit);
                        }
                    }
                }
            }
            _ => break,
        }
    }
    if until != u64::MAX {
        s.run(*value, until.saturating_sub(s.written))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_written_the_sigrok_way() {
        assert_eq!(format_samplerate(4_000_000), "4 MHz");
        assert_eq!(format_samplerate(625_000), "625 kHz");
        assert_eq!(format_samplerate(31_500), "31.5 kHz");
        assert_eq!(format_samplerate(1_500_000), "1.5 MHz");
        assert_eq!(format_samplerate(999), "999 Hz");
    }
}
