//! Saleae raw-data CSV of digital channels, as transitions.
//!
//! Logic 2 (`Time [s],Channel 0,Channel 1`, times with 9 decimals or ISO-8601) and Logic 1.x
//! (`Time[s], Channel 0, ...`, comma + space, 15 decimals) — `docs/capture-formats.md` §1.3
//! and §2.2. One row for the start state, then one per change of any channel, and a last row at
//! the end of the capture. Values `0`/`1`; `X` ("no data") keeps the previous level. Times are
//! rounded to nanoseconds; ISO times count from the first row. Read line by line.

use std::path::{Path, PathBuf};

use super::saleae_csv::{parse_time, CsvLines};
use super::wave::{Edge, EdgeSource, Fill, WaveSource};
use super::{CaptureError, ChannelInfo, ImportOptions};

/// Opens a raw digital CSV as a decoded channel source.
pub fn open(path: &Path, opts: &ImportOptions) -> Result<WaveSource, CaptureError> {
    let opener = || -> Result<Box<dyn EdgeSource>, CaptureError> { Ok(Box::new(CsvEdges::open(path)?)) };
    WaveSource::new(path, "Saleae raw digital CSV", &opener, &[], opts, Vec::new())
}

/// The transitions of a raw digital CSV.
pub struct CsvEdges {
    path: PathBuf,
    r: CsvLines,
    line_no: u64,
    line: String,
    channels: Vec<ChannelInfo>,
    levels: Vec<bool>,
    levels0: Vec<bool>,
    t_first: i64,
    last: u64,
    done: bool,
    read: u64,
    total: u64,
}

impl CsvEdges {
    fn bad(&self, why: String) -> CaptureError {
        CaptureError::Malformed { path: self.path.clone(), line: self.line_no, why }
    }

    /// Next non-empty line, trimmed of its line end; `None` at the end.
    fn next_line(&mut self) -> Result<Option<()>, CaptureError> {
        loop {
            let Some(line) = self.r.next_line()? else {
                return Ok(None);
            };
            self.line = line;
            self.read = self.r.read;
            self.line_no = self.r.line_no;
            if !self.line.trim().is_empty() {
                return Ok(Some(()));
            }
        }
    }

    /// Parses the current row: (ticks since the first row, levels). `X` keeps the level.
    fn row(&mut self) -> Result<(u64, Vec<bool>), CaptureError> {
        let mut cells = self.line.split(',').map(str::trim);
        let t_cell = cells.next().unwrap_or("");
        let Some((t, _)) = parse_time(t_cell) else {
            return Err(
                self.bad(format!("time {:?} is not a number of seconds nor an ISO time", super::excerpt(t_cell, 40)))
            );
        };
        let mut levels = self.levels.clone();
        let mut n = 0;
        for (i, c) in cells.enumerate() {
            let Some(l) = levels.get_mut(i) else { break };
            n += 1;
            match c {
                "0" => *l = false,
                "1" => *l = true,
                "X" | "x" | "" => {}
                other => return Err(self.bad(format!("value {:?} is not 0, 1 or X", super::excerpt(other, 40)))),
            }
        }
        if n < self.channels.len() {
            return Err(self.bad(format!("{n} values for {} channels", self.channels.len())));
        }
        if self.line_no == 2 {
            self.t_first = t;
        }
        let Some(ticks) = t.checked_sub(self.t_first) else {
            return Err(self.bad("the time is too far from the first row's".into()));
        };
        if ticks < 0 || (ticks as u64) < self.last {
            return Err(self.bad("times go backwards".into()));
        }
        Ok((ticks as u64, levels))
    }

    /// Opens the file and reads the header and the first row.
    pub fn open(path: &Path) -> Result<CsvEdges, CaptureError> {
        let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let mut s = CsvEdges {
            path: path.to_path_buf(),
            r: CsvLines::open(path)?,
            line_no: 0,
            line: String::new(),
            channels: Vec::new(),
            levels: Vec::new(),
            levels0: Vec::new(),
            t_first: 0,
            last: 0,
            done: false,
            read: 0,
            total,
        };
        if s.next_line()?.is_none() {
            return Err(s.bad("empty file".into()));
        }
        let header = s.line.trim_start_matches('\u{feff}').to_string();
        let n = header.split(',').count() - 1;
        if n > super::MAX_CHANNELS {
            return Err(s.bad(format!("the header names {n} channels: atscope reads at most {}", super::MAX_CHANNELS)));
        }
        s.channels = header
            .split(',')
            .skip(1)
            .enumerate()
            .map(|(i, n)| ChannelInfo { index: i, name: n.trim().trim_matches('"').to_string() })
            .collect();
        if s.channels.is_empty() {
            return Err(s.bad("the header names no channel".into()));
        }
        s.levels = vec![true; s.channels.len()];
        if s.next_line()?.is_none() {
            return Err(s.bad("no data rows".into()));
        }
        let (_, l) = s.row()?;
        s.levels0.clone_from(&l);
        s.levels = l;
        Ok(s)
    }
}

impl EdgeSource for CsvEdges {
    fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
    fn rate(&self) -> f64 {
        1e9
    }
    fn t0_ns(&self) -> i64 {
        // Relative times keep the capture's axis; ISO times (ns since 1970) count from row 1.
        if self.t_first.abs() < 1_000_000_000_000_000 {
            self.t_first
        } else {
            0
        }
    }
    fn initial_levels(&self) -> &[bool] {
        &self.levels0
    }
    fn fill(&mut self, out: &mut Vec<Edge>) -> Result<Fill, CaptureError> {
        if self.done {
            return Ok(Fill::End(self.last));
        }
        for _ in 0..4096 {
            if self.next_line()?.is_none() {
                self.done = true;
                return Ok(Fill::End(self.last));
            }
            let (t, levels) = self.row()?;
            for (i, (&new, old)) in levels.iter().zip(&self.levels).enumerate() {
                if new != *old {
                    out.push(Edge { sample: t, channel: i as u32, level: new });
                }
            }
            self.levels = levels;
            self.last = t;
        }
        Ok(Fill::Upto(self.last))
    }
    fn progress(&self) -> (u64, u64) {
        (self.read, self.total)
    }
}
