//! Oracle tests: the UART decoder and the waveform importers against other tools' decodes of
//! the real captures of the corpus (see its `PROVENANCE.md`; where it is found: `tests/support/need.rs`).
//!
//! Run with `cargo test -p atscope-analyzer --test uart_oracle`.
//!
//! * every `.sr` with a `.sigrok-uart.txt` beside it: the decoder's events, printed the way
//!   `sigrok-cli -A uart=rx-data:rx-parity-err:rx-warnings:rx-break --protocol-decoder-samplenum`
//!   prints them, equal the oracle line for line (words, sample spans, errors, breaks);
//! * the same captures through the importer (`capture::open`): the bytes per channel equal the
//!   oracle's words, with runs of false starts folded into one glitch condition;
//! * `large_async_capture.sal`: all 28,434 bytes and start times equal Saleae's own export.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use atscope_analyzer::capture::sr::{read_info, SrEdges};
use atscope_analyzer::capture::wave::{EdgeSource, Fill};
use atscope_analyzer::capture::{self, ChannelItem, ImportOptions};
use atscope_analyzer::chunk::{Body, Condition};
use atscope_analyzer::uart::{Parity, UartConfig, UartDecoder, UartEvent};

#[path = "../../tests/support/need.rs"]
mod need;

/// The corpus, or a visible skip (a failure where `CI` is set).
fn corpus() -> Option<PathBuf> {
    need::corpus()
}

/// One `=== line "NAME" (baudrate=..., parity=...)` section of an oracle file.
#[derive(Debug)]
struct Section {
    line: String,
    cfg: UartConfig,
    output: Vec<String>,
}

fn parse_oracle(text: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for l in text.lines() {
        if let Some(rest) = l.strip_prefix("# === line \"") {
            let (name, rest) = rest.split_once('"').unwrap();
            let opts = rest.trim().trim_start_matches('(').split(')').next().unwrap();
            let mut cfg = UartConfig::default();
            for kv in opts.split(',') {
                let (k, v) = kv.trim().split_once('=').unwrap();
                match k {
                    "baudrate" => cfg.baud = v.parse().unwrap(),
                    "parity" => cfg.parity = Parity::parse(v).unwrap(),
                    "data_bits" => cfg.data_bits = v.parse().unwrap(),
                    other => panic!("oracle option {other} not handled"),
                }
            }
            out.push(Section { line: name.to_string(), cfg, output: Vec::new() });
        } else if !l.starts_with('#') && !l.trim().is_empty() {
            out.last_mut().expect("output before a section").output.push(l.trim().to_string());
        }
    }
    out
}

/// Decodes one channel of a `.sr` and prints sigrok-cli's lines.
fn decode_like_sigrok(path: &Path, line: &str, cfg: &UartConfig) -> Vec<String> {
    let (_, info) = read_info(path).unwrap();
    let ch = info.channels.iter().position(|c| c.name == line).unwrap_or_else(|| panic!("no channel {line}"));
    let mut src = SrEdges::open(path, &info).unwrap();
    let mut dec = UartDecoder::new(cfg.clone(), src.rate(), src.initial_levels()[ch]);
    let mut edges = Vec::new();
    let mut lines = Vec::new();
    let digits = if cfg.data_bits > 8 { 3 } else { 2 };
    loop {
        edges.clear();
        let fill = src.fill(&mut edges).unwrap();
        for e in edges.iter().filter(|e| e.channel as usize == ch) {
            dec.edge(e.sample, e.level);
        }
        match fill {
            Fill::Upto(p) => dec.advance(p),
            Fill::End(p) => dec.finish(p),
        }
        while let Some(ev) = dec.next_event() {
            match ev {
                UartEvent::Word(w) => {
                    lines.push(format!("{}-{} uart-1: {:0digits$X}", w.span.0, w.span.1, w.value));
                    if let Some((p, false)) = w.parity {
                        let (a, b) = dec.bit_span(p);
                        lines.push(format!("{a}-{b} uart-1: Parity error"));
                    }
                    if let Some((p, false)) = w.stop {
                        let (a, b) = dec.bit_span(p);
                        lines.push(format!("{a}-{b} uart-1: Frame error"));
                    }
                }
                UartEvent::FalseStart { point, .. } => {
                    let (a, b) = dec.bit_span(point);
                    lines.push(format!("{a}-{b} uart-1: Frame error"));
                }
                UartEvent::Break { start, end } => lines.push(format!("{start}-{end} uart-1: Break condition")),
            }
        }
        if matches!(fill, Fill::End(_)) {
            return lines;
        }
    }
}

