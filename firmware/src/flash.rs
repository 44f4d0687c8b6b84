//! `firmware flash`: program the merged hex with nRF Util (`nrfutil device program`) or the older
//! nRF Command Line Tools (`nrfjprog`), whichever is installed or chosen, then check the SLM comes
//! up ([`crate::identify`]).
//!
//! By default the whole application flash is erased first (nrfutil `chip_erase_mode=ERASE_ALL`,
//! nrfjprog `--chiperase`): SLM v2.1.x keeps settings such as a `#XSLMUART` baud rate in flash,
//! and a stale one makes a fresh build look broken. The modem firmware and the modem's
//! credentials are not touched by either. `keep_settings` erases only what the image covers.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use atscope_analyzer::serial::PortError;

use crate::identify::{IdentifyError, Identity, Slm, Timeouts};
use crate::tools::{install_hint, probe, run_streaming, OutputLine, ToolEnv, ToolMissing};

/// A programmer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `nrfutil device program` (nRF Util, current).
    Nrfutil,
    /// `nrfjprog --program` (nRF Command Line Tools, deprecated but common).
    Nrfjprog,
}

impl Tool {
    /// The executable's name.
    pub fn exe(self) -> &'static str {
        match self {
            Tool::Nrfutil => "nrfutil",
            Tool::Nrfjprog => "nrfjprog",
        }
    }
}

/// Why flashing failed.
#[derive(Debug, thiserror::Error)]
pub enum FlashError {
    /// The chosen programmer is not installed.
    #[error(transparent)]
    Missing(#[from] ToolMissing),
    /// Neither programmer is installed.
    #[error(
        "neither nrfutil nor nrfjprog found on PATH: for nrfutil, {}; for nrfjprog, {}",
        install_hint("nrfutil"),
        install_hint("nrfjprog")
    )]
    NoProgrammer,
    /// The hex file is not there.
    #[error("no image to flash at {0}: run `atscope firmware build` first")]
    NoImage(PathBuf),
    /// The programmer could not be started.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The executable.
        program: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The programmer ran and failed.
    #[error("{tool} failed ({status}); its output is above{hint}")]
    Failed {
        /// Which programmer.
        tool: &'static str,
        /// How it ended.
        status: String,
        /// A hint, when the output says something atscope recognises (starts with "; ").
        hint: String,
    },
    /// Programming worked but the SLM did not come up as expected.
    #[error("programmed, but {0}")]
    Identify(#[from] IdentifyError),
}

/// What to flash, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashOptions {
    /// The merged hex.
    pub hex: PathBuf,
    /// The J-Link serial number of the board (`--snr`), when more than one is connected.
    pub snr: Option<String>,
    /// Erase only what the image covers, keeping the SLM's saved settings.
    pub keep_settings: bool,
}

/// A programmer command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashPlan {
    /// Which programmer.
    pub tool: Tool,
    /// Its executable.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

/// Finds the programmer: the one asked for, or with `None` nrfutil (when its `device` command is
/// installed), else nrfjprog.
pub fn choose(env: &ToolEnv, want: Option<Tool>) -> Result<(Tool, PathBuf), FlashError> {
    if let Some(tool) = want {
        let path = env.which(tool.exe()).ok_or(ToolMissing { tool: tool.exe() })?;
        return Ok((tool, path));
    }
    if let Some(path) = env.which("nrfutil") {
        if matches!(probe(env, &path, &["device", "--version"]), Some((true, _))) {
            return Ok((Tool::Nrfutil, path));
        }
    }
    if let Some(path) = env.which("nrfjprog") {
        return Ok((Tool::Nrfjprog, path));
    }
    Err(FlashError::NoProgrammer)
}

