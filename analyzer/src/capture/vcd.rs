//! Stub.
use super::{wave::WaveSource, CaptureError, ImportOptions};
use std::path::Path;
/// Stub.
pub fn open(path: &Path, _opts: &ImportOptions) -> Result<WaveSource, CaptureError> {
    Err(CaptureError::Unusable {
        path: path.to_path_buf(),
        why: "not yet".into(),
    })
}
