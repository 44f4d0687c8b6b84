//! The `.atrace` recording format: JSON Lines, one record per line.
//!
//! # Schema, version 1
//!
//! Line 1 is the header:
//!
//! ```json
//! {"atrace":1,"meta":{"source":"saleae-csv","atscope":"0.1.0 (abc1234)","baud":115200}}
//! ```
//!
//! `atrace` is the format version (an integer). `meta` is an object of free-form facts about the
//! recording; the keys atscope writes are `source` (what produced the trace), `wiring` (which
//! capture channel was which side), `baud`, `firmware` (an object: `slm`, `modem`, `profile`,
//! `build`), `atscope` (the version that wrote it), `started` (RFC 3339 wall time) and `title`;
//! live recordings add `framing` (`8N1`) and `flow` (`none`, `rts/cts`), replays `replay_of`
//! (the original trace) and `speed`.
//! Readers ignore keys they do not know.
//!
//! Every further line is one record, in time order. `t` is integer nanoseconds since the capture
//! start; `d` is the speaker, `"host"` or `"modem"`:
//!
//! | record | shape |
//! |---|---|
//! | bytes, valid UTF-8 | `{"t":120000,"d":"host","text":"AT+CFUN=1\r\n"}` |
//! | bytes, not UTF-8 | `{"t":120000,"d":"modem","b64":"wP9SZWFkeQ0K"}` (standard base64, padded) |
//! | line condition | `{"t":120000,"d":"modem","cond":"framing"}` (`framing`, `parity`, `break`, `glitch`) |
//! | mark | `{"t":120000,"mark":"port unplugged"}` |
//!
//! The rule for `text` vs `b64` is ripgrep's: `text` whenever the bytes are valid UTF-8, so a
//! trace stays readable in `git diff`, and the format is lossless for arbitrary bytes.
//!
//! # Compatibility
//!
//! A reader accepts every version up to [`VERSION`]; unknown keys in records are ignored so that
//! later minor additions do not break older readers. A file whose last line was cut short (a
//! recorder killed mid-write) is read up to its last whole record, with a warning; any other
//! malformed line is an error naming the line number.

use std::borrow::Cow;
use std::io::{BufRead, Write};

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::chunk::{Body, Chunk, Condition, Dir, Mark, Record};

/// The newest format version this crate writes and reads.
pub const VERSION: u64 = 1;

/// The header's `meta` object.
pub type Meta = Map<String, Value>;

/// Errors of the trace reader and writer.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The first line is not an `.atrace` header.
    #[error("line 1: not an .atrace header ({0})")]
    BadHeader(String),
    /// The file was written by a newer atscope.
    #[error("line 1: .atrace version {0} is newer than this atscope reads (up to {VERSION}); update atscope")]
    TooNew(u64),
    /// A record line is malformed.
    #[error("line {line}: {why}")]
    BadRecord {
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        why: String,
    },
}

/// Writes a trace: the header at construction, then one line per record.
pub struct TraceWriter<W: Write> {
    out: W,
    line: String,
}

impl<W: Write> TraceWriter<W> {
    /// Writes the header line with `meta`.
    pub fn new(mut out: W, meta: &Meta) -> Result<Self, TraceError> {
        let header = serde_json::json!({ "atrace": VERSION, "meta": meta });
        writeln!(out, "{header}")?;
        Ok(TraceWriter { out, line: String::with_capacity(256) })
    }

    /// Appends one record.
    pub fn write(&mut self, rec: &Record) -> Result<(), TraceError> {
        self.line.clear();
        encode_record(rec, &mut self.line);
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())?;
        Ok(())
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> Result<(), TraceError> {
        self.out.flush()?;
        Ok(())
    }

