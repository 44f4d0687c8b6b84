//! ZIP members as owned streams, for `.sr` and `.sal` files.
//!
//! The `zip` crate reads the central directory; each member is then streamed through its own
//! file handle (seeked to the member's data, inflated with `flate2`), so that several members
//! can be read at once and nothing is held in memory but a buffer. Only stored and deflated
//! members are supported (the only methods sigrok and Saleae write).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::CaptureError;

/// Where a member's data is and how it is stored.
#[derive(Debug, Clone)]
pub struct Member {
    /// Name inside the archive.
    pub name: String,
    data_start: u64,
    compressed: u64,
    /// Uncompressed size in bytes (as the archive states it).
    pub size: u64,
    deflated: bool,
}

/// A ZIP archive's member list.
pub struct Archive {
    path: PathBuf,
    members: Vec<Member>,
}

fn zip_error(path: &Path, e: zip::result::ZipError) -> CaptureError {
    match e {
        zip::result::ZipError::Io(source) => CaptureError::io(path, source),
        other => CaptureError::Unusable {
            path: path.to_path_buf(),
            why: format!("not a readable ZIP archive (truncated or damaged?): {other}"),
        },
    }
}

impl Archive {
    /// Reads the central directory of `path`.
    pub fn open(path: &Path) -> Result<Archive, CaptureError> {
        let f = File::open(path).map_err(|e| CaptureError::io(path, e))?;
        let mut z = zip::ZipArchive::new(BufReader::new(f)).map_err(|e| zip_error(path, e))?;
        let mut members = Vec::with_capacity(z.len());
        for i in 0..z.len() {
            let m = z.by_index_raw(i).map_err(|e| zip_error(path, e))?;
            let deflated = match m.compression() {
                zip::CompressionMethod::Stored => false,
                zip::CompressionMethod::Deflated => true,
                other => {
                    return Err(CaptureError::Unusable {
                        path: path.to_path_buf(),
                        why: format!(
                            "member {:?} uses compression {other:?}; only stored and deflated are read",
                            m.name()
                        ),
                    })
                }
            };
            members.push(Member {
                name: m.name().to_string(),
                data_start: m.data_start(),
                compressed: m.compressed_size(),
                size: m.size(),
                deflated,
            });
        }
        Ok(Archive { path: path.to_path_buf(), members })
    }

    /// All members.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The member called `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name == name)
    }

    /// Streams a member's content.
    pub fn reader(&self, m: &Member) -> Result<Box<dyn Read + Send>, CaptureError> {
        let mut f = File::open(&self.path).map_err(|e| CaptureError::io(&self.path, e))?;
        f.seek(SeekFrom::Start(m.data_start)).map_err(|e| CaptureError::io(&self.path, e))?;
        let raw = BufReader::with_capacity(1 << 16, f.take(m.compressed));
        Ok(if m.deflated { Box::new(flate2::bufread::DeflateDecoder::new(raw)) } else { Box::new(raw) })
    }

    /// Reads a small member whole (at most `limit` bytes).
    pub fn read_small(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, CaptureError> {
        let Some(m) = self.member(name) else {
            return Ok(None);
        };
        let mut out = Vec::new();
        self.reader(m)?
            .take(limit)
            .read_to_end(&mut out)
            .map_err(|e| self.error(format!("member {name:?} cannot be inflated: {e}")))?;
        Ok(Some(out))
    }

    /// An error about this archive.
    pub fn error(&self, why: String) -> CaptureError {
        CaptureError::Unusable { path: self.path.clone(), why }
    }

    /// The archive's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Reads `buf.len()` bytes or up to the end; returns how many were read.
pub fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
