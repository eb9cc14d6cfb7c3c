// Memory over a long stream: one contender reads /t/endless (n events in all) and samples the JS
// heap (performance.memory, Chromium only) and, for this polyfill, the engine's wasm memory:
// the peak over a sample every MiB of the stream, a kept sample every `every` events (16 MiB) and
// at the end. fetch-drain (fetch + TextDecoder, no parsing: the floor any fetch-based reader
// pays) is sampled by bytes instead of events and ends with the stream; with `pace` it reads no
// faster than that (the runner passes wasm-fetch's own rate: the drain at the package's pace). The polyfill comes from
// /js/index.js here: the same sources as dist/index.js, unbundled, so that its wasm-bindgen glue
// is the module instance of /pkg/eventsource_wasm.js, whose init() hands out the exports,
// `memory` included (the dist bundle keeps them private).
// Query: c=contender, u=stream URL, n=events, every=events, pace=MB/s (fetch-drain only: no faster),
// timeout=ms, r/s/job (see common.js).

import { q, finish, heap, gc, sleep } from './common.js';
import { prepare } from './contenders.js';

const name = q.get('c');
const url = q.get('u');
const n = Number(q.get('n'));
const every = Math.max(1, Number(q.get('every')) || 262144);
const timeout = Number(q.get('timeout')) || 120000;

// The largest chunk any reader of the page gets: fetch reads (bytes) and XHR responseText growth
// between two reads (UTF-16 units), observed by wrapping the prototypes before the contender
// starts (one extra call per chunk). This says how large a piece the engine is handed at once.
let maxFetchChunk = 0;
let maxXhrChunk = 0;
const read = ReadableStreamDefaultReader.prototype.read;
ReadableStreamDefaultReader.prototype.read = function (...a) {
  return read.apply(this, a).then((r) => {
    if (r.value?.byteLength > maxFetchChunk) maxFetchChunk = r.value.byteLength;
    return r;
  });
};
const seen = new WeakMap();
const textGetter = Object.getOwnPropertyDescriptor(XMLHttpRequest.prototype, 'responseText').get;
Object.defineProperty(XMLHttpRequest.prototype, 'responseText', {
  configurable: true,
  get() {
    const text = textGetter.call(this);
    const grown = text.length - (seen.get(this) ?? 0);
    seen.set(this, text.length);
    if (grown > maxXhrChunk) maxXhrChunk = grown;
    return text;
  },
});

const wasmContender = name.startsWith('wasm-');
const open = await prepare(name, '/js/index.js', { paceMBps: Number(q.get('pace')) || 0 });
let wasmMemory = () => null;
if (wasmContender) {
  const glue = await import('/pkg/eventsource_wasm.js');
  const exports = await glue.default({ module_or_path: '/pkg/eventsource_wasm_bg.wasm' });
  if (exports?.memory) wasmMemory = () => exports.memory.buffer.byteLength;
}

const hadGc = gc();
await sleep(20);
const samples = [];
const sample = (events, label) => samples.push({ label, events, bytes, t: performance.now() - t0, heap: heap(), wasm: wasmMemory(), maxFetchChunk, maxXhrChunk });
// The peaks: a look every MiB of the stream (64-byte events: every 16384 events).
const PEAK_EVENTS = 16384;
const MiB = 1048576;
let peakHeap = null;
let peakWasm = null;
let peakLooks = 0;
const lookAtPeak = () => {
  peakLooks += 1;
  const h = heap();
  const w = wasmMemory();
  if (h !== null && (peakHeap === null || h > peakHeap)) peakHeap = h;
  if (w !== null && (peakWasm === null || w > peakWasm)) peakWasm = w;
};

const drain = name === 'fetch-drain';
let count = 0;
let chars = 0;
let bytes = 0;
let errors = 0;
let settle;
const finished = new Promise((resolve) => { settle = resolve; });
const sink = {
  event(data) {
    if (count >= n) return;
    count += 1;
    chars += data.length;
    if (count % PEAK_EVENTS === 0) lookAtPeak();
    if (count % every === 0) sample(count, 'periodic');
    else if (count < every && (count & (count - 1)) === 0 && count >= 1024) sample(count, 'early');
    if (count === n) settle('done');
  },
  // fetch-drain: the same looks, by bytes (64 bytes an event).
  bytes(len, textLen) {
    const before = bytes;
    bytes += len;
    chars += textLen;
    if (Math.floor(bytes / MiB) > Math.floor(before / MiB)) lookAtPeak();
    if (Math.floor(bytes / (every * 64)) > Math.floor(before / (every * 64))) sample(count, 'periodic');
  },
  error() {
    errors += 1;
    // The stream ended (or failed) before n events: this is the end of the run.
    if ((count > 0 || (drain && bytes > 0)) && name !== 'wasm-polling') settle('ended');
  },
};

const t0 = performance.now();
sample(0, 'start');
const close = open(url, sink);
const timer = setTimeout(() => settle('timeout'), timeout);
const outcome = await finished;
clearTimeout(timer);
const tEnd = performance.now();
lookAtPeak();
sample(count, 'end');
close();
await sleep(50);
if (hadGc) gc();
sample(count, 'closed+gc');

await finish({
  ok: outcome === 'done' || outcome === 'ended',
  peakHeap,
  peakWasm,
  peakLooks,
  bytes,
  outcome,
  contender: name,
  events: count,
  chars,
  errors,
  ms: tEnd - t0,
  gc: hadGc,
  maxFetchChunk,
  maxXhrChunk,
  samples,
});
