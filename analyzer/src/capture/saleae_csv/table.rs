//! The Logic 2 data table (`name,type,start_time,duration,"data"`): rows of one or more
//! analyzers, interleaved in time order; columns found by name, a channel per (analyzer, value
//! column) with data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::cells::{parse_time, parse_value};
use super::csv::{split_csv, CsvLines};
use super::ex;
use super::rows::{next_item, Feed, RowSource};
use crate::capture::{CaptureError, ChannelChunk, ChannelInfo, ChannelItem, ChannelSource};
use crate::chunk::{Body, Condition};

/// How far the table reader looks ahead for analyzer names before it streams.
const NAME_SCAN_BYTES: u64 = 8 << 20;

/// A Saleae Logic 2 data-table CSV.
pub struct TableSource {
    path: PathBuf,
    feed: Feed,
    col_name: usize,
    col_start: usize,
    col_error: Option<usize>,
    /// Value columns: (column index, column name).
    value_cols: Vec<(usize, String)>,
    /// Channel per (analyzer name, value column), in order of first appearance.
    channels: Vec<ChannelInfo>,
    keys: HashMap<String, usize>,
    late: Vec<String>,
    t0: Option<i64>,
    fields: Vec<(String, bool)>,
}

fn channel_name(analyzer: &str, col: &str) -> String {
    if matches!(col, "data" | "value") {
        analyzer.to_string()
    } else {
        format!("{analyzer} {col}")
    }
}

