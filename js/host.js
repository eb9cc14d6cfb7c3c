// The page's side of the engine: the Host through which a Source (src/wasm/source.rs) asks for
// requests and hands over what it parsed, and the dispatch of events, one per turn.
//
// "Each event is dispatched in its own task" in the standard, so microtasks that a listener
// queued (an `await`) run before the next event, and a close() there stops the rest. A task per
// event would cost more than everything else an event costs (a MessageChannel task: about 9 µs
// in Chromium, where making and dispatching the event takes 1.5 µs). So each event gets its own
// turn behind HOPS microtask hops: whatever a listener queued, and whatever that queued in turn,
// HOPS deep (`await a; await b; close()`), runs before the next event, as in the browsers; a
// deeper chain may not. A hop is a promise reaction (in Chromium far cheaper than
// queueMicrotask, about 1 µs; in Firefox about 0.45 µs each, hence 2: 8 cost Firefox 40% of its
// events per second). After an `on*` handler that returned a promise (an async function, the
// common way to write one that awaits), DEEP_HOPS. A whole slice of events is dispatched before the engine reads
// on (Source.resume), and when a run of turns has kept the page busy for BUDGET_MS the next turn
// waits for a new task, so that a giant chunk never blocks the page for long. `open` and `error`
// go through the same queue, so they keep their place among the events.

import { decode, readEvent, batchState } from './batch.js';
import { sendXhr } from './request-xhr.js';

const OPEN = 1;
const CLOSED = 2;
const BUDGET_MS = 8;
const HOPS = 2;
const DEEP_HOPS = 8;
const resolved = Promise.resolve();
/** How many events between two looks at the clock. */
const CHECK_EVERY = 64;

/**
 * The `message` of the `error` event that ends a connection, by src/connection.rs `Failure`
 * number. The texts of `eventsource` (npm) v4 where it has the same failure, so that code
 * written for it reads the same thing.
 */
function failureMessage(failure, status) {
  switch (failure) {
    case 1:
      return status === 204 ? 'Server sent HTTP 204, not reconnecting' : `Non-200 status code (${status})`;
    case 2:
      return 'Invalid content type, expected "text/event-stream"';
    case 3:
      return 'Event stream line or event larger than maxEventSize';
    case 4:
      return 'The request cannot succeed (a URL that is not HTTP(S), a response refused by CORS, or a request the runtime refuses), so it is not retried';
    case 5:
      return 'The request was aborted';
    case 6:
      return 'The stream ended';
    case 7:
      return 'The stream failed, or gave something other than bytes';
    default:
      return 'Invalid response body, expected a web ReadableStream';
  }
}

const now = typeof performance === 'object' ? () => performance.now() : Date.now;

/** Runs `f` in a new task (a macrotask), as soon as possible. */
const postTask = typeof setImmediate === 'function'
  ? setImmediate
  : (() => {
    if (typeof MessageChannel !== 'function') return (f) => setTimeout(f, 0);
    const channel = new MessageChannel();
    const queue = [];
    channel.port1.onmessage = () => queue.shift()();
    return (f) => {
      queue.push(f);
      channel.port2.postMessage(0);
    };
  })();

// When the current run of turns began: reset by a task queued when it began, which can only run
// once the page is free again.
let runStart = -1;
function overBudget() {
  const t = now();
  if (runStart < 0) {
    runStart = t;
    postTask(() => {
      runStart = -1;
    });
    return false;
  }
  return t - runStart > BUDGET_MS;
}

// ---- MessageEvents --------------------------------------------------------------------------

// A MessageEvent: the object a native EventSource dispatches, made by the platform. Where there
// is a document, the legacy createEvent + initMessageEvent pair builds it without converting an
// init dictionary (Chromium: 17% more events/s); elsewhere (workers, Node) the constructor.
//
// Its `origin` comes from a prototype instead of the initializer: Chromium spends about 1 µs per
// event converting a URL-shaped `origin` argument (as long as making the rest of the event), and
// every event of a response has the same origin. So the event is made with an empty origin and
// given `proto`, an object that inherits from MessageEvent.prototype and answers `origin` for the
// current response. The event is still a platform MessageEvent (instanceof, constructor,
// toStringTag, data, lastEventId, source, ports, dispatch); only reflection on its prototype, or
// MessageEvent's own `origin` getter applied to it, tell the difference.
const doc = globalThis.document;
const setPrototypeOf = Object.setPrototypeOf;
const messageEvent = doc && typeof doc.createEvent === 'function'
  && typeof globalThis.MessageEvent?.prototype.initMessageEvent === 'function'
  ? (type, data, proto, lastEventId) => {
    const event = doc.createEvent('MessageEvent');
    event.initMessageEvent(type, false, false, data, '', lastEventId, null);
    return setPrototypeOf(event, proto);
  }
  : (type, data, proto, lastEventId) => setPrototypeOf(new MessageEvent(type, { data, lastEventId }), proto);

