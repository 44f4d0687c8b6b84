//! A stand-in for a freshly flashed SLM on the far end of a byte stream (a pty in tests), so the
//! identify and flash paths can be tested without a board.
//!
//! It answers the way SLM v2.1.2 frames things (slm-protocol.md §1.3): junk bytes and `Ready\r\n`
//! when it "boots", then `\r\n<info>\r\n\r\nOK\r\n` to `AT#XSLMVER` and `AT+CGMR`, `\r\nOK\r\n` to
//! `AT`, and `\r\nERROR\r\n` to anything else. It never echoes.

use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What the fake SLM says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeSlm {
    /// Bytes before `Ready` (the TX glitch of a booting nRF9160).
    pub junk: Vec<u8>,
    /// Whether it prints `Ready` at all (false: a board that never boots, or the wrong port).
    pub ready: bool,
    /// What follows `#XSLMVER:`, e.g. ` "2.1.2"`.
    pub slmver: String,
    /// The `AT+CGMR` answer.
    pub cgmr: String,
}

impl Default for FakeSlm {
    /// SLM v2.1.2 on modem firmware 1.3.5, booting with 0xC0 0xFF of junk.
    fn default() -> Self {
        FakeSlm {
            junk: vec![0xC0, 0xFF],
            ready: true,
            slmver: " \"2.1.2\"".to_owned(),
            cgmr: "mfw_nrf9160_1.3.5".to_owned(),
        }
    }
}

impl FakeSlm {
    /// "Boots" (junk, `Ready`), then answers commands on `port` until `stop` is set or the port
    /// fails. Reads that time out (`TimedOut`, `WouldBlock`) just go round again.
    pub fn serve<P: Read + Write>(&self, port: &mut P, stop: &AtomicBool) -> std::io::Result<()> {
        let mut boot = self.junk.clone();
        if self.ready {
            boot.extend_from_slice(b"Ready\r\n");
        }
        port.write_all(&boot)?;
        port.flush()?;
        let mut line = Vec::new();
        let mut buf = [0u8; 64];
        while !stop.load(Ordering::Relaxed) {
            let n = match port.read(&mut buf) {
                Ok(0) => {
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
                Ok(n) => n,
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                    continue
                }
                Err(e) => return Err(e),
            };
            for &b in &buf[..n] {
                line.push(b);
                if line.ends_with(b"\r\n") {
                    let cmd = String::from_utf8_lossy(&line[..line.len() - 2]).to_ascii_uppercase();
                    line.clear();
                    let answer = match cmd.as_str() {
                        "AT" => "\r\nOK\r\n".to_owned(),
                        "AT#XSLMVER" => format!("\r\n#XSLMVER:{}\r\n\r\nOK\r\n", self.slmver),
                        "AT+CGMR" => format!("\r\n{}\r\n\r\nOK\r\n", self.cgmr),
                        _ => "\r\nERROR\r\n".to_owned(),
                    };
                    port.write_all(answer.as_bytes())?;
                    port.flush()?;
                }
            }
        }
        Ok(())
    }
}

/// A pty pair with a [`FakeSlm`] on the master side, for tests: the code under test opens
/// [`PtyBoard::name`]. The SLM "boots" once `boot_when` returns true (polled every 10 ms) and
/// answers until the board is dropped.
#[cfg(unix)]
pub struct PtyBoard {
    /// The path of the pty's slave side.
    pub name: String,
    stop: std::sync::Arc<AtomicBool>,
    sim: Option<std::thread::JoinHandle<()>>,
    _slave: serialport::TTYPort,
}

#[cfg(unix)]
impl PtyBoard {
    /// Starts `slm` on a new pty pair.
    pub fn start(slm: FakeSlm, boot_when: impl Fn() -> bool + Send + 'static) -> Result<PtyBoard, serialport::Error> {
        use serialport::SerialPort;
        let (mut master, slave) = serialport::TTYPort::pair()?;
        let name = slave
            .name()
            .ok_or_else(|| serialport::Error::new(serialport::ErrorKind::Unknown, "a pty without a name"))?;
        master.set_timeout(Duration::from_millis(20))?;
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let sim = std::thread::spawn(move || {
            while !boot_when() {
                if stop2.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = slm.serve(&mut master, &stop2);
        });
        Ok(PtyBoard { name, stop, sim: Some(sim), _slave: slave })
    }
}

#[cfg(unix)]
impl Drop for PtyBoard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.sim.take() {
            let _ = t.join();
        }
    }
}