    /// The underlying writer (e.g. to `sync_data` a file).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> Result<W, TraceError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

fn push_json_str(out: &mut String, s: &str) {
    // serde_json's string escaping, without allocating a Value.
    let escaped = serde_json::to_string(s).expect("strings always serialize");
    out.push_str(&escaped);
}

/// Encodes one record as its JSON line (without the newline).
pub fn encode_record(rec: &Record, out: &mut String) {
    use std::fmt::Write as _;
    match rec {
        Record::Chunk(Chunk { t_ns, dir, body }) => {
            let _ = write!(out, "{{\"t\":{t_ns},\"d\":\"{}\",", dir.as_str());
            match body {
                Body::Bytes(b) => match std::str::from_utf8(b) {
                    Ok(s) => {
                        out.push_str("\"text\":");
                        push_json_str(out, s);
                    }
                    Err(_) => {
                        out.push_str("\"b64\":\"");
                        base64::engine::general_purpose::STANDARD.encode_string(b, out);
                        out.push('"');
                    }
                },
                Body::Condition(c) => {
                    let _ = write!(out, "\"cond\":\"{}\"", c.as_str());
                }
            }
            out.push('}');
        }
        Record::Mark(Mark { t_ns, text }) => {
            let _ = write!(out, "{{\"t\":{t_ns},\"mark\":");
            push_json_str(out, text);
            out.push('}');
        }
    }
}

#[derive(Deserialize)]
struct Header {
    atrace: u64,
    #[serde(default)]
    meta: Meta,
}

#[derive(Deserialize)]
struct RawRecord<'a> {
    t: i64,
    #[serde(borrow, default)]
    d: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    b64: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cond: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    mark: Option<Cow<'a, str>>,
}

/// The bytes a JSON string holds as they are (a table: the runs between `\r\n` escapes in a
/// record are short, too short for [`crate::json_str::plain_len`]'s words).
const PLAIN: [bool; 256] = {
    let mut t = [true; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = !crate::json_str::needs_escape(c as u8);
        c += 1;
    }
    t
};

/// The record shape atscope writes for text, `{"t":N,"d":"host","text":"…"}`, parsed without
/// serde (the hot path of every decode). Anything else, or anything unusual inside, returns
/// `None` and goes through the full parser, which also gives the errors.
fn fast_record(text: &str) -> Option<Record> {
    let rest = text.strip_prefix("{\"t\":")?;
    let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    // The digits are checked ASCII: accumulate them (an overflow takes the full parser).
    let t =
        rest.as_bytes()[..digits].iter().try_fold(0i64, |t, &d| t.checked_mul(10)?.checked_add(i64::from(d - b'0')))?;
    let rest = &rest[digits..];
    let (dir, rest) = if let Some(r) = rest.strip_prefix(",\"d\":\"host\",\"text\":\"") {
        (Dir::Host, r)
    } else {
        (Dir::Modem, rest.strip_prefix(",\"d\":\"modem\",\"text\":\"")?)
    };
    let body = rest.strip_suffix("\"}")?;
    let b = body.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let run = b[i..].iter().take_while(|&&c| PLAIN[usize::from(c)]).count();
        out.extend_from_slice(&b[i..i + run]);
        i += run;
        if i == b.len() {
            break;
        }
        if b[i] != b'\\' {
            return None; // a bare quote or control byte: not a string we wrote
        }
        let c = match *b.get(i + 1)? {
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'u' => {
                let v = u32::from_str_radix(body.get(i + 2..i + 6)?, 16).ok()?;
                let ch = char::from_u32(v)?; // surrogates take the full parser
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                i += 6;
                continue;
            }
            _ => return None,
        };
        out.push(c);
        i += 2;
    }
    Some(Record::Chunk(Chunk { t_ns: t, dir, body: Body::Bytes(out) }))
}