/// The command line that programs, verifies and resets.
pub fn plan(tool: Tool, program: PathBuf, opts: &FlashOptions) -> FlashPlan {
    let mut args: Vec<OsString> = Vec::new();
    match tool {
        Tool::Nrfutil => {
            let erase = if opts.keep_settings { "ERASE_RANGES_TOUCHED_BY_FIRMWARE" } else { "ERASE_ALL" };
            args.extend(["device".into(), "program".into(), "--firmware".into(), opts.hex.clone().into()]);
            args.push("--options".into());
            args.push(format!("chip_erase_mode={erase},verify=VERIFY_READ,reset=RESET_SYSTEM").into());
            if let Some(snr) = &opts.snr {
                args.extend(["--serial-number".into(), snr.into()]);
            }
        }
        Tool::Nrfjprog => {
            args.extend(["--program".into(), opts.hex.clone().into()]);
            args.push(if opts.keep_settings { "--sectorerase" } else { "--chiperase" }.into());
            args.extend(["--verify".into(), "--reset".into(), "-f".into(), "NRF91".into()]);
            if let Some(snr) = &opts.snr {
                args.extend(["--snr".into(), snr.into()]);
            }
        }
    }
    FlashPlan { tool, program, args }
}

/// Runs the programmer, streaming its output to `on_line`.
pub fn run(env: &ToolEnv, plan: &FlashPlan, on_line: &mut dyn FnMut(OutputLine)) -> Result<(), FlashError> {
    if let Some(hex) = plan.args.iter().skip_while(|a| *a != "--firmware" && *a != "--program").nth(1) {
        if !Path::new(hex).is_file() {
            return Err(FlashError::NoImage(hex.into()));
        }
    }
    let mut hint = String::new();
    let mut on = |l: OutputLine| {
        if hint.is_empty() {
            hint = recognise(&l.text).map(|h| format!("; {h}")).unwrap_or_default();
        }
        on_line(l)
    };
    let mut cmd = env.command(&plan.program);
    cmd.args(&plan.args);
    let status =
        run_streaming(cmd, &mut on).map_err(|source| FlashError::Spawn { program: plan.program.clone(), source })?;
    if status.success() {
        Ok(())
    } else {
        Err(FlashError::Failed { tool: plan.tool.exe(), status: status.to_string(), hint })
    }
}

/// Programs the board, then identifies the SLM on `port` (opened by the caller *before*, so that
/// the `Ready` printed right after the reset is not missed; whatever was waiting in the port's
/// input buffer is dropped first, so a stale `Ready` does not count).
pub fn flash_and_identify(
    env: &ToolEnv,
    plan: &FlashPlan,
    port: Option<(Box<dyn serialport::SerialPort>, &str)>,
    timeouts: Timeouts,
    on_line: &mut dyn FnMut(OutputLine),
) -> Result<Option<Identity>, FlashError> {
    let port = match port {
        Some((p, name)) => {
            p.clear(serialport::ClearBuffer::Input)
                .map_err(|e| IdentifyError::from(PortError::Io { port: name.to_owned(), source: e.into() }))?;
            Some(Slm::new(p, name))
        }
        None => None,
    };
    run(env, plan, on_line)?;
    match port {
        Some(mut slm) => Ok(Some(slm.identify(timeouts)?)),
        None => Ok(None),
    }
}

