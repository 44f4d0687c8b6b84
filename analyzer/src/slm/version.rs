//! SLM versions: which framing and behaviour rules apply.

use serde::Serialize;

/// An SLM (or Serial Modem) firmware version. A Serial Modem version is later than every SLM
/// version (its numbering starts again at 0.1): SM 1.0.1 is not "below SLM 2.6".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlmVersion {
    /// NCS major.
    pub major: u16,
    /// NCS minor.
    pub minor: u16,
    /// NCS patch.
    pub patch: u16,
    /// The "Serial Modem" successor (`#XSMVER`), not SLM.
    pub sm: bool,
}

impl SlmVersion {
    /// The version assumed when the trace does not say and the user does not either: v2.1.2,
    /// the primary reference (its rules are the strictest: no pipelining, trailers).
    pub const DEFAULT: SlmVersion = SlmVersion { major: 2, minor: 1, patch: 2, sm: false };

    /// An SLM version.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        SlmVersion { major, minor, patch, sm: false }
    }

    /// Parses `2.1.2`, `v2.5.0`, `2.6.99-dev`, and a Serial Modem's `SM 1.0.1`.
    pub fn parse(s: &str) -> Option<SlmVersion> {
        let s = s.trim().trim_matches('"');
        if let Some(rest) = s.strip_prefix("SM ").or_else(|| s.strip_prefix("sm ")) {
            return SlmVersion::parse(rest).map(|v| SlmVersion { sm: true, ..v });
        }
        let s = s.trim_start_matches(['v', 'V']);
        let mut it = s.split(|c: char| !c.is_ascii_digit()).filter(|p| !p.is_empty());
        let major = it.next()?.parse().ok()?;
        let minor = it.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let patch = it.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        Some(SlmVersion { major, minor, patch, sm: false })
    }

    /// From the parameters of an `#XSLMVER:`/`#XSMVER:` line (the first names the version).
    pub fn from_params(params: &[crate::at::grammar::Param]) -> Option<SlmVersion> {
        SlmVersion::parse(params.first()?.as_text()?)
    }

    /// `SLM` or `Serial Modem`, for messages.
    pub fn firmware(self) -> &'static str {
        if self.sm {
            "Serial Modem"
        } else {
            "SLM"
        }
    }

    /// `SLM 2.1.2` or `Serial Modem 1.0.1`, for messages.
    pub fn product(self) -> String {
        format!("{} {}.{}.{}", self.firmware(), self.major, self.minor, self.patch)
    }

    /// The version an `#XSLMVER:` or `#XSMVER:` line announces (the latter a Serial Modem's).
    pub fn announced(name: &str, params: &[crate::at::grammar::Param]) -> Option<SlmVersion> {
        let sm = match name {
            "#XSLMVER" => false,
            "#XSMVER" => true,
            _ => return None,
        };
        SlmVersion::from_params(params).map(|v| SlmVersion { sm, ..v })
    }

    /// v2.1.x and v2.2.x: RX off while a command runs, TCP/UDP data before its trailer.
    pub fn is_legacy(self) -> bool {
        !self.sm && (self.major, self.minor) < (2, 3)
    }

    /// v2.5+: continuous RX, commands may be pipelined, HWFC on by default.
    pub fn allows_pipelining(self) -> bool {
        self.sm || (self.major, self.minor) >= (2, 5)
    }

    /// Data-mode terminator searched in the stream (v2.2+), not only at the end of an idle chunk.
    pub fn scans_terminator(self) -> bool {
        self.sm || (self.major, self.minor) >= (2, 2)
    }

    /// A native-TLS build keeps `#XCMNG` credentials in modem storage under sec_tag `S*10+T`
    /// (v2.1–v2.5); from v2.6 they live in the SLM's own settings.
    pub fn maps_native_tls_tags(self) -> bool {
        !self.sm && (self.major, self.minor) < (2, 6)
    }

    /// `#XDATAMODE: 0` is printed even after a failed send: v2.1.x's generic quit path always
    /// passes 0 (from v2.2 a failure is negative).
    pub fn datamode_zero_hides_failure(self) -> bool {
        !self.sm && (self.major, self.minor) < (2, 2)
    }

    /// An empty command line is answered with `ERROR` (v2.1.x–v2.4.x).
    pub fn empty_line_is_error(self) -> bool {
        !self.sm && (self.major, self.minor) < (2, 5)
    }
}

/// An SLM release as `(major, minor)` of its NCS version, for `since`/`removed` gates.
pub type Release = (u16, u16);

/// The Serial Modem (the SLM's successor, with its own version numbers) as a release gate: later
/// than every SLM release, so it has what the SLM added and lacks what the SLM removed, and
/// `since: Some(SERIAL_MODEM)` marks what only the Serial Modem has.
pub const SERIAL_MODEM: Release = (u16::MAX, u16::MAX);

/// Whether SLM `v` is at or after `since` and before `removed`.
pub fn in_releases(v: SlmVersion, since: Option<Release>, removed: Option<Release>) -> bool {
    let at = if v.sm { SERIAL_MODEM } else { (v.major, v.minor) };
    since.is_none_or(|s| at >= s) && removed.is_none_or(|r| at < r)
}

impl Ord for SlmVersion {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (self.sm, self.major, self.minor, self.patch).cmp(&(o.sm, o.major, o.minor, o.patch))
    }
}

impl PartialOrd for SlmVersion {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl std::fmt::Display for SlmVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.sm {
            write!(f, "SM {}.{}.{}", self.major, self.minor, self.patch)
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slmver_lines_of_every_era_parse() {
        use crate::at::grammar::split_params;
        assert_eq!(SlmVersion::from_params(&split_params("\"2.1.2\"")), Some(SlmVersion::new(2, 1, 2)));
        assert_eq!(SlmVersion::from_params(&split_params("\"2.1.2\"-CUSTOMIZED")), Some(SlmVersion::new(2, 1, 2)));
        assert_eq!(SlmVersion::from_params(&split_params("\"2.3.0\",\"2.3.0\"")), Some(SlmVersion::new(2, 3, 0)));
        assert!(SlmVersion::new(2, 1, 2).is_legacy());
        let sm = SlmVersion::parse("SM 1.0.1").expect("a Serial Modem version");
        assert!(sm.sm && (sm.major, sm.minor, sm.patch) == (1, 0, 1));
        assert_eq!(sm.product(), "Serial Modem 1.0.1");
        assert_eq!(SlmVersion::parse(&sm.to_string()), Some(sm), "Display round-trips");
        assert!(sm > SlmVersion::new(2, 9, 0) && sm > SlmVersion::new(3, 1, 0), "the Serial Modem follows every SLM");
        assert!(!SlmVersion::new(2, 5, 0).is_legacy());
        assert!(SlmVersion::new(2, 5, 0).allows_pipelining());
    }
}
