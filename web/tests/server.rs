//! The server loop on a real socket (127.0.0.1 only), with short limits: a thousand half-sent
//! request headers do not lock others out and are dropped after the header timeout; a stalled
//! upload is abandoned with `408` and its file removed; a chunked body over the limit is refused;
//! shutdown does not wait for idle or stalled connections and removes the upload folder.
//!
//! Run with `cargo test -p atscope-web --test server`.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use atscope_web::upload::Limits;
use atscope_web::AppState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), atscope_web::server::ServeError>>,
    uploads: tempfile::TempDir,
}

async fn start(mut state: AppState, limits: Limits) -> Running {
    let uploads = tempfile::tempdir().unwrap();
    state.limits = limits;
    state.upload_dir = Some(uploads.path().to_path_buf());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(atscope_web::server::run_until(listener, state, async {
        let _ = rx.await;
    }));
    Running { addr, stop: Some(tx), task, uploads }
}

fn limits() -> Limits {
    Limits {
        header_timeout: Duration::from_secs(2),
        body_idle: Duration::from_secs(1),
        body_total: Duration::from_secs(5),
        shutdown_grace: Duration::from_millis(500),
        ..Limits::default()
    }
}

/// Sends `head` (and `body`) on a new connection and reads the answer: status and body.
async fn exchange(addr: SocketAddr, head: &str, body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let _ = s.write_all(body).await;
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), s.read_to_end(&mut raw)).await;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default())
}

async fn list_ok(addr: SocketAddr) -> bool {
    let head = format!("GET /api/v1/traces HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    exchange(addr, &head, b"").await.0 == 200
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        out.push(e.path());
        if e.path().is_dir() {
            out.extend(files(&e.path()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_headers_do_not_lock_others_out_and_are_dropped() {
    const HALF: usize = 1100;
    // The test's connections and the server's are in this one process.
    let (_, hard) = nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
    if hard < (2 * HALF + 200) as u64 {
        eprintln!("SKIPPED: the open-files limit ({hard}) is too low for {HALF} connections both ways");
        assert!(std::env::var_os("CI").is_none(), "CI machines allow enough open files");
        return;
    }
    let _ = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE, hard, hard);
    let mut srv = start(common::state(), limits()).await;
    let addr = srv.addr;
    let mut half = Vec::new();
    for _ in 0..HALF {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /api/v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
        half.push(s);
    }
    let started = Instant::now();
    assert!(list_ok(addr).await, "a full request among {HALF} half-sent ones");
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    // After the header timeout every half-sent connection has been closed by the server.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut closed = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    for s in &mut half {
        let mut b = [0u8; 512];
        if let Ok(Ok(_)) = tokio::time::timeout_at(deadline, s.read(&mut b)).await {
            closed += 1; // end of stream, or a 408 answer before it
        }
    }
    assert_eq!(closed, HALF, "connections still open after the header timeout");
    assert!(list_ok(addr).await);
    srv.stop.take().unwrap().send(()).unwrap();
    srv.task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_upload_is_abandoned_and_its_file_removed() {
    let mut srv = start(common::state(), limits()).await;
    let addr = srv.addr;
    let head = format!(
        "POST /api/v1/traces?name=slow.atrace HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n"
    );
    let started = Instant::now();
    let (status, body) = exchange(addr, &head, b"{\"atrace\":1,\"meta\":{}}\n").await;
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("upload_timeout"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(4), "took {:?}", started.elapsed());
    let left: Vec<PathBuf> = files(srv.uploads.path()).into_iter().filter(|p| p.is_file()).collect();
    assert!(left.is_empty(), "upload files left: {left:?}");
    assert!(list_ok(addr).await);
    srv.stop.take().unwrap().send(()).unwrap();
    srv.task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunked_body_over_the_limit_is_refused() {
    let mut state = common::state();
    state.max_upload = 1000;
    let mut srv = start(state, limits()).await;
    let addr = srv.addr;
    let head = format!(
        "POST /api/v1/traces?name=big.atrace HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let mut body = Vec::new();
    for _ in 0..5 {
        body.extend_from_slice(b"3e8\r\n");
        body.extend_from_slice(&[b'x'; 1000]);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let (status, text) = exchange(addr, &head, &body).await;
    assert_eq!(status, 413, "{text}");
    assert!(text.contains("upload_too_large"));
    srv.stop.take().unwrap().send(()).unwrap();
    srv.task.await.unwrap().unwrap();
    assert!(files(srv.uploads.path()).is_empty(), "the upload folder is removed at shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_does_not_wait_for_idle_or_stalled_clients_and_removes_uploads() {
    let mut lim = limits();
    lim.body_idle = Duration::from_secs(60);
    lim.body_total = Duration::from_secs(60);
    let mut srv = start(common::state(), lim).await;
    let addr = srv.addr;
    // An idle keep-alive connection and an upload that stalls half-way.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(format!("GET /api/v1/traces HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).await.unwrap();
    let mut b = [0u8; 4096];
    let _ = idle.read(&mut b).await.unwrap();
    let mut stalled = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/traces?name=slow.atrace HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n{{\"atrace\":1}}\n"
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !files(srv.uploads.path()).iter().any(|p| p.is_file()) {
        assert!(Instant::now() < deadline, "the upload file never appeared");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    srv.stop.take().unwrap().send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(5), &mut srv.task)
        .await
        .expect("shutdown within the grace time")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "shutdown took {:?}", started.elapsed());
    assert!(files(srv.uploads.path()).is_empty(), "left: {:?}", files(srv.uploads.path()));
    drop((idle, stalled));
}
