//! `atscope decode` end to end: the built binary on real files, its output and exit status.

use std::path::{Path, PathBuf};

mod support;

use support::{need, run};

fn trace(name: &str) -> String {
    format!("traces/slm-2.1.2/{name}.atrace")
}

fn tmp(name: &str, content: &[u8]) -> PathBuf {
    let dir = tempfile::tempdir().unwrap().keep();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn json_lines_parse_back_and_carry_the_findings_of_the_user_report() {
    let out = run(&["decode", &trace("mqtt-disconnect-reset"), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let events: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let ids: Vec<&str> = events.iter().filter(|e| e["type"] == "finding").filter_map(|e| e["id"].as_str()).collect();
    assert!(ids.contains(&"slm.reset.unexpected"), "{ids:?}");
    assert!(ids.contains(&"slm.urc.missing"), "{ids:?}");
    let reset = events.iter().filter(|e| e["type"] == "reset").nth(1).unwrap();
    assert_eq!(reset["garbage"]["b64"], "wP8A", "the garbage bytes c0 ff 00 are kept exactly");
    let cmd = events.iter().find(|e| e["type"] == "command" && e["name"] == "#XMQTTCON").unwrap();
    assert_eq!(cmd["meaning"], "MQTT connect/disconnect: connect IPv4");
}

#[test]
fn fail_on_sets_the_exit_status_for_ci() {
    assert_eq!(run(&["decode", &trace("mqtt-disconnect-reset"), "--fail-on", "error"]).status.code(), Some(1));
    assert_eq!(run(&["decode", &trace("mqtt-session"), "--fail-on", "warning"]).status.code(), Some(0));
    let off = run(&[
        "decode",
        &trace("mqtt-disconnect-reset"),
        "--fail-on",
        "error",
        "--severity",
        "slm.*=note",
        "--severity",
        "at.final.missing=off",
    ]);
    assert_eq!(off.status.code(), Some(0), "{}", String::from_utf8_lossy(&off.stderr));
}

#[test]
fn findings_only_lists_findings_with_their_help() {
    let out = run(&["decode", &trace("nrfcloud-keygen-no-cloud"), "--findings"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("[slm.tls.modem-tag-unprovisioned]"));
    assert!(text.contains("[slm.urc.missing] AT#XNRFCLOUD=1 promised #XNRFCLOUD: 1"));
    assert!(!text.contains("CMD"), "{text}");
}

#[test]
fn credentials_are_redacted_unless_asked() {
    let red = String::from_utf8(run(&["decode", &trace("native-tls-cmng-list"), "--json"]).stdout).unwrap();
    assert!(!red.contains("BEGIN CERTIFICATE"));
    assert!(red.contains("<redacted 232 bytes>"));
    let raw =
        String::from_utf8(run(&["decode", &trace("native-tls-cmng-list"), "--json", "--no-redact"]).stdout).unwrap();
    assert!(raw.contains("BEGIN CERTIFICATE"));
}

#[test]
fn bad_input_is_a_clear_error_with_status_2_never_a_panic() {
    let cases: Vec<(PathBuf, &str)> = vec![
        (tmp("empty.csv", b""), "the file is empty"),
        (tmp("random.bin", &(0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect::<Vec<_>>()), "binary content"),
        (tmp("nocol.csv", b"name,type,duration,\"data\"\n\"A\",\"data\",0.1,0x41\n"), "no \"start_time\" column"),
        (tmp("badrow.csv", b"name,type,start_time,duration,\"data\"\n\"A\",\"data\",soon,0.1,0x41\n"), ":2: start_time \"soon\""),
        (tmp("bad.atrace", b"{\"atrace\":1,\"meta\":{}}\n{\"t\":1,\"d\":\"host\",\"text\":\"AT\"}\nnot json\n{\"t\":2,\"d\":\"host\",\"text\":\"AT\"}\n"), ":3:"),
        (PathBuf::from("/nonexistent/capture.atrace"), "No such file"),
    ];
    for (path, want) in cases {
        let out = run(&["decode", path.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert!(err.contains(want), "{}: expected {want:?} in {err}", path.display());
        assert!(err.contains(path.file_name().unwrap().to_str().unwrap()), "the error names the file: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_trace_cut_mid_line_by_a_crashed_recorder_decodes_with_a_warning() {
    let full = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(trace("mqtt-session"))).unwrap();
    let cut = tmp("cut.atrace", &full[..full.len() - 20]);
    let out = run(&["decode", cut.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("cut short"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("AT#XMQTTCON=0"));
}

#[test]
fn one_side_only_still_decodes() {
    let p = tmp("modem-only.csv", b"name,type,start_time,duration,\"data\"\n\"RX\",\"data\",0.1,0.0001,0x52\n\"RX\",\"data\",0.2,0.0001,0x65\n\"RX\",\"data\",0.3,0.0001,0x61\n\"RX\",\"data\",0.4,0.0001,0x64\n\"RX\",\"data\",0.5,0.0001,0x79\n\"RX\",\"data\",0.6,0.0001,0x0D\n\"RX\",\"data\",0.7,0.0001,0x0A\n");
    let out = run(&["decode", p.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("RESET"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("modem = \"RX\""));
}

#[test]
fn a_waveform_decoded_at_the_wrong_baud_is_a_baud_mismatch_finding() {
    let Some(sr) = need::corpus_file("sigrok-dumps/uart/hello_world/8n1/hello_world_8n1_115200.sr") else { return };
    let sr = sr.to_str().unwrap();
    let wrong = String::from_utf8(run(&["decode", sr, "--baud", "57600", "--findings"]).stdout).unwrap();
    assert!(wrong.contains("[uart.baud-mismatch]"), "{wrong}");
    assert!(wrong.contains("--baud 115200"), "suggests the standard rate: {wrong}");
    let right = String::from_utf8(run(&["decode", sr, "--baud", "115200", "--findings"]).stdout).unwrap();
    assert!(!right.contains("uart.baud-mismatch"), "{right}");
}

/// A CMUX session (issue 16): the text names each event's channel after the speaker, the JSON
/// carries it as `dlci`, and the PPP frames come out as `ppp` events.
#[test]
fn decode_prints_the_channel_of_each_event_of_a_cmux_session() {
    let out = run(&["decode", "traces/cmux-sm-1.0.1/h-cmux-ppp.atrace", "--terminator", "cr"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = |needle: &str| text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} in {text}"));
    assert!(line("AT#XCMUX=1").contains(" host  CMD "), "plain before the mux: {}", line("AT#XCMUX=1"));
    assert!(line("AT+CFUN=1").contains(" host  dlci1 CMD "), "{}", line("AT+CFUN=1"));
    assert!(line("MSC command DLCI 2").contains(" dlci0 CMUX "), "{}", line("MSC command DLCI 2"));
    assert!(line("IPCP Configure-Nak").contains(" modem dlci2 PPP "), "{}", line("IPCP Configure-Nak"));
    assert!(line("10.64.12.7:49152 → 10.64.0.1:53").contains("IPv4 UDP"));

    let out = run(&["decode", "traces/cmux-sm-1.0.1/h-cmux-ppp.atrace", "--terminator", "cr", "--json"]);
    let events: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().skip(1).map(|l| serde_json::from_str(l).unwrap()).collect();
    let cfun = events.iter().find(|e| e["type"] == "command" && e["name"] == "+CFUN").unwrap();
    assert_eq!(cfun["dlci"], 1);
    let cmux = events.iter().find(|e| e["type"] == "command" && e["name"] == "#XCMUX").unwrap();
    assert!(cmux.get("dlci").is_none(), "{cmux}");
    let nak = events.iter().find(|e| e["type"] == "ppp" && e["code"] == "Configure-Nak").unwrap();
    assert_eq!(
        (nak["dlci"].as_u64(), nak["protocol"].as_str(), nak["dir"].as_str()),
        (Some(2), Some("IPCP"), Some("modem"))
    );
    assert_eq!(
        nak["options"],
        serde_json::json!(["IP-Address 10.64.12.7", "Primary-DNS 10.64.0.1", "Secondary-DNS 10.64.0.2"])
    );
    let dns = events.iter().find(|e| e["type"] == "ppp" && e["ip"]["to"] == "10.64.0.1:53").unwrap();
    assert_eq!((dns["ip"]["protocol"].as_str(), dns["ip"]["len"].as_u64()), (Some("UDP"), Some(61)));
}