fn oracle_files() -> Option<Vec<PathBuf>> {
    let corpus = corpus()?;
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.to_string_lossy().ends_with(".sr.sigrok-uart.txt") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&corpus.join("sigrok-dumps"), &mut out);
    out.sort();
    assert!(out.len() >= 12, "expected the 12 sigrok oracle files, found {}", out.len());
    Some(out)
}

fn capture_of(oracle: &Path) -> PathBuf {
    PathBuf::from(oracle.to_string_lossy().trim_end_matches(".sigrok-uart.txt"))
}

#[test]
fn every_sigrok_capture_decodes_to_sigrok_clis_words_spans_and_errors() {
    let mut checked = 0;
    let Some(oracles) = oracle_files() else { return };
    for oracle in oracles {
        let sr = capture_of(&oracle);
        for sec in parse_oracle(&std::fs::read_to_string(&oracle).unwrap()) {
            let ours = decode_like_sigrok(&sr, &sec.line, &sec.cfg);
            let first_diff = ours.iter().zip(&sec.output).position(|(a, b)| a != b);
            assert!(
                ours == sec.output,
                "{} line {:?}: {} lines vs sigrok's {}; first difference at {:?}: ours {:?}, sigrok {:?}",
                sr.display(),
                sec.line,
                ours.len(),
                sec.output.len(),
                first_diff,
                first_diff.map(|i| &ours[i]),
                first_diff.map(|i| &sec.output[i]),
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 17, "every line section of every oracle file was compared");
}

/// Bytes and conditions per channel name, through the importer.
fn import(path: &Path, opts: &ImportOptions) -> BTreeMap<String, (Vec<u8>, Vec<Condition>)> {
    let mut src = capture::open(path, opts).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = src.channels().iter().map(|c| c.name.clone()).collect();
    let mut out: BTreeMap<String, (Vec<u8>, Vec<Condition>)> = BTreeMap::new();
    let mut last_t = i64::MIN;
    for item in src.by_ref() {
        let ChannelItem::Chunk(c) = item.unwrap() else {
            continue;
        };
        assert!(c.t_ns >= last_t, "chunks come in time order");
        last_t = c.t_ns;
        let e = out.entry(names[c.channel].clone()).or_default();
        match c.body {
            Body::Bytes(b) => e.0.extend(b),
            Body::Condition(k) => e.1.push(k),
        }
    }
    out
}

fn oracle_words(sec: &Section) -> Vec<u8> {
    sec.output
        .iter()
        .filter_map(|l| u8::from_str_radix(l.rsplit(": ").next()?, 16).ok().filter(|_| !l.contains("error")))
        .collect()
}

#[test]
fn the_sr_importer_gives_sigrok_clis_bytes_on_every_channel() {
    let Some(oracles) = oracle_files() else { return };
    for oracle in oracles {
        let sr = capture_of(&oracle);
        for sec in parse_oracle(&std::fs::read_to_string(&oracle).unwrap()) {
            let mut opts = ImportOptions::default();
            opts.uart.baud = Some(sec.cfg.baud as u32);
            opts.uart.parity = Some(sec.cfg.parity.as_str().to_string());
            let got = import(&sr, &opts);
            let (bytes, _) = got.get(&sec.line).cloned().unwrap_or_default();
            assert_eq!(bytes, oracle_words(&sec), "{} line {:?}", sr.display(), sec.line);
        }
    }
}

#[test]
fn auto_detection_finds_each_captures_baud_rate() {
    let Some(oracles) = oracle_files() else { return };
    for oracle in oracles {
        let sr = capture_of(&oracle);
        for sec in parse_oracle(&std::fs::read_to_string(&oracle).unwrap()) {
            if oracle_words(&sec).is_empty() {
                continue; // a silent line: nothing to measure
            }
            let mut opts = ImportOptions::default();
            opts.uart.parity = Some(sec.cfg.parity.as_str().to_string());
            let mut src = capture::open(&sr, &opts).unwrap();
            let notes = src.notes().join("\n");
            let want = format!("{:?} {} 8", sec.line, sec.cfg.baud);
            assert!(notes.contains(&want), "{}: expected {want} in the notes:\n{notes}", sr.display());
            let names: Vec<String> = src.channels().iter().map(|c| c.name.clone()).collect();
            let bytes: Vec<u8> = src
                .filter_map(|i| match i.unwrap() {
                    ChannelItem::Chunk(c) if names[c.channel] == sec.line => match c.body {
                        Body::Bytes(b) => Some(b),
                        _ => None,
                    },
                    _ => None,
                })
                .flatten()
                .collect();
            assert_eq!(bytes, oracle_words(&sec), "{} line {:?} with auto-detected settings", sr.display(), sec.line);
        }
    }
}

#[test]
fn a_line_toggling_at_power_up_gives_one_glitch_condition_not_a_thousand_frame_errors() {
    // trekstor: the TX line toggles every 2-3 samples for 6.2 ms after power-up; sigrok reports
    // 1237 "Frame error" messages there. The importer folds each run of false starts into one
    // glitch condition and keeps sigrok's framing error and break.
    let Some(sr) = corpus().map(|c| c.join("sigrok-dumps/uart/trekstor_ebr30_a/trekstor_ebr30_a_uart.sr")) else {
        return;
    };
    let mut opts = ImportOptions::default();
    opts.uart.baud = Some(115_200);
    let got = import(&sr, &opts);
    let (bytes, conds) = &got["TX"];
    assert_eq!(bytes.len(), 1109);
    assert_eq!(conds, &[Condition::Glitch, Condition::Framing, Condition::Break]);
}

#[test]
fn the_sal_capture_gives_saleaes_own_28434_bytes_at_the_same_start_times() {
    let Some(dir) = corpus().map(|c| c.join("saleae-logic2-automation")) else { return };
    // Saleae's data-table export of the capture: rows of "Async 1" (channel 0, 115200 8N1).
    let csv = std::fs::read_to_string(dir.join("large_async_capture/2_analyzers.csv")).unwrap();
    let want: Vec<(i64, u8)> = csv
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("\"Async 1\""))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let (t, _) = capture::saleae_csv::parse_time(f[2]).unwrap();
            (t, u8::from_str_radix(f[4].trim_start_matches("0x"), 16).unwrap())
        })
        .collect();
    assert_eq!(want.len(), 28_434);
    let mut opts = ImportOptions::default();
    opts.uart.baud = Some(115_200);
    let src = capture::open(&dir.join("large_async_capture.sal"), &opts).unwrap();
    let got: Vec<(i64, u8)> = src
        .filter_map(|i| match i.unwrap() {
            ChannelItem::Chunk(c) if c.channel == 0 => match c.body {
                Body::Bytes(b) => Some((c.t_ns, b[0])),
                Body::Condition(k) => panic!("unexpected {k:?} at {} ns", c.t_ns),
            },
            _ => None,
        })
        .collect();
    assert_eq!(got.len(), want.len());
    let first_diff = got.iter().zip(&want).position(|(a, b)| a != b);
    assert_eq!(
        first_diff,
        None,
        "first difference: ours {:?}, Saleae {:?}",
        first_diff.map(|i| got[i]),
        first_diff.map(|i| want[i])
    );
}

