//! The transitions of a live capture: queued packets → [`PackedScanner`] → [`Edge`]s, with the
//! bounded look-ahead that baud auto-detection reads before decoding starts.
//!
//! [`WaveSource`](super::super::wave::WaveSource) opens a capture twice when it must measure
//! (once to decode, once to look ahead). A live capture can be read only once, so both readers
//! share one `Feed`: the look-ahead reader keeps the transitions it reads (at most
//! [`LOOKAHEAD_SECS`] of the capture, at most [`LOOKAHEAD_EDGES`] transitions), and the decoding
//! reader replays them before it reads on: decoding starts at the start of the capture.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use atscope_sigrok::Stopper;

use super::queue::{Msg, Popped, Queue};
use super::LiveStats;
use crate::capture::packed::PackedScanner;
use crate::capture::wave::{Edge, EdgeSource, Fill};
use crate::capture::{CaptureError, ChannelInfo};
use crate::chunk::Mark;

/// How much of the capture auto-detection measures at most.
pub const LOOKAHEAD_SECS: f64 = 0.5;
/// The most transitions the look-ahead keeps (16 bytes each).
pub const LOOKAHEAD_EDGES: usize = 1 << 20;
/// How often a waiting decoder looks at the stop flag.
const POLL: Duration = Duration::from_millis(20);

/// Marks waiting to be merged into the stream (time order).
pub(super) type Marks = Arc<Mutex<VecDeque<Mark>>>;

/// The decoder's end of the queue.
pub(super) struct Feed {
    queue: Arc<Queue>,
    bits: Vec<u32>,
    scanner: Option<PackedScanner>,
    levels0: Vec<bool>,
    /// The first packet, read for the initial levels and not scanned yet.
    first: Option<Msg>,
    /// Where the capture ended.
    ended: Option<u64>,
    rate: f64,
    stop: Arc<AtomicBool>,
    stopper: Stopper,
    stop_sent: bool,
    marks: Marks,
    stats: Arc<LiveStats>,
}

fn unusable(why: String) -> CaptureError {
    CaptureError::Unusable { path: PathBuf::from("sigrok"), why }
}

impl Feed {
    /// Waits for the first samples (the channels' initial levels). `bits`: the sample bit of
    /// each decoded channel.
    pub(super) fn start(
        queue: Arc<Queue>,
        bits: Vec<u32>,
        rate: f64,
        stop: Arc<AtomicBool>,
        stopper: Stopper,
        marks: Marks,
        stats: Arc<LiveStats>,
    ) -> Result<Feed, CaptureError> {
        let mut f = Feed {
            queue,
            levels0: vec![true; bits.len()],
            bits,
            scanner: None,
            first: None,
            ended: None,
            rate,
            stop,
            stopper,
            stop_sent: false,
            marks,
            stats,
        };
        loop {
            match f.next_msg() {
                Msg::Data { unitsize, bytes, .. } if bytes.len() < unitsize.max(1) => {}
                Msg::Data { unitsize, bytes, dropped_before } => {
                    let mut s = PackedScanner::new(unitsize, &f.bits);
                    f.levels0 = s.start(&bytes[..unitsize], &f.bits);
                    f.scanner = Some(s);
                    f.first = Some(Msg::Data { unitsize, bytes, dropped_before });
                    break;
                }
                end @ Msg::End { .. } => {
                    f.first = Some(end);
                    break;
                }
            }
        }
        Ok(f)
    }

    /// The next message; asks libsigrok to stop once the stop flag is set.
    fn next_msg(&mut self) -> Msg {
        loop {
            if !self.stop_sent && self.stop.load(Ordering::Relaxed) {
                self.stopper.stop();
                self.stop_sent = true;
            }
            if let Popped::Msg(m) = self.queue.pop(POLL) {
                return m;
            }
        }
    }

    fn pos(&self) -> u64 {
        self.scanner.as_ref().map_or(0, PackedScanner::pos)
    }

    fn ns(&self, sample: u64) -> i64 {
        (sample as f64 * 1e9 / self.rate).round() as i64
    }

