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
}

/// Reads the start of `path` and tells its format.
pub fn detect(path: &Path) -> Result<Format, CaptureError> {
    if path.is_dir() {
        return Err(CaptureError::Unusable {
            path: path.to_path_buf(),
            why: "is a directory, not a capture file".into(),
        });
    }
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map_err(|e| CaptureError::io(path, e))?;
    detect_bytes(&head).ok_or_else(|| CaptureError::UnknownFormat { path: path.to_path_buf(), why: describe(&head) })
}

/// Tells the format from the first bytes of a file, if known.
pub fn detect_bytes(head: &[u8]) -> Option<Format> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
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
    None
}

/// A short description of unrecognised content, for the error message.
fn describe(head: &[u8]) -> String {
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
    format!("first line {line:?} is no known header; expected an .atrace header or a Saleae CSV header")
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
