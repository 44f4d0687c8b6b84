//! Router tests: the app through `tower::ServiceExt::oneshot`, no sockets.
//!
//! Run with `CARGO_TARGET_DIR=… cargo test -p atscope-web --test api`.

mod common;

use std::time::Duration;

use atscope_analyzer::chunk::Dir;
use atscope_analyzer::timeline::event::Bytes as EvBytes;
use atscope_analyzer::timeline::{Event, EventKind};
use atscope_web::{app, AppState};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

async fn send(state: &AppState, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let res = app(state.clone()).oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, headers, body)
}

async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
    let (status, headers, body) = send(state, Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(headers[header::CONTENT_TYPE], "application/json", "{uri}: {}", String::from_utf8_lossy(&body));
    (status, serde_json::from_slice(&body).unwrap())
}

fn assert_json_error(v: &Value, status: StatusCode, code: &str) {
    assert_eq!(v["error"]["status"], status.as_u16(), "{v}");
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
}

#[tokio::test]
async fn the_index_is_the_embedded_page_with_a_strict_csp() {
    let st = common::state();
    let (status, headers, body) = send(&st, Request::get("/").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, atscope_web::assets::INDEX_HTML.as_bytes());
    assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    for (name, ct, content) in atscope_web::assets::ASSETS {
        let (status, headers, body) =
            send(&st, Request::get(format!("/assets/{name}")).body(Body::empty()).unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(headers[header::CONTENT_TYPE], *ct);
        assert_eq!(body, content.as_bytes());
    }
}

#[tokio::test]
async fn the_page_loads_nothing_from_elsewhere() {
    for (name, _, content) in
        atscope_web::assets::ASSETS.iter().chain([&("index.html", "", atscope_web::assets::INDEX_HTML)])
    {
        if *name == "favicon.svg" {
            continue; // the SVG namespace is an identifier, not a fetch
        }
        assert!(!content.contains("http://") && !content.contains("https://"), "{name} refers to the network");
    }
    assert!(!atscope_web::assets::APP_JS.contains("innerHTML"), "device text must go in with textContent");
}

#[tokio::test]
async fn no_url_reaches_the_filesystem() {
    let st = common::state();
    for uri in [
        "/../Cargo.toml",
        "/assets/..%2FCargo.toml",
        "/assets/%2e%2e%2fsrc%2flib.rs",
        "/assets/../src/lib.rs",
        "/assets/index.html/../../Cargo.toml",
        "/api/v1/traces/..%2F..%2FCargo.toml",
        "/api/v1/traces/%2e%2e/events",
        "/api/v1/traces/..",
        "/api/v1/traces/slm-2.1.2%2Fmqtt-session.atrace",
        "/api/v1/traces/%2Fetc%2Fpasswd/rows",
        "/traces/slm-2.1.2/mqtt-session.atrace",
        "/api/v1/traces/mqtt-session/events/..%2F..%2FCargo.toml",
        "/web/tests/data/hostile.atrace",
    ] {
        let (status, headers, body) = send(&st, Request::get(uri).body(Body::empty()).unwrap()).await;
        assert!(status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST, "{uri}: {status}");
        assert_eq!(headers[header::CONTENT_TYPE], "application/json", "{uri}");
        let text = String::from_utf8_lossy(&body);
        assert!(!text.contains("[package]") && !text.contains("atrace\":1"), "{uri} leaked a file: {text}");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert!(v["error"]["code"].is_string(), "{uri}: {v}");
    }
}

#[tokio::test]
async fn the_trace_list_has_names_durations_and_counts() {
    let st = common::state();
    let (status, v) = get(&st, "/api/v1/traces").await;
    assert_eq!(status, StatusCode::OK);
    let traces = v["traces"].as_array().unwrap();
    let bundled = count_traces(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../traces"));
    assert_eq!(traces.len(), bundled + 4, "the bundled traces + many + with-findings + with-log + hostile");
    let t = traces.iter().find(|t| t["id"] == "mqtt-disconnect-reset").unwrap();
    assert_eq!(t["name"], "slm-2.1.2/mqtt-disconnect-reset.atrace");
    assert_eq!(t["exchanges"], 10);
    assert_eq!(t["urcs"], 4);
    assert_eq!(t["resets"], 2);
    assert_eq!(t["aborted"], 1);
    assert_eq!(t["duration_ns"], 26_587_277_778i64);
    assert_eq!(t["origin"], "file");
    let f = traces.iter().find(|t| t["id"] == "with-findings").unwrap();
    assert_eq!(f["findings"], serde_json::json!({"note": 1, "warning": 1, "error": 1}));
    assert!(v["max_upload"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn a_trace_tells_its_names_and_notes() {
    let st = common::state();
    let (status, v) = get(&st, "/api/v1/traces/mqtt-disconnect-reset").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["slm"], "2.1.2");
    let (_, sm) = get(&st, "/api/v1/traces/p-slm-command-xslmver").await;
    assert_eq!(sm["slm"], "SM 1.0.1", "a Serial Modem keeps its own version numbers");
    let names = v["names"].as_array().unwrap();
    assert!(names.iter().any(|n| n["name"] == "+CEREG" && n["type"] == "urc" && n["count"] == 2), "{names:?}");
    assert!(names.iter().any(|n| n["name"] == "#XMQTTCON" && n["type"] == "command" && n["count"] == 2));
    assert!(v["notes"][0].as_str().unwrap().contains("host"));
    let (status, v) = get(&st, "/api/v1/traces/nope").await;
    assert_json_error(&v, status, "trace_not_found");
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_window_gives_items_per_lane_with_spans_for_exchanges() {
    let st = common::state();
    let (status, v) = get(&st, "/api/v1/traces/with-findings/events?px=800").await;
    assert_eq!(status, StatusCode::OK);
    let host = &v["lanes"]["host"];
    assert_eq!(host["mode"], "items");
    let items = host["items"].as_array().unwrap();
    assert_eq!(items.len(), 10, "ten exchanges");
    let con = items.iter().find(|i| i["exchange"] == 7).unwrap();
    assert_eq!(con["type"], "exchange");
    assert_eq!(con["label"], "#XMQTTCON");
    assert_eq!(con["end"].as_i64().unwrap() - con["t"].as_i64().unwrap(), 1_905_902_778);
    let aborted = items.iter().find(|i| i["exchange"] == 9).unwrap();
    assert_eq!(aborted["status"], "aborted");
    assert_eq!(aborted["level"], 3);
    let modem = v["lanes"]["modem"]["items"].as_array().unwrap();
    assert_eq!(modem.iter().filter(|i| i["type"] == "urc").count(), 4);
    assert_eq!(modem.iter().filter(|i| i["type"] == "reset").count(), 2);
    let findings = v["lanes"]["findings"]["items"].as_array().unwrap();
    let sev: Vec<&str> = findings.iter().map(|f| f["status"].as_str().unwrap()).collect();
    assert_eq!(sev, ["note", "warning", "error"]);

    // A narrow window still sees the long exchange that started before it.
    let (_, v) = get(&st, "/api/v1/traces/with-findings/events?from=5000000000&to=6000000000&px=100").await;
    let items = v["lanes"]["host"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["exchange"], 7);
}

#[tokio::test]
async fn the_slms_log_has_its_own_lane_and_rows() {
    let st = common::state();
    let (status, v) = get(&st, "/api/v1/traces/with-log/events?px=800").await;
    assert_eq!(status, StatusCode::OK);
    let log = v["lanes"]["log"]["items"].as_array().unwrap();
    assert_eq!(log.len(), 9, "one item per log line");
    assert!(log.iter().all(|i| i["type"] == "log"));
    let fault = log.iter().find(|i| i["label"] == "***** BUS FAULT *****").unwrap();
    assert_eq!((fault["level"].as_u64(), fault["t"].as_i64()), (Some(3), Some(23_150_000_000)));
    assert_eq!(log.iter().find(|i| i["label"] == "keepalive").unwrap()["level"], 2);
    // The other lanes hold no log line.
    for lane in ["findings", "host", "modem"] {
        assert!(v["lanes"][lane]["items"].as_array().unwrap().iter().all(|i| i["type"] != "log"), "{lane}");
    }
    let (_, v) = get(&st, "/api/v1/traces/with-log/rows?limit=200").await;
    let rows = v["rows"].as_array().unwrap();
    let r = rows.iter().find(|r| r["text"] == "os: ***** BUS FAULT *****").expect("a transcript row");
    assert_eq!((r["dir"].as_str(), r["tag"].as_str()), (Some("log"), Some("ERR")));
}

#[tokio::test]
async fn a_dense_window_is_aggregated_per_column() {
    let st = common::state();
    let (_, v) = get(&st, "/api/v1/traces/with-findings/events?px=10&max_items=2").await;
    let host = &v["lanes"]["host"];
    assert_eq!(host["mode"], "buckets");
    assert_eq!(host["count"].as_array().unwrap().len(), 10);
    assert_eq!(host["count"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).sum::<u64>(), 10);
    assert!(host["cover"].as_array().unwrap().iter().any(|c| c.as_u64().unwrap() > 0));
    assert_eq!(v["lanes"]["findings"]["level"].as_array().unwrap().iter().filter_map(|l| l.as_u64()).max(), Some(3));
}

#[tokio::test]
async fn bad_queries_are_json_errors() {
    let st = common::state();
    for (uri, code) in [
        ("/api/v1/traces/with-findings/events?px=0", "bad_query"),
        ("/api/v1/traces/with-findings/events?px=100000", "bad_query"),
        ("/api/v1/traces/with-findings/events?from=abc", "bad_query"),
        ("/api/v1/traces/with-findings/rows?limit=-1", "bad_query"),
        ("/api/v1/traces/with-findings/findings?severity=fatal", "bad_query"),
        ("/api/v1/traces/with-findings/events/notanumber", "bad_path"),
    ] {
        let (status, v) = get(&st, uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {v}");
        assert_json_error(&v, status, code);
    }
    let (status, v) = get(&st, "/api/v1/nothing/here").await;
    assert_json_error(&v, status, "not_found");
    let (status, _, body) = send(&st, Request::delete("/api/v1/traces").body(Body::empty()).unwrap()).await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_json_error(&v, status, "method_not_allowed");
}

#[tokio::test]
async fn the_transcript_pages_filters_and_finds_rows() {
    let st = common::state();
    let (_, v) = get(&st, "/api/v1/traces/mqtt-disconnect-reset/rows?limit=5").await;
    assert_eq!(v["total"], 33, "the lines of `atscope decode`: 29 timeline lines and 4 findings");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0]["tag"], "RESET");
    assert_eq!(rows[1]["tag"], "NOTE", "the power-on Ready's finding follows it");
    assert_eq!(rows[2]["text"], "AT#XSLMVER");
    assert_eq!(rows[2]["dir"], "host");
    assert_eq!(rows[2]["exchange"], 1);
    // Rows are in time order; the aborted exchange is a row at its end.
    let (_, v) = get(&st, "/api/v1/traces/mqtt-disconnect-reset/rows?limit=100").await;
    let ts: Vec<i64> = v["rows"].as_array().unwrap().iter().map(|r| r["t"].as_i64().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    assert!(v["rows"].as_array().unwrap().iter().any(|r| r["tag"] == "ABORT"));

    let (_, v) = get(&st, "/api/v1/traces/mqtt-disconnect-reset/rows?q=cereg").await;
    assert_eq!(v["total"], 3, "AT+CEREG=5 and two +CEREG URCs: {v}");
    let (_, v) = get(&st, "/api/v1/traces/mqtt-disconnect-reset/rows?name=%2BCEREG&type=urc").await;
    assert_eq!(v["total"], 2);
    let (_, v) = get(&st, "/api/v1/traces/mqtt-disconnect-reset/rows?q=MQTTEVT").await;
    assert_eq!(v["total"], 2, "the CONNACK URC and the finding about the missing DISCONNECT: {v}");
    assert_eq!(v["rows"][0]["text"], "#XMQTTEVT: 0,0");

    let (_, v) = get(&st, "/api/v1/traces/mqtt-disconnect-reset/rows?at=21000000000&limit=1").await;
    assert_eq!(v["rows"][0]["text"], "AT#XMQTTCON=0");
    let off = v["offset"].as_u64().unwrap();
    let seq = v["rows"][0]["seq"].as_u64().unwrap();
    let (_, v) = get(&st, &format!("/api/v1/traces/mqtt-disconnect-reset/rows?seq={seq}&limit=1")).await;
    assert_eq!(v["offset"].as_u64().unwrap(), off);
    let (status, v) = get(&st, &format!("/api/v1/traces/mqtt-disconnect-reset/rows?seq={seq}&type=urc")).await;
    assert_json_error(&v, status, "row_not_found");
}

#[tokio::test]
async fn findings_are_listed_in_time_order_and_filtered_by_severity() {
    let st = common::state();
    let (_, v) = get(&st, "/api/v1/traces/with-findings/findings").await;
    assert_eq!(v["total"], 3);
    let ids: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["test.latency.slow", "test.urc.missing", "test.reset.unexpected"]);
    assert!(v["findings"][2]["help"].as_str().unwrap().contains("Synthetic"));
    let (_, v) = get(&st, "/api/v1/traces/with-findings/findings?severity=warning,error").await;
    assert_eq!(v["total"], 2);
}

#[tokio::test]
async fn an_event_detail_has_bytes_meaning_latency_and_related_findings() {
    let st = common::state();
    let (status, v) = get(&st, "/api/v1/traces/with-findings/events/33").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["event"]["type"], "reset");
    assert_eq!(v["raw"]["hex"], "c0 ff 00");
    assert_eq!(v["raw"]["utf8"], false);
    assert!(v.get("meaning").is_some(), "meaning is always present (null until the knowledge base knows)");
    // The reset's related events are the exchange it aborted; its findings include theirs.
    let related: Vec<&str> = v["related"].as_array().unwrap().iter().map(|r| r["text"].as_str().unwrap()).collect();
    assert_eq!(related, ["AT#XMQTTCON=0", "aborted by reset: AT#XMQTTCON=0"]);
    let f = v["findings"].as_array().unwrap();
    let ids: Vec<&str> = f.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["test.urc.missing", "test.reset.unexpected"]);
    assert!(f[1]["help"].as_str().unwrap().contains("Synthetic"));

    // The command of exchange 9: its exchange's members, and both findings that name it.
    let (_, v) = get(&st, "/api/v1/traces/with-findings/events/32").await;
    assert_eq!(v["raw"]["text"], "AT#XMQTTCON=0");
    assert_eq!(v["raw"]["hex"], "41 54 23 58 4d 51 54 54 43 4f 4e 3d 30");
    let related: Vec<&str> = v["related"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(related, ["command", "exchange"]);
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);

    // A final result has its latency.
    let (_, v) = get(&st, "/api/v1/traces/with-findings/events/26").await;
    assert_eq!(v["latency_ns"], 1_905_902_778i64);

    // A finding tells what it is about.
    let (_, v) = get(&st, "/api/v1/traces/with-findings/findings?severity=error").await;
    let seq = v["findings"][0]["seq"].as_u64().unwrap();
    let (_, v) = get(&st, &format!("/api/v1/traces/with-findings/events/{seq}")).await;
    assert_eq!(v["event"]["id"], "test.reset.unexpected");
    assert_eq!(v["about"].as_array().unwrap().len(), 2);

    let (status, v) = get(&st, "/api/v1/traces/with-findings/events/99999").await;
    assert_json_error(&v, status, "event_not_found");
}

#[tokio::test]
async fn hostile_bytes_come_back_as_data() {
    let st = common::state();
    let (_, v) = get(&st, "/api/v1/traces/hostile/rows?limit=100").await;
    let texts: Vec<&str> = v["rows"].as_array().unwrap().iter().map(|r| r["text"].as_str().unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("<script>window.__pwned='urc'</script>")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("\\xff\\xfe<b>bold</b>")), "invalid UTF-8 is escaped: {texts:?}");
}

fn upload_req(name: &str, ct: &str, body: Vec<u8>) -> Request<Body> {
    Request::post(format!("/api/v1/traces?name={name}"))
        .header(header::CONTENT_TYPE, ct)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn an_uploaded_capture_is_decoded_and_listed() {
    let st = common::state();
    let bytes = std::fs::read(common::bundled("tcp-recv-payload")).unwrap();
    let (status, _, body) = send(&st, upload_req("my%20capture.atrace", "application/octet-stream", bytes)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["id"], "my-capture");
    assert_eq!(v["origin"], "upload");
    assert_eq!(v["exchanges"], 11);
    let (_, v) = get(&st, "/api/v1/traces").await;
    assert!(v["traces"].as_array().unwrap().iter().any(|t| t["id"] == "my-capture"));
    let (status, _) = get(&st, "/api/v1/traces/my-capture/rows").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn bad_uploads_are_json_errors() {
    let mut st = common::state();
    let (status, _, body) = send(&st, upload_req("x.atrace", "text/plain", b"{}".to_vec())).await;
    assert_json_error(&serde_json::from_slice(&body).unwrap(), status, "bad_content_type");
    let (status, _, body) = send(&st, upload_req("notes.txt", "application/octet-stream", b"hello\n".to_vec())).await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_json_error(&v, status, "unreadable_capture");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.starts_with("notes.txt: ") && !msg.contains("atscope-upload-"), "no server path in {msg}");
    st.max_upload = 1000;
    let (status, _, body) = send(&st, upload_req("big.atrace", "application/octet-stream", vec![b'x'; 5000])).await;
    assert_json_error(&serde_json::from_slice(&body).unwrap(), status, "upload_too_large");
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn uploads_are_capped_and_the_oldest_goes() {
    let st = common::state();
    let bytes = std::fs::read(common::bundled("gnss-single-fix")).unwrap();
    for i in 0..atscope_web::store::MAX_UPLOADS + 2 {
        let (status, _, _) =
            send(&st, upload_req(&format!("u{i}.atrace"), "application/octet-stream", bytes.clone())).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (_, v) = get(&st, "/api/v1/traces").await;
    let uploads: Vec<&str> = v["traces"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["origin"] == "upload")
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(uploads.len(), atscope_web::store::MAX_UPLOADS);
    assert_eq!(uploads[0], "u2");
}

#[tokio::test]
async fn a_foreign_host_name_is_refused() {
    let mut st = common::state();
    st.allowed_hosts = atscope_web::server::allowed_hosts("127.0.0.1".parse().unwrap());
    let req = |host: &str| Request::get("/api/v1/traces").header(header::HOST, host).body(Body::empty()).unwrap();
    let (status, _, body) = send(&st, req("attacker.example:8080")).await;
    assert_json_error(&serde_json::from_slice(&body).unwrap(), status, "bad_host");
    assert_eq!(status, StatusCode::FORBIDDEN);
    for ok in ["127.0.0.1:8080", "localhost:1234", "[::1]:80", "localhost"] {
        let (status, _, _) = send(&st, req(ok)).await;
        assert_eq!(status, StatusCode::OK, "{ok}");
    }
}

fn urc(seq: u64, t: i64) -> Event {
    Event {
        seq,
        t_ns: t,
        end_ns: t,
        dir: Some(Dir::Modem),
        dlci: None,
        meaning: None,
        kind: EventKind::Urc {
            name: "+CEREG".into(),
            params: Vec::new(),
            line: EvBytes(format!("+CEREG: {seq}").into_bytes()),
        },
    }
}

#[tokio::test]
async fn a_live_trace_streams_events_pushed_at_a_pace() {
    let st = common::state();
    let live = st.store.add_live("bench-live", "serial (test)");
    let res =
        app(st.clone()).oneshot(Request::get("/api/v1/traces/bench-live/live").body(Body::empty()).unwrap()).await;
    let res = res.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "text/event-stream");
    // A recorder feeding the decoded events of a real trace at a pace (1 ms apart).
    let events = common::decode(&common::bundled("mqtt-session"));
    let n = events.len();
    let feeder = {
        let live = live.clone();
        tokio::spawn(async move {
            for e in events {
                live.push(e);
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            live.push(urc(n as u64, 99_000_000_000));
            live.finish();
        })
    };
    let mut body = res.into_body();
    let mut text = String::new();
    let read = async {
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.unwrap().into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read).await.expect("the stream ends after finish()");
    feeder.await.unwrap();
    let got: Vec<Value> = text
        .split("\n\n")
        .filter(|m| m.starts_with("event: event"))
        .map(|m| serde_json::from_str(m.split_once("data: ").unwrap().1).unwrap())
        .collect();
    assert_eq!(got.len(), n + 1, "every pushed event reached the page");
    assert!(got.iter().enumerate().all(|(i, v)| v["seq"] == i as u64));
    assert_eq!(got[n]["text"], format!("+CEREG: {n}"));
    assert!(text.contains("event: end"));
    // What was pushed is served like any trace.
    let (_, v) = get(&st, "/api/v1/traces/bench-live").await;
    assert_eq!(v["events"], n + 1);
    assert_eq!(v["live"], false, "finished");
    let (_, v) = get(&st, "/api/v1/traces/bench-live/rows?q=%2BCEREG:%20").await;
    assert!(v["total"].as_u64().unwrap() >= 1);
    // A trace that is not recorded has no live stream.
    let (status, v) = get(&st, "/api/v1/traces/mqtt-session/live").await;
    assert_json_error(&v, status, "not_live");
}

#[tokio::test]
async fn a_taken_port_is_replaced_only_when_asked() {
    use atscope_web::server::bind_port;
    let ip = "127.0.0.1".parse().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let b = bind_port(ip, port, true).await.unwrap();
    assert_ne!(b.addr.port(), port);
    assert!(b.note.as_deref().unwrap().contains(&format!("port {port} is taken")));
    assert!(bind_port(ip, port, false).await.is_err());
    let b = bind_port(ip, 0, false).await.unwrap();
    assert!(b.note.is_none() && b.addr.port() != 0);
    assert_eq!(b.url(), format!("http://127.0.0.1:{}/", b.addr.port()));
}

/// `.atrace` files below `dir`.
fn count_traces(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .map(|p| if p.is_dir() { count_traces(&p) } else { usize::from(p.extension().is_some_and(|x| x == "atrace")) })
        .sum()
}

/// A CMUX trace (issue 16): its control frames and the mux's start in a `cmux` lane, the AT
/// channel's exchanges in the host lane, rows that carry their DLCI; a plain trace has no CMUX.
#[tokio::test]
async fn a_cmux_trace_has_its_own_lanes_and_rows_with_their_channel() {
    let st = common::state();
    let (_, v) = get(&st, "/api/v1/traces").await;
    let traces = v["traces"].as_array().unwrap();
    let t = traces.iter().find(|t| t["name"] == "cmux-slm-2.6.0/h-cmux-at.atrace").expect("the SLM 2.6.0 CMUX session");
    assert_eq!(t["cmux"], true);
    let plain = traces.iter().find(|t| t["id"] == "mqtt-disconnect-reset").unwrap();
    assert_eq!(plain["cmux"], false);
    let id = t["id"].as_str().unwrap();
    let (status, v) = get(&st, &format!("/api/v1/traces/{id}/events?px=800")).await;
    assert_eq!(status, StatusCode::OK);
    let cmux = v["lanes"]["cmux"]["items"].as_array().unwrap();
    let labels: Vec<&str> = cmux.iter().map(|i| i["label"].as_str().unwrap()).collect();
    assert_eq!(labels, ["CMUX on", "SABM", "UA", "SABM", "UA", "SABM", "UA"]);
    assert!(v["lanes"]["ppp"]["items"].as_array().unwrap().is_empty());
    let host = v["lanes"]["host"]["items"].as_array().unwrap();
    assert_eq!(host.iter().filter(|i| i["type"] == "exchange").count(), 7, "the AT channel's exchanges");
    let (_, v) = get(&st, &format!("/api/v1/traces/{id}/rows?limit=200")).await;
    let rows = v["rows"].as_array().unwrap();
    let cfun = rows.iter().find(|r| r["text"].as_str().unwrap().starts_with("AT+CFUN=1")).unwrap();
    assert_eq!((cfun["dir"].as_str(), cfun["dlci"].as_u64()), (Some("host"), Some(1)));
    let sabm = rows.iter().find(|r| r["tag"] == "CMUX").unwrap();
    assert_eq!(sabm["dlci"], 0);
    assert!(rows.iter().filter(|r| r["text"] == "AT#XSLMVER").all(|r| r.get("dlci").is_none()), "plain before the mux");
}
