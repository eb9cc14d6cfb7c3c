// eventsource-wasm live server monitor.
//
// Listens to /stats with the native EventSource or with the eventsource-wasm
// polyfill (loaded from /dist/index.js when it has been built), and shows the
// connection state, live stat cards, a chart and an event log. The mode is kept
// in the URL (?impl=native|polyfill&transport=auto|fetch|xhr|polling).
//
// For tests, `window.demo` mirrors the state without touching the UI:
//   readyState   'CONNECTING' | 'OPEN' | 'CLOSED'
//   reconnects   successful re-opens of the current source after its first open
//   attempts     reconnection attempts of the current source (each error while CONNECTING)
//   ids          every numeric event id received, oldest first (last 10,000)
//   events       events received on this page (all sources)
//   lastEventId  the newest event's lastEventId
//   impl         'native' | 'polyfill' | null: the implementation in use
//   transport    the polyfill's transport in use, null for native
//   requested    { impl, transport }: what the switches/URL ask for
//   polyfill     'unknown' | 'loading' | 'ready' | 'missing' | 'failed'
//   generation   increments with every new source

const STREAM_URL = '/stats';
const POLYFILL_URL = '/dist/index.js';
const STAT_TYPES = ['connections', 'requests', 'uptime', 'load', 'memory'];
const IMPLS = ['native', 'polyfill'];
const TRANSPORTS = ['auto', 'fetch', 'xhr', 'polling'];
const STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSED'];
const MAX_IDS = 10_000;
const MAX_LOG_ROWS = 200;
const CHART_WINDOW_MS = 3 * 60_000; // the most the chart shows
const CHART_MIN_WINDOW_MS = 10_000; // until it has more, the data fills the width
const CHART_GAP_MS = 6_000; // a longer silence breaks the line
const SPARK_POINTS = 48;

// ---------------------------------------------------------------- state

const demo = {
  readyState: 'CLOSED',
  reconnects: 0,
  attempts: 0,
  ids: [],
  events: 0,
  lastEventId: '',
  impl: null,
  transport: null,
  requested: { impl: 'native', transport: 'auto' },
  polyfill: 'unknown',
  generation: 0,
};
window.demo = demo;

const polyfill = { status: 'unknown', EventSource: null, error: null, imports: 0 };

/** The live source and its bookkeeping; null when disconnected. */
let current = null;

const $ = (id) => document.getElementById(id);
const el = {
  pill: $('state-pill'),
  pillText: $('state-text'),
  toggle: $('toggle'),
  subImpl: $('sub-impl'),
  clients: $('v-clients'),
  requests: $('v-requests'),
  rps: $('v-rps'),
  spark: $('spark-rps'),
  uptime: $('v-uptime'),
  started: $('v-started'),
  load1: $('v-load1'),
  load5: $('v-load5'),
  load15: $('v-load15'),
  mem: $('v-mem'),
  memBar: $('v-mem-bar'),
  memDetail: $('v-mem-detail'),
  chart: $('chart'),
  chartWindow: $('chart-window'),
  cState: $('c-state'),
  cImpl: $('c-impl'),
  cTransport: $('c-transport'),
  cReconnects: $('c-reconnects'),
  cLastId: $('c-last-id'),
  cEvents: $('c-events'),
  cRate: $('c-rate'),
  form: $('switches'),
  notice: $('notice'),
  logBody: $('log-body'),
  logEmpty: $('log-empty'),
  logPause: $('log-pause'),
  logClear: $('log-clear'),
};

// ---------------------------------------------------------------- formatting

const intFmt = new Intl.NumberFormat('en-US');
const dec1 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const dec2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pad2 = (n) => String(n).padStart(2, '0');

function formatUptime(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const hms = `${d ? pad2(h) : h}:${pad2(m)}:${pad2(s % 60)}`;
  return d ? `${d}d ${hms}` : hms;
}

