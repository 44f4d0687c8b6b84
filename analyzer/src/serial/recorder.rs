//! The durable recorder: every chunk is stamped, appended to the trace and handed to the live
//! display as soon as it arrives.
//!
//! Durability: each record is one `write(2)` of one whole JSON line on an unbuffered `File`, so
//! once a chunk is in the trace the kernel has it and a `kill -9` of atscope cannot take it back
//! (the reader copes with a line cut short anyway). `fsync` (`sync_data`) runs at most
//! [`SYNC_INTERVAL`] after a write, from a background ticker, so a power cut loses at most that.
//!
//! Time: one monotonic clock per session, read under the recorder's lock, so records from several
//! reader threads (a tap's two adapters, a proxy's two sides) are written in time order.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use super::SerialError;
use crate::chunk::{Chunk, Dir, Mark, Record};
use crate::trace::{Meta, TraceWriter};

/// How long after a write the trace is `fsync`ed at the latest.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(200);

struct Inner {
    writer: Option<TraceWriter<File>>,
    path: Option<PathBuf>,
    dirty: bool,
    tx: Option<Sender<Record>>,
    last_t: i64,
    error: Option<String>,
}

/// A recording session's clock, trace file and live feed (cheap to clone, shared by threads).
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Mutex<Inner>>,
    start: Instant,
}

impl Recorder {
    /// Starts a session: creates the trace at `path` (if any; never onto one of `inputs`, see
    /// [`crate::output::open_direct`]) with its header, starts the sync ticker; every record also
    /// goes to `tx`.
    pub fn create(
        path: Option<&Path>,
        inputs: &[&Path],
        meta: &Meta,
        tx: Sender<Record>,
    ) -> Result<Recorder, SerialError> {
        let writer = match path {
            Some(p) => {
                let trace_err = |source| SerialError::Trace { path: p.to_owned(), source };
                let file = crate::output::open_direct(p, inputs)?;
                let mut w = TraceWriter::new(file, meta).map_err(trace_err)?;
                w.get_mut().sync_data().map_err(|e| trace_err(e.into()))?;
                Some(w)
            }
            None => None,
        };
        let inner = Arc::new(Mutex::new(Inner {
            writer,
            path: path.map(Path::to_owned),
            dirty: false,
            tx: Some(tx),
            last_t: 0,
            error: None,
        }));
        let weak: Weak<Mutex<Inner>> = Arc::downgrade(&inner);
        std::thread::Builder::new()
            .name("atscope-fsync".into())
            .spawn(move || loop {
                std::thread::sleep(SYNC_INTERVAL);
                let Some(inner) = weak.upgrade() else { return };
                let mut g = inner.lock().unwrap_or_else(|e| e.into_inner());
                if g.writer.is_none() && g.tx.is_none() {
                    return;
                }
                sync(&mut g);
            })
            .map_err(|e| SerialError::Pty(format!("cannot start the fsync thread: {e}")))?;
        Ok(Recorder { inner, start: Instant::now() })
    }

    /// Nanoseconds since the session started.
    pub fn now_ns(&self) -> i64 {
        self.start.elapsed().as_nanos() as i64
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn put(&self, make: impl FnOnce(i64) -> Record) -> i64 {
        let mut g = self.lock();
        let t = self.now_ns().max(g.last_t);
        g.last_t = t;
        let rec = make(t);
        if let Some(w) = g.writer.as_mut() {
            // One write of one whole line, no user-space buffer: durable against kill -9.
            if let Err(e) = w.write(&rec).and_then(|_| w.flush()) {
                let path = g.path.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
                g.error.get_or_insert(format!("writing {path}: {e}"));
            }
            g.dirty = true;
        }
        if let Some(tx) = &g.tx {
            let _ = tx.send(rec);
        }
        t
    }

    /// Records bytes one side sent; returns their time.
    pub fn chunk(&self, dir: Dir, bytes: &[u8]) -> i64 {
        self.put(|t| Record::Chunk(Chunk::bytes(t, dir, bytes.to_vec())))
    }

    /// Records a mark (port lost, port back, …).
    pub fn mark(&self, text: impl Into<String>) -> i64 {
        let text = text.into();
        self.put(|t| Record::Mark(Mark { t_ns: t, text }))
    }

    /// The first write error, if any (the recording goes on to the live display).
    pub fn error(&self) -> Option<String> {
        self.lock().error.clone()
    }

    /// Syncs and closes the trace; later records only go to the live display.
    pub fn close(&self) -> Result<(), SerialError> {
        let mut g = self.lock();
        sync(&mut g);
        let path = g.path.clone().unwrap_or_default();
        if let Some(w) = g.writer.take() {
            let f = w.into_inner().map_err(|source| SerialError::Trace { path: path.clone(), source })?;
            f.sync_all().map_err(|e| SerialError::Trace { path, source: e.into() })?;
        }
        g.tx = None;
        Ok(())
    }
}

fn sync(g: &mut Inner) {
    if g.dirty {
        if let Some(w) = g.writer.as_mut() {
            let _ = w.get_mut().sync_data();
        }
        g.dirty = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_in_the_file_before_the_writer_is_closed() {
        let dir = std::env::temp_dir().join(format!("atscope-rec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.atrace");
        let (tx, rx) = std::sync::mpsc::channel();
        let r = Recorder::create(Some(&path), &[], &Meta::new(), tx).unwrap();
        r.chunk(Dir::Host, b"AT\r\n");
        r.mark("port lost");
        r.chunk(Dir::Modem, b"\r\nOK\r\n");
        // Read back while the recorder is still open (as after a kill -9).
        let text = std::fs::read(&path).unwrap();
        let recs: Vec<Record> = crate::trace::TraceReader::new(&text[..]).unwrap().map(Result::unwrap).collect();
        assert_eq!(recs.len(), 3);
        assert!(recs.windows(2).all(|w| w[0].t_ns() <= w[1].t_ns()));
        assert_eq!(rx.try_iter().count(), 3);
        r.close().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
