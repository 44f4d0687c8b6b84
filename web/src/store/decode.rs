//! Decoding a capture file into a [`TraceIndex`] for the store.

use std::path::Path;

use atscope_analyzer::analysis::{Analysis, Options};
use atscope_analyzer::capture::{self, CaptureError, ImportOptions};

use super::index::TraceIndex;

/// A decoded capture, ready to be added to a store.
#[derive(Debug)]
pub struct Decoded {
    /// The index.
    pub index: TraceIndex,
    /// The format's name.
    pub format: String,
    /// The SLM version used.
    pub slm: String,
    /// What the importer said.
    pub notes: Vec<String>,
}

/// Decodes a capture file (any format [`capture::open_records`] reads) into an index.
pub fn decode_file(path: &Path, opts: &ImportOptions) -> Result<Decoded, CaptureError> {
    let never = std::sync::atomic::AtomicBool::new(false);
    decode_file_until(path, opts, &never).map(|d| d.expect("never cancelled"))
}

/// [`decode_file`], stopping (`Ok(None)`) as soon as `cancel` is set (checked between records).
pub fn decode_file_until(
    path: &Path,
    opts: &ImportOptions,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<Option<Decoded>, CaptureError> {
    let cancelled = || cancel.load(std::sync::atomic::Ordering::Relaxed);
    let mut records = capture::open_records(path, opts)?;
    let format = records.source_mut().format_name().to_string();
    let mut notes = vec![records.explanation().to_string()];
    notes.extend(records.source_mut().notes());
    let mut analysis = Analysis::new(Options::default());
    // The SLM's own log beside the capture (`NAME.log`), as `atscope check` reads it.
    if let Some(log) = atscope_analyzer::capture::open_log_beside(path)? {
        analysis.attach_log(log, None);
        // The firmware's ELF, when the trace names a build that is here: crashes name their code.
        if let Some(meta) = records.source_mut().recording_meta() {
            let bases: Vec<std::path::PathBuf> = path.parent().map(Path::to_path_buf).into_iter().collect();
            let (symbols, note) = atscope_analyzer::symbols::locate::open_for(meta, &bases);
            notes.extend(note);
            if let Some(s) = symbols {
                analysis.use_symbols(s);
            }
        }
    }
    let mut index = TraceIndex::new();
    analysis.capture_checks(&records, &mut |e| index.push(e.clone()));
    for rec in records.by_ref() {
        if cancelled() {
            return Ok(None);
        }
        analysis.push(&rec?, &mut |e| index.push(e.clone()));
    }
    if cancelled() {
        return Ok(None);
    }
    analysis.finish(&mut |e| index.push(e.clone()));
    notes.extend(records.source_mut().take_warnings().into_iter().map(|w| format!("warning: {w}")));
    let tl = analysis.timeline();
    let slm = if tl.version_known() { tl.version().to_string() } else { format!("{} (assumed)", tl.version()) };
    Ok(Some(Decoded { index, format, slm, notes }))
}