function formatKiB(kib) {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = kib;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : dec1.format(v)} ${units[i]}`;
}

function clockTime(date, ms = false) {
  const t = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  return ms ? `${t}.${String(date.getMilliseconds()).padStart(3, '0')}` : t;
}

/** Sets text only when it changed; `flash` briefly highlights the change. */
function setText(node, text, flash = false) {
  if (node.textContent === text) return;
  node.textContent = text;
  if (flash && !document.hidden && node.animate) {
    node.animate([{ color: '#7dd3fc' }, { color: 'inherit' }], { duration: 700, easing: 'ease-out' });
  }
}

// ---------------------------------------------------------------- URL and switches

function readChoice() {
  const q = new URLSearchParams(location.search);
  const impl = IMPLS.includes(q.get('impl')) ? q.get('impl') : null;
  const transport = TRANSPORTS.includes(q.get('transport')) ? q.get('transport') : 'auto';
  return { impl, transport };
}

function writeChoice({ impl, transport }) {
  const q = new URLSearchParams(location.search);
  q.set('impl', impl);
  if (impl === 'polyfill' || transport !== 'auto') q.set('transport', transport);
  else q.delete('transport');
  history.replaceState(null, '', `${location.pathname}?${q}${location.hash}`);
}

function syncSwitches() {
  const { impl, transport } = demo.requested;
  for (const input of el.form.elements.impl) input.checked = input.value === impl;
  for (const input of el.form.elements.transport) {
    input.checked = input.value === transport;
    input.disabled = impl !== 'polyfill';
  }
  const polyLabel = el.form.querySelector('input[name="impl"][value="polyfill"] + span');
  let tag = polyLabel.querySelector('.tag');
  const missing = polyfill.status === 'missing' || polyfill.status === 'failed';
  if (missing && !tag) {
    tag = document.createElement('span');
    tag.className = 'tag';
    polyLabel.append(tag);
  }
  if (tag) {
    if (missing) tag.textContent = polyfill.status === 'missing' ? 'not built' : 'failed';
    else tag.remove();
  }
}

function showNotice(text, kind = 'info') {
  if (!text) {
    el.notice.hidden = true;
    el.notice.textContent = '';
    return;
  }
  el.notice.hidden = false;
  el.notice.dataset.kind = kind;
  el.notice.textContent = text;
}

// ---------------------------------------------------------------- the polyfill

/** Loads /dist/index.js once it exists; resolves to its EventSource class or null. */
async function loadPolyfill() {
  if (polyfill.EventSource) return polyfill.EventSource;
  setPolyfillStatus('loading');
  try {
    const head = await fetch(POLYFILL_URL, { method: 'HEAD', cache: 'no-store' });
    if (!head.ok) {
      setPolyfillStatus('missing');
      return null;
    }
    // A failed import is remembered by the module map: retry under another URL.
    const url = polyfill.imports++ === 0 ? POLYFILL_URL : `${POLYFILL_URL}?attempt=${polyfill.imports}`;
    const mod = await import(url);
    const ES = mod.EventSource ?? mod.default;
    if (typeof ES !== 'function') throw new Error(`${POLYFILL_URL} has no EventSource export`);
    polyfill.EventSource = ES;
    polyfill.error = null;
    setPolyfillStatus('ready');
    return ES;
  } catch (err) {
    polyfill.error = err;
    setPolyfillStatus('failed');
    console.warn('eventsource-wasm polyfill failed to load', err);
    return null;
  }
}

function setPolyfillStatus(status) {
  polyfill.status = status;
  demo.polyfill = status;
}

// ---------------------------------------------------------------- connecting

/** Closes any source and opens a new one for the requested mode. */
async function connect() {
  const gen = ++demo.generation;
  disconnect({ quiet: true });
  setState('CONNECTING'); // also while the polyfill loads
  const want = { ...demo.requested };
  let Ctor = null;
  let impl = want.impl;
  let note = '';
  let noteKind = 'info';

  if (impl === 'polyfill') {
    Ctor = await loadPolyfill();
    if (gen !== demo.generation) return; // superseded while loading
    if (!Ctor) {
      note = polyfill.status === 'missing'
        ? `polyfill not built (no ${POLYFILL_URL}): showing the native EventSource. Build it, then pick eventsource-wasm again.`
        : `polyfill failed to load (${polyfill.error?.message ?? polyfill.error}): showing the native EventSource.`;
      impl = 'native';
    }
  }
  if (impl === 'native') {
    if (typeof window.EventSource === 'function') {
      Ctor = window.EventSource;
    } else {
      // No native EventSource in this browser: the polyfill is the only way.
      Ctor = await loadPolyfill();
      if (gen !== demo.generation) return;
      if (Ctor) {
        impl = 'polyfill';
        note = 'This browser has no native EventSource: using the eventsource-wasm polyfill.';
      } else {
        syncSwitches();
        showNotice('No EventSource available: this browser has none and the polyfill is not built.', 'error');
        setState('CLOSED');
        return;
      }
    }
  }
  syncSwitches();
  showNotice(note, noteKind);

  let es;
  try {
    es = impl === 'polyfill'
      ? new Ctor(STREAM_URL, { transport: want.transport })
      : new Ctor(STREAM_URL);
  } catch (err) {
    showNotice(`Could not open ${STREAM_URL}: ${err?.message ?? err}`, 'error');
    setState('CLOSED');
    return;
  }
  const transport = impl === 'polyfill'
    ? (typeof es.transport === 'string' && es.transport ? es.transport : want.transport)
    : null;
  current = { es, impl, transport, requestedTransport: want.transport, opens: 0 };
  demo.impl = impl;
  demo.transport = transport;
  demo.reconnects = 0;
  demo.attempts = 0;
  renderConnection();

  const alive = () => current && current.es === es;
  es.addEventListener('open', () => {
    if (!alive()) return;
    current.opens++;
    if (current.opens > 1) demo.reconnects++;
    // The polyfill may settle on a transport only once connected ('auto').
    if (impl === 'polyfill' && typeof es.transport === 'string' && es.transport) {
      current.transport = es.transport;
      demo.transport = es.transport;
    }
    syncState();
  });
  es.addEventListener('error', () => {
    if (!alive()) return;
    if (es.readyState === 0) demo.attempts++;
    syncState();
    if (es.readyState === 2) {
      showNotice('The connection failed for good (the browser will not retry): press Connect to try again.', 'error');
    }
  });
  for (const type of STAT_TYPES) es.addEventListener(type, (e) => alive() && onEvent(e));
  es.addEventListener('message', (e) => alive() && onEvent(e));
  syncState();
}

function disconnect({ quiet = false } = {}) {
  if (!current) return;
  const { es } = current;
  current = null;
  try {
    es.close();
  } catch {
    // A half-loaded polyfill must not break the page.
  }
  if (!quiet) {
    demo.generation++; // cancels a connect still loading the polyfill
    setState('CLOSED');
  }
}

/** Reads readyState from the source (there is no event for every change). */
function syncState() {
  const rs = current ? current.es.readyState : 2;
  setState(STATE_NAMES[rs] ?? 'CLOSED');
}

function setState(name) {
  if (demo.readyState !== name) {
    demo.readyState = name;
    logState(name);
  }
  renderConnection();
}

// ---------------------------------------------------------------- events

let lastSample = { time: performance.now(), events: 0 };

function onEvent(e) {
  demo.events++;
  demo.lastEventId = e.lastEventId;
  if (e.lastEventId !== '') {
    const n = Number(e.lastEventId);
    if (Number.isSafeInteger(n)) {
      demo.ids.push(n);
      if (demo.ids.length > MAX_IDS) demo.ids.shift();
    }
  }
  if (demo.readyState !== 'OPEN') syncState();
  let data = null;
  try {
    data = JSON.parse(e.data);
  } catch {
    // Not JSON: logged as it is.
  }
  if (data && typeof data === 'object') {
    switch (e.type) {
      case 'connections': showConnections(data); break;
      case 'requests': showRequests(data); break;
      case 'uptime': showUptime(data); break;
      case 'load': showLoad(data); break;
      case 'memory': showMemory(data); break;
      default: break;
    }
  }
  logEvent(e.lastEventId, e.type, e.data);
  setText(el.cEvents, intFmt.format(demo.events));
  setText(el.cLastId, e.lastEventId || '–');
}

function num(v) {
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function showConnections({ count }) {
  const n = num(count);
  if (n !== null) setText(el.clients, intFmt.format(n), true);
}

const rpsHistory = [];
function showRequests({ total, perSecond }) {
  const t = num(total);
  const r = num(perSecond);
  if (t !== null) setText(el.requests, intFmt.format(t), true);
  if (r !== null) {
    setText(el.rps, r >= 100 ? intFmt.format(Math.round(r)) : dec1.format(r));
    rpsHistory.push(r);
    if (rpsHistory.length > SPARK_POINTS) rpsHistory.shift();
    drawSpark();
  }
}

function showUptime({ seconds }) {
  const s = num(seconds);
  if (s === null) return;
  setText(el.uptime, formatUptime(s));
  const since = new Date(Date.now() - s * 1000);
  const sameDay = new Date().toDateString() === since.toDateString();
  setText(el.started, `up since ${sameDay ? '' : `${since.toLocaleDateString()} `}${clockTime(since)}`);
}

function showLoad({ one, five, fifteen }) {
  const [a, b, c] = [num(one), num(five), num(fifteen)];
  if (a !== null) {
    setText(el.load1, dec2.format(a), true);
    pushPoint(series.load, a);
  }
  if (b !== null) setText(el.load5, dec2.format(b));
  if (c !== null) setText(el.load15, dec2.format(c));
}

function showMemory({ totalKiB, availableKiB, usedPercent }) {
  const p = num(usedPercent);
  const total = num(totalKiB);
  const avail = num(availableKiB);
  if (p !== null) {
    setText(el.mem, dec1.format(p), true);
    el.memBar.style.width = `${Math.min(100, Math.max(0, p))}%`;
    pushPoint(series.mem, p);
  }
  if (total !== null && avail !== null) {
    setText(el.memDetail, `${formatKiB(total - avail)} of ${formatKiB(total)}`);
  }
}

// ---------------------------------------------------------------- connection panel

function renderConnection() {
  const name = demo.readyState;
  el.pill.dataset.state = name;
  el.cState.dataset.state = name;
  setText(el.pillText, name);
  let stateText = name;
  if (name === 'CONNECTING' && current && current.opens > 0) stateText = 'CONNECTING · retrying';
  setText(el.cState, stateText);
  const implName = demo.impl === 'polyfill' ? 'wasm polyfill' : demo.impl === 'native' ? 'native' : '–';
  setText(el.cImpl, implName);
  setText(el.subImpl, demo.impl ? (demo.impl === 'polyfill' ? 'the eventsource-wasm polyfill' : 'the native EventSource') : '…');
  let transport = '–';
  if (demo.impl === 'native') transport = 'browser built-in';
  else if (demo.impl === 'polyfill') {
    transport = demo.transport ?? '–';
    if (current && current.requestedTransport === 'auto' && transport !== 'auto') transport += ' (auto)';
  }
  setText(el.cTransport, transport);
  setText(el.cReconnects, intFmt.format(demo.reconnects));
  const live = current && name !== 'CLOSED';
  setText(el.toggle, live ? 'Disconnect' : 'Connect');
  el.toggle.classList.toggle('primary', !live);
}

// Events per second in the connection panel, and a safety net for readyState.
setInterval(() => {
  const now = performance.now();
  const dt = (now - lastSample.time) / 1000;
  if (dt > 0) {
    const rate = (demo.events - lastSample.events) / dt;
    setText(el.cRate, demo.events ? `· ${dec1.format(rate)}/s` : '');
  }
  lastSample = { time: now, events: demo.events };
  if (current) syncState();
}, 1000);

// ---------------------------------------------------------------- event log

let logPaused = false;
let logQueue = [];
let flushScheduled = false;

function logEvent(id, type, data) {
  if (logPaused) return;
  queueRow({ time: new Date(), id, type, data });
}

function logState(name) {
  const why = {
    OPEN: 'connection open',
    CONNECTING: current && current.opens > 0 ? 'connection lost, reconnecting' : 'connecting',
    CLOSED: 'closed',
  }[name];
  queueRow({ time: new Date(), id: '', type: 'state', data: `${name}: ${why}` });
}

function queueRow(row) {
  logQueue.push(row);
  if (logQueue.length > MAX_LOG_ROWS) logQueue = logQueue.slice(-MAX_LOG_ROWS);
  if (!flushScheduled) {
    flushScheduled = true;
    // Once per frame; the timer covers a hidden tab, where frames stop.
    requestAnimationFrame(flushLog);
    setTimeout(flushLog, 500);
  }
}

function flushLog() {
  if (!flushScheduled) return;
  flushScheduled = false;
  const rows = logQueue;
  logQueue = [];
  if (!rows.length) return;
  const frag = document.createDocumentFragment();
  for (let i = rows.length - 1; i >= 0; i--) frag.append(makeRow(rows[i]));
  el.logBody.prepend(frag);
  while (el.logBody.childElementCount > MAX_LOG_ROWS) el.logBody.lastElementChild.remove();
  el.logEmpty.hidden = true;
}

function makeRow({ time, id, type, data }) {
  const tr = document.createElement('tr');
  const tdTime = document.createElement('td');
  tdTime.textContent = clockTime(time, true);
  const tdId = document.createElement('td');
  tdId.textContent = id || '';
  const tdType = document.createElement('td');
  const badge = document.createElement('span');
  badge.className = `type type-${/^[a-z]+$/.test(type) ? type : 'other'}`;
  badge.textContent = type;
  tdType.append(badge);
  const tdData = document.createElement('td');
  tdData.textContent = data;
  tdData.title = data;
  tr.append(tdTime, tdId, tdType, tdData);
  return tr;
}

el.logPause.addEventListener('click', () => {
  logPaused = !logPaused;
  el.logPause.setAttribute('aria-pressed', String(logPaused));
  el.logPause.textContent = logPaused ? 'Resume' : 'Pause';
});
el.logClear.addEventListener('click', () => {
  logQueue = [];
  el.logBody.replaceChildren();
  el.logEmpty.hidden = false;
});

// ---------------------------------------------------------------- charts

const series = { load: [], mem: [] };

function pushPoint(arr, v) {
  const t = performance.now();
  arr.push({ t, v });
  const oldest = t - CHART_WINDOW_MS - CHART_GAP_MS;
  let drop = 0;
  while (drop < arr.length && arr[drop].t < oldest) drop++;
  if (drop) arr.splice(0, drop);
  if (arr.length > 20_000) arr.splice(0, arr.length - 20_000);
  chartDirty = true;
}

/** Sizes a canvas's backing store to its CSS box × devicePixelRatio; returns the CSS size. */
function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, canvas.clientWidth);
  const h = Math.max(1, canvas.clientHeight);
  const bw = Math.round(w * dpr);
  const bh = Math.round(h * dpr);
  if (canvas.width !== bw || canvas.height !== bh) {
    canvas.width = bw;
    canvas.height = bh;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

/** A round axis maximum ≥ v whose quarters are round too (0.25, 0.5, 1, 2.5, …). */
function niceMax(v) {
  if (!(v > 0)) return 1;
  const quarter = v / 4;
  const exp = 10 ** Math.floor(Math.log10(quarter));
  const m = [1, 2, 2.5, 5, 10].find((k) => k * exp >= quarter - 1e-12) ?? 10;
  return 4 * m * exp;
}

/** An axis label: at most 2 decimals, no trailing zeros. */
function axisLabel(v) {
  return String(Math.round(v * 100) / 100);
}

const css = getComputedStyle(document.documentElement);
const color = (name, fallback) => css.getPropertyValue(name).trim() || fallback;
const COLORS = {
  load: color('--accent', '#38bdf8'),
  mem: color('--accent-2', '#a78bfa'),
  grid: 'rgba(148, 163, 184, 0.10)',
  axis: color('--faint', '#5d6a82'),
  text: color('--muted', '#8b98b0'),
};

let chartDirty = true;
let lastDraw = 0;

function drawChart(now) {
  const { ctx, w, h } = fitCanvas(el.chart);
  const pad = { l: 40, r: 42, t: 12, b: 26 };
  const pw = w - pad.l - pad.r;
  const ph = h - pad.t - pad.b;
  ctx.clearRect(0, 0, w, h);
  if (pw < 20 || ph < 20) return;

  // The window grows with the data (so a fresh page has a full chart), up to 3 min.
  const oldest = Math.min(series.load[0]?.t ?? now, series.mem[0]?.t ?? now);
  const span = Math.min(CHART_WINDOW_MS, Math.max(CHART_MIN_WINDOW_MS, now - oldest));
  const t0 = now - span;
  const x = (t) => pad.l + ((t - t0) / span) * pw;
  const visible = (arr) => arr.filter((p) => p.t >= t0 - CHART_GAP_MS);
  const load = visible(series.load);
  const mem = visible(series.mem);
  const loadMax = niceMax(Math.max(1, ...load.map((p) => p.v * 1.1)));
  const yLoad = (v) => pad.t + ph - (v / loadMax) * ph;
  const yMem = (v) => pad.t + ph - (Math.min(100, Math.max(0, v)) / 100) * ph;

  // Grid and axes: 4 bands; load on the left, memory % on the right.
  ctx.font = '11px ui-monospace, Menlo, Consolas, monospace';
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = Math.round(pad.t + (ph * i) / 4) + 0.5;
    ctx.strokeStyle = COLORS.grid;
    ctx.beginPath();
    ctx.moveTo(pad.l, y);
    ctx.lineTo(pad.l + pw, y);
    ctx.stroke();
    ctx.fillStyle = COLORS.text;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    const lv = loadMax * (1 - i / 4);
    ctx.fillText(axisLabel(lv), pad.l - 8, y);
    ctx.textAlign = 'left';
    ctx.fillText(`${100 - i * 25}%`, pad.l + pw + 8, y);
  }
  // Time marks (at most 7), labelled relative to now.
  const spanS = span / 1000;
  const step = [5, 10, 15, 30, 60].find((st) => spanS / st <= 6) ?? 60;
  setText(el.chartWindow, spanS >= 179.5 ? 'last 3 min' : `last ${Math.round(spanS / 5) * 5} s`);
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  for (let s = 0; s <= spanS + 0.001; s += step) {
    const xx = Math.round(pad.l + pw - (s / spanS) * pw) + 0.5;
    if (xx < pad.l + 14 && s) continue; // too close to the left edge for a label
    ctx.strokeStyle = COLORS.grid;
    ctx.beginPath();
    ctx.moveTo(xx, pad.t);
    ctx.lineTo(xx, pad.t + ph);
    ctx.stroke();
    ctx.fillStyle = COLORS.axis;
    const label = s === 0 ? 'now' : s < 60 ? `-${s}s` : s % 60 === 0 ? `-${s / 60}m` : `-${Math.floor(s / 60)}:${pad2(s % 60)}`;
    ctx.fillText(label, xx, pad.t + ph + 8);
  }

  ctx.save();
  ctx.beginPath();
  ctx.rect(pad.l, pad.t - 4, pw, ph + 8);
  ctx.clip();
  drawSeries(ctx, mem, x, yMem, COLORS.mem, pad.t + ph, false);
  drawSeries(ctx, load, x, yLoad, COLORS.load, pad.t + ph, true);
  ctx.restore();

  if (!load.length && !mem.length) {
    ctx.fillStyle = COLORS.axis;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.font = '13px system-ui, sans-serif';
    ctx.fillText('waiting for data…', pad.l + pw / 2, pad.t + ph / 2);
  }
}

/** One series as smoothed runs (a silence longer than CHART_GAP_MS breaks the line). */
function drawSeries(ctx, pts, x, y, stroke, baseY, fill) {
  if (!pts.length) return;
  const runs = [];
  let run = [];
  for (let i = 0; i < pts.length; i++) {
    if (i && pts[i].t - pts[i - 1].t > CHART_GAP_MS) {
      runs.push(run);
      run = [];
    }
    run.push({ x: x(pts[i].t), y: y(pts[i].v) });
  }
  runs.push(run);
  for (const r of runs) {
    const path = new Path2D();
    path.moveTo(r[0].x, r[0].y);
    for (let i = 1; i < r.length; i++) {
      // Quadratic through midpoints: smooth without overshooting.
      const mx = (r[i - 1].x + r[i].x) / 2;
      const my = (r[i - 1].y + r[i].y) / 2;
      path.quadraticCurveTo(r[i - 1].x, r[i - 1].y, mx, my);
    }
    path.lineTo(r[r.length - 1].x, r[r.length - 1].y);
    if (fill && r.length > 1) {
      const area = new Path2D(path);
      area.lineTo(r[r.length - 1].x, baseY);
      area.lineTo(r[0].x, baseY);
      area.closePath();
      const g = ctx.createLinearGradient(0, Math.min(...r.map((p) => p.y)), 0, baseY);
      g.addColorStop(0, withAlpha(stroke, 0.28));
      g.addColorStop(1, withAlpha(stroke, 0));
      ctx.fillStyle = g;
      ctx.fill(area);
    }
    ctx.strokeStyle = stroke;
    ctx.lineWidth = fill ? 2.2 : 1.6;
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    ctx.stroke(path);
  }
  const last = runs[runs.length - 1].at(-1);
  ctx.fillStyle = withAlpha(stroke, 0.25);
  ctx.beginPath();
  ctx.arc(last.x, last.y, 6, 0, Math.PI * 2);
  ctx.fill();
  ctx.fillStyle = stroke;
  ctx.beginPath();
  ctx.arc(last.x, last.y, 3, 0, Math.PI * 2);
  ctx.fill();
}

function withAlpha(hex, a) {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const n = parseInt(m[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

function drawSpark() {
  const { ctx, w, h } = fitCanvas(el.spark);
  ctx.clearRect(0, 0, w, h);
  if (rpsHistory.length < 2) return;
  const max = Math.max(1, ...rpsHistory) * 1.1;
  const step = w / (SPARK_POINTS - 1);
  const x0 = w - (rpsHistory.length - 1) * step;
  const path = new Path2D();
  rpsHistory.forEach((v, i) => {
    const px = x0 + i * step;
    const py = h - 2 - (v / max) * (h - 4);
    if (i) path.lineTo(px, py);
    else path.moveTo(px, py);
  });
  const area = new Path2D(path);
  area.lineTo(w, h);
  area.lineTo(x0, h);
  area.closePath();
  const g = ctx.createLinearGradient(0, 0, 0, h);
  g.addColorStop(0, withAlpha(COLORS.load, 0.25));
  g.addColorStop(1, withAlpha(COLORS.load, 0));
  ctx.fillStyle = g;
  ctx.fill(area);
  ctx.strokeStyle = COLORS.load;
  ctx.lineWidth = 1.5;
  ctx.lineJoin = 'round';
  ctx.stroke(path);
}

// The chart scrolls continuously: redraw at ~30 fps while visible (frames stop when hidden).
function frame(now) {
  if (chartDirty || now - lastDraw >= 33) {
    chartDirty = false;
    lastDraw = now;
    drawChart(performance.now());
  }
  requestAnimationFrame(frame);
}

new ResizeObserver(() => {
  chartDirty = true;
  drawSpark();
}).observe(document.body);

// ---------------------------------------------------------------- wiring

el.form.addEventListener('change', (e) => {
  const t = e.target;
  if (t.name === 'impl' && IMPLS.includes(t.value)) demo.requested.impl = t.value;
  else if (t.name === 'transport' && TRANSPORTS.includes(t.value)) demo.requested.transport = t.value;
  else return;
  writeChoice(demo.requested);
  syncSwitches();
  connect();
});

el.toggle.addEventListener('click', () => {
  if (current && demo.readyState !== 'CLOSED') disconnect();
  else connect();
});

window.addEventListener('pagehide', () => disconnect({ quiet: true }));

async function main() {
  const choice = readChoice();
  let impl = choice.impl;
  if (!impl) {
    // No choice in the URL: the polyfill when it is built, else the native one.
    impl = (await loadPolyfill()) ? 'polyfill' : 'native';
  }
  demo.requested = { impl, transport: choice.transport };
  syncSwitches();
  renderConnection();
  requestAnimationFrame(frame);
  await connect();
}

main();