    fn overrun(&mut self, dropped: u64) {
        if dropped == 0 {
            return;
        }
        let t_ns = self.ns(self.pos());
        if let Some(s) = self.scanner.as_mut() {
            s.skip(dropped);
        }
        let ms = dropped as f64 * 1e3 / self.rate;
        self.marks.lock().unwrap_or_else(|e| e.into_inner()).push_back(Mark {
            t_ns,
            text: format!(
                "capture overrun: {dropped} samples ({ms:.1} ms) dropped: the decoder fell behind the device"
            ),
        });
    }

    /// The next transitions.
    fn pull(&mut self, out: &mut Vec<Edge>) -> Result<Fill, CaptureError> {
        if let Some(end) = self.ended {
            return Ok(Fill::End(end));
        }
        let msg = match self.first.take() {
            Some(m) => m,
            None => self.next_msg(),
        };
        match msg {
            Msg::Data { unitsize, bytes, dropped_before } => {
                self.overrun(dropped_before);
                let Some(s) = self.scanner.as_mut() else {
                    return Err(unusable("samples arrived before the capture started (a bug in atscope)".into()));
                };
                if unitsize != s.unitsize() {
                    return Err(unusable(format!(
                        "libsigrok changed the sample size from {} to {unitsize} bytes during the capture",
                        s.unitsize()
                    )));
                }
                let before = s.pos();
                s.scan(&bytes, out);
                let pos = s.pos();
                self.stats.samples.fetch_add(pos - before, Ordering::Relaxed);
                Ok(Fill::Upto(pos))
            }
            Msg::End { dropped, error } => {
                self.overrun(dropped);
                let end = self.pos();
                self.ended = Some(end);
                match error {
                    Some(why) => Err(unusable(why)),
                    None => Ok(Fill::End(end)),
                }
            }
        }
    }
}

/// The feed and what the look-ahead read of it.
pub(super) struct Shared {
    feed: Feed,
    look: Vec<Edge>,
    /// Every transition before this sample is in `look`.
    look_upto: u64,
    /// The look-ahead was given to the decoding reader.
    replayed: bool,
}

/// One reader of a live capture: the decoding one or the look-ahead.
pub(super) struct LiveEdges {
    shared: Arc<Mutex<Shared>>,
    lookahead: bool,
    channels: Vec<ChannelInfo>,
    levels0: Vec<bool>,
    rate: f64,
}

impl LiveEdges {
    /// The decoding reader of `feed`; [`LiveEdges::lookahead`] makes the other one.
    pub(super) fn new(feed: Feed, channels: Vec<ChannelInfo>) -> LiveEdges {
        let (levels0, rate) = (feed.levels0.clone(), feed.rate);
        let shared = Shared { feed, look: Vec::new(), look_upto: 0, replayed: false };
        LiveEdges { shared: Arc::new(Mutex::new(shared)), lookahead: false, channels, levels0, rate }
    }

    /// The look-ahead reader of the same capture.
    pub(super) fn lookahead(&self) -> LiveEdges {
        LiveEdges {
            shared: self.shared.clone(),
            lookahead: true,
            channels: self.channels.clone(),
            levels0: self.levels0.clone(),
            rate: self.rate,
        }
    }
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
        let mut sh = self.shared.lock().unwrap_or_else(|e| e.into_inner());
        let sh = &mut *sh;
        if self.lookahead {
            let limit = (LOOKAHEAD_SECS * self.rate).ceil() as u64;
            if sh.replayed || sh.look_upto >= limit || sh.look.len() >= LOOKAHEAD_EDGES {
                return Ok(Fill::End(sh.look_upto));
            }
            let from = out.len();
            let fill = sh.feed.pull(out)?;
            sh.look.extend_from_slice(&out[from..]);
            return Ok(match fill {
                Fill::Upto(p) => {
                    sh.look_upto = p;
                    if p >= limit || sh.look.len() >= LOOKAHEAD_EDGES {
                        Fill::End(p)
                    } else {
                        Fill::Upto(p)
                    }
                }
                Fill::End(p) => {
                    sh.look_upto = p;
                    Fill::End(p)
                }
            });
        }
        if !sh.replayed {
            sh.replayed = true;
            if sh.look_upto > 0 || !sh.look.is_empty() {
                out.append(&mut sh.look);
                sh.look = Vec::new();
                return Ok(Fill::Upto(sh.look_upto));
            }
        }
        sh.feed.pull(out)
    }
}
