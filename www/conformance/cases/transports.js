// The package's extensions, per transport: the `headers` option means the same on fetch, XHR
// and polling; the last event ID of an id with invalid UTF-8; XHR request recycling against
// servers that resume, restart or end lines with CR; polling pacing (counted at the server
// during an absence window, never timed). Skipped for a native EventSource.

import { bytes } from '../lib.js';

const section = 'extensions';
const polyfillOnly = true;
const TRANSPORTS = ['fetch', 'xhr', 'polling'];

/** Messages before the first error (the events of the first body, recycled or not). */
function beforeFirstError(rec) {
  const i = rec.entries.findIndex((e) => e.type === 'error');
  return (i < 0 ? rec.entries : rec.entries.slice(0, i)).filter((e) => e.type === 'message');
}

const headersLastEventId = (transport) => ({
  id: `ext-headers-last-event-id-${transport}`,
  section,
  polyfillOnly,
  title: `headers { Last-Event-ID } (transport ${transport}): sent on the first request only, then the stream's id, one value each time`,
  run: async (ctx) => {
    const es = ctx.open(ctx.url('/t/counter', { count: 8, drop_after: 2, retry: 50 }), { transport, headers: { 'Last-Event-ID': '5' } });
    const rec = ctx.record(es);
    await rec.untilCount('message', 3);
    es.close();
    ctx.eq(rec.of('message').slice(0, 3).map((e) => [e.data, e.lastEventId]), [['6', '6'], ['7', '7'], ['8', '8']], '[data, lastEventId]');
    const { requests } = await ctx.log();
    // Hex of the raw header bytes: two values (a page's and the stream's) would show as two.
    ctx.eq(requests.slice(0, 2).map((r) => r.lastEventIdHex), ['35', '37'], 'Last-Event-ID bytes (hex) of requests 1 and 2');
  },
});

const headersAccept = (transport) => ({
  id: `ext-headers-accept-${transport}`,
  section,
  polyfillOnly,
  title: `headers { Accept: text/html } (transport ${transport}): Accept stays text/event-stream`,
  run: async (ctx) => {
    const es = ctx.open(ctx.url('/t/echo', { hold: 1 }), { transport, headers: { Accept: 'text/html' } });
    const rec = ctx.record(es, ['headers']);
    await rec.untilCount('headers', 1);
    es.close();
    ctx.eq(JSON.parse(rec.of('headers')[0].data).accept, 'text/event-stream', 'Accept the server saw');
  },
});

/** XHR recycling: `responseText` past 8 Mi UTF-16 units replaces the request. */
const RECYCLE_PAST = 8 << 20;

/**
 * Transport xhr, 200 events of 64 KiB (13 MB) paced 5 ms apart, so that text keeps arriving
 * after `responseText` passed the recycling bound: the request is replaced. The page must see
 * events 1..200 once each, in order, before the end of the body (the error), whatever the
 * server does with the Last-Event-ID of the replacement request. The reconnection after the
 * end waits 60 s, so every request the server saw is the first one or a replacement.
 */
const recycleCase = (name, what, params) => ({
  id: `ext-xhr-recycle-${name}`,
  section,
  polyfillOnly,
  title: `transport xhr, 13 MB paced, ${what}: every event once, in order, no error, the request recycled`,
  run: async (ctx) => {
    const count = 200;
    const pad = 65536;
    ctx.assert(count * pad > RECYCLE_PAST, 'the stream is too short to be recycled');
    const es = ctx.open(ctx.url('/t/counter', { count, pad, interval: 5, end: 1, retry: 60000, ...params }), { transport: 'xhr' });
    const rec = ctx.record(es);
    // Ends at the end of the body (the error), or as soon as more messages than the stream
    // holds arrived (a replay or a loop).
    await rec.until((e) => e.some((x) => x.type === 'error') || e.filter((x) => x.type === 'message').length > count, 'the end of the stream (error)');
    es.close();
    const got = beforeFirstError(rec).map((e) => e.lastEventId);
    const misplaced = got.map((id, i) => [i, id]).filter(([i, id]) => id !== String(i + 1));
    ctx.eq([got.length, misplaced.slice(0, 3)], [count, []], '[messages before the end of the stream, first messages out of place [index, lastEventId]]');
    const { requests } = await ctx.log();
    ctx.assert(requests.length >= 2, 'the request was never recycled (responseText grew to 13 MB): the case did not exercise recycling');
    ctx.assert(requests.length <= 4, `${requests.length} requests for one 13 MB stream: a recycling loop`);
  },
});

