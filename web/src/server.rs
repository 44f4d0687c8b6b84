//! Binding a port and running the app: what `atscope serve` (and `atscope record --serve`) call.
//!
//! The default port is [`DEFAULT_PORT`]; when it is taken a free port is picked and the caller is
//! told. A port asked for explicitly is used or the bind fails; port 0 always picks a free one.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use std::sync::Arc;

use atscope_analyzer::capture::ImportOptions;
use tokio::net::TcpListener;

use crate::store::{self, Failed, LoadError, Loaded, Origin};
use crate::upload::{self, Decoder, Limits};
use crate::{app, AppState, DEFAULT_MAX_UPLOAD};

/// The port used when none is given.
pub const DEFAULT_PORT: u16 = 8080;

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to listen on (127.0.0.1 by default).
    pub bind: IpAddr,
    /// Port; `None` = [`DEFAULT_PORT`], or a free one if it is taken.
    pub port: Option<u16>,
    /// How captures are imported.
    pub import: ImportOptions,
    /// Upload size limit, bytes.
    pub max_upload: usize,
    /// Time and memory budgets.
    pub limits: Limits,
    /// How captures (files given and uploads) are decoded.
    pub decoder: Decoder,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: None,
            import: ImportOptions::default(),
            max_upload: DEFAULT_MAX_UPLOAD,
            limits: Limits::default(),
            decoder: Decoder::InProcess,
        }
    }
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A capture could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The port could not be bound.
    #[error("cannot listen on {addr}: {err}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error (in the message, so not also a `source`).
        err: std::io::Error,
    },
    /// The server stopped with an error.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// A bound listener and what to tell the user.
#[derive(Debug)]
pub struct Bound {
    /// The listener.
    pub listener: TcpListener,
    /// The address actually bound.
    pub addr: SocketAddr,
    /// Set when the default port was taken and another was picked.
    pub note: Option<String>,
}

impl Bound {
    /// The URL to open: the bound address, with 127.0.0.1 for an unspecified bind address.
    pub fn url(&self) -> String {
        let ip = match self.addr.ip() {
            ip if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}/", SocketAddr::new(ip, self.addr.port()))
    }
}

/// Binds `ip:port`; with `port` `None` tries [`DEFAULT_PORT`] and falls back to a free port.
pub async fn bind(ip: IpAddr, port: Option<u16>) -> Result<Bound, ServeError> {
    bind_port(ip, port.unwrap_or(DEFAULT_PORT), port.is_none()).await
}

/// Binds `ip:port`; if the port is taken and `fallback` is set, binds a free port instead and
/// says so in [`Bound::note`].
pub async fn bind_port(ip: IpAddr, port: u16, fallback: bool) -> Result<Bound, ServeError> {
    let want = SocketAddr::new(ip, port);
    let (listener, note) = match TcpListener::bind(want).await {
        Ok(l) => (l, None),
        Err(e) if fallback && e.kind() == std::io::ErrorKind::AddrInUse => {
            let any = SocketAddr::new(ip, 0);
            let l = TcpListener::bind(any).await.map_err(|err| ServeError::Bind { addr: any, err })?;
            let got = l.local_addr()?.port();
            (l, Some(format!("port {port} is taken; using port {got}")))
        }
        Err(err) => return Err(ServeError::Bind { addr: want, err }),
    };
    let addr = listener.local_addr()?;
    Ok(Bound { listener, addr, note })
}

/// The host names a server bound to `ip` answers to: for a loopback bind, only loopback names
/// (so that a web page elsewhere cannot reach it through DNS rebinding); otherwise any.
pub fn allowed_hosts(ip: IpAddr) -> Vec<String> {
    if ip.is_loopback() {
        vec!["localhost".into(), "127.0.0.1".into(), "::1".into(), ip.to_string()]
    } else {
        Vec::new()
    }
}

