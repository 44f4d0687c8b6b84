//! The one policy for tests whose input is not in the repository: the corpus of real captures,
//! sigrok-cli, tshark, Chromium and its driver, the GNU Arm toolchain.
//!
//! Where the input is there, the helper returns it. Where it is absent, the test skips
//! **visibly**: one line on the terminal naming what is missing and how to get it (written past
//! the test harness's output capture, so `cargo test` shows it). Where `CI` is set (as `.ci/run`
//! sets it) a missing input is a failure, never a skip.
//!
//! Every test crate of the workspace uses this file: the root crate's tests through
//! `support::need`, the others with `#[path = "../../tests/support/need.rs"] mod need;`.

#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether this run is CI's (`CI` set, and not to `false` or `0`).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The workspace root (the folder of `Cargo.lock`).
pub fn workspace() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().find(|d| d.join("Cargo.lock").is_file()).unwrap_or(here).to_path_buf()
}

/// Skips the calling test (one visible line) or, in CI, fails it. Returns `None` for `let … else`.
pub fn missing<T>(what: &str, how: &str) -> Option<T> {
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    if in_ci() {
        panic!("{what} is missing, and CI (the CI variable is set) must have it: {how}");
    }
    // Straight to the terminal: the test harness captures only the print macros.
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {what} is missing; {how}");
    None
}

/// The folders where the corpus is looked for, in order: `$ATSCOPE_CORPUS`, `../shared/corpus`
/// beside the checkout (the project's CI), `corpus/` in the checkout (`scripts/fetch-corpus`).
pub fn corpus_candidates() -> Vec<PathBuf> {
    let root = workspace();
    let mut out: Vec<PathBuf> = std::env::var_os("ATSCOPE_CORPUS").map(PathBuf::from).into_iter().collect();
    out.push(root.join("../shared/corpus"));
    out.push(root.join("corpus"));
    out
}

/// The corpus of real captures (see its `PROVENANCE.md`), or a skip.
pub fn corpus() -> Option<PathBuf> {
    if let Some(c) = corpus_candidates().into_iter().find(|c| c.join("PROVENANCE.md").is_file()) {
        return Some(c);
    }
    missing(
        "the corpus of real captures",
        "set ATSCOPE_CORPUS to it, or put it at ../shared/corpus, or run scripts/fetch-corpus (clones the \
         public sources at the pinned commits into corpus/)",
    )
}

/// A file of the corpus, or a skip.
pub fn corpus_file(rel: &str) -> Option<PathBuf> {
    let p = corpus()?.join(rel);
    assert!(p.exists(), "{} is missing from the corpus (run scripts/fetch-corpus again?)", p.display());
    Some(p)
}

/// A command-line tool that answers `TOOL ARG` with success, or a skip.
pub fn tool(name: &str, version_arg: &str, how: &str) -> Option<()> {
    let ok = Command::new(name).arg(version_arg).output().is_ok_and(|o| o.status.success());
    if ok {
        Some(())
    } else {
        missing(name, how)
    }
}

/// sigrok-cli (the UART oracle), or a skip.
pub fn sigrok_cli() -> Option<()> {
    tool("sigrok-cli", "--version", "install Debian's package `sigrok-cli` (apt-get install -y sigrok-cli)")
}

/// tshark (reads our pcapng exports), or a skip.
pub fn tshark() -> Option<()> {
    tool("tshark", "--version", "install Debian's package `tshark` (apt-get install -y tshark)")
}

/// The GNU Arm toolchain: `arm-none-eabi-gcc`/`g++` compile test firmware, binutils'
/// `addr2line` is the oracle of firmware symbols (and `objdump`, `objcopy` shape test ELFs).
pub fn arm_toolchain() -> Option<()> {
    let how = "install Debian's packages `gcc-arm-none-eabi` and `binutils-arm-none-eabi` \
               (apt-get install -y gcc-arm-none-eabi binutils-arm-none-eabi)";
    for t in [
        "arm-none-eabi-gcc",
        "arm-none-eabi-g++",
        "arm-none-eabi-addr2line",
        "arm-none-eabi-objdump",
        "arm-none-eabi-objcopy",
    ] {
        tool(t, "--version", how)?;
    }
    Some(())
}

/// Where Chromium and chromedriver are: `ATSCOPE_CHROMIUM` and `ATSCOPE_CHROMEDRIVER`, else
/// where Debian's packages put them.
pub fn chromium_paths() -> (PathBuf, PathBuf) {
    let browser = std::env::var_os("ATSCOPE_CHROMIUM").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/chromium".into());
    let driver =
        std::env::var_os("ATSCOPE_CHROMEDRIVER").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/chromedriver".into());
    (browser, driver)
}

/// Chromium and chromedriver for the browser tests: their paths, or a skip.
pub fn chromium() -> Option<(PathBuf, PathBuf)> {
    let (browser, driver) = chromium_paths();
    let absent = [&browser, &driver].into_iter().find(|p| !p.is_file()).map(|p| p.display().to_string());
    match absent {
        None => Some((browser, driver)),
        Some(p) => missing(
            &p,
            "install Debian's packages `chromium` and `chromium-driver` (apt-get install -y chromium \
             chromium-driver), or set ATSCOPE_CHROMIUM / ATSCOPE_CHROMEDRIVER",
        ),
    }
}
