//! `atscope check` for many traces and many machines: `--partition` splits with no overlap and
//! no gap and keeps a trace in its share as traces are added, `--jobs` keeps the output order,
//! the JUnit report is XML 1.0 whatever the device sent, a symlink loop ends the walk, and the
//! CI examples of `docs/ci.md` parse and cover every share.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::run;

fn bundled() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/slm-2.1.2");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension() == Some("atrace".as_ref()))
        .collect();
    v.sort();
    v
}

/// `copies` folders of the bundled traces below a new temporary `traces/`, transcripts stored.
fn corpus(copies: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    for i in 0..copies {
        add_copies(&traces, &format!("rig-{i}"));
    }
    let out = run(&["check", traces.to_str().unwrap(), "--update", "--jobs", "2"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    (dir, traces)
}

fn add_copies(traces: &Path, folder: &str) {
    let d = traces.join(folder);
    std::fs::create_dir_all(&d).unwrap();
    for t in bundled() {
        std::fs::copy(&t, d.join(t.file_name().unwrap())).unwrap();
    }
    // Not traces: ignored.
    std::fs::write(d.join("README.md"), "# rig\n").unwrap();
    std::fs::write(d.join("mqtt-session.expect"), "slm.urc.missing\n").unwrap();
}

/// The traces a `check` run reports on, in its order.
fn listed(out: &Output) -> Vec<String> {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout.lines().filter_map(|l| l.strip_prefix("      ok  ")).map(|p| p.to_string()).collect()
}

fn share(traces: &Path, spec: &str) -> Vec<String> {
    let out = run(&["check", traces.to_str().unwrap(), "--partition", spec, "--jobs", "2"]);
    assert_eq!(out.status.code(), Some(0), "{spec}: {}", String::from_utf8_lossy(&out.stdout));
    listed(&out)
}

#[test]
fn the_partitions_of_a_corpus_cover_it_exactly_once() {
    let (_d, traces) = corpus(3);
    let all: BTreeSet<String> = listed(&run(&["check", traces.to_str().unwrap()])).into_iter().collect();
    assert_eq!(all.len(), 3 * bundled().len(), "{all:?}");
    for scheme in ["hash", "count"] {
        for n in [1, 2, 4, 7] {
            let mut union = BTreeSet::new();
            let mut sizes = Vec::new();
            for k in 1..=n {
                let part = share(&traces, &format!("{scheme}:{k}/{n}"));
                sizes.push(part.len());
                for t in part {
                    assert!(union.insert(t.clone()), "{scheme} {n}: {t} is in two partitions");
                }
            }
            assert_eq!(union, all, "{scheme}:K/{n} leaves traces out");
            if scheme == "count" {
                assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
            } else if n == 2 {
                assert!(sizes.iter().all(|&s| s > 0), "a hash share of 30 traces in 2 is not empty: {sizes:?}");
            }
        }
    }
    // A bare K/N is hash:K/N.
    assert_eq!(share(&traces, "2/4"), share(&traces, "hash:2/4"));
}

#[test]
fn a_hash_partition_keeps_its_traces_when_traces_are_added_elsewhere() {
    let (_d, traces) = corpus(2);
    let before: Vec<BTreeSet<String>> =
        (1..=3).map(|k| share(&traces, &format!("{k}/3")).into_iter().collect()).collect();
    add_copies(&traces, "new-rig");
    add_copies(&traces, "a-first-rig");
    let out = run(&["check", traces.to_str().unwrap(), "--update"]);
    assert_eq!(out.status.code(), Some(0));
    for (k, old) in before.iter().enumerate() {
        let now: BTreeSet<String> = share(&traces, &format!("{}/3", k + 1)).into_iter().collect();
        let kept: BTreeSet<String> =
            now.iter().filter(|t| !t.contains("new-rig") && !t.contains("a-first-rig")).cloned().collect();
        assert_eq!(&kept, old, "partition {}/3 changed for traces that were there before", k + 1);
    }
}

#[test]
fn the_output_is_the_same_on_one_thread_and_on_many() {
    let (_d, traces) = corpus(2);
    // One changed trace in the middle, so a diff is part of the output.
    let victim = traces.join("rig-1/mqtt-session.atrace");
    let text = std::fs::read_to_string(&victim).unwrap();
    std::fs::write(&victim, text.replacen("\\r\\n#XMQTTEVT: 7,0\\r\\n", "", 1)).unwrap();
    let t = traces.to_str().unwrap();
    let one = run(&["check", t, "--jobs", "1", "--no-pending"]);
    let many = run(&["check", t, "--jobs", "4", "--no-pending"]);
    assert_eq!(one.status.code(), Some(1));
    assert_eq!(many.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&one.stdout), String::from_utf8_lossy(&many.stdout));
    let listed: Vec<String> = String::from_utf8_lossy(&one.stdout)
        .lines()
        .filter(|l| l.starts_with("      ok  ") || l.starts_with(" CHANGED  "))
        .map(|l| l[10..].to_string())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "traces in path order");
    assert!(!traces.join("rig-1/snapshots").exists());
    assert!(!traces.join("snapshots/rig-1/mqtt-session.atrace.snap.new").exists(), "--no-pending writes none");
}

