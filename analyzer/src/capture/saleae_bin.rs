//! Stub.
use super::{wave::WaveSource, CaptureError, ImportOptions};
use std::path::{Path, PathBuf};
/// Stub.
pub fn open(paths: &[PathBuf], _opts: &ImportOptions) -> Result<WaveSource, CaptureError> {
    Err(CaptureError::Unusable {
        path: paths[0].clone(),
        why: "not yet".into(),
    })
}
/// Stub.
pub fn detect_folder(path: &Path) -> Result<Vec<PathBuf>, CaptureError> {
    Err(CaptureError::Unusable {
        path: path.to_path_buf(),
        why: "not yet".into(),
    })
}
