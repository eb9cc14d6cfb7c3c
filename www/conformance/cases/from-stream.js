// EventSource.fromReadableStream(), lastEventId, reconnectionTime and reset() (whatwg/html pull
// request #12272). First one case per subtest of its web-platform-tests (pull request #58550:
// eventsource-from-readable-stream.any.js, "any.js" below, and
// eventsource-from-readable-stream-fetch.window.js, "fetch.window.js"; each case names its
// subtest), then what those do not cover and the package promises: streams
// split in hostile places, the id and retry rules, close() and a broken stream, reset() between
// two streams, the getters on network instances, the WebIDL shape, one event per task.
//
// No native EventSource has these members yet: there the cases skip (never fail for lack of
// them); the package must have them, so they always run on it. A stream has no transport, so the
// stream cases run in the `auto` pass only; the getters of network instances run in every pass.

import { bytes } from '../lib.js';

const section = 'from-stream';

/** Skips where there is no fromReadableStream (a native EventSource, today), or in a forced-transport pass. */
function needsStatic(ctx) {
  if (ctx.transport !== 'auto') return 'a stream has no transport: the auto pass covers it';
  if (!ctx.isPolyfill && typeof ctx.EventSource.fromReadableStream !== 'function') {
    return 'no EventSource.fromReadableStream in this implementation (whatwg/html#12272)';
  }
  return null;
}

/** Skips where instances have no lastEventId / reconnectionTime (a native EventSource, today). */
function needsGetters(ctx) {
  if (!ctx.isPolyfill && !('lastEventId' in ctx.EventSource.prototype && 'reconnectionTime' in ctx.EventSource.prototype)) {
    return 'no lastEventId / reconnectionTime getters in this implementation (whatwg/html#12272)';
  }
  return null;
}

/** One chunk: a string is UTF-8 encoded, an array of numbers is raw bytes, a Uint8Array is itself. */
const chunk = (part) => (part instanceof Uint8Array ? part : bytes(part));

/** `EventSource.fromReadableStream(stream)`, closed by the runner after the case. */
function from(ctx, stream) {
  return ctx.track(ctx.EventSource.fromReadableStream(stream));
}

/** A stream holding `parts` (one chunk each) from the start, then closed (as the WPT's helpers). */
function filled(...parts) {
  return new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(chunk(part));
      controller.close();
    },
  });
}

/**
 * A stream that makes each chunk only when it is read (high-water mark 0), so that chunk n + 1
 * does not exist before chunk n was taken: the reader cannot see two at once. Then it closes.
 */
function paced(parts) {
  let next = 0;
  return new ReadableStream({
    pull(controller) {
      if (next < parts.length) controller.enqueue(chunk(parts[next++]));
      else controller.close();
    },
  }, { highWaterMark: 0 });
}

/** Every byte of `parts` as a chunk of its own. */
function byteByByte(...parts) {
  return Array.from(bytes(...parts), (b) => Uint8Array.of(b));
}

/**
 * A stream the case feeds by hand: `push(part)`, `raw(value)`, `end()`, `fail(error)`.
 * `cancelled` resolves when the stream's cancel() is called; `log.cancels` counts the calls.
 */
function fed() {
  let controller;
  let onCancel;
  const cancelled = new Promise((resolve) => { onCancel = resolve; });
  const log = { cancels: 0 };
  const stream = new ReadableStream({
    start(c) {
      controller = c;
    },
    cancel(reason) {
      log.cancels++;
      onCancel(reason);
    },
  });
  return {
    stream,
    log,
    cancelled,
    push: (part) => controller.enqueue(chunk(part)),
    /** Enqueues `value` as it is (not made into bytes). */
    raw: (value) => controller.enqueue(value),
    end: () => controller.close(),
    fail: (error) => controller.error(error),
  };
}

/** Records `es` and waits for the `error` that leaves it CLOSED (the end or failure of its stream). */
async function untilClosed(ctx, es, types = []) {
  const rec = ctx.record(es, types);
  await rec.until((e) => e.some((x) => x.type === 'error' && x.readyState === 2), 'the error event that leaves the source CLOSED', { failOnClose: false });
  return rec;
}

/** The data of the messages (of every type) a source made from `stream` dispatches before it ends. */
async function dataOf(ctx, stream, types = []) {
  const es = from(ctx, stream);
  const rec = await untilClosed(ctx, es, types);
  return rec.messages().map((e) => e.data);
}

/** Waits for a `message` whose data is `data`; rejects if the source fails first. */
function messageWith(ctx, rec, data) {
  return rec.until((e) => e.some((x) => x.type === 'message' && x.data === data), `the message ${JSON.stringify(data)}`);
}

/** A URL that keeps the connection open and sends nothing. */
const silent = (ctx) => ctx.script('', { hold: true });

const errorIs = (type) => (e) => e instanceof type;

// ---- One case per subtest of the web-platform-tests ----------------------------------------

