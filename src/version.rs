//! The long version string: package version, git commit, dirty flag, build date and rustc, as
//! recorded by `build.rs` (vergen). `atscope --version` prints it, and traces the CLI writes put it
//! in their header's `meta.atscope`.

use std::sync::OnceLock;

/// What vergen writes where it could not find a value (no `.git`, no `git`, or
/// `VERGEN_IDEMPOTENT=1`).
const UNKNOWN: &str = "VERGEN_IDEMPOTENT_OUTPUT";

/// E.g. `0.1.0 (git 55f0d83, dirty, built 2026-11-25, rustc 1.95.0)`; without git information
/// `0.1.0 (git unknown, built 2026-11-25, rustc 1.95.0)`.
pub fn long_version() -> &'static str {
    static LONG: OnceLock<String> = OnceLock::new();
    LONG.get_or_init(|| {
        compose(
            env!("CARGO_PKG_VERSION"),
            env!("VERGEN_GIT_SHA"),
            env!("VERGEN_GIT_DIRTY"),
            env!("VERGEN_BUILD_DATE"),
            env!("VERGEN_RUSTC_SEMVER"),
        )
    })
}

fn compose(pkg: &str, sha: &str, dirty: &str, date: &str, rustc: &str) -> String {
    let known = |v: &str| v != UNKNOWN && !v.is_empty();
    let mut parts = vec![format!("git {}", if known(sha) { sha } else { "unknown" })];
    if known(sha) && dirty == "true" {
        parts.push("dirty".to_owned());
    }
    if known(date) {
        parts.push(format!("built {date}"));
    }
    if known(rustc) {
        parts.push(format!("rustc {rustc}"));
    }
    format!("{pkg} ({})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composes_every_part() {
        assert_eq!(
            compose("0.1.0", "55f0d83", "true", "2026-11-25", "1.95.0"),
            "0.1.0 (git 55f0d83, dirty, built 2026-11-25, rustc 1.95.0)"
        );
        assert_eq!(
            compose("0.1.0", "55f0d83", "false", "2026-11-25", "1.95.0"),
            "0.1.0 (git 55f0d83, built 2026-11-25, rustc 1.95.0)"
        );
    }

    #[test]
    fn without_git_says_unknown() {
        assert_eq!(
            compose("0.1.0", UNKNOWN, UNKNOWN, "2026-11-25", "1.95.0"),
            "0.1.0 (git unknown, built 2026-11-25, rustc 1.95.0)"
        );
    }
}
