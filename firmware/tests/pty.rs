//! Identify and flash against a pretend SLM on a real pseudo-terminal.
//!
//! Run with `cargo test -p atscope-firmware --test pty`.
//!
//! pty pairs are not safe to use from several tests at once (the serialport crate says so of its
//! own pty tests), so every case runs in sequence inside the one `#[test]` below; keep it that way
//! when adding cases.

#![cfg(unix)]

use std::path::Path;
use std::time::Duration;

use atscope_firmware::fake_slm::{FakeSlm, PtyBoard};
use atscope_firmware::fake_tools;
use atscope_firmware::flash::{self, FlashError, FlashOptions, Tool};
use atscope_firmware::identify::{self, IdentifyError, Identity, Timeouts};
use atscope_firmware::tools::ToolEnv;
use serialport::SerialPort;

/// A [`PtyBoard`] running `slm`, booting once `boot_when` holds.
fn start_board(slm: FakeSlm, boot_when: impl Fn() -> bool + Send + 'static) -> PtyBoard {
    PtyBoard::start(slm, boot_when).expect("a pty pair")
}

fn quick() -> Timeouts {
    Timeouts { ready: Some(Duration::from_secs(5)), command: Duration::from_secs(5) }
}

/// One pty case at a time: pty pairs are not safe to use from several tests at once (the
/// serialport crate says so of its own pty tests). Each case is a test of its own, so a failure
/// does not hide the others; `.config/nextest.toml` runs the `pty_` tests one at a time.
fn pty_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn pty_identifies_a_freshly_booted_v2_1_2_slm_behind_junk_bytes() {
    let _turn = pty_turn();
    identifies_a_freshly_booted_v2_1_2_slm_behind_junk_bytes();
}

#[test]
fn pty_identifies_the_three_field_xslmver_of_newer_slm() {
    let _turn = pty_turn();
    identifies_the_three_field_xslmver_of_newer_slm();
}

#[test]
fn pty_no_ready_within_the_timeout_is_an_error_showing_what_came() {
    let _turn = pty_turn();
    no_ready_within_the_timeout_is_an_error_showing_what_came();
}

#[test]
fn pty_an_slm_that_is_already_running_is_asked_without_waiting() {
    let _turn = pty_turn();
    an_slm_that_is_already_running_is_asked_without_waiting();
}

#[test]
fn pty_flashing_with_nrfjprog_then_waits_for_ready_and_identifies() {
    let _turn = pty_turn();
    flashing_with_nrfjprog_then_waits_for_ready_and_identifies();
}

#[test]
fn pty_flashing_reports_a_board_that_never_says_ready() {
    let _turn = pty_turn();
    flashing_reports_a_board_that_never_says_ready();
}

fn identifies_a_freshly_booted_v2_1_2_slm_behind_junk_bytes() {
    let board = start_board(FakeSlm::default(), || true);
    let id = identify::identify_port(&board.name, identify::DEFAULT_BAUD, quick()).unwrap();
    assert_eq!(
        id,
        Identity {
            slm_version: "2.1.2".into(),
            libmodem: None,
            customer: None,
            modem_firmware: "mfw_nrf9160_1.3.5".into(),
            profile: None,
            build_hash: None,
        }
    );
}

fn identifies_the_three_field_xslmver_of_newer_slm() {
    let slm = FakeSlm {
        slmver: " \"2.6.0\",\"2.5.0\",\"lab-7\"".into(),
        cgmr: "mfw_nrf91x1_2.0.1".into(),
        junk: vec![],
        ..FakeSlm::default()
    };
    let board = start_board(slm, || true);
    let id = identify::identify_port(&board.name, identify::DEFAULT_BAUD, quick()).unwrap();
    assert_eq!(id.slm_version, "2.6.0");
    assert_eq!(id.libmodem.as_deref(), Some("2.5.0"));
    assert_eq!(id.customer.as_deref(), Some("lab-7"));
    assert_eq!(id.modem_firmware, "mfw_nrf91x1_2.0.1");
}

