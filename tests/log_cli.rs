//! The SLM's own log through the command line (issue 17): `decode --log`, `--log-offset`,
//! JSON events with `"dir":"log"`, text interleaved by time, CSV, and `check` picking up
//! `NAME.log` beside `NAME.atrace`.

use std::path::PathBuf;
use std::process::{Command, Output};

mod support;

use support::need;

fn atscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_atscope"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run atscope")
}

const TRACE: &str = "traces/slm-2.1.2/mqtt-disconnect-reset.atrace";

/// A crash 432 ms before the reboot's Ready (23.582 s), and an `<err>` line; written for this test.
const LOG: &str = "\
*** Booting nRF Connect SDK v2.1.2 ***\r
[00:00:00.300,000] <inf> slm_at_host: at_host init done\r
[00:00:21.600,000] <err> slm_mqtt: mqtt_disconnect: -128\r
[00:00:23.450,000] <err> os: ***** BUS FAULT *****\r
[00:00:23.450,000] <err> os: Faulting instruction address (r15/pc): 0x0002a8c4\r
[00:00:23.450,000] <err> os: >>> ZEPHYR FATAL ERROR 0: CPU exception on CPU 0\r
[00:00:23.450,000] <err> os: Current thread: 0x20014a30 (mqtt_thread)\r
*** Booting nRF Connect SDK v2.1.2 ***\r
[00:00:00.300,000] <inf> slm_at_host: at_host init done\r
";

fn dir_with(name: &str) -> (PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap().keep();
    let trace = dir.join(format!("{name}.atrace"));
    std::fs::copy(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(TRACE), &trace).unwrap();
    let log = dir.join(format!("{name}.log"));
    std::fs::write(&log, LOG).unwrap();
    (trace, log)
}

