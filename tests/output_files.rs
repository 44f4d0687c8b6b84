//! Output files through the CLI (`-o` of import, export, record, replay): never onto an input,
//! never replacing a device, a FIFO or a directory; a FIFO or a character device is written
//! straight into; a killed export leaves no temporary file behind.
//!
//! Run with `cargo test --test output_files`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::{atscope, run};

const TRACE: &str = "traces/slm-2.1.2/mqtt-disconnect-reset.atrace";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A scratch folder with a copy of the bundled trace in it.
fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.atrace");
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join(TRACE), &input).unwrap();
    (dir, input)
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn an_output_onto_the_input_is_refused_and_the_input_kept() {
    let (dir, input) = scratch();
    let before = std::fs::read(&input).unwrap();
    let link = dir.path().join("link.atrace");
    std::os::unix::fs::symlink(&input, &link).unwrap();
    let hard = dir.path().join("hard.csv");
    std::fs::hard_link(&input, &hard).unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["import", p(&input), "-o", p(&input)],
        vec!["import", p(&input), "-o", p(&link)],
        vec!["export", p(&input), "--format", "pcapng", "-o", p(&input)],
        vec!["export", p(&input), "--format", "perfetto", "-o", p(&input)],
        vec!["export", p(&input), "--format", "csv", "-o", p(&hard)],
        vec!["export", p(&input), "--format", "sr", "-o", p(&link)],
    ];
    for args in cases {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("refusing to write the output onto the input"), "{args:?}: {err}");
        assert!(err.contains(args.last().unwrap()), "the error names the output: {err}");
        assert_eq!(std::fs::read(&input).unwrap(), before, "{args:?} changed the input");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(names(dir.path()), ["hard.csv", "in.atrace", "link.atrace"], "{args:?} left a file behind");
    }
}

#[test]
fn record_and_replay_never_record_onto_their_input() {
    let (dir, input) = scratch();
    let script = dir.path().join("script.txt");
    std::fs::write(&script, "AT\nwait OK\n").unwrap();
    let before = std::fs::read(&input).unwrap();
    // The trace file is checked before any port is opened: no serial port is needed here.
    for (args, kept) in [
        (vec!["record", "--port", "/nonexistent/tty", "--script", p(&script), "-o", p(&script)], &script),
        (vec!["replay", p(&input), "--as", "modem", "--port", "/nonexistent/tty", "-o", p(&input)], &input),
    ] {
        let want = std::fs::read(kept).unwrap();
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("refusing to write the output onto the input"), "{args:?}: {err}");
        assert_eq!(std::fs::read(kept).unwrap(), want);
    }
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn a_directory_is_refused() {
    let (dir, input) = scratch();
    let sub = dir.path().join("out.csv");
    std::fs::create_dir(&sub).unwrap();
    let o = run(&["export", p(&input), "-o", p(&sub)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is a directory; refusing to write the output there"), "{}", stderr(&o));
    assert!(sub.is_dir() && names(&sub).is_empty());
}

/// `/dev/full` is written into (never replaced, even as root, where a rename would succeed): the
/// device's "no space" is the error, named.
#[test]
fn a_device_is_written_into_never_replaced() {
    let (_dir, input) = scratch();
    let is_char = || {
        use std::os::unix::fs::FileTypeExt;
        std::fs::symlink_metadata("/dev/full").map(|m| m.file_type().is_char_device()).unwrap_or(false)
    };
    if !is_char() {
        eprintln!("SKIPPED: no /dev/full character device here");
        assert!(std::env::var_os("CI").is_none(), "CI machines have /dev/full");
        return;
    }
    for args in [
        vec!["export", p(&input), "--format", "csv", "-o", "/dev/full"],
        vec!["export", p(&input), "--format", "sr", "-o", "/dev/full"],
        vec!["import", p(&input), "-o", "/dev/full"],
    ] {
        let o = run(&args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("/dev/full") && err.contains("No space left on device"), "{args:?}: {err}");
        assert!(is_char(), "{args:?} replaced /dev/full");
    }
    // And /dev/stdout is the ordinary way to pipe an export into another tool.
    let o = run(&["export", p(&input), "--format", "csv", "-o", "/dev/stdout"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("seq,t_s,"), "{}", String::from_utf8_lossy(&o.stdout));
}

/// A FIFO is written into: another tool reading it gets the same bytes as a file would hold, and
/// it is still a FIFO afterwards.
#[test]
fn a_fifo_is_written_into_never_replaced() {
    let (dir, input) = scratch();
    let file = dir.path().join("out.csv");
    let o = run(&["export", p(&input), "-o", p(&file)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let fifo = dir.path().join("fifo.csv");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let mut child = atscope()
        .args(["export", p(&input), "--format", "csv", "-o", p(&fifo)])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut got = Vec::new();
    std::fs::File::open(&fifo).unwrap().read_to_end(&mut got).unwrap();
    let status = child.wait().unwrap();
    assert!(status.success());
    assert_eq!(got, std::fs::read(&file).unwrap());
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
}

/// A killed export (SIGTERM, SIGINT) leaves neither the output nor its temporary file: the input
/// here is a FIFO the test feeds a header and a record and then holds open, so the export is
/// caught mid-write.
#[test]
fn a_killed_export_leaves_no_temporary_file() {
    use nix::sys::signal::{kill, Signal};
    use std::os::unix::process::ExitStatusExt;
    for sig in [Signal::SIGTERM, Signal::SIGINT] {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("in.atrace");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let out = dir.path().join("out.sr");
        let mut child = atscope()
            .args(["export", p(&fifo), "--format", "sr", "-o", p(&out)])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
        w.write_all(b"{\"atrace\":1,\"meta\":{\"baud\":115200}}\n{\"t\":0,\"d\":\"host\",\"text\":\"AT\\r\\n\"}\n")
            .unwrap();
        w.flush().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !names(dir.path()).iter().any(|n| n.starts_with(".out.sr.atscope-")) {
            assert!(Instant::now() < deadline, "no temporary file appeared: {:?}", names(dir.path()));
            std::thread::sleep(Duration::from_millis(20));
        }
        kill(nix::unistd::Pid::from_raw(child.id() as i32), sig).unwrap();
        let status = child.wait().unwrap();
        drop(w);
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        assert!(
            status.signal() == Some(sig as i32) || status.code() == Some(128 + sig as i32),
            "{sig:?}: {status:?} {err}"
        );
        assert_eq!(names(dir.path()), ["in.atrace"], "{sig:?} left files behind");
    }
}
