//! ZIP members as owned streams, for `.sr` and `.sal` files.
//!
//! The `zip` crate reads the central directory; each member is then streamed through its own
//! file handle (seeked to the member's data, inflated with `flate2`), so that several members
//! can be read at once and nothing is held in memory but a buffer. Only stored and deflated
//! members are supported (the only methods sigrok and Saleae write).
//!
//! Hostile archives: encrypted members are refused; members whose data overlap (the classic
//! "every entry points at one huge stream" zip bomb) or lie outside the file are refused; a
//! member's declared size must be one its compressed bytes can give (deflate inflates at most
//! [`MAX_DEFLATE_RATIO`] to 1); a member that inflates to more or fewer bytes than declared, or
//! whose CRC-32 is wrong, is an error when it is read.

use std::collections::HashMap;
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
    crc32: u32,
}

/// The most bytes deflate can produce from one compressed byte (a 258-byte match per 2 bits,
/// about 1032:1), rounded up.
pub const MAX_DEFLATE_RATIO: u64 = 1040;

/// A ZIP archive's member list.
pub struct Archive {
    path: PathBuf,
    members: Vec<Member>,
    by_name: HashMap<String, usize>,
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
        let file_len = f.metadata().map_err(|e| CaptureError::io(path, e))?.len();
        let unusable = |why: String| CaptureError::Unusable { path: path.to_path_buf(), why };
        let mut z = zip::ZipArchive::new(BufReader::new(f)).map_err(|e| zip_error(path, e))?;
        let mut members = Vec::with_capacity(z.len());
        for i in 0..z.len() {
            let m = z.by_index_raw(i).map_err(|e| zip_error(path, e))?;
            if m.encrypted() {
                return Err(unusable(format!(
                    "member {:?} is encrypted; atscope reads unencrypted archives only",
                    m.name()
                )));
            }
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
            let (start, compressed, size) = (m.data_start(), m.compressed_size(), m.size());
            if start.checked_add(compressed).is_none_or(|end| end > file_len) {
                return Err(unusable(format!(
                    "member {:?} claims {compressed} bytes at offset {start}, past the end of the {file_len}-byte file (truncated or damaged?)",
                    m.name()
                )));
            }
            let possible = if deflated { compressed.saturating_mul(MAX_DEFLATE_RATIO) } else { compressed };
            if size > possible {
                return Err(unusable(format!(
                    "member {:?} claims {size} bytes from {compressed} compressed bytes, more than {} can give (damaged or a zip bomb)",
                    m.name(),
                    if deflated { "deflate" } else { "a stored member" }
                )));
            }
            members.push(Member {
                name: m.name().to_string(),
                data_start: start,
                compressed,
                size,
                deflated,
                crc32: m.crc32(),
            });
        }
        // Members must not share bytes: overlapping members are how a small file inflates to
        // terabytes, one huge stream read once per member.
        let mut spans: Vec<(u64, u64, usize)> = members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.compressed > 0)
            .map(|(i, m)| (m.data_start, m.compressed, i))
            .collect();
        spans.sort_unstable();
        for w in spans.windows(2) {
            if w[0].0 + w[0].1 > w[1].0 {
                return Err(unusable(format!(
                    "members {:?} and {:?} share their data (a damaged archive or a zip bomb)",
                    members[w[0].2].name, members[w[1].2].name
                )));
            }
        }
        let mut by_name = HashMap::with_capacity(members.len());
        for (i, m) in members.iter().enumerate() {
            by_name.entry(m.name.clone()).or_insert(i);
        }
        Ok(Archive { path: path.to_path_buf(), members, by_name })
    }

    /// All members.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The member called `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.by_name.get(name).map(|&i| &self.members[i])
    }

    /// Streams a member's content: exactly its declared size, CRC-checked at the end (an I/O
    /// error of kind `InvalidData` otherwise).
    pub fn reader(&self, m: &Member) -> Result<Box<dyn Read + Send>, CaptureError> {
        let mut f = File::open(&self.path).map_err(|e| CaptureError::io(&self.path, e))?;
        f.seek(SeekFrom::Start(m.data_start)).map_err(|e| CaptureError::io(&self.path, e))?;
        let raw = BufReader::with_capacity(1 << 16, f.take(m.compressed));
        let inner: Box<dyn Read + Send> =
            if m.deflated { Box::new(flate2::bufread::DeflateDecoder::new(raw)) } else { Box::new(raw) };
        Ok(Box::new(Checked { inner, left: m.size, crc: flate2::Crc::new(), want: m.crc32, done: false }))
    }

    /// Reads a small member whole (at most `limit` bytes).
    pub fn read_small(&self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, CaptureError> {
        let Some(m) = self.member(name) else {
            return Ok(None);
        };
        if m.size > limit {
            return Err(self.error(format!("member {name:?} is {} bytes, more than the {limit} atscope reads", m.size)));
        }
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

/// A member's bytes: no more than declared, and the CRC checked once all are read.
struct Checked {
    inner: Box<dyn Read + Send>,
    left: u64,
    crc: flate2::Crc,
    want: u32,
    done: bool,
}

impl Read for Checked {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let bad = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
        if self.done || buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // Declared size reached: the stream must end here, and the CRC must match.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? != 0 {
                return Err(bad("the member inflates to more bytes than its declared size".into()));
            }
            self.done = true;
            if self.crc.sum() != self.want {
                return Err(bad(format!("CRC-32 {:08x} where the archive says {:08x}", self.crc.sum(), self.want)));
            }
            return Ok(0);
        }
        let cap = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..cap])?;
        if n == 0 {
            return Err(bad(format!("the member ends {} bytes before its declared size", self.left)));
        }
        self.crc.update(&buf[..n]);
        self.left -= n as u64;
        Ok(n)
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
