//! Build profiles: which NCS, board, overlays and Kconfig make one SLM build, as data.
//!
//! The built-in profiles are `firmware/profiles.toml` (compiled in, with the fragments it names);
//! a user file adds profiles or replaces built-in ones by name ([`Profiles::merge_file`]). The file
//! format is documented at the top of `profiles.toml`. [`Profiles::resolve`] follows `extends`
//! and gives a [`Profile`] with everything spelled out.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The built-in profile file.
pub const BUILTIN_PROFILES: &str = include_str!("../profiles.toml");

/// Kconfig fragments shipped with the built-in profiles, by the name `profiles.toml` uses.
const BUILTIN_FRAGMENTS: &[(&str, &str)] = &[("conf/external-mcu.conf", include_str!("../conf/external-mcu.conf"))];

/// Errors reading or resolving profiles.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// A profile file could not be read.
    #[error("cannot read profile file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A profile file is not valid TOML of the expected shape.
    #[error("{origin}: {message}")]
    Parse {
        /// Which file (`built-in profiles.toml` or a path).
        origin: String,
        /// What the TOML parser said.
        message: String,
    },
    /// No profile has this name.
    #[error("no profile named {name:?}; known profiles: {}", known.join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
        /// The names there are.
        known: Vec<String>,
    },
    /// `extends` goes round in a circle.
    #[error("profile {0:?}: `extends` loops back to itself")]
    Cycle(String),
    /// A required key is missing after following `extends`.
    #[error("profile {profile:?} has no `{key}` (set it, or `extends` a profile that does)")]
    Missing {
        /// The profile.
        profile: String,
        /// The key.
        key: &'static str,
    },
    /// `ncs` is not a version like `v2.1.2`.
    #[error("profile {profile:?}: ncs = {value:?} is not an NCS version such as \"v2.1.2\"")]
    BadNcs {
        /// The profile.
        profile: String,
        /// The value.
        value: String,
    },
    /// A Kconfig key is not a `CONFIG_` symbol, or its value is not a bool, number or string.
    #[error("profile {profile:?}: kconfig {key} = {value}: {why}")]
    BadKconfig {
        /// The profile.
        profile: String,
        /// The key.
        key: String,
        /// The value as written.
        value: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A fragment named by a built-in profile is not compiled in.
    #[error("profile {profile:?}: fragment {name:?} is not one of atscope's built-in fragments")]
    UnknownFragment {
        /// The profile.
        profile: String,
        /// The fragment name.
        name: String,
    },
}

/// An NCS release, e.g. `v2.1.2`, compared numerically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NcsVersion {
    /// Major.
    pub major: u32,
    /// Minor.
    pub minor: u32,
    /// Patch.
    pub patch: u32,
}

impl NcsVersion {
    /// Parses `v2.1.2`, `2.1.2` or `2.1.2-rc1` (the suffix is ignored), as in sdk-nrf's `VERSION`.
    pub fn parse(s: &str) -> Option<NcsVersion> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let core = s.split(['-', '+']).next()?;
        let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
        let major = parts.next()??;
        let minor = parts.next()??;
        let patch = parts.next().unwrap_or(Some(0))?;
        if parts.next().is_some() {
            return None;
        }
        Some(NcsVersion { major, minor, patch })
    }

    /// Whether Zephyr in this NCS takes `EXTRA_CONF_FILE` (NCS v2.4 and later) rather than the
    /// older `OVERLAY_CONFIG`.
    pub fn has_extra_conf_file(self) -> bool {
        self >= NcsVersion { major: 2, minor: 4, patch: 0 }
    }
}

impl fmt::Display for NcsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A Kconfig fragment a profile adds, with its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// The name the profile file uses (`conf/external-mcu.conf`).
    pub name: String,
    /// Where it came from: `None` for a built-in fragment, else the file.
    pub path: Option<PathBuf>,
    /// Its contents.
    pub text: String,
}

