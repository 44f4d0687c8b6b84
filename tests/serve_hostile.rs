//! `atscope serve` against hostile captures, through its HTTP interface on 127.0.0.1: a served
//! folder with a truncated `.sr` and a `.sal` whose channel block claims 2^63 bytes still starts,
//! lists them with their errors and serves the rest; uploads of hostile captures (that `.sal`, one
//! claiming 2^40 bytes, a trace with one host record of 64,000 `\r\n`, a zip-bomb `.sr`, a truncated
//! `.sr`) each get a prompt JSON answer while the server keeps serving the others; an upload whose
//! client leaves stops its decoder; a `Content-Length` over the limit is refused before the body is
//! sent; SIGTERM stops the server and leaves no upload file. The hostile files are made here by
//! small generators.
//!
//! Run with `cargo test --test serve_hostile`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::atscope;

/// The decode budget the server under test gets (seconds; memory in MiB).
const DECODE_SECONDS: u64 = 8;
const DECODE_MIB: u64 = 768;

// ---- generators -------------------------------------------------------------------------------

fn crc32(data: impl IntoIterator<Item = u8>) -> u32 {
    let table: Vec<u32> = (0..256u32)
        .map(|mut c| {
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            c
        })
        .collect();
    !data.into_iter().fold(!0u32, |c, b| table[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8))
}

/// A ZIP member: name, method (0 stored, 8 deflated), CRC, uncompressed size, data, and where
/// its local header is (members may share one: the zip-bomb shape).
struct Member {
    name: String,
    method: u16,
    crc: u32,
    size: u32,
    data: Vec<u8>,
}

fn stored(name: &str, data: &[u8]) -> Member {
    Member {
        name: name.into(),
        method: 0,
        crc: crc32(data.iter().copied()),
        size: data.len() as u32,
        data: data.into(),
    }
}

/// A ZIP with `members` each written once, then the central directory listing them and, for
/// each extra name in `aliases`, one more entry pointing at the local header of member `alias.1`.
fn zip(members: &[Member], aliases: &[(String, usize)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offsets = Vec::new();
    for m in members {
        offsets.push(out.len() as u32);
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        out.extend_from_slice(&[20, 0, 0, 0]);
        out.extend_from_slice(&m.method.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0]);
        out.extend_from_slice(&m.crc.to_le_bytes());
        out.extend_from_slice(&(m.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&m.size.to_le_bytes());
        out.extend_from_slice(&(m.name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(m.name.as_bytes());
        out.extend_from_slice(&m.data);
    }
    let cd_start = out.len() as u32;
    let entries: Vec<(&str, usize)> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.as_str(), i))
        .chain(aliases.iter().map(|(n, i)| (n.as_str(), *i)))
        .collect();
    for (name, i) in &entries {
        let m = &members[*i];
        out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        out.extend_from_slice(&[20, 3, 20, 0, 0, 0]);
        out.extend_from_slice(&m.method.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0x21, 0]);
        out.extend_from_slice(&m.crc.to_le_bytes());
        out.extend_from_slice(&(m.data.len() as u32).to_le_bytes());
        out.extend_from_slice(&m.size.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&0o100644u32.wrapping_shl(16).to_le_bytes());
        out.extend_from_slice(&offsets[*i].to_le_bytes());
        out.extend_from_slice(name.as_bytes());
    }
    let cd_len = out.len() as u32 - cd_start;
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_start.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

/// A `.sal` (Logic 2 capture) whose one channel block claims `data_len` bytes of run data.
fn sal_claiming(data_len: u64) -> Vec<u8> {
    let meta = br#"{"version": 16, "data": {"captureSettings": {"connectedDevice": {"settings": {"sampleRate": {"digital": 1000000}}}}}}"#;
    let mut bin = Vec::new();
    bin.extend_from_slice(b"<SALEAE>");
    bin.extend_from_slice(&1i32.to_le_bytes());
    bin.extend_from_slice(&100i32.to_le_bytes());
    bin.push(0);
    bin.extend_from_slice(&1e6f64.to_le_bytes());
    bin.resize(43, 0);
    bin.extend_from_slice(&1u64.to_le_bytes()); // one block
    let length = 1u64 << 62;
    for v in [0, length, length, 1_000_000, 1, data_len] {
        bin.extend_from_slice(&v.to_le_bytes());
    }
    bin.extend_from_slice(&[0; 64]);
    zip(&[stored("meta.json", meta), stored("digital-0.bin", &bin)], &[])
}

/// A deflate stream (fixed Huffman codes) of `1 + 258 * repeats` zero bytes: one literal and then
/// back-references of length 258 at distance 1, 13 bits per 258 bytes.
fn deflated_zeros(repeats: usize) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, v: u64, n: u32) {
            self.acc |= v << self.n;
            self.n += n;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code: most significant bit first.
        fn code(&mut self, code: u64, n: u32) {
            let rev = (0..n).fold(0, |r, i| r | (((code >> i) & 1) << (n - 1 - i)));
            self.put(rev, n);
        }
    }
    let mut b = Bits { out: Vec::new(), acc: 0, n: 0 };
    b.put(1, 1); // final block
    b.put(1, 2); // fixed Huffman codes
    b.code(0x30, 8); // literal 0
    for _ in 0..repeats {
        b.code(0xC5, 8); // length 258 (symbol 285)
        b.code(0, 5); // distance 1
    }
    b.code(0, 7); // end of block
    b.put(0, 7);
    b.out
}

