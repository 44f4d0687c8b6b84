//! The `/api/v1` handlers. Every response is JSON (or an SSE stream); every error is an
//! [`ApiError`]. The routes are listed in [`crate::app`] and documented in `web/README.md`.

use std::convert::Infallible;
use std::sync::Arc;

use atscope_analyzer::finding::Severity;
use atscope_analyzer::timeline::{Event, EventKind};
use axum::body::Body;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::IntoResponse;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use crate::error::ApiError;
use crate::render;
use crate::store::{self, Lane, LaneWindow, Origin, RowFilter, TraceEntry, TraceIndex};
use crate::upload;
use crate::AppState;

type ApiResult<T> = Result<T, ApiError>;

/// Most columns a window may ask for.
pub const MAX_PX: usize = 8192;
/// Most items per lane a window returns one by one.
pub const MAX_ITEMS: usize = 20_000;
/// Most transcript rows per page.
pub const MAX_ROWS: usize = 2_000;
/// Most bytes of an event shown in hex in the detail.
pub const MAX_RAW: usize = 64 * 1024;

fn entry(st: &AppState, id: &str) -> ApiResult<Arc<TraceEntry>> {
    st.store.get(id).ok_or_else(|| ApiError::no_trace(id))
}

/// Finding counts by severity.
#[derive(Serialize)]
pub struct FindingCounts {
    /// Notes.
    pub note: u64,
    /// Warnings.
    pub warning: u64,
    /// Errors.
    pub error: u64,
}

/// A trace in the list.
#[derive(Serialize)]
pub struct TraceInfo {
    /// The id used in URLs.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `file`, `upload`, `live` or `memory`.
    pub origin: Origin,
    /// Capture format.
    pub format: String,
    /// SLM version used to decode (`2.1.2`), or a Serial Modem's (`SM 1.0.1`); `(assumed)` after
    /// it when the trace did not say.
    pub slm: String,
    /// Whether events may still arrive (`/live` streams them).
    pub live: bool,
    /// First event time, ns.
    pub start_ns: i64,
    /// Last event end, ns.
    pub end_ns: i64,
    /// `end_ns - start_ns`.
    pub duration_ns: i64,
    /// Number of events.
    pub events: usize,
    /// Number of transcript rows.
    pub rows: usize,
    /// Exchanges.
    pub exchanges: u64,
    /// Exchanges with no final result.
    pub open: u64,
    /// Exchanges aborted by a reset.
    pub aborted: u64,
    /// Exchanges with an error result.
    pub errors: u64,
    /// URCs.
    pub urcs: u64,
    /// Resets.
    pub resets: u64,
    /// Findings by severity.
    pub findings: FindingCounts,
    /// The trace has CMUX frames or PPP (the viewer then shows the `cmux` and `ppp` lanes).
    pub cmux: bool,
}

/// What `GET /api/v1/traces` and `POST /api/v1/traces` answer for one trace.
pub fn trace_info(t: &TraceEntry) -> TraceInfo {
    let ix = t.index();
    let s = ix.summary();
    TraceInfo {
        id: t.meta.id.clone(),
        name: t.meta.name.clone(),
        origin: t.meta.origin,
        format: t.meta.format.clone(),
        slm: t.meta.slm.clone(),
        live: t.is_live(),
        start_ns: s.start_ns.unwrap_or(0),
        end_ns: s.end_ns.unwrap_or(0),
        duration_ns: s.duration_ns(),
        events: ix.events().len(),
        rows: ix.row_count(),
        exchanges: s.exchanges,
        open: s.open,
        aborted: s.aborted,
        errors: s.errors,
        urcs: s.urcs,
        resets: s.resets,
        findings: FindingCounts { note: s.findings[0], warning: s.findings[1], error: s.findings[2] },
        cmux: ix.lane_len(Lane::Cmux) + ix.lane_len(Lane::Ppp) > 0,
    }
}

/// `GET /api/v1/traces`.
pub async fn list_traces(State(st): State<AppState>) -> Json<Value> {
    let traces: Vec<TraceInfo> = st.store.list().iter().map(|t| trace_info(t)).collect();
    Json(serde_json::json!({ "traces": traces, "failed": st.store.failed(), "max_upload": st.max_upload }))
}