const wpt = [
  {
    // WPT any.js: "fromReadableStream() returns an EventSource instance"
    id: 'frs-instance',
    title: 'fromReadableStream() returns an EventSource (an EventTarget)',
    run: async (ctx) => {
      const es = from(ctx, filled(''));
      ctx.assert(es instanceof ctx.EventSource, 'not an instance of EventSource');
      ctx.assert(es instanceof EventTarget, 'not an EventTarget');
      ctx.eq(Object.prototype.toString.call(es), '[object EventSource]', 'toString tag');
    },
  },
  {
    // WPT any.js: "readyState is CONNECTING immediately after construction"
    id: 'frs-readystate-connecting',
    title: 'readyState is CONNECTING right after fromReadableStream()',
    run: async (ctx) => {
      ctx.eq(from(ctx, filled('')).readyState, 0, 'readyState');
    },
  },
  {
    // WPT any.js: "url returns about:event-stream"
    id: 'frs-url',
    title: 'url is about:event-stream',
    run: async (ctx) => {
      ctx.eq(from(ctx, filled('')).url, 'about:event-stream', 'url');
    },
  },
  {
    // WPT any.js: "withCredentials returns false"
    id: 'frs-withcredentials',
    title: 'withCredentials is false',
    run: async (ctx) => {
      ctx.eq(from(ctx, filled('')).withCredentials, false, 'withCredentials');
    },
  },
  {
    // WPT any.js: "lastEventId initially returns the empty string"
    id: 'frs-last-event-id-initial',
    title: 'lastEventId is the empty string at first',
    run: async (ctx) => {
      ctx.eq(from(ctx, filled('')).lastEventId, '', 'lastEventId');
    },
  },
  {
    // WPT any.js: "reconnectionTime initially returns a positive value"
    id: 'frs-reconnection-time-initial',
    title: 'reconnectionTime is a positive number at first',
    run: async (ctx) => {
      const t = from(ctx, filled('')).reconnectionTime;
      ctx.assert(typeof t === 'number' && t > 0, `reconnectionTime is ${String(t)} (${typeof t})`);
    },
  },
  {
    // WPT any.js: "throws TypeError if the stream is locked"
    id: 'frs-locked-throws',
    title: 'a locked stream: TypeError, and the stream keeps its reader',
    run: async (ctx) => {
      const stream = new ReadableStream();
      const reader = stream.getReader();
      ctx.throws(() => ctx.EventSource.fromReadableStream(stream), errorIs(TypeError), 'fromReadableStream(locked stream)');
      ctx.eq(stream.locked, true, 'stream.locked afterwards');
      reader.releaseLock();
    },
  },
  {
    // WPT any.js: "fires open event"
    id: 'frs-open',
    title: 'open is fired, with readyState OPEN in its handler',
    run: async (ctx) => {
      const es = from(ctx, filled('data: hello\n\n'));
      let state;
      es.onopen = () => { state = es.readyState; };
      const event = await ctx.nextEvent(es, 'open');
      ctx.eq([event.type, state], ['open', 1], '[type, readyState in onopen]');
    },
  },
  {
    // WPT any.js: "receives a message event"
    id: 'frs-message',
    title: 'a message event with the data of the stream',
    run: async (ctx) => {
      const es = from(ctx, filled('data: hello\n\n'));
      const event = await ctx.nextEvent(es, 'message');
      ctx.assert(event instanceof MessageEvent, 'not a MessageEvent');
      ctx.eq([event.type, event.data], ['message', 'hello'], '[type, data]');
    },
  },
  {
    // WPT any.js: "handles multi-line data fields"
    id: 'frs-multiline-data',
    title: 'two data lines make one message joined by LF',
    run: async (ctx) => {
      ctx.eq(await dataOf(ctx, filled('data: hello\ndata: world\n\n')), ['hello\nworld'], 'messages');
    },
  },
  {
    // WPT any.js: "receives multiple message events"
    id: 'frs-multiple-messages',
    title: 'two events give two messages, in order',
    run: async (ctx) => {
      ctx.eq(await dataOf(ctx, filled('data: first\n\ndata: second\n\n')), ['first', 'second'], 'messages');
    },
  },
  {
    // WPT any.js: "handles custom event types"
    id: 'frs-custom-type',
    title: 'an event field gives an event of that type',
    run: async (ctx) => {
      const es = from(ctx, filled('event: custom\ndata: hello\n\n'));
      const rec = await untilClosed(ctx, es, ['custom']);
      ctx.eq(rec.messages().map((e) => [e.type, e.data, e.isMessageEvent]), [['custom', 'hello', true]], '[type, data, is a MessageEvent]');
    },
  },
  {
    // WPT any.js: "ignores comments"
    id: 'frs-comments',
    title: 'a comment line is ignored',
    run: async (ctx) => {
      ctx.eq(await dataOf(ctx, filled(': this is a comment\ndata: hello\n\n')), ['hello'], 'messages');
    },
  },
  {
    // WPT any.js: "message event origin is 'null' (opaque origin)"
    id: 'frs-origin-null',
    title: 'the origin of its message events is "null"',
    run: async (ctx) => {
      const event = await ctx.nextEvent(from(ctx, filled('data: hello\n\n')), 'message');
      ctx.eq(event.origin, 'null', 'origin');
    },
  },
  {
    // WPT any.js: "handles data split across chunks"
    id: 'frs-split-chunks',
    title: 'a field split over three chunks is one field',
    run: async (ctx) => {
      ctx.eq(await dataOf(ctx, filled('da', 'ta: hel', 'lo\n\n')), ['hello'], 'messages');
    },
  },
  {
    // WPT any.js: "id field updates lastEventId"
    id: 'frs-id-last-event-id',
    title: 'an id field: the event\'s lastEventId and the source\'s lastEventId in its handler',
    run: async (ctx) => {
      const es = from(ctx, filled('id: 42\ndata: hello\n\n'));
      let seen;
      es.onmessage = (e) => { seen = [e.data, e.lastEventId, es.lastEventId]; };
      await ctx.nextEvent(es, 'message');
      ctx.eq(seen, ['hello', '42', '42'], '[data, event.lastEventId, source.lastEventId]');
    },
  },
  {
    // WPT any.js: "retry field updates reconnectionTime"
    id: 'frs-retry',
    title: 'a retry field sets reconnectionTime (seen in the message handler)',
    run: async (ctx) => {
      const es = from(ctx, filled('retry: 5000\ndata: hello\n\n'));
      let seen;
      es.onmessage = () => { seen = es.reconnectionTime; };
      await ctx.nextEvent(es, 'message');
      ctx.eq(seen, 5000, 'reconnectionTime');
    },
  },
  {
    // WPT any.js: "retry field with non-digit value is ignored"
    id: 'frs-retry-bogus',
    title: 'a retry field that is not digits leaves reconnectionTime as it was',
    run: async (ctx) => {
      const es = from(ctx, filled('retry: bogus\ndata: hello\n\n'));
      const initial = es.reconnectionTime;
      let seen;
      es.onmessage = () => { seen = es.reconnectionTime; };
      await ctx.nextEvent(es, 'message');
      ctx.eq(seen, initial, 'reconnectionTime');
    },
  },
  {
    // WPT any.js: "close() sets readyState to CLOSED"
    id: 'frs-close-closed',
    title: 'close() sets readyState to CLOSED at once',
    run: async (ctx) => {
      const es = from(ctx, filled('data: hello\n\n'));
      es.close();
      ctx.eq(es.readyState, 2, 'readyState');
    },
  },
  {
    // WPT any.js: "stream done fires error after dispatching complete events"
    id: 'frs-done-after-events',
    title: 'the end of the stream: its complete events first, then error with readyState CLOSED',
    run: async (ctx) => {
      const rec = await untilClosed(ctx, from(ctx, filled('data: hello\n\n')));
      ctx.eq(rec.entries.filter((e) => e.type !== 'open').map((e) => [e.type, e.data ?? null, e.readyState]), [['message', 'hello', 1], ['error', null, 2]], '[type, data, readyState]');
    },
  },
  {
    // WPT any.js: "empty stream fires error and transitions to CLOSED"
    id: 'frs-empty-stream',
    title: 'an empty stream: error, readyState CLOSED, no message',
    run: async (ctx) => {
      const es = from(ctx, filled());
      const rec = await untilClosed(ctx, es);
      ctx.eq([rec.count('message'), rec.count('error'), es.readyState], [0, 1, 2], '[messages, errors, readyState]');
    },
  },
  {
    // WPT any.js: "stream error fires error event and transitions to CLOSED"
    id: 'frs-stream-error',
    title: 'a stream that errors: error, readyState CLOSED',
    run: async (ctx) => {
      const es = from(ctx, new ReadableStream({ start(c) { c.error(new Error('stream error')); } }));
      const rec = await untilClosed(ctx, es);
      ctx.eq([rec.count('message'), rec.count('error'), es.readyState], [0, 1, 2], '[messages, errors, readyState]');
    },
  },
  {
    // WPT any.js: "no reconnection is attempted after stream done"
    id: 'frs-no-reconnection',
    title: 'after the end of the stream: one error, and no reconnection (still CLOSED, no event)',
    run: async (ctx) => {
      const es = from(ctx, filled('data: hello\n\n'));
      const rec = await untilClosed(ctx, es);
      const n = rec.entries.length;
      await ctx.quiet();
      ctx.eq([rec.count('error'), rec.entries.length - n, es.readyState], [1, 0, 2], '[errors, events after the error, readyState]');
    },
  },
  {
    // WPT any.js: "handles CR, LF, and CRLF line endings"
    id: 'frs-line-endings',
    title: 'CR, LF and CRLF end lines',
    run: async (ctx) => {
      ctx.eq(await dataOf(ctx, filled('data: cr\r\rdata: lf\n\ndata: crlf\r\n\r\n')), ['cr', 'lf', 'crlf'], 'messages');
    },
  },
  {
    // WPT any.js: "strips leading UTF-8 BOM"
    id: 'frs-bom-stripped',
    title: 'a UTF-8 BOM at the start of the stream is stripped',
    run: async (ctx) => {
      ctx.eq(await dataOf(ctx, filled([0xEF, 0xBB, 0xBF, ...bytes('data: hello\n\n')])), ['hello'], 'messages');
    },
  },
  {
    // WPT any.js: "TransformStream pattern allows multiple streams to be piped through"
    id: 'frs-transform-two-streams',
    title: 'two streams piped in turn through a TransformStream: both messages, then one error (CLOSED) when it closes',
    run: async (ctx) => {
      const ts = new TransformStream();
      const es = from(ctx, ts.readable);
      const rec = ctx.record(es);
      await filled('data: first\n\n').pipeTo(ts.writable, { preventClose: true });
      await filled('data: second\n\n').pipeTo(ts.writable);
      await rec.until((e) => e.some((x) => x.type === 'error'), 'the error after the writable side closed', { failOnClose: false });
      ctx.eq(rec.entries.filter((e) => e.type !== 'open').map((e) => [e.type, e.data ?? null, e.readyState]), [['message', 'first', 1], ['message', 'second', 1], ['error', null, 2]], '[type, data, readyState]');
    },
  },
  {
    // WPT any.js: "lastEventId persists across reconnections via TransformStream"
    id: 'frs-transform-last-event-id',
    title: 'lastEventId from the first piped stream holds when the first pipe is done and through the second',
    run: async (ctx) => {
      const ts = new TransformStream();
      const es = from(ctx, ts.readable);
      const rec = ctx.record(es);
      let inHandler;
      es.addEventListener('message', (e) => { if (e.data === 'after-reconnect') inHandler = [e.lastEventId, es.lastEventId]; });
      await filled('id: 42\ndata: first\n\n').pipeTo(ts.writable, { preventClose: true });
      const between = es.lastEventId;
      await filled('data: after-reconnect\n\n').pipeTo(ts.writable, { preventClose: true });
      await messageWith(ctx, rec, 'after-reconnect');
      ctx.eq([between, inHandler], ['42', ['42', '42']], '[lastEventId when the first pipe resolved, [event.lastEventId, source.lastEventId] of the second stream\'s event]');
    },
  },
  {
    // WPT any.js: "reconnectionTime persists across reconnections via TransformStream"
    id: 'frs-transform-reconnection-time',
    title: 'reconnectionTime from the first piped stream holds when the first pipe is done and through the second',
    run: async (ctx) => {
      const ts = new TransformStream();
      const es = from(ctx, ts.readable);
      const rec = ctx.record(es);
      let inHandler;
      es.addEventListener('message', (e) => { if (e.data === 'after-reconnect') inHandler = es.reconnectionTime; });
      // 3000 as in the WPT, which is also the default: 1234 shows that the value is the stream's.
      await filled('retry: 1234\ndata: first\n\n').pipeTo(ts.writable, { preventClose: true });
      const between = es.reconnectionTime;
      await filled('data: after-reconnect\n\n').pipeTo(ts.writable, { preventClose: true });
      await messageWith(ctx, rec, 'after-reconnect');
      ctx.eq([between, inHandler], [1234, 1234], '[reconnectionTime when the first pipe resolved, in the second stream\'s message handler]');
    },
  },
  {
    // WPT fetch.window.js: "works with a fetch() response body"
    id: 'frs-fetch-body',
    title: 'a fetch() response body as the stream',
    run: async (ctx) => {
      const response = await fetch(ctx.script('data: data\n\n'));
      const event = await ctx.nextEvent(from(ctx, response.body), 'message');
      ctx.eq(event.data, 'data', 'data');
    },
  },
  {
    // WPT fetch.window.js: "lastEventId and reconnectionTime work with fetch() response"
    id: 'frs-fetch-id-retry',
    title: 'a fetch() response body: id and retry set lastEventId and reconnectionTime',
    run: async (ctx) => {
      const response = await fetch(ctx.script('id: 42\nretry: 5000\ndata: hello\n\n'));
      const es = from(ctx, response.body);
      let seen;
      es.onmessage = (e) => { seen = [e.data, es.lastEventId, es.reconnectionTime]; };
      await ctx.nextEvent(es, 'message');
      ctx.eq(seen, ['hello', '42', 5000], '[data, lastEventId, reconnectionTime]');
    },
  },
];