/// One profile with `extends` followed and every key filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile name.
    pub name: String,
    /// One line for humans.
    pub description: String,
    /// The NCS release it is made for.
    pub ncs: NcsVersion,
    /// The Zephyr board.
    pub board: String,
    /// The SLM application directory, relative to the west workspace top directory.
    pub app: PathBuf,
    /// Files the SLM application ships (`overlay-native_tls.conf`), relative to `app`.
    pub overlays: Vec<String>,
    /// atscope's (or the user's) own Kconfig fragments.
    pub fragments: Vec<Fragment>,
    /// Extra Kconfig symbols, rendered as Kconfig values (`y`, `42`, `"text"`).
    pub kconfig: BTreeMap<String, String>,
}

impl Profile {
    /// The generated Kconfig fragment holding [`Profile::kconfig`], with a header saying where it
    /// came from.
    pub fn kconfig_fragment(&self) -> String {
        let mut out =
            format!("# Generated by atscope from profile {:?}; edit the profile, not this file.\n", self.name);
        for (k, v) in &self.kconfig {
            out.push_str(&format!("{k}={v}\n"));
        }
        out
    }
}

/// Where a raw profile came from, to find its fragments.
#[derive(Debug, Clone)]
enum Origin {
    Builtin,
    File(PathBuf),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    extends: Option<String>,
    description: Option<String>,
    ncs: Option<String>,
    board: Option<String>,
    app: Option<String>,
    #[serde(default)]
    overlays: Vec<String>,
    #[serde(default)]
    fragments: Vec<String>,
    #[serde(default)]
    kconfig: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    profile: BTreeMap<String, RawProfile>,
}

/// A set of profiles: the built-in ones, possibly extended by a user file.
#[derive(Debug, Clone)]
pub struct Profiles {
    raw: BTreeMap<String, (RawProfile, Origin)>,
}

impl Profiles {
    /// The built-in profiles (`firmware/profiles.toml`).
    pub fn builtin() -> Profiles {
        let mut p = Profiles { raw: BTreeMap::new() };
        p.merge_str(BUILTIN_PROFILES, Origin::Builtin)
            .expect("the built-in profiles.toml parses (a unit test checks it)");
        p
    }

    /// Adds the profiles of a user file; a profile with a built-in's name replaces it.
    /// Fragments the file names are read relative to the file's directory.
    pub fn merge_file(&mut self, path: &Path) -> Result<(), ProfileError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ProfileError::Io { path: path.to_owned(), source })?;
        self.merge_str(&text, Origin::File(path.to_owned()))
    }

    fn merge_str(&mut self, text: &str, origin: Origin) -> Result<(), ProfileError> {
        let file: RawFile = toml::from_str(text)
            .map_err(|e| ProfileError::Parse { origin: origin_name(&origin), message: e.to_string() })?;
        for (name, raw) in file.profile {
            self.raw.insert(name, (raw, origin.clone()));
        }
        Ok(())
    }

    /// The profile names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.raw.keys().cloned().collect()
    }

    /// The profile `name` with `extends` followed.
    pub fn resolve(&self, name: &str) -> Result<Profile, ProfileError> {
        // The chain from `name` up to the root, checked for loops.
        let mut chain: Vec<(&str, &RawProfile, &Origin)> = Vec::new();
        let mut next = Some(name);
        while let Some(n) = next {
            if chain.iter().any(|(seen, _, _)| *seen == n) {
                return Err(ProfileError::Cycle(name.to_owned()));
            }
            let (raw, origin) =
                self.raw.get(n).ok_or_else(|| ProfileError::Unknown { name: n.to_owned(), known: self.names() })?;
            chain.push((n, raw, origin));
            next = raw.extends.as_deref();
        }

        let mut description = None;
        let mut ncs = None;
        let mut board = None;
        let mut app = None;
        let mut overlays: Vec<String> = Vec::new();
        let mut fragments: Vec<Fragment> = Vec::new();
        let mut kconfig = BTreeMap::new();
        // Root first, so that the profile asked for has the last word.
        for (pname, raw, origin) in chain.iter().rev() {
            description = raw.description.clone().or(description);
            ncs = raw.ncs.clone().or(ncs);
            board = raw.board.clone().or(board);
            app = raw.app.clone().or(app);
            for o in &raw.overlays {
                if !overlays.contains(o) {
                    overlays.push(o.clone());
                }
            }
            for f in &raw.fragments {
                if !fragments.iter().any(|have| &have.name == f) {
                    fragments.push(load_fragment(pname, f, origin)?);
                }
            }
            for (k, v) in &raw.kconfig {
                kconfig.insert(k.clone(), kconfig_value(pname, k, v)?);
            }
        }
        let missing = |key| ProfileError::Missing { profile: name.to_owned(), key };
        let ncs_text = ncs.ok_or_else(|| missing("ncs"))?;
        let ncs = NcsVersion::parse(&ncs_text)
            .ok_or_else(|| ProfileError::BadNcs { profile: name.to_owned(), value: ncs_text })?;
        Ok(Profile {
            name: name.to_owned(),
            description: description.unwrap_or_default(),
            ncs,
            board: board.ok_or_else(|| missing("board"))?,
            app: PathBuf::from(app.ok_or_else(|| missing("app"))?),
            overlays,
            fragments,
            kconfig,
        })
    }
}