#[test]
fn the_sal_capture_is_decoded_without_options_too() {
    let Some(dir) = corpus().map(|c| c.join("saleae-logic2-automation")) else { return };
    let mut src = capture::open(&dir.join("large_async_capture.sal"), &ImportOptions::default()).unwrap();
    let notes = src.notes().join("\n");
    assert!(notes.contains("baud auto-detected: 115200"), "{notes}");
    let n: usize = src
        .filter_map(|i| match i.unwrap() {
            ChannelItem::Chunk(c) if c.channel == 0 => match c.body {
                Body::Bytes(b) => Some(b.len()),
                _ => None,
            },
            _ => None,
        })
        .sum();
    assert_eq!(n, 28_434);
}

#[test]
fn the_sal_channel_transitions_equal_saleaes_binary_export_of_the_same_capture() {
    // cap1.sal (SWD at 50 MS/s, plus analog channels): Saleae's digital_N.bin exports hold the
    // transition times up to the export's end time; the .sal may hold more after it.
    let Some(dir) = corpus().map(|c| c.join("saleae-logic2-automation")) else { return };
    let (ar, info) = {
        let ar = capture::zipread::Archive::open(&dir.join("cap1.sal")).unwrap();
        let info = capture::sal::read_info(&ar).unwrap();
        (ar, info)
    };
    drop(ar);
    assert!(info.notes.iter().any(|n| n.contains("analog channels ignored")), "{:?}", info.notes);
    let mut src = capture::sal::SalEdges::open(&dir.join("cap1.sal"), &info).unwrap();
    let mut edges = Vec::new();
    while let Fill::Upto(_) = src.fill(&mut edges).unwrap() {}
    for ch in 0..2u32 {
        let bin = std::fs::read(dir.join(format!("cap1/digital_bin/digital_{ch}.bin"))).unwrap();
        let n = u64::from_le_bytes(bin[36..44].try_into().unwrap()) as usize;
        let want: Vec<u64> = (0..n)
            .map(|i| {
                let t = f64::from_le_bytes(bin[44 + 8 * i..52 + 8 * i].try_into().unwrap());
                (t * 50e6).round() as u64
            })
            .collect();
        let got: Vec<u64> = edges.iter().filter(|e| e.channel == ch).map(|e| e.sample).collect();
        assert_eq!(&got[..n], &want[..], "channel {ch}");
        assert!(got.len() >= n, "channel {ch}");
    }
}

