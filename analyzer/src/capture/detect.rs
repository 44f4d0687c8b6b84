//! Format detection from a file's first bytes.

use std::io::Read;
use std::path::Path;

use super::CaptureError;

/// The formats atscope reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// atscope's own JSON Lines trace.
    Atrace,
    /// Saleae Logic 2 data-table CSV (`name,type,start_time,duration,...`).
    SaleaeTable,
    /// Saleae per-analyzer export (`Time [s],Value,Parity Error,Framing Error`).
    SaleaeLegacy,
    /// sigrok session (`.sr`, a ZIP with `version` and `metadata`).
    SigrokSession,
    /// Saleae Logic 2 capture (`.sal`, a ZIP with `meta.json`).
    SaleaeSal,
    /// Saleae binary export of digital channels (`<SALEAE>`, version 0 or 1, type 0), one file or
    /// a folder of `digital_N.bin`.
    SaleaeBinary,
    /// Saleae raw-data CSV of digital channels (`Time [s],Channel 0,...`).
    SaleaeRawCsv,
    /// Value Change Dump (`$timescale`, `$var`, ...), e.g. written by sigrok or PulseView.
    Vcd,
}

impl Format {
    /// The format's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Atrace => "atscope trace (.atrace)",
            Format::SaleaeTable => "Saleae Logic 2 data-table CSV",
            Format::SaleaeLegacy => "Saleae per-analyzer serial export",
            Format::SigrokSession => "sigrok session (.sr)",
            Format::SaleaeSal => "Saleae Logic 2 capture (.sal)",
            Format::SaleaeBinary => "Saleae binary export",
            Format::SaleaeRawCsv => "Saleae raw-data CSV",
            Format::Vcd => "VCD",
        }
    }
}

/// How many bytes at the start of a capture tell its format.
const HEAD_LEN: usize = 4096;

/// The first bytes of `input` (at most [`HEAD_LEN`]): what [`detect_bytes`] reads. `path` names
/// it in an error.
pub(super) fn read_head(input: impl Read, path: &Path) -> Result<Vec<u8>, CaptureError> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    input.take(HEAD_LEN as u64).read_to_end(&mut head).map_err(|e| CaptureError::io(path, e))?;
    Ok(head)
}

/// Reads the start of `path` and tells its format.
pub fn detect(path: &Path) -> Result<Format, CaptureError> {
    if path.is_dir() {
        return super::saleae_bin::detect_folder(path).map(|_| Format::SaleaeBinary);
    }
    let file = std::fs::File::open(path).map_err(|e| CaptureError::io(path, e))?;
    let head = read_head(file, path)?;
    if let Some(f) = detect_bytes(&head) {
        return Ok(f);
    }
    if head.starts_with(b"PK\x03\x04") {
        // A ZIP whose first member says nothing: look at all the names.
        let ar = super::zipread::Archive::open(path)?;
        let names: Vec<&str> = ar.members().iter().map(|m| m.name.as_str()).collect();
        if names.iter().any(|n| zip_member_format(n) == Some(Format::SaleaeSal)) {
            return Ok(Format::SaleaeSal);
        }
        if names.contains(&"metadata") {
            return Ok(Format::SigrokSession);
        }
        let shown: Vec<&str> = names.iter().copied().take(8).collect();
        return Err(CaptureError::UnknownFormat {
            path: path.to_path_buf(),
            why: format!(
                "a ZIP archive that is neither a sigrok session (.sr) nor a Saleae capture (.sal); members: {}",
                super::excerpt(&shown.join(", "), 120)
            ),
        });
    }
    Err(CaptureError::UnknownFormat { path: path.to_path_buf(), why: describe(&head) })
}

/// What a ZIP member's name says about the archive.
fn zip_member_format(name: &str) -> Option<Format> {
    if name == "meta.json" || name.starts_with("digital-") || name.starts_with("analog-") && name.ends_with(".bin") {
        Some(Format::SaleaeSal)
    } else if name == "version" || name == "metadata" || name.starts_with("logic-1") || name.starts_with("analog-1-") {
        Some(Format::SigrokSession)
    } else {
        None
    }
}

/// Tells the format from the first bytes of a file, if known.
pub fn detect_bytes(head: &[u8]) -> Option<Format> {
    if head.starts_with(b"PK\x03\x04") && head.len() >= 30 {
        let n = usize::from(u16::from_le_bytes([head[26], head[27]]));
        let name = head.get(30..30 + n).map(String::from_utf8_lossy).unwrap_or_default();
        return zip_member_format(&name);
    }
    if head.starts_with(b"<SALEAE>") {
        // Digital and analog exports alike, any version: the reader explains what it cannot use.
        return Some(Format::SaleaeBinary);
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.starts_with(b"$") {
        let text = String::from_utf8_lossy(&head[..head.len().min(HEAD_LEN)]);
        if ["$date", "$version", "$timescale", "$scope", "$var", "$comment"].iter().any(|k| text.starts_with(k)) {
            return Some(Format::Vcd);
        }
    }
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or(b"");
    let first = String::from_utf8_lossy(first_line);
    let first = first.trim();
    if first.starts_with('{') && first.contains("\"atrace\"") {
        return Some(Format::Atrace);
    }
    let lower = first.to_ascii_lowercase();
    let cols: Vec<&str> = lower.split(',').map(|c| c.trim().trim_matches('"')).collect();
    // Columns are found by name later; a header with some of them is still this format, so that
    // a missing column is reported by name.
    if cols.contains(&"name") && cols.contains(&"type") && (cols.contains(&"start_time") || cols.contains(&"duration"))
    {
        return Some(Format::SaleaeTable);
    }
    if cols.len() >= 2 && cols[0] == "time [s]" && (cols.contains(&"value") || cols.contains(&"data")) {
        return Some(Format::SaleaeLegacy);
    }
    if cols.len() >= 2 && (cols[0] == "time [s]" || cols[0] == "time[s]") {
        return Some(Format::SaleaeRawCsv);
    }
    None
}

/// A short description of unrecognised content, for the error message.
pub(super) fn describe(head: &[u8]) -> String {
    if head.is_empty() {
        return "the file is empty".into();
    }
    let printable = head.iter().take(512).filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace()).count();
    if printable * 10 < head.len().min(512) * 9 {
        let hex: Vec<String> = head.iter().take(8).map(|b| format!("{b:02x}")).collect();
        return format!("binary content starting {}", hex.join(" "));
    }
    let line = String::from_utf8_lossy(head.split(|&b| b == b'\n').next().unwrap_or(b""));
    let line: String = line.chars().take(80).collect();
    format!("first line {line:?} is no known header; expected an .atrace header, a Saleae CSV header or a VCD header")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_recognised_whatever_the_file_name() {
        assert_eq!(detect_bytes(b"{\"atrace\":1,\"meta\":{}}\n"), Some(Format::Atrace));
        assert_eq!(detect_bytes(b"name,type,start_time,duration,\"data\"\n"), Some(Format::SaleaeTable));
        assert_eq!(
            detect_bytes(b"\xEF\xBB\xBFname,type,start_time,duration,\"mosi\",\"miso\"\r\n"),
            Some(Format::SaleaeTable)
        );
        assert_eq!(detect_bytes(b"Time [s],Value,Parity Error,Framing Error\n"), Some(Format::SaleaeLegacy));
        assert_eq!(detect_bytes(b"\x00\x01garbage"), None);
        assert_eq!(detect_bytes(b""), None);
    }
}
