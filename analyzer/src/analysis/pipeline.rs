//! An [`Analysis`] over a whole record stream with the capture read on a thread of its own.
//!
//! Reading a capture (the `.atrace` records, a CSV's rows, a waveform's UART decoding) is a
//! fifth of the time of a decode of chatty AT traffic; on a machine with a second core it no
//! longer adds to the analysis. Records cross in batches through a bounded channel, so memory
//! stays flat whatever the capture's size, and the batches go back to the reader, which frees
//! the records it allocated (glibc's allocator is slower at freeing another thread's memory).
//!
//! The events are those of [`Analysis::push`] record by record then [`Analysis::finish`], in the
//! same order: the analysis sees the same records in the same order on one thread. (Handing the
//! events to a writer thread was tried and measured slower: each event owns several small
//! allocations, and keeping a batch of them alive until another thread has written them sends
//! glibc's allocator down its slow paths.)

use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::thread;

use super::Analysis;
use crate::chunk::{Body, Chunk, Record};
use crate::timeline::Event;

/// Records per batch (a batch also ends at [`BATCH_BYTES`] of bytes).
const BATCH_RECORDS: usize = 512;
/// Bytes of record data per batch (a bulk capture's records are large).
const BATCH_BYTES: usize = 1 << 20;
/// Batches in flight: with the limits above, a few MiB at most.
const IN_FLIGHT: usize = 4;

/// Why [`run`] stopped before the end of the records.
#[derive(Debug)]
pub enum Stopped<E, W> {
    /// Reading a record failed; the events before it were written, and the session was not
    /// finished (no findings of the end).
    Read(E),
    /// Writing an event failed (a closed pipe, a full disk); reading stopped too.
    Write(W),
}

/// A batch of the reader: records, then the error that ended the stream, if one did.
struct Batch<E> {
    records: Vec<Record>,
    error: Option<E>,
}

/// Feeds every record of `records` to `analysis`, finishes it, and hands each event in order to
/// `write`, reading the records on a thread of their own. Stops at the first read error (after
/// writing the events before it) or at the first write error (`atscope decode … | head`).
pub fn run<I, E, W>(
    analysis: &mut Analysis,
    records: I,
    mut write: impl FnMut(&Event) -> Result<(), W>,
) -> Result<(), Stopped<E, W>>
where
    I: Iterator<Item = Result<Record, E>> + Send,
    E: Send,
{
    thread::scope(|s| {
        let (batches_tx, batches) = sync_channel::<Batch<E>>(IN_FLIGHT);
        let (done_tx, done) = channel::<Vec<Record>>();
        let reader = thread::Builder::new()
            .name("atscope-read".into())
            .spawn_scoped(s, move || read(records, batches_tx, done))
            .expect("spawning the reader thread");
        // The first write error; nothing is written after it.
        let mut failed = None;
        let mut sink = |e: &Event, failed: &mut Option<W>| {
            if failed.is_none() {
                *failed = write(e).err();
            }
        };
        let mut read_error = None;
        for batch in batches.iter() {
            for rec in &batch.records {
                analysis.push(rec, &mut |e| sink(e, &mut failed));
            }
            // Back to the reader to be freed there (it may be gone, after its last batch).
            let _ = done_tx.send(batch.records);
            if batch.error.is_some() {
                read_error = batch.error;
                break;
            }
            if failed.is_some() {
                break;
            }
        }
        // Stops the reader at its next batch if the loop ended early.
        drop(batches);
        if read_error.is_none() && failed.is_none() {
            analysis.finish(&mut |e| sink(e, &mut failed));
        }
        reader.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        match (failed, read_error) {
            (Some(w), _) => Err(Stopped::Write(w)),
            (None, Some(e)) => Err(Stopped::Read(e)),
            (None, None) => Ok(()),
        }
    })
}

/// The reader thread: records in batches, until the end, an error, or the analysis stops.
fn read<I, E>(records: I, batches: SyncSender<Batch<E>>, done: Receiver<Vec<Record>>)
where
    I: Iterator<Item = Result<Record, E>>,
{
    let empty = || match done.try_recv() {
        Ok(mut analysed) => {
            analysed.clear();
            analysed
        }
        Err(_) => Vec::with_capacity(BATCH_RECORDS),
    };
    let mut batch = Batch { records: empty(), error: None };
    let mut bytes = 0;
    for r in records {
        match r {
            Ok(rec) => {
                bytes += record_bytes(&rec);
                batch.records.push(rec);
                if batch.records.len() >= BATCH_RECORDS || bytes >= BATCH_BYTES {
                    let next = Batch { records: empty(), error: None };
                    if batches.send(std::mem::replace(&mut batch, next)).is_err() {
                        return;
                    }
                    bytes = 0;
                }
            }
            Err(e) => {
                batch.error = Some(e);
                break;
            }
        }
    }
    let _ = batches.send(batch);
}

/// The size of a record's data, for the batch limit.
fn record_bytes(rec: &Record) -> usize {
    match rec {
        Record::Chunk(Chunk { body: Body::Bytes(b), .. }) => b.len(),
        _ => 64,
    }
}