/// An `.sr` whose logic member is a deflate stream of 64 MiB of zeros (about 420 KB of file),
/// stored once and named also by each of `aliases`.
fn sr_of_zeros(aliases: &[(String, usize)]) -> Vec<u8> {
    let repeats = ((64usize << 20) - 1) / 258;
    let size = 1 + 258 * repeats;
    let data = deflated_zeros(repeats);
    let crc = crc32(std::iter::repeat_n(0u8, size));
    let meta = b"[global]\nsigrok version=0.5.2\n\n[device 1]\ncapturefile=logic-1\ntotal probes=2\nsamplerate=1 MHz\ntotal analog=0\nprobe1=host\nprobe2=modem\nunitsize=1\n";
    let logic = Member { name: "logic-1-1".into(), method: 8, crc, size: size as u32, data };
    zip(&[stored("version", b"2"), stored("metadata", meta), logic], aliases)
}

/// A 1 GiB zip-bomb `.sr`: 16 logic members that all point at one deflate stream of 64 MiB of
/// zeros.
fn sr_bomb() -> Vec<u8> {
    let aliases: Vec<(String, usize)> = (2..=16).map(|k| (format!("logic-1-{k}"), 2)).collect();
    sr_of_zeros(&aliases)
}

/// A legitimate `.sr` that takes a while to decode: one logic member of 64 MiB of samples of a
/// quiet line (the bomb's stream, once).
fn sr_slow() -> Vec<u8> {
    sr_of_zeros(&[])
}

/// A trace whose one host record is 64,000 `\r\n` (256 KB of JSON).
fn crlf_trace() -> Vec<u8> {
    let mut t = b"{\"atrace\":1,\"meta\":{\"baud\":115200}}\n{\"t\":0,\"d\":\"host\",\"text\":\"".to_vec();
    for _ in 0..64_000 {
        t.extend_from_slice(b"\\r\\n");
    }
    t.extend_from_slice(b"\"}\n");
    t
}

