//! Independent oracles: every `traces/**/NAME.expect` beside `NAME.atrace` lists the findings an
//! SLM expert expects, written from the SLM source before atscope ran on the session (see the
//! folders' READMEs). atscope must raise exactly the listed errors and warnings (same ids, same
//! count), each within a second of the time given, and every listed note.
//!
//! `.expect` lines: `<severity> <id> [@ <seconds>] [# why]`; `#` starts a comment.

use std::path::{Path, PathBuf};

use atscope_analyzer::analysis::{Analysis, Options};
use atscope_analyzer::capture::{self, ImportOptions};
use atscope_analyzer::finding::Severity;
use atscope_analyzer::timeline::EventKind;

#[derive(Debug, Clone, PartialEq)]
struct Expected {
    severity: Severity,
    id: String,
    at: Option<f64>,
    line: usize,
}

#[derive(Debug, Clone)]
struct Got {
    severity: Severity,
    id: String,
    t0: f64,
    t1: f64,
    message: String,
}

fn parse_expect(path: &Path) -> Vec<Expected> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (main, at) = match line.split_once('@') {
            Some((m, a)) => {
                let t =
                    a.trim().parse::<f64>().unwrap_or_else(|_| panic!("{}:{}: bad time {a:?}", path.display(), i + 1));
                (m.trim(), Some(t))
            }
            None => (line, None),
        };
        let mut words = main.split_whitespace();
        let (Some(sev), Some(id), None) = (words.next(), words.next(), words.next()) else {
            panic!("{}:{}: expected `<severity> <id> [@ <seconds>]`, got {raw:?}", path.display(), i + 1);
        };
        let severity =
            Severity::parse(sev).unwrap_or_else(|| panic!("{}:{}: unknown severity {sev:?}", path.display(), i + 1));
        assert!(
            atscope_analyzer::rules::FindingId::parse(id).is_some(),
            "{}:{}: {id:?} is not in the finding catalogue",
            path.display(),
            i + 1
        );
        out.push(Expected { severity, id: id.to_string(), at, line: i + 1 });
    }
    out
}

fn findings_of(trace: &Path) -> Vec<Got> {
    let mut records =
        capture::open_records(trace, &ImportOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", trace.display()));
    let mut a = Analysis::new(Options { meanings: false, ..Default::default() });
    // A session with the SLM's own log: NAME.log beside NAME.atrace (issue 17).
    if let Some(log) = atscope_analyzer::capture::open_log_beside(trace).unwrap_or_else(|e| panic!("{e}")) {
        a.attach_log(log, None);
    }
    let mut got = Vec::new();
    let mut sink = |e: &atscope_analyzer::timeline::Event| {
        if let EventKind::Finding(f) = &e.kind {
            got.push(Got {
                severity: f.severity,
                id: f.id.clone(),
                t0: e.t_ns as f64 / 1e9,
                t1: e.end_ns as f64 / 1e9,
                message: f.message.clone(),
            });
        }
    };
    a.capture_checks(&records, &mut sink);
    for r in records.by_ref() {
        a.push(&r.unwrap_or_else(|e| panic!("{}: {e}", trace.display())), &mut sink);
    }
    a.finish(&mut sink);
    got
}

fn near(g: &Got, at: Option<f64>) -> bool {
    at.is_none_or(|t| g.t0 - 1.0 <= t && t <= g.t1 + 1.0)
}

/// What differs between the expectation and atscope's findings, one line each.
fn compare(expected: &[Expected], got: &[Got]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut used = vec![false; got.len()];
    // Listed findings: each must be matched by one finding of that id and severity.
    for x in expected {
        let hit = got
            .iter()
            .enumerate()
            .find(|(i, g)| !used[*i] && g.id == x.id && g.severity == x.severity && near(g, x.at))
            .map(|(i, _)| i);
        match hit {
            Some(i) => used[i] = true,
            None => {
                let other: Vec<String> = got
                    .iter()
                    .filter(|g| g.id == x.id)
                    .map(|g| format!("{} at {:.3}–{:.3}", g.severity, g.t0, g.t1))
                    .collect();
                let seen = if other.is_empty() { String::new() } else { format!(" (got {})", other.join(", ")) };
                let at = x.at.map(|t| format!(" @ {t}")).unwrap_or_default();
                problems.push(format!("line {}: missing {} {}{at}{seen}", x.line, x.severity, x.id));
            }
        }
    }
    // Unlisted errors and warnings are false alarms.
    for (i, g) in got.iter().enumerate() {
        if !used[i] && g.severity >= Severity::Warning {
            problems.push(format!("unexpected {} {} at {:.3}: {}", g.severity, g.id, g.t0, g.message));
        }
    }
    problems
}

fn expect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            expect_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "expect") {
            out.push(p);
        }
    }
}

#[test]
fn every_oracle_session_draws_exactly_the_expected_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    let mut files = Vec::new();
    expect_files(&root, &mut files);
    assert!(!files.is_empty(), "no .expect files under {}", root.display());
    let mut report = Vec::new();
    for exp in &files {
        let trace = exp.with_extension("atrace");
        assert!(trace.is_file(), "{} has no {}", exp.display(), trace.display());
        let problems = compare(&parse_expect(exp), &findings_of(&trace));
        if !problems.is_empty() {
            let name = exp.strip_prefix(&root).unwrap_or(exp).display().to_string();
            report.push(format!("{name}:\n  {}", problems.join("\n  ")));
        }
    }
    assert!(
        report.is_empty(),
        "{} of {} oracle sessions differ from their expected findings:\n{}",
        report.len(),
        files.len(),
        report.join("\n")
    );
}

#[test]
fn the_comparison_catches_false_alarms_misses_and_wrong_times() {
    let g = |sev, id: &str, t: f64| Got { severity: sev, id: id.into(), t0: t, t1: t, message: String::new() };
    let x = |sev, id: &str, at| Expected { severity: sev, id: id.into(), at, line: 1 };
    let got = vec![g(Severity::Error, "slm.reset.unexpected", 10.0), g(Severity::Note, "slm.reset.expected", 0.0)];
    assert!(compare(&[x(Severity::Error, "slm.reset.unexpected", Some(10.5))], &got).is_empty());
    assert_eq!(compare(&[x(Severity::Error, "slm.reset.unexpected", Some(20.0))], &got).len(), 2);
    assert_eq!(compare(&[], &got).len(), 1, "an unlisted error is a false alarm");
    assert_eq!(compare(&[x(Severity::Warning, "slm.reset.unexpected", None)], &got).len(), 2);
    let notes = vec![g(Severity::Note, "slm.reset.expected", 0.0)];
    assert_eq!(
        compare(&[x(Severity::Note, "slm.urc.unconfirmed", None)], &notes).len(),
        1,
        "a listed note must be there"
    );
    assert!(compare(&[], &notes).is_empty(), "unlisted notes are tolerated");
}