// ---- What the package promises beyond the WPT ----------------------------------------------

/** The engine feeds a chunk to its parser in slices of 64 KiB (src/wasm/stream.rs). */
const SLICE = 64 * 1024;

const more = [
  {
    id: 'frs-split-crlf',
    title: 'CR and LF in different chunks are one line end; CR then CR in the next chunk are two',
    run: async (ctx) => {
      const parts = ['data: a\r', '\ndata: b\r', '\n\r', '\n', 'data: c\r\n\r\n', 'data: d\r', '\rdata: e\n\n'];
      ctx.eq(await dataOf(ctx, paced(parts)), ['a\nb', 'c', 'd', 'e'], 'messages');
    },
  },
  {
    id: 'frs-split-utf8',
    title: 'one byte per chunk: multi-byte characters in the event type, data and id are decoded whole',
    run: async (ctx) => {
      const es = from(ctx, paced(byteByByte('event: ñandú\ndata: é€😀\nid: ü€\n\ndata: ✓\n\n')));
      const rec = await untilClosed(ctx, es, ['ñandú']);
      ctx.eq(rec.messages().map((e) => [e.type, e.data, e.lastEventId]), [['ñandú', 'é€😀', 'ü€'], ['message', '✓', 'ü€']], '[type, data, lastEventId]');
    },
  },
  {
    id: 'frs-invalid-utf8',
    title: 'invalid UTF-8, also split over chunks: one U+FFFD per maximal invalid sequence, as TextDecoder',
    run: async (ctx) => {
      const parts = [
        'data: a', [0xFF], 'b\n\n', // a byte that never starts a character
        'data: ', [0xE2], [0x82], '\n\n', // a three-byte sequence cut short, over two chunks
        'data: ', [0xF0, 0x9F], [0x98], 'x\n\n', // a four-byte sequence cut short, then text
        'data: ', [0xED, 0xA0, 0x80], '\n\n', // an encoded surrogate: three errors
        'data: ', [0xC0, 0xAF], '\n\n', // an overlong form: two errors
        'data: ', [0xE2], [0x82], [0xAC], '\n\n', // the same bytes completed: €
      ];
      const want = ['a\uFFFDb', '\uFFFD', '\uFFFDx', '\uFFFD\uFFFD\uFFFD', '\uFFFD\uFFFD', '€'];
      ctx.eq(await dataOf(ctx, paced(parts)), want, 'messages');
    },
  },
  {
    id: 'frs-bom-start-only',
    title: 'a BOM split over three chunks is stripped; a BOM at the start of a later chunk is not (that line is ignored)',
    run: async (ctx) => {
      const parts = [[0xEF], [0xBB], [0xBF], 'data: a\n\n', '\uFEFFdata: no\n\n', 'data: \uFEFFb\n\n'];
      ctx.eq(await dataOf(ctx, paced(parts)), ['a', '\uFEFFb'], 'messages');
    },
  },
  {
    id: 'frs-bom-second-kept',
    title: 'of two BOMs at the start only the first is stripped: the second starts the field name',
    run: async (ctx) => {
      ctx.eq(await dataOf(ctx, filled('\uFEFF\uFEFFdata: no\n\ndata: yes\n\n')), ['yes'], 'messages');
    },
  },
  {
    id: 'frs-id-nul-ignored',
    title: 'an id field containing NUL is ignored: the last event ID stays, the event is dispatched',
    run: async (ctx) => {
      const es = from(ctx, filled('id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n'));
      const rec = await untilClosed(ctx, es);
      ctx.eq(rec.messages().map((e) => [e.data, e.lastEventId]), [['a', '1'], ['b', '1']], '[data, lastEventId]');
      ctx.eq(es.lastEventId, '1', 'source.lastEventId after the end');
    },
  },
  {
    id: 'frs-id-at-dispatch',
    title: 'an id takes effect at the end of its block (with or without data); an empty id clears it',
    run: async (ctx) => {
      const s = fed();
      const es = from(ctx, s.stream);
      const rec = ctx.record(es);
      s.push('data: a\n\nid: 5\n');
      await messageWith(ctx, rec, 'a');
      const beforeBlankLine = es.lastEventId;
      s.push('\ndata: b\n\n');
      await messageWith(ctx, rec, 'b');
      const afterBlock = es.lastEventId;
      s.push('id\n\ndata: c\n\n');
      await messageWith(ctx, rec, 'c');
      ctx.eq([beforeBlankLine, afterBlock, es.lastEventId], ['', '5', ''], 'source.lastEventId [with "id: 5" read but its block unfinished, after that block ended, after "id" alone]');
      ctx.eq(rec.messages().map((e) => [e.data, e.lastEventId]), [['a', ''], ['b', '5'], ['c', '']], '[data, event.lastEventId]');
    },
  },
  {
    id: 'frs-retry-rules',
    title: 'retry: only ASCII digits (one leading space dropped) set reconnectionTime, 0 included; anything else is ignored',
    run: async (ctx) => {
      // Each chunk is pushed only after the message of the previous one: the value read then
      // is the one that chunk left.
      const steps = [
        ['retry: 1234', 1234],
        ['retry: 12a', 1234],
        ['retry:  50', 1234], // " 50": only one space is dropped
        ['retry: -5', 1234],
        ['retry: +7', 1234],
        ['retry: 5.5', 1234],
        ['retry: 1e3', 1234],
        ['retry: ٣', 1234], // an Arabic-Indic digit is not an ASCII digit
        ['Retry: 99', 1234], // field names are case-sensitive
        ['retry: 007', 7],
        ['retry:60', 60],
        ['retry: 0', 0],
      ];
      const s = fed();
      const es = from(ctx, s.stream);
      const rec = ctx.record(es);
      const got = [];
      for (const [i, [line]] of steps.entries()) {
        s.push(`${line}\ndata: ${i}\n\n`);
        await messageWith(ctx, rec, String(i));
        got.push([line, es.reconnectionTime]);
      }
      ctx.eq(got, steps, '[retry line, reconnectionTime after it]');
    },
  },
  {
    id: 'frs-end-drops-unfinished',
    title: 'the end of the stream drops an unfinished event and an unfinished line',
    run: async (ctx) => {
      ctx.eq(await dataOf(ctx, filled('data: done\n\ndata: partial\ndata: more')), ['done'], 'messages');
    },
  },
  {
    id: 'frs-error-after-events',
    title: 'a stream that errors after some events: those events, then one error (CLOSED); the unfinished one is dropped',
    run: async (ctx) => {
      const s = fed();
      const es = from(ctx, s.stream);
      const rec = ctx.record(es);
      s.push('data: a\n\ndata: partial\n');
      await messageWith(ctx, rec, 'a');
      s.fail(new Error('the network went away'));
      await rec.until((e) => e.some((x) => x.type === 'error'), 'the error', { failOnClose: false });
      await ctx.quiet();
      ctx.eq(rec.entries.map((e) => [e.type, e.data ?? null, e.readyState]), [['open', null, 1], ['message', 'a', 1], ['error', null, 2]], '[type, data, readyState]');
    },
  },
  {
    id: 'frs-close-cancels',
    title: 'close() cancels the stream: its cancel() is called once, no error event follows',
    run: async (ctx) => {
      const s = fed();
      const es = from(ctx, s.stream);
      const rec = ctx.record(es);
      s.push('data: a\n\n');
      await messageWith(ctx, rec, 'a');
      es.close();
      ctx.waitingFor = 'the stream\'s cancel() after close()';
      await s.cancelled;
      await ctx.quiet();
      ctx.eq([s.log.cancels, es.readyState, rec.entries.map((e) => e.type)], [1, 2, ['open', 'message']], '[cancel() calls, readyState, events]');
    },
  },
  {
    id: 'frs-not-bytes',
    title: 'a chunk that is not a Uint8Array (string, ArrayBuffer, Uint16Array, DataView, object) fails the source: one error, CLOSED, nothing after, the stream cancelled',
    run: async (ctx) => {
      const bad = {
        string: 'data: no\n\n',
        ArrayBuffer: bytes('data: no\n\n').buffer,
        Uint16Array: new Uint16Array(4),
        DataView: new DataView(bytes('data: no\n\n').buffer),
        object: { length: 0 },
      };
      const got = {};
      for (const [name, value] of Object.entries(bad)) {
        const s = fed();
        const es = from(ctx, s.stream);
        const rec = ctx.record(es);
        s.push('data: a\n\n');
        await messageWith(ctx, rec, 'a');
        // The bad chunk, then good bytes that must not be read.
        s.raw(value);
        s.push('data: after\n\n');
        await rec.until((e) => e.some((x) => x.type === 'error'), `the error after a ${name} chunk`, { failOnClose: false });
        ctx.waitingFor = `the stream's cancel() after a ${name} chunk`;
        await s.cancelled;
        got[name] = rec.entries.map((e) => `${e.type}${e.data === undefined ? '' : `:${e.data}`}:${e.readyState}`);
      }
      await ctx.quiet();
      const want = Object.fromEntries(Object.keys(bad).map((k) => [k, ['open:1', 'message:a:1', 'error:2']]));
      ctx.eq(got, want, 'events per kind of chunk');
    },
  },
  {
    id: 'frs-not-a-stream',
    title: 'anything but a ReadableStream (none, undefined, null, object, string, Blob, Response, a look-alike) throws a TypeError',
    run: async (ctx) => {
      const ES = ctx.EventSource;
      ctx.throws(() => ES.fromReadableStream(), errorIs(TypeError), 'fromReadableStream()');
      const lookAlike = { locked: false, getReader: () => new ReadableStream().getReader(), cancel() {} };
      const values = { undefined, null: null, object: {}, string: 'data: x\n\n', Blob: new Blob(['data: x\n\n']), Response: new Response('data: x\n\n'), lookAlike, ReadableStreamPrototype: ReadableStream.prototype };
      for (const [name, value] of Object.entries(values)) {
        ctx.throws(() => ES.fromReadableStream(value), errorIs(TypeError), `fromReadableStream(${name})`);
      }
    },
  },
  {
    id: 'frs-other-realm-stream',
    title: 'a ReadableStream of another realm (an iframe\'s) is a ReadableStream too',
    run: async (ctx) => {
      const frame = document.createElement('iframe');
      document.body.append(frame);
      try {
        const w = frame.contentWindow;
        const stream = new w.ReadableStream({
          start(c) {
            c.enqueue(new w.TextEncoder().encode('data: from a frame\n\n'));
            c.close();
          },
        });
        ctx.eq(await dataOf(ctx, stream), ['from a frame'], 'messages');
      } finally {
        frame.remove();
      }
    },
  },
  {
    id: 'frs-reset-between-streams',
    title: 'reset() between two piped streams: the first\'s unfinished event (data, id) and line are dropped, the second\'s BOM stripped; lastEventId and reconnectionTime kept',
    run: async (ctx) => {
      const ts = new TransformStream();
      const es = from(ctx, ts.readable);
      const rec = ctx.record(es);
      const first = filled('id: 9\nretry: 777\ndata: a\n\ndata: b\nid: 10\ndata: partial');
      await first.pipeTo(ts.writable, { preventClose: true });
      // The message of the first chunk: that whole chunk has been read.
      await messageWith(ctx, rec, 'a');
      es.reset();
      await filled([0xEF, 0xBB, 0xBF, ...bytes('data: c\n\n')]).pipeTo(ts.writable, { preventClose: true });
      await messageWith(ctx, rec, 'c');
      ctx.eq(rec.messages().map((e) => [e.data, e.lastEventId]), [['a', '9'], ['c', '9']], '[data, lastEventId] of the messages');
      ctx.eq([es.lastEventId, es.reconnectionTime], ['9', 777], '[lastEventId, reconnectionTime] after reset()');
    },
  },
  {
    id: 'frs-reset-needed',
    title: 'without reset(), the second piped stream continues the first\'s unfinished line (the control of frs-reset-between-streams)',
    run: async (ctx) => {
      const ts = new TransformStream();
      const es = from(ctx, ts.readable);
      const rec = ctx.record(es);
      await filled('data: a\n\ndata: b\ndata: partial').pipeTo(ts.writable, { preventClose: true });
      await messageWith(ctx, rec, 'a');
      await filled(' more\n\n').pipeTo(ts.writable, { preventClose: true });
      await messageWith(ctx, rec, 'b\npartial more');
    },
  },
  {
    id: 'frs-close-after-await',
    title: 'one event per task: close() after `await null` in the first (async) handler stops the rest of the chunk (also three awaits deep: an async on* handler gets 8 hops, README "Events: one per turn")',
    run: async (ctx) => {
      const got = [];
      for (const depth of [1, 3]) {
        const es = from(ctx, filled('data: 1\n\ndata: 2\n\nevent: other\ndata: 3\n\ndata: 4\n\n'));
        const rec = ctx.record(es, ['other']);
        es.onmessage = async () => {
          for (let i = 0; i < depth; i++) await null;
          es.close();
        };
        await rec.untilCount('message', 1);
        await ctx.quiet();
        got.push(rec.entries.map((e) => `${e.type}${e.data === undefined ? '' : `:${e.data}`}`));
      }
      ctx.eq(got, [['open', 'message:1'], ['open', 'message:1']], 'events [await null, three awaits]');
    },
  },
  {
    id: 'frs-large-chunk',
    title: 'one chunk over 128 KiB: a character split where the engine slices it, and 100 events after, all whole',
    run: async (ctx) => {
      const head = 'data: ';
      // '€' (3 bytes) starts one byte before 64 KiB.
      const fill = 'a'.repeat(SLICE - 1 - head.length);
      const tail = Array.from({ length: 100 }, (_, i) => `data: ${i}${'z'.repeat(600)}\n\n`).join('');
      const got = await dataOf(ctx, filled(`${head}${fill}€b\n\n${tail}`));
      ctx.eq(got.length, 101, 'messages');
      ctx.eq(got[0] === `${fill}€b`, true, 'the first message is whole');
      ctx.eq(got.slice(1).every((d, i) => d === `${i}${'z'.repeat(600)}`), true, 'the other 100 are whole and in order');
    },
  },
];

