//! `atscope firmware …` end to end, with fake `west` / `nrfutil` / `nrfjprog` scripts on PATH
//! (the NCS toolchain cannot be installed here) and, for flash and identify, a pretend SLM on a
//! pseudo-terminal.
//!
//! Run with `cargo test -p atscope --test firmware_cli`.
//!
//! The fakes are small shell scripts written into a temporary directory: they record their
//! arguments in `<bin>/<tool>.args` and answer like the real tools (exit status, output).

#![cfg(unix)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use atscope_firmware::fake_slm::{FakeSlm, PtyBoard};
use atscope_firmware::fake_tools;
use tempfile::TempDir;

/// A sandbox: a directory of fake tools, an NCS checkout, and HOME/XDG dirs of its own.
struct Sandbox {
    bin: TempDir,
    ncs: TempDir,
    home: TempDir,
}

/// An Intel HEX image of 4 bytes (what the fake west "builds").
const HEX: &str = ":0400000001020304F2\n:00000001FF\n";

impl Sandbox {
    fn new() -> Sandbox {
        let s = Sandbox {
            bin: tempfile::tempdir().unwrap(),
            ncs: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        };
        fake_tools::ncs_checkout(s.ncs.path()).unwrap();
        s
    }

    /// Writes a fake tool that records its arguments, then runs `body`.
    fn fake(&self, name: &str, body: &str) {
        let body = format!("echo \"$@\" >> '{}/{name}.args'\n{body}", self.bin.path().display());
        fake_tools::script(self.bin.path(), name, &body).unwrap();
    }

    /// The arguments `name` was called with, one call per line.
    fn args(&self, name: &str) -> String {
        std::fs::read_to_string(self.bin.path().join(format!("{name}.args"))).unwrap_or_default()
    }

    /// A fake west that builds like the real one: writes <build-dir>/zephyr/merged.hex.
    fn working_west(&self) {
        self.fake(
            "west",
            &format!(
                "[ \"$1\" = --version ] && {{ echo 'West version: v1.2.0'; exit 0; }}\n\
                 while [ \"$1\" != --build-dir ]; do shift; done\n\
                 mkdir -p \"$2/zephyr\"\n\
                 printf '{}' > \"$2/zephyr/merged.hex\"\n\
                 echo '-- west build: building application'\n\
                 echo '[172/172] Linking C executable zephyr/zephyr.elf'",
                HEX.replace('\n', "\\n")
            ),
        );
    }

    /// Runs atscope in the NCS checkout with PATH = fakes (+ /usr/bin:/bin for the scripts).
    fn run(&self, args: &[&str]) -> Output {
        self.run_with_path(args, &format!("{}:/usr/bin:/bin", self.bin.path().display()))
    }

    fn run_with_path(&self, args: &[&str], path: &str) -> Output {
        Command::new(env!("CARGO_BIN_EXE_atscope"))
            .args(args)
            .current_dir(self.ncs.path())
            .env("PATH", path)
            .env_remove("ZEPHYR_BASE")
            .env("HOME", self.home.path())
            .env("XDG_STATE_HOME", self.home.path().join("state"))
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .output()
            .unwrap()
    }

