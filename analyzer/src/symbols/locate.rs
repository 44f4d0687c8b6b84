//! Where the ELF of a trace's firmware is, from what the trace header says about its build.
//!
//! `atscope firmware flash --profile P` records the identity of what it flashed, and recordings
//! made afterwards carry it as `meta.firmware`: `profile` (P) and `build`, the `sha256:` of the
//! merged hex that was programmed (`firmware/src/identify.rs`). `atscope firmware build --profile P`
//! builds in `build/P` (unless `--build-dir` said otherwise: that folder is not recorded, so such
//! a build is found only with `--elf`). In a build folder the application's ELF is
//! `zephyr/zephyr.elf` beside `zephyr/merged.hex` (NCS before v2.7), or, with sysbuild (NCS v2.7
//! and later), `<app>/zephyr/zephyr.elf` beside a top-level `merged.hex`, where `<app>` is the
//! default image that `domains.yaml` names (`serial_lte_modem` for the SLM).
//!
//! [`build_dirs`], [`elf_candidates`] and [`default_domain`] are pure; [`locate`] is the one
//! place that looks at the disk. A candidate whose merged hex does not have the recorded hash
//! is another build (rebuilt since the recording): its addresses would name the wrong
//! functions, so it is reported as [`Located::Stale`], not used.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest as _, Sha256};

use crate::trace::Meta;

/// The folder name of the SLM application, the sysbuild default image when `domains.yaml`
/// cannot be read.
pub const SLM_APP: &str = "serial_lte_modem";

/// The largest merged hex hashed (a firmware hex is a few MiB).
const MAX_HEX_BYTES: u64 = 256 << 20;

/// The build folders a trace's `meta.firmware` points to, most likely first: `build/<profile>`
/// under each of `bases` (say the current directory, where `atscope firmware build` ran, then
/// the trace's folder). Empty when the header names no profile.
pub fn build_dirs(meta: &Meta, bases: &[PathBuf]) -> Vec<PathBuf> {
    let Some(profile) = meta.get("firmware").and_then(|f| f.get("profile")).and_then(Value::as_str) else {
        return Vec::new();
    };
    // A profile name is one folder name; anything else in a header is not followed.
    let plain = !profile.is_empty()
        && profile != "."
        && profile != ".."
        && !profile.contains(['/', '\\'])
        && !profile.chars().any(char::is_control);
    if !plain {
        return Vec::new();
    }
    let mut out: Vec<PathBuf> = Vec::new();
    for base in bases {
        let dir = base.join("build").join(profile);
        if !out.contains(&dir) {
            out.push(dir);
        }
    }
    out
}

/// The `sha256:…` of the flashed merged hex that the header records, if any.
pub fn recorded_hash(meta: &Meta) -> Option<&str> {
    meta.get("firmware").and_then(|f| f.get("build")).and_then(Value::as_str).filter(|h| h.starts_with("sha256:"))
}

/// The default image of a sysbuild `domains.yaml` (its `default: NAME` line), when it is one
/// plain folder name.
pub fn default_domain(domains_yaml: &str) -> Option<&str> {
    domains_yaml
        .lines()
        .find_map(|l| l.strip_prefix("default:"))
        .map(|v| v.trim().trim_matches(['"', '\'']))
        .filter(|v| !v.is_empty() && *v != "." && *v != ".." && !v.contains(['/', '\\']))
}

/// One place an application ELF may be, with the merged hex of the same build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The ELF.
    pub elf: PathBuf,
    /// The merged hex built with it (what `atscope firmware flash` programs and hashes).
    pub hex: PathBuf,
}

/// The ELF candidates of one build folder, in order: the sysbuild layout with `domain` (the
/// default image from `domains.yaml`, when there is one), the single-image layout, then the
/// sysbuild layout with the SLM's own folder name.
pub fn elf_candidates(build_dir: &Path, domain: Option<&str>) -> Vec<Candidate> {
    let sysbuild = |app: &str| Candidate {
        elf: build_dir.join(app).join("zephyr").join("zephyr.elf"),
        hex: build_dir.join("merged.hex"),
    };
    let mut out = Vec::new();
    if let Some(d) = domain {
        out.push(sysbuild(d));
    }
    out.push(Candidate {
        elf: build_dir.join("zephyr").join("zephyr.elf"),
        hex: build_dir.join("zephyr").join("merged.hex"),
    });
    if domain != Some(SLM_APP) {
        out.push(sysbuild(SLM_APP));
    }
    out
}