fn origin_name(origin: &Origin) -> String {
    match origin {
        Origin::Builtin => "built-in profiles.toml".to_owned(),
        Origin::File(p) => p.display().to_string(),
    }
}

fn load_fragment(profile: &str, name: &str, origin: &Origin) -> Result<Fragment, ProfileError> {
    match origin {
        Origin::Builtin => BUILTIN_FRAGMENTS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Fragment { name: (*n).to_owned(), path: None, text: (*text).to_owned() })
            .ok_or_else(|| ProfileError::UnknownFragment { profile: profile.to_owned(), name: name.to_owned() }),
        Origin::File(file) => {
            let path = file.parent().unwrap_or(Path::new(".")).join(name);
            let text =
                std::fs::read_to_string(&path).map_err(|source| ProfileError::Io { path: path.clone(), source })?;
            Ok(Fragment { name: name.to_owned(), path: Some(path), text })
        }
    }
}

fn kconfig_value(profile: &str, key: &str, v: &toml::Value) -> Result<String, ProfileError> {
    let bad =
        |why| ProfileError::BadKconfig { profile: profile.to_owned(), key: key.to_owned(), value: v.to_string(), why };
    if !key.starts_with("CONFIG_") || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(bad("keys are Kconfig symbols such as CONFIG_SLM_NATIVE_TLS"));
    }
    match v {
        toml::Value::Boolean(true) => Ok("y".to_owned()),
        toml::Value::Boolean(false) => Ok("n".to_owned()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::String(s) => {
            if s.contains(['\n', '"', '\\']) {
                return Err(bad("string values may not contain newlines, quotes or backslashes"));
            }
            Ok(format!("\"{s}\""))
        }
        _ => Err(bad("values are true/false (y/n), integers or strings")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_profiles_all_resolve() {
        let p = Profiles::builtin();
        for name in p.names() {
            p.resolve(&name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        assert!(p.names().contains(&"default".to_owned()));
    }

    #[test]
    fn native_tls_adds_the_slm_overlay_and_pins_the_nrf_cloud_client_id() {
        let p = Profiles::builtin().resolve("native-tls").unwrap();
        assert_eq!(p.board, "nrf9160dk_nrf9160_ns");
        assert_eq!(p.ncs.to_string(), "v2.1.2");
        assert_eq!(p.overlays, ["overlay-native_tls.conf"]);
        assert_eq!(p.kconfig["CONFIG_NRF_CLOUD_CLIENT_ID_SRC_INTERNAL_UUID"], "y");
        assert!(p.kconfig_fragment().contains("CONFIG_NRF_CLOUD_CLIENT_ID_SRC_INTERNAL_UUID=y\n"));
    }

    #[test]
    fn builtin_fragments_are_compiled_in() {
        let p = Profiles::builtin().resolve("external-mcu").unwrap();
        assert_eq!(p.fragments.len(), 1);
        assert!(p.fragments[0].text.contains("CONFIG_SLM_CONNECT_UART_2=y"));
    }

    #[test]
    fn a_user_file_replaces_a_profile_and_can_extend_a_builtin_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.conf"), "CONFIG_SLM_LOG_LEVEL_DBG=y\n").unwrap();
        let file = dir.path().join("profiles.toml");
        std::fs::write(
            &file,
            r#"
[profile.default]
ncs = "v2.6.0"
board = "nrf9161dk/nrf9161/ns"
app = "nrf/applications/serial_lte_modem"

[profile.debug]
extends = "native-tls"
fragments = ["mine.conf"]
kconfig = { CONFIG_SLM_NATIVE_TLS = false, CONFIG_HEAP_MEM_POOL_SIZE = 16384, CONFIG_SLM_CUSTOMER_VERSION = "lab" }
"#,
        )
        .unwrap();
        let mut p = Profiles::builtin();
        p.merge_file(&file).unwrap();
        let d = p.resolve("debug").unwrap();
        assert_eq!(d.ncs, NcsVersion { major: 2, minor: 6, patch: 0 });
        assert_eq!(d.board, "nrf9161dk/nrf9161/ns");
        assert_eq!(d.overlays, ["overlay-native_tls.conf"]);
        assert_eq!(d.fragments[0].path.as_deref(), Some(dir.path().join("mine.conf").as_path()));
        assert_eq!(d.kconfig["CONFIG_SLM_NATIVE_TLS"], "n");
        assert_eq!(d.kconfig["CONFIG_HEAP_MEM_POOL_SIZE"], "16384");
        assert_eq!(d.kconfig["CONFIG_SLM_CUSTOMER_VERSION"], "\"lab\"");
        assert_eq!(d.kconfig["CONFIG_NRF_CLOUD_CLIENT_ID_SRC_INTERNAL_UUID"], "y");
    }

    #[test]
    fn errors_name_the_profile_and_the_problem() {
        let mut p = Profiles::builtin();
        let err = p.resolve("nope").unwrap_err().to_string();
        assert!(err.contains("no profile named \"nope\"") && err.contains("native-tls"), "{err}");

        p.merge_str("[profile.a]\nextends = \"b\"\n[profile.b]\nextends = \"a\"\n", Origin::File("x.toml".into()))
            .unwrap();
        assert!(matches!(p.resolve("a"), Err(ProfileError::Cycle(_))));

        p.merge_str("[profile.c]\nextends = \"default\"\nkconfig = { SLM_X = true }\n", Origin::Builtin).unwrap();
        assert!(p.resolve("c").unwrap_err().to_string().contains("Kconfig symbols"));

        let err = p.merge_str("[profile.d]\nbaord = \"x\"\n", Origin::Builtin).unwrap_err();
        assert!(err.to_string().contains("baord"), "{err}");
    }

    #[test]
    fn ncs_versions_parse_and_pick_the_conf_variable() {
        let v = |s| NcsVersion::parse(s).unwrap();
        assert_eq!(v("v2.1.2"), NcsVersion { major: 2, minor: 1, patch: 2 });
        assert_eq!(v("2.6.99-cs2\n"), NcsVersion { major: 2, minor: 6, patch: 99 });
        assert!(NcsVersion::parse("main").is_none());
        assert!(!v("v2.3.0").has_extra_conf_file());
        assert!(v("v2.4.0").has_extra_conf_file());
    }
}