/// `GET /api/v1/traces/{id}`: the list entry plus importer notes and the names seen.
pub async fn get_trace(State(st): State<AppState>, id: Result<Path<String>, PathRejection>) -> ApiResult<Json<Value>> {
    let Path(id) = id?;
    let t = entry(&st, &id)?;
    let info = trace_info(&t);
    let names: Vec<Value> =
        t.index().names().map(|(n, k, c)| serde_json::json!({ "name": n, "type": k, "count": c })).collect();
    let mut v = serde_json::to_value(info).unwrap_or_default();
    v["notes"] = serde_json::json!(t.meta.notes);
    v["names"] = Value::Array(names);
    Ok(Json(v))
}

/// Query of `GET /api/v1/traces/{id}/events`.
#[derive(Deserialize)]
pub struct WindowQuery {
    /// Window start, ns (default: trace start).
    pub from: Option<i64>,
    /// Window end, ns (default: trace end).
    pub to: Option<i64>,
    /// Width in pixels = number of columns when aggregated (default 1000).
    pub px: Option<usize>,
    /// Most items per lane sent one by one (default `px`, at least 64).
    pub max_items: Option<usize>,
}

/// A timeline item as the window sends it.
#[derive(Serialize)]
pub struct ItemOut {
    seq: u64,
    t: i64,
    end: i64,
    #[serde(rename = "type")]
    kind: &'static str,
    label: String,
    level: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exchange: Option<u32>,
}

fn item_out(e: &Event) -> ItemOut {
    ItemOut {
        seq: e.seq,
        t: e.t_ns,
        end: e.end_ns.max(e.t_ns),
        kind: e.kind.type_name(),
        label: render::label(e),
        level: store::level(e),
        status: render::status(e),
        exchange: e.exchange(),
    }
}

fn lane_json(ix: &TraceIndex, w: LaneWindow<'_>) -> Value {
    match w {
        LaneWindow::Items(items) => {
            let items: Vec<ItemOut> = items.iter().map(|it| item_out(&ix.events()[it.idx as usize])).collect();
            serde_json::json!({ "mode": "items", "items": items })
        }
        LaneWindow::Buckets { bucket_ns, count, cover, level } => {
            serde_json::json!({ "mode": "buckets", "bucket_ns": bucket_ns, "count": count, "cover": cover, "level": level })
        }
    }
}

/// `GET /api/v1/traces/{id}/events?from=&to=&px=`: the window, per lane, with level of detail.
pub async fn window(
    State(st): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<WindowQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Path(id) = id?;
    let Query(q) = q?;
    let t = entry(&st, &id)?;
    let ix = t.index();
    let s = ix.summary();
    let from = q.from.unwrap_or(s.start_ns.unwrap_or(0));
    let to = q.to.unwrap_or(s.end_ns.unwrap_or(0)).max(from);
    let px = q.px.unwrap_or(1000);
    if px == 0 || px > MAX_PX {
        return Err(ApiError::bad_query(format!("px must be 1..={MAX_PX}")));
    }
    let max_items = q.max_items.unwrap_or(px.max(64)).min(MAX_ITEMS);
    let mut lanes = serde_json::Map::new();
    for lane in Lane::ALL {
        lanes.insert(lane.as_str().into(), lane_json(&ix, ix.window(lane, from, to, px, max_items)));
    }
    Ok(Json(serde_json::json!({ "from": from, "to": to, "px": px, "lanes": lanes })))
}

/// A transcript row.
#[derive(Serialize)]
pub struct RowOut {
    seq: u64,
    t: i64,
    end: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    dir: Option<&'static str>,
    #[serde(rename = "type")]
    kind: &'static str,
    tag: &'static str,
    text: String,
    level: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    exchange: Option<u32>,
    /// The CMUX channel of the event, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    dlci: Option<u8>,
}

/// The row of an event.
pub fn row_out(e: &Event) -> RowOut {
    RowOut {
        seq: e.seq,
        t: store::row_time(e),
        end: e.end_ns,
        dir: e.speaker(),
        kind: e.kind.type_name(),
        tag: render::tag(e),
        text: render::row_text(e),
        level: store::level(e),
        exchange: render::exchange_label(e),
        dlci: e.dlci,
    }
}

