//! Finding the nRF Connect SDK: the west workspace that holds `nrf/` (sdk-nrf) and `zephyr/`.
//!
//! Looked for, in order: a directory the user names (`--ncs`), `ZEPHYR_BASE` (whose parent is the
//! workspace), then the current directory and its parents (a `.west/` directory marks the top,
//! as west itself decides).

use std::path::{Path, PathBuf};

use crate::profile::NcsVersion;
use crate::tools::ToolEnv;

/// The NCS checkout could not be found or is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkspaceError {
    /// No west workspace anywhere atscope looked.
    #[error(
        "no nRF Connect SDK west workspace found ({looked}): get one with `west init -m \
             https://github.com/nrfconnect/sdk-nrf --mr {want} ncs && cd ncs && west update` (or \
             `nrfutil toolchain-manager install --ncs-version {want}`), then run atscope inside it, \
             set ZEPHYR_BASE=<ncs>/zephyr, or pass --ncs <ncs>"
    )]
    NotFound {
        /// Where atscope looked, for the message.
        looked: String,
        /// The NCS release wanted (the profile's).
        want: NcsVersion,
    },
    /// A workspace was found but has no SLM application at the profile's path.
    #[error(
        "{top} is a west workspace but has no {app}: is it an nRF Connect SDK (sdk-nrf) \
             workspace? (`west init -m https://github.com/nrfconnect/sdk-nrf` makes one)"
    )]
    NoApp {
        /// The workspace top directory.
        top: String,
        /// The application path looked for.
        app: String,
    },
}

/// A west workspace holding sdk-nrf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The top directory (the one holding `.west/`, `nrf/`, `zephyr/`).
    pub top: PathBuf,
    /// How it was found, for messages (`--ncs`, `ZEPHYR_BASE`, `current directory`).
    pub found_by: &'static str,
    /// The sdk-nrf version from `nrf/VERSION`, when that file exists and parses.
    pub ncs: Option<NcsVersion>,
}

impl Workspace {
    /// Finds the workspace: `explicit` if given, else from `env`. `want` (the profile's NCS) only
    /// goes into the error message.
    pub fn find(env: &ToolEnv, explicit: Option<&Path>, want: NcsVersion) -> Result<Workspace, WorkspaceError> {
        let mut looked = Vec::new();
        let found = if let Some(dir) = explicit {
            looked.push(format!("--ncs {}", dir.display()));
            is_workspace(dir).then(|| (dir.to_owned(), "--ncs"))
        } else {
            let from_zb = env.zephyr_base.as_ref().and_then(|zb| {
                looked.push(format!("ZEPHYR_BASE={}", zb.display()));
                zb.parent().filter(|p| is_workspace(p)).map(|p| (p.to_owned(), "ZEPHYR_BASE"))
            });
            from_zb.or_else(|| {
                if env.zephyr_base.is_none() {
                    looked.push("ZEPHYR_BASE unset".to_owned());
                }
                looked.push(format!("{} and its parents", env.cwd.display()));
                env.cwd.ancestors().find(|d| d.join(".west").is_dir()).map(|d| (d.to_owned(), "current directory"))
            })
        };
        let (top, found_by) = found.ok_or(WorkspaceError::NotFound { looked: looked.join("; "), want })?;
        let top = std::path::absolute(&top).unwrap_or(top);
        let ncs = std::fs::read_to_string(top.join("nrf/VERSION")).ok().and_then(|s| NcsVersion::parse(&s));
        Ok(Workspace { top, found_by, ncs })
    }

    /// The SLM application directory of a profile, checked to exist.
    pub fn app_dir(&self, app: &Path) -> Result<PathBuf, WorkspaceError> {
        let dir = self.top.join(app);
        if dir.is_dir() {
            Ok(dir)
        } else {
            Err(WorkspaceError::NoApp { top: self.top.display().to_string(), app: app.display().to_string() })
        }
    }
}

/// A west workspace top directory: has `.west/`, or at least `nrf/` and `zephyr/` side by side
/// (an NCS installed by the toolchain manager always has `.west/`; a hand-made one may not).
fn is_workspace(dir: &Path) -> bool {
    dir.join(".west").is_dir() || (dir.join("nrf").is_dir() && dir.join("zephyr").is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V212: NcsVersion = NcsVersion { major: 2, minor: 1, patch: 2 };

    fn ncs_tree(version: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for d in [".west", "zephyr", "nrf/applications/serial_lte_modem"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("nrf/VERSION"), version).unwrap();
        dir
    }

    #[test]
    fn found_from_zephyr_base_with_its_version() {
        let ncs = ncs_tree("2.1.2\n");
        let env = ToolEnv { zephyr_base: Some(ncs.path().join("zephyr")), cwd: "/".into(), ..ToolEnv::default() };
        let ws = Workspace::find(&env, None, V212).unwrap();
        assert_eq!(ws.top, ncs.path());
        assert_eq!(ws.found_by, "ZEPHYR_BASE");
        assert_eq!(ws.ncs.unwrap().to_string(), "v2.1.2");
        assert!(ws.app_dir(Path::new("nrf/applications/serial_lte_modem")).is_ok());
        assert!(matches!(ws.app_dir(Path::new("nrf/nope")), Err(WorkspaceError::NoApp { .. })));
    }

    #[test]
    fn found_from_a_subdirectory() {
        let ncs = ncs_tree("2.6.0");
        let env = ToolEnv { cwd: ncs.path().join("nrf/applications"), ..ToolEnv::default() };
        let ws = Workspace::find(&env, None, V212).unwrap();
        assert_eq!((ws.top.as_path(), ws.found_by), (ncs.path(), "current directory"));
    }

    #[test]
    fn not_found_says_where_it_looked_and_how_to_get_one() {
        let empty = tempfile::tempdir().unwrap();
        let env = ToolEnv { cwd: empty.path().to_owned(), ..ToolEnv::default() };
        let msg = Workspace::find(&env, None, V212).unwrap_err().to_string();
        assert!(msg.contains("ZEPHYR_BASE unset"), "{msg}");
        assert!(msg.contains("west init -m https://github.com/nrfconnect/sdk-nrf --mr v2.1.2"), "{msg}");
        let msg = Workspace::find(&env, Some(empty.path()), V212).unwrap_err().to_string();
        assert!(msg.contains("--ncs"), "{msg}");
    }
}
