//! `firmware identify`: which SLM is on the other end of a serial port.
//!
//! After a reset the SLM prints `Ready\r\n` (no leading CRLF, often after a few junk bytes such as
//! 0xC0 or 0xFF from the TX line glitching while the chip boots; slm-protocol.md §2 and §6). Then
//! it answers `AT#XSLMVER` with `#XSLMVER: "2.1.2"` (v2.1.x/v2.2), `"<ncs>","<libmodem>"` (v2.3+)
//! or `"<ncs>","<libmodem>","<customer>"`, and `AT+CGMR` with the modem firmware
//! (`mfw_nrf9160_1.3.5`); each answer is `\r\nTEXT\r\n` lines and a final `\r\nOK\r\n`.
//!
//! The result is an [`Identity`]; it goes into the `meta.firmware` object of `.atrace` headers
//! ([`Identity::to_meta`], keys `slm`, `libmodem`, `customer`, `modem`, `profile`, `build` as the
//! trace format documents), and the last one is kept in a small JSON file ([`save_last`],
//! [`load_last`]) so a recorder started later can pick it up.

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use atscope_analyzer::serial::{self, PortError, PortSettings};
use serde::{Deserialize, Serialize};

use crate::tools::ToolEnv;

/// The UART speed of a stock SLM (slm-protocol.md §1.1).
pub const DEFAULT_BAUD: u32 = 115_200;

/// What the SLM says it is, plus how it was built when atscope built it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The SLM (NCS) version from `#XSLMVER`, e.g. `2.1.2` (with `-CUSTOMIZED` when the SLM says so).
    #[serde(rename = "slm")]
    pub slm_version: String,
    /// The libmodem version (SLM v2.3 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub libmodem: Option<String>,
    /// `CONFIG_SLM_CUSTOMER_VERSION`, when the SLM reports one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The modem firmware from `AT+CGMR`, e.g. `mfw_nrf9160_1.3.5`.
    #[serde(rename = "modem")]
    pub modem_firmware: String,
    /// The atscope profile it was built with, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The hash of the flashed image (`sha256:…`), when known.
    #[serde(rename = "build", default, skip_serializing_if = "Option::is_none")]
    pub build_hash: Option<String>,
}

impl Identity {
    /// The value for an `.atrace` header's `meta.firmware`.
    pub fn to_meta(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("an Identity always serializes")
    }
}

/// Why identification failed.
#[derive(Debug, thiserror::Error)]
pub enum IdentifyError {
    /// The port could not be opened, read or written.
    #[error(transparent)]
    Port(#[from] PortError),
    /// No `Ready` arrived in time.
    #[error("no `Ready` from the SLM on {port} within {:.1} s ({})", timeout.as_secs_f64(), describe_seen(seen))]
    NoReady {
        /// The port.
        port: String,
        /// How long atscope waited.
        timeout: Duration,
        /// What arrived instead (at most the last 64 bytes).
        seen: Vec<u8>,
    },
    /// The SLM reported that it failed to start.
    #[error("the SLM on {port} printed `INIT ERROR`: it failed to initialise (see its RTT log)")]
    InitError {
        /// The port.
        port: String,
    },
    /// A command got no final result in time.
    #[error("no final result to {command} on {port} within {:.1} s", timeout.as_secs_f64())]
    NoAnswer {
        /// The port.
        port: String,
        /// The command sent.
        command: String,
        /// How long atscope waited.
        timeout: Duration,
    },
    /// A command failed, or its answer is not what an SLM says.
    #[error("{command} on {port}: {why}")]
    Unexpected {
        /// The port.
        port: String,
        /// The command sent.
        command: String,
        /// What happened.
        why: String,
    },
    /// The identity file could not be read or written.
    #[error("{path}: {source}")]
    State {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

fn describe_seen(seen: &[u8]) -> String {
    if seen.is_empty() {
        "nothing arrived: check the port and wiring, and reset the board, since the SLM prints \
         Ready only when it starts; `--no-wait` asks a running SLM directly"
            .to_owned()
    } else {
        format!("got {:?}", String::from_utf8_lossy(seen))
    }
}

/// Timeouts of an identification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// How long to wait for `Ready`; `None` to not wait (the SLM is already running).
    pub ready: Option<Duration>,
    /// How long to wait for each command's final result.
    pub command: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts { ready: Some(Duration::from_secs(10)), command: Duration::from_secs(3) }
    }
}

/// Opens a serial port at the SLM's speed (8N1, no flow control), with a short read timeout so
/// the waits below can keep their own deadlines.
pub fn open_port(port: &str, baud: u32) -> Result<Box<dyn serialport::SerialPort>, IdentifyError> {
    Ok(serial::open(port, &PortSettings { baud, ..PortSettings::default() })?)
}

/// A conversation with an SLM over any byte stream whose reads time out
/// (`ErrorKind::TimedOut` or `WouldBlock` mean "nothing yet").
pub struct Slm<P: Read + Write> {
    port: P,
    name: String,
    buf: Vec<u8>,
}

impl<P: Read + Write> Slm<P> {
    /// Wraps `port`; `name` is used in errors.
    pub fn new(port: P, name: impl Into<String>) -> Self {
        Slm { port, name: name.into(), buf: Vec::new() }
    }

