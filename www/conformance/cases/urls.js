// The constructor's URL: parsed by the URL standard (what it rejects throws a SyntaxError even
// where a runtime's own parser is lenient), stringified first, resolved against the document;
// and URLs with userinfo, which either work or fail once.

const section = 'api';

const invalidCase = (id, url) => ({
  id: `api-url-invalid-${id}`,
  section,
  title: `new EventSource(${JSON.stringify(url)}) throws a SyntaxError DOMException (the URL standard rejects it)`,
  run: async (ctx) => {
    const err = ctx.throws(() => new ctx.EventSource(url), null, `new EventSource(${JSON.stringify(url)})`);
    ctx.assert(err instanceof DOMException, `not a DOMException but ${err && err.constructor && err.constructor.name}: ${err && err.message}`);
    ctx.eq(err.name, 'SyntaxError', 'exception name');
  },
});

/** The test server's origin with `user:pass@` in it. */
function withUserinfo(ctx, url) {
  const u = new URL(url);
  u.username = 'user';
  u.password = 'pass';
  return u.href;
}

/**
 * An iframe whose document has `base` as its base URL and gets the implementation the way a
 * page would: the native one, or (polyfill) the classic script after the native one is removed.
 */
async function frameWithImplementation(ctx, base = null) {
  const frame = document.createElement('iframe');
  const boot = ctx.isPolyfill
    ? '<script src="/conformance/no-native.js"></script><script src="/dist/eventsource.js"></script>'
    : '';
  frame.srcdoc = `<!doctype html><meta charset="utf-8">${base ? `<base href="${base}">` : ''}${boot}`;
  const loaded = new Promise((resolve) => { frame.onload = resolve; });
  document.body.append(frame);
  await loaded;
  const win = frame.contentWindow;
  ctx.assert(typeof win.EventSource === 'function', 'the frame has no EventSource');
  if (ctx.isPolyfill) ctx.assert(win.EventSource === win.EventSourceWasm, 'the frame\'s EventSource is not the polyfill');
  return frame;
}

