// The EventSource class: the standard's interface around the wasm engine.
//
// The engine (src/wasm/source.rs) does the protocol and the I/O and calls back through a small
// host object: open(url), events(batch), error(readyState, message). This file keeps what the
// page can see: readyState, the event handler attributes, and the dispatch rules that depend on
// readyState at the moment of dispatch ("if readyState is not CLOSED").

import { initSync, Source as WasmSource, liveResources as wasmLive } from '../pkg/eventsource_wasm.js';
import packedWasm, { size as wasmSize } from '../pkg/eventsource_wasm_bytes.js';
import { batchState, readBatch } from './batch.js';

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
const TRANSPORTS = ['auto', 'fetch', 'xhr', 'polling'];

// ---- Loading the engine -------------------------------------------------------------------
//
// Two builds of the same Rust code expose the same `Source` class (and `liveResources`): the
// wasm one (the glue imported above: the normal path) and a JavaScript one that binaryen's
// wasm2js makes from it at build time (`eventsource.nowasm.js`, next to the bundle). The second
// is fetched only where the wasm cannot be used: under a Content-Security-Policy without
// 'wasm-unsafe-eval', or in a runtime without WebAssembly or DecompressionStream.
//
// The wasm travels inside this file (deflated, in base64: scripts/wasm-string.mjs), so a page
// makes no second request for it, and nothing has to be placed next to the script for a bundler,
// a CDN or a worker's importScripts(). It is inflated by the platform's DecompressionStream and
// compiled and instantiated synchronously, on this thread: about 1 ms in Chromium and 3 ms in
// Firefox for this module, where the asynchronous API's round trips through a compiler thread
// cost a cold page several. A separate .wasm file cost a cold page 7 ms more to its first event
// in Chromium. The source's first request is already on its way meanwhile (see earlyFetch).

let Source = WasmSource;
let engineLive = wasmLive;
/** Settles once the engine is loaded (or failed to load); null before the first attempt. */
let engineReady = null;
let engineLoaded = false;
let fallbackUrl;

/**
 * Where the JavaScript build of the engine is: the classic script sets it from its own URL;
 * by default it is `eventsource.nowasm.js` next to this module.
 * @param {string | URL} url
 */
export function setFallbackUrl(url) {
  fallbackUrl = url;
}

// Whether this realm may compile WebAssembly: the 8-byte empty module, compiled synchronously.
// A CSP without 'wasm-unsafe-eval' (or 'unsafe-eval') makes this throw a CompileError.
function canCompileWasm() {
  try {
    return new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) instanceof WebAssembly.Module;
  } catch {
    return false;
  }
}

// Bundlers must neither resolve nor warn about this import: it happens at run time only, where
// WebAssembly is forbidden.
const dynamicImport = (specifier) => import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);

/** The engine's bytes, inflated. */
async function wasmBytes() {
  const packed = typeof Uint8Array.fromBase64 === 'function'
    ? Uint8Array.fromBase64(packedWasm)
    : Uint8Array.from(atob(packedWasm), (c) => c.charCodeAt(0));
  const inflated = new Response(packed).body.pipeThrough(new DecompressionStream('deflate'));
  const bytes = new Uint8Array(await new Response(inflated).arrayBuffer());
  if (bytes.length !== wasmSize) throw new Error('eventsource-wasm: the engine is damaged');
  return bytes;
}

/** Starts loading the engine once; true when it is loaded, so that instances connect at once. */
function loadNow() {
  if (engineLoaded || engineReady) return engineLoaded;
  if (canCompileWasm() && typeof DecompressionStream === 'function') {
    // Synchronous compilation: Chromium allows it on a page's main thread up to 8 MB; the engine
    // is 33 KB.
    engineReady = wasmBytes().then((module) => {
      initSync({ module });
    });
  } else {
    engineReady = dynamicImport(String(fallbackUrl ?? new URL('./eventsource.nowasm.js', import.meta.url)))
      .then((engine) => {
        Source = engine.Source;
        engineLive = engine.liveResources;
      });
  }
  engineReady = engineReady.then(() => {
    engineLoaded = true;
  });
  // Handled here so that a failure is reported by the sources, not as an unhandled rejection.
  engineReady.catch(() => {});
  return false;
}

