// Response handling: only 200 with a text/event-stream MIME type announces the connection;
// anything else fails it (readyState CLOSED, one error, no reconnection).

const section = 'response';

/**
 * Expects the connection to `url` to fail: one `error` fired with readyState CLOSED, no
 * `open`, no message, and (after an absence window) no further event and no second request.
 */
export async function expectFail(ctx, url, { init, requests = 1 } = {}) {
  const es = ctx.open(url, init);
  const rec = ctx.record(es);
  await rec.untilCount('error', 1, { failOnClose: false });
  const err = rec.of('error')[0];
  ctx.assert(err.readyState === 2, `error fired with readyState ${err.readyState}: the connection must fail (CLOSED), not be reestablished; events: ${rec.summary()}`);
  await ctx.quiet();
  ctx.eq(rec.entries.map((e) => e.type), ['error'], 'events');
  ctx.eq(es.readyState, 2, 'readyState');
  const log = await ctx.log();
  ctx.eq(log.requests.length, requests, 'requests the server saw');
  return rec;
}

/** Expects the connection to open and deliver the body's message. */
async function expectOpen(ctx, url) {
  const es = ctx.open(url);
  const rec = ctx.record(es);
  await rec.untilCount('message', 1);
  ctx.eq(rec.entries.slice(0, 2).map((e) => [e.type, e.readyState]), [['open', 1], ['message', 1]], '[event, readyState]');
  return rec;
}

const statusCase = (code, note = '') => ({
  id: `resp-status-${code}`,
  section,
  title: `status ${code}${note} fails the connection`,
  run: (ctx) => expectFail(ctx, ctx.url(`/t/status/${code}`)),
});

const mimeOk = (id, ctype) => ({
  id: `resp-mime-${id}`,
  section,
  title: `Content-Type "${ctype}" is accepted`,
  run: (ctx) => expectOpen(ctx, ctx.script('data: x\n\n', { ctype, hold: true })),
});

const mimeFail = (id, ctype) => ({
  id: `resp-mime-${id}`,
  section,
  title: ctype === 'none' ? 'a response without Content-Type fails the connection' : `Content-Type "${ctype}" fails the connection`,
  run: (ctx) => expectFail(ctx, ctx.script('data: x\n\n', { ctype, hold: true })),
});

export default [
  {
    id: 'resp-200-open',
    section,
    title: '200 text/event-stream: readyState OPEN and open fired before the first message',
    run: (ctx) => expectOpen(ctx, ctx.script('data: x\n\n', { hold: true })),
  },
  statusCase(201),
  statusCase(202),
  statusCase(204, ' (the "stop reconnecting" answer)'),
  statusCase(205),
  statusCase(206),
  {
    id: 'resp-status-301-no-location',
    section,
    title: 'status 301 without Location fails the connection',
    run: (ctx) => expectFail(ctx, ctx.script('data: x\n\n', { status: 301 })),
  },
  statusCase(400),
  statusCase(404),
  statusCase(500),
  statusCase(502),
  statusCase(503),
  mimeOk('params', 'text/event-stream; charset=utf-8'),
  mimeOk('case', 'Text/Event-Stream'),
  mimeOk('trailing-semicolon', 'text/event-stream;'),
  mimeOk('space-before-param', 'text/event-stream ; foo=bar'),
  mimeFail('text-plain', 'text/plain'),
  mimeFail('text-html', 'text/html'),
  mimeFail('similar', 'text/event-streams'),
  mimeFail('octet-stream', 'application/octet-stream'),
  mimeFail('missing', 'none'),
  {
    id: 'resp-empty-body',
    section,
    title: 'a 200 with an empty body opens, then reestablishes (error with CONNECTING)',
    run: async (ctx) => {
      const es = ctx.open(ctx.script(''));
      const rec = ctx.record(es);
      await rec.untilCount('error', 1);
      es.close();
      ctx.eq(rec.entries.map((e) => [e.type, e.readyState]), [['open', 1], ['error', 0]], '[event, readyState]');
    },
  },
];
