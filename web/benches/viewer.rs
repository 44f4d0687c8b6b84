//! Benchmark (not a test) of the viewer on a trace of about one million events: decode and index
//! time, memory, API latency over loopback HTTP, and the page's time to first draw in headless
//! Chromium.
//!
//! Run with `CARGO_TARGET_DIR=… cargo bench -p atscope-web --bench viewer`. Needs Debian's
//! `chromium` and `chromium-driver` for the browser part. The figures go in `web/README.md`.

#[path = "../tests/webdriver/mod.rs"]
mod webdriver;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use atscope_analyzer::capture::ImportOptions;
use atscope_analyzer::finding::{Finding, Severity};
use atscope_analyzer::timeline::{Event, EventKind};
use atscope_web::store::{self, Origin, TraceStore};
use atscope_web::AppState;
use serde_json::json;

/// Exchanges in the synthetic trace (4 events each) and URCs between them.
const EXCHANGES: usize = 230_000;
const URC_EVERY: usize = 3;

/// A synthetic `.atrace`: `AT+CEREG?` every 10 ms answered in 5 ms, a `+CEREG` URC after every
/// third exchange, a reset every 50 000 exchanges.
fn make_trace(path: &std::path::Path) {
    let mut s = String::with_capacity(EXCHANGES * 160);
    s.push_str("{\"atrace\":1,\"meta\":{\"source\":\"synthetic (web/benches/viewer.rs)\"}}\n");
    s.push_str("{\"t\":0,\"d\":\"modem\",\"text\":\"Ready\\r\\n\"}\n");
    let mut t: i64 = 1_000_000;
    for i in 0..EXCHANGES {
        let _ = writeln!(s, "{{\"t\":{t},\"d\":\"host\",\"text\":\"AT+CEREG?\\r\\n\"}}");
        let _ = writeln!(s, "{{\"t\":{},\"d\":\"modem\",\"text\":\"\\r\\n+CEREG: 5,1,\\\"0A2E\\\",\\\"01D9B70A\\\",7\\r\\n\\r\\nOK\\r\\n\"}}", t + 5_000_000);
        if i % URC_EVERY == 0 {
            let _ =
                writeln!(s, "{{\"t\":{},\"d\":\"modem\",\"text\":\"\\r\\n+CSCON: {}\\r\\n\"}}", t + 7_000_000, i % 2);
        }
        if i % 50_000 == 49_999 {
            let _ = writeln!(s, "{{\"t\":{},\"d\":\"modem\",\"text\":\"Ready\\r\\n\"}}", t + 8_000_000);
        }
        t += 10_000_000;
    }
    std::fs::write(path, s).unwrap();
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[((v.len() - 1) as f64 * p).round() as usize]
}