/** Loads the engine once; resolves when instances can connect. */
export function ready() {
  loadNow();
  return engineReady;
}

/**
 * For leak tests: `[sources, requests in flight, armed timers]` alive in the engine; all zero
 * once every source is closed (and its last promise has settled).
 */
export function liveResources() {
  return engineLoaded ? Array.from(engineLive()) : [0, 0, 0];
}

// ---- Helpers -------------------------------------------------------------------------------

// A MessageEvent: the object a native EventSource dispatches, made by the platform. Where there
// is a document, the legacy createEvent + initMessageEvent pair builds it without converting an
// init dictionary (Chromium: 17% more events/s); elsewhere (workers, Node) the constructor.
//
// Its `origin` comes from a prototype instead of the initializer: Chromium spends about 1 µs per
// event converting a URL-shaped `origin` argument (as long as making the rest of the event; an
// empty or non-URL string costs nothing), and every event of a response has the same origin. So
// the event is made with an empty origin and given `proto`, an object that inherits from
// MessageEvent.prototype and answers `origin` for the current response (see originPrototype).
// Measured with dispatch on one listener: Chromium 419k -> 657k events/s, Firefox 304k -> 343k.
// The event is still a platform MessageEvent (instanceof, constructor, toStringTag, data,
// lastEventId, source, ports, dispatch); only reflection on its prototype, or MessageEvent's own
// `origin` getter applied to it, tell the difference.
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

/** The prototype of a response's MessageEvents: MessageEvent.prototype plus their `origin`. */
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

// Cold start: the first source made sends its first request before the engine is loaded, and the
// engine adopts the pending response (Source.start), so the request travels while the engine is
// decoded, compiled and instantiated (2-4 ms on a cold page in Chromium, the first fetch() call
// of a page included) instead of after. It is exactly the request the fetch transport sends
// first (src/wasm/transport/fetch.rs): GET, CORS, credentials as withCredentials says,
// no-store, `Accept: text/event-stream` then the page's headers, no Last-Event-ID yet. Its rejection is handled by the engine later; `catch` here only keeps it
// from being reported as unhandled meanwhile.
function earlyFetch(url, withCredentials, headers) {
  if (typeof AbortController !== 'function' || typeof Request !== 'function') return null;
  const controller = new AbortController();
  const init = {
    mode: 'cors',
    credentials: withCredentials ? 'include' : 'same-origin',
    cache: 'no-store',
    headers: new Headers({ Accept: 'text/event-stream' }),
    signal: controller.signal,
  };
  for (let i = 0; i < headers.length; i += 2) init.headers.set(headers[i], headers[i + 1]);
  const target = url.split('#', 1)[0];
  let request;
  try {
    request = new Request(target, init);
  } catch {
    try {
      // Runtimes without cache modes (Node's fetch) reject `no-store`, as in the engine.
      request = new Request(target, { ...init, cache: 'default' });
    } catch {
      return null; // the engine sends it, and reports why it cannot
    }
  }
  const response = fetch(request);
  response.catch(() => {});
  return { response, controller };
}

function baseUrl() {
  const g = globalThis;
  if (g.document && typeof g.document.baseURI === 'string') return g.document.baseURI;
  if (g.location && typeof g.location.href === 'string') return g.location.href;
  return undefined;
}

function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}

// The transport and mode the engine uses: { xhr, polling }.
function pickIo(transport) {
  const canFetch = typeof fetch === 'function' && typeof ReadableStream === 'function'
    && typeof Response === 'function' && 'body' in Response.prototype;
  const canXhr = typeof XMLHttpRequest === 'function';
  switch (transport) {
    case 'fetch':
      if (typeof fetch !== 'function') break;
      return { xhr: false, polling: false };
    case 'xhr':
      if (!canXhr) break;
      return { xhr: true, polling: false };
    case 'polling':
      return { xhr: canXhr, polling: true };
    default:
      if (canFetch) return { xhr: false, polling: false };
      if (canXhr) return { xhr: true, polling: false };
      return { xhr: false, polling: true };
  }
  throw new TypeError(`EventSource: transport "${transport}" is not available here`);
}

