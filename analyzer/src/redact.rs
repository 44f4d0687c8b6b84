//! Redaction of secrets: credential content (`%CMNG`, `#XCMNG`), passwords (`#XMQTTCON`,
//! `#XFTP` open) and PINs (`+CPIN`), in commands and in `%CMNG` read output.
//!
//! Every export and snapshot goes through [`redact_event`] unless the user asks otherwise. The
//! redacted field keeps its length, so a reader can still tell a 1.2 KB certificate from an
//! empty string: `"<redacted 1234 bytes>"`.

use crate::at::grammar::{Form, Param};
use crate::slm::SlmVersion;
use crate::timeline::{Event, EventKind};

/// Which parameters of a command are secret.
fn secret_params(name: &str, params: &[Param], version: SlmVersion) -> &'static [usize] {
    let int = |i: usize| params.get(i).and_then(Param::as_int);
    match name {
        "%CMNG" | "#XCMNG" if int(0) == Some(0) => &[3, 4],
        // v2.1: op,client_id,user,pass,…; v2.6 moved the client id to #XMQTTCFG: op,user,pass,…
        "#XMQTTCON" if version >= SlmVersion::new(2, 6, 0) => &[1, 2],
        "#XMQTTCON" => &[2, 3],
        // PDN authentication: user name and password.
        "+CGAUTH" => &[2, 3],
        "#XFTP" if params.first().and_then(Param::as_text).is_some_and(|c| c.eq_ignore_ascii_case("open")) => &[2],
        "+CPIN" => &[0, 1],
        _ => &[],
    }
}

/// Replaces the comma-separated fields `which` of `line` after byte `start` (quote-aware).
fn redact_fields(line: &[u8], start: usize, which: &[usize]) -> Vec<u8> {
    let mut out = line[..start].to_vec();
    let mut field = 0;
    let mut cur: Vec<u8> = Vec::new();
    let mut quoted = false;
    let flush = |cur: &mut Vec<u8>, field: usize, out: &mut Vec<u8>| {
        let trimmed: &[u8] = cur.as_slice();
        if which.contains(&field) && !trimmed.is_empty() && trimmed != b"\"\"" {
            let inner = trimmed.strip_prefix(b"\"").and_then(|t| t.strip_suffix(b"\"")).unwrap_or(trimmed);
            out.extend_from_slice(format!("\"<redacted {} bytes>\"", inner.len()).as_bytes());
        } else {
            out.extend_from_slice(cur);
        }
        cur.clear();
    };
    for &b in &line[start..] {
        match b {
            b'"' => {
                quoted = !quoted;
                cur.push(b);
            }
            b',' if !quoted => {
                flush(&mut cur, field, &mut out);
                out.push(b',');
                field += 1;
            }
            _ => cur.push(b),
        }
    }
    flush(&mut cur, field, &mut out);
    out
}

fn redact_param(p: &mut Param) {
    if let Param::Str(s) | Param::Raw(s) = p {
        if !s.is_empty() {
            *s = format!("<redacted {} bytes>", s.len());
        }
    }
}

/// Redacts the secrets an event carries, in place.
pub fn redact_event(e: &mut Event, version: SlmVersion) {
    match &mut e.kind {
        EventKind::Command { name, form: Some(Form::Set), params, line, .. } => {
            let which = secret_params(name, params, version);
            if which.is_empty() {
                return;
            }
            if let Some(eq) = line.0.iter().position(|&b| b == b'=') {
                line.0 = redact_fields(&line.0, eq + 1, which);
            }
            for &i in which {
                if let Some(p) = params.get_mut(i) {
                    redact_param(p);
                }
            }
        }
        EventKind::Info { name: Some(name), params, line, .. } if name == "%CMNG" => {
            if let Some(colon) = line.0.iter().position(|&b| b == b':') {
                line.0 = redact_fields(&line.0, colon + 1, &[3]);
            }
            if let Some(p) = params.get_mut(3) {
                redact_param(p);
            }
        }
        EventKind::Exchange { name, line, .. } => {
            if let Some(eq) = line.0.iter().position(|&b| b == b'=') {
                let params = crate::at::grammar::split_params(&String::from_utf8_lossy(&line.0[eq + 1..]));
                let which = secret_params(name, &params, version);
                if !which.is_empty() {
                    line.0 = redact_fields(&line.0, eq + 1, which);
                }
            }
        }
        _ => {}
    }
}

/// Redacts the secrets of one raw host command line (for exports working on raw records).
pub fn redact_line(line: &[u8], version: SlmVersion) -> Vec<u8> {
    match crate::at::grammar::parse_command(line) {
        Ok(c) if c.form == Form::Set => {
            let which = secret_params(&c.name, &c.params, version);
            match line.iter().position(|&b| b == b'=') {
                Some(eq) if !which.is_empty() => redact_fields(line, eq + 1, which),
                _ => line.to_vec(),
            }
        }
        _ => line.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_content_and_passwords_are_redacted_with_their_length() {
        assert_eq!(
            redact_line(b"AT#XCMNG=0,321,0,\"-----BEGIN\r\nX\r\n-----END\"", SlmVersion::DEFAULT),
            b"AT#XCMNG=0,321,0,\"<redacted 23 bytes>\"".to_vec()
        );
        assert_eq!(
            redact_line(b"AT%CMNG=0,16842753,3,\"0011\",\"pw\"", SlmVersion::DEFAULT),
            b"AT%CMNG=0,16842753,3,\"<redacted 4 bytes>\",\"<redacted 2 bytes>\"".to_vec()
        );
        assert_eq!(
            redact_line(b"AT#XMQTTCON=1,\"cid\",\"user\",\"secret\",\"broker\",8883,42", SlmVersion::DEFAULT),
            b"AT#XMQTTCON=1,\"cid\",\"<redacted 4 bytes>\",\"<redacted 6 bytes>\",\"broker\",8883,42".to_vec()
        );
    }

    #[test]
    fn empty_passwords_and_other_commands_stay_as_they_are() {
        let l = b"AT#XMQTTCON=1,\"cid\",\"\",\"\",\"broker\",1883";
        assert_eq!(redact_line(l, SlmVersion::DEFAULT), l.to_vec());
        assert_eq!(redact_line(b"AT%CMNG=1", SlmVersion::DEFAULT), b"AT%CMNG=1".to_vec());
        assert_eq!(redact_line(b"AT+CFUN=1", SlmVersion::DEFAULT), b"AT+CFUN=1".to_vec());
    }

    #[test]
    fn the_mqtt_password_is_found_in_every_version_and_pdn_passwords_too() {
        assert_eq!(
            redact_line(b"AT#XMQTTCON=1,\"user\",\"secret\",\"broker\",8883", SlmVersion::new(2, 6, 0)),
            b"AT#XMQTTCON=1,\"<redacted 4 bytes>\",\"<redacted 6 bytes>\",\"broker\",8883".to_vec()
        );
        assert_eq!(
            redact_line(b"AT+CGAUTH=0,1,\"name\",\"pw\"", SlmVersion::DEFAULT),
            b"AT+CGAUTH=0,1,\"<redacted 4 bytes>\",\"<redacted 2 bytes>\"".to_vec()
        );
    }
}
