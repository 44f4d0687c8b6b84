//! One line of the SLM's log as Zephyr's text logging prints it, parsed once (complete, pure).
//!
//! ```text
//! [00:00:12.345,678] <err> os: ***** BUS FAULT *****          Zephyr's default format
//! [00012345] <inf> slm: text                                  raw timestamp (32768 Hz RTC ticks)
//! [    12.345678] <dbg> slm_at_host: cmd_send: RX             seconds (Linux-style format)
//! 2024-05-01 12:00:00.123 [00:00:01.000,000] <inf> …          a terminal's wall-clock prefix
//! *** Booting nRF Connect SDK v2.1.2 ***                      printk output: no header
//!                                  41 54 0d 0a   |AT..        a hexdump continuation
//! ```
//!
//! Colour escapes (`ESC [ … m`) and other control bytes are removed; invalid UTF-8 becomes
//! U+FFFD. Any line parses: what fits no part of the format is text of level `unknown`.

use serde::Serialize;

/// Log level of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `<err>`.
    Err,
    /// `<wrn>`.
    Wrn,
    /// `<inf>`.
    Inf,
    /// `<dbg>`.
    Dbg,
    /// No level: printk output (the boot banner, `ASSERTION FAIL`), or a line that fits no format.
    #[default]
    Unknown,
}

impl Level {
    /// The name used in every output (`err`, `wrn`, `inf`, `dbg`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Err => "err",
            Level::Wrn => "wrn",
            Level::Inf => "inf",
            Level::Dbg => "dbg",
            Level::Unknown => "unknown",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "err" => Level::Err,
            "wrn" => Level::Wrn,
            "inf" => Level::Inf,
            "dbg" => Level::Dbg,
            _ => return None,
        })
    }
}

/// Ticks per second of a raw (unformatted) log timestamp: the nRF91's RTC behind Zephyr's cycle
/// counter runs at 32768 Hz.
pub const RAW_TICKS_PER_S: i64 = 32_768;

/// One parsed log line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Line {
    /// Uptime since boot from the line's own timestamp, ns.
    pub uptime_ns: Option<i64>,
    /// The wall-clock prefix a terminal program wrote in front of the line, as written.
    pub host_time: Option<String>,
    /// The level (`Unknown` without a `<lvl>` tag).
    pub level: Level,
    /// The log module (`os`, `slm_at_host`, `nrf_modem`), when the line has a header.
    pub module: Option<String>,
    /// The message (after `module: `), or the whole line without a header.
    pub text: String,
    /// An indented line without a header: the continuation of the line before (a hexdump row,
    /// an assertion's message).
    pub continuation: bool,
}