function originPrototype(origin) {
  return Object.create(globalThis.MessageEvent.prototype, {
    origin: {
      get() {
        return origin;
      },
      enumerable: true,
      configurable: true,
    },
  });
}

function originOf(url) {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' || !origin ? 'null' : origin;
  } catch {
    return 'null';
  }
}

// ---- Why a request failed ------------------------------------------------------------------

/** What an error says, with its causes (the text `eventsource` v4 gives its error events). */
function describe(error) {
  if (!(error instanceof Error)) return error == null ? undefined : String(error);
  if (Array.isArray(error.errors)) return error.errors.map(describe).join(', ');
  return error.cause instanceof Error ? `${error}: ${describe(error.cause)}` : error.message;
}

/** How long a probe may take before the network counts as down. */
const PROBE_MS = 10000;

/**
 * Why a request failed: `stopped` by the page (window.stop(), see request.js), futile, or the
 * network. fetch and XHR report a CORS refusal exactly like a network that is down; a refusal
 * is futile (fail the connection), a network down is not (reestablish). So the origin of a
 * cross-origin request that failed is asked for its root, `no-cors` and HEAD (no stream is
 * opened, and nothing of the answer can be read): an origin that answers is up, and the CORS
 * check refused the request.
 */
async function classify(s, url, error, stopped, futile) {
  if (stopped) return ABORTED;
  if (error === null || futile) return FUTILE;
  // The page's own fetch failed: it knows why, and it may succeed again (as eventsource v4).
  if (s.o.fetch) return TRANSIENT;
  const here = globalThis.location?.origin;
  let there;
  try {
    there = new URL(url);
  } catch {
    return FUTILE;
  }
  // A URL with credentials is refused by fetch (and is sent by XHR): futile.
  if (there.username || there.password) return s.o.xhr ? TRANSIENT : FUTILE;
  if (!here || here === 'null' || there.origin === here || !/^https?:$/.test(there.protocol) || typeof fetch !== 'function') {
    return TRANSIENT;
  }
  // close() aborts it (release()).
  const controller = new AbortController();
  s.probe = controller;
  const timer = setTimeout(() => controller.abort(), PROBE_MS);
  try {
    await fetch(there.origin, { method: 'HEAD', mode: 'no-cors', credentials: 'omit', cache: 'no-store', signal: controller.signal });
    return FUTILE;
  } catch {
    return TRANSIENT;
  } finally {
    clearTimeout(timer);
    if (s.probe === controller) s.probe = null;
  }
}

// ---- A source's dispatch queue -------------------------------------------------------------

/** Queue entries: a slice's decoded events, or one of these. */
const ANNOUNCE = 'open';

/** handleNetworkError kinds (NetworkError in src/wasm/source.rs). */
const TRANSIENT = 0;
const FUTILE = 1;
const ABORTED = 2;
const { toString } = Object.prototype;

/**
 * Connects a source's state `s` (see eventsource.js) to a new engine Source.
 * @param {object} s
 * @param {(host: object, options: object) => object} create makes the engine's Source
 * @param {{ send: Function, abort: Function }} requests request.js (one copy, the page's)
 */
