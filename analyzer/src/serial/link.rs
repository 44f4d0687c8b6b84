//! One reader thread per port: read, record, forward; survive the port going away.
//!
//! A read error other than a timeout (an unplugged USB adapter gives `EIO` or a hang-up), or
//! reads that return nothing although the port said it was readable (a hung-up tty: the far end
//! of a pty closed) is a lost port: the recorder gets a `mark`, the port is closed and reopened by path
//! every [`RETRY_INTERVAL`] until it opens again (another `mark`) or the session stops. What the
//! port delivered before the loss is in the trace already ([`super::recorder`]).

use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::recorder::Recorder;
use super::{open, PortSettings, SerialPort, SharedPort};
use crate::chunk::Dir;

/// How often a lost port is tried again.
pub const RETRY_INTERVAL: Duration = Duration::from_millis(500);

/// Where a port's bytes go besides the trace.
pub type Forward = Box<dyn FnMut(&[u8]) + Send>;

/// What a reader thread reads from.
pub struct Line {
    /// A name for marks and messages: `modem port /dev/ttyUSB0`.
    pub label: String,
    /// The path to reopen after a loss; `None` for a pty master (it cannot be lost while we
    /// hold its slave, and cannot be reopened by path).
    pub path: Option<String>,
    /// Settings for reopening.
    pub settings: PortSettings,
    /// Who speaks on this line; `None` for a port whose bytes only go to the `forward` of
    /// [`spawn_reader`] (the SLM's own log port, written beside the trace).
    pub dir: Option<Dir>,
}

/// Spawns the reader of `port`. `shared`, when given, is refilled with a writable clone after
/// every (re)open, so writers follow the port across a loss.
pub fn spawn_reader(
    line: Line,
    port: Box<dyn SerialPort>,
    recorder: Recorder,
    stop: Arc<AtomicBool>,
    shared: Option<SharedPort>,
    mut forward: Option<Forward>,
) -> std::io::Result<JoinHandle<()>> {
    let name = line.dir.map_or("log", Dir::as_str);
    std::thread::Builder::new().name(format!("atscope-read-{name}")).spawn(move || {
        let mut port = Some(port);
        let mut buf = vec![0u8; 4096];
        let mut lost_logged = false;
        let mut empty_reads = 0;
        while !stop.load(Ordering::Relaxed) {
            let Some(p) = port.as_mut() else {
                std::thread::sleep(RETRY_INTERVAL);
                let Some(path) = line.path.as_deref() else { return };
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                if let Ok(p) = open(path, &line.settings) {
                    recorder.mark(format!("{} is back", line.label));
                    if let Some(s) = &shared {
                        s.set(p.try_clone().ok());
                    }
                    port = Some(p);
                    lost_logged = false;
                }
                continue;
            };
            let r = match p.read(&mut buf) {
                // poll said readable, read gave nothing: end of file, the tty was hung up.
                Ok(0) if line.path.is_some() && empty_reads >= 2 => {
                    Err(std::io::Error::new(ErrorKind::UnexpectedEof, "hung up"))
                }
                Ok(0) => {
                    empty_reads += 1;
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                r => r,
            };
            match r {
                Ok(0) => {}
                Ok(n) => {
                    empty_reads = 0;
                    if let Some(dir) = line.dir {
                        recorder.chunk(dir, &buf[..n]);
                    }
                    if let Some(f) = forward.as_mut() {
                        f(&buf[..n]);
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
                Err(e) => {
                    if !lost_logged {
                        let how = if line.path.is_some() {
                            format!("; retrying every {:.1} s until it is back", RETRY_INTERVAL.as_secs_f64())
                        } else {
                            String::new()
                        };
                        recorder.mark(format!("{} lost ({e}){how}", line.label));
                        lost_logged = true;
                    }
                    if let Some(s) = &shared {
                        s.set(None);
                    }
                    port = None;
                    empty_reads = 0;
                    if line.path.is_none() {
                        return;
                    }
                }
            }
        }
    })
}