/// A `.sr` cut to 60 % of its length (made by `atscope export --format sr` from a bundled trace).
fn truncated_sr(dir: &Path) -> Vec<u8> {
    let full = dir.join("full.sr");
    let o = atscope()
        .args(["export", "traces/slm-2.1.2/gnss-single-fix.atrace", "--format", "sr", "-o", full.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut b = std::fs::read(&full).unwrap();
    std::fs::remove_file(&full).unwrap();
    b.truncate(b.len() * 6 / 10);
    b
}

// ---- a small HTTP client (127.0.0.1 only) -----------------------------------------------------

/// The server under test: killed (and reaped) when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, tmp: &Path) -> Server {
    let mut child = atscope()
        .args(["serve", dir.to_str().unwrap(), "--port", "0"])
        .args(["--decode-seconds", &DECODE_SECONDS.to_string(), "--decode-memory-mib", &DECODE_MIB.to_string()])
        .env("TMPDIR", tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim();
    let addr: SocketAddr = url
        .strip_prefix("http://")
        .and_then(|r| r.strip_suffix('/'))
        .unwrap_or_else(|| panic!("no URL from serve: {line:?}"))
        .parse()
        .unwrap();
    assert!(addr.ip().is_loopback());
    Server { child, addr }
}

struct Reply {
    status: u16,
    body: serde_json::Value,
    took: Duration,
}

/// One request on its own connection; the body is sent in full unless the server answers first.
fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Reply {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(DECODE_SECONDS * 4 + 30))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (and close) before the whole body is sent.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse(&raw, started)
}

fn parse(raw: &[u8], started: Instant) -> Reply {
    let text = String::from_utf8_lossy(raw);
    let status =
        text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let body = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    Reply { status, body, took: started.elapsed() }
}

fn upload(addr: SocketAddr, name: &str, bytes: &[u8]) -> Reply {
    let headers =
        [("Content-Type", "application/octet-stream".to_string()), ("Content-Length", bytes.len().to_string())];
    request(addr, "POST", &format!("/api/v1/traces?name={name}"), &headers, bytes)
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, &[], b"")
}

/// The server still answers the list and a served trace's transcript, promptly.
fn still_serving(addr: SocketAddr, after: &str) {
    let list = get(addr, "/api/v1/traces");
    assert_eq!(list.status, 200, "after {after}: {:?}", list.body);
    assert!(list.took < Duration::from_secs(5), "after {after}: the list took {:?}", list.took);
    let rows = get(addr, "/api/v1/traces/gnss-single-fix/rows?limit=5");
    assert_eq!(rows.status, 200, "after {after}: {:?}", rows.body);
    assert_eq!(rows.body["rows"].as_array().map(Vec::len), Some(5), "after {after}");
}

/// The server's children that are decoding workers.
fn workers(server: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // pid (comm) state ppid …
        let ppid = stat.rsplit_once(')').and_then(|(_, r)| r.split_whitespace().nth(1)).and_then(|p| p.parse().ok());
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if ppid == Some(server) && String::from_utf8_lossy(&cmd).contains("serve-worker") {
            out.push(pid);
        }
    }
    out
}

fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn error_code(r: &Reply) -> &str {
    r.body["error"]["code"].as_str().unwrap_or("")
}