export function attach(s, create, { send, abort }) {
  if (s.readyState === CLOSED) return;
  /** Pending: { text, pos } for events, or ANNOUNCE, or an error's failure number. */
  const queue = [];
  const ids = batchState();
  let proto = originPrototype('null');
  let protoOrigin = 'null';
  let scheduled = false;
  /** The engine waits for resume() after handing over a slice. */
  let waiting = false;
  let sinceCheck = 0;
  let hops = 0;
  const es = s.es;

  const hop = () => {
    if (--hops > 0) resolved.then(hop);
    else turn();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    // The clock is read every CHECK_EVERY turns only, not per event.
    if (++sinceCheck >= CHECK_EVERY && ((sinceCheck = 0), overBudget())) {
      postTask(turn);
    } else {
      hops = s.deep ? DEEP_HOPS : HOPS;
      s.deep = false;
      resolved.then(hop);
    }
  };

  // One turn: one event, or `open`, or `error`; then the next turn. When the queue is empty the
  // engine reads on.
  function turn() {
    scheduled = false;
    const head = queue[0];
    if (head === undefined) {
      if (waiting && s.source) {
        waiting = false;
        s.source.resume();
      }
      return;
    }
    if (typeof head === 'object') {
      if (head.pos >= head.text.length) {
        queue.shift();
      } else if (s.readyState === CLOSED) {
        queue.length = 0;
        return;
      } else {
        // Dispatch step 6: only while readyState is not CLOSED.
        head.pos = readEvent(head.text, head.pos, ids);
        es.dispatchEvent(messageEvent(ids.type, ids.data, proto, ids.lastEventId));
      }
    } else {
      queue.shift();
      if (head === ANNOUNCE) announce();
      else fireError(head);
    }
    schedule();
  }

  // "Announce the connection": if readyState is not CLOSED, OPEN and `open`.
  function announce() {
    if (s.readyState === CLOSED) return;
    s.readyState = OPEN;
    es.dispatchEvent(new Event('open'));
  }

  // Reestablishing (failure 0: CONNECTING) or failed (CLOSED): readyState, then `error`. The
  // event says why in `message` and, where an HTTP response was the reason, `code` (its status),
  // as `eventsource` (npm) v4's do.
  function fireError(failure) {
    if (s.readyState === CLOSED) return;
    s.readyState = failure ? CLOSED : 0;
    const event = new Event('error');
    const code = failure === 1 || failure === 2 || failure === 8 ? s.status : undefined;
    const message = failure ? failureMessage(failure, s.status) : s.lastError;
    s.lastError = undefined;
    Object.defineProperties(event, {
      message: { value: message, enumerable: true },
      code: { value: code, enumerable: true },
    });
    es.dispatchEvent(event);
  }

  let source = null;
  let timer = null;
  const current = () => (s.source === source ? source : null);
  const host = {
    send(lastEventId) {
      // The first request was sent before the engine was loaded: adopt it.
      if (s.early) {
        s.early = false;
        return;
      }
      send(s, decode(lastEventId));
    },
    abort() {
      abort(s);
    },
    open() {
      queue.push(ANNOUNCE);
      schedule();
    },
    events(view) {
      waiting = true;
      if (view.length) {
        // Events of a new response: their origin is its final URL's.
        const origin = s.o.readable ? 'null' : originOf(s.finalUrl ?? s.url);
        if (origin !== protoOrigin) {
          protoOrigin = origin;
          proto = originPrototype(origin);
        }
        queue.push({ text: decode(view), pos: 0 });
      }
      schedule();
    },
    error(failure) {
      if (failure) release(s);
      queue.push(failure);
      schedule();
    },
    read(reader, generation) {
      reader.read().then(({ done, value }) => {
        if (done) return current()?.handleRead(generation, undefined);
        if (toString.call(value) === '[object Uint8Array]') return current()?.handleRead(generation, value);
        // Only a page's stream can give something else: it is broken.
        reader.cancel().catch(() => {});
        current()?.handleReadError(generation, FUTILE);
      }, () => current()?.handleReadError(generation, s.request?.stopped ? ABORTED : TRANSIENT));
    },
    cancel(reader) {
      // It rejects when the stream had failed: nothing to learn then, and nothing to report.
      reader.cancel().catch(() => {});
    },
    timer(delay) {
      clearTimeout(timer);
      timer = delay < 0 ? null : setTimeout(() => current()?.handleTimer(), delay);
    },
  };

  const o = s.o;
  s.source = source = create(host, {
    polling: o.polling,
    xhr: o.xhr,
    readable: Boolean(o.readable),
    heartbeatTimeout: o.heartbeatTimeout,
    maxEventSize: o.maxEventSize,
    backoffMax: o.backoffMax,
    backoffFactor: o.backoffFactor,
    lastEventId: o.lastEventId,
  });
  s.lastEventIdNow = () => decode(source.lastEventId);
  s.sendXhr = (...args) => sendXhr(s, ...args);
  // What happens to requests (request.js): a failure is looked into first.
  s.handle = (method, args) => {
    if (method !== 'failed') return current()?.[method](...args);
    const [error, url, stopped, futile] = args;
    // A verdict that comes after the engine has moved on (its heartbeat sent the next request)
    // is about a request it no longer waits for: dropped.
    const sent = s.sent;
    classify(s, url, error, stopped, futile).then((kind) => {
      if (s.sent !== sent) return;
      s.lastError = describe(error) ?? 'The request failed';
      current()?.handleNetworkError(kind);
    });
  };
  const reader = s.readable;
  s.readable = null;
  source.start(reader ?? undefined);
  // What happened to the first request while the engine loaded.
  for (const [method, args] of s.reports.splice(0)) s.handle(method, args);
}

/** Lets go of the engine's Source (after the current call into it returns). */
export function release(s) {
  s.probe?.abort();
  const source = s.source;
  if (!source) return;
  s.lastEventId = s.lastEventIdNow();
  s.reconnectionTime = source.reconnectionTime;
  s.source = null;
  source.close();
  queueMicrotask(() => source.free());
}
