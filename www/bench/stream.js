// Throughput: one contender streams one corpus until its known event count (or, for the
// fetch-drain baseline, its byte count); time from construction to the last event.
// Query: c=contender, u=stream URL, n=events, b=bytes, timeout=ms, r/s/job (see common.js).

import { q, finish, heap, gc, sleep } from './common.js';
import { prepare } from './contenders.js';

const name = q.get('c');
const url = q.get('u');
const n = Number(q.get('n'));
const b = Number(q.get('b'));
const timeout = Number(q.get('timeout')) || 90000;

const open = await prepare(name);
const hadGc = gc();
await sleep(20);
const heapStart = heap();

let count = 0;
let chars = 0;
let bytes = 0;
let errors = 0;
let tFirst = null;
let tLast = null;
let settle;
const finished = new Promise((resolve) => { settle = resolve; });
const sink = {
  event(data) {
    if (count >= n) return;
    const now = performance.now();
    if (count === 0) tFirst = now;
    count += 1;
    chars += data.length;
    if (count === n) {
      tLast = now;
      settle('done');
    }
  },
  bytes(len, textLen) {
    if (bytes >= b) return;
    const now = performance.now();
    if (bytes === 0) tFirst = now;
    bytes += len;
    chars += textLen;
    if (bytes >= b) {
      tLast = now;
      settle('done');
    }
  },
  error() {
    errors += 1;
  },
};

const t0 = performance.now();
const close = open(url, sink);
const timer = setTimeout(() => settle('timeout'), timeout);
const outcome = await finished;
clearTimeout(timer);
close();
const heapEnd = heap();
if (hadGc) gc();
const heapAfterGc = hadGc ? heap() : null;

await finish({
  ok: outcome === 'done',
  outcome,
  contender: name,
  events: count,
  bytes: name === 'fetch-drain' ? bytes : b,
  chars,
  errors,
  ms: (tLast ?? performance.now()) - t0,
  firstMs: tFirst === null ? null : tFirst - t0,
  heapStart,
  heapEnd,
  heapAfterGc,
});
