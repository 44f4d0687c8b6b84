//! The page and its assets, embedded in the binary from `web/assets/`. The set is fixed at
//! compile time: an asset name from a URL is matched against this list, never used as a path.

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The page.
pub const INDEX_HTML: &str = include_str!("../assets/index.html");
/// The viewer's script.
pub const APP_JS: &str = include_str!("../assets/app.js");
/// The viewer's style sheet.
pub const STYLE_CSS: &str = include_str!("../assets/style.css");
/// The icon.
pub const FAVICON_SVG: &str = include_str!("../assets/favicon.svg");

/// The page's content security policy: nothing from elsewhere, no inline script or style
/// attributes, so a device string that somehow became markup still could not run.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The embedded assets: name, content type, content.
pub const ASSETS: &[(&str, &str, &str)] = &[
    ("app.js", "text/javascript; charset=utf-8", APP_JS),
    ("style.css", "text/css; charset=utf-8", STYLE_CSS),
    ("favicon.svg", "image/svg+xml", FAVICON_SVG),
];

/// `GET /`.
pub async fn index() -> Response {
    let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX_HTML).into_response();
    r.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    r
}

/// `GET /assets/{name}`.
pub async fn asset(name: Result<Path<String>, axum::extract::rejection::PathRejection>) -> Result<Response, ApiError> {
    let Path(name) = name?;
    let (_, ct, body) = ASSETS.iter().find(|(n, _, _)| *n == name).ok_or_else(ApiError::not_found)?;
    Ok(([(header::CONTENT_TYPE, *ct)], *body).into_response())
}