    fn identity_file(&self) -> PathBuf {
        self.home.path().join("state/atscope/identity.json")
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn doctor_says_what_is_missing_and_how_to_get_it() {
    let s = Sandbox::new();
    let empty = tempfile::tempdir().unwrap();
    let out = s.run_with_path(&["firmware", "doctor"], &empty.path().display().to_string());
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("MISSING  west") && stdout.contains("pip install west"), "{stdout}");
    assert!(stdout.contains("MISSING  nrfjprog"), "{stdout}");
    assert!(stdout.contains("nrfutil install device"), "{stdout}");
    // The NCS checkout was found from the current directory even though the tools were not.
    assert!(stdout.contains("     ok  NCS workspace"), "{stdout}");
    assert!(stdout.contains("can build: no; can flash: no"), "{stdout}");
}

#[test]
fn doctor_is_happy_with_west_cmake_ninja_and_one_programmer() {
    let s = Sandbox::new();
    s.working_west();
    s.fake("cmake", "echo 'cmake version 3.20.5'");
    s.fake("ninja", "echo 1.10.2");
    s.fake("nrfjprog", "echo 'nrfjprog version: 10.24.2 external'");
    let out = s.run(&["firmware", "doctor", "--profile", "native-tls"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("West version: v1.2.0"), "{stdout}");
    assert!(stdout.contains("NCS v2.1.2"), "{stdout}");
    assert!(stdout.contains("can build: yes; can flash: yes"), "{stdout}");
}

#[test]
fn build_runs_west_with_the_profile_and_reports_the_merged_hex() {
    let s = Sandbox::new();
    s.working_west();
    let out = s.run(&["firmware", "build", "--profile", "native-tls"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    // west's own output is streamed through.
    assert!(stdout.contains("[172/172] Linking C executable zephyr/zephyr.elf"), "{stdout}");
    let hex = s.ncs.path().join("build/native-tls/zephyr/merged.hex");
    assert!(
        stdout.contains(&format!("built {}: {} bytes on disk, 4 bytes of image", hex.display(), HEX.len())),
        "{stdout}"
    );
    let app = s.ncs.path().join("nrf/applications/serial_lte_modem");
    let args = s.args("west");
    assert!(args.starts_with("build --build-dir "), "{args}");
    assert!(args.contains("--board nrf9160dk_nrf9160_ns"), "{args}");
    assert!(args.contains(&format!("-DOVERLAY_CONFIG={}/overlay-native_tls.conf;", app.display())), "{args}");
    let conf = std::fs::read_to_string(s.ncs.path().join("build/native-tls.atscope/profile.conf")).unwrap();
    assert!(conf.contains("CONFIG_NRF_CLOUD_CLIENT_ID_SRC_INTERNAL_UUID=y"), "{conf}");
}

#[test]
fn a_failing_build_streams_west_output_and_exits_2() {
    let s = Sandbox::new();
    s.fake("west", "echo 'CMake Error at CMakeLists.txt:12 (find_package):' >&2; exit 1");
    let out = s.run(&["firmware", "build"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("CMake Error at CMakeLists.txt:12"), "{stderr}");
    assert!(stderr.contains("atscope: error: west build failed (exit status: 1)"), "{stderr}");
}

#[test]
fn build_without_west_says_how_to_get_it() {
    let s = Sandbox::new();
    let out = s.run(&["firmware", "build"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("atscope: error: west not found on PATH: install it with `pip install west`"), "{stderr}");
}

#[test]
fn flash_prefers_nrfutil_and_passes_it_the_image() {
    let s = Sandbox::new();
    s.working_west();
    s.fake("nrfutil", "[ \"$1 $2\" = 'device --version' ] && echo 'nrfutil-device 2.7.10'; exit 0");
    s.fake("nrfjprog", "exit 0");
    assert!(s.run(&["firmware", "build"]).status.success());
    let out = s.run(&["firmware", "flash", "--no-identify", "--snr", "960012345"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("flashed with nrfutil"));
    let hex = s.ncs.path().join("build/default/zephyr/merged.hex");
    let calls = s.args("nrfutil");
    assert_eq!(
        calls.lines().last().unwrap(),
        format!(
            "device program --firmware {} --options chip_erase_mode=ERASE_ALL,verify=VERIFY_READ,\
             reset=RESET_SYSTEM --serial-number 960012345",
            hex.display()
        )
    );
    assert_eq!(s.args("nrfjprog"), "");
}

#[test]
fn flash_uses_nrfjprog_when_chosen() {
    let s = Sandbox::new();
    s.fake("nrfutil", "exit 0");
    s.fake("nrfjprog", "echo 'Parsing image file.'");
    let hex = s.bin.path().join("slm.hex");
    std::fs::write(&hex, HEX).unwrap();
    let hex = hex.display().to_string();
    let out = s.run(&["firmware", "flash", "--no-identify", "--tool", "nrfjprog", "--hex", &hex, "--keep-settings"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Parsing image file."));
    assert_eq!(s.args("nrfjprog").trim(), format!("--program {hex} --sectorerase --verify --reset -f NRF91"));
    assert_eq!(s.args("nrfutil"), "");
}

#[test]
fn flash_without_a_build_or_a_programmer_fails_clearly() {
    let s = Sandbox::new();
    let out = s.run(&["firmware", "flash", "--no-identify"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("run `atscope firmware build --profile default`"), "{stderr}");

    s.working_west();
    assert!(s.run(&["firmware", "build"]).status.success());
    let out = s.run(&["firmware", "flash", "--no-identify"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("neither nrfutil nor nrfjprog found on PATH"), "{stderr}");
}

/// A pretend SLM on a pty that "boots" once `marker` exists (at once without one).
fn start_board(slm: FakeSlm, marker: Option<PathBuf>) -> PtyBoard {
    PtyBoard::start(slm, move || marker.as_deref().is_none_or(Path::exists)).expect("a pty pair")
}

#[test]
fn pty_flash_waits_for_ready_identifies_and_saves_the_identity() {
    let _turn = support::pty_turn();
    flash_waits_for_ready_identifies_and_saves_the_identity();
}

#[test]
fn pty_identify_prints_the_trace_metadata() {
    let _turn = support::pty_turn();
    identify_prints_the_trace_metadata();
}

#[test]
fn pty_identify_without_ready_exits_2_with_what_to_do() {
    let _turn = support::pty_turn();
    identify_without_ready_exits_2_with_what_to_do();
}

fn flash_waits_for_ready_identifies_and_saves_the_identity() {
    let s = Sandbox::new();
    s.working_west();
    let booted = s.bin.path().join("booted");
    s.fake("nrfjprog", &format!("echo 'Applying system reset.'\ntouch '{}'", booted.display()));
    assert!(s.run(&["firmware", "build", "--profile", "native-tls"]).status.success());
    let board = start_board(FakeSlm::default(), Some(booted));
    let out = s.run(&["firmware", "flash", "--profile", "native-tls", "--port", &board.name]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("SLM 2.1.2, modem firmware mfw_nrf9160_1.3.5, profile native-tls, build sha256:"),
        "{stdout}"
    );
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(s.identity_file()).unwrap()).unwrap();
    assert_eq!(saved["slm"], "2.1.2");
    assert_eq!(saved["modem"], "mfw_nrf9160_1.3.5");
    assert_eq!(saved["profile"], "native-tls");
    assert!(saved["build"].as_str().unwrap().starts_with("sha256:"));
}

fn identify_prints_the_trace_metadata() {
    let s = Sandbox::new();
    let slm = FakeSlm { slmver: " \"2.3.0\",\"2.3.0\"".into(), ..FakeSlm::default() };
    let board = start_board(slm, None);
    let file = s.home.path().join("id.json");
    let out =
        s.run(&["firmware", "identify", "--port", &board.name, "--json", "--identity-file", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, serde_json::json!({"slm": "2.3.0", "libmodem": "2.3.0", "modem": "mfw_nrf9160_1.3.5"}));
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(saved, printed);
}

fn identify_without_ready_exits_2_with_what_to_do() {
    let s = Sandbox::new();
    let board = start_board(FakeSlm { ready: false, junk: vec![], ..FakeSlm::default() }, None);
    let out = s.run(&["firmware", "identify", "--port", &board.name, "--ready-timeout", "0.3"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("no `Ready` from the SLM on {} within 0.3 s", board.name)), "{stderr}");
    assert!(stderr.contains("reset the board"), "{stderr}");
    assert!(!s.identity_file().exists());
}

#[test]
fn version_names_the_commit_date_and_rustc() {
    let out = Command::new(env!("CARGO_BIN_EXE_atscope")).arg("--version").output().unwrap();
    let v = text(&out.stdout);
    assert!(v.starts_with(&format!("atscope {} (git ", env!("CARGO_PKG_VERSION"))), "{v}");
    assert!(v.contains(", rustc "), "{v}");
}
