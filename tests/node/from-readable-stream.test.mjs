// EventSource.fromReadableStream() (whatwg/html#12272) in Node: a stream from Readable.toWeb(),
// a fetch() body from a local node:http server, streams split in hostile places, the end and the
// failure of the stream (one error, CLOSED), close() cancelling the stream, locked and non-streams.
//
// Run: node --test tests/node/ (after `bash scripts/build.sh`).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { Readable } from 'node:stream';

import { EventSource } from 'eventsource-wasm';

/** Bound for one test (a failure when reached, never a pass). */
const BOUND = { timeout: 30_000 };
/** How long a test watches for an event that must not come (a second error, a reconnection). */
const QUIET_MS = 300;

const encoder = new TextEncoder();
const quiet = () => new Promise((resolve) => { setTimeout(resolve, QUIET_MS); });

// ---- A local HTTP server: GET /sse?parts=<JSON array of base64 parts>[&hold=1] ----------------
// Writes each part as a chunk of its own (the next one on the next turn of the event loop), then
// ends the response, or holds it open with hold=1. Each response is announced on `responses` so
// that a test can see it close.

let server;
let origin;
const responses = [];
let announce = null;

before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname !== '/sse') {
      res.writeHead(404).end();
      return;
    }
    const parts = JSON.parse(url.searchParams.get('parts') || '[]').map((b64) => Buffer.from(b64, 'base64'));
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    responses.push(res);
    announce?.(res);
    let next = 0;
    const write = () => {
      if (res.destroyed) return;
      if (next < parts.length) {
        res.write(parts[next++]);
        setImmediate(write);
      } else if (url.searchParams.get('hold') !== '1') {
        res.end();
      }
    };
    write();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  for (const res of responses) res.destroy();
  server.closeAllConnections?.();
  await new Promise((resolve) => { server.close(resolve); });
});

/** The URL of a response made of `parts` (strings or byte arrays). */
function sseUrl(parts, { hold = false } = {}) {
  const b64 = parts.map((p) => Buffer.from(typeof p === 'string' ? encoder.encode(p) : Uint8Array.from(p)).toString('base64'));
  return `${origin}/sse?parts=${encodeURIComponent(JSON.stringify(b64))}${hold ? '&hold=1' : ''}`;
}

/** Resolves with the next response the server starts. */
function nextResponse() {
  return new Promise((resolve) => {
    announce = (res) => {
      announce = null;
      resolve(res);
    };
  });
}

// ---- Streams and recording -------------------------------------------------------------------

/** A web stream that makes each chunk only when it is read (none before), then closes. */
function paced(chunks, log = { cancels: 0 }) {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++]);
      else controller.close();
    },
    cancel() {
      log.cancels++;
    },
  }, { highWaterMark: 0 });
}

/** Every byte of `text` as a Uint8Array of its own. */
function byteByByte(...parts) {
  const out = [];
  for (const p of parts) {
    for (const b of typeof p === 'string' ? encoder.encode(p) : p) out.push(Uint8Array.of(b));
  }
  return out;
}

/**
 * Records what `es` dispatches (open, message, error and `types`) until an error leaves it
 * CLOSED; resolves with the record (each entry with the readyState at dispatch).
 */
function untilClosed(es, types = []) {
  return new Promise((resolve) => {
    const entries = [];
    const on = (e) => {
      entries.push({ type: e.type, data: e.data, lastEventId: e.lastEventId, origin: e.origin, message: e.message, readyState: es.readyState });
      if (e.type === 'error' && es.readyState === EventSource.CLOSED) resolve(entries);
    };
    for (const type of ['open', 'message', 'error', ...types]) es.addEventListener(type, on);
  });
}

/** Resolves with the next `type` event of `es`. */
function next(es, type) {
  return new Promise((resolve) => { es.addEventListener(type, resolve, { once: true }); });
}

const brief = (entries) => entries.map((e) => `${e.type}${e.data === undefined ? '' : `:${e.data}`}:${e.readyState}`);

// ---- Tests -----------------------------------------------------------------------------------

