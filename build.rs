//! Build script: records what `atscope --version` reports (see `src/version.rs`).
//!
//! vergen emits `VERGEN_GIT_SHA` (short), `VERGEN_GIT_DIRTY`, `VERGEN_BUILD_DATE` and
//! `VERGEN_RUSTC_SEMVER`. Built outside a git checkout (a source tarball) or without `git`, the git
//! values fall back to `VERGEN_IDEMPOTENT_OUTPUT` with a cargo warning instead of failing the
//! build; `VERGEN_IDEMPOTENT=1` does the same on purpose (and drops the date), for reproducible
//! builds. The dirty flag is as of the last time this script ran (it reruns on a new commit or a
//! change to this file, not on every edit).

use std::path::Path;
use std::process::Command;

use vergen_gitcl::{BuildBuilder, Emitter, GitclBuilder, RustcBuilder};

fn main() -> anyhow::Result<()> {
    let build = BuildBuilder::default().build_date(true).build()?;
    let rustc = RustcBuilder::default().semver(true).build()?;
    // Untracked files do not make a build "dirty"; modified tracked files do.
    let git = GitclBuilder::default().sha(true).dirty(false).build()?;
    Emitter::default().add_instructions(&build)?.add_instructions(&rustc)?.add_instructions(&git)?.emit()?;
    rerun_on_new_commits();
    Ok(())
}

/// vergen watches `HEAD`, which in a `git worktree` (and on a branch) is only `ref: refs/heads/x`
/// and does not change on commit; also watch the branch's ref file and `packed-refs` in the
/// common git directory, so a commit updates the sha. Best effort: no git, no instructions.
fn rerun_on_new_commits() {
    let git = |args: &[&str]| {
        let out = Command::new("git").args(args).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let Some(common) = git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]) else {
        return;
    };
    let common = Path::new(&common);
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        let loose = common.join(&branch);
        if loose.exists() {
            println!("cargo:rerun-if-changed={}", loose.display());
        }
    }
    let packed = common.join("packed-refs");
    if packed.exists() {
        println!("cargo:rerun-if-changed={}", packed.display());
    }
}
