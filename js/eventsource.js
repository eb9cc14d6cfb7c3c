// The EventSource class: the standard's interface, and what must work the moment a source is
// made (its first request goes out at once). The engine (the Rust protocol core and the event
// dispatch, js/engine.js) is loaded the first time a source is made, not before: a page that
// only installs the global where a native EventSource exists never downloads it.
//
// Each instance keeps its state in one plain object, `s`, shared with the engine's side
// (js/host.js) and with js/request.js:
//   set here: es, url, withCredentials, readyState, o (the options), readable (a page's stream
//     reader, until the engine takes it), handlers (the `on*` attributes), report (how
//     request.js reports), reports (what happened to requests before the engine loaded), early
//     (the first request was sent before that: the engine adopts it), and the last event ID and
//     reconnection time (until the engine has them, and again once it lets go of the source);
//   by request.js: request (the one in flight), sent (requests sent so far), finalUrl and status
//     (of the last response);
//   by host.js: source (the engine's Source), handle (takes the reports), lastEventIdNow,
//     sendXhr, lastError (why the last request failed), probe (a CORS probe in flight), and
//     deep (an async `on*` handler just ran: deeper microtask chains finish before the next
//     event).

import { send, abort, requestsWaiting } from './request.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
const TRANSPORTS = ['auto', 'fetch', 'xhr', 'polling'];
const DEFAULT_RECONNECTION_TIME = 3000;
/** `new EventSource(FROM_STREAM, reader)`: the way fromReadableStream() makes an instance. */
const FROM_STREAM = {};
const ENGINE = Symbol.for('eventsource-wasm.engine');
const REQUESTS = { send, abort };

// ---- The engine ---------------------------------------------------------------------------

let engine = null;
let loading = null;

// Whether this realm may compile WebAssembly: the 8-byte empty module, compiled synchronously.
// A CSP without 'wasm-unsafe-eval' (or 'unsafe-eval') makes this throw.
function canCompileWasm() {
  try {
    return new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) instanceof WebAssembly.Module;
  } catch {
    return false;
  }
}

/** Loads the engine once: the wasm one, or its JavaScript twin where wasm may not be compiled. */
export function ready() {
  loading ??= Promise.resolve(globalThis[ENGINE] ?? (
    canCompileWasm() && typeof DecompressionStream === 'function' ? import('./engine.js') : import('./engine.nowasm.js')
  )).then((module) => module.load()).then((loaded) => {
    engine = loaded;
  }, (err) => {
    // A later source tries again (the engine's file may load then).
    loading = null;
    throw err;
  });
  return loading;
}

/**
 * For leak tests: `[sources, requests, timers]` alive (requests: sent and unanswered, or whose
 * body is being read); all zero once every source is closed.
 */
export function liveResources() {
  const [sources, bodies, timers] = engine ? engine.live() : [0, 0, 0];
  return [sources, bodies + requestsWaiting(), timers];
}

// ---- Construction -------------------------------------------------------------------------

function baseUrl() {
  const g = globalThis;
  if (g.document && typeof g.document.baseURI === 'string') return g.document.baseURI;
  if (g.location && typeof g.location.href === 'string') return g.location.href;
  return undefined;
}

const SPECIAL = ['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:'];

/**
 * The URL standard's parse, where a runtime's own parser is more lenient: a special URL's host
 * never holds a forbidden domain code point (Chromium accepts `http://this is invalid/` as
 * `this%20is%20invalid`).
 */
