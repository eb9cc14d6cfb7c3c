// The request: method, headers, Last-Event-ID on reconnection, cache mode, credentials.
// /t/echo answers with one `headers` event describing the request; /t/log lists every request
// the server saw for the case's key.

const section = 'request';

/** Opens `url`, waits for the echo's `headers` event, closes, returns the parsed request. */
async function echo(ctx, url, init) {
  const es = ctx.open(url, init);
  const rec = ctx.record(es, ['headers']);
  await rec.untilCount('headers', 1);
  es.close();
  return JSON.parse(rec.of('headers')[0].data);
}

/** Opens a /t/script stream that ends; resolves after the reconnection's `open`. */
async function reconnect(ctx, body) {
  const es = ctx.open(ctx.script(body));
  const rec = ctx.record(es);
  await rec.untilCount('open', 2);
  es.close();
  const { requests } = await ctx.log();
  ctx.assert(requests.length >= 2, `the server saw ${requests.length} request(s)`);
  return requests;
}

export default [
  {
    id: 'req-get-accept',
    section,
    title: 'a GET with Accept: text/event-stream',
    run: async (ctx) => {
      const r = await echo(ctx, ctx.url('/t/echo'));
      ctx.eq([r.method, r.accept], ['GET', 'text/event-stream'], '[method, Accept]');
    },
  },
  {
    id: 'req-no-last-event-id-first',
    section,
    title: 'no Last-Event-ID on the first request',
    run: async (ctx) => {
      const r = await echo(ctx, ctx.url('/t/echo'));
      ctx.eq(r.lastEventId, null, 'Last-Event-ID');
    },
  },
  {
    id: 'req-no-extra-headers',
    section,
    title: 'no X-Requested-With and no Authorization on a standard request',
    run: async (ctx) => {
      const r = await echo(ctx, ctx.url('/t/echo'));
      ctx.eq([r.xRequestedWith, r.authorization], [null, null], '[X-Requested-With, Authorization]');
    },
  },
  {
    id: 'req-cache-no-store',
    section,
    title: 'cache mode no-store: the request carries Cache-Control: no-cache and Pragma: no-cache',
    run: async (ctx) => {
      const r = await echo(ctx, ctx.url('/t/echo'));
      ctx.eq([r.cacheControl, r.headers.pragma ?? null], ['no-cache', 'no-cache'], '[Cache-Control, Pragma]');
    },
  },
  {
    id: 'req-last-event-id-reconnect',
    section,
    title: 'the reconnection carries Last-Event-ID with the last event ID',
    run: async (ctx) => {
      const requests = await reconnect(ctx, 'retry: 50\nid: abc\ndata: x\n\n');
      ctx.eq([requests[0].lastEventId, requests[1].lastEventId], [null, 'abc'], 'Last-Event-ID of requests 1 and 2');
      ctx.eq([requests[0].accept, requests[1].accept], ['text/event-stream', 'text/event-stream'], 'Accept of requests 1 and 2');
      ctx.eq(requests[1].url, requests[0].url, 'URL of the reconnection');
    },
  },
  {
    id: 'req-last-event-id-latest',
    section,
    title: 'Last-Event-ID is the latest id, also one set by a block without data',
    run: async (ctx) => {
      const requests = await reconnect(ctx, 'retry: 50\nid: 1\ndata: a\n\nid: 2\n\n');
      ctx.eq(requests[1].lastEventId, '2', 'Last-Event-ID of the reconnection');
    },
  },
  {
    id: 'req-last-event-id-unfinished',
    section,
    title: 'the id of an event cut off by the end of the stream is not used',
    run: async (ctx) => {
      const requests = await reconnect(ctx, 'retry: 50\nid: 1\ndata: a\n\nid: 2\ndata: b\n');
      ctx.eq(requests[1].lastEventId, '1', 'Last-Event-ID of the reconnection');
    },
  },
  {
    id: 'req-last-event-id-empty',
    section,
    title: 'no Last-Event-ID after the id was reset to empty',
    run: async (ctx) => {
      const requests = await reconnect(ctx, 'retry: 50\nid: 1\ndata: a\n\nid\ndata: b\n\n');
      ctx.eq(requests[1].lastEventId, null, 'Last-Event-ID of the reconnection');
    },
  },
  {
    id: 'req-last-event-id-utf8',
    section,
    title: 'a non-ASCII Last-Event-ID is sent UTF-8 encoded',
    run: async (ctx) => {
      const requests = await reconnect(ctx, 'retry: 50\nid: é€\ndata: a\n\n');
      ctx.eq(requests[1].lastEventId, 'é€', 'Last-Event-ID of the reconnection (decoded as UTF-8 by the server)');
    },
  },
  {
    id: 'req-credentials-same-origin',
    section,
    title: 'same-origin requests carry cookies, with or without withCredentials',
    run: async (ctx) => {
      const name = `c_${ctx.key.replace(/[^A-Za-z0-9]/g, '_')}`;
      await ctx.setCookie(ctx.origin, name, '1');
      const plain = await echo(ctx, ctx.url('/t/echo'));
      const creds = await echo(ctx, ctx.url('/t/echo'), { withCredentials: true });
      ctx.assert((plain.cookie || '').includes(`${name}=1`), `no cookie without withCredentials: ${plain.cookie}`);
      ctx.assert((creds.cookie || '').includes(`${name}=1`), `no cookie with withCredentials: ${creds.cookie}`);
    },
  },
  {
    id: 'req-no-preflight-same-origin',
    section,
    title: 'no CORS preflight for a same-origin stream and its reconnection',
    run: async (ctx) => {
      await reconnect(ctx, 'retry: 50\nid: 1\ndata: a\n\n');
      ctx.eq((await ctx.log()).preflights, 0, 'preflights');
    },
  },
];
