//! Decode throughput and memory (a benchmark, not a test): `cargo bench --bench decode`.
//!
//! Writes a busy byte-level trace of about `ATSCOPE_BENCH_MB` MB (default 100) from the bundled
//! sessions (MQTT with payloads, sockets with `#XRECV`, data mode, HTTP trailers), shifted in time
//! and concatenated (and a data-mode bulk trace), then times `atscope decode` (text, `--json`,
//! `--findings`) on them and reads the CPU time (user + sys: the decode runs on three threads
//! when there are two cores) and the peak memory from `/usr/bin/time -v` when it is installed.
//! `wc -l` on the same file is printed as the I/O floor: no decoder can beat reading the file.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

mod common;

use atscope_analyzer::chunk::Record;
use atscope_analyzer::trace::{Meta, TraceReader, TraceWriter};
use common::run_cpu;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn make_trace(path: &Path, target_bytes: u64) -> std::io::Result<()> {
    let mut sessions: Vec<Vec<Record>> = Vec::new();
    for name in ["mqtt-session", "tcp-recv-payload", "datamode-send", "http-client-get", "gnss-single-fix"] {
        let f = std::fs::File::open(root().join(format!("traces/slm-2.1.2/{name}.atrace")))?;
        sessions.push(
            TraceReader::new(std::io::BufReader::new(f)).map_err(std::io::Error::other)?.map(|r| r.unwrap()).collect(),
        );
    }
    let mut meta = Meta::new();
    meta.insert("source".into(), "benches/decode.rs: bundled sessions repeated".into());
    let file = std::fs::File::create(path)?;
    let mut w = TraceWriter::new(BufWriter::with_capacity(1 << 20, file), &meta).map_err(std::io::Error::other)?;
    let mut offset = 0i64;
    let mut written = 0u64;
    'outer: loop {
        for s in &sessions {
            let end = s.last().map(|r| r.t_ns()).unwrap_or(0);
            for r in s {
                let r = match r.clone() {
                    Record::Chunk(mut c) => {
                        c.t_ns += offset;
                        if let atscope_analyzer::chunk::Body::Bytes(b) = &c.body {
                            written += b.len() as u64;
                        }
                        Record::Chunk(c)
                    }
                    Record::Mark(mut m) => {
                        m.t_ns += offset;
                        Record::Mark(m)
                    }
                };
                w.write(&r).map_err(std::io::Error::other)?;
            }
            offset += end + 1_000_000_000;
            if written >= target_bytes {
                break 'outer;
            }
        }
    }
    w.into_inner().map_err(std::io::Error::other)?.flush()
}

/// A bulk transfer: sockets in data mode with 4 KiB chunks (the other end of the spectrum).
fn make_bulk_trace(path: &Path, target_bytes: u64) -> std::io::Result<()> {
    use atscope_analyzer::chunk::{Chunk, Dir};
    let mut meta = Meta::new();
    meta.insert("source".into(), "benches/decode.rs: data-mode bulk transfer".into());
    let file = std::fs::File::create(path)?;
    let mut w = TraceWriter::new(BufWriter::with_capacity(1 << 20, file), &meta).map_err(std::io::Error::other)?;
    let mut t = 0i64;
    let mut written = 0u64;
    const TEXT: &[u8] = b"0123456789ABCDEF{}\":,abcdefghijklmnop\r\n";
    let payload: Vec<u8> = (0..4096usize).map(|i| TEXT[(i * 7) % TEXT.len()]).collect();
    let mut rec = |t: i64, d: Dir, b: &[u8]| {
        w.write(&Record::Chunk(Chunk::bytes(t, d, b.to_vec()))).map_err(std::io::Error::other)
    };
    while written < target_bytes {
        rec(t, Dir::Host, b"AT#XSEND\r\n")?;
        rec(t + 2_000_000, Dir::Modem, b"\r\nOK\r\n")?;
        t += 5_000_000;
        for _ in 0..256 {
            rec(t, Dir::Host, &payload)?;
            t += 360_000_000;
            written += payload.len() as u64;
        }
        rec(t + 100_000_000, Dir::Host, b"+++")?;
        rec(t + 200_000_000, Dir::Modem, b"\r\n#XDATAMODE: 0\r\n")?;
        t += 1_000_000_000;
    }
    w.into_inner().map_err(std::io::Error::other)?.flush()
}

fn main() {
    let mb: u64 = std::env::var("ATSCOPE_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(100);
    let dir = root().join("target/bench");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = env!("CARGO_BIN_EXE_atscope");
    println!("| input | run | time | throughput (file MB/s) | CPU (user + sys, all threads) | peak RSS |");
    println!("|---|---|---:|---:|---:|---:|");
    type Maker = fn(&Path, u64) -> std::io::Result<()>;
    for (kind, maker) in [("chatty AT traffic", make_trace as Maker), ("data-mode bulk", make_bulk_trace as Maker)] {
        let path = dir.join(format!("{}-{mb}MB.atrace", if kind.starts_with("chatty") { "busy" } else { "bulk" }));
        if !path.exists() {
            eprintln!("writing {} …", path.display());
            maker(&path, mb * 1_000_000).unwrap();
        }
        let size = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
        let p = path.to_str().unwrap();
        let input = format!("{kind}, {size:.0} MB file");
        for (label, cmd) in [
            ("`wc -l` (I/O floor)", vec!["wc", "-l", p]),
            ("`atscope decode` (text)", vec![exe, "decode", p]),
            ("`atscope decode --json`", vec![exe, "decode", p, "--json"]),
            ("`atscope decode --findings`", vec![exe, "decode", p, "--findings"]),
        ] {
            let (secs, cpu, rss) = run_cpu(&cmd);
            let rss =
                rss.map(|k| format!("{:.1} MiB", k as f64 / 1024.0)).unwrap_or_else(|| "n/a (no /usr/bin/time)".into());
            let cpu = cpu.map(|c| format!("{c:.2} s")).unwrap_or_else(|| "n/a".into());
            println!("| {input} | {label} | {secs:.2} s | {:.0} | {cpu} | {rss} |", size / secs);
        }
    }
}