/// Hints for programmer messages that have one obvious cause.
fn recognise(line: &str) -> Option<&'static str> {
    let l = line.to_ascii_lowercase();
    if l.contains("no debuggers were discovered") || l.contains("no devices found") || l.contains("no device found") {
        Some("no board found: connect the DK's J-Link USB port (not the nRF USB) and switch it on")
    } else if l.contains("is not an installed command") || l.contains("no such command") {
        Some("nrfutil's `device` command is missing: run `nrfutil install device`")
    } else if l.contains("more than one") || (l.contains("multiple") && l.contains("serial number")) {
        Some("several boards are connected: choose one with --snr")
    } else {
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn fake(dir: &Path, name: &str, body: &str) {
        crate::fake_tools::script(dir, name, body).unwrap();
    }

    fn env(dir: &Path) -> ToolEnv {
        ToolEnv { path: format!("{}:/usr/bin:/bin", dir.display()).into(), ..ToolEnv::default() }
    }

    #[test]
    fn auto_prefers_nrfutil_with_its_device_command() {
        let bin = tempfile::tempdir().unwrap();
        fake(bin.path(), "nrfjprog", "exit 0");
        assert_eq!(choose(&env(bin.path()), None).unwrap().0, Tool::Nrfjprog);
        fake(bin.path(), "nrfutil", "[ \"$1\" = device ] && echo 'nrfutil-device 2.7.10'");
        assert_eq!(choose(&env(bin.path()), None).unwrap().0, Tool::Nrfutil);
        fake(bin.path(), "nrfutil", "exit 1");
        assert_eq!(choose(&env(bin.path()), None).unwrap().0, Tool::Nrfjprog);
        assert_eq!(choose(&env(bin.path()), Some(Tool::Nrfutil)).unwrap().0, Tool::Nrfutil);
    }

    #[test]
    fn nothing_installed_says_how_to_get_either() {
        let bin = tempfile::tempdir().unwrap();
        let err = choose(&env(bin.path()), None).unwrap_err().to_string();
        assert!(err.contains("nrfutil install device") && err.contains("nRF-Command-Line-Tools"), "{err}");
        let err = choose(&env(bin.path()), Some(Tool::Nrfjprog)).unwrap_err().to_string();
        assert!(err.starts_with("nrfjprog not found on PATH"), "{err}");
    }

    #[test]
    fn command_lines_program_verify_and_reset() {
        let opts = FlashOptions { hex: "/b/merged.hex".into(), snr: Some("960012345".into()), keep_settings: false };
        let p = plan(Tool::Nrfjprog, "nrfjprog".into(), &opts);
        assert_eq!(
            p.args,
            ["--program", "/b/merged.hex", "--chiperase", "--verify", "--reset", "-f", "NRF91", "--snr", "960012345"]
        );
        let p = plan(Tool::Nrfutil, "nrfutil".into(), &FlashOptions { snr: None, keep_settings: true, ..opts });
        assert_eq!(
            p.args,
            [
                "device",
                "program",
                "--firmware",
                "/b/merged.hex",
                "--options",
                "chip_erase_mode=ERASE_RANGES_TOUCHED_BY_FIRMWARE,verify=VERIFY_READ,reset=RESET_SYSTEM"
            ]
        );
    }

    #[test]
    fn a_failing_programmer_is_reported_with_a_hint() {
        let bin = tempfile::tempdir().unwrap();
        fake(bin.path(), "nrfjprog", "echo 'ERROR: No debuggers were discovered.' >&2; exit 41");
        let hex = bin.path().join("merged.hex");
        std::fs::write(&hex, ":00000001FF\n").unwrap();
        let opts = FlashOptions { hex, snr: None, keep_settings: false };
        let p = plan(Tool::Nrfjprog, bin.path().join("nrfjprog"), &opts);
        let mut lines = Vec::new();
        let err = run(&env(bin.path()), &p, &mut |l| lines.push(l.text)).unwrap_err().to_string();
        assert_eq!(lines, ["ERROR: No debuggers were discovered."]);
        assert!(err.contains("exit status: 41") && err.contains("J-Link USB"), "{err}");
    }

    #[test]
    fn a_missing_image_is_caught_before_the_programmer_runs() {
        let opts = FlashOptions { hex: "/nonexistent/merged.hex".into(), snr: None, keep_settings: false };
        let p = plan(Tool::Nrfutil, "/nonexistent/nrfutil".into(), &opts);
        let err = run(&ToolEnv::default(), &p, &mut |_| {}).unwrap_err();
        assert!(matches!(err, FlashError::NoImage(_)), "{err}");
    }
}
