//! The viewer in a real browser: headless Debian Chromium driven through chromedriver (WebDriver)
//! against the app served on 127.0.0.1:0.
//!
//! Run with `CARGO_TARGET_DIR=… cargo test -p atscope-web --test browser`. Needs the Debian
//! packages `chromium` and `chromium-driver`; without them the test fails and says so.
//! `ATSCOPE_SCREENSHOT=web/screenshot.png` also writes the README screenshot.

mod common;
mod webdriver;

use serde_json::{json, Value};
use webdriver::Browser;

async fn start_server(state: atscope_web::AppState) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { atscope_web::server::run_until(listener, state, std::future::pending()).await.unwrap() });
    url
}

/// Counts canvas pixels close to an RGB colour inside a rectangle (CSS px).
const COUNT_COLOUR: &str = r#"
  const [sel, x, y, w, h, r, g, b] = arguments;
  const c = document.querySelector(sel);
  const dpr = window.devicePixelRatio || 1;
  const d = c.getContext('2d').getImageData(x * dpr, y * dpr, w * dpr, h * dpr).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4)
    if (Math.abs(d[i] - r) < 40 && Math.abs(d[i + 1] - g) < 40 && Math.abs(d[i + 2] - b) < 40) n++;
  return n;
"#;

async fn open(b: &Browser, url: &str, trace: &str) {
    b.goto("about:blank").await;
    b.goto(&format!("{url}#trace={trace}")).await;
    b.wait(
        &format!(
            "window.atscope.state.trace === '{trace}' && window.atscope.state.win && window.atscope.stats.draws > 0"
        ),
        20,
        "the first draw",
    )
    .await;
    b.wait("document.querySelectorAll('#rows-body .row[data-seq]').length > 0", 20, "transcript rows").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_works_in_a_real_browser() {
    let Some(_) = webdriver::need::chromium() else { return };
    let state = common::state();
    state.store.add_failed("bad/cut-short.sr", "bad/cut-short.sr: not a readable ZIP archive <b>(truncated?)</b>");
    let url = start_server(state).await;
    let b = Browser::start(1600, 900).await;

    // Lanes and markers are drawn.
    open(&b, &url, "with-findings").await;

    // A capture that could not be loaded is listed with its error (as text), among the others.
    let failed = b
        .js("return [...document.querySelectorAll('#trace-list li.trace-failed')].map(li => li.textContent)", json!([]))
        .await;
    assert_eq!(failed, json!(["cut-short.srbad/cut-short.sr: not a readable ZIP archive <b>(truncated?)</b>"]));
    let n = b.js("return document.querySelectorAll('#trace-list li:not(.trace-failed)').length", json!([])).await;
    assert!(n.as_u64().unwrap() >= 5, "the other traces are listed: {n}");
    std::fs::write(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("viewer-first.png"), b.screenshot().await)
        .unwrap();
    let drawn = b.js("return window.atscope.stats.drawn", json!([])).await;
    assert_eq!(drawn["findings"], 3, "{drawn}");
    assert!(drawn["host"].as_u64().unwrap() >= 10, "ten exchanges: {drawn}");
    assert!(drawn["modem"].as_u64().unwrap() >= 4, "URCs and resets: {drawn}");
    let w = b.js("return document.getElementById('timeline').getBoundingClientRect().width", json!([])).await;
    let w = w.as_f64().unwrap();
    // The findings lane (y 22..56) has the error colour; the host lane (56..114) the exchange blue.
    let red = b.js(COUNT_COLOUR, json!(["#timeline", 64, 22, w - 64.0, 34, 204, 43, 43])).await;
    assert!(red.as_u64().unwrap() > 20, "an error marker is drawn: {red}");
    let blue = b.js(COUNT_COLOUR, json!(["#timeline", 64, 56, w - 64.0, 58, 47, 111, 179])).await;
    assert!(blue.as_u64().unwrap() > 100, "exchange spans are drawn: {blue}");
    let ov = b.js(COUNT_COLOUR, json!(["#overview", 64, 0, w - 64.0, 46, 204, 43, 43])).await;
    assert!(ov.as_u64().unwrap() > 0, "findings are on the overview: {ov}");

    // The findings list is filled; clicking a finding shows it with its help text.
    let n = b.js("return document.querySelectorAll('#finding-list li.finding-item').length", json!([])).await;
    assert_eq!(n, 3);
    b.click("#finding-list li.finding-item:nth-child(3)").await;
    b.wait("document.getElementById('detail-body').textContent.includes('test.reset.unexpected')", 10, "the detail")
        .await;
    let detail = b.js("return document.getElementById('detail-body').textContent", json!([])).await;
    let detail = detail.as_str().unwrap();
    assert!(detail.contains("Synthetic finding made by the web tests"), "help text: {detail}");
    assert!(detail.contains("The modem reset while AT#XMQTTCON=0 was pending"), "{detail}");
    let sel_in_view = b
        .js("const s = window.atscope.state; return s.sel !== null && s.view.from < 23582062500 && s.view.to > 23582062500", json!([]))
        .await;
    assert_eq!(sel_in_view, true, "the timeline jumped to the finding");

    // Next/previous finding keys.
    b.js("document.activeElement && document.activeElement.blur()", json!([])).await;
    b.keys("p").await;
    b.wait("document.getElementById('detail-body').textContent.includes('test.urc.missing')", 10, "previous finding")
        .await;
    b.keys("n").await;
    b.wait("document.getElementById('detail-body').textContent.includes('test.reset.unexpected')", 10, "next finding")
        .await;

    // Clicking an exchange span on the canvas shows its latency and bytes.
    b.keys("0").await; // the whole trace
    b.wait(
        "window.atscope.state.win.lanes.host.items.some(i => i.exchange === 7) && window.atscope.state.view.from < 0",
        10,
        "whole trace",
    )
    .await;
    let pos = b
        .js(
            "const s = window.atscope.state; const c = document.getElementById('timeline').getBoundingClientRect();
             const it = s.win.lanes.host.items.find(i => i.exchange === 7);
             const x = 64 + ((it.t + it.end) / 2 - s.view.from) / (s.view.to - s.view.from) * (c.width - 64);
             return [x, 22 + 34 + 29];",
            json!([]),
        )
        .await;
    let (x, y) = (pos[0].as_f64().unwrap(), pos[1].as_f64().unwrap());
    click_canvas(&b, x, y).await;
    b.wait("document.getElementById('detail-body').textContent.includes('1.906 s')", 10, "exchange latency").await;

    // Search filters the transcript.
    b.click("#search").await;
    b.type_into("#search", "XMQTTEVT: 0").await;
    b.wait("document.getElementById('match-count').textContent === '1 match'", 10, "one match").await;
    b.wait("document.querySelectorAll('#rows-body .row[data-seq]').length === 1", 10, "filtered rows").await;
    let row = b.js("return document.querySelector('#rows-body .row[data-seq]').textContent", json!([])).await;
    assert!(row.as_str().unwrap().contains("#XMQTTEVT: 0,0"), "{row}");
    b.keys("\u{E007}").await; // Enter: select the match
    b.wait("document.querySelector('#detail-body h3').textContent.includes('#XMQTTEVT')", 10, "the match selected")
        .await;

    // The URL holds the trace, the window and the selection; a link brings them back.
    b.wait(
        "(() => { const s = window.atscope.state, h = new URLSearchParams(location.hash.slice(1));
           return h.get('trace') === 'with-findings' && h.get('sel') === String(s.sel)
             && h.get('from') === String(Math.round(s.view.from)) && h.get('to') === String(Math.round(s.view.to)); })()",
        5,
        "the deep link",
    )
    .await;
    let link = b.js("return location.href", json!([])).await;
    let link = link.as_str().unwrap().to_string();
    let view: Value = b.js("return window.atscope.state.view", json!([])).await;
    b.goto("about:blank").await;
    b.goto(&link).await;
    b.wait("window.atscope.state.win && document.querySelector('#detail-body h3')", 20, "the linked view").await;
    let view2: Value = b.js("return window.atscope.state.view", json!([])).await;
    for k in ["from", "to"] {
        let (a, b2) = (view[k].as_f64().unwrap(), view2[k].as_f64().unwrap());
        assert!((a - b2).abs() <= 1.0, "{k}: {a} vs {b2}");
    }
    let h3 = b.js("return document.querySelector('#detail-body h3').textContent", json!([])).await;
    assert!(h3.as_str().unwrap().contains("#XMQTTEVT"), "{h3}");

    // The hostile trace renders as text and runs nothing.
    open(&b, &url, "hostile").await;
    b.wait("document.querySelectorAll('#rows-body .row[data-seq]').length >= 9", 10, "all hostile rows").await;
    let text = b.js("return document.getElementById('rows-body').textContent", json!([])).await;
    let text = text.as_str().unwrap();
    for s in [
        "<script>window.__pwned='cmd'</script>",
        "\"><img src=x onerror=\"window.__pwned='info'\">",
        "#XHOSTILE: <script>window.__pwned='urc'</script>",
        "<img src=x onerror=window.__pwned='mark'>",
        "\\xff\\xfe<b>bold</b>",
    ] {
        assert!(text.contains(s), "{s:?} shown as text in {text:?}");
    }
    b.click("#rows-body .row.t-urc").await;
    b.wait("document.getElementById('detail-body').textContent.includes('__pwned')", 10, "hostile detail").await;
    b.click("#rows-body .row.t-garbage").await;
    b.wait("document.getElementById('detail-body').textContent.includes('not valid UTF-8')", 10, "b64 detail").await;
    let safe = b
        .js(
            "return { pwned: typeof window.__pwned, imgs: document.querySelectorAll('img').length,
                      scripts: document.querySelectorAll('script').length,
                      bolds: document.querySelectorAll('#rows-body b, #detail-body b').length,
                      title: document.getElementById('trace-title').textContent }",
            json!([]),
        )
        .await;
    assert_eq!(safe["pwned"], "undefined", "{safe}");
    assert_eq!(safe["imgs"], 0, "{safe}");
    assert_eq!(safe["scripts"], 1, "only app.js: {safe}");
    assert_eq!(safe["bolds"], 0, "{safe}");

    // Opening a capture from the page (the file picker) decodes it on the server.
    let file = common::bundled("gnss-single-fix").canonicalize().unwrap();
    b.type_into("#file-input", &file.display().to_string()).await;
    b.wait("window.atscope.state.trace === 'gnss-single-fix-2' && window.atscope.state.win", 20, "the uploaded trace")
        .await;
    let listed = b
        .js(
            "return [...document.querySelectorAll('#trace-list li')].some(li => li.dataset.id === 'gnss-single-fix-2')",
            json!([]),
        )
        .await;
    assert_eq!(listed, true);

    // A trace with many rows and items: transcript paging, aggregation and zoom keep the page
    // responsive (a re-render loop on a pending page once froze it).
    open(&b, &url, "many").await;
    b.js(
        "const v = document.getElementById('rows-viewport'); v.scrollTop = v.scrollHeight / 2;
         window.atscope.renderRows(); window.atscope.renderRows(); // the second while pages are pending
         const c = document.getElementById('timeline'); const r = c.getBoundingClientRect();
         for (let i = 0; i < 15; i++) c.dispatchEvent(new WheelEvent('wheel', {deltaY: -120,
           clientX: r.left + r.width / 2, clientY: r.top + 80, bubbles: true, cancelable: true}));",
        json!([]),
    )
    .await;
    b.wait("window.atscope.state.win.lanes.modem.mode === 'items'", 10, "zoomed in to single items").await;
    b.wait(
        "[...document.querySelectorAll('#rows-body .row[data-seq]')].every(r => { const t = Number(r.dataset.t);
           return t >= window.atscope.state.view.from - 1e6; }) && document.querySelectorAll('#rows-body .row[data-seq]').length > 5",
        10,
        "the transcript follows the zoom",
    )
    .await;
    let total = b.js("return window.atscope.state.rows.total", json!([])).await;
    assert_eq!(total, 5000);

    // A CMUX trace (issue 16): the CMUX and PPP lanes appear, the control frames are drawn in
    // theirs, the AT channel's exchanges in the host lane, the rows carry their DLCI.
    let cmux = b
        .js(
            "return fetch('/api/v1/traces').then(r => r.json())
               .then(v => v.traces.find(t => t.name === 'cmux-slm-2.6.0/h-cmux-at.atrace').id)",
            json!([]),
        )
        .await;
    open(&b, &url, cmux.as_str().unwrap()).await;
    b.wait("window.atscope.stats.drawn.cmux === 7", 10, "the mux's start and three SABM/UA pairs").await;
    let drawn = b.js("return window.atscope.stats.drawn", json!([])).await;
    assert_eq!((drawn["ppp"].as_u64(), drawn["host"].as_u64()), (Some(0), Some(7)), "{drawn}");
    let h = b.js("return document.getElementById('timeline').getBoundingClientRect().height", json!([])).await;
    assert_eq!(h.as_f64(), Some(290.0), "six lanes");
    let dlci =
        b.js("return [...document.querySelectorAll('#rows-body .c-dlci')].map(s => s.textContent)", json!([])).await;
    let dlci: Vec<&str> = dlci.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(dlci.contains(&"dlci0") && dlci.contains(&"dlci1"), "{dlci:?}");

    // The SLM's log: its own lane with a crash marker, rows in the transcript, the crash's
    // finding in the detail of its line.
    open(&b, &url, "with-log").await;
    let h = b.js("return document.getElementById('timeline').getBoundingClientRect().height", json!([])).await;
    assert_eq!(h.as_f64(), Some(216.0), "a plain trace has four lanes");
    b.wait("window.atscope.stats.drawn.log === 9", 10, "the log lane's nine lines").await;
    assert_eq!(b.js("return window.atscope.stats.crashes", json!([])).await, 1, "one crash marker");
    let log_rows = b.js("return document.querySelectorAll('#rows-body .c-dir.dir-log').length", json!([])).await;
    assert!(log_rows.as_u64().unwrap() >= 1, "log rows in the transcript: {log_rows}");
    let fault = common::with_log()
        .into_iter()
        .find(|e| matches!(&e.kind, atscope_analyzer::timeline::EventKind::Log(l) if l.text == "***** BUS FAULT *****"))
        .unwrap();
    b.goto("about:blank").await;
    b.goto(&format!("{url}#trace=with-log&sel={}", fault.seq)).await;
    b.wait("document.getElementById('detail-body').textContent.includes('slm.crash')", 20, "the crash in the detail")
        .await;
    let detail = b.js("return document.getElementById('detail-body').textContent", json!([])).await;
    let detail = detail.as_str().unwrap();
    assert!(detail.contains("BUS FAULT in mqtt_thread, PC 0x0002a8c4"), "{detail}");
    assert!(detail.contains("log level") && detail.contains("23.450"), "{detail}");

    // The README screenshot: the real trace, a reset selected.
    if let Some(path) = std::env::var_os("ATSCOPE_SCREENSHOT") {
        screenshot(&b, &url, std::path::Path::new(&path)).await;
    }
    let shot = b.screenshot().await;
    std::fs::write(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("viewer-upload.png"), shot).unwrap();
    b.quit().await;
}

