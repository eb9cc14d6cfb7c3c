// Failing versus reestablishing after a fetch that brings no usable response.
//
// The standard fails the connection (one `error`, readyState CLOSED, never again) when the
// user agent knows another attempt to be futile: a URL whose scheme is not http(s), a
// cross-origin response the CORS check refuses, a fetch the page aborted (`window.stop()`).
// A network that is down is not futile: the connection is reestablished (error with
// CONNECTING, then another request). The browsers' own tests (web-platform-tests
// `eventsource-constructor-non-same-origin`, `eventsource-cross-origin`,
// `eventsource-request-cancellation`) expect exactly this.

const section = 'failure';

const NO_POLLING = (ctx) => (ctx.transport === 'polling'
  ? 'in polling mode the end of a body is the end of one poll, not a reconnection'
  : null);

/** A loopback port nobody listens on (and not on the fetch standard's bad-port list). */
const REFUSED_PORT = 1026;

/**
 * Expects exactly one `error`, dispatched with readyState CLOSED, no `open`, no message, and
 * nothing more during an absence window. When `requests` is given, also that the server saw
 * that many requests (the URL is on the test server), so no reconnection went out.
 */
async function expectFailedOnce(ctx, es, { requests, attempts } = {}) {
  const rec = ctx.record(es);
  await rec.untilCount('error', 1, { failOnClose: false });
  const err = rec.of('error')[0];
  ctx.assert(err.readyState === 2, `the error came with readyState ${err.readyState}: the connection must fail (CLOSED), not be reestablished; events: ${rec.summary()}`);
  ctx.assert(!err.isMessageEvent, 'the error is a MessageEvent');
  await ctx.quiet();
  ctx.eq(rec.entries.map((e) => `${e.type}:${e.readyState}`), ['error:2'], 'events (type:readyState) after an absence window');
  ctx.eq(es.readyState, 2, 'readyState');
  if (requests !== undefined) ctx.eq((await ctx.log()).requests.length, requests, 'requests the server saw');
  if (attempts !== undefined) {
    // One attempt: a request, and, where a transport sends a header that needs one (polling's
    // X-Requested-With), its preflight before it (a refused preflight is then all there is).
    const log = await ctx.log();
    const seen = [log.requests.length, log.preflights];
    ctx.assert(seen[0] <= attempts && seen[1] <= attempts && seen[0] + seen[1] >= 1, `[requests, preflights] the server saw: ${seen}, want at most ${attempts} of each`);
  }
  return rec;
}

const schemeCase = (name, url) => ({
  id: `fail-scheme-${name}`,
  section,
  title: `a ${name}: URL fails the connection: one error, CLOSED, no reconnection`,
  run: async (ctx) => {
    const es = ctx.open(url);
    ctx.eq(es.url, url, 'url');
    await expectFailedOnce(ctx, es);
  },
});

/** A cross-origin `/t/script` stream whose CORS answer is refused. */
const corsCase = (id, title, { headers, withCredentials = false, cors }) => ({
  id: `fail-cors-${id}`,
  section,
  title: `${title}: one error, CLOSED, no open, no reconnection`,
  run: async (ctx) => {
    const url = ctx.script('retry: 50\ndata: x\n\n', {
      origin: ctx.origin2,
      hold: true,
      headers: typeof headers === 'function' ? headers(ctx) : headers,
      params: cors === undefined ? {} : { cors },
    });
    const es = ctx.open(url, withCredentials ? { withCredentials } : undefined);
    await expectFailedOnce(ctx, es, { attempts: 1 });
  },
});

/** Events of a source whose body ends: open, the message, error (CONNECTING), open again. */
async function expectStreamsThenReestablishes(ctx, es, data) {
  const rec = ctx.record(es);
  await rec.untilCount('message', 2);
  es.close();
  ctx.eq(rec.entries.slice(0, 5).map((e) => `${e.type}:${e.readyState}${e.type === 'message' ? `:${e.data}` : ''}`), ['open:1', `message:1:${data}`, 'error:0', 'open:1', `message:1:${data}`], 'events (type:readyState[:data])');
}

