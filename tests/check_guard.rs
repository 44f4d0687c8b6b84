//! The regression guard can fail: `atscope check` on a mutated copy of a bundled trace reports
//! the change with a readable diff and exit status 1, and passes on the unchanged copy.

use std::path::{Path, PathBuf};

mod support;

use support::run;

/// A temporary folder holding a copy of one bundled trace, with its transcript stored.
fn setup(name: &str) -> (PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap().keep();
    let traces = dir.join("traces");
    std::fs::create_dir_all(&traces).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/slm-2.1.2").join(name);
    let copy = traces.join(name);
    std::fs::copy(src, &copy).unwrap();
    let out = run(&["check", traces.to_str().unwrap(), "--update"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (traces, copy)
}

fn mutate(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn an_unchanged_trace_passes() {
    let (traces, _) = setup("mqtt-session.atrace");
    let out = run(&["check", traces.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn an_ok_turned_into_error_is_reported_with_a_diff() {
    let (traces, copy) = setup("mqtt-session.atrace");
    // The OK of AT#XMQTTSUB (the only answer at that time) becomes ERROR.
    let text = std::fs::read_to_string(&copy).unwrap();
    let sub = text.lines().position(|l| l.contains("AT#XMQTTSUB")).unwrap();
    let ok_line = text.lines().nth(sub + 1).unwrap().to_string();
    assert!(ok_line.contains("\\r\\nOK\\r\\n"), "{ok_line}");
    mutate(&copy, &ok_line, &ok_line.replace("\\r\\nOK\\r\\n", "\\r\\nERROR\\r\\n"));
    let junit = traces.parent().unwrap().join("report.xml");
    let out = run(&["check", traces.to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("CHANGED"), "{stdout}");
    assert!(stdout.contains("-+0.030s modem OK    #8   OK"), "the diff shows the old line: {stdout}");
    assert!(stdout.contains("++0.030s modem ERROR #8   ERROR"), "and the new one: {stdout}");
    assert!(stdout.contains("[at.error]"), "and the finding it brings: {stdout}");
    let xml = std::fs::read_to_string(junit).unwrap();
    assert!(xml.contains("failures=\"1\"") && xml.contains("behaviour changed"), "{xml}");
}

#[test]
fn a_removed_urc_is_reported() {
    let (traces, copy) = setup("mqtt-session.atrace");
    mutate(&copy, "\\r\\n#XMQTTEVT: 7,0\\r\\n", "");
    let out = run(&["check", traces.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("-+0.310s modem URC        #XMQTTEVT: 7,0"), "{stdout}");
    assert!(stdout.contains("[slm.urc.missing]") || stdout.contains("[slm.urc.unconfirmed]"), "{stdout}");
}

#[test]
fn fail_on_turns_findings_into_a_failure_even_when_nothing_changed() {
    let (traces, _) = setup("mqtt-disconnect-reset.atrace");
    let out = run(&["check", traces.to_str().unwrap(), "--fail-on", "error"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
}