async fn click_canvas(b: &Browser, x: f64, y: f64) {
    let el = b.find("#timeline").await;
    let c = b
        .js(
            "const r = document.getElementById('timeline').getBoundingClientRect(); return [r.width, r.height]",
            json!([]),
        )
        .await;
    // Pointer origins on an element are relative to its centre.
    let (dx, dy) = (x - c[0].as_f64().unwrap() / 2.0, y - c[1].as_f64().unwrap() / 2.0);
    let body = json!({"actions": [{"type": "pointer", "id": "mouse", "parameters": {"pointerType": "mouse"}, "actions": [
        {"type": "pointerMove", "origin": {"element-6066-11e4-a52e-4f735466cecf": el}, "x": dx.round() as i64, "y": dy.round() as i64},
        {"type": "pointerDown", "button": 0},
        {"type": "pointerUp", "button": 0},
    ]}]});
    b.actions(body).await;
}

async fn screenshot(b: &Browser, url: &str, path: &std::path::Path) {
    b.goto("about:blank").await;
    // The whole trace (start - 1 %, end + 1 %), the reset after `AT#XMQTTCON=0` selected.
    b.goto(&format!("{url}#trace=mqtt-disconnect-reset&from=-265872778&to=26853150556&sel=33")).await;
    b.wait("window.atscope.state.win && document.querySelector('#detail-body h3')", 20, "the screenshot view").await;
    // Rendered: web fonts loaded and two animation frames painted since the view was ready.
    b.js(
        "window.__painted = false; requestAnimationFrame(() => requestAnimationFrame(() => { window.__painted = true; }));",
        json!([]),
    )
    .await;
    b.wait("document.fonts.status === 'loaded' && window.__painted", 20, "the view painted").await;
    std::fs::write(path, b.screenshot().await).unwrap();
}