fn no_ready_within_the_timeout_is_an_error_showing_what_came() {
    let slm = FakeSlm { ready: false, junk: b"\xff\xffRead".to_vec(), ..FakeSlm::default() };
    let board = start_board(slm, || true);
    let t = Timeouts { ready: Some(Duration::from_millis(300)), ..quick() };
    let err = identify::identify_port(&board.name, identify::DEFAULT_BAUD, t).unwrap_err();
    let IdentifyError::NoReady { seen, .. } = &err else { panic!("{err}") };
    assert_eq!(seen, b"\xff\xffRead");
    assert!(err.to_string().starts_with(&format!("no `Ready` from the SLM on {} within 0.3 s", board.name)));
}

fn an_slm_that_is_already_running_is_asked_without_waiting() {
    let slm = FakeSlm { ready: false, ..FakeSlm::default() };
    let board = start_board(slm, || true);
    let t = Timeouts { ready: None, ..quick() };
    let id = identify::identify_port(&board.name, identify::DEFAULT_BAUD, t).unwrap();
    assert_eq!(id.slm_version, "2.1.2");
}

/// A fake nrfjprog that records its arguments and "resets" the board by creating `booted`.
fn fake_nrfjprog(bin: &Path, exit: i32) {
    let body = format!(
        "echo \"$@\" > '{dir}/args'\necho 'Parsing image file.'\n\
         echo 'Applying system reset.'\ntouch '{dir}/booted'\nexit {exit}",
        dir = bin.display()
    );
    fake_tools::script(bin, "nrfjprog", &body).unwrap();
}

fn flashing_with_nrfjprog_then_waits_for_ready_and_identifies() {
    let bin = tempfile::tempdir().unwrap();
    fake_nrfjprog(bin.path(), 0);
    let hex = bin.path().join("merged.hex");
    std::fs::write(&hex, ":00000001FF\n").unwrap();
    let booted = bin.path().join("booted");
    // The SLM prints Ready only after the programmer has reset it.
    let board = start_board(FakeSlm::default(), move || booted.exists());
    let env = ToolEnv { path: format!("{}:/usr/bin:/bin", bin.path().display()).into(), ..ToolEnv::default() };

    let (tool, program) = flash::choose(&env, None).unwrap();
    assert_eq!(tool, Tool::Nrfjprog);
    let plan =
        flash::plan(tool, program, &FlashOptions { hex: hex.clone(), snr: Some("960".into()), keep_settings: false });
    let port: Box<dyn SerialPort> = identify::open_port(&board.name, identify::DEFAULT_BAUD).unwrap();
    let mut lines = Vec::new();
    let id = flash::flash_and_identify(&env, &plan, Some((port, &board.name)), quick(), &mut |l| lines.push(l.text))
        .unwrap()
        .unwrap();
    assert_eq!(id.slm_version, "2.1.2");
    assert_eq!(lines, ["Parsing image file.", "Applying system reset."]);
    let args = std::fs::read_to_string(bin.path().join("args")).unwrap();
    assert_eq!(args.trim(), format!("--program {} --chiperase --verify --reset -f NRF91 --snr 960", hex.display()));
}

fn flashing_reports_a_board_that_never_says_ready() {
    let bin = tempfile::tempdir().unwrap();
    fake_nrfjprog(bin.path(), 0);
    let hex = bin.path().join("merged.hex");
    std::fs::write(&hex, ":00000001FF\n").unwrap();
    let board = start_board(FakeSlm { ready: false, junk: vec![], ..FakeSlm::default() }, || true);
    let env = ToolEnv { path: format!("{}:/usr/bin:/bin", bin.path().display()).into(), ..ToolEnv::default() };
    let plan = flash::plan(
        Tool::Nrfjprog,
        bin.path().join("nrfjprog"),
        &FlashOptions { hex, snr: None, keep_settings: false },
    );
    let port = identify::open_port(&board.name, identify::DEFAULT_BAUD).unwrap();
    let t = Timeouts { ready: Some(Duration::from_millis(300)), ..quick() };
    let err = flash::flash_and_identify(&env, &plan, Some((port, &board.name)), t, &mut |_| {}).unwrap_err();
    assert!(matches!(err, FlashError::Identify(IdentifyError::NoReady { .. })), "{err}");
    assert!(err.to_string().starts_with("programmed, but no `Ready`"), "{err}");
}