test('a Readable.toWeb() stream: open, messages with ids, origin "null", url about:event-stream, then one error (CLOSED)', BOUND, async () => {
  const readable = Readable.from([Buffer.from('id: 1\ndata: first\n\n'), Buffer.from('event: custom\ndata: second\n\n')]);
  const es = EventSource.fromReadableStream(Readable.toWeb(readable));
  assert.equal(es.url, 'about:event-stream');
  assert.equal(es.readyState, EventSource.CONNECTING);
  const entries = await untilClosed(es, ['custom']);
  assert.deepEqual(brief(entries), ['open:1', 'message:first:1', 'custom:second:1', 'error:2']);
  assert.deepEqual(entries.filter((e) => e.data !== undefined).map((e) => [e.lastEventId, e.origin]), [['1', 'null'], ['1', 'null']]);
  assert.equal(es.lastEventId, '1');
});

test('a fetch() body from a node:http server: messages, lastEventId and reconnectionTime from its fields', BOUND, async () => {
  const response = await fetch(sseUrl(['id: 42\nretry: 5000\n', 'data: hel', 'lo\n\n', 'data: é', '\n\n']));
  const es = EventSource.fromReadableStream(response.body);
  const seen = [];
  es.onmessage = (e) => seen.push([e.data, e.lastEventId, es.lastEventId, es.reconnectionTime]);
  const entries = await untilClosed(es);
  assert.deepEqual(seen, [['hello', '42', '42', 5000], ['é', '42', '42', 5000]]);
  assert.deepEqual(brief(entries), ['open:1', 'message:hello:1', 'message:é:1', 'error:2']);
});

test('split chunks: one byte per chunk (UTF-8, CR|LF, BOM); CR and LF apart; a BOM only at the start', BOUND, async () => {
  const es = EventSource.fromReadableStream(paced(byteByByte([0xEF, 0xBB, 0xBF], 'data: é€😀\r\nid: ü\r\n\r\ndata: b\r\rdata: c\n\n')));
  const entries = await untilClosed(es);
  assert.deepEqual(entries.filter((e) => e.type === 'message').map((e) => [e.data, e.lastEventId]), [['é€😀', 'ü'], ['b', 'ü'], ['c', 'ü']]);

  const chunks = ['data: a\r', '\ndata: b\r', '\n\r', '\n', '\uFEFFdata: no\n\n', 'data: ', [0xE2], [0x82], '\n\n', 'data: ', [0xE2], [0x82], [0xAC], '\n\n']
    .map((p) => (typeof p === 'string' ? encoder.encode(p) : Uint8Array.from(p)));
  const es2 = EventSource.fromReadableStream(paced(chunks));
  const entries2 = await untilClosed(es2);
  assert.deepEqual(entries2.filter((e) => e.type === 'message').map((e) => e.data), ['a\nb', '\uFFFD', '€']);
});

test('split chunks through node:http and fetch(): the same events whatever the cuts', BOUND, async () => {
  const body = encoder.encode('data: é€😀\r\nid: 7\r\n\r\nevent: t\ndata: x\n\n');
  // Cuts inside every multi-byte character and between CR and LF.
  const parts = [];
  for (let i = 0; i < body.length; i += 3) parts.push(Array.from(body.subarray(i, i + 3)));
  const response = await fetch(sseUrl(parts));
  const es = EventSource.fromReadableStream(response.body);
  const entries = await untilClosed(es, ['t']);
  assert.deepEqual(entries.filter((e) => e.data !== undefined).map((e) => [e.type, e.data, e.lastEventId]), [['message', 'é€😀', '7'], ['t', 'x', '7']]);
});

test('the end of the stream: the complete events, then one error (CLOSED, with a message), no reconnection', BOUND, async () => {
  const es = EventSource.fromReadableStream(paced([encoder.encode('data: done\n\ndata: unfinished\n')]));
  const entries = await untilClosed(es);
  await quiet();
  assert.deepEqual(brief(entries), ['open:1', 'message:done:1', 'error:2']);
  assert.equal(typeof entries.at(-1).message, 'string');
  assert.ok(entries.at(-1).message.length > 0, 'the error has no message');
});

