//! The capture files named on a command line: files as given, directories searched.

use std::path::{Path, PathBuf};

use atscope_analyzer::capture;

use super::LoadError;

/// A capture file to load and the name it is shown under.
pub type CaptureFile = (PathBuf, String);

/// The capture files named on a command line: files as given, directories searched recursively
/// (hidden entries skipped) for files whose content is a capture; with the name each is shown
/// under (the file name, or the path relative to the directory). Also the names of the files in
/// directories that are not captures.
pub fn capture_files(paths: &[PathBuf]) -> Result<(Vec<CaptureFile>, Vec<String>), LoadError> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)?;
            files.sort();
            for f in files {
                let rel = f.strip_prefix(p).unwrap_or(&f).to_string_lossy().replace('\\', "/");
                if capture::detect::detect(&f).is_err() {
                    skipped.push(rel);
                    continue;
                }
                out.push((f, rel));
            }
        } else {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            out.push((p.clone(), name));
        }
    }
    Ok((out, skipped))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let err = |err| LoadError::Dir { path: dir.to_path_buf(), err };
    for entry in std::fs::read_dir(dir).map_err(err)? {
        let entry = entry.map_err(err)?;
        let ft = entry.file_type().map_err(err)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if ft.is_dir() {
            walk(&entry.path(), out)?;
        } else if ft.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}
