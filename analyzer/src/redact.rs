//! Redaction of secrets: credential content (`%CMNG`, `#XCMNG`), passwords (`#XMQTTCON`,
//! `#XFTP` open, `+CGAUTH`) and PINs (`+CPIN`), in commands and in `%CMNG` read output. Which
//! parameters are secret, per command and release, is data: [`crate::slm::secrets`].
//!
//! Every export and snapshot goes through [`redact_event`] unless the user asks otherwise. The
//! redacted field keeps its length, so a reader can still tell a 1.2 KB certificate from an
//! empty string: `"<redacted 1234 bytes>"`.

use crate::at::grammar::{Form, Param};
use crate::slm::secrets::{has_secrets, secret_fields, secret_params};
use crate::slm::SlmVersion;
use crate::timeline::{Event, EventKind};

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
        EventKind::Info { name: Some(name), params, line, .. } if !secret_fields(name).is_empty() => {
            let which = secret_fields(name);
            if let Some(colon) = line.0.iter().position(|&b| b == b':') {
                line.0 = redact_fields(&line.0, colon + 1, which);
            }
            for &i in which {
                if let Some(p) = params.get_mut(i) {
                    redact_param(p);
                }
            }
        }
        EventKind::Exchange { name, line, .. } if has_secrets(name) => {
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

/// Host records with the secrets of their command lines redacted, for exports that write raw
/// bytes (a sigrok session): a record group that ends a command line is passed on unchanged
/// when the line holds no secret, and as one record of the redacted line (at the group's first
/// time) when it does. Other records keep their place in time order.
pub struct RedactRecords<I> {
    inner: I,
    version: SlmVersion,
    /// Records held while a host line is incomplete.
    held: Vec<crate::chunk::Record>,
    /// The held host bytes.
    line: Vec<u8>,
    quoted: bool,
    ready: std::collections::VecDeque<crate::chunk::Record>,
}

/// Held host bytes past this are redacted and passed on without waiting for the line's end.
const MAX_HELD_LINE: usize = 64 * 1024;

impl<I> RedactRecords<I> {
    /// Wraps a record stream.
    pub fn new(inner: I, version: SlmVersion) -> Self {
        RedactRecords { inner, version, held: Vec::new(), line: Vec::new(), quoted: false, ready: Default::default() }
    }

    fn release(&mut self) {
        let redacted = redact_lines(&self.line, self.version);
        if redacted == self.line {
            self.ready.extend(self.held.drain(..));
        } else {
            use crate::chunk::{Body, Chunk, Dir, Record};
            let t = self.held.iter().find_map(|r| match r {
                Record::Chunk(c) if c.dir == Dir::Host => Some(c.t_ns),
                _ => None,
            });
            let mut first = true;
            for r in self.held.drain(..) {
                match r {
                    Record::Chunk(Chunk { dir: Dir::Host, body: Body::Bytes(_), .. }) => {
                        if std::mem::take(&mut first) {
                            self.ready.push_back(Record::Chunk(Chunk::bytes(
                                t.unwrap_or(0),
                                Dir::Host,
                                redacted.clone(),
                            )));
                        }
                    }
                    other => self.ready.push_back(other),
                }
            }
        }
        self.line.clear();
    }
}

/// Redacts every command line in `bytes` (lines end at LF outside double quotes).
fn redact_lines(bytes: &[u8], version: SlmVersion) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let (mut start, mut quoted) = (0, false);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                let line = &bytes[start..=i];
                let body = line.strip_suffix(b"\r\n").or_else(|| line.strip_suffix(b"\n")).unwrap_or(line);
                out.extend_from_slice(&redact_line(body, version));
                out.extend_from_slice(&line[body.len()..]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.extend_from_slice(&redact_line(&bytes[start..], version));
    out
}

impl<I, E> Iterator for RedactRecords<I>
where
    I: Iterator<Item = Result<crate::chunk::Record, E>>,
{
    type Item = Result<crate::chunk::Record, E>;

    fn next(&mut self) -> Option<Self::Item> {
        use crate::chunk::{Body, Chunk, Dir, Record};
        loop {
            if let Some(r) = self.ready.pop_front() {
                return Some(Ok(r));
            }
            let rec = match self.inner.next() {
                Some(Ok(r)) => r,
                Some(Err(e)) => return Some(Err(e)),
                None if self.held.is_empty() => return None,
                None => {
                    self.release();
                    continue;
                }
            };
            match &rec {
                Record::Chunk(Chunk { dir: Dir::Host, body: Body::Bytes(b), .. }) => {
                    for &c in b {
                        if c == b'"' {
                            self.quoted = !self.quoted;
                        }
                    }
                    self.line.extend_from_slice(b);
                    self.held.push(rec);
                    let at_line_end = !self.quoted && self.line.last() == Some(&b'\n');
                    if at_line_end || self.line.len() > MAX_HELD_LINE {
                        self.release();
                    }
                }
                _ if self.held.is_empty() => return Some(Ok(rec)),
                _ => self.held.push(rec),
            }
        }
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;
    use crate::chunk::{Chunk, Dir, Record};

    fn host(t: i64, b: &[u8]) -> Result<Record, ()> {
        Ok(Record::Chunk(Chunk::bytes(t, Dir::Host, b.to_vec())))
    }

    #[test]
    fn raw_records_lose_their_secrets_and_keep_everything_else() {
        let recs = vec![
            host(1, b"AT+CFUN?\r\n"),
            host(2, b"AT%CMNG=0,1,0,\"-----BEGIN\r\n"),
            Ok(Record::Chunk(Chunk::bytes(3, Dir::Modem, b"x".to_vec()))),
            host(4, b"K\r\n-----END\"\r\n"),
            host(5, b"AT\r\n"),
        ];
        let out: Vec<Record> = RedactRecords::new(recs.into_iter(), SlmVersion::DEFAULT).map(Result::unwrap).collect();
        let host_bytes: Vec<u8> = out
            .iter()
            .filter_map(|r| match r {
                Record::Chunk(c) if c.dir == Dir::Host => match &c.body {
                    crate::chunk::Body::Bytes(b) => Some(b.clone()),
                    _ => None,
                },
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(
            String::from_utf8(host_bytes).unwrap(),
            "AT+CFUN?\r\nAT%CMNG=0,1,0,\"<redacted 23 bytes>\"\r\nAT\r\n"
        );
        assert_eq!(out.len(), 4, "the secret line is one record, the modem byte keeps its place");
        assert!(matches!(&out[1], Record::Chunk(c) if c.t_ns == 2));
        assert!(matches!(&out[2], Record::Chunk(c) if c.dir == Dir::Modem));
    }
}
