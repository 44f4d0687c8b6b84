//! A small W3C WebDriver client over HTTP for the browser test and the benchmark: starts
//! Debian's `chromedriver` with headless `chromium`, and drives one session.
//!
//! The browser test skips visibly without a browser (`need::chromium`, a failure where `CI` is
//! set); for the benchmark a missing browser or driver is an error that names the packages.
#![allow(dead_code)]

#[path = "../../../tests/support/need.rs"]
pub mod need;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Where the browser is (override with `ATSCOPE_CHROMIUM`).
pub fn chromium() -> PathBuf {
    need::chromium_paths().0
}

/// Where the driver is (override with `ATSCOPE_CHROMEDRIVER`).
pub fn chromedriver() -> PathBuf {
    need::chromium_paths().1
}

/// Panics, naming the packages, if the browser or the driver is missing.
pub fn require_browser() {
    for p in [chromium(), chromedriver()] {
        assert!(
            p.exists(),
            "{} is missing: the browser test needs Debian's packages `chromium` and `chromium-driver` \
             (apt-get install -y chromium chromium-driver), or ATSCOPE_CHROMIUM / ATSCOPE_CHROMEDRIVER",
            p.display()
        );
    }
}

/// A running chromedriver and one browser session.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    /// Starts chromedriver on a free port and opens a headless Chromium session.
    pub async fn start(width: u32, height: u32) -> Browser {
        require_browser();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut cmd = Command::new(chromedriver());
        if let Some(log) = std::env::var_os("ATSCOPE_WEBDRIVER_LOG") {
            cmd.arg(format!("--log-path={}", PathBuf::from(log).display())).arg("--verbose");
        }
        let driver = cmd
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver().display()));
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(60)).build().unwrap();
        let t0 = Instant::now();
        loop {
            if let Ok(r) = http.get(format!("{base}/status")).send().await {
                if r.json::<Value>().await.is_ok_and(|v| v["value"]["ready"] == true) {
                    break;
                }
            }
            assert!(t0.elapsed() < Duration::from_secs(20), "chromedriver did not become ready");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--user-data-dir={}", profile.path().display()),
            format!("--window-size={width},{height}"),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium().display().to_string(), "args": args},
        }}});
        let mut b = Browser { driver, base, session: String::new(), http, _profile: profile };
        let v = b.raw("POST", "/session", Some(caps)).await;
        b.session = v["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string();
        b
    }

    async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body.unwrap_or(json!({}))),
        };
        let r = req.send().await.unwrap_or_else(|e| panic!("webdriver {method} {path}: {e}"));
        let v: Value = r.json().await.unwrap();
        if let Some(err) = v["value"].get("error") {
            panic!("webdriver {method} {path}: {err}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let p = format!("/session/{}{path}", self.session);
        self.raw(method, &p, body).await
    }

    /// Loads a URL.
    pub async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url }))).await;
    }

    /// Runs a script (a function body; `arguments` are `args`) and returns its value.
    pub async fn js(&self, script: &str, args: Value) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({ "script": script, "args": args }))).await
    }

    /// Polls `expr` (a JS expression) until it is truthy; panics after `secs` with `what`.
    pub async fn wait(&self, expr: &str, secs: u64, what: &str) -> Value {
        let t0 = Instant::now();
        loop {
            let v = self.js(&format!("try {{ return ({expr}); }} catch (e) {{ return null; }}"), json!([])).await;
            if !(v.is_null() || v == false || v == 0 || v == "") {
                return v;
            }
            if t0.elapsed() > Duration::from_secs(secs) {
                let st = self.js("return JSON.stringify(window.atscope && window.atscope.stats)", json!([])).await;
                panic!("timed out waiting for {what} ({expr}); viewer stats: {st}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The first element matching a CSS selector.
    pub async fn find(&self, css: &str) -> String {
        let v = self.cmd("POST", "/element", Some(json!({"using": "css selector", "value": css}))).await;
        v[ELEMENT].as_str().unwrap().to_string()
    }

    /// Clicks an element.
    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{e}/click"), None).await;
    }

    /// Types into an element.
    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{e}/value"), Some(json!({ "text": text }))).await;
    }

    /// Presses keys with the keyboard (focused element): `\u{E007}` is Enter.
    pub async fn keys(&self, text: &str) {
        let mut actions = Vec::new();
        for c in text.chars() {
            actions.push(json!({"type": "keyDown", "value": c.to_string()}));
            actions.push(json!({"type": "keyUp", "value": c.to_string()}));
        }
        let body = json!({"actions": [{"type": "key", "id": "kb", "actions": actions}]});
        self.cmd("POST", "/actions", Some(body)).await;
    }

    /// Performs W3C actions (`{"actions": [...]}`).
    pub async fn actions(&self, body: Value) {
        self.cmd("POST", "/actions", Some(body)).await;
    }

    /// A PNG screenshot of the window.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let v = self.cmd("GET", "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap()
    }

    /// Ends the session and the driver.
    pub async fn quit(mut self) {
        let p = format!("/session/{}", self.session);
        let _ = self.http.delete(format!("{}{p}", self.base)).send().await;
        self.session.clear();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // After a panic: end the session (which closes the browser) with a blocking request,
        // then stop the driver; killing only the driver would leave the browser running.
        if !self.session.is_empty() {
            use std::io::{Read, Write};
            let addr = self.base.trim_start_matches("http://").to_string();
            if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
                let req = format!(
                    "DELETE /session/{} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    self.session
                );
                let _ = s.write_all(req.as_bytes());
                let _ = s.read_to_end(&mut Vec::new());
            }
        }
        // A hung browser does not answer that, and chromedriver starts it detached: find our
        // browser by the profile directory made for it alone, and end it by its id.
        let flag = format!("--user-data-dir={}", self._profile.path().display());
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else { continue };
            let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else { continue };
            if cmdline.split(|&b| b == 0).any(|arg| arg == flag.as_bytes()) {
                let _ = Command::new("kill").arg(pid.to_string()).stderr(Stdio::null()).status();
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
