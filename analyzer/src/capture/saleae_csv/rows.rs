//! Streaming the rows of a Saleae export: each source turns one row into channel items; the
//! loop that reads lines, skips blank ones, and stops at the end or at the first error is here,
//! once, for both.

use std::collections::VecDeque;

use super::csv::CsvLines;
use crate::capture::{CaptureError, ChannelItem};

/// What the row loop keeps of a source: its lines and the items made but not yet given out.
pub(super) struct Feed {
    pub lines: CsvLines,
    /// Number of the line being turned into items (for errors).
    pub line_no: u64,
    pub out: VecDeque<ChannelItem>,
    done: bool,
}

impl Feed {
    /// Rows from `lines` (the header already read: line 1).
    pub fn new(lines: CsvLines) -> Feed {
        Feed { lines, line_no: 1, out: VecDeque::new(), done: false }
    }
}

/// A source that turns one row at a time into items (pushed to its [`Feed::out`]).
pub(super) trait RowSource {
    /// The source's feed.
    fn feed(&mut self) -> &mut Feed;
    /// Whether a line is skipped as holding no row.
    fn is_blank(line: &str) -> bool;
    /// Turns one row into items.
    fn row(&mut self, line: &str) -> Result<(), CaptureError>;
}

/// The next item of `s`: what is made, else the next rows' items; `None` at the end, and after
/// an error (which is given once).
pub(super) fn next_item<S: RowSource>(s: &mut S) -> Option<Result<ChannelItem, CaptureError>> {
    loop {
        let f = s.feed();
        if let Some(i) = f.out.pop_front() {
            return Some(Ok(i));
        }
        if f.done {
            return None;
        }
        let line = match f.lines.next_line() {
            Ok(None) => {
                f.done = true;
                return None;
            }
            Err(e) => {
                f.done = true;
                return Some(Err(e));
            }
            Ok(Some(l)) => l,
        };
        f.line_no = f.lines.line_no;
        if S::is_blank(&line) {
            continue;
        }
        if let Err(e) = s.row(&line) {
            s.feed().done = true;
            return Some(Err(e));
        }
    }
}
