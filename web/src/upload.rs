//! Receiving and decoding captures within budgets, so that no capture (uploaded, or in a served
//! folder) can take the server down for everyone else.
//!
//! * **Receiving** ([`receive`]): the body is streamed to a temporary file in the server's upload
//!   folder, never held in memory; it is refused with `413` as soon as it passes the size limit
//!   (a `Content-Length` over the limit is refused before a byte is read), and abandoned with `408`
//!   when no data came for [`Limits::body_idle`] or the whole body took longer than
//!   [`Limits::body_total`]. The temporary file is removed whatever happens (error, client gone,
//!   shutdown).
//! * **Decoding** ([`decode`]): at most [`Limits::decodes`] at a time, off the async workers. With a
//!   [`Decoder::Worker`] (what `atscope serve` uses) the capture is first decoded in a child
//!   process limited to [`Limits::decode_memory`] of address space and killed after
//!   [`Limits::decode_time`]: a decoder that panics, aborts, runs out of memory or never ends
//!   takes only that child with it. Only a capture that decoded within the budgets there is then
//!   decoded in the server (decoding is deterministic: the same bytes take the same memory and
//!   time), again under the time limit and cancelled when the client leaves. With
//!   [`Decoder::InProcess`] (embedding, tests) only the second step runs: time limit, cancellation
//!   and panic containment, but no memory limit beyond the upload size.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use atscope_analyzer::capture::ImportOptions;
use axum::body::Body;
use axum::http::StatusCode;
use futures_util::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::error::ApiError;
use crate::store::{self, short_error, Decoded};

/// The budgets of a server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// Longest pause in an upload's body.
    pub body_idle: Duration,
    /// Longest time to receive a whole upload.
    pub body_total: Duration,
    /// Longest decode of one capture.
    pub decode_time: Duration,
    /// Most memory (address space) the decoding child process may use, bytes.
    pub decode_memory: u64,
    /// How many captures are decoded at once (more wait their turn).
    pub decodes: usize,
    /// How long a shutdown waits for open requests before dropping them.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            body_idle: Duration::from_secs(30),
            body_total: Duration::from_secs(600),
            decode_time: Duration::from_secs(120),
            decode_memory: 2048 << 20,
            decodes: 2,
            shutdown_grace: Duration::from_secs(3),
        }
    }
}

/// How captures are decoded (see the module doc).
#[derive(Debug, Clone, Default)]
pub enum Decoder {
    /// In this process: time limit, cancellation and panic containment only.
    #[default]
    InProcess,
    /// First in a child process, `program args… FILE [--host H] [--modem M] --memory-mib N`,
    /// which must call [`worker_main`].
    Worker {
        /// The executable (`atscope`).
        program: PathBuf,
        /// Arguments before the file (`serve-worker`).
        args: Vec<OsString>,
    },
}

/// Sets its flag when dropped: a request future dropped (client gone, shutdown) stops the decode
/// it started.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", short_error(&e.to_string()))
}

/// `413 upload_too_large`.
pub fn too_large(max: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload_too_large",
        format!("the capture is larger than the limit of {} MiB (serve --max-upload-mib)", max >> 20),
    )
}

/// Streams `body` into a new temporary file in `dir` (see the module doc).
pub async fn receive(body: Body, max: u64, limits: &Limits, dir: &Path) -> Result<tempfile::NamedTempFile, ApiError> {
    let tmp = tempfile::Builder::new().prefix("atscope-upload-").tempfile_in(dir).map_err(internal)?;
    let mut file = tokio::fs::File::from_std(tmp.as_file().try_clone().map_err(internal)?);
    let mut stream = body.into_data_stream();
    let started = Instant::now();
    let mut n: u64 = 0;
    loop {
        let left = limits.body_total.saturating_sub(started.elapsed());
        let chunk = match tokio::time::timeout(limits.body_idle.min(left), stream.next()).await {
            Err(_) if left <= limits.body_idle => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "upload_timeout",
                    format!("the upload took longer than {} s", limits.body_total.as_secs()),
                ))
            }
            Err(_) => {
                return Err(ApiError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "upload_timeout",
                    format!("no data for {} s: upload abandoned", limits.body_idle.as_secs()),
                ))
            }
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                let msg = format!("the upload broke off: {}", short_error(&e.to_string()));
                return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_body", msg));
            }
            Ok(Some(Ok(c))) => c,
        };
        n = n.saturating_add(chunk.len() as u64);
        if n > max {
            return Err(too_large(max));
        }
        file.write_all(&chunk).await.map_err(internal)?;
    }
    file.flush().await.map_err(internal)?;
    if n == 0 {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable_capture", "the file is empty"));
    }
    Ok(tmp)
}