/// All transitions of a waveform capture, per channel, as (ns, level).
fn transitions(mut src: Box<dyn EdgeSource>) -> Vec<Vec<(i64, bool)>> {
    let rate = src.rate();
    let t0 = src.t0_ns();
    let mut per = vec![Vec::new(); src.channels().len()];
    let mut edges = Vec::new();
    loop {
        edges.clear();
        let fill = src.fill(&mut edges).unwrap();
        for e in &edges {
            per[e.channel as usize].push((t0 + (e.sample as f64 * 1e9 / rate).round() as i64, e.level));
        }
        if matches!(fill, Fill::End(_)) {
            return per;
        }
    }
}

#[test]
fn saleaes_binary_and_raw_csv_exports_of_one_capture_give_the_same_transitions() {
    let Some(dir) = corpus().map(|c| c.join("saleae-logic2-automation/cap1")) else { return };
    let csv = capture::raw_csv::CsvEdges::open(&dir.join("digital_only/digital.csv")).unwrap();
    let from_csv = transitions(Box::new(csv));
    // The binary exports through the importer (folder input): same channels, same bytes.
    let folder = dir.join("digital_bin");
    let a = import(&folder, &ImportOptions::default());
    let b =
        import(&dir.join("digital_only/digital.csv"), &ImportOptions { uart: a_baud(1_000_000), ..Default::default() });
    assert_eq!(a.keys().collect::<Vec<_>>(), vec!["Channel 0", "Channel 1"]);
    assert_eq!(b.keys().collect::<Vec<_>>(), vec!["Channel 0", "Channel 1"]);
    assert_eq!(from_csv[0].len(), 925);
    assert_eq!(from_csv[1].len(), 926);
    // Transition times agree to the nanosecond with the binary export's f64 seconds.
    let bin = std::fs::read(folder.join("digital_0.bin")).unwrap();
    for (i, &(t, _)) in from_csv[0].iter().enumerate() {
        let s = f64::from_le_bytes(bin[44 + 8 * i..52 + 8 * i].try_into().unwrap());
        assert_eq!(t, (s * 1e9).round() as i64, "transition {i}");
    }
}

fn a_baud(b: u32) -> capture::UartOverrides {
    capture::UartOverrides { baud: Some(b), ..Default::default() }
}

#[test]
fn every_file_in_the_corpus_imports_or_fails_with_a_clear_error() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    let Some(corpus) = corpus() else { return };
    walk(&corpus, &mut files);
    files.sort();
    let mut imported = 0;
    for f in &files {
        let result = capture::open(f, &ImportOptions::default())
            .and_then(|src| src.collect::<Result<Vec<_>, _>>().map(|v| v.len()));
        match result {
            Ok(_) => imported += 1,
            Err(e) => {
                let msg = e.to_string();
                assert!(msg.contains(&f.display().to_string()), "{msg}");
                let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
                assert!(
                    !matches!(ext, "sr" | "sal" | "bin" | "csv"),
                    "{}: a capture file must import: {msg}",
                    f.display()
                );
            }
        }
    }
    assert!(imported >= 20, "{imported} of {} files imported", files.len());
}
