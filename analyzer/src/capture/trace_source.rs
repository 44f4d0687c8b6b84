//! `.atrace` files as a channel source: two channels, `host` and `modem`.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::{CaptureError, ChannelInfo, ChannelItem, ChannelSource};
use crate::trace::{Meta, TraceError, TraceReader};

/// Reads an `.atrace` file; its records already know their direction.
pub struct TraceSource {
    path: PathBuf,
    reader: TraceReader<BufReader<Box<dyn Read + Send>>>,
    channels: Vec<ChannelInfo>,
}

impl TraceSource {
    /// Opens `path` and reads its header.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let file = File::open(path).map_err(|e| CaptureError::io(path, e))?;
        Self::from_reader(path, Box::new(file))
    }

    /// Reads the trace from `input` (a pipe's bytes, once), named `path` in messages.
    pub fn from_reader(path: &Path, input: Box<dyn Read + Send>) -> Result<Self, CaptureError> {
        let reader = TraceReader::new(BufReader::with_capacity(1 << 16, input)).map_err(|e| to_capture(path, e))?;
        let channels =
            vec![ChannelInfo { index: 0, name: "host".into() }, ChannelInfo { index: 1, name: "modem".into() }];
        Ok(TraceSource { path: path.to_path_buf(), reader, channels })
    }

    /// The header's metadata.
    pub fn meta(&self) -> &Meta {
        self.reader.meta()
    }
}

fn to_capture(path: &Path, e: TraceError) -> CaptureError {
    match e {
        TraceError::Io(source) => CaptureError::Io { path: path.to_path_buf(), source },
        TraceError::BadRecord { line, why } => CaptureError::Malformed { path: path.to_path_buf(), line, why },
        other => CaptureError::Malformed { path: path.to_path_buf(), line: 1, why: other.to_string() },
    }
}

impl Iterator for TraceSource {
    type Item = Result<ChannelItem, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.reader.next()?.map(ChannelItem::Record).map_err(|e| to_capture(&self.path, e)))
    }
}

impl ChannelSource for TraceSource {
    fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
    fn format_name(&self) -> &'static str {
        "atscope trace (.atrace)"
    }
    fn recording_meta(&self) -> Option<&Meta> {
        Some(self.meta())
    }
    fn declared_slm(&self) -> Option<String> {
        let firmware = self.meta().get("firmware")?;
        match firmware.get("slm").and_then(|v| v.as_str()) {
            Some(slm) => Some(slm.to_string()),
            // A Serial Modem build (its own version numbers): `SM 1.0.1`, as SlmVersion parses it.
            None => firmware.get("sm")?.as_str().map(|sm| format!("SM {sm}")),
        }
    }
    fn take_warnings(&mut self) -> Vec<String> {
        let p = self.path.display().to_string();
        self.reader.take_warnings().into_iter().map(|w| format!("{p}: {w}")).collect()
    }
}
