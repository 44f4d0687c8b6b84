//! Saleae exports of decoded serial data: the Logic 2 data table and the per-analyzer export.
//!
//! * Data table (`name,type,start_time,duration,"data"`): rows of one or more analyzers,
//!   interleaved in time order. Columns are found by name. Each (analyzer, value column) pair with
//!   data becomes a channel: an Async Serial analyzer `"Async 1"` is the channel `Async 1`; an
//!   SPI analyzer gives `My SPI mosi` and `My SPI miso`. The value cell may be in hex (`0x4869`),
//!   ASCII (`"Hi\0"`), decimal (`72 105`) or binary (`0b1001000`) radix; times in relative
//!   seconds (decimal or scientific) or ISO-8601. An `"error"` column of `framing`/`parity`
//!   becomes a line condition before the byte.
//! * Per-analyzer export (`Time [s],Value,Parity Error,Framing Error`, Logic 1.x and Logic 2):
//!   one channel, named after the file. Not valid CSV in ASCII radix (see capture-formats.md
//!   §2.1): the time is before the first comma, the flags after the last two.
//!
//! One module a part: `csv` reads bounded lines and fields, `cells` times and values, `rows`
//! streams the rows of either export, `table` and `legacy` are the two exports.

mod cells;
mod csv;
mod legacy;
mod rows;
mod table;

pub use cells::{parse_time, parse_value};
pub use csv::CsvLines;
pub use legacy::LegacySource;
pub use table::TableSource;

/// The longest CSV line read: a Saleae row is tens of bytes, a header of many analyzers a few
/// KiB; a longer "line" is a damaged or hostile file, and is never held whole.
pub const MAX_CSV_LINE: usize = 1 << 20;

/// Characters of a cell quoted in an error message.
const EXCERPT: usize = 40;

fn ex(s: &str) -> String {
    super::excerpt(s, EXCERPT)
}