test('a stream that fails: one error (CLOSED), with a web stream and with a Node Readable destroyed with an error', BOUND, async () => {
  let controller;
  const es = EventSource.fromReadableStream(new ReadableStream({ start(c) { controller = c; } }));
  const done = untilClosed(es);
  controller.enqueue(encoder.encode('data: a\n\n'));
  await next(es, 'message');
  controller.error(new Error('gone'));
  const entries = await done;
  await quiet();
  assert.deepEqual(brief(entries), ['open:1', 'message:a:1', 'error:2']);

  const readable = new Readable({ read() {} });
  const es2 = EventSource.fromReadableStream(Readable.toWeb(readable));
  const done2 = untilClosed(es2);
  readable.push(Buffer.from('data: b\n\n'));
  await next(es2, 'message');
  readable.destroy(new Error('connection reset'));
  const entries2 = await done2;
  await quiet();
  assert.deepEqual(brief(entries2), ['open:1', 'message:b:1', 'error:2']);
});

test('a chunk that is not a Uint8Array (a string) fails the source: one error, CLOSED, nothing after', BOUND, async () => {
  let controller;
  const es = EventSource.fromReadableStream(new ReadableStream({ start(c) { controller = c; } }));
  const done = untilClosed(es);
  controller.enqueue(encoder.encode('data: a\n\n'));
  await next(es, 'message');
  controller.enqueue('data: not bytes\n\n');
  controller.enqueue(encoder.encode('data: after\n\n'));
  const entries = await done;
  await quiet();
  assert.deepEqual(brief(entries), ['open:1', 'message:a:1', 'error:2']);
});

test('close() cancels the stream: a web stream\'s cancel(), a Node Readable destroyed, a fetch() body\'s connection closed', BOUND, async () => {
  // A web stream.
  let controller;
  let cancelled;
  const cancel = new Promise((resolve) => { cancelled = resolve; });
  const es = EventSource.fromReadableStream(new ReadableStream({ start(c) { controller = c; }, cancel: (reason) => cancelled(reason) }));
  const events = [];
  es.addEventListener('error', () => events.push('error'));
  controller.enqueue(encoder.encode('data: a\n\n'));
  await next(es, 'message');
  es.close();
  assert.equal(es.readyState, EventSource.CLOSED);
  await cancel;

  // A Node Readable behind Readable.toWeb().
  // Readable.toWeb()'s cancel destroys the Readable with an AbortError.
  const readable = new Readable({ read() {} });
  const destroyedWith = once(readable, 'error');
  const es2 = EventSource.fromReadableStream(Readable.toWeb(readable));
  es2.addEventListener('error', () => events.push('error'));
  readable.push(Buffer.from('data: b\n\n'));
  await next(es2, 'message');
  es2.close();
  const [reason] = await destroyedWith;
  assert.equal(reason.name, 'AbortError');
  assert.equal(readable.destroyed, true);

  // A fetch() body: the server sees its response closed.
  const started = nextResponse();
  const response = await fetch(sseUrl(['data: c\n\n'], { hold: true }));
  const res = await started;
  const es3 = EventSource.fromReadableStream(response.body);
  es3.addEventListener('error', () => events.push('error'));
  await next(es3, 'message');
  const closed = once(res, 'close');
  es3.close();
  await closed;

  await quiet();
  assert.deepEqual(events, [], 'error events after close()');
});

test('a locked stream, and anything but a ReadableStream, throw a TypeError', () => {
  const stream = new ReadableStream();
  const reader = stream.getReader();
  assert.throws(() => EventSource.fromReadableStream(stream), TypeError);
  assert.equal(stream.locked, true);
  reader.releaseLock();
  for (const value of [undefined, null, {}, 'data: x\n\n', Readable.from([]), new Response('x'), { getReader() {}, locked: false }]) {
    assert.throws(() => EventSource.fromReadableStream(value), TypeError, `fromReadableStream(${Object.prototype.toString.call(value)})`);
  }
  assert.throws(() => EventSource.fromReadableStream(), TypeError);
});