/// Parses one record line. `line` is the 1-based line number, for the error.
pub fn decode_record(text: &str, line: u64) -> Result<Record, TraceError> {
    if let Some(r) = fast_record(text) {
        return Ok(r);
    }
    let bad = |why: String| TraceError::BadRecord { line, why };
    let raw: RawRecord = serde_json::from_str(text).map_err(|e| bad(format!("not a trace record: {e}")))?;
    if let Some(m) = raw.mark {
        return Ok(Record::Mark(Mark { t_ns: raw.t, text: m.into_owned() }));
    }
    let dir = match raw.d.as_deref() {
        Some("host") => Dir::Host,
        Some("modem") => Dir::Modem,
        Some(other) => return Err(bad(format!("\"d\" must be \"host\" or \"modem\", not {other:?}"))),
        None => return Err(bad("record has neither \"d\" nor \"mark\"".into())),
    };
    let body = if let Some(t) = raw.text {
        Body::Bytes(t.into_owned().into_bytes())
    } else if let Some(b) = raw.b64 {
        Body::Bytes(
            base64::engine::general_purpose::STANDARD
                .decode(b.as_bytes())
                .map_err(|e| bad(format!("bad base64 in \"b64\": {e}")))?,
        )
    } else if let Some(c) = raw.cond {
        Body::Condition(match c.as_ref() {
            "framing" => Condition::Framing,
            "parity" => Condition::Parity,
            "break" => Condition::Break,
            "glitch" => Condition::Glitch,
            other => return Err(bad(format!("unknown condition {other:?}"))),
        })
    } else {
        return Err(bad("record has no \"text\", \"b64\" or \"cond\"".into()));
    };
    Ok(Record::Chunk(Chunk { t_ns: raw.t, dir, body }))
}

/// The longest header line read.
pub const MAX_HEADER_LINE: usize = 1 << 20;

/// The longest record line read: a chunk is what one read of a port gave (atscope writes records
/// of at most a few KiB); the bound keeps a hostile line from filling memory.
pub const MAX_RECORD_LINE: usize = 16 << 20;

/// Streams the records of a trace.
pub struct TraceReader<R: BufRead> {
    input: R,
    meta: Meta,
    version: u64,
    line_no: u64,
    buf: Vec<u8>,
    warnings: Vec<String>,
    done: bool,
}

impl<R: BufRead> TraceReader<R> {
    /// Reads the header; records follow through the iterator.
    pub fn new(mut input: R) -> Result<Self, TraceError> {
        let mut buf = Vec::new();
        if crate::lines::read_line(&mut input, &mut buf, MAX_HEADER_LINE)? == crate::lines::Line::TooLong {
            return Err(TraceError::BadHeader(format!("a first line longer than {MAX_HEADER_LINE} bytes")));
        }
        let text = std::str::from_utf8(&buf).map_err(|_| TraceError::BadHeader("not UTF-8".into()))?;
        let header: Header = serde_json::from_str(text.trim_end()).map_err(|e| TraceError::BadHeader(e.to_string()))?;
        if header.atrace > VERSION {
            return Err(TraceError::TooNew(header.atrace));
        }
        Ok(TraceReader {
            input,
            meta: header.meta,
            version: header.atrace,
            line_no: 1,
            buf,
            warnings: Vec::new(),
            done: false,
        })
    }

    /// The header's metadata.
    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The format version of this file.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Warnings met so far (a truncated last line), drained.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}

impl<R: BufRead> Iterator for TraceReader<R> {
    type Item = Result<Record, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            match self.next_buffered() {
                Some(Some(item)) => return Some(item),
                Some(None) => continue, // a blank line
                None => {}              // no whole line buffered: the general path reads one
            }
            self.buf.clear();
            match crate::lines::read_line(&mut self.input, &mut self.buf, MAX_RECORD_LINE) {
                Ok(crate::lines::Line::End) => {
                    self.done = true;
                    return None;
                }
                Ok(crate::lines::Line::Read(_)) => {}
                Ok(crate::lines::Line::TooLong) => {
                    self.done = true;
                    return Some(Err(TraceError::BadRecord {
                        line: self.line_no + 1,
                        why: format!("a record longer than {MAX_RECORD_LINE} bytes (atscope writes far shorter ones)"),
                    }));
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e.into()));
                }
            }
            self.line_no += 1;
            let complete = self.buf.last() == Some(&b'\n');
            let text = match std::str::from_utf8(&self.buf) {
                Ok(t) => t.trim_end_matches(['\n', '\r']),
                Err(_) if !complete => return self.truncated(),
                Err(_) => {
                    self.done = true;
                    return Some(Err(TraceError::BadRecord { line: self.line_no, why: "not UTF-8".into() }));
                }
            };
            if text.trim().is_empty() {
                continue;
            }
            match decode_record(text, self.line_no) {
                Ok(r) => return Some(Ok(r)),
                Err(_) if !complete => return self.truncated(),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
    }
}

