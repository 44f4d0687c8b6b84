//! The session loop: records from the reader threads go through a live
//! [`crate::analysis::Analysis`] to the caller's event sink (the terminal, a viewer),
//! while a [`Driver`] decides what atscope itself sends: nothing (tap, proxy), the user's lines,
//! a script, a replayed host, or a replayed modem.
//!
//! What atscope sends is recorded *before* it is written to the port, so in the trace a command
//! always comes before its answer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Duration;

use super::recorder::Recorder;
use super::SharedPort;
use crate::analysis::{Analysis, Options};
use crate::chunk::{Body, Dir, Record};
use crate::replay::pacer::{Action, Pacer};
use crate::replay::responder::Responder;
use crate::replay::script::{ScriptRunner, Step as ScriptStep};
use crate::report::Summary;
use crate::timeline::Event;

/// What atscope sends during a session.
pub enum Driver {
    /// Nothing: a tap or a proxy.
    Passive,
    /// Lines the user types (one command per line; the channel closing ends the session).
    Interactive(Receiver<String>),
    /// A script.
    Script(ScriptRunner),
    /// A replayed host.
    Host(Pacer),
    /// A replayed modem; with `once`, the session ends when the whole trace was played.
    Modem {
        /// The responder.
        responder: Responder,
        /// End after the last step.
        once: bool,
    },
}

/// How a session ended.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Counts of the live timeline.
    pub summary: Summary,
    /// Ctrl-C (or another stop request) ended it.
    pub stopped: bool,
    /// A script wait that timed out, or a strict replay that met an unknown command.
    pub failure: Option<String>,
    /// Remarks (waits given up on, commands the trace did not know).
    pub notes: Vec<String>,
}

/// How long a session goes on reading after its driver is done.
pub const LINGER: Duration = Duration::from_millis(300);
const TICK: i64 = 50_000_000;

/// Runs a session until the driver is done, the stop flag is set, or every reader is gone.
pub fn run(
    rx: Receiver<Record>,
    recorder: &Recorder,
    port: Option<&SharedPort>,
    mut driver: Driver,
    opts: Options,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(&Event),
) -> Outcome {
    let mut analysis = Analysis::new(opts);
    let mut out = Outcome::default();
    let mut done_at: Option<i64> = None;
    let send_dir = if matches!(driver, Driver::Modem { .. }) { Dir::Modem } else { Dir::Host };
    let send = |bytes: &[u8]| {
        recorder.chunk(send_dir, bytes);
        if let Some(p) = port {
            if let Err(e) = p.write_all(bytes) {
                recorder.mark(format!("not sent ({e}): {}", crate::timeline::event::escape(bytes)));
            }
        }
    };
    let linger = LINGER.as_nanos() as i64;
    loop {
        let now = recorder.now_ns();
        if stop.load(Ordering::Relaxed) {
            out.stopped = true;
            break;
        }
        if done_at.is_some_and(|t| now >= t) {
            break;
        }
        let mut wake = now + TICK;
        match &mut driver {
            Driver::Passive => {}
            Driver::Interactive(lines) => loop {
                match lines.try_recv() {
                    Ok(l) => send(format!("{}\r\n", l.trim_end_matches(['\r', '\n'])).as_bytes()),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        done_at.get_or_insert(now + linger);
                        break;
                    }
                }
            },
            Driver::Script(s) => loop {
                match s.poll(now) {
                    ScriptStep::Send(b) => send(&b),
                    ScriptStep::Wait(t) => {
                        wake = wake.min(t);
                        break;
                    }
                    ScriptStep::Done => {
                        done_at.get_or_insert(now + linger);
                        break;
                    }
                    ScriptStep::Failed(m) => {
                        out.failure.get_or_insert(m);
                        done_at.get_or_insert(now + linger);
                        break;
                    }
                }
            },
            Driver::Host(p) if done_at.is_none() => loop {
                match p.poll(now) {
                    Action::Send(b) => send(&b),
                    Action::Wait(t) => {
                        wake = wake.min(t);
                        break;
                    }
                    Action::Done => {
                        done_at = Some(now + linger);
                        break;
                    }
                }
            },
            Driver::Host(_) => {}
            Driver::Modem { responder, once } => {
                responder.start(now);
                for b in responder.due(now) {
                    send(&b);
                }
                if let Some(t) = responder.next_due() {
                    wake = wake.min(t);
                }
                if let Some(m) = responder.stopped() {
                    out.failure = Some(m.to_string());
                    break;
                }
                if *once && responder.finished() {
                    done_at.get_or_insert(now + linger);
                }
            }
        }
        let timeout = Duration::from_nanos((wake - now).clamp(0, TICK) as u64);
        let first = match rx.recv_timeout(timeout) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        for rec in std::iter::once(first).chain(std::iter::from_fn(|| rx.try_recv().ok())) {
            let now = recorder.now_ns();
            if let (Driver::Modem { responder, .. }, Record::Chunk(c)) = (&mut driver, &rec) {
                if let (Dir::Host, Body::Bytes(b)) = (c.dir, &c.body) {
                    responder.feed(now, b);
                }
            }
            analysis.push(&rec, &mut |e| {
                sink(e);
                match &mut driver {
                    Driver::Script(s) => s.observe(e),
                    Driver::Host(p) => p.observe(now, e),
                    _ => {}
                }
            });
        }
    }
    analysis.finish(&mut |e| sink(e));
    match &driver {
        Driver::Host(p) => out.notes.extend(p.notes().iter().cloned()),
        Driver::Modem { responder, .. } => {
            for u in responder.unknown() {
                out.notes.push(format!("not in the trace, answered ERROR: {u}"));
            }
            for u in responder.loose_matches() {
                out.notes.push(format!("matched by command name only: {u}"));
            }
        }
        _ => {}
    }
    out.summary = analysis.summary().clone();
    out
}