export default [
  invalidCase('space-in-host', 'http://this is invalid/'),
  invalidCase('space-in-host-short', 'http://a b/'),
  invalidCase('percent-space-host', 'http://%20/'),
  invalidCase('ipv6-unclosed', 'http://[::1'),
  {
    id: 'api-url-stringify',
    section,
    title: 'the url argument is stringified: an object with toString, 1, null, undefined',
    run: async (ctx) => {
      const target = `/t/script?hold=1&body=${encodeURIComponent('data: s\n\n')}&key=${ctx.key}`;
      const es = ctx.open({ toString: () => target });
      ctx.eq(es.url, `${ctx.origin}${target}`, 'url of an object whose toString gives the URL');
      const [m] = await ctx.expectEvents(es, 1);
      ctx.eq(m.data, 's', 'data of the stream opened through toString');
      es.close();
      for (const [value, tail] of [[1, '/1'], [null, '/null'], [undefined, '/undefined']]) {
        const other = ctx.track(new ctx.EventSource(value));
        other.close();
        ctx.assert(other.url.endsWith(tail) && other.url.startsWith(ctx.origin), `new EventSource(${String(value)}).url is ${other.url}`);
      }
    },
  },
  {
    id: 'api-url-empty',
    section,
    title: 'an empty URL does not throw: it resolves to the document URL',
    run: async (ctx) => {
      const es = ctx.track(new ctx.EventSource(''));
      es.close();
      ctx.eq(es.url, document.URL, 'url');
    },
  },
  {
    id: 'api-url-userinfo',
    section,
    title: 'a URL with user:pass@ either works or fails exactly once (no reconnection loop)',
    run: async (ctx) => {
      const es = ctx.open(withUserinfo(ctx, ctx.script('retry: 50\ndata: u\n\n', { hold: true })));
      const rec = ctx.record(es);
      await rec.until((e) => e.some((x) => x.type === 'message' || x.type === 'error'), 'a message or an error');
      await ctx.quiet();
      const seen = rec.entries.map((e) => `${e.type}:${e.readyState}`);
      const worked = ['open:1', 'message:1'];
      const failed = ['error:2'];
      ctx.assert(JSON.stringify(seen) === JSON.stringify(worked) || JSON.stringify(seen) === JSON.stringify(failed), `events (type:readyState): expected ${JSON.stringify(worked)} or ${JSON.stringify(failed)}, got ${JSON.stringify(seen)}`);
      ctx.assert((await ctx.log()).requests.length <= 1, 'more than one request reached the server');
    },
  },
  {
    id: 'api-url-userinfo-close-in-onerror',
    section,
    title: 'a URL with user:pass@ and close() in onerror: no exception, no further event, the next EventSource works',
    run: async (ctx) => {
      const es = ctx.open(withUserinfo(ctx, ctx.script('retry: 50\ndata: u\n\n', { hold: true })));
      const thrown = [];
      const onError = (e) => thrown.push(e.message);
      window.addEventListener('error', onError);
      try {
        es.onerror = () => es.close();
        const rec = ctx.record(es);
        await rec.until((e) => e.some((x) => x.type === 'message' || x.type === 'error'), 'a message or an error');
        await ctx.quiet();
        const n = rec.entries.length;
        ctx.assert(n <= 2, `events: ${rec.summary()}`);
        ctx.eq(es.readyState, rec.count('error') ? 2 : 1, 'readyState');
        es.close();
        const next = ctx.open(ctx.script('data: next\n\n', { hold: true }));
        const [m] = await ctx.expectEvents(next, 1);
        ctx.eq(m.data, 'next', 'data of the next EventSource');
        ctx.eq(thrown, [], 'exceptions reported to the window');
      } finally {
        window.removeEventListener('error', onError);
      }
    },
  },
  {
    id: 'api-prototype-extensible',
    section,
    title: 'window.EventSource is an own property; a method added to EventSource.prototype reaches instances',
    run: async (ctx) => {
      // The ES module entry installs no global: only the class is checked there.
      if (ctx.entry !== 'esm') ctx.assert(Object.prototype.hasOwnProperty.call(window, 'EventSource'), 'window has no own property EventSource');
      const proto = ctx.EventSource.prototype;
      proto.returnsTrue = function returnsTrue() { return this instanceof ctx.EventSource; };
      try {
        const es = ctx.open(ctx.script('', { hold: true }));
        ctx.eq(es.returnsTrue(), true, 'the added method, called on an instance');
      } finally {
        delete proto.returnsTrue;
      }
    },
  },
  {
    id: 'api-document-domain',
    section,
    title: 'after document.domain = document.domain a stream still opens (open, readyState OPEN)',
    run: async (ctx) => {
      try {
        // eslint-disable-next-line no-self-assign
        document.domain = document.domain;
      } catch (err) {
        ctx.skip(`document.domain cannot be set here: ${err.name}`);
      }
      const es = ctx.open(ctx.script(':\n', { hold: true }));
      const ev = await ctx.nextEvent(es, 'open');
      ctx.eq([es.readyState, ev instanceof MessageEvent, ev.bubbles, ev.cancelable], [1, false, false, false], '[readyState, MessageEvent, bubbles, cancelable]');
    },
  },
  {
    id: 'api-message-trusted',
    section,
    title: 'message events are trusted (isTrusted)',
    // A script cannot make an event trusted: dispatchEvent always gives isTrusted false.
    skip: (ctx) => (ctx.isPolyfill ? 'isTrusted cannot be set from script (a limit of every polyfill)' : null),
    run: async (ctx) => {
      const es = ctx.open(ctx.script('data: t\n\n', { hold: true }));
      const ev = await ctx.nextEvent(es, 'message');
      ctx.eq(ev.isTrusted, true, 'isTrusted');
    },
  },
  {
    id: 'api-message-event-realm',
    section,
    title: 'the MessageEvent is created in the realm of the EventSource (an EventSource of an iframe)',
    run: async (ctx) => {
      const frame = await frameWithImplementation(ctx);
      try {
        const win = frame.contentWindow;
        const es = ctx.track(new win.EventSource(ctx.script('data: r\n\n', { hold: true })));
        const ev = await ctx.nextEvent(es, 'message');
        ctx.assert(ev.constructor === win.MessageEvent, 'the event\'s constructor is not the frame\'s MessageEvent');
        ctx.eq(ev.data, 'r', 'data');
      } finally {
        frame.remove();
      }
    },
  },
  {
    id: 'api-url-frame-base',
    section,
    title: 'an iframe\'s EventSource resolves a relative URL against the iframe\'s document base, and opens',
    run: async (ctx) => {
      const frame = await frameWithImplementation(ctx, `${ctx.origin}/t/`);
      try {
        const win = frame.contentWindow;
        const rel = `script?hold=1&body=${encodeURIComponent(':\n')}&key=${ctx.key}`;
        const es = ctx.track(new win.EventSource(rel));
        ctx.eq(es.url, `${ctx.origin}/t/${rel}`, 'url');
        const ev = await ctx.nextEvent(es, 'open');
        ctx.eq([es.readyState, ev.bubbles, ev.cancelable], [1, false, false], '[readyState, bubbles, cancelable]');
      } finally {
        frame.remove();
      }
    },
  },
];