#[test]
fn hostile_captures_do_not_take_the_server_down() {
    let work = tempfile::tempdir().unwrap();
    let served = work.path().join("served");
    let tmp = work.path().join("tmp");
    std::fs::create_dir_all(&served).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces/slm-2.1.2");
    for name in ["gnss-single-fix.atrace", "mqtt-disconnect-reset.atrace"] {
        std::fs::copy(root.join(name), served.join(name)).unwrap();
    }
    let truncated = truncated_sr(work.path());
    std::fs::write(served.join("cut-short.sr"), &truncated).unwrap();
    let sal63 = sal_claiming(1 << 63);
    std::fs::write(served.join("claims-2e63.sal"), &sal63).unwrap();

    let mut server = start(&served, &tmp);
    let addr = server.addr;

    // The folder: the good traces served, the bad ones listed with their errors.
    let list = get(addr, "/api/v1/traces");
    assert_eq!(list.status, 200);
    let ids: Vec<&str> = list.body["traces"].as_array().unwrap().iter().filter_map(|t| t["id"].as_str()).collect();
    assert_eq!(ids, ["gnss-single-fix", "mqtt-disconnect-reset"], "{:?}", list.body);
    let failed = list.body["failed"].as_array().unwrap();
    let names: Vec<&str> = failed.iter().filter_map(|f| f["name"].as_str()).collect();
    assert_eq!(names, ["claims-2e63.sal", "cut-short.sr"], "{failed:?}");
    for f in failed {
        let err = f["error"].as_str().unwrap();
        assert!(err.starts_with(f["name"].as_str().unwrap()), "the error names the file: {err}");
        assert!(err.len() < 400, "a short message: {err}");
    }
    still_serving(addr, "start-up");

    // Hostile uploads: each a prompt JSON answer (an error, or the trace when the decoder copes),
    // and the server keeps serving.
    let budget = Duration::from_secs(DECODE_SECONDS * 2 + 10);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("claims-2e63.sal", sal63),
        ("claims-2e40.sal", sal_claiming(1 << 40)),
        ("crlf-storm.atrace", crlf_trace()),
        ("bomb.sr", sr_bomb()),
        ("cut-short.sr", truncated),
    ];
    for (name, bytes) in &cases {
        let r = upload(addr, name, bytes);
        eprintln!("{name}: {} {} in {:?}", r.status, r.body, r.took);
        assert!(r.status == 201 || r.status == 422, "{name}: {} {:?}", r.status, r.body);
        if r.status == 422 {
            let msg = r.body["error"]["message"].as_str().unwrap_or("");
            assert!(msg.contains(name) && !msg.contains("atscope-upload-"), "{name}: {msg}");
        }
        assert!(r.took < budget, "{name}: answered after {:?}", r.took);
        still_serving(addr, name);
        assert!(workers(server.child.id()).is_empty(), "{name}: a decoding worker was left running");
    }

    // A body over the limit is refused on its Content-Length, before it is sent.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let started = Instant::now();
    write!(
        s,
        "POST /api/v1/traces?name=big.atrace HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        300u64 << 20
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let r = parse(&raw, started);
    assert_eq!((r.status, error_code(&r)), (413, "upload_too_large"), "{:?}", r.body);
    assert!(r.took < Duration::from_secs(5));

    // A client that leaves while its upload is being decoded: the decoder stops. (The zip bomb is
    // refused at once now; a legitimate capture that takes seconds to decode keeps it busy.)
    let slow = sr_slow();
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /api/v1/traces?name=slow.sr HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        slow.len()
    )
    .unwrap();
    s.write_all(&slow).unwrap();
    let pid = server.child.id();
    wait_until("the worker starts", Duration::from_secs(10), || !workers(pid).is_empty());
    let left = Instant::now();
    drop(s);
    wait_until("the worker stops after the client left", Duration::from_secs(DECODE_SECONDS / 2), || {
        workers(pid).is_empty()
    });
    eprintln!("worker gone {:?} after the client left", left.elapsed());
    still_serving(addr, "a client that left");

    // SIGTERM while an upload is half sent: the server stops, its upload files are gone.
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "POST /api/v1/traces?name=half.atrace HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n{{\"atrace\":1}}\n"
    )
    .unwrap();
    let upload_files = || -> usize {
        walk(&tmp)
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("atscope-upload-")))
            .count()
    };
    wait_until("the upload file appears", Duration::from_secs(10), || upload_files() == 1);
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), nix::sys::signal::Signal::SIGTERM).unwrap();
    let stopped = Instant::now();
    let status = loop {
        if let Some(st) = server.child.try_wait().unwrap() {
            break st;
        }
        assert!(stopped.elapsed() < Duration::from_secs(15), "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert_eq!(walk(&tmp), Vec::<PathBuf>::new(), "files left in the server's temporary folder");
    drop(s);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        out.push(p.clone());
        if p.is_dir() {
            out.extend(walk(&p));
        }
    }
    out
}
