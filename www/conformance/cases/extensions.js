// The polyfill's extensions (skipped for a native EventSource): transports, the polling
// convention, lastEventIdQueryParameter, headers, heartbeatTimeout, maxEventSize, backoff,
// the error message, the entry points.

import { bytes, after } from '../lib.js';

const section = 'extensions';
const polyfillOnly = true;
const STREAMING_ONLY = (ctx) => (ctx.transport === 'polling'
  ? 'relies on streaming reconnection semantics (this pass forces polling)'
  : null);

/** A body exercising the parser's edge cases (BOM, CR/LF/CRLF, UTF-8, invalid byte). */
const TRICKY = bytes('\uFEFFdata: é€😀\r\nid: 1\r', 'event: t\rdata: a\r\n\r\n', ': c\n', 'data: ', [0xff], '\n\n');

function counterIds(messages, n) {
  return messages.slice(0, n).map((e) => [e.data, e.lastEventId]);
}
const upTo = (n) => Array.from({ length: n }, (_, i) => [String(i + 1), String(i + 1)]);

function sentIds(requests, n) {
  return requests.slice(0, n).map((r) => r.lastEventId ?? r.query.lastEventId ?? null);
}

const transportCase = (transport) => ({
  id: `ext-transport-${transport}`,
  section,
  polyfillOnly,
  title: `transport "${transport}" delivers the same events (tricky body, resumed counter)`,
  run: async (ctx) => {
    const init = { transport };
    const tricky = await ctx.parse(TRICKY, { init, split: [2, 16, after(TRICKY, 13)], types: ['t'] });
    ctx.eq(tricky.map((e) => [e.type, e.data, e.lastEventId]), [['t', 'é€😀\na', '1'], ['message', '\uFFFD', '1']], 'events of the tricky body');
    const es = ctx.open(ctx.url('/t/counter', { count: 5, drop_after: 2, retry: 50 }), init);
    const rec = ctx.record(es);
    await rec.untilCount('message', 5);
    es.close();
    ctx.eq(counterIds(rec.of('message'), 5), upTo(5), '[data, lastEventId]');
    const errors = rec.count('error');
    if (transport === 'polling') ctx.eq(errors, 0, 'errors in polling mode');
    else ctx.eq(errors, 2, 'errors (one per drop)');
  },
});