export default [
  schemeCase('ftp', 'ftp://127.0.0.1:1026/stream'),
  schemeCase('about', 'about:blank'),
  schemeCase('mailto', 'mailto:whatwg@example.invalid'),
  schemeCase('javascript', 'javascript:void(0)'),
  corsCase('acao-missing', 'a cross-origin response without Access-Control-Allow-Origin', { cors: 0 }),
  corsCase('acao-wrong', 'a cross-origin response allowing another origin (Access-Control-Allow-Origin: http://example.org)', {
    headers: ['Access-Control-Allow-Origin:http://example.org'],
  }),
  corsCase('acao-empty', 'a cross-origin response with an empty Access-Control-Allow-Origin', {
    headers: ['Access-Control-Allow-Origin:'],
  }),
  corsCase('no-allow-credentials', 'withCredentials, the right Access-Control-Allow-Origin but no Access-Control-Allow-Credentials', {
    cors: 0,
    withCredentials: true,
    headers: (ctx) => [`Access-Control-Allow-Origin:${ctx.origin}`],
  }),
  {
    id: 'fail-window-stop-connecting',
    section,
    title: 'window.stop() while the request is under way (no response yet) fails the connection: one error, CLOSED, no reconnection',
    run: async (ctx) => {
      // The server holds the response head back for 2 s; the page stops loading one task
      // after the constructor, as the web-platform-tests do.
      const es = ctx.open(ctx.script('retry: 50\ndata: x\n\n', { hold: true, params: { wait: 2000 } }));
      const rec = ctx.record(es);
      await ctx.quiet(0);
      window.stop();
      await rec.untilCount('error', 1, { failOnClose: false });
      await ctx.quiet();
      ctx.eq(rec.entries.map((e) => `${e.type}:${e.readyState}`), ['error:2'], 'events (type:readyState)');
      ctx.eq(es.readyState, 2, 'readyState');
      ctx.assert((await ctx.log()).requests.length <= 1, 'a second request reached the server');
    },
  },
  {
    id: 'fail-window-stop-open',
    section,
    title: 'window.stop() on an open stream fails the connection: one error, CLOSED, no reconnection',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\ndata: x\n\n', { hold: true }));
      const rec = ctx.record(es);
      await rec.untilCount('message', 1);
      window.stop();
      await rec.untilCount('error', 1, { failOnClose: false });
      await ctx.quiet();
      ctx.eq(rec.entries.map((e) => `${e.type}:${e.readyState}`), ['open:1', 'message:1', 'error:2'], 'events (type:readyState)');
      ctx.eq((await ctx.log()).requests.length, 1, 'requests the server saw');
    },
  },
  {
    id: 'fail-refused-reestablishes',
    section,
    title: 'a refused connection (nobody listens) is not futile: error with CONNECTING, then another attempt',
    run: async (ctx) => {
      const url = `http://127.0.0.1:${REFUSED_PORT}/stream`;
      try {
        await fetch(url, { mode: 'no-cors', cache: 'no-store' });
        ctx.skip(`something listens on port ${REFUSED_PORT}`);
      } catch (err) {
        if (!(err instanceof TypeError)) throw err;
      }
      const es = ctx.open(url);
      const rec = ctx.record(es);
      // The default reconnection time (a few seconds) separates the two errors; each attempt
      // shows as one error with readyState CONNECTING.
      await rec.untilCount('error', 2);
      es.close();
      ctx.eq(rec.entries.slice(0, 2).map((e) => `${e.type}:${e.readyState}`), ['error:0', 'error:0'], 'events (type:readyState)');
    },
  },
  {
    id: 'fail-data-url-streams',
    section,
    skip: NO_POLLING,
    title: 'a data: URL is fetched: its events arrive, then the end of its body reestablishes',
    run: async (ctx) => {
      const es = ctx.open(`data:text/event-stream,${encodeURIComponent('retry: 50\ndata: d\n\n')}`);
      await expectStreamsThenReestablishes(ctx, es, 'd');
    },
  },
  {
    id: 'fail-blob-url-streams',
    section,
    skip: NO_POLLING,
    title: 'a blob: URL is fetched: its events arrive, then the end of its body reestablishes',
    run: async (ctx) => {
      const url = URL.createObjectURL(new Blob(['retry: 50\ndata: b\n\n'], { type: 'text/event-stream' }));
      try {
        const es = ctx.open(url);
        await expectStreamsThenReestablishes(ctx, es, 'b');
      } finally {
        URL.revokeObjectURL(url);
      }
    },
  },
];