/// Query of `GET /api/v1/traces/{id}/rows`.
#[derive(Deserialize)]
pub struct RowsQuery {
    /// First row (default 0).
    pub offset: Option<usize>,
    /// Rows per page (default 200, at most 2000).
    pub limit: Option<usize>,
    /// Start at the first row at or after this time, ns (instead of `offset`).
    pub at: Option<i64>,
    /// Start at the row of this event (instead of `offset`).
    pub seq: Option<u64>,
    /// Case-insensitive text the row must contain.
    pub q: Option<String>,
    /// Command / URC / information line name (`+CEREG`).
    pub name: Option<String>,
    /// Comma-separated event types (`urc,command`).
    #[serde(rename = "type")]
    pub types: Option<String>,
}

fn row_filter(q: &RowsQuery) -> RowFilter {
    let nonempty = |s: &Option<String>| s.as_ref().map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    RowFilter {
        text: nonempty(&q.q),
        name: nonempty(&q.name),
        types: q
            .types
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
    }
}

/// `GET /api/v1/traces/{id}/rows`: the transcript, filtered and paged.
pub async fn rows(
    State(st): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<RowsQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Path(id) = id?;
    let Query(q) = q?;
    let t = entry(&st, &id)?;
    let filter = row_filter(&q);
    let limit = q.limit.unwrap_or(200).min(MAX_ROWS);
    // Filtering a large trace scans every row once (then it is cached): off the async workers.
    let rows = tokio::task::spawn_blocking(move || {
        let ix = t.index();
        let offset = match (q.seq, q.at) {
            (Some(seq), _) => ix.row_of(&filter, seq).ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, "row_not_found", format!("event {seq} has no row here"))
            })?,
            (None, Some(at)) => ix.row_at(&filter, at),
            (None, None) => q.offset.unwrap_or(0),
        };
        let (total, page) = ix.rows(&filter, offset, limit);
        let rows: Vec<RowOut> = page.into_iter().map(row_out).collect();
        Ok::<_, ApiError>(serde_json::json!({ "total": total, "offset": offset, "rows": rows }))
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))??;
    Ok(Json(rows))
}

fn finding_json(e: &Event) -> Value {
    match &e.kind {
        EventKind::Finding(f) => serde_json::json!({
            "seq": e.seq, "t": e.t_ns, "end": e.end_ns, "id": f.id, "severity": f.severity,
            "message": f.message, "help": f.help, "events": f.events,
        }),
        _ => Value::Null,
    }
}

/// Query of `GET /api/v1/traces/{id}/findings`.
#[derive(Deserialize)]
pub struct FindingsQuery {
    /// Comma-separated severities to keep (`warning,error`); all when absent.
    pub severity: Option<String>,
    /// Most findings returned (default 10000).
    pub limit: Option<usize>,
}

/// `GET /api/v1/traces/{id}/findings`: findings in time order.
pub async fn findings(
    State(st): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    q: Result<Query<FindingsQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let Path(id) = id?;
    let Query(q) = q?;
    let t = entry(&st, &id)?;
    let mut sev = Vec::new();
    for s in q.severity.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()) {
        sev.push(Severity::parse(s).ok_or_else(|| ApiError::bad_query(format!("unknown severity {s:?}")))?);
    }
    let ix = t.index();
    let all: Vec<&Event> = ix.findings(&sev).collect();
    let list: Vec<Value> = all.iter().take(q.limit.unwrap_or(10_000)).map(|e| finding_json(e)).collect();
    Ok(Json(serde_json::json!({ "total": all.len(), "findings": list })))
}

