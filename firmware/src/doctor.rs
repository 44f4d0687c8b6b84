//! `firmware doctor`: is everything there to build and flash the SLM, and if not, what is missing
//! and how to get it.
//!
//! The checks run the tools' `--version` (nothing else), so the report also says which versions
//! were found. The result is data ([`Report`]); the CLI prints it.

use std::path::Path;

use crate::profile::Profile;
use crate::tools::{install_hint, probe, ToolEnv};
use crate::workspace::Workspace;

/// What a check is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// `firmware build`.
    Build,
    /// `firmware flash` (one of the programmers is enough).
    Flash,
}

/// How a check came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Present; the detail says where and which version.
    Ok(String),
    /// Present but something is off (the detail says what and what to do); does not block.
    Warn(String),
    /// Missing; the detail says how to get it.
    Missing(String),
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked (`west`, `NCS workspace`, `nrfutil`).
    pub what: &'static str,
    /// What it is needed for.
    pub need: Need,
    /// The outcome.
    pub status: Status,
}

/// Everything the doctor found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The checks, in the order they ran.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether `firmware build` can run.
    pub fn can_build(&self) -> bool {
        self.checks.iter().filter(|c| c.need == Need::Build).all(|c| !matches!(c.status, Status::Missing(_)))
    }

    /// Whether `firmware flash` can run (at least one programmer works).
    pub fn can_flash(&self) -> bool {
        self.checks.iter().any(|c| c.need == Need::Flash && matches!(c.status, Status::Ok(_)))
    }

    /// The checks that found something missing.
    pub fn missing(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| matches!(c.status, Status::Missing(_)))
    }
}

/// Checks the host for building `profile` and flashing it.
/// `ncs` is the workspace the user named (`--ncs`), if any.
pub fn diagnose(env: &ToolEnv, profile: &Profile, ncs: Option<&Path>) -> Report {
    let mut checks = Vec::new();
    for tool in ["west", "cmake", "ninja"] {
        let status = match env.which(tool) {
            None => Status::Missing(install_hint(tool).to_owned()),
            Some(path) => version_status(env, &path, &["--version"]),
        };
        checks.push(Check { what: tool, need: Need::Build, status });
    }
    checks.push(Check { what: "NCS workspace", need: Need::Build, status: workspace(env, profile, ncs) });

    let nrfutil = match env.which("nrfutil") {
        None => Status::Missing(install_hint("nrfutil").to_owned()),
        Some(path) => match probe(env, &path, &["device", "--version"]) {
            Some((true, v)) => Status::Ok(format!("{} ({v})", path.display())),
            _ => Status::Missing(format!(
                "{} is installed but its `device` command is not: run `nrfutil install device`",
                path.display()
            )),
        },
    };
    checks.push(Check { what: "nrfutil device", need: Need::Flash, status: nrfutil });
    let nrfjprog = match env.which("nrfjprog") {
        None => Status::Missing(install_hint("nrfjprog").to_owned()),
        Some(path) => version_status(env, &path, &["--version"]),
    };
    checks.push(Check { what: "nrfjprog", need: Need::Flash, status: nrfjprog });
    Report { checks }
}

fn version_status(env: &ToolEnv, path: &Path, args: &[&str]) -> Status {
    match probe(env, path, args) {
        Some((true, v)) => Status::Ok(format!("{} ({v})", path.display())),
        Some((false, out)) => {
            Status::Warn(format!("{} is on PATH but `{}` failed: {out}", path.display(), args.join(" ")))
        }
        None => Status::Warn(format!("{} is on PATH but could not be started", path.display())),
    }
}

fn workspace(env: &ToolEnv, profile: &Profile, ncs: Option<&Path>) -> Status {
    let ws = match Workspace::find(env, ncs, profile.ncs) {
        Ok(ws) => ws,
        Err(e) => return Status::Missing(e.to_string()),
    };
    if let Err(e) = ws.app_dir(&profile.app) {
        return Status::Missing(e.to_string());
    }
    let found = format!("{} (found by {})", ws.top.display(), ws.found_by);
    match ws.ncs {
        Some(v) if v == profile.ncs => Status::Ok(format!("{found}, NCS {v}")),
        Some(v) => Status::Warn(format!(
            "{found} is NCS {v} but profile {:?} is made for {}: `cd {} && git checkout {} && \
             west update`, or build anyway with --any-ncs",
            profile.name,
            profile.ncs,
            ws.top.join("nrf").display(),
            profile.ncs
        )),
        None => Status::Warn(format!("{found}, but nrf/VERSION is missing: cannot tell the NCS version")),
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::profile::Profiles;

    fn fake(dir: &Path, name: &str, body: &str) {
        crate::fake_tools::script(dir, name, body).unwrap();
    }

    #[test]
    fn an_empty_path_is_missing_everything_with_hints() {
        let bin = tempfile::tempdir().unwrap();
        let env = ToolEnv { path: bin.path().as_os_str().to_owned(), cwd: bin.path().to_owned(), ..ToolEnv::default() };
        let profile = Profiles::builtin().resolve("default").unwrap();
        let r = diagnose(&env, &profile, None);
        assert!(!r.can_build() && !r.can_flash());
        let missing: Vec<_> = r.missing().map(|c| c.what).collect();
        assert_eq!(missing, ["west", "cmake", "ninja", "NCS workspace", "nrfutil device", "nrfjprog"]);
        let Status::Missing(west) = &r.checks[0].status else { unreachable!() };
        assert!(west.contains("pip install west"), "{west}");
    }

    #[test]
    fn everything_present_with_an_nrfutil_lacking_its_device_command() {
        let bin = tempfile::tempdir().unwrap();
        fake(bin.path(), "west", "echo 'West version: v1.2.0'");
        fake(bin.path(), "cmake", "echo 'cmake version 3.20.5'");
        fake(bin.path(), "ninja", "echo 1.10.2");
        fake(bin.path(), "nrfjprog", "echo 'nrfjprog version: 10.24.2 external'");
        fake(bin.path(), "nrfutil", "echo \"Error: 'device' is not an installed command\" >&2; exit 1");
        let ncs = tempfile::tempdir().unwrap();
        for d in [".west", "zephyr", "nrf/applications/serial_lte_modem"] {
            std::fs::create_dir_all(ncs.path().join(d)).unwrap();
        }
        std::fs::write(ncs.path().join("nrf/VERSION"), "2.4.0\n").unwrap();
        let env =
            ToolEnv { path: bin.path().as_os_str().to_owned(), cwd: ncs.path().join("nrf"), ..ToolEnv::default() };
        let profile = Profiles::builtin().resolve("default").unwrap();
        let r = diagnose(&env, &profile, None);
        assert!(r.can_build() && r.can_flash(), "{r:#?}");
        assert!(matches!(&r.checks[0].status, Status::Ok(s) if s.contains("v1.2.0")));
        let Status::Warn(ws) = &r.checks[3].status else { panic!("{r:#?}") };
        assert!(ws.contains("NCS v2.4.0") && ws.contains("git checkout v2.1.2"), "{ws}");
        let Status::Missing(nu) = &r.checks[4].status else { panic!("{r:#?}") };
        assert!(nu.contains("nrfutil install device"), "{nu}");
    }
}
