// The package in Node (18-21 have no global EventSource): `import 'eventsource-wasm/global'` and
// `import { EventSource } from 'eventsource-wasm'`, against the reference server. The package is
// imported by its own name: Node resolves it inside this package through "exports" (dist/).
//
// Run: node --test tests/node/ (after `bash scripts/build.sh` and
// `cargo build --release -p eventsource-wasm-server`).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { EventSource, ready } from 'eventsource-wasm';
import { startServer } from '../e2e/harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Bound for one test (a failure when reached, never a pass). */
const BOUND = { timeout: 30_000 };

let server;

before(async () => {
  server = await startServer({ name: 'node-tests' });
});

after(async () => {
  await server?.stop();
});

/**
 * Opens `url` and records what happens until `count` events of `types` (then closes it) or
 * until the source fails (readyState CLOSED).
 */
function collect(url, { count, types = ['message'], options } = {}) {
  return new Promise((resolve) => {
    const record = { events: [], errors: [], opens: 0, failed: null, source: null };
    const es = new EventSource(url, options);
    record.source = es;
    es.onopen = () => {
      record.opens++;
    };
    const onEvent = (e) => {
      record.events.push({ type: e.type, data: e.data, lastEventId: e.lastEventId, origin: e.origin, readyState: es.readyState });
      if (record.events.length === count) {
        es.close();
        resolve(record);
      }
    };
    for (const type of types) es.addEventListener(type, onEvent);
    es.onerror = (e) => {
      record.errors.push(es.readyState);
      if (es.readyState === EventSource.CLOSED) {
        record.failed = e.message ?? '';
        resolve(record);
      }
    };
  });
}

/** Runs an ES module snippet in a fresh Node process in this package; resolves with its stdout JSON. */
function runNode(source, { args = [], env = {} } = {}) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...args, '--input-type=module', '-e', source], {
      cwd: ROOT, env: { ...process.env, ...env }, timeout: 25_000,
    }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${err.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        reject(new Error(`no JSON from the child process:\n${stdout}\n${stderr}`));
      }
    });
  });
}

/** `[{ lastEventId, query }]` of the requests the server saw with `key=` in their query. */
async function requestsFor(key) {
  const res = await fetch(`${server.origin}/t/log?key=${key}`);
  const log = await res.json();
  return log.requests;
}

test('ready() resolves: the engine carried in the module is inflated and instantiated', BOUND, async () => {
  await ready();
  await EventSource.ready;
});

test("'eventsource-wasm/global' installs EventSource where there is none", BOUND, async () => {
  const r = await runNode(`
    const before = typeof globalThis.EventSource;
    await import('eventsource-wasm/global');
    const { EventSource } = await import('eventsource-wasm');
    const d = Object.getOwnPropertyDescriptor(globalThis, 'EventSource');
    console.log(JSON.stringify({ before, installed: globalThis.EventSource === EventSource,
      writable: d.writable, configurable: d.configurable, enumerable: d.enumerable }));`);
  assert.deepEqual(r, { before: 'undefined', installed: true, writable: true, configurable: true, enumerable: false });
});

test("'eventsource-wasm/global' leaves an existing EventSource alone", BOUND, async () => {
  const r = await runNode(`
    class Existing {}
    globalThis.EventSource = Existing;
    await import('eventsource-wasm/global');
    const { EventSource } = await import('eventsource-wasm');
    console.log(JSON.stringify({ kept: globalThis.EventSource === Existing, classStillUsable: typeof EventSource === 'function' && EventSource !== Existing }));`);
  assert.deepEqual(r, { kept: true, classStillUsable: true });
});

test('events with ids, origin, open, readyState', BOUND, async () => {
  const r = await collect(`${server.origin}/t/counter?count=3&end=1`, { count: 3 });
  assert.deepEqual(r.events.map((e) => `${e.data}#${e.lastEventId}`), ['1#1', '2#2', '3#3']);
  assert.ok(r.events.every((e) => e.origin === server.origin && e.readyState === EventSource.OPEN));
  assert.equal(r.opens, 1);
  assert.equal(r.source.readyState, EventSource.CLOSED);
});

test('reconnection sends Last-Event-ID and the stream resumes after it', BOUND, async () => {
  const key = `reconnect-${process.pid}`;
  const r = await collect(`${server.origin}/t/counter?count=5&drop_after=2&retry=50&end=1&key=${key}`, { count: 5 });
  assert.deepEqual(r.events.map((e) => `${e.data}#${e.lastEventId}`), ['1#1', '2#2', '3#3', '4#4', '5#5']);
  assert.deepEqual(r.errors, [EventSource.CONNECTING, EventSource.CONNECTING]);
  assert.equal(r.opens, 3);
  const seen = await requestsFor(key);
  assert.deepEqual(seen.map((q) => q.lastEventId), [null, '2', '4']);
});