function positive(value, name) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) {
    throw new TypeError(`EventSource: ${name} must be a positive number`);
  }
  return n;
}

// Reads the extensions of the options dictionary; throws a TypeError on a malformed one.
function readOptions(init) {
  const transport = init.transport === undefined ? 'auto' : String(init.transport);
  if (!TRANSPORTS.includes(transport)) {
    throw new TypeError(`EventSource: transport must be one of ${TRANSPORTS.join(', ')}`);
  }
  const headers = [];
  if (init.headers != null) {
    // Headers validates names and values the way fetch and XHR will.
    const list = typeof Headers === 'function'
      ? new Headers(init.headers)
      : Object.entries(init.headers);
    for (const [name, value] of list) headers.push(String(name), String(value));
  }
  const param = init.lastEventIdQueryParameter;
  const backoff = init.backoff;
  return {
    io: pickIo(transport),
    headers,
    lastEventIdQueryParameter: param === undefined || param === null ? undefined : String(param),
    heartbeatTimeout: positive(init.heartbeatTimeout, 'heartbeatTimeout'),
    maxEventSize: positive(init.maxEventSize, 'maxEventSize'),
    backoffMax: backoff == null ? undefined : positive(backoff.max, 'backoff.max'),
    backoffFactor: backoff == null ? undefined : positive(backoff.factor ?? 2, 'backoff.factor'),
  };
}

// ---- The class ----------------------------------------------------------------------------

const EventTargetBase = globalThis.EventTarget;

export class EventSource extends EventTargetBase {
  #url;
  #withCredentials;
  #readyState = CONNECTING;
  #options;
  /** The engine's Source, once connected. */
  #source = null;
  /** The prototype of this response's MessageEvents, which gives their origin (see messageEvent). */
  #eventPrototype = null;
  /** What the batch reader carries from batch to batch (see batch.js). */
  #ids = batchState();
  /** Event handler attributes: type -> { value, listener }. */
  #handlers = new Map();
  /** The first request, sent before the engine was loaded: { response, controller } (see earlyFetch). */
  #early = null;