const cases = [
  transportCase('fetch'),
  transportCase('xhr'),
  transportCase('polling'),
  {
    id: 'ext-polling-convention',
    section,
    polyfillOnly,
    title: 'polling: X-Requested-With on every request, Last-Event-ID between polls, readyState stays OPEN, no error',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 6, drop_after: 2 }), { transport: 'polling' });
      const rec = ctx.record(es);
      await rec.untilCount('message', 6);
      es.close();
      ctx.eq(counterIds(rec.of('message'), 6), upTo(6), '[data, lastEventId]');
      ctx.eq(rec.entries.slice(0, 7).map((e) => [e.type, e.readyState]), [['open', 1], ...Array(6).fill(['message', 1])], '[event, readyState]');
      const { requests } = await ctx.log();
      ctx.assert(requests.length >= 3, `only ${requests.length} requests`);
      ctx.eq(requests.map((r) => r.xRequestedWith), requests.map(() => 'XMLHttpRequest'), 'X-Requested-With of every request');
      ctx.eq(sentIds(requests, 3), [null, '2', '4'], 'last event IDs of the first three polls');
    },
  },
  {
    id: 'ext-polling-no-loss',
    section,
    polyfillOnly,
    title: 'polling: 20 events over 7 polls, none lost or repeated, no error',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 20, drop_after: 3 }), { transport: 'polling' });
      const rec = ctx.record(es);
      await rec.untilCount('message', 20);
      es.close();
      ctx.eq(counterIds(rec.of('message'), 20), upTo(20), '[data, lastEventId]');
      ctx.eq([rec.count('open'), rec.count('error')], [1, 0], '[open, error] events');
    },
  },
  {
    id: 'ext-polling-text-plain',
    section,
    polyfillOnly,
    title: 'polling accepts a text/plain response',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 3, drop_after: 2, poll_ctype: 'text/plain' }), { transport: 'polling' });
      const rec = ctx.record(es);
      await rec.untilCount('message', 3);
      es.close();
      ctx.eq(counterIds(rec.of('message'), 3), upTo(3), '[data, lastEventId]');
    },
  },
  {
    id: 'ext-polling-cross-origin',
    section,
    polyfillOnly,
    title: 'polling to another origin (preflighted) works',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 4, drop_after: 2 }, { origin: ctx.origin2 }), { transport: 'polling' });
      const rec = ctx.record(es);
      await rec.untilCount('message', 4);
      es.close();
      ctx.eq(rec.of('message').slice(0, 4).map((e) => [e.data, e.origin]), [1, 2, 3, 4].map((n) => [String(n), ctx.origin2]), '[data, origin]');
    },
  },
  {
    id: 'ext-last-event-id-query',
    section,
    polyfillOnly,
    title: 'lastEventIdQueryParameter: the id travels in the query, not in Last-Event-ID',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 4, drop_after: 2, retry: 50 }), { lastEventIdQueryParameter: 'lastEventId' });
      const rec = ctx.record(es);
      await rec.untilCount('message', 4);
      es.close();
      ctx.eq(counterIds(rec.of('message'), 4), upTo(4), '[data, lastEventId]');
      const { requests } = await ctx.log();
      ctx.eq(requests.slice(0, 2).map((r) => [r.lastEventId, r.query.lastEventId ?? null]), [[null, null], [null, '2']], '[Last-Event-ID header, lastEventId query] of requests 1 and 2');
    },
  },
  {
    id: 'ext-last-event-id-query-no-preflight',
    section,
    polyfillOnly,
    title: 'lastEventIdQueryParameter: a cross-origin resume needs no preflight',
    skip: (ctx) => (ctx.transport === 'polling' ? 'polling adds X-Requested-With, which is preflighted' : null),
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 4, drop_after: 2, retry: 50 }, { origin: ctx.origin2 }), { lastEventIdQueryParameter: 'lastEventId' });
      const rec = ctx.record(es);
      await rec.untilCount('message', 4);
      es.close();
      ctx.eq(counterIds(rec.of('message'), 4), upTo(4), '[data, lastEventId]');
      ctx.eq((await ctx.log()).preflights, 0, 'preflights');
    },
  },
  {
    id: 'ext-last-event-id-query-encoding',
    section,
    polyfillOnly,
    title: 'lastEventIdQueryParameter: the id is percent-encoded into the query',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\nid: a b&c=é\ndata: x\n\n'), { lastEventIdQueryParameter: 'last id' });
      const rec = ctx.record(es);
      // The second copy of the message comes from the second request (a reconnection, or
      // the next poll).
      await rec.untilCount('message', 2);
      es.close();
      const { requests } = await ctx.log();
      ctx.eq([requests[0].query['last id'] ?? null, requests[1].query['last id']], [null, 'a b&c=é'], 'the query parameter of requests 1 and 2 as the server decoded it');
    },
  },
  {
    id: 'ext-headers',
    section,
    polyfillOnly,
    title: 'headers: extra request headers are sent',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/echo'), { headers: { Authorization: 'Bearer t0k', 'X-Custom': 'v 1' } });
      const rec = ctx.record(es, ['headers']);
      await rec.untilCount('headers', 1);
      es.close();
      const r = JSON.parse(rec.of('headers')[0].data);
      ctx.eq([r.authorization, r.headers['x-custom'], r.accept], ['Bearer t0k', 'v 1', 'text/event-stream'], '[Authorization, X-Custom, Accept]');
    },
  },
  {
    id: 'ext-headers-cross-origin',
    section,
    polyfillOnly,
    title: 'headers: sent cross-origin after a preflight',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/echo', {}, { origin: ctx.origin2 }), { headers: { Authorization: 'Bearer x' } });
      const rec = ctx.record(es, ['headers']);
      await rec.untilCount('headers', 1);
      es.close();
      const r = JSON.parse(rec.of('headers')[0].data);
      ctx.eq(r.authorization, 'Bearer x', 'Authorization');
      ctx.assert((await ctx.log()).preflights >= 1, 'no preflight was seen');
    },
  },
  {
    id: 'ext-heartbeat',
    section,
    polyfillOnly,
    title: 'heartbeatTimeout: a stalled stream is dropped and resumed',
    skip: STREAMING_ONLY,
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 4, stall_after: 2, retry: 50 }), { heartbeatTimeout: 500 });
      const rec = ctx.record(es);
      await rec.untilCount('message', 4);
      es.close();
      ctx.eq(counterIds(rec.of('message'), 4), upTo(4), '[data, lastEventId]');
      ctx.eq(rec.entries.slice(0, 7).map((e) => `${e.type}:${e.readyState}`), ['open:1', 'message:1', 'message:1', 'error:0', 'open:1', 'message:1', 'message:1'], 'events');
      const { requests } = await ctx.log();
      ctx.eq(sentIds(requests, 2), [null, '2'], 'Last-Event-ID of requests 1 and 2');
    },
  },
  {
    id: 'ext-max-event-size',
    section,
    polyfillOnly,
    title: 'maxEventSize: a larger event fails the connection (error, CLOSED, message)',
    run: async (ctx) => {
      const es = ctx.open(ctx.script(`data: ok\n\ndata: ${'x'.repeat(2000)}\n\ndata: after\n\n`, { hold: true }), { maxEventSize: 1000 });
      const rec = ctx.record(es);
      await rec.untilCount('error', 1, { failOnClose: false });
      await ctx.quiet();
      ctx.eq(rec.entries.map((e) => `${e.type}:${e.readyState}`), ['open:1', 'message:1', 'error:2'], 'events');
      ctx.eq(rec.of('message')[0].data, 'ok', 'the event before the large one');
      const err = rec.of('error')[0];
      ctx.assert(typeof err.message === 'string' && err.message.length > 0, 'the error has no message');
      ctx.eq((await ctx.log()).requests.length, 1, 'requests');
    },
  },
  {
    id: 'ext-max-event-size-unterminated',
    section,
    polyfillOnly,
    title: 'maxEventSize: an endless line fails the connection before it ends',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/giant', { size: 1 << 20 }), { maxEventSize: 4096 });
      const rec = ctx.record(es);
      await rec.untilCount('error', 1, { failOnClose: false });
      ctx.eq(rec.entries.map((e) => `${e.type}:${e.readyState}`), ['open:1', 'error:2'], 'events');
    },
  },
  {
    id: 'ext-max-event-size-under',
    section,
    polyfillOnly,
    title: 'maxEventSize: events under the limit pass',
    run: async (ctx) => {
      const got = await ctx.parse(`data: ${'y'.repeat(500)}\n\n`, { init: { maxEventSize: 1000 } });
      ctx.eq(got.map((e) => e.data.length), [500], 'data lengths');
    },
  },
  {
    id: 'ext-backoff-grows',
    section,
    polyfillOnly,
    title: 'backoff: after an attempt that brought nothing, the wait grows (no third request soon)',
    skip: STREAMING_ONLY,
    run: async (ctx) => {
      // Response 1 sets retry 50 and ends; response 2 (resumed after id 1) is empty and ends:
      // one failed attempt, so the next wait is 50 × 1000 ms.
      const url = ctx.url('/t/counter', { count: 1, end: 1, prefix: 'x\nretry: 50\n' });
      const es = ctx.open(url, { backoff: { max: 60000, factor: 1000 } });
      const rec = ctx.record(es);
      await rec.untilCount('error', 2);
      await ctx.quiet(600);
      ctx.eq((await ctx.log()).requests.length, 2, 'requests');
      ctx.eq(es.readyState, 0, 'readyState while waiting');
    },
  },
  {
    id: 'ext-backoff-max',
    section,
    polyfillOnly,
    title: 'backoff: the wait is capped at max',
    skip: STREAMING_ONLY,
    run: async (ctx) => {
      const url = ctx.url('/t/counter', { count: 1, end: 1, prefix: 'x\nretry: 50\n' });
      const es = ctx.open(url, { backoff: { max: 100, factor: 1000 } });
      const rec = ctx.record(es);
      await rec.untilCount('open', 5);
      es.close();
    },
  },
  {
    id: 'ext-backoff-reset',
    section,
    polyfillOnly,
    title: 'backoff: attempts that bring data do not grow the wait',
    skip: STREAMING_ONLY,
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\ndata: x\n\n'), { backoff: { max: 60000, factor: 1000 } });
      const rec = ctx.record(es);
      await rec.untilCount('open', 4);
      es.close();
    },
  },
  {
    id: 'ext-error-message',
    section,
    polyfillOnly,
    title: 'the error of a failed connection has a message (status, type)',
    run: async (ctx) => {
      const msgs = [];
      for (const url of [ctx.url('/t/status/404'), ctx.script('data: x\n\n', { ctype: 'text/html' })]) {
        const es = ctx.open(url);
        const ev = await ctx.nextEvent(es, 'error');
        msgs.push(typeof ev.message === 'string' && ev.message.length > 0);
      }
      ctx.eq(msgs, [true, true], 'error has a non-empty message [status 404, text/html]');
    },
  },
  {
    id: 'ext-bad-options',
    section,
    polyfillOnly,
    title: 'malformed extension options throw a TypeError',
    run: async (ctx) => {
      const url = ctx.script('', { hold: true });
      const bad = [
        { transport: 'carrier-pigeon' },
        { heartbeatTimeout: -1 },
        { maxEventSize: 0 },
        { backoff: { max: 'x' } },
        { headers: { 'bad header': 'x' } },
      ];
      for (const init of bad) {
        ctx.throws(() => new ctx.EventSource(url, init), (e) => e instanceof TypeError, `new EventSource(url, ${JSON.stringify(init)})`);
      }
    },
  },
  {
    id: 'ext-entry-point',
    section,
    polyfillOnly,
    title: 'entry point: the classic script installs EventSource where none exists and EventSourceWasm always; ready resolves',
    run: async (ctx) => {
      const ready = ctx.EventSource.ready;
      ctx.assert(ready && typeof ready.then === 'function', 'EventSource.ready is not a promise');
      await ready;
      if (ctx.entry === 'script') {
        ctx.assert(globalThis.EventSourceWasm === ctx.EventSource, 'EventSourceWasm is not the class');
        ctx.assert(globalThis.EventSource === globalThis.EventSourceWasm, 'EventSource was not installed');
        const d = Object.getOwnPropertyDescriptor(globalThis, 'EventSource');
        ctx.eq([d.enumerable, d.writable, d.configurable], [false, true, true], 'descriptor of globalThis.EventSource [enumerable, writable, configurable]');
      } else {
        ctx.assert(!('EventSource' in globalThis), 'the module entry installed a global');
      }
    },
  },
  {
    id: 'ext-xhr-charset-bom',
    section,
    polyfillOnly,
    title: 'transport xhr: the charset of the Content-Type is ignored and a second BOM is data',
    run: async (ctx) => {
      const got = await ctx.parse('\uFEFF\uFEFFdata: no\n\ndata: é\n\n', { init: { transport: 'xhr' }, ctype: 'text/event-stream; charset=windows-1252' });
      ctx.eq(got.map((e) => e.data), ['é'], 'messages');
    },
  },
];