function parseUrl(href) {
  let url;
  try {
    url = new URL(href, baseUrl());
  } catch {
    url = null;
  }
  const host = url?.hostname ?? '';
  if (!url || (SPECIAL.includes(url.protocol) && !host.startsWith('[') && /[\0-\x20#%/:<>?@[\\\]^|\x7f]/.test(host))) {
    // The text of Firefox's (and `eventsource` v4's) SyntaxError.
    throw new DOMException('An invalid or illegal string was specified', 'SyntaxError');
  }
  return url.href;
}

// The transport and mode: { xhr, polling }. `auto`: streaming fetch, else XHR, else polling over
// fetch; and XHR for a URL with credentials (user:pass@), which fetch() refuses and XHR sends.
// With the `fetch` option, `auto` and `polling` use the page's fetch, never XHR; an explicit
// "xhr" does not call the option.
function pickIo(transport, url, ownFetch) {
  const canXhr = typeof XMLHttpRequest === 'function';
  const canStream = ownFetch || (typeof fetch === 'function' && 'body' in (globalThis.Response?.prototype ?? {}));
  const auto = transport === 'auto';
  const xhr = transport === 'xhr' || (canXhr && !ownFetch && (transport === 'polling' || (auto && (!canStream || /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(url)))));
  if ((transport === 'xhr' && !canXhr) || (transport === 'fetch' && !ownFetch && typeof fetch !== 'function')) {
    throw new TypeError(`EventSource: transport "${transport}" is not available here`);
  }
  return { xhr, polling: transport === 'polling' || (auto && !xhr && !canStream) };
}

function positive(value, name) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new TypeError(`EventSource: ${name} must be a positive number`);
  return n;
}

// Reads the extensions of the options dictionary; throws a TypeError on a malformed one.
function readOptions(init, url) {
  const transport = init.transport === undefined ? 'auto' : String(init.transport);
  if (!TRANSPORTS.includes(transport)) {
    throw new TypeError(`EventSource: transport must be one of ${TRANSPORTS.join(', ')}`);
  }
  if (init.fetch !== undefined && typeof init.fetch !== 'function') {
    throw new TypeError('EventSource: fetch must be a function');
  }
  // Headers checks names and values as fetch and XHR will, and joins repeated names. Reserved:
  // Accept is always text/event-stream; Last-Event-ID starts the last event ID (sent on the
  // first request, then the stream's IDs win).
  const headers = [];
  let lastEventId;
  if (init.headers != null) {
    for (const [name, value] of typeof Headers === 'function' ? new Headers(init.headers) : Object.entries(init.headers)) {
      const lower = String(name).toLowerCase();
      if (lower === 'last-event-id') lastEventId = String(value);
      else if (lower !== 'accept') headers.push([lower, String(value)]);
    }
  }
  const param = init.lastEventIdQueryParameter;
  const backoff = init.backoff;
  return {
    ...pickIo(transport, url, init.fetch !== undefined),
    headers,
    fetch: init.fetch,
    lastEventId,
    lastEventIdQueryParameter: param == null ? undefined : String(param),
    heartbeatTimeout: positive(init.heartbeatTimeout, 'heartbeatTimeout'),
    maxEventSize: positive(init.maxEventSize, 'maxEventSize'),
    backoffMax: backoff == null ? undefined : positive(backoff.max, 'backoff.max'),
    backoffFactor: backoff == null ? undefined : positive(backoff.factor ?? 2, 'backoff.factor'),
  };
}

/** A ReadableStream's `locked`, which also checks that it is one (of any realm). */
const lockedGetter = globalThis.ReadableStream
  && Object.getOwnPropertyDescriptor(ReadableStream.prototype, 'locked')?.get;

// ---- The class ----------------------------------------------------------------------------

export class EventSource extends EventTarget {
  #s;

  /**
   * @param {string | URL} url
   * @param {object} [eventSourceInitDict]
   */
  constructor(url, eventSourceInitDict = undefined) {
    super();
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'EventSource': 1 argument required, but only 0 present.");
    }
    // The members set elsewhere start undefined (see the top of this file).
    const s = {
      es: this,
      url: 'about:event-stream',
      withCredentials: false,
      readyState: CONNECTING,
      reports: [],
      lastEventId: '',
      reconnectionTime: DEFAULT_RECONNECTION_TIME,
      handlers: new Map(),
      report(method, args) {
        if (s.handle) s.handle(method, args);
        else s.reports.push([method, args]);
      },
    };
    this.#s = s;
    if (url === FROM_STREAM) {
      s.readable = eventSourceInitDict;
      s.o = { xhr: false, polling: false, readable: true, headers: [] };
    } else {
      const init = eventSourceInitDict;
      if (init != null && typeof init !== 'object' && typeof init !== 'function') {
        throw new TypeError("Failed to construct 'EventSource': The provided value is not of type 'EventSourceInit'.");
      }
      s.url = parseUrl(String(url));
      s.withCredentials = Boolean(init?.withCredentials);
      s.o = readOptions(init ?? {}, s.url);
      s.lastEventId = s.o.lastEventId ?? '';
      // The first request goes out now, while the engine loads; the engine adopts it. (XHR
      // requests are sent by the engine's side: those wait for it.)
      if (!engine && !s.o.xhr) {
        send(s, s.lastEventId);
        s.early = true;
      }
    }
    if (engine) {
      engine.attach(s, REQUESTS);
    } else {
      ready().then(() => engine.attach(s, REQUESTS)).catch((err) => {
        if (s.source) engine.release(s);
        abort(s);
        if (s.readyState === CLOSED) return;
        s.readyState = CLOSED;
        const event = new Event('error');
        Object.defineProperty(event, 'message', { value: `EventSource: the engine failed to load (${err})`, enumerable: true });
        this.dispatchEvent(event);
      });
    }
  }

  /**
   * An EventSource whose bytes come from `stream` (whatwg/html#12272): `url` is
   * `about:event-stream`, no request, no reconnection; the end or an error of the stream fails
   * the connection.
   * @param {ReadableStream<Uint8Array>} stream
   */
  static fromReadableStream(stream) {
    let locked;
    try {
      locked = lockedGetter.call(stream);
    } catch {
      locked = null;
    }
    if (locked !== false) {
      throw new TypeError(`EventSource.fromReadableStream: ${locked ? 'the stream is locked' : 'not a ReadableStream'}`);
    }
    return new EventSource(FROM_STREAM, stream.getReader());
  }

  get url() {
    return this.#s.url;
  }

  get withCredentials() {
    return this.#s.withCredentials;
  }

  get readyState() {
    return this.#s.readyState;
  }

  /** The last event ID string (whatwg/html#12272). */
  get lastEventId() {
    const s = this.#s;
    return s.source ? s.lastEventIdNow() : s.lastEventId;
  }

  /** The reconnection time, in milliseconds (whatwg/html#12272). */
  get reconnectionTime() {
    const s = this.#s;
    return s.source ? s.source.reconnectionTime : s.reconnectionTime;
  }

  get onopen() {
    return this.#getHandler('open');
  }

  set onopen(value) {
    this.#setHandler('open', value);
  }

  get onmessage() {
    return this.#getHandler('message');
  }

  set onmessage(value) {
    this.#setHandler('message', value);
  }

  get onerror() {
    return this.#getHandler('error');
  }

  set onerror(value) {
    this.#setHandler('error', value);
  }

  /**
   * Drops the unfinished line and event, so that the next bytes start a fresh stream (for a
   * stream fed by several responses in turn; whatwg/html#12272).
   */
  reset() {
    this.#s.source?.reset();
  }

  /** Aborts the connection: readyState CLOSED, no event, no reconnection. */
  close() {
    const s = this.#s;
    s.readyState = CLOSED;
    // The engine cancels the body it reads first, then the request is aborted: once cancelled,
    // the abort finds no body to reject (Chromium and Node report that rejection as unhandled).
    if (s.source) engine.release(s);
    else if (s.readable) s.readable.cancel().catch(() => {});
    s.readable = null;
    abort(s);
  }

  #getHandler(type) {
    return this.#s.handlers.get(type)?.value ?? null;
  }

  // Event handler attributes: the listener is added when the attribute first becomes non-null
  // and keeps its place among the listeners while the value changes; null removes it. Any object
  // is stored ([LegacyTreatNonObjectAsNull]); one that is not callable does nothing when an event
  // comes (WebIDL's "invoke a callback function" returns undefined for it), as in the browsers.
  #setHandler(type, value) {
    const { handlers } = this.#s;
    const callback = (typeof value === 'function' || (typeof value === 'object' && value !== null)) ? value : null;
    const current = handlers.get(type);
    if (callback === null) {
      if (current) {
        this.removeEventListener(type, current.listener);
        handlers.delete(type);
      }
      return;
    }
    if (current) {
      current.value = callback;
      return;
    }
    const s = this.#s;
    const handler = {
      value: callback,
      listener: (event) => {
        const f = handler.value;
        // An async handler (it returned a promise): the next event waits for deeper microtask
        // chains (see "one per turn" in host.js).
        if (typeof f === 'function' && typeof f.call(this, event)?.then === 'function') s.deep = true;
      },
    };
    handlers.set(type, handler);
    this.addEventListener(type, handler.listener);
  }

  /** Resolves once the engine is loaded (instances made before simply connect then). */
  static get ready() {
    return ready();
  }
}

