// Redirects are followed (301, 302, 303, 307, 308); events carry the origin of the final URL;
// the `url` attribute keeps the URL given to the constructor.

import { expectFail } from './response.js';

const section = 'redirects';

/** /t/redirect on `from` (an origin) to `to` (a URL), `count` hops first. */
function redirect(ctx, from, to, { status = 302, count } = {}) {
  return ctx.url('/t/redirect', { status, to, count }, { origin: from });
}

async function echoThrough(ctx, url, init) {
  const es = ctx.open(url, init);
  const rec = ctx.record(es, ['headers']);
  await rec.untilCount('headers', 1);
  es.close();
  const event = rec.of('headers')[0];
  return { es, rec, event, request: JSON.parse(event.data) };
}

const sameOrigin = (status) => ({
  id: `redir-${status}`,
  section,
  title: `a same-origin ${status} redirect is followed`,
  run: async (ctx) => {
    const url = redirect(ctx, ctx.origin, ctx.url('/t/echo'), { status });
    const { es, rec, event, request } = await echoThrough(ctx, url);
    ctx.eq(rec.entries[0].type, 'open', 'first event');
    ctx.eq([event.origin, es.url, request.method], [ctx.origin, url, 'GET'], '[origin of the event, url attribute, method after the redirect]');
    ctx.eq(request.accept, 'text/event-stream', 'Accept after the redirect');
  },
});

export default [
  sameOrigin(301),
  sameOrigin(302),
  sameOrigin(303),
  sameOrigin(307),
  sameOrigin(308),
  {
    id: 'redir-chain',
    section,
    title: 'a chain of three redirects is followed',
    run: async (ctx) => {
      const url = redirect(ctx, ctx.origin, ctx.url('/t/echo'), { count: 3 });
      const { event } = await echoThrough(ctx, url);
      ctx.eq(event.origin, ctx.origin, 'origin of the event');
      ctx.eq((await ctx.log()).requests.length, 5, 'requests (four redirects, one stream)');
    },
  },
  {
    id: 'redir-cross-origin',
    section,
    title: 'a redirect to another origin: events carry the final origin; the request has the page\'s Origin',
    run: async (ctx) => {
      const url = redirect(ctx, ctx.origin, ctx.url('/t/echo', {}, { origin: ctx.origin2 }), { status: 307 });
      const { es, event, request } = await echoThrough(ctx, url);
      ctx.eq([event.origin, es.url, request.origin], [ctx.origin2, url, ctx.origin], '[origin of the event, url attribute, Origin header]');
    },
  },
  {
    id: 'redir-cross-then-back',
    section,
    title: 'a redirect from another origin back to the page\'s: tainted Origin "null", events carry the final origin',
    run: async (ctx) => {
      const url = redirect(ctx, ctx.origin2, ctx.url('/t/echo'), { status: 302 });
      const { event, request } = await echoThrough(ctx, url);
      ctx.eq([event.origin, request.origin], [ctx.origin, 'null'], '[origin of the event, Origin header]');
    },
  },
  {
    id: 'redir-to-404',
    section,
    title: 'a redirect to a 404 fails the connection',
    run: (ctx) => expectFail(ctx, redirect(ctx, ctx.origin, ctx.url('/t/status/404')), { requests: 2 }),
  },
  {
    id: 'redir-to-wrong-type',
    section,
    title: 'a redirect to a text/plain response fails the connection',
    run: (ctx) => expectFail(ctx, redirect(ctx, ctx.origin, ctx.script('data: x\n\n', { ctype: 'text/plain' })), { requests: 2 }),
  },
  {
    id: 'redir-reconnect-follows-again',
    section,
    title: 'after a redirect the stream still reconnects and resumes with Last-Event-ID',
    run: async (ctx) => {
      const target = ctx.url('/t/counter', { count: 4, drop_after: 2, retry: 50 });
      const es = ctx.open(redirect(ctx, ctx.origin, target, { status: 307 }));
      const rec = ctx.record(es);
      await rec.untilCount('message', 4);
      es.close();
      ctx.eq(rec.of('message').slice(0, 4).map((e) => [e.data, e.origin]), [1, 2, 3, 4].map((n) => [String(n), ctx.origin]), '[data, origin]');
    },
  },
];
