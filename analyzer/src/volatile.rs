//! Volatile values: the parts of AT lines that legitimately differ between two runs of the same
//! session (IMEI, ICCID, IP addresses, socket handles, timestamps, UUIDs, `%CMNG` sha256 digests,
//! ping times, signal levels), replaced by placeholders so that two sessions can be compared.
//!
//! ```
//! use atscope_analyzer::volatile::normalize;
//! assert_eq!(normalize("+CGPADDR: 0,\"10.160.77.12\""), "+CGPADDR: 0,\"<ipv4>\"");
//! assert_eq!(normalize("#XSOCKET: 3,1,6"), "#XSOCKET: <h>,1,6");
//! assert_eq!(normalize("#XSOCKET: 0,\"closed\""), "#XSOCKET: 0,\"closed\"");
//! ```
//!
//! Pure text in, text out; used by [`crate::diff`] and by the replay responder's fuzzy command
//! matching ([`crate::replay::responder`]).

/// What kind of volatile value a span is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A date and/or time.
    Time,
    /// A UUID (device id).
    Uuid,
    /// A sha256 digest (`%CMNG` listings).
    Sha256,
    /// An IPv4 address.
    Ipv4,
    /// An IPv6 address.
    Ipv6,
    /// A 15-digit IMEI.
    Imei,
    /// A 19/20-digit ICCID.
    Iccid,
    /// A socket handle.
    Handle,
    /// A whole measurement line's value (signal levels, temperature, clock).
    Measurement,
    /// A GNSS fix.
    Fix,
    /// A ping time.
    Secs,
}

impl Kind {
    /// The placeholder [`normalize`] writes.
    pub fn placeholder(self) -> &'static str {
        match self {
            Kind::Time => "<time>",
            Kind::Uuid => "<uuid>",
            Kind::Sha256 => "<sha256>",
            Kind::Ipv4 => "<ipv4>",
            Kind::Ipv6 => "<ipv6>",
            Kind::Imei => "<imei>",
            Kind::Iccid => "<iccid>",
            Kind::Handle => "<h>",
            Kind::Measurement => "<measurement>",
            Kind::Fix => "<fix>",
            Kind::Secs => "<secs>",
        }
    }

    /// Whether the value identifies something (a device, an address, a handle, a moment) rather
    /// than measuring it: what a snapshot transcript aliases.
    pub fn is_identity(self) -> bool {
        !matches!(self, Kind::Measurement | Kind::Fix | Kind::Secs)
    }
}

/// Information lines and URCs whose first field is a socket handle (slm-protocol.md §4.2–§4.3).
const HANDLE_FIRST: &[&str] = &[
    "#XSOCKET",
    "#XSSOCKET",
    "#XSOCKETSELECT",
    "#XTCPCLI",
    "#XTCPSVR",
    "#XUDPCLI",
    "#XUDPSVR",
    "#XACCEPT",
    "#XPOLL",
    "#XAPOLL",
];

/// Commands whose parameters are handles: (name, first handle field).
const HANDLE_PARAMS: &[(&str, usize)] = &[("#XSOCKETSELECT", 0), ("#XTCPHANGUP", 0), ("#XPOLL", 1), ("#XAPOLL", 2)];

/// Lines whose whole value is a measurement that changes from run to run.
const MEASUREMENTS: &[&str] = &["%CESQ", "+CESQ", "+CSQ", "%XMONITOR", "%NCELLMEAS", "%XTEMP", "%XVBAT", "+CCLK"];

/// Replaces the volatile values of one AT line (command or modem line) with placeholders.
pub fn normalize(line: &str) -> String {
    rewrite(line, &mut |k, _| k.placeholder().to_string())
}

/// Finds the volatile values of one AT line and replaces each with what `with(kind, value)`
/// returns (return the value itself to keep it). [`normalize`] and the snapshot transcript's
/// counted aliases are both this.
pub fn rewrite(line: &str, with: &mut dyn FnMut(Kind, &str) -> String) -> String {
    let line = line.trim_end_matches(['\r', '\n']);
    // A command: AT<name>=<params>.
    if line.len() > 2 && line[..2].eq_ignore_ascii_case("AT") {
        let rest = &line[2..];
        if let Some((name, params)) = rest.split_once('=') {
            let name_u = name.to_ascii_uppercase();
            if let Some((_, first)) = HANDLE_PARAMS.iter().find(|(n, _)| *n == name_u) {
                let fields = alias_fields(params, |i| i >= *first, with);
                return format!("{}={}", &line[..2 + name.len()], generic(&fields, with));
            }
        }
        return generic(line, with);
    }
    // A prefixed modem line: NAME: fields.
    if let Some((name, fields)) = line.split_once(':') {
        let name_t = name.trim();
        if name_t.len() > 1 && name_t.starts_with(['#', '+', '%']) && !name_t.contains(' ') {
            let name_u = name_t.to_ascii_uppercase();
            let lead = &fields[..fields.len() - fields.trim_start().len()];
            if MEASUREMENTS.contains(&name_u.as_str()) {
                return format!("{name}:{lead}{}", with(Kind::Measurement, fields.trim_start()));
            }
            if name_u == "#XPING" {
                return format!("{name}:{}", ping(fields, with));
            }
            if name_u == "#XGPS" && has_datetime(fields) {
                let fix = with(Kind::Fix, fields.trim_start());
                // A kept fix still has its time aliased.
                let fix = if fix == fields.trim_start() { generic(&fix, with) } else { fix };
                return format!("{name}:{lead}{fix}");
            }
            // `#XSOCKET: <result>,"closed"`, `#XTCPCLI: <err>,"disconnected"`: a result, not a handle.
            let result_form = ["\"closed\"", "\"disconnected\"", "\"stopped\"", "\"not started\"", "\"not connected\""]
                .iter()
                .any(|w| fields.contains(w));
            if HANDLE_FIRST.contains(&name_u.as_str()) && !result_form {
                let aliased = alias_fields(fields.trim_start(), |i| i == 0, with);
                return format!("{name}:{lead}{}", generic(&aliased, with));
            }
            return format!("{name}:{}", generic(fields, with));
        }
    }
    generic(line, with)
}

