//! The host environment the external tools run in: PATH lookup, and running a tool while its
//! output is streamed line by line to a callback.
//!
//! Nothing here reads the process environment behind the caller's back: a [`ToolEnv`] is built
//! once (from the process with [`ToolEnv::from_process`], or by hand in tests) and passed down,
//! so tests can point PATH at a directory of fake `west` / `nrfutil` / `nrfjprog` scripts.

use std::ffi::{OsStr, OsString};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;

/// A tool atscope needs is not on PATH. The message says how to get it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{tool} not found on PATH: {}", install_hint(tool))]
pub struct ToolMissing {
    /// The executable's name.
    pub tool: &'static str,
}

/// How to get one of the tools atscope runs.
pub fn install_hint(tool: &str) -> &'static str {
    match tool {
        "west" => {
            "install it with `pip install west` and run inside an NCS west workspace \
             (nrfconnect/sdk-nrf v2.x), or set ZEPHYR_BASE; with nRF Util's toolchain manager, \
             run atscope inside `nrfutil toolchain-manager launch --shell`"
        }
        "cmake" | "ninja" => {
            "`west build` needs CMake (>= 3.20) and Ninja: run atscope inside \
             `nrfutil toolchain-manager launch --shell` (which puts the NCS toolchain on PATH), \
             or install them (`apt install cmake ninja-build`)"
        }
        "nrfutil" => {
            "install nRF Util from https://www.nordicsemi.com/Products/Development-tools/nRF-Util, \
             then `nrfutil install device`; it needs SEGGER J-Link"
        }
        "nrfjprog" => {
            "install nRF Command Line Tools (deprecated, replaced by nRF Util) from \
             https://www.nordicsemi.com/Products/Development-tools/nRF-Command-Line-Tools; \
             it needs SEGGER J-Link"
        }
        _ => "install it and put it on PATH",
    }
}

/// What the tools see of the environment.
#[derive(Debug, Clone, Default)]
pub struct ToolEnv {
    /// The PATH to search, and to give the children.
    pub path: OsString,
    /// `ZEPHYR_BASE`, if set.
    pub zephyr_base: Option<PathBuf>,
    /// The directory to search upwards from for a west workspace.
    pub cwd: PathBuf,
    /// `XDG_STATE_HOME`, if set (where the last identity is kept).
    pub xdg_state_home: Option<PathBuf>,
    /// `XDG_CONFIG_HOME`, if set (where a user profile file is looked for).
    pub xdg_config_home: Option<PathBuf>,
    /// `HOME`, if set.
    pub home: Option<PathBuf>,
}

impl ToolEnv {
    /// The environment of this process.
    pub fn from_process() -> ToolEnv {
        let var = |k| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
        ToolEnv {
            path: std::env::var_os("PATH").unwrap_or_default(),
            zephyr_base: var("ZEPHYR_BASE"),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            xdg_state_home: var("XDG_STATE_HOME"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
            home: var("HOME"),
        }
    }

    /// The first executable file called `name` in [`ToolEnv::path`].
    pub fn which(&self, name: &str) -> Option<PathBuf> {
        std::env::split_paths(&self.path)
            .filter(|dir| !dir.as_os_str().is_empty())
            .map(|dir| dir.join(name))
            .find(|p| is_executable(p))
    }

    /// A command for `program` with this environment's PATH (and `ZEPHYR_BASE`, when known).
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("PATH", &self.path);
        if let Some(zb) = &self.zephyr_base {
            cmd.env("ZEPHYR_BASE", zb);
        }
        cmd
    }
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// Which output stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// One line a child process printed (without its line end; invalid UTF-8 replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputLine {
    /// Where it was printed.
    pub stream: Stream,
    /// The text.
    pub text: String,
}

