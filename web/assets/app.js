// atscope viewer: a timeline of one trace on a canvas, a transcript, findings and a detail panel.
// Hand-written, no framework, no network beyond this server's /api/v1.
// Every string that comes from a device goes into the page with textContent, never as markup.
'use strict';

(() => {
  const API = '/api/v1';
  const $ = (id) => document.getElementById(id);
  const RH = 20; // transcript row height, px
  const PAGE = 200; // transcript rows per request
  const MAX_SCROLL_PX = 4e6; // beyond this the transcript scrolls proportionally
  const GUTTER = 64; // lane label width on the timeline, px
  const RULER = 22;
  // The API's `slm` is "2.1.2" for an SLM and "SM 1.0.1" for a Serial Modem (its own numbers).
  const firmwareName = (slm) => (slm.startsWith('SM ') ? 'Serial Modem ' + slm.slice(3) : 'SLM ' + slm);
  // A log line that starts a crash dump (Zephyr's fault, fatal-error and assertion texts).
  const CRASH_TEXT = /^(\*{5} .* \*{5}|>>> ZEPHYR FATAL ERROR|ASSERTION FAIL)/;
  const ALL_LANES = [
    { key: 'findings', label: 'findings', h: 34 },
    { key: 'host', label: 'host', h: 58 },
    { key: 'modem', label: 'modem', h: 58 },
    // A CMUX link's control channel (DLCI 0), dropped frames, the mux going up or down, and its
    // PPP channel: shown only for a trace that has them (the AT channel is in host and modem).
    { key: 'cmux', label: 'CMUX', h: 34, mux: true },
    { key: 'ppp', label: 'PPP', h: 40, mux: true },
    { key: 'log', label: 'log', h: 40 }, // the SLM's own log, when the trace has one
  ];
  let LANES = ALL_LANES.filter((l) => !l.mux);
  // The lanes of a trace, and the timeline's height to hold them.
  function setLanes(info) {
    LANES = ALL_LANES.filter((l) => !l.mux || (info && info.cmux));
    $('timeline').style.height = `${RULER + LANES.reduce((a, l) => a + l.h, 0) + 4}px`;
  }
  const COLORS = {
    ok: '#2f6fb3', error: '#cc2b2b', aborted: '#8e1b1b', open: '#d98e04',
    urc: '#c27c0e', info: '#9aa3ad', final: '#6f7a86', text: '#8a8f94', payload: '#7a4fb0',
    garbage: '#c0399e', condition: '#c0399e', reset: '#cc2b2b', data_mode: '#7a4fb0', mark: '#333',
    cmux: '#2a9cb8', cmux_state: '#333', cmux_stray: '#c0399e', ppp: '#7a4fb0',
    sev: ['#8a8f94', '#2a9cb8', '#d98e04', '#cc2b2b'], grid: '#eceef0', label: '#6b6f73', sel: '#f5b800',
  };

  // ---- state -------------------------------------------------------------------------------
  const S = {
    traces: [], failed: [], maxUpload: 0, trace: null, info: null,
    view: { from: 0, to: 1 }, win: null, overview: null, sel: null, selItem: null,
    findings: [], filter: { q: '', name: '', type: '' },
    rows: { total: 0, pages: new Map(), first: 0, pending: new Map(), gen: 0 },
    live: null,
  };
  // Exposed for tests and the benchmark: what was drawn, and when the first draw happened.
  const stats = { draws: 0, firstDrawMs: null, drawn: { findings: 0, host: 0, modem: 0, log: 0, cmux: 0, ppp: 0 }, crashes: 0, buckets: 0, lastError: null };
  window.atscope = { stats, state: S };

  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };
  const clear = (e) => { while (e.firstChild) e.removeChild(e.firstChild); };

  async function getJSON(url, opts) {
    const r = await fetch(url, opts);
    let body = null;
    try { body = await r.json(); } catch (_) { /* not JSON */ }
    if (!r.ok) {
      const msg = body && body.error ? body.error.message : `${r.status} ${r.statusText}`;
      throw new Error(msg);
    }
    return body;
  }

  function status(msg, isError) {
    const s = $('status');
    s.textContent = msg;
    s.classList.toggle('error-text', !!isError);
    if (isError) stats.lastError = msg;
  }

  // ---- time formatting -----------------------------------------------------------------------
  function secs(ns) { // 12.345678, like the terminal view
    const sign = ns < 0 ? '-' : '';
    const a = Math.abs(ns);
    const s = Math.floor(a / 1e9);
    const us = Math.floor((a % 1e9) / 1e3);
    return `${sign}${s}.${String(us).padStart(6, '0')}`;
  }
  function dur(ns) {
    if (ns === null || ns === undefined) return '';
    const a = Math.abs(ns);
    if (a >= 60e9) return `${(ns / 60e9).toFixed(2)} min`;
    if (a >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
    if (a >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
    if (a >= 1e3) return `${(ns / 1e3).toFixed(3)} µs`;
    return `${ns} ns`;
  }
  const UNITS = [[60e9, 'min'], [1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];
  function tickLabel(t, step) {
    let [scale, unit] = UNITS.find(([u]) => step >= u) || [1, 'ns'];
    if (unit === 'min' && step < 60e9) { scale = 1e9; unit = 's'; }
    const dec = Math.max(0, Math.min(6, -Math.floor(Math.log10(step / scale) + 1e-9)));
    return `${(t / scale).toFixed(dec)} ${unit}`;
  }
  function niceStep(raw) {
    const p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1))));
    for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
    return 10 * p;
  }

  // ---- deep links ----------------------------------------------------------------------------
  function readHash() {
    const h = new URLSearchParams(location.hash.replace(/^#/, ''));
    const num = (k) => (h.has(k) && h.get(k) !== '' && isFinite(Number(h.get(k))) ? Number(h.get(k)) : null);
    return { trace: h.get('trace'), from: num('from'), to: num('to'), sel: num('sel'), q: h.get('q') || '' };
  }
  let hashTimer = null;
  function writeHash() {
    clearTimeout(hashTimer);
    hashTimer = setTimeout(() => {
      if (!S.trace) return;
      const h = new URLSearchParams();
      h.set('trace', S.trace);
      h.set('from', String(Math.round(S.view.from)));
      h.set('to', String(Math.round(S.view.to)));
      if (S.sel !== null) h.set('sel', String(S.sel));
      if (S.filter.q) h.set('q', S.filter.q);
      const next = '#' + h.toString();
      if (location.hash !== next) history.replaceState(null, '', next);
    }, 250);
  }

  // ---- trace list ----------------------------------------------------------------------------
  async function loadTraceList() {
    const r = await getJSON(`${API}/traces`);
    S.traces = r.traces;
    S.failed = r.failed || [];
    S.maxUpload = r.max_upload || 0;
    renderTraceList();
  }
  function renderTraceList() {
    const ul = $('trace-list');
    clear(ul);
    for (const t of S.traces) {
      const li = el('li');
      li.dataset.id = t.id;
      if (t.id === S.trace) li.classList.add('active');
      const cut = t.name.lastIndexOf('/');
      li.appendChild(el('div', 'trace-name', t.name.slice(cut + 1)));
      li.title = t.name;
      const f = t.findings;
      const meta = el('div', 'trace-meta',
        `${cut > 0 ? t.name.slice(0, cut) + ' · ' : ''}${dur(t.duration_ns)} · ${t.exchanges} exch · ${t.urcs} URC · ${t.resets} reset${t.live ? ' · live' : ''}`);
      ul.appendChild(li);
      li.appendChild(meta);
      const fl = el('div', 'trace-meta');
      for (const [k, n] of [['error', f.error], ['warning', f.warning], ['note', f.note]]) {
        if (n > 0) { fl.appendChild(el('span', `sev sev-${k}`, `${n} ${k}`)); fl.appendChild(document.createTextNode(' ')); }
      }
      if (f.error + f.warning + f.note === 0) fl.textContent = 'no findings';
      li.appendChild(fl);
      li.addEventListener('click', () => openTrace(t.id, null));
    }
    // Captures that could not be loaded: listed with their error, not openable.
    for (const f of S.failed || []) {
      const li = el('li', 'trace-failed');
      const cut = f.name.lastIndexOf('/');
      li.appendChild(el('div', 'trace-name', f.name.slice(cut + 1)));
      li.title = f.name;
      li.appendChild(el('div', 'trace-meta trace-error', f.error));
      ul.appendChild(li);
    }
  }

  // ---- opening a trace -----------------------------------------------------------------------
  async function openTrace(id, link) {
    if (S.live) { S.live.close(); S.live = null; }
    S.trace = id;
    S.sel = null; S.selItem = null; S.win = null; S.overview = null;
    renderTraceList();
    let info;
    try {
      info = await getJSON(`${API}/traces/${encodeURIComponent(id)}`);
    } catch (e) {
      status(`Cannot open trace: ${e.message}`, true);
      return;
    }
    S.info = info;
    setLanes(info);
    $('trace-title').textContent = `${info.name}  ·  ${info.format}${info.slm ? '  ·  ' + firmwareName(info.slm) : ''}`;
    fillNames(info.names || []);
    const span = Math.max(info.end_ns - info.start_ns, 1000);
    const pad = span * 0.01;
    S.view = { from: info.start_ns - pad, to: info.end_ns + pad };
    if (link && link.from !== null && link.to !== null && link.to > link.from) S.view = { from: link.from, to: link.to };
    if (link && link.q) { S.filter.q = link.q; $('search').value = link.q; }
    status(`${info.events} events · ${info.exchanges} exchanges (${info.errors} error, ${info.aborted} aborted, ${info.open} open) · ` +
      `${info.urcs} URCs · ${info.resets} resets · findings: ${info.findings.error} error, ${info.findings.warning} warning, ` +
      `${info.findings.note} note${(info.notes || []).length ? ' · ' + info.notes.join('; ') : ''}`);
    resetRows();
    await Promise.all([fetchOverview(), fetchWindow(), loadFindings()]);
    if (link && link.sel !== null) select(link.sel, { center: !(link.from !== null) });
    else { clear($('detail-body')); $('detail-body').appendChild(el('p', 'muted', 'Select an exchange, a URC or a finding.')); }
    writeHash();
    if (info.live) startLive(id);
  }

  function fillNames(names) {
    const sel = $('name-filter');
    const keep = S.filter.name;
    clear(sel);
    sel.appendChild(new Option('all names', ''));
    for (const n of names) sel.appendChild(new Option(`${n.name}  (${n.type}, ${n.count})`, n.name));
    sel.value = names.some((n) => n.name === keep) ? keep : '';
    S.filter.name = sel.value;
  }

  // ---- windows and the overview --------------------------------------------------------------
  const tl = $('timeline'), ov = $('overview');
  function canvasSize(c) {
    const r = c.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(r.width)), h = Math.max(1, Math.round(r.height));
    if (c.width !== w * dpr || c.height !== h * dpr) { c.width = w * dpr; c.height = h * dpr; }
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { ctx, w, h };
  }
  function winURL(from, to, px) {
    return `${API}/traces/${encodeURIComponent(S.trace)}/events?from=${Math.floor(from)}&to=${Math.ceil(to)}&px=${Math.max(1, Math.round(px))}`;
  }
  async function fetchOverview() {
    if (!S.info) return;
    const w = ov.getBoundingClientRect().width || 800;
    const span = Math.max(S.info.end_ns - S.info.start_ns, 1000);
    const from = S.info.start_ns - span * 0.01, to = S.info.end_ns + span * 0.01;
    const id = S.trace;
    const r = await getJSON(winURL(from, to, w - GUTTER)).catch((e) => { status(e.message, true); return null; });
    if (r && id === S.trace) { S.overview = r; drawOverview(); }
  }
  let inflight = false, again = false;
  async function fetchWindow() {
    if (!S.trace) return;
    if (inflight) { again = true; return; }
    inflight = true;
    try {
      do {
        again = false;
        const id = S.trace, v = { ...S.view };
        const w = tl.getBoundingClientRect().width || 800;
        const r = await getJSON(winURL(v.from, v.to, w - GUTTER));
        if (id === S.trace) { S.win = r; draw(); }
      } while (again);
    } catch (e) {
      status(`Cannot load the window: ${e.message}`, true);
    } finally {
      inflight = false;
    }
  }
  let viewTimer = null;
  function viewChanged(source) {
    draw();
    drawOverview();
    fetchWindow();
    writeHash();
    clearTimeout(viewTimer);
    viewTimer = setTimeout(() => { if (source !== 'transcript') syncTranscriptToView(); markInView(); }, 120);
  }
  function setView(from, to, source) {
    const min = 1000; // 1 µs
    if (to - from < min) { const c = (from + to) / 2; from = c - min / 2; to = c + min / 2; }
    if (S.info) {
      const span = Math.max(S.info.end_ns - S.info.start_ns, 1000);
      const lo = S.info.start_ns - span * 0.05, hi = S.info.end_ns + span * 0.05;
      if (to - from > hi - lo) { from = lo; to = hi; }
      if (from < lo) { to += lo - from; from = lo; }
      if (to > hi) { from -= to - hi; to = hi; }
    }
    S.view = { from, to };
    viewChanged(source);
  }
  function fitAll() {
    if (!S.info) return;
    const span = Math.max(S.info.end_ns - S.info.start_ns, 1000);
    setView(S.info.start_ns - span * 0.01, S.info.end_ns + span * 0.01);
  }
  function centerOn(t, keepSpan) {
    const span = keepSpan || (S.view.to - S.view.from);
    setView(t - span / 2, t + span / 2);
  }

  // ---- drawing the timeline ------------------------------------------------------------------
  let hits = []; // {x0, x1, y0, y1, item}
  function laneTop(i) { let y = RULER; for (let k = 0; k < i; k++) y += LANES[k].h; return y; }
  function draw() {
    const t0 = performance.now();
    drawTimeline();
    const ms = performance.now() - t0;
    stats.drawMs = ms;
    stats.drawMsMax = Math.max(stats.drawMsMax || 0, ms);
  }
  function drawTimeline() {
    const { ctx, w, h } = canvasSize(tl);
    const v = S.view;
    const span = v.to - v.from;
    const W = w - GUTTER;
    const X = (t) => GUTTER + ((t - v.from) / span) * W;
    ctx.clearRect(0, 0, w, h);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    // lanes background and labels
    LANES.forEach((l, i) => {
      const y = laneTop(i);
      ctx.fillStyle = i % 2 ? '#fbfbfa' : '#ffffff';
      ctx.fillRect(0, y, w, l.h);
      ctx.fillStyle = '#f0f1f2';
      ctx.fillRect(0, y, GUTTER - 4, l.h);
      ctx.fillStyle = COLORS.label;
      ctx.fillText(l.label, 6, y + l.h / 2);
      ctx.strokeStyle = COLORS.grid;
      ctx.beginPath(); ctx.moveTo(0, y + 0.5); ctx.lineTo(w, y + 0.5); ctx.stroke();
    });
    // ruler and grid
    const step = niceStep((span / W) * 110);
    ctx.fillStyle = '#f4f5f6';
    ctx.fillRect(0, 0, w, RULER);
    ctx.fillStyle = COLORS.label;
    ctx.textAlign = 'left';
    for (let t = Math.ceil(v.from / step) * step; t <= v.to; t += step) {
      const x = Math.round(X(t)) + 0.5;
      if (x < GUTTER) continue;
      if (x + 3 + ctx.measureText(tickLabel(t, step)).width > w) continue;
      ctx.strokeStyle = COLORS.grid;
      ctx.beginPath(); ctx.moveTo(x, RULER); ctx.lineTo(x, h); ctx.stroke();
      ctx.strokeStyle = '#9aa3ad';
      ctx.beginPath(); ctx.moveTo(x, RULER - 6); ctx.lineTo(x, RULER); ctx.stroke();
      ctx.fillText(tickLabel(t, step), x + 3, RULER / 2);
    }
    ctx.fillStyle = COLORS.label;
    ctx.fillStyle = '#f4f5f6';
    ctx.fillRect(0, 0, GUTTER - 4, RULER);
    ctx.fillStyle = COLORS.label;
    ctx.fillText(dur(span), 4, RULER / 2);
    hits = [];
    stats.drawn = { findings: 0, host: 0, modem: 0, log: 0, cmux: 0, ppp: 0 };
    stats.crashes = 0;
    stats.buckets = 0;
    if (!S.win) return;
    ctx.save();
    ctx.beginPath(); ctx.rect(GUTTER, RULER, W, h - RULER); ctx.clip();
    // Resets first: a line through both device lanes.
    LANES.forEach((l, i) => {
      const lane = S.win.lanes[l.key];
      if (!lane) return;
      const y = laneTop(i);
      if (lane.mode === 'buckets') drawBuckets(ctx, lane, S.win, y, l, X);
      else drawItems(ctx, lane.items, l.key, y, l.h, X, w);
    });
    ctx.restore();
    stats.draws++;
    if (stats.firstDrawMs === null) {
      stats.firstDrawMs = performance.now();
      document.documentElement.dataset.firstDraw = String(stats.firstDrawMs);
    }
  }

  function drawBuckets(ctx, lane, win, y, l, X) {
    const n = lane.count.length;
    let max = 1;
    for (const c of lane.count) if (c > max) max = c;
    const scale = Math.log2(max + 1);
    for (let i = 0; i < n; i++) {
      const t0 = win.from + i * lane.bucket_ns;
      const x0 = X(t0), x1 = X(t0 + lane.bucket_ns);
      const bw = Math.max(1, x1 - x0);
      if (lane.cover[i] > 0) {
        ctx.fillStyle = 'rgba(47,111,179,0.18)';
        ctx.fillRect(x0, y + l.h / 2 - 9, bw, 18);
      }
      const c = lane.count[i];
      if (c === 0 && lane.level[i] === 0) continue;
      stats.buckets++;
      const hh = Math.max(2, (Math.log2(c + 1) / scale) * (l.h - 10));
      const lvl = lane.level[i];
      ctx.fillStyle = lvl >= 2 ? COLORS.sev[lvl] : (l.key === 'modem' ? COLORS.urc : l.key === 'host' ? COLORS.ok : COLORS.sev[1]);
      ctx.globalAlpha = lvl >= 2 ? 0.95 : 0.7;
      ctx.fillRect(x0, y + l.h - 4 - hh, bw, hh);
      ctx.globalAlpha = 1;
      hits.push({ x0, x1: x0 + bw, y0: y, y1: y + l.h, bucket: { t0, t1: t0 + lane.bucket_ns, count: c, lane: l.key } });
      stats.drawn[l.key]++;
    }
  }

  function itemColor(it) {
    if (it.type === 'exchange') return COLORS[it.status] || COLORS.ok;
    if (it.type === 'finding') return COLORS.sev[it.level];
    if (it.type === 'log') return it.level >= 3 ? COLORS.error : it.level === 2 ? COLORS.open : COLORS.text;
    if (it.type === 'final') return it.status === 'error' ? COLORS.error : COLORS.final;
    return COLORS[it.type] || '#555';
  }

  function drawItems(ctx, items, key, y, hgt, X, w) {
    const mid = y + hgt / 2;
    const labels = []; // drawn after the shapes, left to right, without overlaps
    let lastCrash = -Infinity; // the lines of one crash dump get one marker
    const sorted = key === 'modem' ? items.slice().sort((a, b) => (a.type === 'reset') - (b.type === 'reset')) : items;
    for (const it of sorted) {
      const x0 = X(it.t), x1 = X(it.end);
      const c = itemColor(it);
      const selected = S.sel === it.seq;
      let box;
      if (key === 'findings') {
        const cx = x0;
        if (x1 - x0 > 3) { ctx.fillStyle = c; ctx.globalAlpha = 0.3; ctx.fillRect(x0, mid - 3, x1 - x0, 6); ctx.globalAlpha = 1; }
        // A thin guide through the device lanes so the finding lines up with what it is about.
        ctx.strokeStyle = c; ctx.globalAlpha = 0.45; ctx.setLineDash([3, 3]);
        ctx.beginPath(); ctx.moveTo(cx + 0.5, y + hgt); ctx.lineTo(cx + 0.5, y + hgt + LANES[1].h + LANES[2].h); ctx.stroke();
        ctx.setLineDash([]); ctx.globalAlpha = 1;
        ctx.fillStyle = c;
        ctx.beginPath();
        if (it.type === 'mark') { ctx.rect(cx - 1, y + 4, 2, hgt - 8); }
        else { ctx.moveTo(cx, mid - 9); ctx.lineTo(cx + 8, mid); ctx.lineTo(cx, mid + 9); ctx.lineTo(cx - 8, mid); ctx.closePath(); }
        ctx.fill();
        if (selected) { ctx.strokeStyle = COLORS.sel; ctx.lineWidth = 3; ctx.stroke(); ctx.lineWidth = 1; }
        box = [cx - 9, Math.max(cx + 9, x1), y, y + hgt];
        labels.push({ x: cx + 11, y: mid, text: it.label, color: '#333', seq: it.seq });
      } else if (it.type === 'exchange' || (it.end > it.t && x1 - x0 >= 2)) {
        const bx = x0, bw = Math.max(3, x1 - x0);
        ctx.fillStyle = c;
        ctx.globalAlpha = it.type === 'exchange' ? 0.85 : 0.6;
        ctx.fillRect(bx, mid - 9, bw, 18);
        ctx.globalAlpha = 1;
        if (it.type === 'exchange') ctx.fillRect(bx, mid - 13, 2, 26); // the command's moment
        if (selected) { ctx.strokeStyle = COLORS.sel; ctx.lineWidth = 3; ctx.strokeRect(bx - 1.5, mid - 10.5, bw + 3, 21); ctx.lineWidth = 1; }
        const tw = ctx.measureText(it.label).width;
        if (bw > tw + 8) labels.push({ x: bx + 4, y: mid, text: it.label, color: '#fff', inside: bx + bw });
        else labels.push({ x: bx + bw + 3, y: mid, text: it.label, color: '#333', seq: it.seq });
        box = [bx - 2, bx + bw + 2, mid - 12, mid + 12];
      } else if (it.type === 'reset') {
        ctx.strokeStyle = COLORS.reset; ctx.lineWidth = 2;
        const top = laneTop(1);
        ctx.beginPath(); ctx.moveTo(x0, top); ctx.lineTo(x0, y + hgt); ctx.stroke();
        ctx.lineWidth = 1;
        ctx.fillStyle = COLORS.reset;
        ctx.beginPath(); ctx.moveTo(x0 - 6, y + hgt - 2); ctx.lineTo(x0 + 6, y + hgt - 2); ctx.lineTo(x0, y + hgt - 12); ctx.closePath(); ctx.fill();
        ctx.font = 'bold 11px system-ui, sans-serif';
        ctx.fillText('RESET', x0 + 5, top + 9);
        ctx.font = '11px system-ui, sans-serif';
        if (selected) { ctx.strokeStyle = COLORS.sel; ctx.lineWidth = 3; ctx.strokeRect(x0 - 7, top, 14, y + hgt - top); ctx.lineWidth = 1; }
        box = [x0 - 6, x0 + 6, top, y + hgt];
      } else if (it.type === 'log' && CRASH_TEXT.test(it.label) && !(it.t - lastCrash < 1e9)) {
        // The crash marker, at the dump's first line: a red flag in the log lane, with the word.
        lastCrash = it.t;
        ctx.fillStyle = COLORS.error;
        ctx.fillRect(x0 - 1, y + 3, 3, hgt - 6);
        ctx.beginPath(); ctx.moveTo(x0 + 2, y + 3); ctx.lineTo(x0 + 14, y + 8); ctx.lineTo(x0 + 2, y + 13); ctx.closePath(); ctx.fill();
        ctx.font = 'bold 11px system-ui, sans-serif';
        ctx.fillText('CRASH', x0 + 5, y + hgt - 8);
        ctx.font = '11px system-ui, sans-serif';
        if (selected) { ctx.strokeStyle = COLORS.sel; ctx.lineWidth = 3; ctx.strokeRect(x0 - 4, y + 1, 20, hgt - 2); ctx.lineWidth = 1; }
        box = [x0 - 4, x0 + 16, y + 1, y + hgt - 1];
        stats.crashes++;
      } else {
        const tall = it.type === 'urc' || it.type === 'garbage' || it.type === 'condition' || it.type === 'text' || (it.type === 'log' && it.level >= 2)
          || it.type === 'ppp' || it.type === 'cmux_state' || it.type === 'cmux_stray' || (it.type === 'cmux' && it.level >= 2);
        const th = tall ? 30 : 16;
        ctx.strokeStyle = c; ctx.lineWidth = tall ? 2 : 1.5;
        ctx.beginPath(); ctx.moveTo(x0, mid + th / 2); ctx.lineTo(x0, mid - th / 2); ctx.stroke();
        ctx.lineWidth = 1;
        if (tall) { ctx.fillStyle = c; ctx.beginPath(); ctx.arc(x0, mid - th / 2, 3, 0, 7); ctx.fill(); }
        if (selected) { ctx.strokeStyle = COLORS.sel; ctx.lineWidth = 3; ctx.strokeRect(x0 - 4, mid - th / 2 - 4, 8, th + 8); ctx.lineWidth = 1; }
        if (tall) labels.push({ x: x0 + 5, y: mid - th / 2 + 2, text: it.label, color: '#444', seq: it.seq });
        box = [x0 - 4, x0 + 4, mid - th / 2 - 4, mid + th / 2 + 2];
      }
      stats.drawn[key]++;
      hits.push({ x0: box[0], x1: box[1], y0: box[2], y1: box[3], item: it });
    }
    labels.sort((a, b) => a.x - b.x);
    // Point markers (not spans) that a label must not cover, sorted by x.
    // Shapes a label drawn beside its own shape must not cover (result ticks do not count).
    const marks = hits.filter((hh) => hh.item && hh.y0 < y + hgt && hh.y1 > y && hh.item.type !== 'info' && hh.item.type !== 'final')
      .map((hh) => [hh.x0, hh.x1, hh.item.seq]).sort((a, b) => a[0] - b[0]);
    const covers = (x0, x1, own) => {
      for (const m of marks) {
        if (m[0] > x1) break;
        if (m[2] !== own && m[1] >= x0) return true;
      }
      return false;
    };
    let lastEnd = -1e9;
    for (const l of labels) {
      const tw = ctx.measureText(l.text).width;
      if (l.x < lastEnd || l.x + tw > w) continue;
      if (l.inside === undefined && covers(l.x, l.x + tw, l.seq)) continue;
      if (l.inside === undefined) { // outside a shape: a halo keeps it legible over the lane
        ctx.strokeStyle = 'rgba(255,255,255,0.9)'; ctx.lineWidth = 3; ctx.strokeText(l.text, l.x, l.y); ctx.lineWidth = 1;
      }
      ctx.fillStyle = l.color;
      ctx.fillText(l.text, l.x, l.y);
      lastEnd = l.x + tw + 6;
    }
  }

  function drawOverview() {
    const { ctx, w, h } = canvasSize(ov);
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = '#e4e7ea';
    ctx.fillRect(0, 0, GUTTER - 4, h);
    ctx.fillStyle = COLORS.label;
    ctx.font = '10px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.fillText('overview', 6, h / 2);
    const o = S.overview;
    if (!o) return;
    const W = w - GUTTER;
    const X = (t) => GUTTER + ((t - o.from) / (o.to - o.from)) * W;
    const rowsY = { host: [4, 16], modem: [22, 16] };
    for (const key of ['host', 'modem']) {
      const lane = o.lanes[key];
      const [y0, hh] = rowsY[key];
      ctx.fillStyle = key === 'host' ? COLORS.ok : COLORS.urc;
      if (lane.mode === 'buckets') {
        let max = 1; for (const c of lane.count) max = Math.max(max, c);
        for (let i = 0; i < lane.count.length; i++) {
          const c = lane.count[i] + (lane.cover[i] > 0 ? 1 : 0);
          if (!c) continue;
          const a = Math.log2(c + 1) / Math.log2(max + 2);
          ctx.globalAlpha = 0.25 + 0.75 * a;
          ctx.fillStyle = lane.level[i] >= 3 ? COLORS.error : key === 'host' ? COLORS.ok : COLORS.urc;
          ctx.fillRect(X(o.from + i * lane.bucket_ns), y0, Math.max(1, W / lane.count.length), hh);
        }
        ctx.globalAlpha = 1;
      } else {
        for (const it of lane.items) {
          ctx.fillStyle = it.level >= 3 ? COLORS.error : key === 'host' ? COLORS.ok : COLORS.urc;
          ctx.fillRect(X(it.t), y0, Math.max(1, X(it.end) - X(it.t)), hh);
        }
      }
    }
    // findings on top, full height
    const f = o.lanes.findings;
    if (f.mode === 'buckets') {
      for (let i = 0; i < f.count.length; i++) {
        if (!f.level[i]) continue;
        ctx.fillStyle = COLORS.sev[f.level[i]];
        ctx.fillRect(X(o.from + i * f.bucket_ns), 0, 2, h);
      }
    } else {
      for (const it of f.items) { ctx.fillStyle = COLORS.sev[it.level]; ctx.fillRect(X(it.t) - 1, 0, 2, h); }
    }
    // the visible window
    const x0 = Math.max(GUTTER, X(S.view.from)), x1 = Math.min(w, X(S.view.to));
    ctx.fillStyle = 'rgba(20,40,80,0.12)';
    ctx.fillRect(x0, 0, Math.max(2, x1 - x0), h);
    ctx.strokeStyle = '#2f6fb3'; ctx.lineWidth = 1.5;
    ctx.strokeRect(x0 + 0.5, 0.5, Math.max(2, x1 - x0) - 1, h - 1);
    ctx.lineWidth = 1;
  }

  // ---- timeline interaction ------------------------------------------------------------------
  const tip = $('tooltip');
  function tFromX(x) {
    const r = tl.getBoundingClientRect();
    const W = r.width - GUTTER;
    return S.view.from + ((x - GUTTER) / W) * (S.view.to - S.view.from);
  }
  tl.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const r = tl.getBoundingClientRect();
    const x = Math.max(GUTTER, ev.clientX - r.left);
    const t = tFromX(x);
    const k = Math.exp((ev.deltaMode === 1 ? ev.deltaY * 16 : ev.deltaY) * 0.0015);
    if (ev.shiftKey) { // pan
      const d = (S.view.to - S.view.from) * (ev.deltaY > 0 ? 0.1 : -0.1);
      setView(S.view.from + d, S.view.to + d);
      return;
    }
    setView(t - (t - S.view.from) * k, t + (S.view.to - t) * k);
  }, { passive: false });
  let drag = null;
  tl.addEventListener('mousedown', (ev) => {
    if (ev.button !== 0) return;
    drag = { x: ev.clientX, from: S.view.from, to: S.view.to, moved: false };
    tl.classList.add('dragging');
  });
  window.addEventListener('mousemove', (ev) => {
    if (drag) {
      const dx = ev.clientX - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (drag.moved) {
        const W = tl.getBoundingClientRect().width - GUTTER;
        const dt = (dx / W) * (drag.to - drag.from);
        setView(drag.from - dt, drag.to - dt);
      }
      return;
    }
    if (ev.target === tl) hover(ev);
  });
  window.addEventListener('mouseup', (ev) => {
    if (!drag) return;
    const d = drag;
    drag = null;
    tl.classList.remove('dragging');
    if (!d.moved) clickAt(ev);
  });
  tl.addEventListener('mouseleave', () => { tip.hidden = true; });
  function hitAt(ev) {
    const r = tl.getBoundingClientRect();
    const x = ev.clientX - r.left, y = ev.clientY - r.top;
    let best = null, bd = 1e9;
    for (const hh of hits) {
      if (y < hh.y0 || y > hh.y1 || x < hh.x0 - 3 || x > hh.x1 + 3) continue;
      const d = x < hh.x0 ? hh.x0 - x : x > hh.x1 ? x - hh.x1 : 0;
      // Prefer small targets (ticks, markers) over the spans they sit on.
      const score = d * 100 + (hh.x1 - hh.x0);
      if (score < bd) { bd = score; best = hh; }
    }
    return { hit: best, x, y };
  }
  function hover(ev) {
    const { hit, x, y } = hitAt(ev);
    if (!hit) { tip.hidden = true; return; }
    let text;
    if (hit.bucket) text = `${hit.bucket.count} ${hit.bucket.lane} events\n${secs(hit.bucket.t0)} – ${secs(hit.bucket.t1)} s\nclick to zoom in`;
    else {
      const it = hit.item;
      text = `${it.type}${it.status ? ' (' + it.status + ')' : ''}: ${it.label}\nt = ${secs(it.t)} s` +
        (it.end > it.t ? `\nduration ${dur(it.end - it.t)}` : '');
    }
    tip.textContent = text;
    tip.hidden = false;
    const w = tl.getBoundingClientRect().width;
    tip.style.left = `${Math.min(x + 12, w - 260)}px`;
    tip.style.top = `${y + 14}px`;
  }
  function clickAt(ev) {
    const { hit } = hitAt(ev);
    if (!hit) return;
    if (hit.bucket) {
      const c = (hit.bucket.t0 + hit.bucket.t1) / 2;
      const span = (S.view.to - S.view.from) / 10;
      setView(c - span / 2, c + span / 2);
      return;
    }
    select(hit.item.seq, { center: false });
  }
  // overview: click or drag to move the window
  let ovDrag = false;
  function ovMove(ev) {
    if (!S.overview) return;
    const r = ov.getBoundingClientRect();
    const W = r.width - GUTTER;
    const t = S.overview.from + ((ev.clientX - r.left - GUTTER) / W) * (S.overview.to - S.overview.from);
    centerOn(t);
  }
  ov.addEventListener('mousedown', (ev) => { ovDrag = true; ovMove(ev); });
  window.addEventListener('mousemove', (ev) => { if (ovDrag) ovMove(ev); });
  window.addEventListener('mouseup', () => { ovDrag = false; });

  // ---- selection and the detail panel --------------------------------------------------------
  async function select(seq, opts) {
    opts = opts || {};
    S.sel = seq;
    draw();
    markSelectedRow();
    writeHash();
    let d;
    try {
      d = await getJSON(`${API}/traces/${encodeURIComponent(S.trace)}/events/${seq}`);
    } catch (e) {
      status(`Cannot load event ${seq}: ${e.message}`, true);
      return;
    }
    if (S.sel !== seq) return;
    renderDetail(d);
    const t = d.t, end = Math.max(d.end, d.t);
    if (opts.center || t > S.view.to || end < S.view.from) {
      const span = S.view.to - S.view.from;
      const want = Math.max(span, (end - t) * 1.4);
      centerOn((t + end) / 2, opts.zoom ? Math.max((end - t) * 3, Math.min(span, opts.zoom)) : want);
    }
    if (!opts.fromTranscript) scrollTranscriptTo(seq);
  }

  function dl(pairs) {
    const d = el('dl');
    for (const [k, v] of pairs) {
      if (v === null || v === undefined || v === '') continue;
      d.appendChild(el('dt', null, k));
      d.appendChild(el('dd', null, v));
    }
    return d;
  }
  function findingBlock(f) {
    const b = el('div', `finding sev-border-${f.severity}`);
    const head = el('div');
    head.appendChild(el('span', `sev sev-${f.severity}`, f.severity));
    head.appendChild(document.createTextNode(' '));
    head.appendChild(el('span', 'f-id', f.id));
    b.appendChild(head);
    b.appendChild(el('div', 'f-msg', f.message));
    if (f.help) b.appendChild(el('div', 'help', f.help));
    b.appendChild(el('div', 'muted', `at ${secs(f.t)} s`));
    b.addEventListener('click', () => select(f.seq, { center: true }));
    return b;
  }
  function relRow(r) {
    const d = el('div', 'rel', `${secs(r.t)}  ${r.tag.padEnd(5)} ${r.text}`);
    d.title = r.meaning ? `${r.text}\n${r.meaning}` : r.text;
    d.addEventListener('click', () => select(r.seq, { center: false }));
    return d;
  }
  function renderDetail(d) {
    const body = $('detail-body');
    clear(body);
    const ev = d.event;
    const h = el('h3');
    if (ev.type === 'finding') { h.appendChild(el('span', `sev sev-${ev.severity}`, ev.severity)); h.appendChild(document.createTextNode(' ')); }
    h.appendChild(document.createTextNode(`${d.row.tag} ${d.label}`));
    body.appendChild(h);
    if (ev.type === 'finding') {
      body.appendChild(el('div', 'f-msg', ev.message));
      if (ev.help) body.appendChild(el('p', 'help', ev.help));
    }
    body.appendChild(dl([
      ['type', ev.type], ['side', ev.dir || ''], ['time', `${secs(d.t)} s`],
      ['end', d.end !== d.t ? `${secs(d.end)} s` : ''],
      ['duration', d.end !== d.t ? dur(d.end - d.t) : ''],
      ['latency', d.latency_ns !== null ? dur(d.latency_ns) : ''],
      ['exchange', d.row.exchange !== undefined ? `#${d.row.exchange}` : ''],
      ['status', ev.status || (ev.result ? (ev.result.code + (ev.result.n !== undefined ? ' ' + ev.result.n : '')) : '')],
      ['log level', ev.type === 'log' ? ev.level : ''], ['module', ev.type === 'log' ? (ev.module || '') : ''],
      ['uptime', ev.type === 'log' ? `${secs(ev.uptime_ns)} s (boot ${ev.segment})` : ''],
      ['seq', String(ev.seq)],
    ]));
    body.appendChild(el('h4', null, 'Meaning'));
    body.appendChild(el('div', d.meaning ? 'meaning' : 'muted', d.meaning || 'No decoding known for these values.'));
    if (d.raw) {
      body.appendChild(el('h4', null, `Bytes (${d.raw.len}${d.raw.utf8 ? '' : ', not valid UTF-8'}${d.raw.truncated ? ', first 64 KiB shown' : ''})`));
      body.appendChild(el('pre', 'raw-text', d.raw.text));
      body.appendChild(el('pre', 'raw-hex', d.raw.hex));
    } else {
      body.appendChild(el('h4', null, 'Text'));
      body.appendChild(el('pre', 'raw-text', d.row.text));
    }
    if (d.findings.length) {
      body.appendChild(el('h4', null, `Findings (${d.findings.length})`));
      for (const f of d.findings) body.appendChild(findingBlock(f));
    }
    if (d.about.length) {
      body.appendChild(el('h4', null, 'About'));
      for (const r of d.about) body.appendChild(relRow(r));
    }
    if (d.related.length) {
      body.appendChild(el('h4', null, 'Exchange'));
      for (const r of d.related) body.appendChild(relRow(r));
    }
    const det = el('details');
    det.appendChild(el('summary', 'muted', 'JSON'));
    det.appendChild(el('pre', null, JSON.stringify(ev, null, 2)));
    body.appendChild(det);
  }

  // ---- findings list -------------------------------------------------------------------------
  function sevFilter() {
    return ['error', 'warning', 'note'].filter((s) => $(`sev-${s}`).checked);
  }
  async function loadFindings() {
    const sev = sevFilter();
    const ul = $('finding-list');
    if (!S.trace) return;
    if (!sev.length) { S.findings = []; clear(ul); $('finding-count').textContent = ''; return; }
    const r = await getJSON(`${API}/traces/${encodeURIComponent(S.trace)}/findings?severity=${sev.join(',')}`)
      .catch((e) => { status(e.message, true); return { findings: [], total: 0 }; });
    S.findings = r.findings;
    clear(ul);
    $('finding-count').textContent = `(${r.total})`;
    if (!r.findings.length) { ul.appendChild(el('li', 'muted', 'No findings.')); return; }
    for (const f of r.findings) {
      const li = el('li', 'finding-item');
      li.dataset.seq = String(f.seq);
      li.appendChild(el('span', `sev sev-${f.severity}`, f.severity));
      li.appendChild(document.createTextNode(' '));
      li.appendChild(el('span', 'f-id', f.id));
      li.appendChild(el('span', 'f-msg', f.message));
      li.appendChild(el('span', 'f-t', `${secs(f.t)} s`));
      li.addEventListener('click', () => gotoFinding(f));
      ul.appendChild(li);
    }
    markSelectedFinding();
  }
  function gotoFinding(f) {
    select(f.seq, { center: true });
    markSelectedFinding(f.seq);
  }
  function markSelectedFinding(seq) {
    const s = seq !== undefined ? seq : S.sel;
    for (const li of $('finding-list').children) li.classList.toggle('active', li.dataset.seq === String(s));
  }
  function stepFinding(dir) {
    if (!S.findings.length) return;
    const cur = S.findings.findIndex((f) => f.seq === S.sel);
    let i;
    if (cur >= 0) i = cur + dir;
    else {
      const c = (S.view.from + S.view.to) / 2;
      i = dir > 0 ? S.findings.findIndex((f) => f.t > c) : S.findings.map((f) => f.t < c).lastIndexOf(true);
    }
    if (i < 0 || i >= S.findings.length) return;
    gotoFinding(S.findings[i]);
    const li = $('finding-list').children[i];
    if (li && li.scrollIntoView) li.scrollIntoView({ block: 'nearest' });
  }
  for (const s of ['error', 'warning', 'note']) $(`sev-${s}`).addEventListener('change', loadFindings);

  // ---- transcript (virtual scrolling) --------------------------------------------------------
  const vp = $('rows-viewport'), spacer = $('rows-spacer'), rbody = $('rows-body');
  function filterQuery() {
    const p = new URLSearchParams();
    if (S.filter.q) p.set('q', S.filter.q);
    if (S.filter.name) p.set('name', S.filter.name);
    if (S.filter.type) p.set('type', S.filter.type);
    return p;
  }
  function resetRows() {
    S.rows = { total: 0, pages: new Map(), first: 0, pending: new Map(), gen: S.rows.gen + 1 };
    clear(rbody);
    vp.scrollTop = 0;
    loadPage(0).then(() => { renderRows(); syncTranscriptToView(); });
  }
  // One request per page: a page being fetched hands out the same promise (re-rendering on an
  // already-settled promise would loop in microtasks and freeze the page).
  function loadPage(p) {
    const R = S.rows;
    if (R.pages.has(p)) return Promise.resolve();
    if (R.pending.has(p)) return R.pending.get(p);
    const q = filterQuery();
    q.set('offset', String(p * PAGE));
    q.set('limit', String(PAGE));
    const pr = getJSON(`${API}/traces/${encodeURIComponent(S.trace)}/rows?${q}`).then((r) => {
      if (R !== S.rows) return;
      R.total = r.total;
      R.pages.set(p, r.rows);
      const filtered = S.filter.q || S.filter.name || S.filter.type;
      $('match-count').textContent = filtered ? `${r.total} match${r.total === 1 ? '' : 'es'}` : '';
      spacer.style.height = `${Math.min(R.total * RH, MAX_SCROLL_PX)}px`;
    }).catch((e) => {
      status(`Cannot load the transcript: ${e.message}`, true);
    }).finally(() => R.pending.delete(p));
    R.pending.set(p, pr);
    return pr;
  }
  function visibleCount() { return Math.ceil(vp.clientHeight / RH) + 1; }
  function firstRowFromScroll() {
    const R = S.rows;
    const full = R.total * RH;
    if (full <= MAX_SCROLL_PX) return Math.floor(vp.scrollTop / RH);
    const max = Math.max(1, MAX_SCROLL_PX - vp.clientHeight);
    return Math.round((vp.scrollTop / max) * Math.max(0, R.total - visibleCount() + 1));
  }
  function scrollForRow(i) {
    const R = S.rows;
    const full = R.total * RH;
    if (full <= MAX_SCROLL_PX) return i * RH;
    const max = Math.max(1, MAX_SCROLL_PX - vp.clientHeight);
    return (i / Math.max(1, R.total - visibleCount() + 1)) * max;
  }
  function rowAt(i) {
    const pg = S.rows.pages.get(Math.floor(i / PAGE));
    return pg ? pg[i % PAGE] : undefined;
  }
  function renderRows() {
    const R = S.rows;
    const first = firstRowFromScroll();
    R.first = first;
    const n = visibleCount();
    const need = new Set();
    for (let i = first; i < Math.min(R.total, first + n); i++) if (!rowAt(i)) need.add(Math.floor(i / PAGE));
    if (need.size) {
      Promise.all([...need].map(loadPage)).then(() => {
        if (R === S.rows && [...need].some((p) => R.pages.has(p))) renderRows();
      });
    }
    clear(rbody);
    const full = R.total * RH;
    rbody.style.top = `${full <= MAX_SCROLL_PX ? first * RH : vp.scrollTop}px`;
    for (let i = first; i < Math.min(R.total, first + n); i++) {
      const r = rowAt(i);
      const div = el('div', 'row');
      if (!r) { div.appendChild(el('span', 'c-text muted', '…')); rbody.appendChild(div); continue; }
      div.classList.add(`lvl-${r.level}`, `t-${r.type}`);
      div.dataset.seq = String(r.seq);
      div.dataset.t = String(r.t);
      div.appendChild(el('span', 'c-t', secs(r.t)));
      div.appendChild(el('span', `c-dir dir-${r.dir || 'none'}`, r.dir || ''));
      if (r.dlci !== undefined) div.appendChild(el('span', 'c-dlci', `dlci${r.dlci}`));
      div.appendChild(el('span', 'c-tag', r.tag));
      div.appendChild(el('span', 'c-x', r.exchange !== undefined ? `#${r.exchange}` : ''));
      div.appendChild(el('span', 'c-text', r.text));
      div.title = r.text;
      div.addEventListener('click', () => select(r.seq, { fromTranscript: true }));
      rbody.appendChild(div);
    }
    markSelectedRow();
    markInView();
  }
  function markSelectedRow() {
    for (const d of rbody.children) d.classList.toggle('sel', d.dataset.seq === String(S.sel));
  }
  function markInView() {
    for (const d of rbody.children) {
      const t = Number(d.dataset.t);
      d.classList.toggle('inview', t >= S.view.from && t <= S.view.to);
    }
  }
  let programmaticScroll = false, scrollTimer = null;
  vp.addEventListener('scroll', () => {
    renderRows();
    if (programmaticScroll) { programmaticScroll = false; return; }
    clearTimeout(scrollTimer);
    scrollTimer = setTimeout(() => {
      // The user scrolled the transcript: bring the timeline to its first row.
      const r = rowAt(S.rows.first);
      if (!r) return;
      const span = S.view.to - S.view.from;
      if (r.t < S.view.from || r.t > S.view.to) setView(r.t - span * 0.05, r.t + span * 0.95, 'transcript');
    }, 150);
  });
  async function scrollToRowIndex(i) {
    programmaticScroll = true;
    vp.scrollTop = scrollForRow(Math.max(0, i - 2));
    renderRows();
  }
  async function syncTranscriptToView() {
    if (!S.trace) return;
    const first = rowAt(S.rows.first);
    if (first && first.t >= S.view.from && first.t <= S.view.to) return; // already in view
    const q = filterQuery();
    q.set('at', String(Math.floor(S.view.from)));
    q.set('limit', String(PAGE));
    try {
      const r = await getJSON(`${API}/traces/${encodeURIComponent(S.trace)}/rows?${q}`);
      if (r.offset % PAGE === 0) S.rows.pages.set(r.offset / PAGE, r.rows);
      scrollToRowIndex(r.offset);
    } catch (_) { /* the window stays where it is */ }
  }
  async function scrollTranscriptTo(seq) {
    const q = filterQuery();
    q.set('seq', String(seq));
    q.set('limit', '1');
    try {
      const r = await getJSON(`${API}/traces/${encodeURIComponent(S.trace)}/rows?${q}`);
      const i = r.offset;
      const n = visibleCount();
      if (i < S.rows.first || i >= S.rows.first + n - 1) scrollToRowIndex(i);
      else markSelectedRow();
    } catch (_) { /* not a row under this filter */ }
  }
  window.atscope.renderRows = renderRows; // for the browser test
  window.addEventListener('resize', () => { draw(); drawOverview(); renderRows(); fetchWindow(); fetchOverview(); });

  // ---- search and filters --------------------------------------------------------------------
  let searchTimer = null;
  function filterChanged() {
    S.filter = { q: $('search').value.trim(), name: $('name-filter').value, type: $('type-filter').value };
    resetRows();
    writeHash();
  }
  $('search').addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(filterChanged, 200); });
  $('search').addEventListener('keydown', async (ev) => {
    if (ev.key === 'Escape') { $('search').value = ''; filterChanged(); $('search').blur(); return; }
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    clearTimeout(searchTimer);
    const f = { q: $('search').value.trim(), name: $('name-filter').value, type: $('type-filter').value };
    if (JSON.stringify(f) !== JSON.stringify(S.filter)) filterChanged();
    // Enter: the next match after the selection (or the window start); Shift+Enter: the previous.
    const q = filterQuery();
    let cur = S.view.from - 1;
    if (S.sel !== null) {
      const d = await getJSON(`${API}/traces/${encodeURIComponent(S.trace)}/events/${S.sel}`).catch(() => null);
      if (d) cur = d.row.t;
    }
    q.set('at', String(ev.shiftKey ? cur : cur + 1));
    q.set('limit', '1');
    const r = await getJSON(`${API}/traces/${encodeURIComponent(S.trace)}/rows?${q}`).catch(() => null);
    if (!r) return;
    let target = ev.shiftKey ? r.offset - 1 : r.offset;
    if (target < 0 || target >= r.total) return;
    q.delete('at'); q.set('offset', String(target));
    const rr = await getJSON(`${API}/traces/${encodeURIComponent(S.trace)}/rows?${q}`).catch(() => null);
    if (rr && rr.rows.length) select(rr.rows[0].seq, { center: true });
  });
  $('name-filter').addEventListener('change', filterChanged);
  $('type-filter').addEventListener('change', filterChanged);

  // ---- keys ----------------------------------------------------------------------------------
  document.addEventListener('keydown', (ev) => {
    const tag = (ev.target && ev.target.tagName) || '';
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const span = S.view.to - S.view.from;
    switch (ev.key) {
      case 'n': stepFinding(1); break;
      case 'p': stepFinding(-1); break;
      case '/': ev.preventDefault(); $('search').focus(); break;
      case '0': case 'Home': fitAll(); break;
      case '+': case '=': setView(S.view.from + span * 0.25, S.view.to - span * 0.25); break;
      case '-': setView(S.view.from - span * 0.5, S.view.to + span * 0.5); break;
      case 'ArrowLeft': if (ev.target === vp) return; setView(S.view.from - span * 0.2, S.view.to - span * 0.2); break;
      case 'ArrowRight': if (ev.target === vp) return; setView(S.view.from + span * 0.2, S.view.to + span * 0.2); break;
      default: return;
    }
  });

  // ---- opening a capture from the page -------------------------------------------------------
  function upload(file) {
    if (!file) return;
    if (S.maxUpload && file.size > S.maxUpload) {
      $('upload-status').textContent = `${file.name} is ${(file.size / 1048576).toFixed(1)} MiB; the limit is ${(S.maxUpload / 1048576).toFixed(0)} MiB`;
      return;
    }
    const xhr = new XMLHttpRequest();
    const prog = $('upload-progress');
    prog.hidden = false; prog.value = 0;
    $('upload-status').textContent = `uploading ${file.name}…`;
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) prog.value = e.loaded / e.total; };
    xhr.upload.onload = () => { $('upload-status').textContent = `decoding ${file.name}…`; };
    xhr.onerror = () => { prog.hidden = true; $('upload-status').textContent = 'upload failed (connection)'; };
    xhr.onload = async () => {
      prog.hidden = true;
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
      if (xhr.status !== 201 || !body) {
        $('upload-status').textContent = `cannot open ${file.name}: ${body && body.error ? body.error.message : xhr.status}`;
        return;
      }
      $('upload-status').textContent = '';
      await loadTraceList();
      openTrace(body.id, null);
    };
    xhr.open('POST', `${API}/traces?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.send(file);
  }
  $('open-btn').addEventListener('click', () => $('file-input').click());
  $('file-input').addEventListener('change', (ev) => { upload(ev.target.files[0]); ev.target.value = ''; });
  let dragDepth = 0;
  window.addEventListener('dragenter', (ev) => { if (ev.dataTransfer && [...ev.dataTransfer.types].includes('Files')) { dragDepth++; $('drop-overlay').hidden = false; ev.preventDefault(); } });
  window.addEventListener('dragover', (ev) => { ev.preventDefault(); });
  window.addEventListener('dragleave', () => { dragDepth = Math.max(0, dragDepth - 1); if (!dragDepth) $('drop-overlay').hidden = true; });
  window.addEventListener('drop', (ev) => {
    ev.preventDefault();
    dragDepth = 0;
    $('drop-overlay').hidden = true;
    if (ev.dataTransfer && ev.dataTransfer.files.length) upload(ev.dataTransfer.files[0]);
  });

  // ---- live traces ---------------------------------------------------------------------------
  let liveTimer = null;
  function startLive(id) {
    const es = new EventSource(`${API}/traces/${encodeURIComponent(id)}/live`);
    S.live = es;
    const refresh = () => {
      if (liveTimer) return;
      liveTimer = setTimeout(async () => {
        liveTimer = null;
        if (S.trace !== id) return;
        const info = await getJSON(`${API}/traces/${encodeURIComponent(id)}`).catch(() => null);
        if (!info) return;
        const follow = S.view.to >= S.info.end_ns;
        S.info = info;
        if (follow && info.end_ns > S.view.to) {
          const span = S.view.to - S.view.from;
          S.view = { from: info.end_ns - span * 0.9, to: info.end_ns + span * 0.1 };
        }
        fetchOverview(); fetchWindow(); loadFindings();
        const keep = S.rows.first;
        S.rows.pages.clear();
        S.rows.total = info.rows;
        loadPage(Math.floor(keep / PAGE)).then(renderRows);
        stats.liveUpdates = (stats.liveUpdates || 0) + 1;
      }, 250);
    };
    es.addEventListener('event', (m) => {
      stats.liveEvents = (stats.liveEvents || 0) + 1;
      try { const r = JSON.parse(m.data); stats.lastLive = r.seq; } catch (_) { /* ignore */ }
      refresh();
    });
    es.addEventListener('lagged', refresh);
    es.addEventListener('end', () => { es.close(); refresh(); });
  }

  // ---- start ---------------------------------------------------------------------------------
  async function start() {
    try {
      await loadTraceList();
    } catch (e) {
      status(`Cannot list traces: ${e.message}`, true);
      return;
    }
    const link = readHash();
    const id = link.trace && S.traces.some((t) => t.id === link.trace) ? link.trace : (S.traces[0] && S.traces[0].id);
    if (link.trace && id !== link.trace) status(`No trace "${link.trace}" here; showing another.`, true);
    if (id) await openTrace(id, link.trace === id ? link : null);
    else status('No traces. Open a capture with the button or drop one on the page.');
  }
  window.addEventListener('hashchange', () => {
    const link = readHash();
    if (!link.trace) return;
    if (link.trace !== S.trace) { openTrace(link.trace, link); return; }
    if (link.from !== null && link.to !== null && (Math.abs(link.from - S.view.from) > 1 || Math.abs(link.to - S.view.to) > 1)) {
      S.view = { from: link.from, to: link.to };
      viewChanged();
    }
    if (link.sel !== null && link.sel !== S.sel) select(link.sel, {});
  });
  start();
})();
