//! The bounded queue of logic packets between libsigrok's loop (the capture thread) and the
//! decoder: bounded in bytes, so memory never grows with the length of a capture.
//!
//! A device cannot wait: when the decoder falls behind and the queue is full, packets are
//! dropped and counted ([`Policy::Drop`]) until the decoder has emptied half of the queue (so
//! that a decoder that is just too slow gives a few long overruns, not one per packet), and the
//! count reaches the decoder with the next packet, where it becomes a `capture overrun` mark. A session file can wait, so its packets
//! wait for room instead ([`Policy::Wait`]) and none is lost.

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use super::LiveStats;

/// From the capture thread to the decoder.
#[derive(Debug)]
pub(super) enum Msg {
    /// Samples of `unitsize` bytes, after `dropped_before` samples that were dropped.
    Data { unitsize: usize, bytes: Vec<u8>, dropped_before: u64 },
    /// The acquisition is over: `dropped` samples were dropped after the last `Data`; `error`
    /// says why it ended, when not in order.
    End { dropped: u64, error: Option<String> },
}

/// What to do with a packet when the queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Policy {
    /// Drop it and count its samples (a device: libsigrok's thread must not wait).
    Drop,
    /// Wait for room (a session file).
    Wait,
}

#[derive(Default)]
struct State {
    msgs: VecDeque<Msg>,
    bytes: usize,
    /// The decoder is gone: nothing more is wanted.
    closed: bool,
}

/// The queue (shared by both sides).
pub(super) struct Queue {
    state: Mutex<State>,
    cond: Condvar,
    budget: usize,
    stats: Arc<LiveStats>,
}

/// What [`Queue::pop`] got.
pub(super) enum Popped {
    Msg(Msg),
    /// Nothing arrived in time.
    Timeout,
}

impl Queue {
    /// A queue holding at most `budget` bytes of samples.
    pub(super) fn new(budget: usize, stats: Arc<LiveStats>) -> Arc<Queue> {
        Arc::new(Queue { state: Mutex::default(), cond: Condvar::new(), budget: budget.max(1), stats })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The decoder side: the next message, waiting up to `timeout`.
    pub(super) fn pop(&self, timeout: Duration) -> Popped {
        let mut st = self.lock();
        if st.msgs.is_empty() {
            st = self.cond.wait_timeout_while(st, timeout, |s| s.msgs.is_empty()).unwrap_or_else(|e| e.into_inner()).0;
        }
        match st.msgs.pop_front() {
            Some(m) => {
                if let Msg::Data { bytes, .. } = &m {
                    st.bytes -= bytes.len();
                    self.stats.queued_bytes.store(st.bytes as u64, Ordering::Relaxed);
                }
                self.cond.notify_all();
                Popped::Msg(m)
            }
            None => Popped::Timeout,
        }
    }

    /// The decoder is gone: drops what waits and wakes a waiting producer.
    pub(super) fn close(&self) {
        let mut st = self.lock();
        st.closed = true;
        st.msgs.clear();
        st.bytes = 0;
        self.cond.notify_all();
    }
}

/// The capture thread's side of the queue.
pub(super) struct Producer {
    queue: Arc<Queue>,
    policy: Policy,
    /// Samples dropped since the last packet queued.
    dropped: u64,
    /// Dropping until the queue is half empty.
    dropping: bool,
}

impl Producer {
    pub(super) fn new(queue: Arc<Queue>, policy: Policy) -> Producer {
        Producer { queue, policy, dropped: 0, dropping: false }
    }

