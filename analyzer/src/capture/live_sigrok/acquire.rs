//! The capture thread: owns libsigrok's context and session for their whole life, runs the
//! session's loop, and queues every logic packet from the datafeed callback.
//!
//! Every way a capture ends goes through the same wind-down: the loop returns (the sample
//! limit, a stop asked for, the device ending or failing), the session is closed and
//! destroyed, then the context; only then does the thread end. Nothing of libsigrok outlives
//! it, so the process can start the next capture.

use std::sync::mpsc::SyncSender;

use atscope_sigrok::{Channel, Context, Flow, Packet, Session, Stopper};

use super::device;
use super::queue::{Policy, Producer};
use super::{LiveInput, LiveOptions};

/// What the thread says once the session is ready to run.
pub(super) struct Ready {
    /// The logic channels that will be in the samples (enabled).
    pub logic: Vec<Channel>,
    /// Samples per second, as libsigrok reads it back.
    pub samplerate: u64,
    /// libsigrok's description of the device.
    pub description: String,
    /// Stops the run from another thread.
    pub stopper: Stopper,
}

/// Runs a capture to its end. Errors before the run go to `ready`; after it, into the queue.
pub(super) fn run(opts: &LiveOptions, producer: Producer, ready: SyncSender<Result<Ready, String>>) {
    let ctx = match Context::new() {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(e.to_string()));
            return;
        }
    };
    let (mut session, description) = match prepare(&ctx, opts) {
        Ok(s) => s,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let samplerate = match (&opts.input, session.samplerate()) {
        (_, Some(r)) => r,
        (LiveInput::Device { samplerate, .. }, None) => *samplerate,
        (LiveInput::SessionFile(p), None) => {
            let _ = ready.send(Err(format!("{} has no sample rate", p.display())));
            return;
        }
    };
    let logic: Vec<Channel> = session.channels().into_iter().filter(|c| c.logic && c.enabled).collect();
    if logic.is_empty() {
        let _ = ready.send(Err("the device has no enabled logic channel".into()));
        return;
    }
    let stopper = session.stopper();
    if ready.send(Ok(Ready { logic, samplerate, description, stopper })).is_err() {
        return;
    }
    stream(&mut session, opts.limit_samples, producer);
}

/// Opens the device (configured) or loads the session file.
fn prepare<'c>(ctx: &'c Context, opts: &LiveOptions) -> Result<(Session<'c>, String), String> {
    match &opts.input {
        LiveInput::Device { driver, conn, samplerate } => {
            let mut dev = device::pick(ctx, driver, conn.as_deref())?;
            device::configure(&mut dev, *samplerate, opts.limit_samples)?;
            let description = dev.info().to_string();
            let session = ctx.session(dev).map_err(|e| e.to_string())?;
            Ok((session, description))
        }
        LiveInput::SessionFile(path) => {
            let session = ctx.load(path).map_err(|e| e.to_string())?;
            Ok((session, format!("libsigrok session file {}", path.display())))
        }
    }
}

/// Runs the session, queueing its samples (at most `limit`), then ends the stream.
fn stream(session: &mut Session<'_>, limit: Option<u64>, mut producer: Producer) {
    let mut got = 0u64;
    let mut gone = false;
    let run = session.run(&mut |p| {
        let Packet::Logic { unitsize, data } = p else { return Flow::Continue };
        if unitsize == 0 || gone {
            return Flow::Stop;
        }
        let n = (data.len() / unitsize) as u64;
        let take = limit.map_or(n, |l| n.min(l.saturating_sub(got)));
        if take > 0 {
            if !producer.push(unitsize, &data[..(take as usize) * unitsize]) {
                gone = true;
                return Flow::Stop;
            }
            got += take;
        }
        if limit.is_some_and(|l| got >= l) {
            Flow::Stop
        } else {
            Flow::Continue
        }
    });
    let error = match run {
        Err(e) => Some(e.to_string()),
        Ok(_) if limit.is_some_and(|l| got >= l) => None,
        Ok(end) if end.stop_requested => None,
        Ok(end) if !end.saw_end => {
            Some(format!("the device stopped sending after {got} samples without ending the acquisition (unplugged?)"))
        }
        Ok(_) => limit.map(|l| format!("the device ended the acquisition after {got} of the {l} samples asked for")),
    };
    producer.end(error);
}

/// The queue policy for an input: a device cannot wait, a file can.
pub(super) fn policy(input: &LiveInput) -> Policy {
    match input {
        LiveInput::Device { .. } => Policy::Drop,
        LiveInput::SessionFile(_) => Policy::Wait,
    }
}
