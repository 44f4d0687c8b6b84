//! Hostile and damaged inputs through the command line: each gives a one-line error naming the
//! file and exit 2 (or decodes), quickly, never a panic, an abort or a hang. The inputs are built
//! here (small files that claim huge sizes, share zip data, lie about CRCs) or kept in
//! `tests/data/` (inputs the fuzzers found).
//!
//! Run with `cargo test --test hostile_inputs`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod support;

use support::atscope;

/// Runs `atscope ARGS` and checks it ended in time, without a panic.
fn run(args: &[&str]) -> Output {
    let t = Instant::now();
    let out = atscope().args(args).output().unwrap();
    let took = t.elapsed();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked") && out.status.code() != Some(101), "atscope {args:?} panicked:\n{err}");
    assert!(took < Duration::from_secs(20), "atscope {args:?} took {took:?}");
    out
}

/// Imports `file` and expects exit 2 with one error line naming it and saying `what`.
fn refused(file: &Path, what: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.atrace");
    let o = run(&["import", file.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{}: {err}", file.display());
    let line = err.lines().find(|l| l.starts_with("atscope: error:")).expect("an error line");
    assert!(line.contains(&file.display().to_string()), "the error names the file: {line}");
    assert!(line.contains(what), "expected {what:?} in: {line}");
    assert!(line.len() < 400, "the error quotes at most a short excerpt ({} chars): {line}", line.len());
    line.to_string()
}

fn zip(path: &Path, members: &[(&str, &[u8])], deflate: bool) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let method = if deflate { zip::CompressionMethod::Deflated } else { zip::CompressionMethod::Stored };
    let o = zip::write::SimpleFileOptions::default().compression_method(method);
    for (name, data) in members {
        z.start_file(*name, o).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap();
}

const SAL_META: &str = r#"{"version": 16, "data": {"captureSettings": {"connectedDevice": {"settings": {"sampleRate": {"digital": 1000000}}}}}}"#;

/// A `digital-0.bin` whose first block claims `data_len` bytes of run lengths.
fn sal_channel(length: u64, data_len: u64) -> Vec<u8> {
    let mut h = b"<SALEAE>".to_vec();
    h.extend(1i32.to_le_bytes());
    h.extend(100i32.to_le_bytes());
    h.push(0);
    h.extend(1e6f64.to_le_bytes());
    h.resize(43, 0);
    h.extend(1u64.to_le_bytes()); // one block
    for v in [0, length, length, 1_000_000, 1, data_len] {
        h.extend(u64::to_le_bytes(v));
    }
    h.extend([0u8; 64]);
    h
}

#[test]
fn a_sal_block_claiming_exabytes_is_refused_without_allocating_them() {
    let dir = tempfile::tempdir().unwrap();
    for (i, (length, data_len)) in
        [(1u64 << 63, 1u64 << 63), (1 << 40, 1 << 40), (3 << 30, 3 << 30)].into_iter().enumerate()
    {
        let f = dir.path().join(format!("claims-{i}.sal"));
        zip(&f, &[("meta.json", SAL_META.as_bytes()), ("digital-0.bin", &sal_channel(length, data_len))], true);
        refused(&f, "past the member's end");
    }
}

/// A stored zip whose central directory lists `names`, all pointing at one local entry.
fn zip_sharing_one_member(names: &[&str], data: &[u8]) -> Vec<u8> {
    let crc = {
        let mut c = flate2::Crc::new();
        c.update(data);
        c.sum()
    };
    let mut out = Vec::new();
    let local = |name: &str, out: &mut Vec<u8>| {
        out.extend(b"PK\x03\x04");
        out.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend(crc.to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
    };
    local(names[0], &mut out);
    out.extend(data);
    let cd_start = out.len();
    for name in names {
        out.extend(b"PK\x01\x02");
        out.extend([20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend(crc.to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend([0u8; 12]);
        out.extend(0u32.to_le_bytes()); // every entry: the one local header at offset 0
        out.extend(name.as_bytes());
    }
    let cd_len = out.len() - cd_start;
    out.extend(b"PK\x05\x06");
    out.extend([0, 0, 0, 0]);
    out.extend((names.len() as u16).to_le_bytes());
    out.extend((names.len() as u16).to_le_bytes());
    out.extend((cd_len as u32).to_le_bytes());
    out.extend((cd_start as u32).to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

#[test]
fn sr_members_that_share_one_stream_are_a_zip_bomb_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bomb.sr");
    let names: Vec<String> = (1..=2000).map(|k| format!("logic-1-{k}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    std::fs::write(&f, zip_sharing_one_member(&names, &[0x55; 4096])).unwrap();
    refused(&f, "share their data");
}

fn sr_session(dir: &Path, name: &str, metadata: &str) -> PathBuf {
    let f = dir.join(name);
    let samples: Vec<u8> = (0..4000u32).map(|i| u8::from(i / 35 % 2 == 0)).collect();
    zip(&f, &[("version", b"2"), ("metadata", metadata.as_bytes()), ("logic-1-1", &samples)], false);
    f
}

const SR_META: &str = "[device 1]\ncapturefile=logic-1\ntotal probes=1\nsamplerate=4 MHz\nprobe1=host\nunitsize=1\n";

#[test]
fn a_wrong_crc_and_the_encryption_flag_are_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let good = sr_session(dir.path(), "good.sr", SR_META);
    let bytes = std::fs::read(&good).unwrap();
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    let logic = bytes.windows(9).rposition(|w| w == b"logic-1-1").unwrap();
    // The logic member's central entry: the last one whose name is logic-1-1.
    let entry = bytes[..logic].windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
    assert!(entry >= central);

    let mut crc = bytes.clone();
    crc[entry + 16] ^= 0xff;
    let local = bytes.windows(4).enumerate().filter(|(_, w)| *w == b"PK\x03\x04").map(|(i, _)| i).nth(2).unwrap();
    crc[local + 14] ^= 0xff;
    let f = dir.path().join("crc.sr");
    std::fs::write(&f, crc).unwrap();
    refused(&f, "CRC-32");

    let mut enc = bytes.clone();
    enc[entry + 8] |= 1;
    enc[local + 6] |= 1;
    let f = dir.path().join("encrypted.sr");
    std::fs::write(&f, enc).unwrap();
    refused(&f, "encrypted");
}

#[test]
fn a_huge_unitsize_is_reported_not_silently_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let f = sr_session(dir.path(), "unitsize.sr", &SR_META.replace("unitsize=1", "unitsize=1048576"));
    refused(&f, "unitsize 1048576");
}

#[test]
fn a_raw_csv_of_a_million_columns_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("wide.csv");
    let mut text = String::from("Time [s]");
    for i in 0..1_000_000 {
        text.push_str(&format!(",Channel {i}"));
    }
    text.push_str("\n0.0");
    text.push_str(&",1".repeat(1_000_000));
    text.push('\n');
    std::fs::write(&f, text).unwrap();
    refused(&f, "longer than");
}

#[test]
fn a_data_table_with_200000_analyzers_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("analyzers.csv");
    let mut text = String::from("name,type,start_time,duration,data\n");
    for i in 0..200_000 {
        text.push_str(&format!("\"Async {i}\",data,{}.0,1e-05,0x41\n", i));
    }
    std::fs::write(&f, text).unwrap();
    refused(&f, "at most 256 channels");
}

#[test]
fn a_10_mb_cell_is_quoted_as_a_short_excerpt() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cell.csv");
    let text = format!("name,type,start_time,duration,data\n\"Async 1\",data,{},1e-05,0x41\n", "9".repeat(10 << 20));
    std::fs::write(&f, text).unwrap();
    refused(&f, ":2:");
    let f = dir.path().join("cell2.csv");
    let text = format!("name,type,start_time,duration,data\n\"Async 1\",data,{}x,1e-05,0x41\n", "9".repeat(300_000));
    std::fs::write(&f, text).unwrap();
    refused(&f, "is not a time");
}

#[test]
fn an_iso_time_in_the_year_9999_is_an_error_not_an_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("y9999.csv");
    std::fs::write(
        &f,
        "name,type,start_time,duration,data\n\"Async 1\",data,9999-12-31T23:59:59.000000000+00:00,1e-05,0x41\n",
    )
    .unwrap();
    refused(&f, "9999-12-31");
}

#[test]
fn a_vcd_token_without_end_is_refused_and_100_s_timescales_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("token.vcd");
    std::fs::write(&f, format!("$timescale 1 us $end\n$var wire 1 {} host $end\n", "!".repeat(1 << 20))).unwrap();
    refused(&f, "token longer than");
    // 100 s per tick: a timescale (0.01 ticks per second), not "no timescale"; far too slow for
    // a UART.
    let f = dir.path().join("slow.vcd");
    std::fs::write(&f, "$timescale 100 s $end\n$var wire 1 ! host $end\n$enddefinitions $end\n#0 1!\n#10 0!\n#11 1!\n#20 0!\n#21 1!\n#40\n").unwrap();
    refused(&f, "0.01 samples per second");
    // Pulses of 10 s at 1 sample per second measure 0.1 Bd: said so, not "unusable UART
    // settings 0 8N1".
    let f = dir.path().join("one-hz.vcd");
    let mut text = String::from("$timescale 1 s $end\n$var wire 1 ! host $end\n$enddefinitions $end\n#0 1!\n");
    for k in 1..=20 {
        text.push_str(&format!("#{} {}!\n", 10 * k, k % 2));
    }
    text.push_str("#1000\n");
    std::fs::write(&f, text).unwrap();
    refused(&f, "no usable baud rate (0 Bd: measured from its pulses at 1 samples per second");
}

/// Inputs the fuzzers found (`fuzz/`), each with what it must give.
#[test]
fn inputs_the_fuzzers_found_give_clear_errors() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    // A Saleae binary export whose pulses measure 0 Bd: it panicked in the UART decoder's
    // constructor, then overflowed the idle-time sums; its times also go back a little, which
    // is now found first.
    refused(&data.join("saleae-bin-zero-baud.bin"), "go backwards");
    // A Saleae binary export whose transition times go back: an overflow in the UART decoder.
    refused(&data.join("saleae-bin-time-goes-back.bin"), "go backwards");
    // A transition at the end of time (u64::MAX ticks): an overflow in the polarity check. It
    // decodes (to nothing) and says why.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.atrace");
    let f = data.join("saleae-bin-end-of-time.bin");
    let o = run(&["import", f.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no pulses to measure a baud rate"));
}

fn trace(dir: &Path, name: &str, header_meta: &str, records: &[&str]) -> PathBuf {
    let f = dir.join(name);
    let mut text = format!("{{\"atrace\":1,\"meta\":{header_meta}}}\n");
    for r in records {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(&f, text).unwrap();
    f
}

#[test]
fn an_sr_export_is_bounded_by_what_the_trace_holds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.sr");
    let out = out.to_str().unwrap();
    let rec = r#"{"t":0,"d":"host","text":"AT\r\n"}"#;
    let export = |args: &[&str]| {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let zero = trace(dir.path(), "baud0.atrace", r#"{"baud":0}"#, &[rec]);
    let err = export(&["export", zero.to_str().unwrap(), "--format", "sr", "-o", out]);
    assert!(err.contains("0 Bd"), "{err}");
    let far = trace(dir.path(), "far.atrace", "{}", &[rec, r#"{"t":9000000000000000000,"d":"modem","text":"OK\r\n"}"#]);
    let err = export(&["export", far.to_str().unwrap(), "--format", "sr", "-o", out]);
    assert!(err.contains("past the"), "{err}");
    let ok = trace(dir.path(), "ok.atrace", "{}", &[rec]);
    let err =
        export(&["export", ok.to_str().unwrap(), "--format", "sr", "--samplerate", &u64::MAX.to_string(), "-o", out]);
    assert!(err.contains("samples per bit"), "{err}");
    let err = export(&["export", ok.to_str().unwrap(), "--format", "sr", "--baud", "0", "-o", out]);
    assert!(err.contains("--baud"), "{err}");
    for bad in ["0", "NaN", "inf", "-1"] {
        let o = run(&["import", ok.to_str().unwrap(), "--baud", bad, "-o", out]);
        assert_eq!(o.status.code(), Some(2), "--baud {bad} is refused");
        let o = run(&["diff", "--b-speed", bad, ok.to_str().unwrap(), ok.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "diff --b-speed {bad} is refused");
    }
    // Nothing was left behind by the refused exports.
    assert!(!Path::new(out).exists());
}

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    // `import … 2>&1 | head -1`, made deterministic: stdout and stderr are a pipe whose reader
    // (`true`) has exited before atscope starts.
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/slm-2.1.2/mqtt-session.atrace");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.atrace");
    let closed = "exec 3> >(true); sleep 0.3";
    for cmd in [
        format!("{closed}; \"$0\" import {} -o {} >&3 2>&3; echo $?", f.display(), out.display()),
        format!("{closed}; \"$0\" decode {} >&3 2>&3; echo $?", f.display()),
        format!("{closed}; \"$0\" decode {} --findings >&3 2>&3; echo $?", f.display()),
    ] {
        let o = Command::new("bash").arg("-c").arg(&cmd).arg(env!("CARGO_BIN_EXE_atscope")).output().unwrap();
        let status = String::from_utf8_lossy(&o.stdout).trim().to_string();
        assert_ne!(status, "101", "{cmd}: panicked");
        assert!(status == "0" || status == "141", "{cmd}: exit {status}");
    }
}

#[test]
fn an_odd_started_offset_is_ignored_not_sliced_mid_character() {
    let dir = tempfile::tempdir().unwrap();
    let rec = r#"{"t":0,"d":"host","text":"AT\r\n"}"#;
    for started in ["2024-05-01T12:00:00+0\u{e9}:00", "2024-05-01T12:00:00.\u{e9}\u{e9}Z", "9999-12-31T23:59:59Z"] {
        let meta = serde_json::json!({ "started": started }).to_string();
        let f = trace(dir.path(), "odd.atrace", &meta, &[rec]);
        for out in ["out.pcapng", "out.json", "out.csv"] {
            let out = dir.path().join(out);
            let o = run(&["export", f.to_str().unwrap(), "-o", out.to_str().unwrap()]);
            assert_eq!(o.status.code(), Some(0), "{started}: {}", String::from_utf8_lossy(&o.stderr));
        }
    }
}

#[test]
fn a_capture_on_a_pipe_is_read_once_not_waited_on() {
    // `atscope decode <(zcat trace.atrace.gz)`: the path is a pipe. Telling the format used to
    // read its start, and the reader then opened it again and waited for a writer forever.
    let trace = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/slm-2.1.2/mqtt-session.atrace");
    let from_file = run(&["decode", trace.to_str().unwrap()]);
    assert_eq!(from_file.status.code(), Some(0));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("table.csv");
    std::fs::write(&csv, "name,type,start_time,duration,data\nAsync Serial,data,0.1,0.0001,A\n").unwrap();
    let piped = |what: &Path, args: &str| {
        let cmd = format!("timeout 20 \"$0\" decode <(cat '{}') {args}", what.display());
        let t = Instant::now();
        let o = Command::new("bash").arg("-c").arg(&cmd).arg(env!("CARGO_BIN_EXE_atscope")).output().unwrap();
        assert!(t.elapsed() < Duration::from_secs(20), "{cmd}: waited");
        o
    };
    // Our own trace streams: the same timeline as from the file.
    let o = piped(&trace, "");
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(o.stdout, from_file.stdout);
    assert!(!o.stdout.is_empty());
    // A format whose reader needs the file again says so, at once.
    let o = piped(&csv, "");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("a pipe or device") && err.contains("Saleae Logic 2 data-table CSV"), "{err}");
    // Random bytes on a pipe: not a capture, said at once.
    let noise = dir.path().join("noise");
    std::fs::write(&noise, (0..3000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect::<Vec<u8>>())
        .unwrap();
    let o = piped(&noise, "");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a capture"), "{}", String::from_utf8_lossy(&o.stderr));
}
