//! Finding the traces below a folder: every `.atrace`, at any depth, in a stable order.
//!
//! Other files (READMEs, expectations, captures not yet imported) are ignored. Symbolic links
//! are followed, but a directory reached twice (a symlink loop, or two links to one folder) is
//! walked once and reported; a link that leads nowhere or a folder that cannot be read is
//! reported too, and does not stop the walk.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The extension of the traces `check` takes.
pub const TRACE_EXTENSION: &str = "atrace";

/// What a walk found.
#[derive(Debug, Default)]
pub struct Found {
    /// The traces, sorted by path.
    pub traces: Vec<PathBuf>,
    /// What was skipped, and why (one line each).
    pub skipped: Vec<String>,
}

/// Every trace below `dir` (recursively, sorted), not entering `skip` (the snapshot folder).
/// Only an unreadable `dir` itself is an error.
pub fn find_traces(dir: &Path, skip: Option<&Path>) -> std::io::Result<Found> {
    let mut found = Found::default();
    let mut seen = HashSet::new();
    seen.insert(std::fs::canonicalize(dir)?);
    let skip = skip.and_then(|s| std::fs::canonicalize(s).ok());
    let mut stack = vec![dir.to_path_buf()];
    let mut first = true;
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if first => return Err(e),
            Err(e) => {
                found.skipped.push(format!("{}: {e}", d.display()));
                continue;
            }
        };
        first = false;
        for entry in entries {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    found.skipped.push(format!("{}: {e}", d.display()));
                    continue;
                }
            };
            let p = entry.path();
            let Ok(mut ft) = entry.file_type() else { continue };
            if ft.is_symlink() {
                match std::fs::metadata(&p) {
                    Ok(m) => ft = m.file_type(),
                    Err(e) => {
                        if is_trace(&p) {
                            found.skipped.push(format!("{}: broken link: {e}", p.display()));
                        }
                        continue;
                    }
                }
            }
            if ft.is_dir() {
                let real = match std::fs::canonicalize(&p) {
                    Ok(r) => r,
                    Err(e) => {
                        found.skipped.push(format!("{}: {e}", p.display()));
                        continue;
                    }
                };
                if skip.as_ref() == Some(&real) {
                    continue;
                }
                if !seen.insert(real.clone()) {
                    found.skipped.push(format!(
                        "{}: leads to {}, already walked (a symlink loop or a second link): skipped",
                        p.display(),
                        real.display()
                    ));
                    continue;
                }
                stack.push(p);
            } else if ft.is_file() && is_trace(&p) {
                found.traces.push(p);
            }
        }
    }
    found.traces.sort();
    Ok(found)
}

fn is_trace(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == TRACE_EXTENSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_atrace_files_are_taken_at_any_depth_and_snapshots_are_not_entered() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for f in ["a.atrace", "s/b.atrace", "s/t/c.atrace", "s/README.md", "s/b.expect", "x.csv", "snapshots/d.atrace"]
        {
            let p = r.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let f = find_traces(r, Some(&r.join("snapshots"))).unwrap();
        let rel: Vec<_> = f.traces.iter().map(|p| p.strip_prefix(r).unwrap().to_path_buf()).collect();
        assert_eq!(rel, ["a.atrace", "s/b.atrace", "s/t/c.atrace"].map(PathBuf::from));
        assert!(f.skipped.is_empty(), "{:?}", f.skipped);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_loop_is_reported_once_and_the_walk_ends() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        std::fs::create_dir_all(r.join("s/deeper")).unwrap();
        std::fs::write(r.join("s/deeper/a.atrace"), "").unwrap();
        std::os::unix::fs::symlink("../..", r.join("s/deeper/up")).unwrap();
        std::os::unix::fs::symlink("nowhere.atrace", r.join("s/dangling.atrace")).unwrap();
        let f = find_traces(r, None).unwrap();
        assert_eq!(f.traces, [r.join("s/deeper/a.atrace")]);
        assert_eq!(f.skipped.len(), 2, "{:?}", f.skipped);
        assert!(f.skipped.iter().any(|s| s.contains("deeper/up") && s.contains("symlink loop")), "{:?}", f.skipped);
        assert!(f.skipped.iter().any(|s| s.contains("dangling.atrace: broken link")), "{:?}", f.skipped);
    }
}
