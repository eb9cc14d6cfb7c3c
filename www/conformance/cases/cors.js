// Cross-origin: the page is on `origin`, the stream on `origin2` (another port of the same
// server, so another origin of the same site). CORS with credentials only on withCredentials.

const section = 'cross-origin';

async function echo(ctx, url, init) {
  const es = ctx.open(url, init);
  const rec = ctx.record(es, ['headers']);
  await rec.untilCount('headers', 1);
  es.close();
  const event = rec.of('headers')[0];
  return { event, request: JSON.parse(event.data) };
}

function cookieName(ctx) {
  return `x_${ctx.key.replace(/[^A-Za-z0-9]/g, '_')}`;
}

export default [
  {
    id: 'xo-stream',
    section,
    title: 'a cross-origin stream (CORS): events with origin = the stream\'s origin',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 3, type: 'n' }, { origin: ctx.origin2 }));
      const rec = ctx.record(es, ['n']);
      await rec.untilCount('n', 3);
      ctx.eq(rec.of('n').map((e) => [e.data, e.lastEventId, e.origin]), [1, 2, 3].map((n) => [String(n), String(n), ctx.origin2]), '[data, lastEventId, origin]');
      ctx.eq(es.url.startsWith(ctx.origin2), true, 'url on the other origin');
    },
  },
  {
    id: 'xo-origin-header',
    section,
    title: 'the cross-origin request carries Origin and Accept, and needs no preflight',
    run: async (ctx) => {
      const { request } = await echo(ctx, ctx.url('/t/echo', {}, { origin: ctx.origin2 }));
      ctx.eq([request.origin, request.accept], [ctx.origin, 'text/event-stream'], '[Origin, Accept]');
      ctx.eq((await ctx.log()).preflights, 0, 'preflights');
    },
  },
  {
    id: 'xo-no-cookie',
    section,
    title: 'without withCredentials a cross-origin request carries no cookie',
    run: async (ctx) => {
      const name = cookieName(ctx);
      await ctx.setCookie(ctx.origin2, name, '1');
      const { request } = await echo(ctx, ctx.url('/t/echo', {}, { origin: ctx.origin2 }));
      ctx.assert(!(request.cookie || '').includes(`${name}=`), `cookie sent without withCredentials: ${request.cookie}`);
    },
  },
  {
    id: 'xo-cookie-with-credentials',
    section,
    title: 'withCredentials: the cross-origin request carries the cookie set on that origin',
    run: async (ctx) => {
      const name = cookieName(ctx);
      await ctx.setCookie(ctx.origin2, name, '1');
      const { request } = await echo(ctx, ctx.url('/t/echo', {}, { origin: ctx.origin2 }), { withCredentials: true });
      ctx.assert((request.cookie || '').includes(`${name}=1`), `no cookie with withCredentials: ${request.cookie}`);
    },
  },
  {
    id: 'xo-cors-refused',
    section,
    title: 'a cross-origin response without CORS headers: error, no open, no message',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/echo', { cors: 0, hold: 1 }, { origin: ctx.origin2 }));
      const rec = ctx.record(es, ['headers']);
      await rec.untilCount('error', 1, { failOnClose: false });
      es.close();
      ctx.eq(rec.entries.map((e) => e.type), ['error'], 'events');
    },
  },
  {
    id: 'xo-acao-star-anonymous',
    section,
    title: 'Access-Control-Allow-Origin: * is enough without credentials',
    run: async (ctx) => {
      const url = ctx.script('data: x\n\n', { origin: ctx.origin2, hold: true, headers: ['Access-Control-Allow-Origin:*', 'Access-Control-Allow-Credentials:false'] });
      const es = ctx.open(url);
      const [m] = await ctx.expectEvents(es, 1);
      ctx.eq(m.origin, ctx.origin2, 'origin');
    },
  },
  {
    id: 'xo-acao-star-credentials',
    section,
    title: 'Access-Control-Allow-Origin: * with withCredentials: error, no open, no message',
    run: async (ctx) => {
      const url = ctx.script('data: x\n\n', { origin: ctx.origin2, hold: true, headers: ['Access-Control-Allow-Origin:*'] });
      const es = ctx.open(url, { withCredentials: true });
      const rec = ctx.record(es);
      await rec.untilCount('error', 1, { failOnClose: false });
      es.close();
      ctx.eq(rec.entries.map((e) => e.type), ['error'], 'events');
    },
  },
  {
    id: 'xo-resume',
    section,
    title: 'a cross-origin stream resumes after drops with no lost or repeated event',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 6, drop_after: 2, retry: 50 }, { origin: ctx.origin2 }), { withCredentials: true });
      const rec = ctx.record(es);
      await rec.untilCount('message', 6);
      es.close();
      ctx.eq(rec.of('message').slice(0, 6).map((e) => [e.data, e.lastEventId]), [1, 2, 3, 4, 5, 6].map((n) => [String(n), String(n)]), '[data, lastEventId]');
      const log = await ctx.log();
      const resumed = log.requests.slice(0, 3).map((r) => r.lastEventId ?? r.query.lastEventId ?? null);
      ctx.eq(resumed, [null, '2', '4'], 'last event IDs the first three requests carried');
    },
  },
];
