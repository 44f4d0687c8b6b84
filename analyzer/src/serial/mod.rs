//! Live serial I/O: open ports with explicit line settings, list ports, record durably, keep
//! recording across a port that disappears and comes back, a pty proxy, and the session loop
//! that drives a live [`crate::analysis::Analysis`] and a replay or script.
//!
//! * [`recorder::Recorder`]: appends each chunk to the `.atrace` as it arrives (one `write` per
//!   record, so a process killed with `-9` leaves every chunk it had received), `fsync`s at most
//!   [`recorder::SYNC_INTERVAL`] after a write, and hands each record to the live display.
//! * [`link`]: one reader thread per port; a read error (unplugged adapter, closed pty) writes a
//!   `mark`, then the port is reopened every [`link::RETRY_INTERVAL`] until it is back or the
//!   session stops.
//! * [`proxy`]: a pseudo-terminal for the user's host program, forwarded to the modem port.
//! * [`session`]: the main loop (live analysis, replay host/modem, script, interactive input).
//! * [`ports`]: `atscope ports`.
//!
//! Everything here uses the `serialport` crate without libudev; pseudo-terminals come from
//! `serialport::TTYPort::pair()`.

pub mod link;
pub mod ports;
pub mod proxy;
pub mod recorder;
pub mod session;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use serialport::{DataBits, FlowControl, Parity, SerialPort, StopBits};

/// How long a read waits before the loop looks at its stop flag again.
pub const READ_TIMEOUT: Duration = Duration::from_millis(50);

/// A serial port could not be opened, read or written: what every user of a port (recording,
/// replay, `atscope-firmware`'s identification) says of it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PortError {
    /// The port could not be opened.
    #[error("cannot open serial port {port}: {source}")]
    Open {
        /// The port.
        port: String,
        /// Why.
        source: serialport::Error,
    },
    /// Reading or writing a port failed.
    #[error("serial port {port}: {source}")]
    Io {
        /// The port.
        port: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Errors of live serial work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SerialError {
    /// The port could not be opened, read or written.
    #[error(transparent)]
    Port(#[from] PortError),
    /// The port is gone (unplugged) and not back yet.
    #[error("serial port {port} is not connected")]
    Down {
        /// The port.
        port: String,
    },
    /// Writing the trace failed.
    #[error("writing {path}: {source}")]
    Trace {
        /// The trace file.
        path: PathBuf,
        /// Why.
        source: crate::trace::TraceError,
    },
    /// The trace cannot be written there (it is an input, a directory, …).
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// Creating the pseudo-terminal (or its symlink) failed.
    #[error("pseudo-terminal: {0}")]
    Pty(String),
}

/// Line settings of a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortSettings {
    /// Baud rate.
    pub baud: u32,
    /// Data bits.
    pub data_bits: DataBits,
    /// Parity.
    pub parity: Parity,
    /// Stop bits.
    pub stop_bits: StopBits,
    /// Flow control (RTS/CTS is `Hardware`).
    pub flow: FlowControl,
}

impl Default for PortSettings {
    /// 115200 8N1, no flow control: a stock SLM on uart0 (slm-protocol.md §1.1).
    fn default() -> Self {
        PortSettings {
            baud: 115_200,
            data_bits: DataBits::Eight,
            parity: Parity::None,
            stop_bits: StopBits::One,
            flow: FlowControl::None,
        }
    }
}

impl PortSettings {
    /// `115200 8N1`, `115200 8E1 RTS/CTS`.
    pub fn describe(&self) -> String {
        let bits = match self.data_bits {
            DataBits::Five => 5,
            DataBits::Six => 6,
            DataBits::Seven => 7,
            DataBits::Eight => 8,
        };
        let parity = match self.parity {
            Parity::None => 'N',
            Parity::Odd => 'O',
            Parity::Even => 'E',
        };
        let stop = match self.stop_bits {
            StopBits::One => 1,
            StopBits::Two => 2,
        };
        let flow = match self.flow {
            FlowControl::None => "",
            FlowControl::Hardware => " RTS/CTS",
            FlowControl::Software => " XON/XOFF",
        };
        format!("{} {bits}{parity}{stop}{flow}", self.baud)
    }

    /// The settings as `.atrace` header facts (`baud`, `framing`, `flow`).
    pub fn to_meta(&self, meta: &mut crate::trace::Meta) {
        let d = self.describe();
        let mut parts = d.split(' ');
        meta.insert("baud".into(), self.baud.into());
        if let Some(f) = parts.nth(1) {
            meta.insert("framing".into(), f.into());
        }
        meta.insert("flow".into(), if self.flow == FlowControl::Hardware { "rts/cts" } else { "none" }.into());
    }
}

/// Opens a port with these settings and a short read timeout.
pub fn open(port: &str, s: &PortSettings) -> Result<Box<dyn SerialPort>, PortError> {
    serialport::new(port, s.baud)
        .data_bits(s.data_bits)
        .parity(s.parity)
        .stop_bits(s.stop_bits)
        .flow_control(s.flow)
        .timeout(READ_TIMEOUT)
        .open()
        .map_err(|source| PortError::Open { port: port.to_owned(), source })
}

/// A port handle several threads write to; `None` while the port is down.
#[derive(Clone)]
pub struct SharedPort {
    name: String,
    slot: Arc<Mutex<Option<Box<dyn SerialPort>>>>,
}

impl SharedPort {
    /// An empty slot for the port called `name`.
    pub fn new(name: impl Into<String>) -> Self {
        SharedPort { name: name.into(), slot: Arc::new(Mutex::new(None)) }
    }

    /// Puts a (re)opened port in the slot.
    pub fn set(&self, port: Option<Box<dyn SerialPort>>) {
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = port;
    }

    /// The port's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes all of `bytes`.
    pub fn write_all(&self, bytes: &[u8]) -> Result<(), SerialError> {
        let mut g = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        let port = g.as_mut().ok_or_else(|| SerialError::Down { port: self.name.clone() })?;
        let mut rest = bytes;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !rest.is_empty() {
            match port.write(rest) {
                Ok(n) => rest = &rest[n..],
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                    ) && std::time::Instant::now() < deadline => {}
                Err(source) => return Err(PortError::Io { port: self.name.clone(), source }.into()),
            }
        }
        Ok(())
    }
}
