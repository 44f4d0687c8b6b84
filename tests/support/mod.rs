//! Helpers for the tests: the binary under test; for the pty tests pseudo-terminal pairs, a null-modem cable between two of them,
//! child processes that are always reaped, and waiting for files to fill.
//!
//! pty pairs are not safe to use from several tests at once (the serialport crate says so of its
//! own pty tests), so every pty case is a test named `pty_…` that takes [`pty_turn`] first (one at
//! a time within a test binary), and `.config/nextest.toml` puts the `pty_` tests in a one-thread
//! group (one at a time across binaries, where each test has a process).

#![allow(dead_code)]

pub mod need;

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use std::os::fd::AsRawFd;

use serialport::{SerialPort, TTYPort};

/// The atscope binary under test, run in the project's folder (so `traces/…` paths work).
pub fn atscope() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_atscope"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    // No saved firmware identity from the developer's machine in test traces.
    c.env("XDG_STATE_HOME", std::env::temp_dir().join("atscope-tests-no-state"));
    c.env("NO_COLOR", "1");
    c
}

/// Runs `atscope ARGS` to the end (stdin closed), with its output.
pub fn run(args: &[&str]) -> std::process::Output {
    atscope().args(args).output().expect("run atscope")
}

/// One pty case at a time in this test binary (a failed case does not block the others).
pub fn pty_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

/// A pty pair: the test keeps the master (and the slave open, so the master never hangs up
/// while a child process opens and closes the slave by path).
pub struct Pty {
    pub master: TTYPort,
    pub slave: TTYPort,
    pub path: String,
}

pub fn pty() -> Pty {
    let (mut master, slave) = TTYPort::pair().expect("a pty pair");
    // posix_openpt does not set close-on-exec: without it every child process started later
    // would hold the master open, and closing it here would not hang the slave up.
    for fd in [master.as_raw_fd(), slave.as_raw_fd()] {
        nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC)).unwrap();
    }
    master.set_timeout(Duration::from_millis(20)).unwrap();
    let path = slave.name().expect("pty slave path");
    Pty { master, slave, path }
}

/// Two pty pairs whose masters are joined by copying threads: what goes into one slave comes
/// out of the other, like a null-modem cable between two serial ports.
pub struct NullModem {
    pub a: String,
    pub b: String,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    _slaves: Vec<TTYPort>,
}

fn copy(mut from: TTYPort, mut to: TTYPort, stop: Arc<AtomicBool>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while !stop.load(Ordering::Relaxed) {
            match from.read(&mut buf) {
                Ok(0) => std::thread::sleep(Duration::from_millis(5)),
                Ok(n) => {
                    let _ = to.write_all(&buf[..n]);
                }
                Err(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    })
}

pub fn null_modem() -> NullModem {
    let a = pty();
    let b = pty();
    let stop = Arc::new(AtomicBool::new(false));
    let threads = vec![
        copy(a.master.try_clone_native().unwrap(), b.master.try_clone_native().unwrap(), stop.clone()),
        copy(b.master.try_clone_native().unwrap(), a.master.try_clone_native().unwrap(), stop.clone()),
    ];
    NullModem { a: a.path, b: b.path, stop, threads, _slaves: vec![a.slave, b.slave, a.master, b.master] }
}

impl Drop for NullModem {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// A pretend modem on a pty master: answers each line the host ends with CR LF with `answer`,
/// until [`FakeModem::stop`] (or drop).
pub struct FakeModem {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

pub fn fake_modem(mut port: TTYPort, answer: &'static [u8]) -> FakeModem {
    let stop = Arc::new(AtomicBool::new(false));
    let thread = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut line = Vec::new();
            let mut buf = [0u8; 256];
            while !stop.load(Ordering::Relaxed) {
                if let Ok(n) = port.read(&mut buf) {
                    for &b in &buf[..n] {
                        line.push(b);
                        if line.ends_with(b"\r\n") {
                            port.write_all(answer).unwrap();
                            line.clear();
                        }
                    }
                }
            }
        })
    };
    FakeModem { stop, thread: Some(thread) }
}

impl FakeModem {
    /// Stops answering; a failure of the modem's thread (a write that failed) fails the test.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            t.join().expect("the fake modem's thread");
        }
    }
}

impl Drop for FakeModem {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A child process that is killed and reaped when dropped (a failing test leaves none behind).
pub struct Proc {
    pub child: Option<Child>,
    pub name: String,
    pub stderr: PathBuf,
}

impl Proc {
    /// Starts `cmd` with stdout discarded and stderr into `dir/<name>.stderr`.
    pub fn spawn(mut cmd: Command, name: &str, dir: &Path) -> Proc {
        let stderr = dir.join(format!("{name}.stderr"));
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        Proc { child: Some(child), name: name.into(), stderr }
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Sends a signal by pid (`kill -INT`, `kill -KILL`).
    pub fn signal(&self, sig: &str) {
        let st = Command::new("kill").arg(format!("-{sig}")).arg(self.pid().to_string()).status().unwrap();
        assert!(st.success(), "kill -{sig} {}", self.pid());
    }

    /// Waits for the exit (at most `timeout`); the exit code.
    pub fn wait(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        let child = self.child.as_mut().unwrap();
        loop {
            if let Some(st) = child.try_wait().unwrap() {
                self.child = None;
                return st.code();
            }
            if Instant::now() > deadline {
                panic!("{} did not exit within {timeout:?}; stderr:\n{}", self.name, self.stderr_text());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ctrl-C, then wait for a clean exit.
    pub fn interrupt(&mut self) -> Option<i32> {
        self.signal("INT");
        self.wait(Duration::from_secs(10))
    }

    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Waits until `cond` holds (polling), panicking with `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every trace under `traces/`, found by walking the directory.
/// The example sessions: every bundled trace that is not an oracle session (those with a
/// `.expect` beside them test the diagnosis and include hosts that misbehave on purpose).
pub fn example_traces() -> Vec<PathBuf> {
    all_traces().into_iter().filter(|p| !p.with_extension("expect").exists()).collect()
}

pub fn all_traces() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "atrace") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("traces"), &mut out);
    out.sort();
    out
}
