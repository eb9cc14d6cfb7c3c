// The last event ID on the wire: an id with invalid UTF-8, an id the end of the stream cut off,
// and cross-origin reconnections, where a short, safe Last-Event-ID needs no preflight and a
// long or unsafe one is preflighted (web-platform-tests eventsource-cross-origin-preflight).

import { bytes } from '../lib.js';

const NO_POLLING = (ctx) => (ctx.transport === 'polling'
  ? 'polling sends X-Requested-With, which is preflighted anyway'
  : null);

/** Opens `url`, waits for the reconnection's `open`, closes; returns the recorder and log. */
async function reconnectOnce(ctx, url) {
  const es = ctx.open(url);
  const rec = ctx.record(es);
  await rec.untilCount('open', 2);
  es.close();
  const log = await ctx.log();
  ctx.assert(log.requests.length >= 2, `the server saw ${log.requests.length} request(s)`);
  return { rec, log };
}

/** A cross-origin stream whose id is `id`; the reconnection carries it (preflighted or not). */
const crossOriginId = (name, id, preflight) => ({
  id: `xo-last-event-id-${name}`,
  section: 'cross-origin',
  title: preflight
    ? `cross-origin reconnection with a ${name} Last-Event-ID: one preflight asking for last-event-id, then the id`
    : 'cross-origin reconnection with a short, safe Last-Event-ID: no preflight',
  skip: (ctx) => {
    // A header set by script is never CORS-safelisted: a polyfill's resumption is always
    // preflighted (or uses lastEventIdQueryParameter). The long and unsafe ids expect one.
    if (!preflight && ctx.isPolyfill) return 'a script-set Last-Event-ID is always preflighted (a limit of every polyfill; lastEventIdQueryParameter avoids it)';
    return NO_POLLING(ctx);
  },
  run: async (ctx) => {
    const url = ctx.script(`retry: 50\nid: ${id}\ndata: ${name}\n\n`, { origin: ctx.origin2 });
    const { log } = await reconnectOnce(ctx, url);
    ctx.eq(log.requests[1].lastEventId, id, 'Last-Event-ID of the reconnection');
    const asked = log.all.filter((r) => r.method === 'OPTIONS').map((r) => r.headers['access-control-request-headers'] ?? null);
    ctx.eq(asked, preflight ? ['last-event-id'] : [], 'preflights before the reconnection (Access-Control-Request-Headers)');
  },
});

export default [
  {
    id: 'req-last-event-id-invalid-utf8',
    section: 'request',
    title: 'an id with invalid UTF-8 (FF FE): lastEventId is U+FFFD U+FFFD and Last-Event-ID carries its UTF-8 (EF BF BD EF BF BD)',
    run: async (ctx) => {
      const { rec, log } = await reconnectOnce(ctx, ctx.script(bytes('retry: 50\nid: ', [0xff, 0xfe], '\ndata: x\n\n')));
      ctx.eq(rec.of('message')[0].lastEventId, '\uFFFD\uFFFD', 'lastEventId');
      ctx.eq(log.requests[1].lastEventIdHex, 'efbfbdefbfbd', 'Last-Event-ID bytes (hex) of the reconnection');
    },
  },
  {
    id: 'recon-unfinished-id-not-applied',
    section: 'reconnection',
    title: 'an id in an event the end of the body cut off is not applied: after the reconnection lastEventId is still empty',
    skip: (ctx) => (ctx.transport === 'polling' ? 'the same body polled again: covered by the streaming passes' : null),
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\ndata: test1\n\nid: test\ndata: test2'));
      const rec = ctx.record(es);
      await rec.untilCount('message', 2);
      es.close();
      ctx.eq(rec.of('message').slice(0, 2).map((e) => [e.data, e.lastEventId]), [['test1', ''], ['test1', '']], '[data, lastEventId]');
      const { requests } = await ctx.log();
      ctx.eq(requests[1].lastEventId, null, 'Last-Event-ID of the reconnection');
    },
  },
  crossOriginId('safe', 'abc', false),
  crossOriginId('long', 'a'.repeat(255), true),
  crossOriginId('unsafe', 'e5p3n<3k0k0s', true),
];
