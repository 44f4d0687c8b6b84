//! [`LiveSource`]: a running capture as a [`ChannelSource`], with its overrun marks merged in
//! time order, and the wind-down when it is dropped early.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::JoinHandle;

use atscope_sigrok::Stopper;

use super::edges::Marks;
use super::queue::Queue;
use super::LiveStats;
use crate::capture::wave::WaveSource;
use crate::capture::{CaptureError, ChannelInfo, ChannelItem, ChannelSource};

/// A live capture, decoded: the [`ChannelSource`] of a logic analyzer (or of a session file
/// replayed by libsigrok).
pub struct LiveSource {
    /// Always `Some` until dropped.
    pub(super) wave: Option<WaveSource>,
    pub(super) marks: Marks,
    pub(super) next_mark: Option<crate::chunk::Mark>,
    pub(super) held: Option<ChannelItem>,
    pub(super) stats: Arc<LiveStats>,
    pub(super) stop: Arc<std::sync::atomic::AtomicBool>,
    pub(super) stopper: Stopper,
    pub(super) queue: Arc<Queue>,
    pub(super) thread: Option<JoinHandle<()>>,
    pub(super) description: String,
    pub(super) samplerate: u64,
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

    /// Samples per second, as the device reports it.
    pub fn samplerate(&self) -> u64 {
        self.samplerate
    }

    /// Asks the capture to end; the stream then ends after the samples already captured.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.stopper.stop();
    }

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

    fn wave(&self) -> &WaveSource {
        self.wave.as_ref().expect("present until dropped")
    }

    fn wave_mut(&mut self) -> &mut WaveSource {
        self.wave.as_mut().expect("present until dropped")
    }
}

impl Drop for LiveSource {
    /// Stops the acquisition, lets the capture thread wind libsigrok down, and waits for it.
    fn drop(&mut self) {
        self.stopper.stop();
        // A capture thread waiting for room (a session file) gives up when the queue closes.
        self.queue.close();
        self.wave = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
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