/// What a server tells its caller once it listens.
#[derive(Debug)]
pub struct Ready<'a> {
    /// The URL to open.
    pub url: String,
    /// Set when the default port was taken.
    pub note: Option<&'a str>,
    /// How many traces are served.
    pub traces: usize,
    /// Files in the given directories that are not captures.
    pub skipped: &'a [String],
    /// Captures that could not be loaded (listed on the page with their errors).
    pub failed: &'a [Failed],
}

/// Loads the captures in `paths` (files or directories; each decoded within the budgets, a bad
/// one listed with its error and the rest served), binds, calls `ready` and serves until Ctrl-C
/// or SIGTERM.
pub async fn serve(paths: Vec<PathBuf>, opts: ServeOptions, ready: impl FnOnce(&Ready<'_>)) -> Result<(), ServeError> {
    let state = AppState {
        import: opts.import.clone(),
        max_upload: opts.max_upload,
        allowed_hosts: allowed_hosts(opts.bind),
        decode_slots: Arc::new(tokio::sync::Semaphore::new(opts.limits.decodes.max(1))),
        limits: opts.limits.clone(),
        decoder: opts.decoder.clone(),
        ..Default::default()
    };
    let (files, skipped) = store::capture_files(&paths)?;
    let mut loaded = Loaded { skipped, ..Default::default() };
    for (path, name) in files {
        let d = upload::decode(&state.decoder, &state.limits, &state.decode_slots, &state.import, &path, &name).await;
        match d {
            Ok(d) => {
                state.store.add(&name, Origin::File, d);
                loaded.added += 1;
            }
            Err(e) => {
                let msg = if e.message.contains(&name) { e.message } else { format!("{name}: {}", e.message) };
                loaded.failed.push(state.store.add_failed(&name, &msg));
            }
        }
    }
    loaded.check(&paths)?;
    let bound = bind(opts.bind, opts.port).await?;
    ready(&Ready {
        url: bound.url(),
        note: bound.note.as_deref(),
        traces: loaded.added,
        skipped: &loaded.skipped,
        failed: &loaded.failed,
    });
    run(bound.listener, state).await
}

/// Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Serves `state` on `listener` until Ctrl-C or SIGTERM (see [`run_until`]).
pub async fn run(listener: TcpListener, state: AppState) -> Result<(), ServeError> {
    run_until(listener, state, shutdown_signal()).await
}

/// Raises the soft limit of open files to the hard limit: every connection is a file descriptor,
/// and a thousand idle ones must not lock everybody else out.
fn raise_open_files() {
    #[cfg(unix)]
    {
        use nix::sys::resource::{getrlimit, setrlimit, Resource};
        if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
            if soft < hard {
                let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
            }
        }
    }
}

/// Serves `state` on `listener` until `shutdown` completes. Each connection must send its request
/// headers within [`Limits::header_timeout`]; on shutdown the listener is closed, open requests get
/// [`Limits::shutdown_grace`] to finish and are then dropped (which removes their upload files and
/// stops their decodes), and the upload folder (made in `state.upload_dir`, else in the system's
/// temporary folder) is removed.
pub async fn run_until(
    listener: TcpListener,
    mut state: AppState,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), ServeError> {
    raise_open_files();
    let mut b = tempfile::Builder::new();
    b.prefix("atscope-serve-");
    let uploads = match &state.upload_dir {
        Some(parent) => b.tempdir_in(parent)?,
        None => b.tempdir()?,
    };
    state.upload_dir = Some(uploads.path().to_path_buf());
    let grace = state.limits.shutdown_grace;
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(state.limits.header_timeout);
    let service = hyper_util::service::TowerToHyperService::new(app(state));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut conns = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service.clone());
                    let conn = graceful.watch(conn);
                    conns.spawn(async move {
                        let _ = conn.await;
                    });
                }
                // Out of file descriptors and the like: wait a little rather than spin.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(grace) => {}
    }
    conns.abort_all();
    while conns.join_next().await.is_some() {}
    drop(service);
    uploads.close()?;
    Ok(())
}