    /// Gives the port back.
    pub fn into_inner(self) -> P {
        self.port
    }

    fn io(&self, source: std::io::Error) -> IdentifyError {
        PortError::Io { port: self.name.clone(), source }.into()
    }

    /// Reads what is there into the buffer; false if nothing came before the port's timeout.
    fn fill(&mut self) -> Result<bool, IdentifyError> {
        let mut chunk = [0u8; 256];
        match self.port.read(&mut chunk) {
            Ok(0) => {
                // A pty whose other side is closed reads 0 at once; don't spin.
                std::thread::sleep(Duration::from_millis(10));
                Ok(false)
            }
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(true)
            }
            Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                Ok(false)
            }
            Err(e) => Err(self.io(e)),
        }
    }

    /// Waits for `Ready\r\n`, accepting junk bytes before it. Bytes after it stay buffered.
    pub fn wait_ready(&mut self, timeout: Duration) -> Result<(), IdentifyError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(at) = find(&self.buf, b"Ready\r\n") {
                self.buf.drain(..at + b"Ready\r\n".len());
                return Ok(());
            }
            if find(&self.buf, b"INIT ERROR\r\n").is_some() {
                return Err(IdentifyError::InitError { port: self.name.clone() });
            }
            if Instant::now() >= deadline {
                let keep = self.buf.len().saturating_sub(64);
                return Err(IdentifyError::NoReady {
                    port: self.name.clone(),
                    timeout,
                    seen: self.buf[keep..].to_vec(),
                });
            }
            self.fill()?;
        }
    }

    /// Sends `command` (without its line end) and collects the non-empty lines before its final
    /// result. `OK` returns them; `ERROR` / `+CME ERROR` / `+CMS ERROR` is an error.
    pub fn command(&mut self, command: &str, timeout: Duration) -> Result<Vec<String>, IdentifyError> {
        self.port.write_all(format!("{command}\r\n").as_bytes()).map_err(|e| self.io(e))?;
        self.port.flush().map_err(|e| self.io(e))?;
        let deadline = Instant::now() + timeout;
        let mut lines = Vec::new();
        loop {
            while let Some(end) = find(&self.buf, b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..end + 2).take(end).collect();
                let line = String::from_utf8_lossy(&line).trim().to_owned();
                match line.as_str() {
                    "" => {}
                    "OK" => return Ok(lines),
                    l if l == "ERROR" || l.starts_with("+CME ERROR") || l.starts_with("+CMS ERROR") => {
                        return Err(IdentifyError::Unexpected {
                            port: self.name.clone(),
                            command: command.to_owned(),
                            why: format!("answered {l}"),
                        })
                    }
                    _ => lines.push(line),
                }
            }
            if Instant::now() >= deadline {
                return Err(IdentifyError::NoAnswer { port: self.name.clone(), command: command.to_owned(), timeout });
            }
            self.fill()?;
        }
    }

    /// Waits for `Ready` (unless `timeouts.ready` is `None`), then asks `AT#XSLMVER` and
    /// `AT+CGMR`. `profile` and `build_hash` are not asked for; they are recorded as given.
    pub fn identify(&mut self, timeouts: Timeouts) -> Result<Identity, IdentifyError> {
        if let Some(t) = timeouts.ready {
            self.wait_ready(t)?;
        }
        let name = self.name.clone();
        let unexpected = |command: &str, why: String| IdentifyError::Unexpected {
            port: name.clone(),
            command: command.to_owned(),
            why,
        };
        let ver = self.command("AT#XSLMVER", timeouts.command).map_err(|e| match e {
            IdentifyError::Unexpected { port, command, why } => IdentifyError::Unexpected {
                port,
                command,
                why: format!("{why}: not a Serial LTE Modem? (the successor Serial Modem answers AT#XSMVER)"),
            },
            e => e,
        })?;
        let line = ver
            .iter()
            .find_map(|l| l.strip_prefix("#XSLMVER:"))
            .ok_or_else(|| unexpected("AT#XSLMVER", format!("no #XSLMVER line in {ver:?}")))?;
        let fields =
            parse_slmver(line).ok_or_else(|| unexpected("AT#XSLMVER", format!("cannot read #XSLMVER:{line}")))?;
        let cgmr = self.command("AT+CGMR", timeouts.command)?;
        // The answer is bare text; anything with a +, % or # prefix is a URC that slipped in.
        let modem = cgmr
            .iter()
            .rev()
            .find(|l| !l.starts_with(['+', '%', '#']))
            .ok_or_else(|| unexpected("AT+CGMR", "no modem firmware version in the answer".into()))?;
        let mut fields = fields.into_iter();
        Ok(Identity {
            slm_version: fields.next().unwrap_or_default(),
            libmodem: fields.next(),
            customer: fields.next(),
            modem_firmware: modem.clone(),
            profile: None,
            build_hash: None,
        })
    }
}

