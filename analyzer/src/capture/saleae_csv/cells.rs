//! The cells of a Saleae export: times in any of Saleae's notations and values in any radix.

/// Parses a time cell: relative seconds (`0.000592672`, `2.375e-05`) to nanoseconds, or an
/// ISO-8601 wall time to nanoseconds since the Unix epoch (flag `true`).
pub fn parse_time(cell: &str) -> Option<(i64, bool)> {
    let cell = cell.trim();
    if cell.contains('T') && cell.contains('-') {
        return crate::wall_time::parse_ns(cell, true).map(|t| (t, true));
    }
    if cell.contains(['e', 'E']) {
        let v: f64 = cell.parse().ok()?;
        if !v.is_finite() || v.abs() > 9.0e9 {
            return None;
        }
        return Some(((v * 1e9).round() as i64, false));
    }
    let (neg, digits) = match cell.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cell.strip_prefix('+').unwrap_or(cell)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || int.len() > 9 {
        return None;
    }
    let secs: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut ns: i64 = 0;
    for (i, b) in frac.bytes().enumerate() {
        if i < 9 {
            ns = ns * 10 + i64::from(b - b'0');
        } else if i == 9 && b >= b'5' {
            ns += 1; // round half up on the tenth digit
        }
    }
    for _ in frac.len()..9 {
        ns *= 10;
    }
    let t = secs * 1_000_000_000 + ns;
    Some((if neg { -t } else { t }, false))
}

/// Parses a data-table value cell in any radix into bytes.
pub fn parse_value(cell: &str, quoted: bool) -> Option<Vec<u8>> {
    if quoted {
        return Some(unescape_ascii(cell));
    }
    let cell = cell.trim();
    if cell.is_empty() {
        return None;
    }
    if let Some(hex) = cell.strip_prefix("0x").or_else(|| cell.strip_prefix("0X")) {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let padded = if hex.len() % 2 == 1 { format!("0{hex}") } else { hex.to_string() };
        return (0..padded.len()).step_by(2).map(|i| u8::from_str_radix(&padded[i..i + 2], 16).ok()).collect();
    }
    if let Some(bin) = cell.strip_prefix("0b").or_else(|| cell.strip_prefix("0B")) {
        if bin.is_empty() || !bin.bytes().all(|b| b == b'0' || b == b'1') {
            return None;
        }
        let nbytes = bin.len().div_ceil(8);
        let padded = format!("{}{bin}", "0".repeat(nbytes * 8 - bin.len()));
        return (0..nbytes).map(|i| u8::from_str_radix(&padded[i * 8..i * 8 + 8], 2).ok()).collect();
    }
    cell.split_ascii_whitespace().map(|d| d.parse::<u16>().ok().and_then(|v| u8::try_from(v).ok())).collect()
}

fn unescape_ascii(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        match it.next() {
            Some('0') => out.push(0),
            Some('r') => out.push(b'\r'),
            Some('n') => out.push(b'\n'),
            Some('t') => out.push(b'\t'),
            Some('\\') => out.push(b'\\'),
            Some('x') => {
                let h: String = it.by_ref().take(2).collect();
                out.push(u8::from_str_radix(&h, 16).unwrap_or(b'?'));
            }
            Some(other) => {
                out.push(b'\\');
                let mut buf = [0u8; 4];
                out.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            }
            None => out.push(b'\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_every_saleae_notation_become_exact_nanoseconds() {
        assert_eq!(parse_time("0.000592672"), Some((592_672, false)));
        assert_eq!(parse_time("7.9902142"), Some((7_990_214_200, false)));
        assert_eq!(parse_time("2.375e-05"), Some((23_750, false)));
        assert_eq!(parse_time("-0.5"), Some((-500_000_000, false)));
        assert_eq!(parse_time("0.042909760000000"), Some((42_909_760, false)));
        let (a, iso) = parse_time("2022-06-29T04:05:27.591152100+00:00").unwrap();
        let (b, _) = parse_time("2022-06-29T06:05:27.591152200+02:00").unwrap();
        assert!(iso);
        assert_eq!(b - a, 100);
        assert_eq!(a, 1_656_475_527_591_152_100);
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn values_in_every_radix_become_bytes() {
        assert_eq!(parse_value("0x31", false), Some(vec![0x31]));
        assert_eq!(parse_value("0x486900", false), Some(vec![0x48, 0x69, 0]));
        assert_eq!(parse_value("Hi\\0", true), Some(b"Hi\0".to_vec()));
        assert_eq!(parse_value("\\r\\n", true), Some(b"\r\n".to_vec()));
        assert_eq!(parse_value("72 105 0", false), Some(vec![72, 105, 0]));
        assert_eq!(parse_value("0b1001000", false), Some(vec![0x48]));
        assert_eq!(parse_value("0b100000001", false), Some(vec![0x01, 0x01]), "a 9-bit word, MSB first");
        assert_eq!(parse_value("0xZZ", false), None);
    }
}