const pollCount = (id, title, url, { atLeast, atMost }) => ({
  id,
  section,
  polyfillOnly,
  title,
  run: async (ctx) => {
    const es = ctx.open(url(ctx), { transport: 'polling' });
    const rec = ctx.record(es);
    await rec.untilCount('open', 1);
    await ctx.quiet(1000);
    es.close();
    const n = (await ctx.log()).requests.length;
    if (atLeast !== undefined) ctx.assert(n >= atLeast, `${n} poll(s) in a 1000 ms window: expected at least ${atLeast} (each answer was held ~150 ms, so the next poll goes out at once)`);
    if (atMost !== undefined) ctx.assert(n <= atMost, `${n} poll(s) in a 1000 ms window: expected at most ${atMost} (paced: the wait doubles from 250 ms up to the reconnection time)`);
    ctx.eq(rec.count('error'), 0, 'error events');
  },
});

export default [
  ...TRANSPORTS.map(headersLastEventId),
  ...TRANSPORTS.map(headersAccept),
  {
    id: 'ext-headers-x-requested-with-polling',
    section,
    polyfillOnly,
    title: 'headers { X-Requested-With: foo } (transport polling): the polls still carry exactly X-Requested-With: XMLHttpRequest',
    run: async (ctx) => {
      // The polling convention rests on this header: "XMLHttpRequest, foo" is not it, and a
      // server would answer with a stream that never ends.
      const es = ctx.open(ctx.url('/t/echo', { hold: 1 }), { transport: 'polling', headers: { 'X-Requested-With': 'foo' } });
      const rec = ctx.record(es, ['headers']);
      await rec.untilCount('headers', 1);
      es.close();
      ctx.eq(JSON.parse(rec.of('headers')[0].data).xRequestedWith, 'XMLHttpRequest', 'X-Requested-With the server saw');
    },
  },
  {
    id: 'ext-last-event-id-query-invalid-utf8',
    section,
    polyfillOnly,
    title: 'lastEventIdQueryParameter: an id with invalid UTF-8 travels as the UTF-8 of its decoded text (U+FFFD = %EF%BF%BD)',
    run: async (ctx) => {
      const body = bytes('retry: 50\nid: ', [0xff, 0xfe], '\ndata: x\n\n');
      const es = ctx.open(ctx.script(body), { lastEventIdQueryParameter: 'lid' });
      const rec = ctx.record(es);
      await rec.untilCount('message', 2);
      es.close();
      ctx.eq(rec.of('message')[0].lastEventId, '\uFFFD\uFFFD', 'lastEventId');
      const { requests } = await ctx.log();
      ctx.assert(/[?&]lid=%EF%BF%BD%EF%BF%BD(&|$)/i.test(requests[1].url), `the second request's URL: ${requests[1].url}`);
      ctx.eq(requests[1].lastEventIdHex, null, 'Last-Event-ID header bytes of the second request');
    },
  },
  recycleCase('resuming-server', 'a server that resumes after Last-Event-ID', {}),
  recycleCase('restarting-server', 'a server that ignores Last-Event-ID (restarts from event 1)', { restart: 1 }),
  recycleCase('cr-line-ends', 'CR-only line ends from a resuming server', { cr: 1 }),
  pollCount(
    'ext-polling-held-empty-repolls',
    'polling: a poll the server held ~150 ms and ended without events is followed by the next one at once',
    (ctx) => ctx.url('/t/counter', { count: 0, poll_wait: 150 }),
    { atLeast: 4 },
  ),
  pollCount(
    'ext-polling-empty-at-once-paced',
    'polling: a server that answers empty at once is paced (the wait doubles from 250 ms towards the reconnection time: at most 3 polls in a 1 s window)',
    (ctx) => ctx.script(''),
    { atMost: 3 },
  ),
  pollCount(
    'ext-polling-comment-only-paced',
    'polling: a poll answered at once with only a comment counts as empty (paced: at most 3 polls in a 1 s window)',
    (ctx) => ctx.script(':\n'),
    { atMost: 3 },
  ),
  pollCount(
    'ext-polling-retry-only-paced',
    'polling: a poll answered at once with only a retry field counts as empty (paced: at most 3 polls in a 1 s window)',
    (ctx) => ctx.script('retry: 5000\n\n'),
    { atMost: 3 },
  ),
];
