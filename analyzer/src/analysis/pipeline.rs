//! An [`Analysis`] over a whole record stream on three threads: one reads the capture, one
//! analyses, one renders the events.
//!
//! Reading a capture (the `.atrace` records, a CSV's rows, a waveform's UART decoding) is a
//! fifth of the time of a decode of chatty AT traffic, and rendering the events as text or JSON
//! a fifth to a third; on a machine with a second core neither adds to the analysis any more.
//! Records and events cross in batches through bounded channels, so memory stays flat whatever
//! the capture's size, and each thread frees what it allocated: the reader gets its batches of
//! records back, and the events cross packed into bytes ([`crate::timeline::packed`]), the writer
//! unpacking its own copies (glibc's allocator is slow at freeing another thread's memory, and a
//! core reading the memory another core's allocator reuses at once costs more than it saves).
//!
//! The events written are those of [`Analysis::push`] record by record then
//! [`Analysis::finish`], in the same order: one thread analyses the records in their order.

use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::thread;

use super::Analysis;
use crate::chunk::{Body, Chunk, Record};
use crate::timeline::packed::{Packed, Unpacker};
use crate::timeline::Event;

/// Records per batch (a batch also ends at [`BATCH_BYTES`] of bytes).
const BATCH_RECORDS: usize = 512;
/// Bytes of record data per batch (a bulk capture's records are large).
const BATCH_BYTES: usize = 256 << 10;
/// Packed bytes per batch of events.
const PACKED_BYTES: usize = 256 << 10;
/// Batches in flight between two threads: with the limits above, a few MiB at most.
const IN_FLIGHT: usize = 4;

/// Why [`run`] stopped before the end of the records.
#[derive(Debug)]
pub enum Stopped<E, W> {
    /// Reading a record failed; the events before it were written, and the session was not
    /// finished (no findings of the end).
    Read(E),
    /// Writing an event failed (a closed pipe, a full disk); reading and analysis stopped too.
    Write(W),
}

/// A batch of the reader: records, then the error that ended the stream, if one did.
struct Batch<E> {
    records: Vec<Record>,
    error: Option<E>,
}

/// Feeds every record of `records` to `analysis`, finishes it, and hands each event that `keep`
/// accepts, in order, to `write`. Stops at the first read error (after writing the events before
/// it) or at the first write error (`atscope decode … | head`).
///
/// With two cores or more this is [`threaded`]; on one, [`inline`] (the threads would only take
/// turns, and packing and unpacking the events would cost a fifth more time).
pub fn run<I, E, W>(
    analysis: &mut Analysis,
    records: I,
    keep: impl Fn(&Event) -> bool,
    write: impl FnMut(&Event) -> Result<(), W> + Send,
) -> Result<(), Stopped<E, W>>
where
    I: Iterator<Item = Result<Record, E>> + Send,
    E: Send,
    W: Send,
{
    if thread::available_parallelism().map_or(1, |n| n.get()) >= 2 {
        threaded(analysis, records, keep, write)
    } else {
        inline(analysis, records, keep, write)
    }
}

/// [`run`] on the caller's thread alone.
pub fn inline<I, E, W>(
    analysis: &mut Analysis,
    records: I,
    keep: impl Fn(&Event) -> bool,
    mut write: impl FnMut(&Event) -> Result<(), W>,
) -> Result<(), Stopped<E, W>>
where
    I: Iterator<Item = Result<Record, E>>,
{
    // The first write error; nothing is written after it.
    let mut failed = None;
    let mut sink = |e: &Event, failed: &mut Option<W>| {
        if failed.is_none() && keep(e) {
            *failed = write(e).err();
        }
    };
    for rec in records {
        analysis.push(&rec.map_err(Stopped::Read)?, &mut |e| sink(e, &mut failed));
        if let Some(w) = failed {
            return Err(Stopped::Write(w));
        }
    }
    analysis.finish(&mut |e| sink(e, &mut failed));
    failed.map_or(Ok(()), |w| Err(Stopped::Write(w)))
}

/// [`run`] on three threads: the records are read on one, the events written on another.
pub fn threaded<I, E, W>(
    analysis: &mut Analysis,
    records: I,
    keep: impl Fn(&Event) -> bool,
    write: impl FnMut(&Event) -> Result<(), W> + Send,
) -> Result<(), Stopped<E, W>>
where
    I: Iterator<Item = Result<Record, E>> + Send,
    E: Send,
    W: Send,
{
    thread::scope(|s| {
        let (batches_tx, batches) = sync_channel::<Batch<E>>(IN_FLIGHT);
        let (done_tx, done) = channel::<Vec<Record>>();
        let (packed_tx, packed_rx) = sync_channel::<Packed>(IN_FLIGHT);
        let (written_tx, written) = channel::<Packed>();
        let reader = thread::Builder::new()
            .name("atscope-read".into())
            .spawn_scoped(s, move || read(records, batches_tx, done))
            .expect("spawning the reader thread");
        let writer = thread::Builder::new()
            .name("atscope-write".into())
            .spawn_scoped(s, move || write_all(packed_rx, written_tx, write))
            .expect("spawning the writer thread");

        let mut packed = Packed::default();
        let pack = |packed: &mut Packed, e: &Event| {
            if keep(e) {
                packed.push(e);
            }
        };
        // Hands the packed events to the writer; false when it has stopped. The buffers come back
        // empty (`Packed::unpack` empties them).
        let send = |packed: &mut Packed| -> bool {
            let spare = written.try_recv().unwrap_or_default();
            packed_tx.send(std::mem::replace(packed, spare)).is_ok()
        };
        let mut read_error = None;
        let mut writer_gone = false;
        'batches: for batch in batches.iter() {
            for rec in &batch.records {
                analysis.push(rec, &mut |e| pack(&mut packed, e));
                if packed.size() >= PACKED_BYTES && !send(&mut packed) {
                    writer_gone = true;
                    break 'batches;
                }
            }
            // Back to the reader to be freed there (it may be gone, after its last batch).
            let _ = done_tx.send(batch.records);
            if batch.error.is_some() {
                read_error = batch.error;
                break;
            }
        }
        // Stops the reader at its next batch if the loop ended early.
        drop(batches);
        if !writer_gone {
            if read_error.is_none() {
                analysis.finish(&mut |e| pack(&mut packed, e));
            }
            send(&mut packed);
        }
        drop(packed_tx);
        let written = writer.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        reader.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        written.map_err(Stopped::Write)?;
        match read_error {
            Some(e) => Err(Stopped::Read(e)),
            None => Ok(()),
        }
    })
}

/// The writer thread: every event in order, until the first error; the buffers go back empty.
fn write_all<W>(
    batches: Receiver<Packed>,
    written: Sender<Packed>,
    mut write: impl FnMut(&Event) -> Result<(), W>,
) -> Result<(), W> {
    let mut unpacker = Unpacker::default();
    for mut packed in batches.iter() {
        packed.unpack(&mut unpacker, &mut write)?;
        let _ = written.send(packed);
    }
    Ok(())
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