/// What [`locate`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// The ELF of the trace's build.
    Found {
        /// The ELF.
        elf: PathBuf,
        /// Whether its build's merged hex has the hash the trace recorded (false: the trace
        /// records no hash, or the build folder has no merged hex to compare).
        verified: bool,
    },
    /// An ELF is there, but its build is not the one the trace recorded (rebuilt since).
    Stale {
        /// The ELF.
        elf: PathBuf,
        /// The hash the trace recorded.
        recorded: String,
        /// The hash of that build's merged hex now.
        found: String,
    },
    /// No candidate exists (`tried` is empty when the header names no build).
    NotFound {
        /// The ELF paths looked at, in order.
        tried: Vec<PathBuf>,
    },
}

/// Finds the ELF of the build a trace's header names ([`build_dirs`] under `bases`): the first
/// candidate that exists and whose merged hex has the recorded hash. When every ELF found is
/// of another build, the first of them is returned as [`Located::Stale`].
pub fn locate(meta: &Meta, bases: &[PathBuf]) -> Located {
    let recorded = recorded_hash(meta);
    let mut tried = Vec::new();
    let mut stale = None;
    for dir in build_dirs(meta, bases) {
        let yaml = read_small(&dir.join("domains.yaml"), 1 << 20).map(|b| String::from_utf8_lossy(&b).into_owned());
        let domain = yaml.as_deref().and_then(default_domain);
        for c in elf_candidates(&dir, domain) {
            tried.push(c.elf.clone());
            if !c.elf.is_file() {
                continue;
            }
            let Some(recorded) = recorded else {
                return Located::Found { elf: c.elf, verified: false };
            };
            match read_small(&c.hex, MAX_HEX_BYTES) {
                None => return Located::Found { elf: c.elf, verified: false },
                Some(hex) => {
                    let found = format!("sha256:{:x}", Sha256::digest(&hex));
                    if found.eq_ignore_ascii_case(recorded) {
                        return Located::Found { elf: c.elf, verified: true };
                    }
                    stale.get_or_insert(Located::Stale { elf: c.elf, recorded: recorded.to_string(), found });
                }
            }
        }
    }
    stale.unwrap_or(Located::NotFound { tried })
}

/// A regular file's bytes, if it exists and is at most `max` bytes.
fn read_small(path: &Path, max: u64) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > max {
        return None;
    }
    let mut out = Vec::new();
    std::fs::File::open(path).ok()?.take(max + 1).read_to_end(&mut out).ok()?;
    (out.len() as u64 <= max).then_some(out)
}

