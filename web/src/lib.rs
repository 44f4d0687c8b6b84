//! # atscope-web
//!
//! The web timeline viewer behind `atscope serve`: an axum app that decodes captures once with the
//! analyzer, keeps them in memory ([`store`]), and serves a single page (hand-written HTML, JS and
//! CSS embedded in the binary: no network, no CDN) plus a JSON API under `/api/v1` ([`api`]).
//!
//! It does not decode anything itself (that is `atscope-analyzer`), does not record (a recorder
//! pushes events into a [`store::LiveTrace`]) and never maps a URL to a file: traces are looked
//! up by id in the [`store::TraceStore`].
//!
//! ```no_run
//! # async fn f() -> Result<(), Box<dyn std::error::Error>> {
//! use atscope_web::{app, AppState};
//! let state = AppState::default();
//! state.store.add_paths(&["traces".into()], &Default::default())?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! axum::serve(listener, app(state)).await?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod api;
pub mod assets;
pub mod error;
pub mod render;
pub mod server;
pub mod store;
pub mod upload;

use std::sync::Arc;

use atscope_analyzer::capture::ImportOptions;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub use error::ApiError;
pub use server::{serve, ServeOptions};
pub use store::{LiveTrace, TraceStore};

/// Default size limit of an uploaded capture, bytes.
pub const DEFAULT_MAX_UPLOAD: usize = 256 * 1024 * 1024;

/// What every handler shares.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The traces served.
    pub store: Arc<TraceStore>,
    /// How uploads are imported (channel choice, UART settings).
    pub import: ImportOptions,
    /// Upload size limit, bytes.
    pub max_upload: usize,
    /// Host names accepted in the `Host` header (DNS-rebinding guard); empty = any.
    pub allowed_hosts: Vec<String>,
    /// Time and memory budgets (see [`upload`]).
    pub limits: upload::Limits,
    /// How captures are decoded (in a child process first, or only here).
    pub decoder: upload::Decoder,
    /// Decodes running at once ([`upload::Limits::decodes`] permits).
    pub decode_slots: Arc<tokio::sync::Semaphore>,
    /// Where uploads are received (the system's temporary folder when `None`).
    pub upload_dir: Option<std::path::PathBuf>,
}

impl Default for AppState {
    fn default() -> Self {
        let limits = upload::Limits::default();
        AppState {
            store: Arc::new(TraceStore::new()),
            import: ImportOptions::default(),
            max_upload: DEFAULT_MAX_UPLOAD,
            allowed_hosts: Vec::new(),
            decode_slots: Arc::new(tokio::sync::Semaphore::new(limits.decodes.max(1))),
            limits,
            decoder: upload::Decoder::InProcess,
            upload_dir: None,
        }
    }
}

impl AppState {
    /// A state serving `store`, with default settings.
    pub fn new(store: TraceStore) -> Self {
        AppState { store: Arc::new(store), ..Default::default() }
    }
}

/// The whole app: the page, its assets and the API.
pub fn app(state: AppState) -> Router {
    let api = Router::new()
        .route("/traces", get(api::list_traces).post(api::upload))
        .route("/traces/{id}", get(api::get_trace))
        .route("/traces/{id}/events", get(api::window))
        .route("/traces/{id}/events/{seq}", get(api::event_detail))
        .route("/traces/{id}/rows", get(api::rows))
        .route("/traces/{id}/findings", get(api::findings))
        .route("/traces/{id}/live", get(api::live))
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "method not allowed here")
        });
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{name}", get(assets::asset))
        .nest("/api/v1", api)
        .fallback(|| async { ApiError::not_found() })
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .with_state(state)
}

/// Rejects requests whose `Host` is not one of ours (a page on another site that resolves its
/// name to 127.0.0.1 must not read the traces), and sets headers every response carries.
async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if !st.allowed_hosts.is_empty() {
        let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
        let name = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host.split(':').next().unwrap_or(""),
        };
        if !st.allowed_hosts.iter().any(|a| a.eq_ignore_ascii_case(name)) {
            return ApiError::new(StatusCode::FORBIDDEN, "bad_host", format!("host {host:?} is not served here"))
                .into_response();
        }
    }
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}