/// Parses what follows `#XSLMVER:`: one to three quoted fields, the first possibly followed by
/// `-CUSTOMIZED` outside its quotes (v2.1.2 with `CONFIG_SLM_CUSTOMIZED`).
pub fn parse_slmver(rest: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut s = rest.trim_start();
    loop {
        let inner = s.strip_prefix('"')?;
        let close = inner.find('"')?;
        let mut field = inner[..close].to_owned();
        s = &inner[close + 1..];
        // Unquoted text up to the next comma belongs to this field (`"2.1.2"-CUSTOMIZED`).
        let tail_end = s.find(',').unwrap_or(s.len());
        field.push_str(s[..tail_end].trim());
        fields.push(field);
        s = &s[tail_end..];
        match s.strip_prefix(',') {
            Some(rest) => s = rest.trim_start(),
            None => break,
        }
    }
    (!fields[0].is_empty() && fields.len() <= 3).then_some(fields)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Opens `port` and identifies the SLM on it.
pub fn identify_port(port: &str, baud: u32, timeouts: Timeouts) -> Result<Identity, IdentifyError> {
    let p = open_port(port, baud)?;
    Slm::new(p, port).identify(timeouts)
}

/// Where the last identity is kept: `$XDG_STATE_HOME/atscope/identity.json`, else
/// `$HOME/.local/state/atscope/identity.json`.
pub fn default_state_file(env: &ToolEnv) -> Option<PathBuf> {
    let base = env.xdg_state_home.clone().or_else(|| env.home.as_ref().map(|h| h.join(".local/state")))?;
    Some(base.join("atscope/identity.json"))
}

/// Saves `id` as the last identity (written to a temporary file, then renamed into place).
pub fn save_last(path: &Path, id: &Identity) -> Result<(), IdentifyError> {
    let err = |source| IdentifyError::State { path: path.to_owned(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let mut text = serde_json::to_string_pretty(id).expect("an Identity always serializes");
    text.push('\n');
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// The last saved identity, or `None` if there is none.
pub fn load_last(path: &Path) -> Result<Option<Identity>, IdentifyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| IdentifyError::State {
            path: path.to_owned(),
            source: std::io::Error::new(ErrorKind::InvalidData, e),
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(IdentifyError::State { path: path.to_owned(), source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slmver_formats_of_every_version() {
        let p = |s| parse_slmver(s).unwrap();
        assert_eq!(p(" \"2.1.2\""), ["2.1.2"]);
        assert_eq!(p(" \"2.1.2\"-CUSTOMIZED"), ["2.1.2-CUSTOMIZED"]);
        assert_eq!(p(" \"2.3.0\",\"2.3.0\""), ["2.3.0", "2.3.0"]);
        assert_eq!(p(" \"2.6.0\",\"2.5.0\",\"lab-7\""), ["2.6.0", "2.5.0", "lab-7"]);
        assert_eq!(parse_slmver(" 2.1.2"), None);
        assert_eq!(parse_slmver(" \"\""), None);
    }

    #[test]
    fn identity_meta_uses_the_trace_format_keys() {
        let id = Identity {
            slm_version: "2.1.2".into(),
            libmodem: None,
            customer: None,
            modem_firmware: "mfw_nrf9160_1.3.5".into(),
            profile: Some("native-tls".into()),
            build_hash: Some("sha256:ab".into()),
        };
        assert_eq!(
            id.to_meta(),
            serde_json::json!({"slm": "2.1.2", "modem": "mfw_nrf9160_1.3.5", "profile": "native-tls", "build": "sha256:ab"})
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("state/atscope/identity.json");
        assert!(load_last(&file).unwrap().is_none());
        save_last(&file, &id).unwrap();
        assert_eq!(load_last(&file).unwrap(), Some(id));
    }

    #[test]
    fn state_file_follows_xdg() {
        let env = ToolEnv { home: Some("/home/u".into()), ..ToolEnv::default() };
        assert_eq!(default_state_file(&env).unwrap(), Path::new("/home/u/.local/state/atscope/identity.json"));
        let env = ToolEnv { xdg_state_home: Some("/s".into()), ..env };
        assert_eq!(default_state_file(&env).unwrap(), Path::new("/s/atscope/identity.json"));
    }
}
