//! Faults the modem side of a replay injects on request: `--inject KIND@PATTERN[=ARG]`.
//!
//! | spec | effect |
//! |---|---|
//! | `reset@AT#XMQTTCON=0` | instead of the recorded answer: junk bytes `c0 ff 00`, then `Ready\r\n` (a reboot, slm-protocol.md §6) |
//! | `drop-urc@#XMQTTEVT` | modem lines starting with the pattern are never sent (`#XMQTTEVT: 1` narrows it) |
//! | `delay@AT+CFUN=1=5s` | the answer to the command comes this much later (not scaled by `--speed`) |
//! | `garbage@AT+CGMR` | junk bytes (`ff fe 00 80`, or `=hex:c0ff`) before the answer |
//!
//! A command pattern matches a command line that starts with it, case-insensitively; the `AT`
//! may be left out (`reset@#XMQTTCON=0`). Surrounding quotes are removed.

/// Junk a rebooting nRF9160 puts on its TX line before `Ready` (slm-protocol.md §2, §6).
pub const RESET_JUNK: &[u8] = &[0xC0, 0xFF, 0x00];
/// Default junk for `garbage@`.
pub const DEFAULT_GARBAGE: &[u8] = &[0xFF, 0xFE, 0x00, 0x80];

/// What to inject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Reset instead of answering.
    Reset,
    /// Never send lines starting with the pattern.
    DropUrc,
    /// Answer later, ns.
    Delay(i64),
    /// Junk before the answer.
    Garbage(Vec<u8>),
}

/// One `--inject` spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injection {
    /// What.
    pub fault: Fault,
    /// A command prefix (without `AT`), or for [`Fault::DropUrc`] a modem line prefix.
    pub pattern: String,
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['\'', '"'] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

fn strip_at(s: &str) -> &str {
    if s.len() >= 2 && s[..2].eq_ignore_ascii_case("AT") {
        &s[2..]
    } else {
        s
    }
}

fn hex(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() || !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok()).collect()
}

impl Injection {
    /// Parses `KIND@PATTERN[=ARG]`.
    pub fn parse(spec: &str) -> Result<Injection, String> {
        let (kind, rest) = spec
            .split_once('@')
            .ok_or_else(|| format!("{spec:?}: expected KIND@PATTERN, e.g. reset@'AT#XMQTTCON=0'"))?;
        let rest = unquote(rest);
        let (fault, pattern) = match kind.trim() {
            "reset" => (Fault::Reset, strip_at(rest).to_string()),
            "drop-urc" => (Fault::DropUrc, rest.to_string()),
            "delay" => {
                let need = || format!("{spec:?}: delay needs =DURATION with a unit, e.g. delay@AT+CFUN=1=5s");
                let (p, d) = rest.rsplit_once('=').ok_or_else(need)?;
                if !d.trim().ends_with(|c: char| c.is_ascii_alphabetic()) {
                    return Err(need());
                }
                let ns =
                    super::parse_duration(d).ok_or_else(|| format!("{spec:?}: {d:?} is not a duration like 5s"))?;
                (Fault::Delay(ns), strip_at(unquote(p)).to_string())
            }
            "garbage" => match rest.rsplit_once("=hex:") {
                Some((p, h)) => {
                    let bytes = hex(h).ok_or_else(|| format!("{spec:?}: {h:?} is not hex bytes like c0ff"))?;
                    (Fault::Garbage(bytes), strip_at(unquote(p)).to_string())
                }
                None => (Fault::Garbage(DEFAULT_GARBAGE.to_vec()), strip_at(rest).to_string()),
            },
            other => return Err(format!("{other:?}: unknown fault; one of reset, drop-urc, delay, garbage")),
        };
        if pattern.is_empty() && fault != Fault::Reset {
            return Err(format!("{spec:?}: empty pattern"));
        }
        Ok(Injection { fault, pattern })
    }

    /// Whether a host command line matches this injection's command pattern.
    pub fn matches_command(&self, line: &[u8]) -> bool {
        if self.fault == Fault::DropUrc {
            return false;
        }
        let line = String::from_utf8_lossy(line);
        let l = strip_at(line.trim());
        l.len() >= self.pattern.len() && l[..self.pattern.len()].eq_ignore_ascii_case(&self.pattern)
    }
}

/// Removes from `bytes` the CR LF-framed lines starting with `prefix` (case-insensitive), with
/// the CR LF that leads them.
pub fn drop_lines(bytes: &[u8], prefix: &str) -> Vec<u8> {
    let p = prefix.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let line_start = i == 0 || bytes[i - 1] == b'\n';
        if line_start && bytes.len() - i >= p.len() && bytes[i..i + p.len()].eq_ignore_ascii_case(p) {
            let end = bytes[i..].windows(2).position(|w| w == b"\r\n").map_or(bytes.len(), |k| i + k + 2);
            if out.ends_with(b"\r\n") {
                out.truncate(out.len() - 2);
            }
            i = end;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_of_every_kind() {
        let r = Injection::parse("reset@'AT#XMQTTCON=0'").unwrap();
        assert_eq!((r.fault, r.pattern.as_str()), (Fault::Reset, "#XMQTTCON=0"));
        assert!(Injection::parse("reset@AT#XMQTTCON=0").unwrap().matches_command(b"AT#XMQTTCON=0"));
        assert!(Injection::parse("reset@#xmqttcon=0").unwrap().matches_command(b"AT#XMQTTCON=0"));
        assert!(!Injection::parse("reset@#XMQTTCON=0").unwrap().matches_command(b"AT#XMQTTCON=1,\"c\""));
        let d = Injection::parse("delay@AT+CFUN=1=5s").unwrap();
        assert_eq!((d.fault, d.pattern.as_str()), (Fault::Delay(5_000_000_000), "+CFUN=1"));
        let g = Injection::parse("garbage@AT+CGMR=hex:c0ff").unwrap();
        assert_eq!((g.fault, g.pattern.as_str()), (Fault::Garbage(vec![0xC0, 0xFF]), "+CGMR"));
        assert_eq!(Injection::parse("garbage@AT+CGMR").unwrap().fault, Fault::Garbage(DEFAULT_GARBAGE.to_vec()));
        let u = Injection::parse("drop-urc@'#XMQTTEVT: 1'").unwrap();
        assert_eq!((u.fault, u.pattern.as_str()), (Fault::DropUrc, "#XMQTTEVT: 1"));
        assert!(Injection::parse("explode@AT").is_err());
        assert!(Injection::parse("delay@AT+CFUN=1").is_err());
        assert!(Injection::parse("reset").is_err());
    }

    #[test]
    fn dropped_lines_take_their_leading_crlf_with_them() {
        assert_eq!(drop_lines(b"\r\n#XMQTTEVT: 1,0\r\n\r\nOK\r\n", "#XMQTTEVT"), b"\r\nOK\r\n");
        assert_eq!(drop_lines(b"\r\n#XMQTTEVT: 0,0\r\n", "#XMQTTEVT: 1"), b"\r\n#XMQTTEVT: 0,0\r\n");
        assert_eq!(drop_lines(b"\r\n#XMQTTEVT: 7,0\r\n", "#XMQTTEVT"), b"");
    }
}
