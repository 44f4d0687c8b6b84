//! Time and peak memory of `atscope import` on hostile input shapes, against input size (a
//! benchmark, not a test): `cargo bench --bench hostile`; sizes in MB from
//! `ATSCOPE_BENCH_HOSTILE_MB` (default `10,100`; `10,100,1000` for the README's figures).
//!
//! Each shape is written at each size under `target/bench/hostile/`, then imported once; the
//! exit status (0 decoded, 2 refused with an error), wall time and peak RSS (from
//! `/usr/bin/time -v` when installed) are printed as a Markdown table. Flat RSS and time linear
//! in size (or constant, for inputs refused at their first bytes) is what the readers promise.

mod common;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench/hostile")
}

type Maker = fn(&mut dyn Write, u64) -> std::io::Result<()>;

/// A raw digital CSV whose header has as many channels as fit the size (one line, no end).
fn wide_raw_csv(w: &mut dyn Write, size: u64) -> std::io::Result<()> {
    w.write_all(b"Time [s]")?;
    let mut n = 8u64;
    let mut i = 0u64;
    while n < size {
        let c = format!(",Channel {i}");
        n += c.len() as u64;
        i += 1;
        w.write_all(c.as_bytes())?;
    }
    w.write_all(b"\n")
}

/// A data table with a new analyzer on every row.
fn many_analyzers(w: &mut dyn Write, size: u64) -> std::io::Result<()> {
    w.write_all(b"name,type,start_time,duration,data\n")?;
    let mut n = 0u64;
    let mut i = 0u64;
    while n < size {
        let row = format!("\"Async {i}\",data,{i}.0,1e-05,0x41\n");
        n += row.len() as u64;
        i += 1;
        w.write_all(row.as_bytes())?;
    }
    Ok(())
}

/// A data table whose second row is one huge time cell.
fn huge_cell(w: &mut dyn Write, size: u64) -> std::io::Result<()> {
    w.write_all(b"name,type,start_time,duration,data\n\"Async 1\",data,")?;
    let block = [b'9'; 1 << 16];
    let mut n = 0;
    while n < size {
        w.write_all(&block)?;
        n += block.len() as u64;
    }
    w.write_all(b",1e-05,0x41\n")
}

/// A VCD whose body is one line of value changes at one time.
fn vcd_one_line(w: &mut dyn Write, size: u64) -> std::io::Result<()> {
    w.write_all(b"$timescale 1 ns $end\n$var wire 1 ! host $end\n$enddefinitions $end\n#0")?;
    let block = b" 0! 1!".repeat(1 << 12);
    let mut n = 0;
    while n < size {
        w.write_all(&block)?;
        n += block.len() as u64;
    }
    w.write_all(b"\n#1000000\n")
}

/// A trace whose first record is one line without end.
fn atrace_one_line(w: &mut dyn Write, size: u64) -> std::io::Result<()> {
    w.write_all(b"{\"atrace\":1,\"meta\":{}}\n{\"t\":0,\"d\":\"host\",\"text\":\"")?;
    let block = [b'A'; 1 << 16];
    let mut n = 0;
    while n < size {
        w.write_all(&block)?;
        n += block.len() as u64;
    }
    Ok(())
}

/// Runs a command; (exit code, seconds, peak RSS in KiB if known). It must not panic.
fn run(cmd: &[&str]) -> (i32, f64, Option<u64>) {
    let (code, secs, rss, err) = common::run_status(cmd);
    assert!(!err.contains("panicked"), "{cmd:?} panicked: {err}");
    (code, secs, rss)
}

/// A `.sr` whose one logic member inflates to `size` bytes of a steady line (legitimate per
/// its metadata: what it costs is linear time, not memory).
fn big_member_sr(path: &Path, size: u64) {
    let mut z = zip::ZipWriter::new(File::create(path).unwrap());
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(size >= 1 << 32);
    z.start_file("version", o).unwrap();
    z.write_all(b"2").unwrap();
    z.start_file("metadata", o).unwrap();
    z.write_all(b"[device 1]\ncapturefile=logic-1\ntotal probes=1\nsamplerate=4 MHz\nprobe1=host\nunitsize=1\n")
        .unwrap();
    z.start_file("logic-1-1", o).unwrap();
    let block = vec![1u8; 1 << 20];
    let mut n = 0;
    while n < size {
        z.write_all(&block).unwrap();
        n += block.len() as u64;
    }
    z.finish().unwrap();
}

fn main() {
    let sizes: Vec<u64> = std::env::var("ATSCOPE_BENCH_HOSTILE_MB")
        .unwrap_or_else(|_| "10,100".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let d = dir();
    std::fs::create_dir_all(&d).unwrap();
    let exe = env!("CARGO_BIN_EXE_atscope");
    let out = d.join("out.atrace");
    let out = out.to_str().unwrap();
    println!("| shape | input | exit | time | peak RSS |");
    println!("|---|---:|---:|---:|---:|");
    let shapes: [(&str, &str, Maker); 5] = [
        ("raw CSV, one header line of channels", "csv", wide_raw_csv),
        ("data table, a new analyzer on every row", "csv", many_analyzers),
        ("data table, one huge cell", "csv", huge_cell),
        ("VCD, one line of value changes", "vcd", vcd_one_line),
        (".atrace, one record line without end", "atrace", atrace_one_line),
    ];
    let report = |shape: &str, path: &Path| {
        let mb = std::fs::metadata(path).unwrap().len() as f64 / 1e6;
        let (code, secs, rss) = run(&[exe, "import", path.to_str().unwrap(), "-o", out]);
        let rss = rss.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "n/a".into());
        println!("| {shape} | {mb:.0} MB | {code} | {secs:.2} s | {rss} |");
    };
    for (shape, ext, maker) in shapes {
        for &mb in &sizes {
            let slug: String = shape.chars().filter(char::is_ascii_alphanumeric).collect();
            let path = d.join(format!("{slug}-{mb}MB.{ext}"));
            if !path.exists() {
                let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).unwrap());
                maker(&mut w, mb * 1_000_000).unwrap();
                w.flush().unwrap();
            }
            report(shape, &path);
        }
    }
    for &mb in &sizes {
        let path = d.join(format!("big-member-{mb}MB.sr"));
        if !path.exists() {
            big_member_sr(&path, mb * 1_000_000);
        }
        report(&format!(".sr, one member inflating to {mb} MB (file size shown)"), &path);
    }
}
