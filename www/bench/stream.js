// Throughput: one contender streams one corpus until its known event count (or, for the
// fetch-drain baseline, its byte count); time from construction to the last event.
// With floor=1, the page then measures the platform's own floor on the same events: making and
// dispatching n MessageEvents from ready strings (see platformFloor).
// Query: c=contender, u=stream URL, n=events, b=bytes, floor=1, timeout=ms, r/s/job (see common.js).

import { q, finish, heap, gc, sleep, TYPES } from './common.js';
import { prepare } from './contenders.js';

const name = q.get('c');
const url = q.get('u');
const n = Number(q.get('n'));
const b = Number(q.get('b'));
const timeout = Number(q.get('timeout')) || 90000;

// lib=/js/index.js: the polyfill from the unbundled sources (a change in js/ measured without a build).
const open = await prepare(name, q.get('lib') || undefined);
const hadGc = gc();
await sleep(20);
const heapStart = heap();

let count = 0;
let chars = 0;
let bytes = 0;
let errors = 0;
let eventKind = null;
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
  kind(name) {
    eventKind = name;
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

/**
 * The platform's floor for these events: the corpus is fetched whole and parsed into ready
 * strings (type, data, last event ID) by eventsource-parser, untimed; then, timed, a MessageEvent
 * is made from them for each event and dispatched on an EventTarget with a listener for every
 * type (the work an EventSource that gives listeners real MessageEvents cannot avoid, with no
 * parsing, no network and no scheduling). Each way of making the event the platform offers is
 * timed after a warm-up, one after the other, for at least 200 ms; the fastest is the floor.
 */
async function platformFloor() {
  const { createParser } = await import('./vendor/eventsource-parser.js');
  const text = await (await fetch(url, { cache: 'no-store' })).text();
  const types = [];
  const data = [];
  const ids = [];
  let lastId = '';
  createParser({
    onEvent(e) {
      if (e.id !== undefined) lastId = e.id;
      types.push(e.event || 'message');
      data.push(e.data);
      ids.push(lastId);
    },
  }).feed(`${text}\n\n`);
  const origin = new URL(url, location.href).origin;
  const ways = {
    'new MessageEvent(type, { data, lastEventId, origin })': (t, d, i) => new MessageEvent(t, { data: d, lastEventId: i, origin }),
    'new MessageEvent(type, { data, lastEventId })': (t, d, i) => new MessageEvent(t, { data: d, lastEventId: i }),
    'createEvent + initMessageEvent(type, .., data, origin, lastEventId)': (t, d, i) => {
      const e = document.createEvent('MessageEvent');
      e.initMessageEvent(t, false, false, d, origin, i, null);
      return e;
    },
  };
  // Whole passes over the events until `minMs` have passed (a corpus of few, large events would
  // otherwise take less than the clock's resolution); bounded.
  const pass = (make, count, minMs) => {
    const target = new EventTarget();
    let seen = 0;
    let chars = 0;
    const onEvent = (e) => {
      seen += 1;
      chars += e.data.length;
    };
    for (const type of TYPES) target.addEventListener(type, onEvent);
    const t = performance.now();
    let ms = 0;
    for (let reps = 0; reps < 10000 && (reps === 0 || ms < minMs); reps++) {
      for (let i = 0; i < count; i++) target.dispatchEvent(make(types[i], data[i], ids[i]));
      ms = performance.now() - t;
    }
    return { ms, seen, chars };
  };
  const out = { events: types.length, ways: {} };
  for (const make of Object.values(ways)) pass(make, Math.min(types.length, 20000), 0);
  for (const [name, make] of Object.entries(ways)) {
    const r = pass(make, types.length, 200);
    out.ways[name] = { ms: r.ms, eventsPerS: r.seen / (r.ms / 1000), seen: r.seen };
  }
  const best = Object.entries(out.ways).sort((a, b) => b[1].eventsPerS - a[1].eventsPerS)[0];
  out.best = best[0];
  out.eventsPerS = best[1].eventsPerS;
  return out;
}

let floor = null;
if (q.get('floor') === '1' && outcome === 'done') {
  try {
    floor = await platformFloor();
  } catch (e) {
    floor = { error: String(e) };
  }
}

await finish({
  ok: outcome === 'done',
  outcome,
  contender: name,
  events: count,
  bytes: name === 'fetch-drain' ? bytes : b,
  chars,
  errors,
  eventKind,
  ms: (tLast ?? performance.now()) - t0,
  firstMs: tFirst === null ? null : tFirst - t0,
  heapStart,
  heapEnd,
  heapAfterGc,
  floor,
});