impl<R: BufRead> TraceReader<R> {
    /// The common case: a whole line already in the input's buffer, decoded where it lies (no
    /// copy). `None` when the buffer holds no whole line; `Some(None)` for a blank line.
    fn next_buffered(&mut self) -> Option<Option<Result<Record, TraceError>>> {
        let avail = self.input.fill_buf().ok()?;
        let end = memchr::memchr(b'\n', avail).filter(|&end| end < MAX_RECORD_LINE)?;
        let line = self.line_no + 1;
        let item = match std::str::from_utf8(&avail[..end]) {
            Ok(text) => {
                let text = text.trim_end_matches('\r');
                (!text.trim().is_empty()).then(|| decode_record(text, line))
            }
            Err(_) => Some(Err(TraceError::BadRecord { line, why: "not UTF-8".into() })),
        };
        self.input.consume(end + 1);
        self.line_no = line;
        self.done = matches!(item, Some(Err(_)));
        Some(item)
    }

    fn truncated(&mut self) -> Option<Result<Record, TraceError>> {
        self.done = true;
        self.warnings.push(format!(
            "line {}: the last line is cut short (the recorder stopped mid-write); read up to the last whole record",
            self.line_no
        ));
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy as _;

    fn roundtrip(recs: &[Record]) -> Vec<Record> {
        let mut w = TraceWriter::new(Vec::new(), &Meta::new()).unwrap();
        for r in recs {
            w.write(r).unwrap();
        }
        let bytes = w.into_inner().unwrap();
        TraceReader::new(&bytes[..]).unwrap().map(|r| r.unwrap()).collect()
    }

    #[test]
    fn arbitrary_bytes_conditions_and_marks_survive_a_round_trip() {
        let recs = vec![
            Record::Chunk(Chunk::bytes(0, Dir::Host, b"AT+CFUN=1\r\n".to_vec())),
            Record::Chunk(Chunk::bytes(5, Dir::Modem, vec![0xC0, 0xFF, b'R', 0x00, b'\r', b'\n'])),
            Record::Chunk(Chunk::condition(-7, Dir::Modem, Condition::Framing)),
            Record::Mark(Mark { t_ns: 9, text: "unplugged \"ttyUSB0\"".into() }),
        ];
        assert_eq!(roundtrip(&recs), recs);
    }

    #[test]
    fn utf8_is_stored_as_text_and_the_rest_as_base64() {
        let mut s = String::new();
        encode_record(&Record::Chunk(Chunk::bytes(1, Dir::Host, b"AT\r\n".to_vec())), &mut s);
        assert_eq!(s, r#"{"t":1,"d":"host","text":"AT\r\n"}"#);
        s.clear();
        encode_record(&Record::Chunk(Chunk::bytes(1, Dir::Modem, vec![0xFF])), &mut s);
        assert_eq!(s, r#"{"t":1,"d":"modem","b64":"/w=="}"#);
    }

    #[test]
    fn a_cut_last_line_is_a_warning_and_earlier_records_are_kept() {
        let file = b"{\"atrace\":1,\"meta\":{}}\n{\"t\":1,\"d\":\"host\",\"text\":\"AT\\r\\n\"}\n{\"t\":2,\"d\":\"mo";
        let mut r = TraceReader::new(&file[..]).unwrap();
        let recs: Vec<_> = r.by_ref().collect();
        assert_eq!(recs.len(), 1);
        assert!(recs[0].is_ok());
        let w = r.take_warnings();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("line 3"), "{w:?}");
    }

    #[test]
    fn a_malformed_middle_line_is_an_error_naming_its_line() {
        let file = b"{\"atrace\":1,\"meta\":{}}\n{\"t\":1,\"d\":\"host\",\"text\":\"AT\"}\nnonsense\n{\"t\":2,\"d\":\"host\",\"text\":\"AT\"}\n";
        let recs: Vec<_> = TraceReader::new(&file[..]).unwrap().collect();
        let err = recs[1].as_ref().unwrap_err().to_string();
        assert!(err.starts_with("line 3:"), "{err}");
    }

    #[test]
    fn newer_versions_are_refused_and_older_fields_ignored() {
        assert!(matches!(TraceReader::new(&b"{\"atrace\":99}\n"[..]), Err(TraceError::TooNew(99))));
        let file =
            b"{\"atrace\":1,\"meta\":{\"x\":1},\"future\":true}\n{\"t\":1,\"d\":\"host\",\"text\":\"A\",\"span\":3}\n";
        assert_eq!(TraceReader::new(&file[..]).unwrap().count(), 1);
    }

    proptest::proptest! {
        #[test]
        fn the_fast_path_reads_what_the_writer_writes(t in 0i64..i64::MAX, host in proptest::bool::ANY, text in ".{0,40}") {
            let dir = if host { Dir::Host } else { Dir::Modem };
            let rec = Record::Chunk(Chunk { t_ns: t, dir, body: Body::Bytes(text.clone().into_bytes()) });
            let mut buf = Vec::new();
            let mut w = TraceWriter::new(&mut buf, &Meta::new()).unwrap();
            w.write(&rec).unwrap();
            drop(w);
            let line = String::from_utf8(buf).unwrap().lines().nth(1).unwrap().to_string();
            proptest::prop_assert_eq!(fast_record(&line), Some(rec.clone()), "{}", line);
            proptest::prop_assert_eq!(decode_record(&line, 2).unwrap(), rec);
        }
    }

    proptest::proptest! {
        /// Lines found whole in the input's buffer are decoded where they lie; a small buffer
        /// sends every line through the general path: both read the same records, errors and
        /// warnings.
        #[test]
        fn buffered_lines_read_as_lines_read_in_pieces(
            lines in proptest::collection::vec(proptest::prop_oneof![
                (0i64..1_000_000, ".{0,20}").prop_map(|(t, s)| {
                    let mut l = String::new();
                    encode_record(&Record::Chunk(Chunk::bytes(t, Dir::Host, s.into_bytes())), &mut l);
                    l
                }),
                proptest::strategy::Just(String::new()),
                proptest::strategy::Just("  \r".to_string()),
                proptest::strategy::Just("{\"t\":3,\"mark\":\"m\"}\r".to_string()),
                proptest::strategy::Just("{\"t\":1,\"d\":\"mo".to_string()),
                proptest::strategy::Just("nonsense".to_string()),
            ], 0..8),
            cut_last in proptest::bool::ANY,
            small in 1usize..16,
        ) {
            let mut file = b"{\"atrace\":1,\"meta\":{}}\n".to_vec();
            for l in &lines {
                file.extend_from_slice(l.as_bytes());
                file.push(b'\n');
            }
            if cut_last {
                file.pop();
            }
            let read = |capacity: usize| {
                let mut r = TraceReader::new(std::io::BufReader::with_capacity(capacity, &file[..])).unwrap();
                let recs: Vec<_> = r.by_ref().map(|r| r.map_err(|e| e.to_string())).collect();
                (recs, r.take_warnings())
            };
            proptest::prop_assert_eq!(read(small), read(1 << 16));
        }
    }

    #[test]
    fn unusual_records_take_the_full_parser() {
        assert_eq!(fast_record("{\"t\":1,\"d\":\"host\",\"text\":\"A\",\"span\":3}"), None);
        assert_eq!(fast_record("{\"t\":1,\"d\":\"host\",\"text\":\"\\ud83d\\ude00\"}"), None);
        assert_eq!(
            decode_record("{\"t\":1,\"d\":\"host\",\"text\":\"\\ud83d\\ude00\"}", 2).unwrap(),
            Record::Chunk(Chunk::bytes(1, Dir::Host, "😀".as_bytes().to_vec()))
        );
        assert!(decode_record("{\"t\":1,\"d\":\"host\",\"text\":\"a\"b\"}", 2).is_err());
    }
}