/// Decodes the capture at `path` (shown as `name`) within the budgets (see the module doc).
pub async fn decode(
    decoder: &Decoder,
    limits: &Limits,
    slots: &tokio::sync::Semaphore,
    opts: &ImportOptions,
    path: &Path,
    name: &str,
) -> Result<Decoded, ApiError> {
    let _slot = slots.acquire().await.map_err(internal)?;
    let started = Instant::now();
    let unreadable = |msg: &str| {
        let msg = msg.replace(&path.display().to_string(), name);
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable_capture", short_error(&msg))
    };
    let over_time = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "decode_limit",
            format!("{name}: decoding took longer than {} s (the limit); not loaded", limits.decode_time.as_secs()),
        )
    };
    if let Decoder::Worker { program, args } = decoder {
        vet(program, args, limits, opts, path, name).await.map_err(|v| match v {
            Vetted::Unreadable(msg) => unreadable(&msg),
            Vetted::TimedOut => over_time(),
            Vetted::Failed(e) => e,
        })?;
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let _guard = CancelOnDrop(cancel.clone());
    let (p, o) = (path.to_path_buf(), opts.clone());
    let flag = cancel.clone();
    let task = tokio::task::spawn_blocking(move || store::decode_file_until(&p, &o, &flag));
    // A vetted capture took less than the limit there, and takes the same here.
    let left = if matches!(decoder, Decoder::Worker { .. }) {
        limits.decode_time
    } else {
        limits.decode_time.saturating_sub(started.elapsed())
    };
    match tokio::time::timeout(left, task).await {
        Err(_) => Err(over_time()),
        Ok(Err(join)) if join.is_panic() => Err(crashed(name, &panic_text(join.into_panic()))),
        Ok(Err(join)) => Err(internal(join)),
        Ok(Ok(Err(e))) => Err(unreadable(&e.to_string())),
        Ok(Ok(Ok(None))) => Err(over_time()),
        Ok(Ok(Ok(Some(d)))) => Ok(d),
    }
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

fn crashed(name: &str, why: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "decoder_crashed",
        short_error(&format!("{name}: the decoder failed on this capture ({why}); not loaded")),
    )
}

enum Vetted {
    Unreadable(String),
    TimedOut,
    Failed(ApiError),
}

/// Most bytes read from the child's stdout and stderr.
const CHILD_OUTPUT: u64 = 64 * 1024;

async fn vet(
    program: &Path,
    args: &[OsString],
    limits: &Limits,
    opts: &ImportOptions,
    path: &Path,
    name: &str,
) -> Result<(), Vetted> {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args).arg(path);
    if let Some(h) = &opts.host {
        cmd.arg("--host").arg(h);
    }
    if let Some(m) = &opts.modem {
        cmd.arg("--modem").arg(m);
    }
    cmd.arg("--memory-mib").arg((limits.decode_memory >> 20).max(1).to_string());
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| Vetted::Failed(internal(format!("cannot start the decoder: {e}"))))?;
    let (mut so, mut se) = (child.stdout.take(), child.stderr.take());
    let run = async {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let read_out = async {
            if let Some(s) = so.as_mut() {
                let _ = s.take(CHILD_OUTPUT).read_to_end(&mut out).await;
            }
        };
        let read_err = async {
            if let Some(s) = se.as_mut() {
                let _ = s.take(CHILD_OUTPUT).read_to_end(&mut err).await;
            }
        };
        tokio::join!(read_out, read_err);
        let status = child.wait().await;
        (status, out, err)
    };
    let (status, out, err) = match tokio::time::timeout(limits.decode_time, run).await {
        Err(_) => {
            let _ = child.start_kill();
            let _ = child.wait().await;
            return Err(Vetted::TimedOut);
        }
        Ok(r) => r,
    };
    let status = status.map_err(|e| Vetted::Failed(internal(e)))?;
    let out = String::from_utf8_lossy(&out);
    let err = String::from_utf8_lossy(&err);
    if status.success() {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(out.trim()) {
            if v["ok"] == true {
                return Ok(());
            }
            if let Some(e) = v["error"].as_str() {
                return Err(Vetted::Unreadable(e.to_string()));
            }
        }
    }
    if err.contains("memory allocation of") || err.contains("out of memory") {
        return Err(Vetted::Failed(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "decode_limit",
            format!(
                "{name}: decoding needs more than {} MiB of memory (the limit); not loaded",
                limits.decode_memory >> 20
            ),
        )));
    }
    let why = if let Some(i) = err.find("panicked at") {
        // "thread 'main' panicked at FILE:LINE:COL:\nMESSAGE"
        let msg = err[i..].lines().nth(1).unwrap_or("").trim().to_string();
        format!("crashed: {msg}")
    } else {
        format!("the decoding process ended with {status}")
    };
    Err(Vetted::Failed(crashed(name, &why)))
}