// ---- The `fetch` option (as `eventsource` npm v4) -----------------------------------------

/** A `fetch` option that records what it is called with, then fetches. */
function recordingFetch() {
  const calls = [];
  const ownFetch = (input, init) => {
    calls.push({ input: String(input), init });
    return fetch(input, init);
  };
  return { calls, ownFetch };
}

cases.push(
  {
    id: 'ext-fetch-option',
    section,
    polyfillOnly,
    title: 'fetch option: called for every request with the input and init the engine would use; events resumed across drops',
    run: async (ctx) => {
      const { calls, ownFetch } = recordingFetch();
      // Under the forced "xhr" pass, the option itself chooses fetch (auto).
      const transport = ctx.transport === 'xhr' ? 'auto' : undefined;
      const url = ctx.url('/t/counter', { count: 5, drop_after: 2, retry: 50 });
      const es = ctx.open(url, { fetch: ownFetch, headers: { 'X-Custom': 'yes' }, ...(transport ? { transport } : {}) });
      const rec = ctx.record(es);
      await rec.untilCount('message', 5);
      es.close();
      ctx.eq(counterIds(rec.of('message'), 5), upTo(5), '[data, lastEventId]');
      const { requests } = await ctx.log();
      // A poll sent just before close() may reach the server after the log is read.
      ctx.assert(requests.length >= 3 && requests.length <= calls.length, `${calls.length} calls of the fetch option, ${requests.length} requests seen by the server`);
      const first = calls[0];
      ctx.eq(first.input, url, 'the input');
      const { method, mode, credentials, cache, redirect, headers, signal } = first.init;
      ctx.eq([method, mode, credentials, cache, redirect], ['GET', 'cors', 'same-origin', 'no-store', 'follow'], '[method, mode, credentials, cache, redirect]');
      ctx.eq([headers.Accept, headers['x-custom'], headers['Last-Event-ID']], ['text/event-stream', 'yes', undefined], 'headers of the first request');
      ctx.assert(signal instanceof AbortSignal, 'init.signal is an AbortSignal');
      ctx.eq(calls.slice(1, 3).map((c) => c.init.headers['Last-Event-ID']), ['2', '4'], 'Last-Event-ID of the next requests');
      if (ctx.transport === 'polling') {
        ctx.eq(calls.map((c) => c.init.headers['X-Requested-With']), calls.map(() => 'XMLHttpRequest'), 'X-Requested-With when polling');
      }
      ctx.eq(requests.map((r) => r.xRequestedWith ?? null), calls.slice(0, requests.length).map((c) => c.init.headers['X-Requested-With'] ?? null), 'X-Requested-With the server saw');
    },
  },
  {
    id: 'ext-fetch-option-polling',
    section,
    polyfillOnly,
    title: 'fetch option: polling goes over it, not XHR',
    run: async (ctx) => {
      const polled = recordingFetch();
      const es = ctx.open(ctx.url('/t/counter', { count: 4, drop_after: 2 }), { transport: 'polling', fetch: polled.ownFetch });
      const rec = ctx.record(es);
      await rec.untilCount('message', 4);
      es.close();
      ctx.eq(counterIds(rec.of('message'), 4), upTo(4), '[data, lastEventId]');
      ctx.assert(polled.calls.length >= 2, `the fetch option was called ${polled.calls.length} times while polling`);
      ctx.eq(rec.count('error'), 0, 'errors while polling');
    },
  },
  {
    id: 'ext-fetch-option-not-a-response',
    section,
    polyfillOnly,
    title: 'fetch option: an answer that is not a Response (no headers) fails the connection once, with a message',
    run: async (ctx) => {
      for (const answer of [{}, null, { status: 200 }]) {
        let calls = 0;
        // Under the forced "xhr" pass the option would not be called: auto.
        const init = { fetch: () => { calls += 1; return Promise.resolve(answer); }, ...(ctx.transport === 'xhr' ? { transport: 'auto' } : {}) };
        const es = ctx.open(ctx.url('/t/counter'), init);
        const rec = ctx.record(es);
        await rec.untilCount('error', 1, { failOnClose: false });
        await ctx.quiet();
        ctx.eq(rec.entries.map((e) => `${e.type}:${e.readyState}`), ['error:2'], `events for ${JSON.stringify(answer)}`);
        ctx.eq(calls, 1, `calls for ${JSON.stringify(answer)}`);
        const { message } = rec.of('error')[0];
        ctx.assert(typeof message === 'string' && message.length > 0, `the error's message: ${message}`);
      }
    },
  },
);

export default cases;