    /// Queues `data` (whole samples of `unitsize` bytes), or drops it when full (policy
    /// [`Policy::Drop`]). `false` once the decoder is gone.
    pub(super) fn push(&mut self, unitsize: usize, data: &[u8]) -> bool {
        let q = &self.queue;
        q.stats.packets.fetch_add(1, Ordering::Relaxed);
        // A session file's packets can be large: queue them in pieces that fit the budget.
        let piece = match self.policy {
            Policy::Drop => data.len().max(1),
            Policy::Wait => (q.budget / 4).max(unitsize) / unitsize * unitsize,
        };
        for part in data.chunks(piece) {
            let mut st = q.lock();
            if self.policy == Policy::Wait {
                st = q
                    .cond
                    .wait_while(st, |s| !s.closed && s.bytes > 0 && s.bytes + part.len() > q.budget)
                    .unwrap_or_else(|e| e.into_inner());
            }
            if st.closed {
                return false;
            }
            if self.dropping && st.bytes > q.budget / 2 || st.bytes + part.len() > q.budget {
                self.dropping = true;
                let n = (part.len() / unitsize) as u64;
                self.dropped += n;
                q.stats.dropped_samples.fetch_add(n, Ordering::Relaxed);
                continue;
            }
            self.dropping = false;
            st.bytes += part.len();
            q.stats.queued_bytes.store(st.bytes as u64, Ordering::Relaxed);
            q.stats.peak_queued_bytes.fetch_max(st.bytes as u64, Ordering::Relaxed);
            let dropped_before = std::mem::take(&mut self.dropped);
            st.msgs.push_back(Msg::Data { unitsize, bytes: part.to_vec(), dropped_before });
            q.cond.notify_all();
        }
        true
    }

    /// Ends the stream (always delivered: it carries no samples).
    pub(super) fn end(self, error: Option<String>) {
        let mut st = self.queue.lock();
        if !st.closed {
            st.msgs.push_back(Msg::End { dropped: self.dropped, error });
            self.queue.cond.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(m: Popped) -> (usize, u64) {
        match m {
            Popped::Msg(Msg::Data { bytes, dropped_before, .. }) => (bytes.len(), dropped_before),
            _ => panic!("expected data"),
        }
    }

    #[test]
    fn a_full_queue_drops_and_counts_then_reports_the_count_with_the_next_packet() {
        let stats = Arc::new(LiveStats::default());
        let q = Queue::new(10, stats.clone());
        let mut p = Producer::new(q.clone(), Policy::Drop);
        assert!(p.push(2, &[0; 8]));
        assert!(p.push(2, &[0; 4])); // 12 > 10: dropped, 2 samples
        assert!(p.push(2, &[0; 2])); // 8 + 2 fits, but half the queue is not free yet: dropped
        assert_eq!(stats.dropped_samples.load(Ordering::Relaxed), 3);
        assert_eq!(data(q.pop(Duration::ZERO)), (8, 0));
        assert!(p.push(2, &[0; 6]));
        assert_eq!(data(q.pop(Duration::ZERO)), (6, 3), "the drops are reported before the next samples");
        assert!(p.push(2, &[0; 12])); // larger than the whole budget: dropped
        p.end(None);
        match q.pop(Duration::ZERO) {
            Popped::Msg(Msg::End { dropped: 6, error: None }) => {}
            _ => panic!("expected the end with 6 dropped samples"),
        }
        assert!(matches!(q.pop(Duration::from_millis(1)), Popped::Timeout));
    }

    #[test]
    fn a_waiting_producer_loses_nothing_and_never_exceeds_the_budget() {
        let stats = Arc::new(LiveStats::default());
        let q = Queue::new(64, stats.clone());
        let mut p = Producer::new(q.clone(), Policy::Wait);
        let t = std::thread::spawn(move || {
            for i in 0..100u8 {
                assert!(p.push(4, &[i; 40]));
            }
            p.end(None);
        });
        let mut total = 0;
        loop {
            match q.pop(Duration::from_secs(5)) {
                Popped::Msg(Msg::Data { bytes, dropped_before, .. }) => {
                    assert_eq!(dropped_before, 0);
                    total += bytes.len();
                }
                Popped::Msg(Msg::End { dropped, .. }) => {
                    assert_eq!(dropped, 0);
                    break;
                }
                Popped::Timeout => panic!("the producer stalled"),
            }
        }
        t.join().unwrap();
        assert_eq!(total, 4000);
        assert!(stats.peak_queued_bytes.load(Ordering::Relaxed) <= 64);
    }

    #[test]
    fn closing_releases_a_waiting_producer() {
        let q = Queue::new(8, Arc::new(LiveStats::default()));
        let mut p = Producer::new(q.clone(), Policy::Wait);
        assert!(p.push(1, &[0; 8]));
        let t = std::thread::spawn(move || p.push(1, &[0; 8]));
        std::thread::sleep(Duration::from_millis(50));
        q.close();
        assert!(!t.join().unwrap(), "the producer learns that the decoder is gone");
    }
}