fn json(out: &Output) -> Vec<serde_json::Value> {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn decode_with_a_log_gives_log_events_and_names_the_crash_in_the_reset() {
    let (trace, log) = dir_with("s");
    let ev = json(&atscope(&["decode", trace.to_str().unwrap(), "--log", log.to_str().unwrap(), "--json"]));
    let logs: Vec<_> = ev.iter().filter(|e| e["type"] == "log").collect();
    assert_eq!(logs.len(), 9);
    assert!(logs.iter().all(|e| e["dir"] == "log"));
    let fault = logs.iter().find(|e| e["text"] == "***** BUS FAULT *****").unwrap();
    assert_eq!(fault["t"].as_i64(), Some(23_150_000_000), "uptime 23.450 s of a boot whose Ready is at 0.000 s");
    let reset = ev.iter().find(|e| e["id"] == "slm.reset.unexpected").unwrap();
    assert_eq!(
        reset["message"],
        "the SLM crashed (BUS FAULT in mqtt_thread, PC 0x0002a8c4) 432 ms before Ready (after garbage bytes c0 ff 00) while AT#XMQTTCON=0 was pending"
    );
    let crash = ev.iter().find(|e| e["id"] == "slm.crash").unwrap();
    assert_eq!(crash["severity"], "error");
    assert!(!crash["events"].as_array().unwrap().is_empty());
    let err = ev.iter().find(|e| e["id"] == "slm.log.error").unwrap();
    assert!(err["message"].as_str().unwrap().contains("mqtt_disconnect: -128"), "{err}");
    assert_eq!(ev.iter().filter(|e| e["id"] == "slm.log.alignment").count(), 2);
}

#[test]
fn the_text_view_interleaves_log_lines_by_time() {
    let (trace, log) = dir_with("s");
    let out = atscope(&["decode", trace.to_str().unwrap(), "--log", log.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let at = |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle}: {text}"));
    assert!(lines[at("BUS FAULT *****")].contains(" log   ERR "), "{}", lines[at("BUS FAULT *****")]);
    assert!(at("AT#XMQTTCON=0  ") < at("mqtt_disconnect: -128"));
    assert!(at("mqtt_disconnect: -128") < at("BUS FAULT *****"));
    assert!(at("BUS FAULT *****") < at("RESET      Ready after garbage"));
}

#[test]
fn a_forced_offset_and_csv() {
    let (trace, log) = dir_with("s");
    let csv = trace.with_extension("csv");
    let out = atscope(&[
        "export",
        trace.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--log-offset",
        "1.5",
        "-o",
        csv.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&csv).unwrap();
    let row = text.lines().find(|l| l.contains("mqtt_disconnect")).unwrap();
    assert!(row.contains(",23.100000000,") && row.contains(",log,log,slm_mqtt,"), "{row}");
    assert!(text.lines().any(|l| l.contains("slm.log.alignment") && l.contains("--log-offset")));
}

#[test]
fn bad_log_arguments_are_errors() {
    let (trace, log) = dir_with("s");
    let out = atscope(&["decode", trace.to_str().unwrap(), "--log", "/nonexistent/x.log"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("x.log"));
    let out = atscope(&["decode", trace.to_str().unwrap(), "--log", log.to_str().unwrap(), "--log-offset", "NaN"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn check_reads_the_log_beside_the_trace() {
    let (trace, _log) = dir_with("with-log");
    let dir = trace.parent().unwrap();
    let out = atscope(&["check", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "a new transcript: {}", String::from_utf8_lossy(&out.stderr));
    let snap = std::fs::read_to_string(dir.join("snapshots/with-log.atrace.snap.new")).unwrap();
    assert!(snap.contains("log   ERR") && snap.contains("os: ***** BUS FAULT *****"), "{snap}");
    assert!(snap.contains("[slm.crash]"), "{snap}");
}

#[test]
fn tshark_reads_the_log_interface_of_the_pcapng() {
    let Some(()) = need::tshark() else { return };
    let (trace, log) = dir_with("s");
    let pcap = trace.with_extension("pcapng");
    let out =
        atscope(&["export", trace.to_str().unwrap(), "--log", log.to_str().unwrap(), "-o", pcap.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-Y",
            "frame.interface_name == \"log\"",
            "-T",
            "fields",
            "-e",
            "frame.protocols",
            "-e",
            "text",
            "-e",
            "frame.comment",
        ])
        .output()
        .expect("run tshark");
    assert!(out.status.success(), "tshark: {}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect();
    assert_eq!(rows.len(), 9, "one packet per log line: {rows:#?}");
    assert!(rows.iter().all(|r| r.starts_with("exported_pdu:data-text-lines\t")), "{rows:#?}");
    let fault = rows.iter().find(|r| r.contains("<err> os: ***** BUS FAULT *****")).expect("the fault line");
    assert!(fault.contains("atscope error slm.crash: the SLM crashed: BUS FAULT in mqtt_thread"), "{fault}");
}

#[test]
fn perfetto_has_a_log_track() {
    let (trace, log) = dir_with("s");
    let json_out = trace.with_extension("json");
    let out =
        atscope(&["export", trace.to_str().unwrap(), "--log", log.to_str().unwrap(), "-o", json_out.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_out).unwrap()).unwrap();
    let ev = v["traceEvents"].as_array().unwrap();
    let tid = ev
        .iter()
        .find(|e| e["ph"] == "M" && e["name"] == "thread_name" && e["args"]["name"] == "log")
        .map(|e| e["tid"].clone())
        .expect("a log track");
    let lines: Vec<_> = ev.iter().filter(|e| e["ph"] == "i" && e["tid"] == tid && e["cat"] == "log").collect();
    assert_eq!(lines.len(), 9);
    let fault = lines.iter().find(|e| e["args"]["text"] == "***** BUS FAULT *****").unwrap();
    assert_eq!(fault["ts"].as_f64(), Some(23_150_000.0), "microseconds on the UART's axis");
}

/// A small Cortex-M firmware compiled here (`mqtt_read` loads through a bad pointer on line 3),
/// its ELF and the address of that load, from `arm-none-eabi-objdump`.
fn compile_firmware(dir: &std::path::Path) -> (PathBuf, u64) {
    let c = dir.join("slm_at_mqtt.c");
    std::fs::write(
        &c,
        "volatile int *volatile bad;\n\
         __attribute__((noinline)) int mqtt_read(int n) {\n\
         \treturn *bad + n;\n\
         }\n\
         void _start(void) { for (;;) { mqtt_read(1); } }\n",
    )
    .unwrap();
    let elf = dir.join("zephyr.elf");
    let cc = Command::new("arm-none-eabi-gcc")
        .args(["-g", "-O1", "-mcpu=cortex-m33", "-mthumb", "-nostdlib", "-ffreestanding", "-o"])
        .arg(&elf)
        .arg(&c)
        .output()
        .unwrap();
    assert!(cc.status.success(), "{}", String::from_utf8_lossy(&cc.stderr));
    let dis = Command::new("arm-none-eabi-objdump").arg("-d").arg(&elf).output().unwrap();
    let dis = String::from_utf8_lossy(&dis.stdout);
    let body = dis.split("<mqtt_read>:").nth(1).expect("mqtt_read in the disassembly");
    let pc = body
        .lines()
        .filter_map(|l| l.trim().split_once(':'))
        .find(|(_, ins)| ins.contains("ldr"))
        .map(|(a, _)| u64::from_str_radix(a.trim(), 16).unwrap())
        .expect("a load in mqtt_read");
    (elf, pc)
}

/// With no `--elf`, the ELF of the build the trace's header names (`atscope firmware flash`
/// recorded its profile and the merged hex's hash) is found below the trace's folder and used;
/// a folder rebuilt since (another hash) is said and not used.
#[test]
fn the_traces_own_build_names_the_crash_and_a_rebuilt_one_is_refused() {
    if need::arm_toolchain().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (elf, pc) = compile_firmware(dir.path());
    let build = dir.path().join("build/slm-dk/zephyr");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::copy(&elf, build.join("zephyr.elf")).unwrap();
    let hex = b":00000001FF\n";
    std::fs::write(build.join("merged.hex"), hex).unwrap();
    let hash = {
        use sha2::Digest as _;
        format!("sha256:{:x}", sha2::Sha256::digest(hex))
    };
    let original = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(TRACE)).unwrap();
    let (header, body) = original.split_once('\n').unwrap();
    let mut head: serde_json::Value = serde_json::from_str(header).unwrap();
    head["meta"]["firmware"] = serde_json::json!({ "slm": "2.1.2", "profile": "slm-dk", "build": hash });
    let trace = dir.path().join("s.atrace");
    std::fs::write(&trace, format!("{head}\n{body}")).unwrap();
    let log = dir.path().join("s.log");
    std::fs::write(&log, LOG.replace("0x0002a8c4", &format!("0x{pc:08x}"))).unwrap();
    let decode = || atscope(&["decode", trace.to_str().unwrap(), "--log", log.to_str().unwrap(), "--findings"]);
    let o = decode();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(out.contains("PC in mqtt_read") && out.contains("slm_at_mqtt.c:3"), "{out}");
    assert!(err.contains("the trace's build; its merged hex is the one flashed"), "{err}");

    // The viewer decodes the same way: its crash finding names the code, and its notes say why.
    let served = atscope_web::store::decode_file(&trace, &Default::default()).unwrap();
    assert!(served.notes.iter().any(|n| n.contains("the trace's build")), "{:?}", served.notes);
    let crash = served.index.events().iter().find_map(|e| match &e.kind {
        atscope_analyzer::timeline::EventKind::Finding(f) if f.id == "slm.crash" => Some(f.message.clone()),
        _ => None,
    });
    assert!(crash.as_deref().is_some_and(|m| m.contains("PC in mqtt_read")), "{crash:?}");

    std::fs::write(build.join("merged.hex"), b":00000002FE\n").unwrap();
    let o = decode();
    let (out, err) = (String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(!out.contains("PC in mqtt_read"), "{out}");
    assert!(err.contains("another build"), "{err}");
}

/// With `--elf`, the crash names the code at its PC and the caller at its LR, as
/// `arm-none-eabi-addr2line` does (a small Cortex-M firmware compiled here).
#[test]
fn elf_names_the_function_and_line_of_a_crash() {
    if need::arm_toolchain().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (elf, pc) = compile_firmware(dir.path());
    let oracle = Command::new("arm-none-eabi-addr2line").arg("-e").arg(&elf).arg(format!("{pc:#x}")).output().unwrap();
    let oracle = String::from_utf8_lossy(&oracle.stdout).trim().to_string();
    let line_of_pc = oracle.rsplit(':').next().unwrap().to_string();
    assert_eq!(line_of_pc, "3", "addr2line puts the load on line 3: {oracle}");

    let (trace, log) = dir_with("elf");
    let log_text = LOG.replace("0x0002a8c4", &format!("0x{pc:08x}"));
    std::fs::write(&log, log_text).unwrap();
    let out = atscope(&[
        "decode",
        trace.to_str().unwrap(),
        "--log",
        log.to_str().unwrap(),
        "--elf",
        elf.to_str().unwrap(),
        "--json",
    ]);
    let ev = json(&out);
    let crash = ev.iter().find(|e| e["id"] == "slm.crash").expect("a crash finding");
    let msg = crash["message"].as_str().unwrap();
    assert!(msg.contains("PC in mqtt_read") && msg.contains("slm_at_mqtt.c:3"), "{msg}");

    let bad =
        atscope(&["decode", trace.to_str().unwrap(), "--log", log.to_str().unwrap(), "--elf", "/nonexistent.elf"]);
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--elf"));
}

/// `import --log`: the log goes beside the imported trace, named for it, and the header says
/// where it came from; a missing log is refused before anything is written.
#[test]
fn import_puts_the_log_beside_the_trace() {
    let (trace, log) = dir_with("cap");
    let out = trace.with_file_name("imported.atrace");
    let o = atscope(&["import", trace.to_str().unwrap(), "-o", out.to_str().unwrap(), "--log", log.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(out.with_extension("log")).unwrap(), std::fs::read(&log).unwrap());
    let header = std::fs::read_to_string(&out).unwrap();
    assert!(header.lines().next().unwrap().contains("\"file\":\"imported.log\""));
    let o =
        atscope(&["import", trace.to_str().unwrap(), "-o", "/tmp/atscope-never.atrace", "--log", "/nonexistent.log"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!std::path::Path::new("/tmp/atscope-never.atrace").exists());
}
