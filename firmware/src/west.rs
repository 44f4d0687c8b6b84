//! `firmware build`: the `west build` command line for a profile, running it with its output
//! streamed, and the artifact it leaves (the merged hex: application + SPM/TF-M + MCUboot, what
//! gets flashed).
//!
//! [`plan`] is pure apart from reading the workspace; it says exactly what will run, so the CLI
//! can show it (and `--dry-run` can stop there). [`run`] writes the profile's Kconfig fragments
//! next to the build directory, runs west and finds the artifact.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::profile::Profile;
use crate::tools::{run_streaming, OutputLine, ToolEnv, ToolMissing};
use crate::workspace::{Workspace, WorkspaceError};

/// Why a build could not run or did not produce an image.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// west is not installed.
    #[error(transparent)]
    Missing(#[from] ToolMissing),
    /// The NCS checkout is missing or unusable.
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    /// The checkout is another NCS release than the profile's.
    #[error(
        "the NCS checkout at {top} is {found}, but profile {profile:?} is made for {want}: \
             `cd {top}/nrf && git checkout {want} && west update`, or pass --any-ncs to build anyway"
    )]
    NcsMismatch {
        /// The workspace top directory.
        top: String,
        /// Its version.
        found: String,
        /// The profile's version.
        want: String,
        /// The profile.
        profile: String,
    },
    /// An overlay the profile names is not in this SLM's source.
    #[error("profile {profile:?} uses {name}, which this SLM does not have ({path} is missing)")]
    OverlayMissing {
        /// The profile.
        profile: String,
        /// The overlay name.
        name: String,
        /// Where it was looked for.
        path: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// west could not be started.
    #[error("cannot run {west}: {source}")]
    Spawn {
        /// The west executable.
        west: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// west ran and failed.
    #[error("west build failed ({status}); its output is above")]
    Failed {
        /// How it ended (`exit status 1`, `signal 9`).
        status: String,
    },
    /// west succeeded but left no merged hex.
    #[error(
        "west build succeeded but left no merged.hex in {build_dir} (looked for merged.hex and zephyr/merged.hex)"
    )]
    NoArtifact {
        /// The build directory.
        build_dir: PathBuf,
    },
    /// The merged hex is not a valid Intel HEX file.
    #[error("{path}: line {line}: not valid Intel HEX: {why}")]
    BadHex {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        why: &'static str,
    },
}

/// Options of one build besides the profile.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The build directory (made absolute by [`plan`]).
    pub build_dir: PathBuf,
    /// The NCS workspace, if the user named one.
    pub ncs: Option<PathBuf>,
    /// Build even if the checkout's NCS version differs from the profile's.
    pub any_ncs: bool,
    /// Pass `--pristine always` (start from an empty build directory) instead of `auto`.
    pub pristine: bool,
}

/// Everything a build will do, for showing before doing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildPlan {
    /// The west executable.
    pub west: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
    /// The directory west runs in (the workspace top).
    pub cwd: PathBuf,
    /// The build directory.
    pub build_dir: PathBuf,
    /// Files to write before running west (the profile's Kconfig as fragments), with contents.
    pub files: Vec<(PathBuf, String)>,
}

/// The image a build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The merged hex.
    pub path: PathBuf,
    /// Its size on disk.
    pub file_bytes: u64,
    /// What it holds.
    pub image: HexSummary,
    /// `sha256:<hex>` of the file: the build hash an identity records.
    pub sha256: String,
}

/// What an Intel HEX file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HexSummary {
    /// Bytes of data (what gets programmed).
    pub data_bytes: u64,
    /// Lowest address written.
    pub start: u32,
    /// One past the highest address written.
    pub end: u64,
}

