// The object: constructor, constants, attributes, event handler attributes, the events'
// interfaces, and close() from every state.

const section = 'api';
const CONSTANTS = { CONNECTING: 0, OPEN: 1, CLOSED: 2 };

/** A URL that keeps the connection open and sends nothing. */
function silent(ctx) {
  return ctx.script('', { hold: true });
}

/** Waits for an `error` with readyState CONNECTING (the stream ended and sets retry). */
async function untilReconnecting(ctx, rec) {
  await rec.untilCount('error', 1);
  const err = rec.of('error')[0];
  ctx.assert(err.readyState === 0, `expected the error of a reestablishing connection (CONNECTING), got readyState ${err.readyState}`);
}

function checkConstants(ctx, target, what) {
  for (const [name, value] of Object.entries(CONSTANTS)) {
    ctx.eq(target[name], value, `${what}.${name}`);
  }
}

export default [
  {
    id: 'api-constants-constructor',
    section,
    title: 'CONNECTING, OPEN, CLOSED on the constructor: 0, 1, 2, read-only',
    run: async (ctx) => {
      const ES = ctx.EventSource;
      checkConstants(ctx, ES, 'EventSource');
      for (const name of Object.keys(CONSTANTS)) {
        const d = Object.getOwnPropertyDescriptor(ES, name);
        ctx.assert(d, `no own property EventSource.${name}`);
        ctx.eq([d.writable, d.enumerable, d.configurable], [false, true, false], `descriptor of EventSource.${name} [writable, enumerable, configurable]`);
      }
    },
  },
  {
    id: 'api-constants-prototype',
    section,
    title: 'the constants on the prototype and on instances',
    run: async (ctx) => {
      const ES = ctx.EventSource;
      checkConstants(ctx, ES.prototype, 'EventSource.prototype');
      const es = ctx.open(silent(ctx));
      es.close();
      checkConstants(ctx, es, 'instance');
    },
  },
  {
    id: 'api-attributes',
    section,
    title: 'url, withCredentials, readyState are read-only accessors; the handlers read-write; close() a method',
    run: async (ctx) => {
      const proto = ctx.EventSource.prototype;
      for (const name of ['url', 'withCredentials', 'readyState']) {
        const d = Object.getOwnPropertyDescriptor(proto, name);
        ctx.assert(d && typeof d.get === 'function', `${name} is not an accessor on the prototype`);
        ctx.assert(d.set === undefined, `${name} has a setter`);
        ctx.eq([d.enumerable, d.configurable], [true, true], `${name} [enumerable, configurable]`);
      }
      for (const name of ['onopen', 'onmessage', 'onerror']) {
        const d = Object.getOwnPropertyDescriptor(proto, name);
        ctx.assert(d && typeof d.get === 'function' && typeof d.set === 'function', `${name} is not a read-write accessor`);
      }
      const close = Object.getOwnPropertyDescriptor(proto, 'close');
      ctx.assert(close && typeof close.value === 'function', 'close is not a method on the prototype');
      ctx.eq(close.value.length, 0, 'close.length');
      const es = ctx.open(silent(ctx));
      ctx.eq(Reflect.set(es, 'readyState', 2), false, 'Reflect.set(es, "readyState", 2)');
      ctx.eq(es.readyState, 0, 'readyState after trying to assign to it');
    },
  },
  {
    id: 'api-prototype-members',
    section,
    title: 'the prototype has exactly the standard members (with or without all of whatwg/html#12272\'s); instances have no own properties',
    run: async (ctx) => {
      const proto = ctx.EventSource.prototype;
      const names = Object.getOwnPropertyNames(proto).sort();
      const today = ['CLOSED', 'CONNECTING', 'OPEN', 'close', 'constructor', 'onerror', 'onmessage', 'onopen', 'readyState', 'url', 'withCredentials'];
      const tomorrow = [...today, 'lastEventId', 'reconnectionTime', 'reset'].sort();
      const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
      ctx.assert(same(names, today) || same(names, tomorrow), `own property names of EventSource.prototype: ${names}`);
      const es = ctx.open(silent(ctx));
      ctx.eq(Object.getOwnPropertyNames(es), [], 'own property names of an instance');
      ctx.eq(Object.getOwnPropertySymbols(es), [], 'own symbols of an instance');
    },
  },
  {
    id: 'api-interface-object',
    section,
    title: 'EventSource.length 1, name, [object EventSource], inherits from EventTarget',
    run: async (ctx) => {
      const ES = ctx.EventSource;
      ctx.eq(ES.length, 1, 'EventSource.length');
      ctx.eq(ES.name, 'EventSource', 'EventSource.name');
      ctx.assert(Object.getPrototypeOf(ES.prototype) === EventTarget.prototype, 'EventSource.prototype does not inherit from EventTarget.prototype');
      const es = ctx.open(silent(ctx));
      ctx.eq(Object.prototype.toString.call(es), '[object EventSource]', 'toString tag');
      ctx.assert(es instanceof EventTarget, 'not an EventTarget');
    },
  },
  {
    id: 'api-readystate-connecting',
    section,
    title: 'readyState is CONNECTING right after construction',
    run: async (ctx) => {
      const es = ctx.open(silent(ctx));
      ctx.eq(es.readyState, 0, 'readyState');
    },
  },
  {
    id: 'api-url-absolute',
    section,
    title: 'url is the absolute URL, resolved against the document',
    run: async (ctx) => {
      const es = ctx.open(`/t/script?hold=1&key=${ctx.key}`);
      ctx.eq(es.url, `${ctx.origin}/t/script?hold=1&key=${ctx.key}`, 'url');
      const es2 = ctx.open(`../t/script?hold=1&key=${ctx.key}`);
      ctx.eq(es2.url, `${ctx.origin}/t/script?hold=1&key=${ctx.key}`, 'url of ../t/script');
    },
  },
  {
    id: 'api-url-base',
    section,
    title: 'a relative URL is resolved against the document base URL (<base href>)',
    run: async (ctx) => {
      const base = document.createElement('base');
      base.href = `${ctx.origin}/t/`;
      document.head.prepend(base);
      let es;
      try {
        es = ctx.open(`script?hold=1&key=${ctx.key}`);
      } finally {
        base.remove();
      }
      ctx.eq(es.url, `${ctx.origin}/t/script?hold=1&key=${ctx.key}`, 'url');
    },
  },
  {
    id: 'api-url-serialized',
    section,
    title: 'url is serialized: a URL object is accepted, the fragment kept, the host lowercased',
    run: async (ctx) => {
      const es = ctx.open(new URL(`/t/script?hold=1&key=${ctx.key}#frag`, ctx.origin));
      ctx.eq(es.url, `${ctx.origin}/t/script?hold=1&key=${ctx.key}#frag`, 'url of a URL object with a fragment');
      const port = new URL(ctx.origin).port;
      const es2 = ctx.open(`HTTP://127.0.0.1:${port}/t/./script?hold=1&key=${ctx.key}`);
      ctx.eq(es2.url, `${ctx.origin}/t/script?hold=1&key=${ctx.key}`, 'url of an unnormalized URL');
    },
  },
  {
    id: 'api-syntaxerror',
    section,
    title: 'an invalid URL throws a SyntaxError DOMException',
    run: async (ctx) => {
      for (const bad of ['http://[', 'http://127.0.0.1:99999/', 'http://[::g]/']) {
        const err = ctx.throws(() => new ctx.EventSource(bad), null, `new EventSource(${JSON.stringify(bad)})`);
        ctx.assert(err instanceof DOMException, `${bad}: not a DOMException but ${err && err.constructor && err.constructor.name}`);
        ctx.eq(err.name, 'SyntaxError', `${bad}: exception name`);
      }
    },
  },
  {
    id: 'api-no-new',
    section,
    title: 'calling EventSource without new throws a TypeError',
    run: async (ctx) => {
      ctx.throws(() => ctx.EventSource(silent(ctx)), (e) => e instanceof TypeError, 'EventSource(url)');
    },
  },
  {
    id: 'api-no-arguments',
    section,
    title: 'new EventSource() without arguments throws a TypeError',
    run: async (ctx) => {
      ctx.throws(() => new ctx.EventSource(), (e) => e instanceof TypeError, 'new EventSource()');
    },
  },
  {
    id: 'api-withcredentials',
    section,
    title: 'withCredentials: false by default, converted to boolean, null/undefined init accepted',
    run: async (ctx) => {
      const url = silent(ctx);
      const ES = ctx.EventSource;
      const cases = [
        [() => new ES(url), false],
        [() => new ES(url, undefined), false],
        [() => new ES(url, null), false],
        [() => new ES(url, {}), false],
        [() => new ES(url, { withCredentials: true }), true],
        [() => new ES(url, { withCredentials: 1 }), true],
        [() => new ES(url, { withCredentials: '' }), false],
        [() => new ES(url, { foo: 1 }), false],
      ];
      const got = cases.map(([make]) => ctx.track(make()).withCredentials);
      ctx.eq(got, cases.map(([, want]) => want), 'withCredentials values');
    },
  },
  {
    id: 'api-init-not-object',
    section,
    title: 'an init that is not an object (a number) throws a TypeError',
    run: async (ctx) => {
      ctx.throws(() => new ctx.EventSource(silent(ctx), 5), (e) => e instanceof TypeError, 'new EventSource(url, 5)');
    },
  },
  {
    id: 'api-handlers-null',
    section,
    title: 'onopen, onmessage, onerror are null by default; non-objects set null',
    run: async (ctx) => {
      const es = ctx.open(silent(ctx));
      ctx.eq([es.onopen, es.onmessage, es.onerror], [null, null, null], 'defaults');
      const f = () => {};
      es.onmessage = f;
      ctx.assert(es.onmessage === f, 'onmessage does not return the function set');
      es.onmessage = 'not a function';
      ctx.eq(es.onmessage, null, 'onmessage after assigning a string');
      const obj = {};
      es.onerror = obj;
      ctx.assert(es.onerror === obj, 'onerror does not return the (non-callable) object set');
      es.onerror = null;
      ctx.eq(es.onerror, null, 'onerror after assigning null');
    },
  },
  {
    id: 'api-handler-order',
    section,
    title: 'a handler attribute keeps the place where it was first set among the listeners',
    run: async (ctx) => {
      const es = ctx.open(silent(ctx));
      es.close();
      const calls = [];
      const fire = () => {
        calls.length = 0;
        es.dispatchEvent(new MessageEvent('message', { data: 'x' }));
        return calls.slice();
      };
      es.addEventListener('message', () => calls.push('l1'));
      es.onmessage = () => calls.push('h1');
      es.addEventListener('message', () => calls.push('l2'));
      ctx.eq(fire(), ['l1', 'h1', 'l2'], 'order after setting onmessage between two listeners');
      es.onmessage = () => calls.push('h2');
      ctx.eq(fire(), ['l1', 'h2', 'l2'], 'order after changing onmessage');
      es.onmessage = null;
      ctx.eq(fire(), ['l1', 'l2'], 'order after onmessage = null');
      es.onmessage = () => calls.push('h3');
      ctx.eq(fire(), ['l1', 'l2', 'h3'], 'order after setting onmessage again');
    },
  },
  {
    id: 'api-handlers-fire',
    section,
    title: 'onopen, onmessage, onerror are called with this = the EventSource',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\ndata: x\n\n'));
      const seen = [];
      const make = (name) => function handler(e) {
        seen.push([name, this === es, e.target === es, e.currentTarget === es]);
      };
      es.onopen = make('open');
      es.onmessage = make('message');
      es.onerror = make('error');
      const rec = ctx.record(es);
      await rec.untilCount('error', 1);
      es.close();
      ctx.eq(seen, [['open', true, true, true], ['message', true, true, true], ['error', true, true, true]], '[handler, this, target, currentTarget]');
    },
  },
  {
    id: 'api-remove-listener',
    section,
    title: 'removeEventListener stops a listener; EventTarget semantics hold',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('data: 1\n\n', { hold: true }));
      let calls = 0;
      const l = () => { calls++; };
      es.addEventListener('message', l);
      es.addEventListener('message', l); // duplicate: ignored
      es.removeEventListener('message', l);
      const rec = ctx.record(es);
      await rec.untilCount('message', 1);
      ctx.eq(calls, 0, 'calls of the removed listener');
    },
  },
  {
    id: 'api-message-event',
    section,
    title: 'messages are MessageEvents with data, origin, lastEventId, source null, no ports, not bubbling or cancelable',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('id: 9\ndata: hi\n\n', { hold: true }));
      const event = await ctx.nextEvent(es, 'message');
      ctx.assert(event instanceof MessageEvent, 'not a MessageEvent');
      ctx.assert(event.constructor === MessageEvent, 'constructor is not MessageEvent');
      ctx.eq(Object.prototype.toString.call(event), '[object MessageEvent]', 'toString tag');
      ctx.eq(
        [event.type, event.data, event.origin, event.lastEventId, event.source, Array.isArray(event.ports) && event.ports.length, event.bubbles, event.cancelable],
        ['message', 'hi', ctx.origin, '9', null, 0, false, false],
        '[type, data, origin, lastEventId, source, ports.length, bubbles, cancelable]',
      );
      ctx.assert(event.target === es, 'target is not the EventSource');
    },
  },
  {
    id: 'api-open-event',
    section,
    title: 'open is a plain Event, not bubbling, not cancelable; readyState OPEN in its handler',
    run: async (ctx) => {
      // A first body byte (a comment): Firefox surfaces no response before one.
      const es = ctx.open(ctx.script(':\n', { hold: true }));
      let state;
      es.onopen = () => { state = es.readyState; };
      const event = await ctx.nextEvent(es, 'open');
      ctx.assert(event instanceof Event, 'not an Event');
      ctx.assert(!(event instanceof MessageEvent), 'open is a MessageEvent');
      ctx.eq([event.bubbles, event.cancelable, state], [false, false, 1], '[bubbles, cancelable, readyState in onopen]');
    },
  },
  {
    id: 'api-error-event-reconnect',
    section,
    title: 'the error of a reestablishing connection is a plain Event; readyState CONNECTING in its handler',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 60000\n\n'));
      let state;
      es.onerror = () => { state = es.readyState; };
      const event = await ctx.nextEvent(es, 'error');
      es.close();
      ctx.assert(event instanceof Event && !(event instanceof MessageEvent), 'error is not a plain Event');
      ctx.eq([event.bubbles, event.cancelable, state], [false, false, 0], '[bubbles, cancelable, readyState in onerror]');
    },
  },
  {
    id: 'api-error-event-fail',
    section,
    title: 'the error of a failed connection is a plain Event; readyState CLOSED in its handler',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/status/404'));
      let state;
      es.onerror = () => { state = es.readyState; };
      const event = await ctx.nextEvent(es, 'error');
      ctx.assert(event instanceof Event && !(event instanceof MessageEvent), 'error is not a plain Event');
      ctx.eq([event.bubbles, event.cancelable, state], [false, false, 2], '[bubbles, cancelable, readyState in onerror]');
    },
  },
  {
    id: 'api-custom-type',
    section,
    title: 'a custom event type reaches only the listeners of that type',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('event: foo\ndata: 1\n\ndata: 2\n\n', { hold: true }));
      const calls = [];
      es.onmessage = (e) => calls.push(`onmessage:${e.data}`);
      es.addEventListener('message', (e) => calls.push(`message:${e.data}`));
      es.addEventListener('foo', (e) => calls.push(`foo:${e.data}:${e instanceof MessageEvent}`));
      es.addEventListener('bar', (e) => calls.push(`bar:${e.data}`));
      const rec = ctx.record(es);
      await rec.untilCount('message', 1);
      ctx.eq(calls, ['foo:1:true', 'onmessage:2', 'message:2'], 'calls');
    },
  },
  {
    id: 'api-close-connecting',
    section,
    title: 'close() while CONNECTING: CLOSED at once, no event afterwards',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('data: x\n\n', { hold: true }));
      const rec = ctx.record(es);
      es.close();
      ctx.eq(es.readyState, 2, 'readyState after close()');
      await ctx.quiet();
      ctx.eq(rec.entries.map((e) => e.type), [], 'events after close()');
    },
  },
  {
    id: 'api-close-open',
    section,
    title: 'close() while OPEN: CLOSED, no error event, no reconnection',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\ndata: x\n\n', { hold: true }));
      const rec = ctx.record(es);
      await rec.untilCount('message', 1);
      es.close();
      ctx.eq(es.readyState, 2, 'readyState after close()');
      await ctx.quiet();
      ctx.eq(rec.entries.map((e) => e.type), ['open', 'message'], 'events');
      ctx.eq((await ctx.log()).requests.length, 1, 'requests');
    },
  },
  {
    id: 'api-close-closed',
    section,
    title: 'close() after the connection failed: no exception, nothing happens',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/status/500'));
      const rec = ctx.record(es);
      await rec.untilCount('error', 1, { failOnClose: false });
      es.close();
      es.close();
      ctx.eq(es.readyState, 2, 'readyState');
      await ctx.quiet();
      ctx.eq(rec.entries.map((e) => e.type), ['error'], 'events');
    },
  },
  {
    id: 'api-close-reconnecting',
    section,
    title: 'close() while waiting to reconnect: no reconnection',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 100\ndata: x\n\n'));
      const rec = ctx.record(es);
      await untilReconnecting(ctx, rec);
      es.close();
      ctx.eq(es.readyState, 2, 'readyState after close()');
      await ctx.quiet();
      ctx.eq(rec.entries.map((e) => e.type), ['open', 'message', 'error'], 'events');
      ctx.eq((await ctx.log()).requests.length, 1, 'requests');
    },
  },
  {
    id: 'api-close-in-onopen',
    section,
    title: 'close() inside onopen: no message is dispatched',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('data: 1\n\ndata: 2\n\n', { hold: true }));
      es.onopen = () => es.close();
      const rec = ctx.record(es);
      await rec.untilCount('open', 1);
      await ctx.quiet();
      ctx.eq(rec.entries.map((e) => e.type), ['open'], 'events');
      ctx.eq(es.readyState, 2, 'readyState');
    },
  },
  {
    id: 'api-close-in-onmessage',
    section,
    title: 'close() inside onmessage stops the rest of the same chunk',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('data: 1\n\ndata: 2\n\nevent: foo\ndata: 3\n\n', { hold: true }));
      es.onmessage = () => es.close();
      const rec = ctx.record(es, ['foo']);
      await rec.untilCount('message', 1);
      await ctx.quiet();
      ctx.eq(rec.messages().map((e) => e.data), ['1'], 'messages');
      ctx.eq(es.readyState, 2, 'readyState');
    },
  },
  {
    id: 'api-close-in-listener-others-run',
    section,
    title: 'close() in one listener: the other listeners of the same event still run',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('data: 1\n\ndata: 2\n\n', { hold: true }));
      const calls = [];
      es.addEventListener('message', (e) => { calls.push(`a${e.data}`); es.close(); });
      es.addEventListener('message', (e) => calls.push(`b${e.data}:${es.readyState}`));
      await ctx.nextEvent(es, 'message');
      await ctx.quiet();
      ctx.eq(calls, ['a1', 'b1:2'], 'calls');
    },
  },
  {
    id: 'api-close-in-onerror',
    section,
    title: 'close() inside onerror of a reestablishing connection: no reconnection',
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\ndata: x\n\n'));
      es.onerror = () => es.close();
      const rec = ctx.record(es);
      await rec.untilCount('error', 1);
      await ctx.quiet();
      ctx.eq(rec.entries.map((e) => [e.type, e.readyState]), [['open', 1], ['message', 1], ['error', 2]], '[event, readyState]');
      ctx.eq((await ctx.log()).requests.length, 1, 'requests');
    },
  },
  {
    id: 'api-close-twice',
    section,
    title: 'close() twice is harmless',
    run: async (ctx) => {
      const es = ctx.open(silent(ctx));
      es.close();
      es.close();
      ctx.eq(es.readyState, 2, 'readyState');
    },
  },
  {
    id: 'api-no-events-after-close',
    section,
    title: 'no event is dispatched after close(), even with more data on the wire',
    run: async (ctx) => {
      const es = ctx.open(ctx.url('/t/counter', { count: 1000, interval: 10 }));
      const rec = ctx.record(es);
      await rec.untilCount('message', 2);
      es.close();
      const n = rec.entries.length;
      await ctx.quiet();
      ctx.eq(rec.entries.length, n, 'events recorded after close()');
    },
  },
  {
    id: 'api-close-releases-connection',
    section,
    title: 'close() releases the connection: eight streams opened and closed in turn all connect',
    run: async (ctx) => {
      // Browsers keep at most 6 HTTP/1.1 connections per host: if close() left its connection
      // open, the 7th stream would wait for the server to end one (60 s).
      for (let i = 1; i <= 8; i++) {
        const es = ctx.open(ctx.script(`data: ${i}\n\n`, { hold: true }));
        const rec = ctx.record(es);
        await rec.until((e) => e.some((x) => x.type === 'message'), `the message of stream ${i} of 8 (streams 1..${i - 1} were closed after their message)`);
        es.close();
      }
    },
  },
];