test('custom headers reach the server', BOUND, async () => {
  const r = await collect(`${server.origin}/t/echo`, {
    count: 1,
    types: ['headers'],
    options: { headers: { Authorization: 'Bearer node', 'X-Custom': 'yes' } },
  });
  const echo = JSON.parse(r.events[0].data);
  assert.equal(echo.authorization, 'Bearer node');
  assert.equal(echo.headers['x-custom'], 'yes');
  assert.equal(echo.accept, 'text/event-stream');
});

test('close(): readyState CLOSED at once, nothing more is dispatched, the request ends', BOUND, async () => {
  let events = 0;
  const es = new EventSource(`${server.origin}/t/counter?count=3`); // stays open after 3
  await new Promise((resolve, reject) => {
    es.onmessage = () => {
      events++;
      es.close();
      resolve();
    };
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) reject(new Error('failed'));
    };
  });
  assert.equal(es.readyState, EventSource.CLOSED);
  // The rest of that chunk's events are not dispatched; then the server sees the client leave.
  // Nothing to await for the latter but the server's own count: ask it a bounded number of times.
  let streams = -1;
  for (let i = 0; i < 200 && streams !== 0; i++) {
    ({ streams } = await (await fetch(`${server.origin}/t/clients`)).json());
    if (streams !== 0) await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(streams, 0, 'the server still streams to a closed source');
  assert.equal(events, 1);
});

test('a failing status fails the connection: one error, readyState CLOSED, a message', BOUND, async () => {
  const r = await collect(`${server.origin}/t/status/500`, { count: 1 });
  assert.deepEqual(r.events, []);
  assert.deepEqual(r.errors, [EventSource.CLOSED]);
  assert.match(r.failed, /status/i);
});

test('a wrong Content-Type fails the connection', BOUND, async () => {
  const r = await collect(`${server.origin}/t/script?ctype=text/plain&body=data:%20x%0A%0A`, { count: 1 });
  assert.deepEqual(r.errors, [EventSource.CLOSED]);
  assert.match(r.failed, /content.type/i);
});

test('a relative URL has no base in Node: SyntaxError', () => {
  assert.throws(() => new EventSource('/t/counter'), (err) => err instanceof DOMException && err.name === 'SyntaxError');
});

test('without WebAssembly compilation, the JavaScript engine (eventsource.nowasm.js) does the same', BOUND, async () => {
  // As under a CSP without 'wasm-unsafe-eval': WebAssembly.Module refuses to compile, and
  // instantiating the engine's bytes would fail too (Node's own fetch instantiates its compiled
  // llhttp module, which stays allowed).
  const r = await runNode(`
    const { Module, instantiate } = WebAssembly;
    WebAssembly.Module = function () { throw new WebAssembly.CompileError('refused'); };
    WebAssembly.instantiate = (m, imports) => (m instanceof Module ? instantiate(m, imports) : Promise.reject(new Error('the wasm engine was used')));
    WebAssembly.instantiateStreaming = () => Promise.reject(new Error('the wasm engine was used'));
    const { EventSource, ready } = await import('eventsource-wasm');
    await ready();
    const events = [];
    const errors = [];
    await new Promise((resolve) => {
      const es = new EventSource(process.env.SSE_ORIGIN + '/t/counter?count=5&drop_after=2&retry=50&end=1');
      es.onmessage = (e) => { events.push(e.data + '#' + e.lastEventId); if (events.length === 5) { es.close(); resolve(); } };
      es.onerror = () => { errors.push(es.readyState); if (es.readyState === 2) resolve(); };
    });
    const echo = await new Promise((resolve) => {
      const es = new EventSource(process.env.SSE_ORIGIN + '/t/echo', { headers: { Authorization: 'Bearer js' } });
      es.addEventListener('headers', (e) => { es.close(); resolve(JSON.parse(e.data).authorization); });
      es.onerror = () => { if (es.readyState === 2) resolve('failed'); };
    });
    console.log(JSON.stringify({ events, errors, echo }));`, { env: { SSE_ORIGIN: server.origin } });
  assert.deepEqual(r, { events: ['1#1', '2#2', '3#3', '4#4', '5#5'], errors: [0, 0], echo: 'Bearer js' });
});