/// Works out the `west build` command for `profile`.
pub fn plan(env: &ToolEnv, profile: &Profile, opts: &BuildOptions) -> Result<BuildPlan, BuildError> {
    let west = env.which("west").ok_or(ToolMissing { tool: "west" })?;
    let ws = Workspace::find(env, opts.ncs.as_deref(), profile.ncs)?;
    if let Some(found) = ws.ncs {
        if found != profile.ncs && !opts.any_ncs {
            return Err(BuildError::NcsMismatch {
                top: ws.top.display().to_string(),
                found: found.to_string(),
                want: profile.ncs.to_string(),
                profile: profile.name.clone(),
            });
        }
    }
    let app = ws.app_dir(&profile.app)?;
    let build_dir = absolute(&env.cwd, &opts.build_dir);
    let mut conf_dir = build_dir.clone().into_os_string();
    conf_dir.push(".atscope");
    let conf_dir = PathBuf::from(conf_dir);

    let mut confs = Vec::new();
    let mut dts = Vec::new();
    for name in &profile.overlays {
        let path = app.join(name);
        if !path.is_file() {
            return Err(BuildError::OverlayMissing {
                profile: profile.name.clone(),
                name: name.clone(),
                path: path.display().to_string(),
            });
        }
        if name.ends_with(".overlay") {
            dts.push(path);
        } else {
            confs.push(path);
        }
    }
    let mut files = Vec::new();
    for (i, f) in profile.fragments.iter().enumerate() {
        let base = Path::new(&f.name).file_name().map(|s| s.to_string_lossy().into_owned());
        let path = conf_dir.join(format!("{}-{}", i + 1, base.unwrap_or_else(|| "fragment.conf".into())));
        files.push((path.clone(), f.text.clone()));
        confs.push(path);
    }
    if !profile.kconfig.is_empty() {
        let path = conf_dir.join("profile.conf");
        files.push((path.clone(), profile.kconfig_fragment()));
        confs.push(path);
    }

    let mut args: Vec<OsString> = vec![
        "build".into(),
        "--build-dir".into(),
        build_dir.clone().into(),
        "--board".into(),
        profile.board.clone().into(),
        "--pristine".into(),
        if opts.pristine { "always" } else { "auto" }.into(),
        app.into(),
    ];
    let modern = profile.ncs.has_extra_conf_file();
    let mut cmake = Vec::new();
    if !confs.is_empty() {
        let var = if modern { "EXTRA_CONF_FILE" } else { "OVERLAY_CONFIG" };
        cmake.push(cmake_list(var, &confs));
    }
    if !dts.is_empty() {
        let var = if modern { "EXTRA_DTC_OVERLAY_FILE" } else { "DTC_OVERLAY_FILE" };
        cmake.push(cmake_list(var, &dts));
    }
    if !cmake.is_empty() {
        args.push("--".into());
        args.extend(cmake);
    }
    Ok(BuildPlan { west, args, cwd: ws.top, build_dir, files })
}

fn cmake_list(var: &str, paths: &[PathBuf]) -> OsString {
    let mut s = OsString::from(format!("-D{var}="));
    for (i, p) in paths.iter().enumerate() {
        if i > 0 {
            s.push(";");
        }
        s.push(p);
    }
    s
}

fn absolute(cwd: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_owned()
    } else {
        cwd.join(p)
    }
}

