// The wasm parser against eventsource-parser on the same bytes in the same page: the corpus is
// fetched once into memory, then both parse it in 16 KiB chunks, alternately, `reps` times each
// after one warm-up each. Both hand out strings: the wasm side is `StreamParser.feed` (bytes in,
// one batch view out) + `readBatch` (one TextDecoder call per batch); eventsource-parser gets a
// streaming TextDecoder per chunk, as it needs strings. A third figure, wasm + dispatch, also
// makes a MessageEvent per event and dispatches it on an EventTarget with one listener: the
// work an EventSource built on DOM events (native, this polyfill, eventsource) does at least.
// Query: u=corpus URL, n=events, reps, r/s/job (see common.js).

import { q, finish, TYPES } from './common.js';
import init, { StreamParser } from '/pkg/tools/eventsource_wasm.js';
import { batchState, readBatch } from '/js/batch.js';
import { createParser } from './vendor/eventsource-parser.js';

const CHUNK = 16 * 1024;
const url = q.get('u');
const n = Number(q.get('n'));
const reps = Math.min(50, Math.max(1, Number(q.get('reps')) || 5));

await init({ module_or_path: '/pkg/tools/eventsource_wasm_bg.wasm' });
const bytes = new Uint8Array(await (await fetch(url, { cache: 'no-store' })).arrayBuffer());
const chunks = [];
for (let at = 0; at < bytes.length; at += CHUNK) chunks.push(bytes.subarray(at, Math.min(at + CHUNK, bytes.length)));

function wasmOnce() {
  const parser = new StreamParser();
  const state = batchState();
  let events = 0;
  let chars = 0;
  const deliver = (type, data) => {
    events += 1;
    chars += data.length;
    return true;
  };
  for (let i = 0; i < chunks.length; i++) readBatch(parser.feed(chunks[i]), state, deliver);
  parser.end();
  parser.free();
  return { events, chars };
}

// The profile of wasmOnce, for the table: the parse alone (views out, no strings), then the
// parse and the one decode per batch (a string per chunk, not yet per event).
function feedOnce() {
  const parser = new StreamParser();
  let bytesOut = 0;
  for (let i = 0; i < chunks.length; i++) bytesOut += parser.feed(chunks[i]).length;
  parser.free();
  return { bytesOut };
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
function decodeOnce() {
  const parser = new StreamParser();
  let chars = 0;
  for (let i = 0; i < chunks.length; i++) chars += decoder.decode(parser.feed(chunks[i])).length;
  parser.free();
  return { chars };
}

function dispatchOnce() {
  const parser = new StreamParser();
  const state = batchState();
  const target = new EventTarget();
  let events = 0;
  let chars = 0;
  const onEvent = (e) => {
    events += 1;
    chars += e.data.length;
  };
  for (const type of TYPES) target.addEventListener(type, onEvent);
  const origin = location.origin;
  const deliver = (type, data, lastEventId) => {
    target.dispatchEvent(new MessageEvent(type, { data, origin, lastEventId }));
    return true;
  };
  for (let i = 0; i < chunks.length; i++) readBatch(parser.feed(chunks[i]), state, deliver);
  parser.end();
  parser.free();
  return { events, chars };
}

function espOnce() {
  let events = 0;
  let chars = 0;
  const parser = createParser({
    onEvent(e) {
      events += 1;
      chars += e.data.length;
    },
  });
  const decoder = new TextDecoder();
  for (let i = 0; i < chunks.length; i++) parser.feed(decoder.decode(chunks[i], { stream: true }));
  const tail = decoder.decode();
  if (tail) parser.feed(tail);
  return { events, chars };
}

function time(fn) {
  const t0 = performance.now();
  const r = fn();
  return { ...r, ms: performance.now() - t0 };
}

const out = { wasm: [], esp: [], dispatch: [], feed: [], decode: [] };
const warm = { wasm: time(wasmOnce), esp: time(espOnce) };
const dispatchReps = Math.min(reps, 2); // slow (a DOM event each): fewer passes, no warm-up of its own
for (let i = 0; i < reps; i++) {
  out.wasm.push(time(wasmOnce));
  out.esp.push(time(espOnce));
  out.feed.push(time(feedOnce));
  out.decode.push(time(decodeOnce));
  if (i < dispatchReps) out.dispatch.push(time(dispatchOnce));
}
const counts = [...out.wasm, ...out.esp, ...out.dispatch, warm.wasm, warm.esp].map((r) => r.events);
await finish({
  ok: counts.every((c) => c === n),
  bytes: bytes.length,
  events: { wasm: warm.wasm.events, esp: warm.esp.events },
  chars: { wasm: warm.wasm.chars, esp: warm.esp.chars },
  wasmMs: out.wasm.map((r) => r.ms),
  espMs: out.esp.map((r) => r.ms),
  dispatchMs: out.dispatch.map((r) => r.ms),
  feedMs: out.feed.map((r) => r.ms),
  decodeMs: out.decode.map((r) => r.ms),
});