/// The symbols of the build a trace header names, opened, with a sentence for the user on what
/// was used or why not; `(None, None)` when no such build is here.
pub fn open_for(meta: &Meta, bases: &[PathBuf]) -> (Option<super::Symbols>, Option<String>) {
    match locate(meta, bases) {
        Located::Found { elf, verified } => match super::Symbols::open(&elf) {
            Ok(s) => {
                let how = if verified { "its merged hex is the one flashed" } else { "not checked: no hash to compare" };
                (Some(s), Some(format!("crash addresses resolved with {} (the trace's build; {how})", elf.display())))
            }
            Err(e) => (None, Some(format!("the trace's build has {}, but it cannot be read: {e}", elf.display()))),
        },
        Located::Stale { elf, .. } => (
            None,
            Some(format!(
                "{} is from another build than the one this trace recorded (rebuilt since): not used; give --elf to use it anyway",
                elf.display()
            )),
        ),
        Located::NotFound { .. } => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(firmware: Value) -> Meta {
        let mut m = Meta::new();
        m.insert("firmware".into(), firmware);
        m
    }

    #[test]
    fn a_profile_names_its_build_folder_under_each_base() {
        let m = meta(serde_json::json!({"slm": "2.1.2", "profile": "native-tls", "build": "sha256:ab"}));
        let bases = [PathBuf::from("/work"), PathBuf::from("/traces"), PathBuf::from("/work")];
        assert_eq!(
            build_dirs(&m, &bases),
            [PathBuf::from("/work/build/native-tls"), PathBuf::from("/traces/build/native-tls")]
        );
        assert_eq!(recorded_hash(&m), Some("sha256:ab"));
    }

    #[test]
    fn no_profile_or_a_path_as_profile_names_no_folder() {
        let bases = [PathBuf::from("/work")];
        assert!(build_dirs(&Meta::new(), &bases).is_empty());
        assert!(build_dirs(&meta(serde_json::json!({"slm": "2.1.2"})), &bases).is_empty());
        for p in ["../../etc", "a/b", "..", "", "x\ny"] {
            assert!(build_dirs(&meta(serde_json::json!({"profile": p})), &bases).is_empty(), "{p:?}");
        }
        assert_eq!(recorded_hash(&meta(serde_json::json!({"build": "build/x"}))), None);
    }

    #[test]
    fn sysbuild_names_its_default_image() {
        let yaml = "default: serial_lte_modem\nbuild_dir: /b\ndomains:\n  - name: mcuboot\n    build_dir: /b/mcuboot\n";
        assert_eq!(default_domain(yaml), Some("serial_lte_modem"));
        assert_eq!(default_domain("domains:\n  - name: x\n"), None);
        assert_eq!(default_domain("default: ../x\n"), None);
    }

    #[test]
    fn candidates_cover_both_layouts_with_their_hex() {
        let c = elf_candidates(Path::new("/b"), Some("app"));
        let elves: Vec<_> = c.iter().map(|c| c.elf.to_str().unwrap()).collect();
        assert_eq!(
            elves,
            ["/b/app/zephyr/zephyr.elf", "/b/zephyr/zephyr.elf", "/b/serial_lte_modem/zephyr/zephyr.elf"]
        );
        assert_eq!(c[0].hex, Path::new("/b/merged.hex"));
        assert_eq!(c[1].hex, Path::new("/b/zephyr/merged.hex"));
        assert_eq!(elf_candidates(Path::new("/b"), Some(SLM_APP)).len(), 2);
    }

    /// A build folder as `west build` leaves it: `layout` is "sysbuild" or "single".
    fn build(base: &Path, profile: &str, layout: &str, hex: &[u8]) -> PathBuf {
        let dir = base.join("build").join(profile);
        let (elf, hex_path) = match layout {
            "sysbuild" => {
                std::fs::create_dir_all(dir.join("serial_lte_modem/zephyr")).unwrap();
                std::fs::write(dir.join("domains.yaml"), "default: serial_lte_modem\n").unwrap();
                (dir.join("serial_lte_modem/zephyr/zephyr.elf"), dir.join("merged.hex"))
            }
            _ => {
                std::fs::create_dir_all(dir.join("zephyr")).unwrap();
                (dir.join("zephyr/zephyr.elf"), dir.join("zephyr/merged.hex"))
            }
        };
        std::fs::write(&elf, b"\x7fELF").unwrap();
        std::fs::write(hex_path, hex).unwrap();
        elf
    }

    fn hash(b: &[u8]) -> String {
        format!("sha256:{:x}", Sha256::digest(b))
    }

    #[test]
    fn the_build_with_the_recorded_hash_is_found_in_either_layout() {
        for layout in ["sysbuild", "single"] {
            let t = tempfile::tempdir().unwrap();
            let elf = build(t.path(), "native-tls", layout, b":00000001FF\n");
            let m = meta(serde_json::json!({"profile": "native-tls", "build": hash(b":00000001FF\n")}));
            assert_eq!(locate(&m, &[t.path().to_owned()]), Located::Found { elf, verified: true }, "{layout}");
        }
    }

    #[test]
    fn a_rebuilt_folder_is_stale_and_a_matching_one_elsewhere_wins() {
        let cwd = tempfile::tempdir().unwrap();
        let traces = tempfile::tempdir().unwrap();
        let rebuilt = build(cwd.path(), "default", "sysbuild", b"new\n");
        let m = meta(serde_json::json!({"profile": "default", "build": hash(b"old\n")}));
        assert_eq!(
            locate(&m, &[cwd.path().to_owned()]),
            Located::Stale { elf: rebuilt, recorded: hash(b"old\n"), found: hash(b"new\n") }
        );
        let kept = build(traces.path(), "default", "single", b"old\n");
        let bases = [cwd.path().to_owned(), traces.path().to_owned()];
        assert_eq!(locate(&m, &bases), Located::Found { elf: kept, verified: true });
    }

    #[test]
    fn without_a_recorded_hash_the_first_elf_is_found_unverified() {
        let t = tempfile::tempdir().unwrap();
        let elf = build(t.path(), "default", "single", b"x");
        let m = meta(serde_json::json!({"profile": "default"}));
        assert_eq!(locate(&m, &[t.path().to_owned()]), Located::Found { elf, verified: false });
    }

    #[test]
    fn nothing_there_lists_what_was_tried() {
        let t = tempfile::tempdir().unwrap();
        let m = meta(serde_json::json!({"profile": "default", "build": "sha256:00"}));
        let Located::NotFound { tried } = locate(&m, &[t.path().to_owned()]) else { panic!("found something") };
        assert_eq!(
            tried,
            [
                t.path().join("build/default/zephyr/zephyr.elf"),
                t.path().join("build/default/serial_lte_modem/zephyr/zephyr.elf")
            ]
        );
        assert_eq!(locate(&Meta::new(), &[t.path().to_owned()]), Located::NotFound { tried: vec![] });
    }
}