async fn time_get(http: &reqwest::Client, url: &str, n: usize) -> (f64, f64, usize) {
    let mut ms = Vec::with_capacity(n);
    let mut bytes = 0;
    for _ in 0..n {
        let t0 = Instant::now();
        let r = http.get(url).send().await.unwrap();
        assert!(r.status().is_success(), "{url}: {}", r.status());
        bytes = r.bytes().await.unwrap().len();
        ms.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    (pct(&mut ms, 0.5), pct(&mut ms, 0.95), bytes)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.atrace");
    make_trace(&path);
    let size = std::fs::metadata(&path).unwrap().len();
    let rss0 = rss_mib();

    let t0 = Instant::now();
    let mut decoded = store::decode_file(&path, &ImportOptions::default()).unwrap();
    let decode_s = t0.elapsed().as_secs_f64();
    // Synthetic findings (the rules are not in this crate): one per 1 000 exchanges, so that the
    // findings lane and list have something to aggregate.
    let t1 = Instant::now();
    let first_seq = decoded.index.events().len() as u64;
    let exch: Vec<(u64, i64, i64)> = decoded
        .index
        .events()
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Exchange { .. }))
        .step_by(1000)
        .map(|e| (e.seq, e.t_ns, e.end_ns))
        .collect();
    for (seq, (i, (s, t, end))) in (first_seq..).zip(exch.into_iter().enumerate()) {
        let severity = [Severity::Note, Severity::Warning, Severity::Error][i % 3];
        decoded.index.push(Event {
            seq,
            t_ns: t,
            end_ns: end,
            dir: None,
            dlci: None,
            meaning: None,
            kind: EventKind::Finding(Finding {
                id: "bench.synthetic".into(),
                severity,
                message: "synthetic".into(),
                help: "made by the benchmark".into(),
                events: vec![s],
            }),
        });
    }
    let index_s = t1.elapsed().as_secs_f64();
    let n_events = decoded.index.events().len();
    let (start, end) = (decoded.index.summary().start_ns.unwrap(), decoded.index.summary().end_ns.unwrap());
    let store = TraceStore::new();
    store.add("big.atrace", Origin::File, decoded);
    let rss1 = rss_mib();
    println!(
        "trace: {n_events} events, {:.1} MiB .atrace, {:.0} s long",
        size as f64 / 1048576.0,
        (end - start) as f64 / 1e9
    );
    println!("decode (Analysis + index): {decode_s:.2} s; adding 230 findings: {index_s:.3} s");
    println!("resident memory: {rss0:.0} MiB before, {rss1:.0} MiB with the trace loaded");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let state = AppState::new(store);
    tokio::spawn(async move { axum::serve(listener, atscope_web::app(state)).await.unwrap() });
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let api = format!("{url}api/v1/traces/big");
    let span = end - start;
    let mid = start + span / 2;
    let cases = [
        ("window, whole trace, px=1200 (aggregated)", format!("{api}/events?from={start}&to={end}&px=1200")),
        ("window, 1 % of the trace, px=1200", format!("{api}/events?from={mid}&to={}&px=1200", mid + span / 100)),
        ("window, 1 s (items), px=1200", format!("{api}/events?from={mid}&to={}&px=1200", mid + 1_000_000_000)),
        ("transcript page in the middle (200 rows)", format!("{api}/rows?offset={}&limit=200", n_events / 2)),
        ("transcript row at a time", format!("{api}/rows?at={mid}&limit=200")),
        ("findings list", format!("{api}/findings")),
        ("event detail", format!("{api}/events/{}", n_events / 2)),
        ("trace list", format!("{url}api/v1/traces")),
    ];
    println!("\nAPI latency over loopback HTTP (20 requests each):");
    println!("| request | median ms | p95 ms | response bytes |\n|---|---:|---:|---:|");
    for (what, u) in &cases {
        let (p50, p95, bytes) = time_get(&http, u, 20).await;
        println!("| {what} | {p50:.1} | {p95:.1} | {bytes} |");
    }
    let q = format!("{api}/rows?q=CSCON%3A%201&limit=200");
    let (first, _, _) = time_get(&http, &q, 1).await;
    let (p50, p95, _) = time_get(&http, &q, 20).await;
    println!("| text search `CSCON: 1`, first (scans every row) | {first:.1} | | |");
    println!("| text search, same filter again (cached) | {p50:.1} | {p95:.1} | |");

    if webdriver::chromium().exists() && webdriver::chromedriver().exists() {
        let b = webdriver::Browser::start(1600, 900).await;
        let mut draws = Vec::new();
        for _ in 0..5 {
            b.goto("about:blank").await;
            b.goto(&format!("{url}#trace=big")).await;
            let v = b.wait("window.atscope && window.atscope.stats.firstDrawMs", 30, "first draw").await;
            draws.push(v.as_f64().unwrap());
            b.wait("document.querySelectorAll('#rows-body .row[data-seq]').length > 0", 30, "rows").await;
        }
        let drawn = b.js("return window.atscope.stats", json!([])).await;
        println!(
            "\npage: time to first timeline draw with data (performance.now() at the draw, from navigation): \
             median {:.0} ms, max {:.0} ms over 5 loads; stats {drawn}",
            pct(&mut draws.clone(), 0.5),
            pct(&mut draws, 1.0)
        );
        // Zoom: 20 wheel steps at the centre; the longest single draw while they are fetched.
        b.js(
            "window.atscope.stats.drawMsMax = 0; const c = document.getElementById('timeline');
             const r = c.getBoundingClientRect();
             for (let i = 0; i < 20; i++) c.dispatchEvent(new WheelEvent('wheel', {deltaY: -120,
               clientX: r.left + r.width / 2, clientY: r.top + 80, bubbles: true, cancelable: true}));",
            json!([]),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(2000)).await;
        let after = b.js("return window.atscope.stats", json!([])).await;
        println!(
            "page: after 20 wheel zoom steps: longest draw {:.1} ms, {} draws in all",
            after["drawMsMax"].as_f64().unwrap_or(0.0),
            after["draws"]
        );
        b.quit().await;
    } else {
        println!(
            "\npage: skipped (no /usr/bin/chromium or /usr/bin/chromedriver; apt-get install chromium chromium-driver)"
        );
    }
}
