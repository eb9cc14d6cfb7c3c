// Helpers for the reliability tests (tests/e2e/reliability.test.mjs, tests/soak/run.mjs),
// exposed as `window.rel` once loaded (`rel.ready === true`).
//
// `rel.watch(url, options)` opens an EventSource and keeps a compact log of what it saw: counts,
// the open/error sequence with readyState and time, and id continuity counters (ids are read as
// integers), so a long run costs no memory per event. Everything is bounded: `settle` waits for
// the engine's resources with a fixed number of animation frames.

const params = new URLSearchParams(location.search);
const build = params.get('build') === 'src' ? 'src' : 'dist';
const mod = await import(build === 'src' ? '/js/index.js' : '/dist/index.js');
const { EventSource, ready, liveResources } = mod;

const STATES = ['CONNECTING', 'OPEN', 'CLOSED'];

/** One watched source. */
class Watch {
  constructor(url, options, { keep = 0, numericIds = true } = {}) {
    this.url = url;
    this.keep = keep;
    this.numericIds = numericIds;
    this.log = {
      opens: 0,
      errors: 0,
      messages: 0,
      /** First `keep` messages: [type, data, lastEventId]. */
      kept: [],
      /** open/error in order: { k, rs, t, msg } (rs = readyState inside the handler). */
      seq: [],
      idFirst: null,
      idLast: null,
      lost: 0,
      repeated: 0,
      breaks: [],
      /** Messages since the last open. */
      sinceOpen: 0,
      lastData: null,
      closedBy: null,
    };
    this.es = new EventSource(url, options);
    const log = this.log;
    this.es.addEventListener('open', () => {
      log.opens += 1;
      log.sinceOpen = 0;
      log.seq.push({ k: 'open', rs: this.es.readyState, t: Date.now() });
    });
    this.es.addEventListener('error', (e) => {
      log.errors += 1;
      log.seq.push({ k: 'error', rs: this.es.readyState, t: Date.now(), msg: e.message ?? null });
    });
    this.es.addEventListener('message', (e) => this.#message(e));
  }

  /** Also counts events of these types (the message listener only sees `message`). */
  listen(...types) {
    for (const type of types) this.es.addEventListener(type, (e) => this.#message(e));
    return this;
  }

  #message(e) {
    const log = this.log;
    log.messages += 1;
    log.sinceOpen += 1;
    if (log.kept.length < this.keep) log.kept.push([e.type, e.data, e.lastEventId]);
    log.lastData = e.data.length > 200 ? `${e.data.slice(0, 200)}…(${e.data.length})` : e.data;
    if (!this.numericIds || e.lastEventId === '') return;
    const id = Number(e.lastEventId);
    if (log.idLast === null) {
      log.idFirst = id;
    } else if (id !== log.idLast + 1) {
      if (id > log.idLast + 1) log.lost += id - log.idLast - 1;
      else log.repeated += 1;
      if (log.breaks.length < 20) log.breaks.push([log.idLast, id]);
    }
    log.idLast = id;
  }

  close() {
    this.es.close();
  }

  snapshot() {
    return { url: this.url, readyState: this.es.readyState, state: STATES[this.es.readyState], ...this.log, kept: this.log.kept.slice(), seq: this.log.seq.slice(), breaks: this.log.breaks.slice() };
  }
}

const watches = [];

/** Bounded wait for the next animation frame (headless Chromium runs them). */
function frame() {
  return new Promise((resolve) => requestAnimationFrame(() => resolve()));
}

/** Full GC (with --js-flags=--expose-gc), then the used JS heap (with --enable-precise-memory-info). */
function heap() {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
  return performance.memory ? performance.memory.usedJSHeapSize : null;
}

let wasmExports = null;

/** The engine's wasm memory in bytes (build=src only: the bundle keeps its instance private). */
async function wasmMemory() {
  if (build !== 'src') return null;
  await ready();
  if (!wasmExports) {
    const glue = await import('/pkg/eventsource_wasm.js');
    wasmExports = await glue.default({ module_or_path: '/pkg/eventsource_wasm_bg.wasm' });
  }
  return wasmExports.memory.buffer.byteLength;
}

/** Heap high-water mark, sampled every animation frame while running. */
const peak = {
  running: false,
  max: 0,
  start() {
    this.max = performance.memory ? performance.memory.usedJSHeapSize : 0;
    if (this.running) return;
    this.running = true;
    const tick = () => {
      if (!this.running) return;
      if (performance.memory) this.max = Math.max(this.max, performance.memory.usedJSHeapSize);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  },
  stop() {
    this.running = false;
    return this.max;
  },
};

window.rel = {
  ready: false,
  build,
  EventSource,
  engineReady: ready,
  liveResources,
  watches,
  heap,
  wasmMemory,
  peak,
  frame,
  watch(url, options = {}, extra = {}) {
    watches.push(new Watch(url, options, extra));
    return watches.length - 1;
  },
  snapshot(i) {
    return watches[i].snapshot();
  },
  close(i) {
    watches[i].close();
    return watches[i].es.readyState;
  },
  closeAll() {
    for (const w of watches) w?.close();
  },
  /** Drops the page's own references to closed watches, so heap figures show the engine's. */
  forget(ids) {
    for (const i of ids) watches[i] = null;
  },
  /** Waits (at most `frames` animation frames) until no source, request or timer is alive. */
  async settle(frames = 600) {
    for (let i = 0; i < frames; i++) {
      const live = liveResources();
      if (live.every((n) => n === 0)) return { live, frames: i };
      await frame();
    }
    return { live: liveResources(), frames };
  },
  /**
   * The parser alone, from /pkg/tools/ (its own instance, whatever the build): `n` tiny events in ONE
   * chunk, fed in one call. Returns the events decoded and the wasm memory before and after.
   */
  async oneChunk(n) {
    const glue = await import('/pkg/tools/eventsource_wasm.js');
    const { batchState, readBatch } = await import('/js/batch.js');
    const exports = await glue.default({ module_or_path: '/pkg/tools/eventsource_wasm_bg.wasm' });
    const unit = new TextEncoder().encode('data: a\n\n');
    const bytes = new Uint8Array(unit.length * n);
    for (let i = 0; i < n; i++) bytes.set(unit, i * unit.length);
    const before = exports.memory.buffer.byteLength;
    const parser = new glue.StreamParser();
    let events = 0;
    let wrong = 0;
    try {
      const view = parser.feed(bytes);
      readBatch(view, batchState(), (type, data) => {
        events += 1;
        if (type !== 'message' || data !== 'a') wrong += 1;
        return true;
      });
      parser.end();
    } finally {
      parser.free();
    }
    return { events, wrong, bytes: bytes.length, wasmBefore: before, wasmAfter: exports.memory.buffer.byteLength };
  },
};
window.rel.ready = true;
document.getElementById('status').textContent = `ready (build=${build})`;
