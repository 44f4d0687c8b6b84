//! The library's modules are stages of one pipeline: every `crate::…` path outside tests and
//! comments points down it (docs/architecture.md), so there is no cycle and a lower stage never
//! reaches into a higher one. A new module must be given its stage here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The stages, lowest first; modules on one line are peers and must not use each other.
const STAGES: &[&[&str]] = &[
    &["chunk", "finding", "output", "lines", "wall_time", "stray", "json_str"],
    &["trace", "uart", "at", "cmux", "ppp", "log"],
    &["capture", "slm", "symbols"],
    &["timeline"],
    &["mux"],
    &["redact", "meaning", "volatile"],
    &["rules"],
    &["report"],
    &["analysis"],
    &["export", "diff", "check", "replay"],
    &["serial"],
];

fn stage(module: &str) -> Option<usize> {
    STAGES.iter().position(|s| s.contains(&module))
}

/// Top-level module → the top-level modules its non-test code names with `crate::`.
fn edges() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") || p.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let rel = p.strip_prefix(&root).unwrap();
            let top = rel.iter().next().unwrap().to_string_lossy().trim_end_matches(".rs").to_string();
            if top == "lib" {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            // Unit tests sit at the end of a file, after `#[cfg(test)]`.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for line in code.lines() {
                let line = line.split("//").next().unwrap_or("");
                let mut rest = line;
                while let Some(i) = rest.find("crate::") {
                    rest = &rest[i + "crate::".len()..];
                    let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                    if !name.is_empty() && name != top {
                        out.entry(top.clone()).or_default().insert(name);
                    }
                }
            }
            out.entry(top).or_default();
        }
    }
    out
}

#[test]
fn every_module_uses_only_lower_stages() {
    let mut wrong = Vec::new();
    for (from, tos) in edges() {
        let Some(sf) = stage(&from) else {
            wrong.push(format!("{from}: not in STAGES (give it its stage in analyzer/tests/layers.rs)"));
            continue;
        };
        for to in tos {
            match stage(&to) {
                Some(st) if st < sf => {}
                Some(_) => wrong.push(format!("{from} → {to}: points up or sideways the pipeline")),
                None => wrong.push(format!("{to}: not in STAGES")),
            }
        }
    }
    assert!(wrong.is_empty(), "module dependencies against the pipeline:\n{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_the_real_dependencies() {
    let e = edges();
    assert!(e["timeline"].contains("at"), "{e:?}");
    assert!(e["analysis"].contains("rules"), "{e:?}");
    assert!(!e["slm"].contains("timeline"), "meanings live in `meaning`, above the timeline");
}