/// Runs `cmd` to completion, calling `on_line` on this thread for each line it prints on either
/// stream, in the order they arrive. Returns its exit status.
pub fn run_streaming(mut cmd: Command, on_line: &mut dyn FnMut(OutputLine)) -> std::io::Result<ExitStatus> {
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = spawn_retrying(&mut cmd)?;
    let (tx, rx) = mpsc::channel();
    let readers = [
        child.stdout.take().map(|s| pump(Box::new(s), Stream::Stdout, tx.clone())),
        child.stderr.take().map(|s| pump(Box::new(s), Stream::Stderr, tx.clone())),
    ];
    drop(tx);
    for line in rx {
        on_line(line);
    }
    for r in readers.into_iter().flatten() {
        let _ = r.join();
    }
    child.wait()
}

/// Spawns `cmd`, retrying a few times on "text file busy" (ETXTBSY): a script written just
/// before (a freshly installed tool, or a test's fake tool) can still be open for writing in a
/// process another thread forked meanwhile, and exec fails until that process has exec'd too.
fn spawn_retrying(cmd: &mut Command) -> std::io::Result<std::process::Child> {
    const ETXTBSY: i32 = 26;
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && tries < 20 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

fn pump(src: Box<dyn Read + Send>, stream: Stream, tx: mpsc::Sender<OutputLine>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut src = BufReader::new(src);
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match src.read_until(b'\n', &mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    while matches!(buf.last(), Some(b'\n' | b'\r')) {
                        buf.pop();
                    }
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    if tx.send(OutputLine { stream, text }).is_err() {
                        break;
                    }
                }
            }
        }
    })
}

/// Runs `program args…` and returns (success, first line of stdout, or of stderr if stdout was
/// empty). For `--version` probes; `None` if it could not be started.
pub fn probe(env: &ToolEnv, program: &Path, args: &[&str]) -> Option<(bool, String)> {
    let mut cmd = env.command(program);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let out = spawn_retrying(&mut cmd).and_then(|c| c.wait_with_output()).ok()?;
    let first = |b: &[u8]| String::from_utf8_lossy(b).lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_owned);
    let line = first(&out.stdout).or_else(|| first(&out.stderr)).unwrap_or_default();
    Some((out.status.success(), line))
}

/// Shell-style rendering of a command line, for showing the user what runs.
pub fn display_command(program: &Path, args: &[OsString]) -> String {
    let mut out = quote(program.as_os_str());
    for a in args {
        out.push(' ');
        out.push_str(&quote(a));
    }
    out
}

fn quote(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b)) {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        crate::fake_tools::script(dir, name, body).unwrap()
    }

    #[test]
    fn which_finds_executables_only_on_the_given_path() {
        let dir = tempfile::tempdir().unwrap();
        script(dir.path(), "west", "true");
        std::fs::write(dir.path().join("nrfjprog"), "not executable").unwrap();
        let env = ToolEnv { path: dir.path().as_os_str().to_owned(), ..ToolEnv::default() };
        assert_eq!(env.which("west"), Some(dir.path().join("west")));
        assert_eq!(env.which("nrfjprog"), None);
        assert_eq!(env.which("sh"), None);
    }

    #[test]
    fn streaming_delivers_both_streams_and_the_exit_status() {
        let dir = tempfile::tempdir().unwrap();
        let p = script(dir.path(), "tool", "echo one; echo two >&2; printf 'three\\r\\n'; exit 3");
        let env = ToolEnv { path: "/usr/bin:/bin".into(), ..ToolEnv::default() };
        let mut lines = Vec::new();
        let status = run_streaming(env.command(&p), &mut |l| lines.push(l)).unwrap();
        assert_eq!(status.code(), Some(3));
        let mut texts: Vec<_> = lines.iter().map(|l| l.text.as_str()).collect();
        texts.sort();
        assert_eq!(texts, ["one", "three", "two"]);
        assert!(lines.iter().any(|l| l.stream == Stream::Stderr && l.text == "two"));
    }

    #[test]
    fn command_lines_are_shown_quoted() {
        let args: Vec<OsString> = vec!["build".into(), "-d".into(), "my dir".into()];
        assert_eq!(display_command(Path::new("/x/west"), &args), "/x/west build -d 'my dir'");
    }
}
