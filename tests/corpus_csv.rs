//! The real Saleae table exports of the corpus import without error, one byte per row (a missing
//! corpus skips visibly, and fails where `CI` is set: `support::need`).

use std::path::{Path, PathBuf};

use atscope_analyzer::capture::{self, ChannelItem, ImportOptions};
use atscope_analyzer::chunk::Body;

mod support;

use support::need;

fn corpus() -> Option<PathBuf> {
    need::corpus().map(|c| c.join("saleae-logic2-automation"))
}

/// (bytes per channel name, rows with a value).
fn import(path: &Path) -> (Vec<(String, usize)>, usize) {
    let mut src = capture::open(path, &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    let mut counts = vec![0usize; 0];
    let mut items = 0;
    for item in src.by_ref() {
        if let ChannelItem::Chunk(c) = item.unwrap_or_else(|e| panic!("{e}")) {
            if let Body::Bytes(b) = c.body {
                if counts.len() <= c.channel {
                    counts.resize(c.channel + 1, 0);
                }
                counts[c.channel] += b.len();
                items += 1;
            }
        }
    }
    let names = src.channels().iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    (names.into_iter().zip(counts).collect(), items)
}

fn data_rows(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().skip(1).filter(|l| !l.trim().is_empty()).count()
}

#[test]
fn the_two_analyzer_hex_export_gives_one_byte_per_row_on_each_analyzer() {
    let Some(p) = corpus().map(|c| c.join("large_async_capture/2_analyzers.csv")) else { return };
    let (counts, items) = import(&p);
    assert_eq!(items, data_rows(&p));
    assert_eq!(counts, vec![("Async 1".to_string(), 28_434), ("Async 2".to_string(), 28_434)]);
}

#[test]
fn the_filtered_ascii_export_imports_every_row() {
    let Some(p) = corpus().map(|c| c.join("large_async_capture/search_ascii_7.csv")) else { return };
    let (counts, items) = import(&p);
    assert_eq!(items, data_rows(&p));
    assert_eq!(counts.len(), 1);
    assert_eq!(counts[0].1, items, "each \"7\" cell is one byte");
}

#[test]
fn the_spi_table_export_imports_with_a_channel_per_value_column() {
    let Some(p) = corpus().map(|c| c.join("small_spi_capture/data_table_case1.csv")) else { return };
    let (counts, _) = import(&p);
    let result_rows = std::fs::read_to_string(&p).unwrap().lines().filter(|l| l.contains("\"result\"")).count();
    assert_eq!(counts, vec![("My SPI mosi".to_string(), result_rows), ("My SPI miso".to_string(), result_rows)]);
}

#[test]
fn the_large_export_decodes_both_sides_in_time_order() {
    let Some(p) = corpus().map(|c| c.join("large_async_capture/2_analyzers.csv")) else { return };
    let recs =
        capture::open_records(&p, &ImportOptions { host: Some("Async 2".into()), ..Default::default() }).unwrap();
    let mut last = i64::MIN;
    let mut n = 0;
    for r in recs {
        let r = r.unwrap();
        assert!(r.t_ns() >= last);
        last = r.t_ns();
        n += 1;
    }
    assert_eq!(n, 56_868);
}
