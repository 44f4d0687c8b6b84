//! `atscope export --format pcapng|perfetto|csv` end to end: every trace in `traces/` exported
//! and read back by the tool it is for (tshark) or parsed back and checked against what
//! `atscope decode --json` says.
//!
//! Run with `cargo test --test export`. The pcapng test needs `tshark` (Debian package
//! `tshark`); without it the test is skipped on a developer machine and fails when `CI` is set.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod support;

use support::{need, run};

/// Every `.atrace` under `traces/`.
fn traces() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "atrace") {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(out.len() >= 5, "the bundled traces are there");
    out
}

fn decode_json(trace: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["decode", "--json", trace.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let mut lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let header = lines.remove(0);
    assert_eq!((header["type"].as_str(), header["version"].as_u64()), (Some("schema"), Some(2)), "{header}");
    lines
}

fn export(trace: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["export", trace.to_str().unwrap(), "-o", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "export {}: {}", trace.display(), String::from_utf8_lossy(&o.stderr));
}

const WIRE: &[&str] = &["command", "info", "final", "urc", "text", "payload", "garbage", "reset"];

/// The name Wireshark's `at` dissector gives a command line: atscope's name, `AT` for a bare
/// `AT`; for a line the SLM rejects (`+++AT+CEREG?`, junk before `AT`) the dissector, more
/// lenient, names the command it finds after the first `AT`.
fn wireshark_name(e: &Value) -> String {
    let name = e["name"].as_str().unwrap();
    if e.get("invalid").is_none() {
        return if name.is_empty() { "AT".into() } else { name.into() };
    }
    let line = e["line"]["text"].as_str().unwrap_or("");
    let at = line.to_ascii_uppercase().find("AT").map(|i| &line[i..]).unwrap_or(line);
    // It reads a line glued by a bare LF (a Serial Modem's CR link) as two, the first named.
    let at = at.split(['\r', '\n']).next().unwrap_or(at);
    match atscope_analyzer::at::grammar::parse_command(at.as_bytes()) {
        Ok(c) if !c.name.is_empty() => c.name,
        _ => "AT".into(),
    }
}

fn kind(e: &Value) -> &str {
    e["type"].as_str().unwrap()
}

/// tshark's fields of every packet, tab-separated, one row per packet.
fn tshark_fields(file: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(file).args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=\u{1e}"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().expect("run tshark");
    assert!(out.status.success(), "tshark: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

#[test]
fn tshark_reads_the_pcapng_with_the_at_dissector_and_sees_every_line_command_and_finding() {
    let Some(()) = need::tshark() else { return };
    let dir = tempfile::tempdir().unwrap();
    for trace in traces() {
        let events = decode_json(&trace, &[]);
        let out = dir.path().join("out.pcapng");
        export(&trace, &out, &[]);
        let rows = tshark_fields(&out, &["frame.interface_name", "frame.protocols", "at.cmd", "frame.comment"]);
        let name = trace.display();
        let wire: Vec<&Value> = events.iter().filter(|e| WIRE.contains(&kind(e))).collect();
        let lines: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "host" || r[0] == "modem").collect();
        assert_eq!(lines.len(), wire.len(), "{name}: one packet per line or payload");
        for (r, e) in lines.iter().zip(&wire) {
            assert_eq!(r[0], e["dir"].as_str().unwrap(), "{name}: direction of {e}");
            let dissected_as_at = r[1].split(':').any(|p| p == "at");
            let is_line = !matches!(kind(e), "payload" | "garbage");
            assert_eq!(dissected_as_at, is_line, "{name}: {e} dissected as {}", r[1]);
        }
        // The commands, in order, by the names Wireshark's `at` dissector gives them.
        // atscope names a bare `AT` "" (no command), Wireshark `AT`.
        let ours: Vec<String> = wire.iter().filter(|e| kind(e) == "command").map(|e| wireshark_name(e)).collect();
        let theirs: Vec<&str> = lines
            .iter()
            .filter(|r| r[0] == "host" && r[1].ends_with(":at"))
            .map(|r| r[2].split('\u{1e}').next().unwrap())
            .collect();
        assert_eq!(theirs, ours.iter().map(String::as_str).collect::<Vec<_>>(), "{name}: command names");
        // Every finding is a comment, on its packet or on a comment-only packet.
        let comments = rows.iter().map(|r| r[3].clone()).collect::<Vec<_>>().join("\u{1e}");
        let findings: Vec<&Value> = events.iter().filter(|e| kind(e) == "finding").collect();
        for f in &findings {
            let c = format!(
                "atscope {} {}: {}",
                f["severity"].as_str().unwrap(),
                f["id"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            );
            assert!(comments.contains(&c), "{name}: comment {c:?} in {comments:?}");
        }
        let n_comments = comments.split('\u{1e}').filter(|c| c.starts_with("atscope ")).count();
        assert_eq!(n_comments, findings.len(), "{name}: one comment per finding");
        assert!(
            rows.iter().all(|r| ["host", "modem", "findings", "ppp"].contains(&r[0].as_str())),
            "{name}: interfaces"
        );
        let ppp = events.iter().filter(|e| kind(e) == "ppp").count();
        assert_eq!(rows.iter().filter(|r| r[0] == "ppp").count(), ppp, "{name}: one packet per PPP frame");
    }
}

/// The PPP frames of a CMUX session open dissected: LCP and IPCP negotiations, the DNS query and
/// answer, the TCP handshake, in both directions (issue 16).
#[test]
fn tshark_dissects_the_ppp_packets_of_a_cmux_session() {
    let Some(()) = need::tshark() else { return };
    let dir = tempfile::tempdir().unwrap();
    let trace = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/cmux-sm-1.0.1/h-cmux-ppp.atrace");
    let out = dir.path().join("ppp.pcapng");
    export(&trace, &out, &["--terminator", "cr"]);
    let rows = tshark_fields(
        &out,
        &[
            "frame.interface_name",
            "frame.protocols",
            "ppp.code",
            "dns.qry.name",
            "dns.a",
            "tcp.flags.str",
            "ip.dst",
            "frame.p2p_dir",
        ],
    );
    let ppp: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "ppp").collect();
    let protocols: Vec<&str> = ppp.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(ppp.len(), 15, "{protocols:?}");
    assert!(ppp.iter().all(|r| r[1].starts_with("ppp:")), "{protocols:?}");
    // LCP: Configure-Request (1) and Configure-Ack (2) both ways.
    let lcp: Vec<&str> = ppp.iter().filter(|r| r[1].ends_with(":lcp")).map(|r| r[2].as_str()).collect();
    assert_eq!(lcp, ["1", "1", "2", "2"]);
    // IPCP: the host's request, the SM's request, its Nak (3), the acks.
    let ipcp: Vec<&str> = ppp.iter().filter(|r| r[1].ends_with(":ipcp")).map(|r| r[2].as_str()).collect();
    assert_eq!(ipcp, ["1", "1", "3", "2", "1", "2"]);
    let dns: Vec<(&str, &str)> =
        ppp.iter().filter(|r| r[1].ends_with(":dns")).map(|r| (r[3].as_str(), r[4].as_str())).collect();
    assert_eq!(dns, [("api.example.com", ""), ("api.example.com", "203.0.113.10")]);
    let tcp: Vec<&str> = ppp.iter().filter(|r| r[1].ends_with(":tcp")).map(|r| r[5].as_str()).collect();
    assert_eq!(tcp.len(), 3, "{tcp:?}");
    assert!(tcp[0].contains('S') && !tcp[0].contains('A'), "SYN: {tcp:?}");
    assert!(tcp[1].contains('S') && tcp[1].contains('A'), "SYN-ACK: {tcp:?}");
    assert!(tcp[2].contains('A') && !tcp[2].contains('S'), "ACK: {tcp:?}");
    // The direction byte: the host's frames sent (0), the modem's received (1) in tshark's terms.
    let first_dns = ppp.iter().find(|r| r[1].ends_with(":dns")).unwrap();
    assert_eq!((first_dns[6].as_str(), first_dns[7].as_str()), ("10.64.0.1", "0"));
}

#[test]
fn pcapng_timestamps_start_at_the_traces_wall_time() {
    let Some(()) = need::tshark() else { return };
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.atrace");
    std::fs::write(
        &trace,
        "{\"atrace\":1,\"meta\":{\"started\":\"2024-05-01T12:00:00Z\"}}\n\
         {\"t\":1500,\"d\":\"host\",\"text\":\"AT+CFUN=1\\r\\n\"}\n\
         {\"t\":2000000,\"d\":\"modem\",\"text\":\"\\r\\nOK\\r\\n\"}\n",
    )
    .unwrap();
    let out = dir.path().join("t.pcapng");
    export(&trace, &out, &[]);
    let rows = tshark_fields(&out, &["frame.time_epoch", "at.cmd"]);
    assert_eq!(rows[0], ["1714564800.000001500", "+CFUN"]);
    assert_eq!(rows[1], ["1714564800.002000000", "OK"]);
}

fn perfetto(path: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("valid JSON");
    v["traceEvents"].as_array().expect("traceEvents").clone()
}

/// Checks the trace-event rules a viewer relies on; returns (slices, flows).
fn check_trace_events(name: &str, ev: &[Value]) -> (usize, usize) {
    let ts = |e: &Value| e["ts"].as_f64().unwrap();
    for e in ev {
        for k in ["ph", "ts", "pid", "tid", "name"] {
            assert!(!e[k].is_null(), "{name}: {k} missing in {e}");
        }
        assert!(["X", "i", "s", "f", "M"].contains(&e["ph"].as_str().unwrap()), "{name}: phase of {e}");
    }
    // X slices on one track nest properly: sorted by start, each either inside the enclosing
    // open slice or after it.
    let mut tids: Vec<u64> = ev.iter().filter(|e| e["ph"] == "X").map(|e| e["tid"].as_u64().unwrap()).collect();
    tids.sort();
    tids.dedup();
    let mut slices = 0;
    for tid in tids {
        let mut xs: Vec<(f64, f64)> = ev
            .iter()
            .filter(|e| e["ph"] == "X" && e["tid"].as_u64() == Some(tid))
            .map(|e| (ts(e), ts(e) + e["dur"].as_f64().unwrap()))
            .collect();
        slices += xs.len();
        xs.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let mut stack: Vec<f64> = Vec::new();
        for (s, e) in xs {
            while stack.last().is_some_and(|&end| end <= s) {
                stack.pop();
            }
            if let Some(&end) = stack.last() {
                assert!(e <= end, "{name}: slice [{s}, {e}] partly overlaps one ending at {end} on tid {tid}");
            }
            stack.push(e);
        }
    }
    // Every flow start has one finish, later, and both ends land on something.
    let starts: Vec<&Value> = ev.iter().filter(|e| e["ph"] == "s").collect();
    for s in &starts {
        let fin: Vec<&Value> = ev.iter().filter(|f| f["ph"] == "f" && f["id"] == s["id"]).collect();
        assert_eq!(fin.len(), 1, "{name}: one finish for flow {s}");
        let f = fin[0];
        assert_eq!((f["cat"].clone(), f["name"].clone()), (s["cat"].clone(), s["name"].clone()));
        assert!(ts(f) >= ts(s), "{name}: flow {s} ends before it starts");
        let inside = ev.iter().any(|x| {
            x["ph"] == "X" && x["tid"] == s["tid"] && ts(x) <= ts(s) && ts(s) <= ts(x) + x["dur"].as_f64().unwrap()
        });
        assert!(inside, "{name}: flow start {s} lies in a slice of its track");
        let target = ev.iter().any(|x| x["ph"] == "i" && x["tid"] == f["tid"] && (ts(x) - ts(f) - 0.001).abs() < 1e-4);
        assert!(target, "{name}: flow finish {f} is 1 ns before an instant on its track");
    }
    assert_eq!(ev.iter().filter(|e| e["ph"] == "f").count(), starts.len(), "{name}: no finish without a start");
    (slices, starts.len())
}

#[test]
fn perfetto_json_is_well_formed_with_one_slice_per_exchange_and_arrows_to_promised_urcs() {
    let dir = tempfile::tempdir().unwrap();
    let mut total_flows = 0;
    for trace in traces() {
        let name = trace.display().to_string();
        let events = decode_json(&trace, &[]);
        let out = dir.path().join("out.json");
        export(&trace, &out, &[]);
        let ev = perfetto(&out);
        let (slices, flows) = check_trace_events(&name, &ev);
        total_flows += flows;
        let count = |k: &str| events.iter().filter(|e| kind(e) == k).count();
        assert_eq!(slices, count("exchange"), "{name}: one slice per exchange");
        let instants = |cat: &str| ev.iter().filter(|e| e["ph"] == "i" && e["cat"] == cat).count();
        assert_eq!(instants("urc"), count("urc"), "{name}: URCs");
        assert_eq!(instants("reset"), count("reset"), "{name}: resets");
        assert_eq!(instants("finding"), count("finding"), "{name}: findings");
        for f in events.iter().filter(|e| kind(e) == "finding") {
            assert!(ev
                .iter()
                .any(|e| e["cat"] == "finding" && e["name"] == f["message"] && e["args"]["id"] == f["id"]));
        }
        if name.ends_with("mqtt-session.atrace") {
            let labels: Vec<&str> = ev.iter().filter(|e| e["ph"] == "s").map(|e| e["name"].as_str().unwrap()).collect();
            assert_eq!(
                labels,
                ["promise: CONNACK", "promise: SUBACK", "promise: PUBACK", "promise: DISCONNECT"],
                "{name}"
            );
        }
    }
    assert!(total_flows > 0);
}

#[test]
fn pipelined_exchanges_that_overlap_go_to_an_extra_track() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("pipelined.atrace");
    std::fs::write(
        &trace,
        "{\"atrace\":1,\"meta\":{}}\n\
         {\"t\":0,\"d\":\"host\",\"text\":\"AT+CFUN=1\\r\\n\"}\n\
         {\"t\":1000000,\"d\":\"host\",\"text\":\"AT+CGMR\\r\\n\"}\n\
         {\"t\":5000000,\"d\":\"modem\",\"text\":\"\\r\\nOK\\r\\n\"}\n\
         {\"t\":8000000,\"d\":\"modem\",\"text\":\"\\r\\nmfw_nrf9160_1.3.5\\r\\n\\r\\nOK\\r\\n\"}\n",
    )
    .unwrap();
    let out = dir.path().join("p.json");
    export(&trace, &out, &["--slm-version", "2.6.0"]);
    let ev = perfetto(&out);
    let (slices, _) = check_trace_events("pipelined", &ev);
    assert_eq!(slices, 2);
    let tids: Vec<u64> = ev.iter().filter(|e| e["ph"] == "X").map(|e| e["tid"].as_u64().unwrap()).collect();
    assert_eq!(tids.len(), 2);
    assert_ne!(tids[0], tids[1], "overlapping exchanges are on two tracks");
    assert!(ev.iter().any(|e| e["ph"] == "M" && e["args"]["name"] == "host (overlapping 1)"));
}

/// RFC 4180 rows (quoted fields may hold commas, quotes and line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

#[test]
fn csv_has_one_row_per_timeline_event() {
    let dir = tempfile::tempdir().unwrap();
    for trace in traces() {
        let name = trace.display();
        let events = decode_json(&trace, &[]);
        let out = dir.path().join("out.csv");
        export(&trace, &out, &[]);
        let rows = parse_csv(&std::fs::read_to_string(&out).unwrap());
        assert_eq!(
            rows[0],
            ["seq", "t_s", "end_s", "dir", "kind", "name", "text", "latency_ms", "finding_id", "severity", "meaning"]
        );
        assert_eq!(rows.len() - 1, events.len(), "{name}: one row per event");
        for (r, e) in rows[1..].iter().zip(&events) {
            assert_eq!(r.len(), 11, "{name}: {r:?}");
            assert_eq!(r[0], e["seq"].to_string());
            assert_eq!(r[4], kind(e));
            let t: f64 = r[1].parse().unwrap();
            assert!((t * 1e9 - e["t"].as_f64().unwrap()).abs() < 1.0, "{name}: time of {e}");
            assert_eq!(r[3], e["dir"].as_str().unwrap_or(""));
            if kind(e) == "finding" {
                assert_eq!((r[8].as_str(), r[6].as_str()), (e["id"].as_str().unwrap(), e["message"].as_str().unwrap()));
            }
            if kind(e) == "exchange" {
                assert_eq!(r[7].is_empty(), e["latency_ns"].is_null(), "{name}: latency of {e}");
            }
        }
    }
}

#[test]
fn exports_carry_no_certificate_text_unless_no_redact() {
    let trace = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/slm-2.1.2/native-tls-cmng-list.atrace");
    assert!(std::fs::read_to_string(&trace).unwrap().contains("AT#XCMNG=0,"), "the trace writes a credential");
    let dir = tempfile::tempdir().unwrap();
    for ext in ["pcapng", "json", "csv"] {
        let out = dir.path().join(format!("s.{ext}"));
        export(&trace, &out, &[]);
        let bytes = std::fs::read(&out).unwrap();
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(!has(b"-----BEGIN"), "{ext}: PEM text exported");
        assert!(has(b"<redacted "), "{ext}: the redaction marker is there");
        export(&trace, &out, &["--no-redact"]);
        let bytes = std::fs::read(&out).unwrap();
        assert!(bytes.windows(10).any(|w| w == b"-----BEGIN"), "{ext}: --no-redact keeps the content");
    }
    // A sigrok session carries the raw bytes: imported back, they hold no credential either.
    for (extra, redacted) in [(&[][..], true), (&["--no-redact"][..], false)] {
        let sr = dir.path().join("s.sr");
        let mut args = vec!["--format", "sr"];
        args.extend_from_slice(extra);
        export(&trace, &sr, &args);
        let back = dir.path().join("back.atrace");
        let o = run(&["import", sr.to_str().unwrap(), "-o", back.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        // The import has a record per byte: join the host's bytes.
        let reader =
            atscope_analyzer::trace::TraceReader::new(std::io::BufReader::new(std::fs::File::open(&back).unwrap()));
        let mut host = Vec::new();
        for r in reader.unwrap() {
            if let atscope_analyzer::chunk::Record::Chunk(c) = r.unwrap() {
                if let (atscope_analyzer::chunk::Dir::Host, atscope_analyzer::chunk::Body::Bytes(b)) = (c.dir, &c.body)
                {
                    host.extend_from_slice(b);
                }
            }
        }
        let text = String::from_utf8_lossy(&host);
        assert_eq!(!text.contains("-----BEGIN"), redacted, "sr {extra:?}: {text}");
        assert_eq!(text.contains("<redacted "), redacted, "sr {extra:?}");
        assert!(text.contains("AT%CMNG=1"), "the other commands are kept");
    }
}

#[test]
fn the_format_comes_from_the_extension_or_must_be_given() {
    let trace = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/slm-2.1.2/mqtt-session.atrace");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.dat");
    let o = run(&["export", trace.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--format"));
    assert!(!out.exists());
    export(&trace, &out, &["--format", "csv"]);
    assert!(std::fs::read_to_string(&out).unwrap().starts_with("seq,"));
    let pcap = dir.path().join("x.PCAPNG");
    export(&trace, &pcap, &[]);
    assert_eq!(&std::fs::read(&pcap).unwrap()[..4], &[0x0a, 0x0d, 0x0d, 0x0a]);
}