impl TableSource {
    /// Opens a data-table CSV and finds its columns and analyzers.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let mut lines = CsvLines::open(path)?;
        let Some(header) = lines.next_line()? else {
            return Err(CaptureError::Malformed { path: path.into(), line: 1, why: "empty file".into() });
        };
        let mut fields = Vec::new();
        split_csv(header.trim_start_matches('\u{feff}').trim_end(), &mut fields)
            .map_err(|why| CaptureError::Malformed { path: path.into(), line: 1, why })?;
        let names: Vec<String> = fields.iter().map(|(f, _)| f.trim().to_ascii_lowercase()).collect();
        let find = |n: &str| names.iter().position(|c| c == n);
        let need = |n: &str| {
            find(n).ok_or_else(|| CaptureError::Malformed {
                path: path.into(),
                line: 1,
                why: format!("the header has no {n:?} column (found: {})", ex(&names.join(", "))),
            })
        };
        let col_name = need("name")?;
        let col_start = need("start_time")?;
        need("type")?;
        let col_error = find("error");
        let fixed = ["name", "type", "start_time", "duration", "error", "address"];
        let value_cols: Vec<(usize, String)> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| !fixed.contains(&n.as_str()))
            .map(|(i, n)| (i, n.clone()))
            .collect();
        if value_cols.is_empty() {
            return Err(CaptureError::Malformed {
                path: path.into(),
                line: 1,
                why: "the header has no value column (an Async Serial export has \"data\")".into(),
            });
        }
        let mut src = TableSource {
            path: path.into(),
            feed: Feed::new(lines),
            col_name,
            col_start,
            col_error,
            value_cols,
            channels: Vec::new(),
            keys: HashMap::new(),
            late: Vec::new(),
            t0: None,
            fields,
        };
        src.scan_names()?;
        Ok(src)
    }

    /// Reads the start of the file once more to list the analyzers before streaming.
    fn scan_names(&mut self) -> Result<(), CaptureError> {
        let mut lines = CsvLines::open(&self.path)?;
        let mut fields = Vec::new();
        lines.next_line()?;
        while lines.read <= NAME_SCAN_BYTES {
            let line = match lines.next_line() {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(_) => break, // reported with its line number when streaming
            };
            if split_csv(line.trim_end(), &mut fields).is_err() {
                continue; // reported with its line number when streaming
            }
            let Some((name, _)) = fields.get(self.col_name) else {
                continue;
            };
            let name = name.clone();
            for vi in 0..self.value_cols.len() {
                let (ci, _) = self.value_cols[vi];
                if ci >= fields.len() {
                    break;
                }
                if !fields[ci].0.trim().is_empty() {
                    self.channel_for(&name, vi, lines.line_no)?;
                }
            }
        }
        Ok(())
    }

    fn channel_for(&mut self, analyzer: &str, value_col: usize, line_no: u64) -> Result<usize, CaptureError> {
        let key = channel_name(analyzer, &self.value_cols[value_col].1);
        if let Some(&i) = self.keys.get(&key) {
            return Ok(i);
        }
        if self.channels.len() >= crate::capture::MAX_CHANNELS {
            return Err(CaptureError::Malformed {
                path: self.path.clone(),
                line: line_no,
                why: format!(
                    "analyzer {:?} would be channel {}: atscope reads at most {} channels from a data table",
                    ex(&key),
                    self.channels.len() + 1,
                    crate::capture::MAX_CHANNELS
                ),
            });
        }
        let i = self.channels.len();
        self.channels.push(ChannelInfo { index: i, name: key.clone() });
        self.keys.insert(key, i);
        Ok(i)
    }

    fn row(&mut self, line: &str) -> Result<(), CaptureError> {
        let path = self.path.clone();
        let bad = |why: String, line_no| CaptureError::Malformed { path: path.clone(), line: line_no, why };
        let line_no = self.feed.line_no;
        let mut fields = std::mem::take(&mut self.fields);
        split_csv(line, &mut fields).map_err(|w| bad(w, line_no))?;
        let cell = |i: usize| fields.get(i).map(|(s, q)| (s.as_str(), *q));
        let (name, _) = cell(self.col_name).ok_or_else(|| bad("missing the \"name\" cell".into(), line_no))?;
        let (time, _) = cell(self.col_start).ok_or_else(|| bad("missing the \"start_time\" cell".into(), line_no))?;
        let (t, iso) =
            parse_time(time).ok_or_else(|| bad(format!("start_time {:?} is not a time", ex(time)), line_no))?;
        let t_ns = if iso {
            t.checked_sub(*self.t0.get_or_insert(t))
                .ok_or_else(|| bad(format!("start_time {:?} is too far from the first row's", ex(time)), line_no))?
        } else {
            t
        };
        let cond = match self.col_error.and_then(cell).map(|(s, _)| s.trim().to_ascii_lowercase()) {
            Some(e) if e == "framing" => Some(Condition::Framing),
            Some(e) if e == "parity" => Some(Condition::Parity),
            _ => None,
        };
        let name = name.to_string();
        for vi in 0..self.value_cols.len() {
            let (ci, _) = self.value_cols[vi];
            let Some((v, quoted)) = cell(ci) else {
                break; // value columns are in column order: the row has no more cells
            };
            if v.trim().is_empty() && !quoted {
                continue;
            }
            let bytes = parse_value(v, quoted)
                .ok_or_else(|| bad(format!("value {:?} is not hex, ASCII, decimal or binary", ex(v)), line_no))?;
            let known = self.keys.len();
            let channel = self.channel_for(&name, vi, line_no)?;
            if channel >= known && self.channels.len() > known {
                // An analyzer first seen after the look-ahead: it has no role; say so once.
                self.late.push(format!(
                    "{}: analyzer {:?} first appears on line {line_no}, after the channels were assigned; its rows are ignored",
                    self.path.display(),
                    self.channels[channel].name
                ));
            }
            if let Some(c) = cond {
                self.feed.out.push_back(ChannelItem::Chunk(ChannelChunk { t_ns, channel, body: Body::Condition(c) }));
            }
            self.feed.out.push_back(ChannelItem::Chunk(ChannelChunk { t_ns, channel, body: Body::Bytes(bytes) }));
        }
        self.fields = fields;
        Ok(())
    }
}

impl ChannelSource for TableSource {
    fn channels(&self) -> &[ChannelInfo] {
        &self.channels
    }
    fn format_name(&self) -> &'static str {
        "Saleae Logic 2 data-table CSV"
    }
    fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.late)
    }
}

impl RowSource for TableSource {
    fn feed(&mut self) -> &mut Feed {
        &mut self.feed
    }
    fn is_blank(line: &str) -> bool {
        line.trim().is_empty()
    }
    fn row(&mut self, line: &str) -> Result<(), CaptureError> {
        TableSource::row(self, line)
    }
}

impl Iterator for TableSource {
    type Item = Result<ChannelItem, CaptureError>;

    fn next(&mut self) -> Option<Self::Item> {
        next_item(self)
    }
}