// ---- The getters on network instances ------------------------------------------------------

const network = [
  {
    id: 'frs-net-getters-initial',
    title: 'a network source: lastEventId "" and reconnectionTime 3000 (the default) at first',
    skip: needsGetters,
    run: async (ctx) => {
      const es = ctx.open(silent(ctx));
      ctx.eq([es.lastEventId, es.reconnectionTime], ['', 3000], '[lastEventId, reconnectionTime]');
    },
  },
  {
    id: 'frs-net-getters-fields',
    title: 'a network source: id and retry fields set lastEventId and reconnectionTime (in the handler, and after close())',
    skip: needsGetters,
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 4321\nid: 7\ndata: x\n\n', { hold: true }));
      let inHandler;
      es.onmessage = () => { inHandler = [es.lastEventId, es.reconnectionTime]; };
      await ctx.nextEvent(es, 'message');
      es.close();
      ctx.eq([inHandler, [es.lastEventId, es.reconnectionTime]], [['7', 4321], ['7', 4321]], '[lastEventId, reconnectionTime] [in the handler, after close()]');
    },
  },
  {
    id: 'frs-net-getters-reconnect',
    title: 'a network source: lastEventId and reconnectionTime hold across a reconnection (or the next poll)',
    skip: needsGetters,
    run: async (ctx) => {
      const es = ctx.open(ctx.script('retry: 50\nid: 7\ndata: x\n\n'));
      const rec = ctx.record(es);
      const seen = [];
      es.onmessage = () => seen.push([es.lastEventId, es.reconnectionTime]);
      await rec.untilCount('message', 2);
      es.close();
      ctx.eq(seen.slice(0, 2), [['7', 50], ['7', 50]], '[lastEventId, reconnectionTime] in the handlers of the first and second responses');
    },
  },
  {
    id: 'frs-net-last-event-id-header',
    title: 'headers { Last-Event-ID } seeds lastEventId (at once, and after an event without id); the server got it',
    skip: (ctx) => needsGetters(ctx) ?? (ctx.isPolyfill ? null : 'the headers option is an extension of the package'),
    run: async (ctx) => {
      const es = ctx.open(ctx.script('data: x\n\n', { hold: true }), { headers: { 'Last-Event-ID': '5' } });
      const atOnce = es.lastEventId;
      const event = await ctx.nextEvent(es, 'message');
      ctx.eq([atOnce, event.lastEventId, es.lastEventId], ['5', '5', '5'], '[lastEventId at once, event.lastEventId, lastEventId after the event]');
      es.close();
      const { requests } = await ctx.log();
      ctx.eq(requests[0].lastEventId, '5', 'Last-Event-ID the server saw');
    },
  },
];

