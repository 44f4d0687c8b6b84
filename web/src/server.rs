//! Binding a port and running the app: what `atscope serve` (and `atscope record --serve`) call.
//!
//! The default port is [`DEFAULT_PORT`]; when it is taken a free port is picked and the caller is
//! told. A port asked for explicitly is used or the bind fails; port 0 always picks a free one.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use atscope_analyzer::capture::ImportOptions;
use tokio::net::TcpListener;

use crate::store::LoadError;
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
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: None,
            import: ImportOptions::default(),
            max_upload: DEFAULT_MAX_UPLOAD,
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
}

/// Loads the captures in `paths` (files or directories), binds, calls `ready` and serves until
/// Ctrl-C.
pub async fn serve(paths: Vec<PathBuf>, opts: ServeOptions, ready: impl FnOnce(&Ready<'_>)) -> Result<(), ServeError> {
    let state = AppState {
        import: opts.import.clone(),
        max_upload: opts.max_upload,
        allowed_hosts: allowed_hosts(opts.bind),
        ..Default::default()
    };
    let store = state.store.clone();
    let import = opts.import.clone();
    let (traces, skipped) = tokio::task::spawn_blocking(move || store.add_paths(&paths, &import))
        .await
        .map_err(std::io::Error::other)??;
    let bound = bind(opts.bind, opts.port).await?;
    ready(&Ready { url: bound.url(), note: bound.note.as_deref(), traces, skipped: &skipped });
    run(bound.listener, state).await
}

/// Serves `state` on `listener` until Ctrl-C.
pub async fn run(listener: TcpListener, state: AppState) -> Result<(), ServeError> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