/// Removes ANSI escape sequences and control bytes other than tab; invalid UTF-8 becomes U+FFFD.
pub fn clean(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b == 0x1b {
            i += 1;
            if raw.get(i) == Some(&b'[') {
                i += 1;
                // Parameters and intermediates, then one final byte 0x40..=0x7e.
                while i < raw.len() && !(0x40..=0x7e).contains(&raw[i]) {
                    i += 1;
                }
            }
            i += 1;
            continue;
        }
        if (b >= 0x20 || b == b'\t') && b != 0x7f {
            out.push(b);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses one line (without its line end).
pub fn parse(raw: &[u8]) -> Line {
    let cleaned = clean(raw);
    let mut rest = cleaned.trim_end();
    let mut line = Line::default();
    if let Some((host, after)) = host_prefix(rest) {
        line.host_time = Some(host.to_string());
        rest = after;
    }
    let mut headed = false;
    if let Some((t, after)) = zephyr_timestamp(rest) {
        line.uptime_ns = Some(t);
        rest = after.trim_start();
        headed = true;
    }
    if let Some((level, after)) = level_tag(rest) {
        line.level = level;
        rest = after.trim_start();
        headed = true;
        if let Some((module, after)) = module_prefix(rest) {
            line.module = Some(module.to_string());
            rest = after;
        }
    }
    if !headed && line.host_time.is_none() && (cleaned.starts_with(' ') || cleaned.starts_with('\t')) {
        line.continuation = true;
    }
    line.text = if line.continuation { rest.trim().to_string() } else { rest.to_string() };
    line
}

fn digits(s: &str, min: usize, max: usize) -> Option<(&str, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (min..=max).contains(&n).then(|| s.split_at(n))
}

/// `hh:mm:ss` then `.`/`,` fraction: returns (ns of day, rest). Not Zephyr's `.mmm,uuu` form.
fn clock(s: &str) -> Option<(i64, &str)> {
    let (h, r) = digits(s, 1, 2)?;
    let r = r.strip_prefix(':')?;
    let (m, r) = digits(r, 2, 2)?;
    let r = r.strip_prefix(':')?;
    let (sec, mut r) = digits(r, 2, 2)?;
    let mut ns: i64 =
        (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60 + sec.parse::<i64>().ok()?) * 1_000_000_000;
    if let Some(f) = r.strip_prefix('.').or_else(|| r.strip_prefix(',')) {
        let (frac, r2) = digits(f, 1, 9)?;
        ns += frac.parse::<i64>().ok()? * 10i64.pow(9 - frac.len() as u32);
        r = r2;
    }
    Some((ns, r))
}

/// A terminal program's wall-clock prefix: `[YYYY-MM-DD hh:mm:ss.fff]`, `hh:mm:ss.fff >`, …
fn host_prefix(s: &str) -> Option<(&str, &str)> {
    let (bracket, body) = match s.strip_prefix('[') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let mut r = body;
    if let Some((_, after)) = digits(r, 4, 4) {
        // A date: YYYY-MM-DD then ' ' or 'T'.
        let a = after.strip_prefix('-')?;
        let (_, a) = digits(a, 2, 2)?;
        let a = a.strip_prefix('-')?;
        let (_, a) = digits(a, 2, 2)?;
        r = a.strip_prefix(' ').or_else(|| a.strip_prefix('T'))?;
    }
    let (_, mut after) = clock(r)?;
    // Zephyr's own stamp is `hh:mm:ss.mmm,uuu]`: not a host prefix.
    if bracket && after.starts_with(',') {
        return None;
    }
    if bracket {
        after = after.strip_prefix(']')?;
    } else if !after.starts_with(' ') {
        return None;
    }
    let stamp_len = s.len() - after.len();
    let rest = after.trim_start_matches([' ', '>', '-', '|', ':', '\t']);
    if rest.is_empty() && after.is_empty() {
        return None;
    }
    Some((&s[..stamp_len], rest))
}

/// Zephyr's uptime stamp: `[hh:mm:ss.mmm,uuu]`, `[sssss.uuuuuu]` or raw ticks `[dddddddd]`.
fn zephyr_timestamp(s: &str) -> Option<(i64, &str)> {
    let body = s.strip_prefix('[')?;
    let end = body.find(']')?;
    let (inner, rest) = (body[..end].trim(), &body[end + 1..]);
    if inner.is_empty() || inner.len() > 24 {
        return None;
    }
    if let Some((hms, us)) = inner.split_once(',') {
        let (ns, tail) = clock(hms)?;
        if !tail.is_empty() {
            return None;
        }
        let (u, t2) = digits(us, 3, 3)?;
        if !t2.is_empty() {
            return None;
        }
        return Some((ns + u.parse::<i64>().ok()? * 1_000, rest));
    }
    if let Some((sec, frac)) = inner.split_once('.') {
        let (s_digits, t1) = digits(sec, 1, 10)?;
        let (f_digits, t2) = digits(frac, 1, 9)?;
        if !t1.is_empty() || !t2.is_empty() {
            return None;
        }
        let ns = s_digits.parse::<i64>().ok()?.checked_mul(1_000_000_000)?
            + f_digits.parse::<i64>().ok()? * 10i64.pow(9 - f_digits.len() as u32);
        return Some((ns, rest));
    }
    let (d, t) = digits(inner, 1, 20)?;
    if !t.is_empty() {
        return None;
    }
    let ticks: i64 = d.parse().ok()?;
    Some((((ticks as i128) * 1_000_000_000 / RAW_TICKS_PER_S as i128).min(i64::MAX as i128) as i64, rest))
}

fn level_tag(s: &str) -> Option<(Level, &str)> {
    let body = s.strip_prefix('<')?;
    let (tag, rest) = body.split_at_checked(3)?;
    let rest = rest.strip_prefix('>')?;
    Some((Level::parse(tag)?, rest))
}

fn module_prefix(s: &str) -> Option<(&str, &str)> {
    let n = s.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
    if n == 0 {
        return None;
    }
    let rest = s[n..].strip_prefix(':')?;
    Some((&s[..n], rest.strip_prefix(' ').unwrap_or(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zephyr_default_format_gives_uptime_level_module_and_text() {
        let l = parse(b"[00:01:02.345,678] <err> slm_mqtt: mqtt_connect: -111");
        assert_eq!(l.uptime_ns, Some(62_345_678_000));
        assert_eq!(l.level, Level::Err);
        assert_eq!(l.module.as_deref(), Some("slm_mqtt"));
        assert_eq!(l.text, "mqtt_connect: -111");
        assert!(!l.continuation);
    }

    #[test]
    fn colour_escapes_are_removed() {
        let l = parse(b"\x1b[1;31m[00:00:05.000,100] <err> os: ***** BUS FAULT *****\x1b[0m");
        assert_eq!(l.uptime_ns, Some(5_000_100_000));
        assert_eq!(l.module.as_deref(), Some("os"));
        assert_eq!(l.text, "***** BUS FAULT *****");
    }

    #[test]
    fn raw_ticks_and_seconds_stamps() {
        assert_eq!(parse(b"[00032768] <inf> slm: x").uptime_ns, Some(1_000_000_000));
        assert_eq!(parse(b"[    12.500000] <dbg> a: b").uptime_ns, Some(12_500_000_000));
    }

    #[test]
    fn a_terminal_wall_clock_prefix_is_kept_apart() {
        let l = parse(b"[2024-05-01 12:00:00.123] [00:00:01.000,000] <inf> slm: Serial LTE Modem");
        assert_eq!(l.host_time.as_deref(), Some("[2024-05-01 12:00:00.123]"));
        assert_eq!(l.uptime_ns, Some(1_000_000_000));
        assert_eq!(l.text, "Serial LTE Modem");
        let l = parse(b"12:00:00.123 > *** Booting nRF Connect SDK v2.1.2 ***");
        assert_eq!(l.host_time.as_deref(), Some("12:00:00.123"));
        assert_eq!(l.text, "*** Booting nRF Connect SDK v2.1.2 ***");
        assert_eq!(l.level, Level::Unknown);
    }

    #[test]
    fn printk_lines_and_hexdump_rows() {
        let l = parse(b"ASSERTION FAIL [err == 0] @ WEST_TOPDIR/zephyr/kernel/sem.c:42");
        assert_eq!((l.level, l.uptime_ns, l.continuation), (Level::Unknown, None, false));
        let l = parse(b"                                 41 54 0d 0a                 |AT..             ");
        assert!(l.continuation);
        assert_eq!(l.text, "41 54 0d 0a                 |AT..");
    }

    #[test]
    fn garbage_is_text_of_unknown_level() {
        let l = parse(b"\xff\xfe[00:0<zz> \x00\x01");
        assert_eq!(l.level, Level::Unknown);
        assert_eq!(l.uptime_ns, None);
        assert!(l.text.contains('\u{fffd}'));
    }
}