/// Writes the plan's files, runs west with its output going to `on_line`, and returns the merged
/// hex it built.
pub fn run(env: &ToolEnv, plan: &BuildPlan, on_line: &mut dyn FnMut(OutputLine)) -> Result<Artifact, BuildError> {
    for (path, text) in &plan.files {
        let io = |source| BuildError::Io { path: path.clone(), source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::write(path, text).map_err(io)?;
    }
    let mut cmd = env.command(&plan.west);
    cmd.args(&plan.args).current_dir(&plan.cwd);
    let status = run_streaming(cmd, on_line).map_err(|source| BuildError::Spawn { west: plan.west.clone(), source })?;
    if !status.success() {
        return Err(BuildError::Failed { status: status.to_string() });
    }
    artifact(&plan.build_dir)
}

/// Finds and describes the merged hex in a build directory: `merged.hex` (sysbuild, NCS v2.7 and
/// later) or `zephyr/merged.hex` (earlier NCS).
pub fn artifact(build_dir: &Path) -> Result<Artifact, BuildError> {
    let path = ["merged.hex", "zephyr/merged.hex"]
        .iter()
        .map(|p| build_dir.join(p))
        .find(|p| p.is_file())
        .ok_or_else(|| BuildError::NoArtifact { build_dir: build_dir.to_owned() })?;
    artifact_file(&path)
}

/// Describes a hex file: its (absolute) path, size, what it holds and its hash.
pub fn artifact_file(path: &Path) -> Result<Artifact, BuildError> {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let bytes = std::fs::read(&path).map_err(|source| BuildError::Io { path: path.clone(), source })?;
    let image = summarize_hex(&bytes).map_err(|(line, why)| BuildError::BadHex { path: path.clone(), line, why })?;
    let sha256 = format!("sha256:{:x}", Sha256::digest(&bytes));
    Ok(Artifact { path, file_bytes: bytes.len() as u64, image, sha256 })
}

/// Reads an Intel HEX file: counts its data bytes and the address range they cover.
/// Errors are (1-based line, what is wrong).
pub fn summarize_hex(text: &[u8]) -> Result<HexSummary, (usize, &'static str)> {
    let mut base: u64 = 0;
    let mut lo = u64::MAX;
    let mut hi = 0u64;
    let mut data_bytes = 0u64;
    let mut saw_eof = false;
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let n = i + 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if saw_eof {
            return Err((n, "data after the end-of-file record"));
        }
        let hex = line.strip_prefix(b":").ok_or((n, "a record must start with ':'"))?;
        if hex.len() % 2 != 0 || hex.len() < 10 {
            return Err((n, "record too short or odd length"));
        }
        let rec: Vec<u8> = hex
            .chunks(2)
            .map(|p| std::str::from_utf8(p).ok().and_then(|s| u8::from_str_radix(s, 16).ok()))
            .collect::<Option<_>>()
            .ok_or((n, "not hexadecimal"))?;
        let len = rec[0] as usize;
        if rec.len() != len + 5 {
            return Err((n, "byte count does not match the record length"));
        }
        if rec.iter().fold(0u8, |a, &b| a.wrapping_add(b)) != 0 {
            return Err((n, "bad checksum"));
        }
        let addr = u16::from_be_bytes([rec[1], rec[2]]) as u64;
        let data = &rec[4..4 + len];
        match rec[3] {
            0x00 => {
                if len > 0 {
                    let start = base + addr;
                    lo = lo.min(start);
                    hi = hi.max(start + len as u64);
                    data_bytes += len as u64;
                }
            }
            0x01 => saw_eof = true,
            0x02 if len == 2 => base = (u16::from_be_bytes([data[0], data[1]]) as u64) << 4,
            0x04 if len == 2 => base = (u16::from_be_bytes([data[0], data[1]]) as u64) << 16,
            0x03 | 0x05 => {}
            _ => return Err((n, "unknown record type")),
        }
    }
    if !saw_eof {
        return Err((text.split(|&b| b == b'\n').count(), "no end-of-file record"));
    }
    Ok(if data_bytes == 0 { HexSummary::default() } else { HexSummary { data_bytes, start: lo as u32, end: hi } })
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::profile::Profiles;

    /// A minimal merged hex: 4 bytes at 0x00000000 and 2 at 0x00050000.
    pub const HEX: &str = ":0400000001020304F2\n:020000040005F5\n:02000000AABB99\n:00000001FF\n";

    struct Fixture {
        bin: tempfile::TempDir,
        ncs: tempfile::TempDir,
        env: ToolEnv,
    }

    fn fixture(west_body: &str) -> Fixture {
        let bin = tempfile::tempdir().unwrap();
        let ncs = tempfile::tempdir().unwrap();
        crate::fake_tools::ncs_checkout(ncs.path()).unwrap();
        crate::fake_tools::script(bin.path(), "west", west_body).unwrap();
        let env = ToolEnv {
            path: format!("{}:/usr/bin:/bin", bin.path().display()).into(),
            cwd: ncs.path().to_owned(),
            ..ToolEnv::default()
        };
        Fixture { bin, ncs, env }
    }

    #[test]
    fn hex_summary_counts_data_and_range() {
        let s = summarize_hex(HEX.as_bytes()).unwrap();
        assert_eq!(s, HexSummary { data_bytes: 6, start: 0, end: 0x50002 });
        assert_eq!(summarize_hex(b":0400000001020304F3\n:00000001FF\n"), Err((1, "bad checksum")));
        assert_eq!(summarize_hex(b":0400000001020304F2\n"), Err((2, "no end-of-file record")));
    }

    #[test]
    fn native_tls_plan_passes_the_slm_overlay_then_the_profile_kconfig() {
        let f = fixture("exit 0");
        let profile = Profiles::builtin().resolve("native-tls").unwrap();
        let opts = BuildOptions { build_dir: "build/native-tls".into(), ..Default::default() };
        let p = plan(&f.env, &profile, &opts).unwrap();
        let bd = f.ncs.path().join("build/native-tls");
        let app = f.ncs.path().join("nrf/applications/serial_lte_modem");
        let conf = f.ncs.path().join("build/native-tls.atscope/profile.conf");
        let want: Vec<OsString> = vec![
            "build".into(),
            "--build-dir".into(),
            bd.clone().into(),
            "--board".into(),
            "nrf9160dk_nrf9160_ns".into(),
            "--pristine".into(),
            "auto".into(),
            app.clone().into(),
            "--".into(),
            format!("-DOVERLAY_CONFIG={};{}", app.join("overlay-native_tls.conf").display(), conf.display()).into(),
        ];
        assert_eq!(p.args, want);
        assert_eq!(p.west, f.bin.path().join("west"));
        assert_eq!(p.files.len(), 1);
        assert!(p.files[0].1.contains("CONFIG_NRF_CLOUD_CLIENT_ID_SRC_INTERNAL_UUID=y"));
    }

    #[test]
    fn a_checkout_of_another_ncs_is_refused_unless_asked() {
        let f = fixture("exit 0");
        std::fs::write(f.ncs.path().join("nrf/VERSION"), "2.6.0\n").unwrap();
        let profile = Profiles::builtin().resolve("default").unwrap();
        let mut opts = BuildOptions { build_dir: "b".into(), ..Default::default() };
        let err = plan(&f.env, &profile, &opts).unwrap_err().to_string();
        assert!(err.contains("is v2.6.0") && err.contains("git checkout v2.1.2"), "{err}");
        opts.any_ncs = true;
        assert!(plan(&f.env, &profile, &opts).is_ok());
    }

    #[test]
    fn a_successful_build_reports_the_merged_hex() {
        let f = fixture(&format!(
            "echo \"$@\" > \"$(dirname \"$0\")/args\"\n\
             while [ \"$1\" != --build-dir ]; do shift; done\n\
             mkdir -p \"$2/zephyr\"\n\
             printf '{}' > \"$2/zephyr/merged.hex\"\n\
             echo '[180/180] Generating zephyr/merged.hex'",
            HEX.replace('\n', "\\n")
        ));
        let profile = Profiles::builtin().resolve("external-mcu").unwrap();
        let opts = BuildOptions { build_dir: "build/x".into(), ..Default::default() };
        let p = plan(&f.env, &profile, &opts).unwrap();
        let mut lines = Vec::new();
        let a = run(&f.env, &p, &mut |l| lines.push(l.text)).unwrap();
        assert_eq!(lines, ["[180/180] Generating zephyr/merged.hex"]);
        assert_eq!(a.path, f.ncs.path().join("build/x/zephyr/merged.hex"));
        assert_eq!((a.file_bytes, a.image.data_bytes), (HEX.len() as u64, 6));
        assert!(a.sha256.starts_with("sha256:") && a.sha256.len() == 71);
        let frag = std::fs::read_to_string(f.ncs.path().join("build/x.atscope/1-external-mcu.conf")).unwrap();
        assert!(frag.contains("CONFIG_SLM_CONNECT_UART_2=y"));
    }

    #[test]
    fn a_failing_build_streams_its_output_and_says_so() {
        let f = fixture("echo 'CMake Error: oops' >&2; exit 1");
        let profile = Profiles::builtin().resolve("default").unwrap();
        let p = plan(&f.env, &profile, &BuildOptions { build_dir: "b".into(), ..Default::default() }).unwrap();
        let mut lines = Vec::new();
        let err = run(&f.env, &p, &mut |l| lines.push(l.text)).unwrap_err();
        assert_eq!(lines, ["CMake Error: oops"]);
        assert_eq!(err.to_string(), "west build failed (exit status: 1); its output is above");
    }

    #[test]
    fn west_missing_is_a_clear_error() {
        let f = fixture("exit 0");
        let env = ToolEnv { path: f.ncs.path().as_os_str().to_owned(), ..f.env.clone() };
        let profile = Profiles::builtin().resolve("default").unwrap();
        let err = plan(&env, &profile, &BuildOptions::default()).unwrap_err().to_string();
        assert!(err.starts_with("west not found on PATH: install it with `pip install west`"), "{err}");
    }
}