// WebIDL shape: constants on the constructor and the prototype (enumerable, read-only),
// attributes and operations enumerable, and the class's string tag.
const constants = { CONNECTING, OPEN, CLOSED };
for (const [name, value] of Object.entries(constants)) {
  const descriptor = { value, enumerable: true, writable: false, configurable: false };
  Object.defineProperty(EventSource, name, descriptor);
  Object.defineProperty(EventSource.prototype, name, descriptor);
}
const members = ['url', 'withCredentials', 'readyState', 'lastEventId', 'reconnectionTime', 'onopen', 'onmessage', 'onerror', 'reset', 'close'];
for (const name of members) {
  Object.defineProperty(EventSource.prototype, name, { ...Object.getOwnPropertyDescriptor(EventSource.prototype, name), enumerable: true });
}
Object.defineProperty(EventSource, 'fromReadableStream', { ...Object.getOwnPropertyDescriptor(EventSource, 'fromReadableStream'), enumerable: true });
Object.defineProperty(EventSource.prototype, Symbol.toStringTag, { value: 'EventSource', configurable: true });
// What `eventsource` (npm) v4 marks its class with, for code that checks for the `fetch` option.
Object.defineProperty(EventSource, Symbol.for('eventsource.supports-fetch-override'), { value: true, configurable: true });
// Minifiers rename classes; the interface object's name is part of the interface.
Object.defineProperty(EventSource, 'name', { value: 'EventSource', configurable: true });
