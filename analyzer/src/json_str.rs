//! The bytes of JSON strings, for the two hot paths that handle them by hand: the JSON Lines
//! writer ([`crate::report::json`]) escapes with [`push_escaped`], the `.atrace` reader
//! ([`crate::trace`]) unescapes the bytes [`needs_escape`] names.
//!
//! A JSON string holds every byte as it is except `"`, `\` and the control bytes below 0x20
//! (serde_json leaves DEL and everything above ASCII as they are, and so do we).

/// Whether a JSON string needs `b` escaped.
pub const fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any of the 8 bytes in `w` needs an escape (the "has a byte less than n" and "has a
/// zero byte" word tricks: exact as a yes/no answer).
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let has_below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS != 0;
    has_below_space || has_zero(w ^ (ONES * u64::from(b'"'))) || has_zero(w ^ (ONES * u64::from(b'\\')))
}

/// How many bytes at the start of `bytes` need no escape: eight at a time, then one by one.
fn plain_len(bytes: &[u8]) -> usize {
    let mut words = bytes.chunks_exact(8);
    let mut n = 0;
    for w in &mut words {
        if word_needs_escape(u64::from_ne_bytes(w.try_into().expect("chunks of 8"))) {
            break;
        }
        n += 8;
    }
    n + bytes[n..].iter().take_while(|&&b| !needs_escape(b)).count()
}

/// Appends UTF-8 `bytes` as a JSON string, escaped as serde_json escapes: `\"`, `\\`, `\b` `\f`
/// `\n` `\r` `\t`, other control characters as `\u00XX` (lower-case hex). Runs that need no
/// escape (all of most strings) are copied whole.
pub fn push_escaped(buf: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.reserve(bytes.len() + 2);
    buf.push(b'"');
    let mut i = 0;
    loop {
        let run = plain_len(&bytes[i..]);
        buf.extend_from_slice(&bytes[i..i + run]);
        i += run;
        let Some(&b) = bytes.get(i) else { break };
        i += 1;
        match b {
            b'"' => buf.extend_from_slice(b"\\\""),
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            0x08 => buf.extend_from_slice(b"\\b"),
            0x0c => buf.extend_from_slice(b"\\f"),
            b => buf.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]),
        }
    }
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_word_needs_an_escape_when_one_of_its_bytes_does(w in any::<[u8; 8]>()) {
            prop_assert_eq!(word_needs_escape(u64::from_ne_bytes(w)), w.iter().any(|&b| needs_escape(b)));
        }

        #[test]
        fn the_plain_run_ends_at_the_first_byte_that_needs_an_escape(b in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(plain_len(&b), b.iter().position(|&c| needs_escape(c)).unwrap_or(b.len()));
        }

        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(s in "\\PC*|[ -~\"\\\\\u{0}-\u{1f}\u{7f}é€😀]{0,40}") {
            let mut buf = Vec::new();
            push_escaped(&mut buf, s.as_bytes());
            prop_assert_eq!(String::from_utf8(buf).unwrap(), serde_json::to_string(&s).unwrap());
        }
    }
}