/// The child side of [`Decoder::Worker`]: limits this process's address space to `memory_mib`,
/// decodes `path` and prints one JSON line, `{"ok": true, "events": N}` or `{"ok": false,
/// "error": "…"}`. A panic, an abort or running out of memory is the parent's to report.
pub fn worker_main(path: &Path, opts: &ImportOptions, memory_mib: Option<u64>) {
    if let Some(m) = memory_mib {
        let bytes = m.saturating_mul(1 << 20);
        if let Err(e) = nix::sys::resource::setrlimit(nix::sys::resource::Resource::RLIMIT_AS, bytes, bytes) {
            eprintln!("atscope: warning: cannot limit the decoder's memory: {e}");
        }
    }
    let line = match store::decode_file(path, opts) {
        Ok(d) => serde_json::json!({ "ok": true, "events": d.index.events().len() }),
        Err(e) => serde_json::json!({ "ok": false, "error": short_error(&e.to_string()) }),
    };
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A "decoder" that is a shell script, so each way a worker can end is certain.
    async fn with_worker(script: &str, limits: &Limits) -> Result<Decoded, ApiError> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.atrace");
        std::fs::write(&file, "{\"atrace\":1,\"meta\":{}}\n").unwrap();
        let decoder = Decoder::Worker { program: "sh".into(), args: vec!["-c".into(), script.into(), "worker".into()] };
        let slots = tokio::sync::Semaphore::new(1);
        decode(&decoder, limits, &slots, &ImportOptions::default(), &file, "x.atrace").await
    }

    fn code(r: Result<Decoded, ApiError>) -> (&'static str, String) {
        let e = r.expect_err("an error");
        (e.code, e.message)
    }

    #[tokio::test]
    async fn every_way_a_worker_can_fail_is_a_one_line_422() {
        let limits = Limits { decode_time: Duration::from_secs(2), ..Limits::default() };
        let (c, m) = code(with_worker("kill -ABRT $$", &limits).await);
        assert_eq!(c, "decoder_crashed", "{m}");
        assert!(m.starts_with("x.atrace: ") && m.contains("signal"), "{m}");
        let panic = "printf \"thread 'main' panicked at src/x.rs:1:1:\\ncapacity overflow\\n\" >&2; exit 101";
        let (c, m) = code(with_worker(panic, &limits).await);
        assert_eq!(
            (c, m.as_str()),
            (
                "decoder_crashed",
                "x.atrace: the decoder failed on this capture (crashed: capacity overflow); not loaded"
            )
        );
        let oom = "echo 'memory allocation of 1099511627776 bytes failed' >&2; kill -ABRT $$";
        let (c, m) = code(with_worker(oom, &limits).await);
        assert_eq!(c, "decode_limit", "{m}");
        assert!(m.contains("2048 MiB of memory"), "{m}");
        let bad = "echo '{\"ok\": false, \"error\": \"'$1': not a capture\"}'";
        let (c, m) = code(with_worker(bad, &limits).await);
        assert_eq!((c, m.as_str()), ("unreadable_capture", "x.atrace: not a capture"));
        let started = Instant::now();
        let (c, m) = code(with_worker("sleep 30", &limits).await);
        assert_eq!(c, "decode_limit", "{m}");
        assert!(started.elapsed() < Duration::from_secs(5), "killed at the limit: {:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_vetted_capture_is_decoded_here() {
        let d = with_worker("echo '{\"ok\": true, \"events\": 0}'", &Limits::default()).await.unwrap();
        assert_eq!(d.index.events().len(), 0);
    }
}