/// `GET /api/v1/traces/{id}/events/{seq}`: everything about one event.
pub async fn event_detail(
    State(st): State<AppState>,
    p: Result<Path<(String, u64)>, PathRejection>,
) -> ApiResult<Json<Value>> {
    let Path((id, seq)) = p?;
    let t = entry(&st, &id)?;
    let ix = t.index();
    let e = ix
        .by_seq(seq)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "event_not_found", format!("no event {seq} in {id:?}")))?;
    let raw = render::raw(e, MAX_RAW).map(|(hex, text, len, utf8)| {
        serde_json::json!({ "hex": hex, "text": text, "len": len, "utf8": utf8, "truncated": len > MAX_RAW })
    });
    // The meaning of the event itself, else of its command (for an exchange or a result).
    let related = ix.related(e);
    let meaning = e.meaning.clone();
    let about: Vec<RowOut> = match &e.kind {
        EventKind::Finding(f) => f.events.iter().filter_map(|s| ix.by_seq(*s)).map(row_out).collect(),
        _ => Vec::new(),
    };
    let findings: Vec<Value> = ix.findings_about(e).into_iter().map(finding_json).collect();
    Ok(Json(serde_json::json!({
        "event": e,
        "row": row_out(e),
        "label": render::label(e),
        "meaning": meaning,
        "t": e.t_ns,
        "end": e.end_ns,
        "latency_ns": render::latency(e),
        "raw": raw,
        "related": related.into_iter().map(|r| {
            let mut v = serde_json::to_value(row_out(r)).unwrap_or_default();
            v["meaning"] = serde_json::json!(r.meaning);
            v
        }).collect::<Vec<_>>(),
        "about": about,
        "findings": findings,
    })))
}

/// Query of `POST /api/v1/traces`.
#[derive(Deserialize)]
pub struct UploadQuery {
    /// The file name (shown in the list; the id is made from it).
    pub name: Option<String>,
}

/// `POST /api/v1/traces?name=FILE`: the body is a capture (`Content-Type:
/// application/octet-stream`), streamed to a temporary file and decoded by the same pipeline as
/// files given on the command line, within the server's budgets ([`crate::upload`]).
pub async fn upload(
    State(st): State<AppState>,
    q: Result<Query<UploadQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<impl IntoResponse> {
    let Query(q) = q?;
    let ct = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if ct.split(';').next().map(str::trim) != Some("application/octet-stream") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "bad_content_type",
            "send the capture as the body with Content-Type: application/octet-stream",
        ));
    }
    let max = st.max_upload as u64;
    // Refused before a byte of the body is read.
    let declared = headers.get(axum::http::header::CONTENT_LENGTH).and_then(|v| v.to_str().ok());
    if let Some(n) = declared {
        match n.trim().parse::<u64>() {
            Ok(n) if n > max => return Err(upload::too_large(max)),
            Ok(0) => {
                return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unreadable_capture", "the file is empty"))
            }
            Ok(_) => {}
            Err(_) => return Err(ApiError::new(StatusCode::BAD_REQUEST, "bad_body", "bad Content-Length")),
        }
    }
    let name = q.name.unwrap_or_else(|| "upload".into());
    let name: String = name.rsplit(['/', '\\']).next().unwrap_or("upload").chars().take(120).collect();
    let dir = st.upload_dir.clone().unwrap_or_else(std::env::temp_dir);
    let file = upload::receive(body, max, &st.limits, &dir).await?;
    let decoded = upload::decode(&st.decoder, &st.limits, &st.decode_slots, &st.import, file.path(), &name).await?;
    drop(file);
    let entry = st.store.add(&name, Origin::Upload, decoded);
    Ok((StatusCode::CREATED, Json(trace_info(&entry))))
}

/// `GET /api/v1/traces/{id}/live`: Server-Sent Events while a trace is recorded. Each new
/// timeline event is an SSE event `event` whose data is the row JSON; `lagged` (data: how many
/// were missed) tells the page to refetch; `end` closes the stream when the recording stops.
pub async fn live(
    State(st): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> ApiResult<Sse<impl futures_util::Stream<Item = Result<SseEvent, Infallible>>>> {
    let Path(id) = id?;
    let t = entry(&st, &id)?;
    let rx = t.subscribe().ok_or_else(|| {
        ApiError::new(StatusCode::CONFLICT, "not_live", format!("trace {id:?} is not being recorded"))
    })?;
    let stream = futures_util::stream::unfold((rx, false), |(mut rx, done)| async move {
        if done {
            return None;
        }
        let msg = match rx.recv().await {
            Ok(e) if e.seq == u64::MAX => return Some((Ok(SseEvent::default().event("end").data("end")), (rx, true))),
            Ok(e) => {
                let mut v = serde_json::to_value(row_out(&e)).unwrap_or_default();
                v["label"] = Value::String(render::label(&e));
                SseEvent::default().event("event").data(v.to_string())
            }
            Err(RecvError::Lagged(n)) => SseEvent::default().event("lagged").data(n.to_string()),
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(msg), (rx, false)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