// ---- The WebIDL shape ----------------------------------------------------------------------

const shape = [
  {
    id: 'frs-webidl-static',
    title: 'fromReadableStream: an enumerable, writable, configurable static operation, length 1, not a constructor, callable detached',
    run: async (ctx) => {
      const ES = ctx.EventSource;
      const d = Object.getOwnPropertyDescriptor(ES, 'fromReadableStream');
      ctx.assert(d && typeof d.value === 'function', 'no own static fromReadableStream');
      ctx.eq([d.enumerable, d.writable, d.configurable], [true, true, true], 'descriptor [enumerable, writable, configurable]');
      ctx.eq([d.value.length, d.value.name], [1, 'fromReadableStream'], '[length, name]');
      ctx.throws(() => new d.value(filled('')), errorIs(TypeError), 'new EventSource.fromReadableStream(stream)');
      const detached = d.value;
      const es = ctx.track(detached(filled('data: x\n\n')));
      ctx.assert(es instanceof ES, 'a detached call does not make an EventSource');
    },
  },
  {
    id: 'frs-webidl-members',
    title: 'lastEventId and reconnectionTime are read-only enumerable accessors, reset() an enumerable method of length 0; all brand-checked',
    skip: (ctx) => needsGetters(ctx) ?? (!ctx.isPolyfill && !('reset' in ctx.EventSource.prototype) ? 'no reset() here' : null),
    run: async (ctx) => {
      const proto = ctx.EventSource.prototype;
      for (const name of ['lastEventId', 'reconnectionTime']) {
        const d = Object.getOwnPropertyDescriptor(proto, name);
        ctx.assert(d && typeof d.get === 'function', `${name} is not an accessor on the prototype`);
        ctx.eq([d.set, d.enumerable, d.configurable], [undefined, true, true], `${name} [setter, enumerable, configurable]`);
        ctx.throws(() => d.get.call({}), errorIs(TypeError), `the ${name} getter on a plain object`);
      }
      const reset = Object.getOwnPropertyDescriptor(proto, 'reset');
      ctx.assert(reset && typeof reset.value === 'function', 'reset is not a method on the prototype');
      ctx.eq([reset.value.length, reset.enumerable, reset.writable, reset.configurable], [0, true, true, true], 'reset [length, enumerable, writable, configurable]');
      ctx.throws(() => reset.value.call({}), errorIs(TypeError), 'reset() on a plain object');
      const es = ctx.open(silent(ctx));
      ctx.eq(Reflect.set(es, 'lastEventId', 'x'), false, 'Reflect.set(es, "lastEventId", "x")');
      ctx.eq(es.lastEventId, '', 'lastEventId after trying to assign to it');
    },
  },
];

const stamp = (list, skip) => list.map((c) => ({ section, skip, ...c }));

export default [...stamp(wpt, needsStatic), ...stamp(more, needsStatic), ...stamp(network, needsGetters), ...stamp(shape, needsStatic)];