#[test]
fn the_junit_report_is_xml_1_0_whatever_the_device_and_file_names_hold() {
    let (_d, traces) = corpus(1);
    // A trace whose device output holds control characters, stored, then changed.
    let ctl = traces.join("rig-0/control.atrace");
    let header = std::fs::read_to_string(bundled()[0].clone()).unwrap().lines().next().unwrap().to_string();
    let body = |s: &str| {
        format!("{header}\n{{\"t\":0,\"d\":\"modem\",\"text\":\"Ready\\r\\n\"}}\n{{\"t\":1000000,\"d\":\"modem\",\"text\":\"{s}\"}}\n")
    };
    std::fs::write(&ctl, body("\\u0001\\u001b[0m\\u0000x\\r\\n")).unwrap();
    assert_eq!(run(&["check", traces.to_str().unwrap(), "--update"]).status.code(), Some(0));
    std::fs::write(&ctl, body("\\u0002\\u001b[1m\\u0007y\\r\\n")).unwrap();
    // A trace that does not decode, with control characters in its name.
    std::fs::write(traces.join("rig-0/bad\u{1}\u{1b}name.atrace"), "not json\u{7}\n").unwrap();
    let junit = traces.parent().unwrap().join("report.xml");
    let out = run(&["check", traces.to_str().unwrap(), "--junit", junit.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}"));
    let suite = doc.root_element();
    assert_eq!(suite.attribute("tests"), Some((bundled().len() + 2).to_string().as_str()));
    assert_eq!(suite.attribute("failures"), Some("1"));
    assert_eq!(suite.attribute("errors"), Some("1"));
    let case = |part: &str| {
        suite
            .children()
            .find(|c| c.attribute("name").is_some_and(|n| n.contains(part)))
            .unwrap_or_else(|| panic!("no test case {part}: {xml}"))
    };
    assert!(case("bad\\x01\\x1bname.atrace").children().any(|c| c.has_tag_name("error")), "{xml}");
    let failure = case("control.atrace").children().find(|c| c.has_tag_name("failure")).expect("a failure");
    assert!(failure.text().is_some_and(|t| t.contains("@@")), "the diff is in the report: {xml}");
    for c in xml.chars() {
        assert!(matches!(c, '\t' | '\n' | '\r' | ' '..), "{:?} in the report", c);
    }
    assert!(!xml.contains("&#1;") && !xml.contains("&#27;"), "no references to characters XML 1.0 forbids");
}

#[test]
fn a_symlink_loop_under_the_traces_is_reported_and_the_check_ends() {
    let (_d, traces) = corpus(1);
    std::os::unix::fs::symlink("..", traces.join("rig-0/loop")).unwrap();
    std::os::unix::fs::symlink(&traces, traces.join("rig-0/again")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_atscope"))
        .args(["check", traces.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("check did not end on a symlink loop");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("rig-0/loop") && err.contains("symlink loop"), "{err}");
    assert!(err.contains("rig-0/again"), "{err}");
    assert_eq!(listed(&out).len(), bundled().len(), "each trace once");
}

/// The ```yaml blocks of docs/ci.md, parsed.
fn ci_examples() -> Vec<serde_yaml::Value> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap();
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("```yaml\n") {
        let body = &rest[start + 8..];
        let end = body.find("\n```").expect("a closed code block");
        out.push(serde_yaml::from_str(&body[..end]).unwrap_or_else(|e| panic!("docs/ci.md: {e}\n{}", &body[..end])));
        rest = &body[end..];
    }
    out
}

/// The `--partition` argument of the `atscope check` command in `script`.
fn partition_arg(script: &str) -> String {
    let line = script.lines().find(|l| l.contains("atscope check")).expect("an atscope check command");
    assert!(line.contains("--junit"), "{line}");
    let arg = line.split_once("--partition ").expect("--partition").1;
    arg.split(" --").next().unwrap().trim().to_string()
}

#[test]
fn the_ci_examples_parse_and_run_every_share_once_with_a_junit_report() {
    let examples = ci_examples();
    assert_eq!(examples.len(), 2, "a GitHub workflow and a GitLab job");

    let gh = &examples[0];
    assert!(gh["on"].is_sequence() || gh["on"].is_mapping(), "a workflow has triggers");
    let job = &gh["jobs"]["check"];
    let shards: Vec<u64> = job["strategy"]["matrix"]["shard"]
        .as_sequence()
        .expect("a shard matrix")
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let run = job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("atscope check"))
        .expect("a step running atscope check");
    let spec = partition_arg(run);
    let n: u64 = spec.strip_prefix("hash:${{ matrix.shard }}/").expect(&spec).parse().unwrap();
    assert_eq!(shards, (1..=n).collect::<Vec<_>>(), "the matrix runs shares 1..={n}, each once");
    let report = &gh["jobs"]["report"];
    assert_eq!(report["needs"].as_str(), Some("check"));
    assert_eq!(report["if"].as_str(), Some("always()"), "the report is made when a share fails too");

    let gl = &examples[1];
    let (name, job) = gl.as_mapping().unwrap().iter().next().unwrap();
    assert!(name.as_str().is_some());
    assert!(job["parallel"].as_u64().is_some_and(|n| n > 1), "a parallel job");
    let script: Vec<&str> = job["script"].as_sequence().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert_eq!(partition_arg(&script.join("\n")), "hash:${CI_NODE_INDEX}/${CI_NODE_TOTAL}");
    assert_eq!(job["artifacts"]["reports"]["junit"].as_str(), Some("junit.xml"));
    assert_eq!(job["artifacts"]["when"].as_str(), Some("always"));
}

#[test]
fn a_bad_partition_is_a_clear_error() {
    let out = run(&["check", "traces", "--partition", "5/4"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("K <= N"), "{err}");
}