  /**
   * @param {string | URL} url
   * @param {object} [eventSourceInitDict]
   */
  constructor(url, eventSourceInitDict = undefined) {
    super();
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'EventSource': 1 argument required, but only 0 present.");
    }
    const init = eventSourceInitDict;
    if (init !== undefined && init !== null && typeof init !== 'object' && typeof init !== 'function') {
      throw new TypeError("Failed to construct 'EventSource': The provided value is not of type 'EventSourceInit'.");
    }
    const href = String(url);
    let parsed;
    try {
      parsed = new URL(href, baseUrl());
    } catch {
      throw new DOMException(`Failed to construct 'EventSource': The URL '${href}' is invalid.`, 'SyntaxError');
    }
    this.#url = parsed.href;
    this.#withCredentials = Boolean(init?.withCredentials);
    this.#options = readOptions(init ?? {});
    const o = this.#options;
    if (!engineLoaded && !o.io.xhr && !o.io.polling) this.#early = earlyFetch(this.#url, this.#withCredentials, o.headers);
    if (loadNow()) {
      this.#connect();
    } else {
      ready().then(
        () => this.#connect(),
        (err) => {
          this.#early?.controller.abort();
          this.#early = null;
          this.#error(CLOSED, `EventSource: the engine failed to load (${err})`);
        },
      );
    }
  }

  #connect() {
    const early = this.#early;
    this.#early = null;
    if (this.#readyState === CLOSED) return;
    const o = this.#options;
    const host = {
      open: (finalUrl) => this.#open(finalUrl),
      events: (batch) => readBatch(batch, this.#ids, this.#deliver),
      error: (state, message) => this.#error(state, message),
    };
    const flags = (this.#withCredentials ? 1 : 0) | (o.io.xhr ? 2 : 0) | (o.io.polling ? 4 : 0);
    this.#source = new Source(
      host, this.#url, flags, o.headers.join('\n'), o.lastEventIdQueryParameter ?? '',
      o.heartbeatTimeout ?? 0, o.maxEventSize ?? 0, o.backoffMax ?? 0, o.backoffFactor ?? 0,
    );
    this.#source.start(early?.response, early?.controller);
  }

  // "Announce the connection": if readyState is not CLOSED, set it to OPEN and fire `open`.
  #open(finalUrl) {
    if (this.#readyState === CLOSED) return;
    const origin = originOf(finalUrl);
    if (this.#eventPrototype?.origin !== origin) this.#eventPrototype = originPrototype(origin);
    this.#readyState = OPEN;
    this.dispatchEvent(new Event('open'));
  }

  // Dispatch step 6: only while readyState is not CLOSED; a close() in a handler stops the
  // rest of the batch.
  #deliver = (type, data, lastEventId) => {
    if (this.#readyState === CLOSED) return false;
    this.dispatchEvent(messageEvent(type, data, this.#eventPrototype, lastEventId));
    return this.#readyState !== CLOSED;
  };

  // Reestablishing (CONNECTING) or failed (CLOSED): set readyState, fire `error`.
  #error(state, message) {
    if (this.#readyState === CLOSED) return;
    this.#readyState = state;
    if (state === CLOSED) this.#release();
    const event = new Event('error');
    if (message) Object.defineProperty(event, 'message', { value: message, enumerable: true });
    this.dispatchEvent(event);
  }

  // Lets go of the engine's Source (after the current callback returns).
  #release() {
    const source = this.#source;
    this.#source = null;
    if (source) {
      queueMicrotask(() => {
        source.close();
        source.free();
      });
    }
  }

  get url() {
    return this.#url;
  }

  get withCredentials() {
    return this.#withCredentials;
  }

  get readyState() {
    return this.#readyState;
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

  /** Aborts the connection: readyState CLOSED, no event, no reconnection. */
  close() {
    if (this.#readyState === CLOSED && this.#source === null) return;
    this.#readyState = CLOSED;
    this.#early?.controller.abort();
    this.#early = null;
    const source = this.#source;
    this.#source = null;
    if (source) {
      source.close();
      source.free();
    }
  }

  #getHandler(type) {
    return this.#handlers.get(type)?.value ?? null;
  }

  // Event handler attributes: the listener is added when the attribute first becomes non-null
  // and keeps its place among the listeners while the value changes; null removes it.
  #setHandler(type, value) {
    const callback = (typeof value === 'function' || (typeof value === 'object' && value !== null)) ? value : null;
    const current = this.#handlers.get(type);
    if (callback === null) {
      if (current) {
        this.removeEventListener(type, current.listener);
        this.#handlers.delete(type);
      }
      return;
    }
    if (current) {
      current.value = callback;
      return;
    }
    const handler = {
      value: callback,
      listener: (event) => {
        const f = handler.value;
        if (typeof f === 'function') f.call(this, event);
      },
    };
    this.#handlers.set(type, handler);
    this.addEventListener(type, handler.listener);
  }

  /** Resolves once the wasm engine is loaded (instances made before simply connect then). */
  static get ready() {
    return ready();
  }
}

// WebIDL shape: constants on the constructor and the prototype (enumerable, read-only),
// attributes enumerable, and the class's string tag.
const constants = { CONNECTING, OPEN, CLOSED };
for (const [name, value] of Object.entries(constants)) {
  const descriptor = { value, enumerable: true, writable: false, configurable: false };
  Object.defineProperty(EventSource, name, descriptor);
  Object.defineProperty(EventSource.prototype, name, descriptor);
}
for (const name of ['url', 'withCredentials', 'readyState', 'onopen', 'onmessage', 'onerror', 'close']) {
  const descriptor = Object.getOwnPropertyDescriptor(EventSource.prototype, name);
  Object.defineProperty(EventSource.prototype, name, { ...descriptor, enumerable: true });
}
Object.defineProperty(EventSource.prototype, Symbol.toStringTag, { value: 'EventSource', configurable: true });
// Minifiers rename classes; the interface object's name is part of the interface.
Object.defineProperty(EventSource, 'name', { value: 'EventSource', configurable: true });