/// `0.386 seconds` / `average 0.412 seconds` → `<secs> seconds`.
fn ping(fields: &str, with: &mut dyn FnMut(Kind, &str) -> String) -> String {
    fields
        .split(' ')
        .map(|w| {
            if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || c == '.') {
                with(Kind::Secs, w)
            } else {
                w.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replaces the integer fields (comma-separated, quote-aware) whose index satisfies `which`.
fn alias_fields(s: &str, which: impl Fn(usize) -> bool, with: &mut dyn FnMut(Kind, &str) -> String) -> String {
    let mut out = String::with_capacity(s.len());
    for (idx, (r, _)) in crate::at::grammar::param_fields(s.as_bytes()).into_iter().enumerate() {
        if idx > 0 {
            out.push(',');
        }
        // Fields end at ASCII commas, so their ranges are on character boundaries.
        let field = &s[r];
        let t = field.trim();
        if which(idx) && !t.is_empty() && t.trim_start_matches('-').chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&with(Kind::Handle, t));
        } else {
            out.push_str(field);
        }
    }
    out
}

fn has_datetime(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).any(|i| datetime_len(&b[i..]).is_some())
}

/// Length of a date-time at the start of `b`: `YYYY-MM-DD hh:mm:ss`, `YY/MM/DD,hh:mm:ss`, an
/// optional `+zz`/`-zz`/`Z`, or a bare `hh:mm:ss`.
fn datetime_len(b: &[u8]) -> Option<usize> {
    let digits = |from: usize, n: usize| b.len() >= from + n && b[from..from + n].iter().all(u8::is_ascii_digit);
    let time_at = |p: usize| {
        digits(p, 2)
            && b.get(p + 2) == Some(&b':')
            && digits(p + 3, 2)
            && b.get(p + 5) == Some(&b':')
            && digits(p + 6, 2)
    };
    let mut end = None;
    for year in [4usize, 2] {
        if digits(0, year)
            && matches!(b.get(year), Some(b'-' | b'/'))
            && digits(year + 1, 2)
            && matches!(b.get(year + 3), Some(b'-' | b'/'))
            && digits(year + 4, 2)
            && matches!(b.get(year + 6), Some(b' ' | b',' | b'T'))
            && time_at(year + 7)
        {
            end = Some(year + 15);
            break;
        }
    }
    if end.is_none() && time_at(0) {
        end = Some(8);
    }
    let mut e = end?;
    // Fractional seconds, zone.
    if b.get(e) == Some(&b'.') {
        e += 1;
        while b.get(e).is_some_and(u8::is_ascii_digit) {
            e += 1;
        }
    }
    if matches!(b.get(e), Some(b'+' | b'-')) && digits(e + 1, 2) {
        e += 3;
    } else if b.get(e) == Some(&b'Z') {
        e += 1;
    }
    Some(e)
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Generic volatile values anywhere in the text.
fn generic(s: &str, with: &mut dyn FnMut(Kind, &str) -> String) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut plain_from = 0;
    while i < b.len() {
        let boundary = i == 0 || !is_word(b[i - 1]);
        let hit: Option<(usize, Kind)> = if boundary {
            datetime_len(&b[i..])
                .map(|n| (n, Kind::Time))
                .or_else(|| uuid_len(&b[i..]).map(|n| (n, Kind::Uuid)))
                .or_else(|| hex_run(&b[i..], 64).map(|n| (n, Kind::Sha256)))
                .or_else(|| ipv4_len(&b[i..]).map(|n| (n, Kind::Ipv4)))
                .or_else(|| ipv6_len(&b[i..]).map(|n| (n, Kind::Ipv6)))
                .or_else(|| digit_run(&b[i..], 15).map(|n| (n, Kind::Imei)))
                .or_else(|| digit_run(&b[i..], 19).or_else(|| digit_run(&b[i..], 20)).map(|n| (n, Kind::Iccid)))
        } else {
            None
        };
        match hit {
            Some((n, kind)) => {
                out.push_str(&s[plain_from..i]);
                out.push_str(&with(kind, &s[i..i + n]));
                i += n;
                plain_from = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&s[plain_from..]);
    out
}

fn ends_token(b: &[u8], n: usize) -> bool {
    b.get(n).is_none_or(|&c| !is_word(c))
}

fn digit_run(b: &[u8], n: usize) -> Option<usize> {
    (b.len() >= n && b[..n].iter().all(u8::is_ascii_digit) && ends_token(b, n)).then_some(n)
}

fn hex_run(b: &[u8], n: usize) -> Option<usize> {
    (b.len() >= n && b[..n].iter().all(u8::is_ascii_hexdigit) && ends_token(b, n)).then_some(n)
}

fn uuid_len(b: &[u8]) -> Option<usize> {
    let groups = [8, 4, 4, 4, 12];
    let mut p = 0;
    for (k, g) in groups.iter().enumerate() {
        if b.len() < p + g || !b[p..p + g].iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        p += g;
        if k < 4 {
            if b.get(p) != Some(&b'-') {
                return None;
            }
            p += 1;
        }
    }
    ends_token(b, p).then_some(p)
}

fn ipv4_len(b: &[u8]) -> Option<usize> {
    let mut p = 0;
    for k in 0..4 {
        let start = p;
        while p < b.len() && b[p].is_ascii_digit() && p - start < 3 {
            p += 1;
        }
        if p == start {
            return None;
        }
        if k < 3 {
            if b.get(p) != Some(&b'.') {
                return None;
            }
            p += 1;
        }
    }
    (ends_token(b, p) && b.get(p) != Some(&b'.')).then_some(p)
}

fn ipv6_len(b: &[u8]) -> Option<usize> {
    let n = b.iter().take_while(|c| c.is_ascii_hexdigit() || **c == b':').count();
    let t = &b[..n];
    let colons = t.iter().filter(|&&c| c == b':').count();
    let has_double = t.windows(2).any(|w| w == b"::");
    let groups_ok = t.split(|&c| c == b':').all(|g| g.len() <= 4);
    ((colons >= 7 || (has_double && colons >= 2)) && groups_ok && n >= 6 && ends_token(b, n)).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_and_addresses_are_aliased() {
        assert_eq!(normalize("+CGSN: \"352656100367872\""), "+CGSN: \"<imei>\"");
        assert_eq!(normalize("352656100367872"), "<imei>");
        assert_eq!(normalize("%XICCID: 89882806660004909182"), "%XICCID: <iccid>");
        assert_eq!(
            normalize("+CGPADDR: 0,\"10.160.77.12\",\"2001:db8:85a3::8a2e:370:7334\""),
            "+CGPADDR: 0,\"<ipv4>\",\"<ipv6>\""
        );
        assert_eq!(
            normalize("#XNRFCLOUD: 0,0,16842753,\"50503041-3633-4261-803d-1e2b8f70111a\""),
            "#XNRFCLOUD: 0,0,16842753,\"<uuid>\""
        );
        assert_eq!(
            normalize("%CMNG: 3210,0,\"6959097001D10501AC7D54C0BDB8DB61420F658F2922CC26E46D536119A31126\""),
            "%CMNG: 3210,0,\"<sha256>\""
        );
    }

    #[test]
    fn versions_sec_tags_and_plain_numbers_stay() {
        for l in ["#XSLMVER: \"2.1.2\"", "mfw_nrf9160_1.3.5", "%CMNG: 16842753,2", "+CEREG: 1,\"0A2E\",\"01D9B70A\",7"]
        {
            assert_eq!(normalize(l), l);
        }
    }

    #[test]
    fn handles_times_and_measurements_are_aliased() {
        assert_eq!(normalize("#XSOCKET: 3,1,6"), "#XSOCKET: <h>,1,6");
        assert_eq!(normalize("#XTCPCLI: 2,\"connected\""), "#XTCPCLI: <h>,\"connected\"");
        assert_eq!(normalize("AT#XSOCKETSELECT=4"), "AT#XSOCKETSELECT=<h>");
        assert_eq!(normalize("AT#XPOLL=500,3,4"), "AT#XPOLL=500,<h>,<h>");
        assert_eq!(normalize("#XPING: 0.386 seconds"), "#XPING: <secs> seconds");
        assert_eq!(normalize("+CCLK: \"26/11/25,09:41:07+04\""), "+CCLK: <measurement>");
        assert_eq!(
            normalize("#XSMS: \"26-11-25 09:41:07 UTC+01:00\",\"+123\",\"hi\""),
            "#XSMS: \"<time> UTC+01:00\",\"+123\",\"hi\""
        );
        assert_eq!(normalize("#XGPS: 35.681236,139.767125,41.2,7.8,0.1,0.0,\"2026-11-25 09:41:07\""), "#XGPS: <fix>");
        assert_eq!(normalize("%CESQ: 54,2,20,3"), "%CESQ: <measurement>");
    }
}
