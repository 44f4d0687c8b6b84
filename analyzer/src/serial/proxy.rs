//! The proxy's pseudo-terminal: the user's host program opens it as if it were the modem port.
//!
//! [`HostPty::create`] opens a pty pair (`serialport::TTYPort::pair()`), keeps the slave open
//! (so the master never hangs up while the host program closes and reopens its side), and
//! optionally points a symlink at the slave path, so a host program can be configured once with
//! a fixed name. The symlink is removed when the [`HostPty`] is dropped.

use std::path::{Path, PathBuf};

use serialport::TTYPort;

use super::{SerialError, SerialPort};

/// A pseudo-terminal for the host program.
pub struct HostPty {
    master: Option<TTYPort>,
    _slave: TTYPort,
    path: String,
    link: Option<PathBuf>,
}

impl HostPty {
    /// Creates the pty and, when `link` is given, a symlink to its slave path (replacing an
    /// existing symlink there, never a regular file).
    pub fn create(link: Option<&Path>) -> Result<HostPty, SerialError> {
        let (master, slave) = TTYPort::pair().map_err(|e| SerialError::Pty(e.to_string()))?;
        let path = slave.name().ok_or_else(|| SerialError::Pty("the pty slave has no path".into()))?;
        if let Some(l) = link {
            if let Ok(m) = std::fs::symlink_metadata(l) {
                if !m.file_type().is_symlink() {
                    return Err(SerialError::Pty(format!(
                        "{} exists and is not a symlink; not replacing it",
                        l.display()
                    )));
                }
                std::fs::remove_file(l).map_err(|e| SerialError::Pty(format!("removing {}: {e}", l.display())))?;
            }
            std::os::unix::fs::symlink(&path, l)
                .map_err(|e| SerialError::Pty(format!("symlink {} -> {path}: {e}", l.display())))?;
        }
        Ok(HostPty { master: Some(master), _slave: slave, path, link: link.map(Path::to_owned) })
    }

    /// The path the host program opens (`/dev/pts/N`).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The symlink, if any.
    pub fn link(&self) -> Option<&Path> {
        self.link.as_deref()
    }

    /// Takes the master side (to read the host's bytes and write the modem's).
    pub fn take_master(&mut self) -> Option<Box<dyn SerialPort>> {
        self.master.take().map(|m| {
            let mut m: Box<dyn SerialPort> = Box::new(m);
            let _ = m.set_timeout(super::READ_TIMEOUT);
            m
        })
    }
}

impl Drop for HostPty {
    fn drop(&mut self) {
        if let Some(l) = &self.link {
            if std::fs::symlink_metadata(l).is_ok_and(|m| m.file_type().is_symlink()) {
                let _ = std::fs::remove_file(l);
            }
        }
    }
}
