//! Reading a Saleae CSV export: bounded, numbered lines ([`CsvLines`]) and RFC 4180 fields.
//!
//! Not the AT parameter splitter (`at::grammar::param_fields`): CSV doubles a quote inside
//! quotes (`""`) and unquotes fields, where the SLM flips its quote state on every `"`.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::{EXCERPT, MAX_CSV_LINE};
use crate::capture::CaptureError;

/// The lines of a CSV file, each bounded by [`MAX_CSV_LINE`], numbered from 1.
pub struct CsvLines {
    path: PathBuf,
    r: BufReader<File>,
    buf: Vec<u8>,
    /// Number of the line read last.
    pub line_no: u64,
    /// Bytes read so far.
    pub read: u64,
}

impl CsvLines {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<CsvLines, CaptureError> {
        let f = File::open(path).map_err(|e| CaptureError::io(path, e))?;
        Ok(CsvLines {
            path: path.into(),
            r: BufReader::with_capacity(1 << 16, f),
            buf: Vec::new(),
            line_no: 0,
            read: 0,
        })
    }

    /// The next line without its line end; `None` at the end of the file.
    pub fn next_line(&mut self) -> Result<Option<String>, CaptureError> {
        use crate::lines::{read_line, Line};
        self.buf.clear();
        let got = read_line(&mut self.r, &mut self.buf, MAX_CSV_LINE).map_err(|e| CaptureError::io(&self.path, e))?;
        let bad = |line, why| CaptureError::Malformed { path: self.path.clone(), line, why };
        match got {
            Line::End => Ok(None),
            Line::TooLong => Err(bad(
                self.line_no + 1,
                format!(
                    "a line longer than {MAX_CSV_LINE} bytes (starting {:?}): not a Saleae export",
                    crate::capture::excerpt_bytes(&self.buf, EXCERPT)
                ),
            )),
            Line::Read(n) => {
                self.read += n as u64;
                self.line_no += 1;
                while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
                    self.buf.pop();
                }
                match std::str::from_utf8(&self.buf) {
                    Ok(t) => Ok(Some(t.to_string())),
                    Err(e) => {
                        Err(bad(self.line_no, format!("not UTF-8 text (byte {} of the line)", e.valid_up_to() + 1)))
                    }
                }
            }
        }
    }
}

/// Splits one CSV line into fields (RFC 4180 quoting, `""` inside quotes is a quote).
/// Returns each field with whether it was quoted.
pub(super) fn split_csv(line: &str, out: &mut Vec<(String, bool)>) -> Result<(), String> {
    out.clear();
    let mut chars = line.chars().peekable();
    loop {
        let mut field = String::new();
        let mut quoted = false;
        if chars.peek() == Some(&'"') {
            quoted = true;
            chars.next();
            loop {
                match chars.next() {
                    None => return Err("a quoted field is not closed".into()),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            match chars.next() {
                None => {
                    out.push((field, quoted));
                    return Ok(());
                }
                Some(',') => {}
                Some(c) => return Err(format!("unexpected {c:?} after a quoted field")),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        out.push((field, quoted));
                        return Ok(());
                    }
                    Some(',') => break,
                    Some(c) => field.push(c),
                }
            }
        }
        out.push((field, quoted));
    }
}
