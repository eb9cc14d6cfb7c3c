// Helpers for the conformance cases: byte bodies, URLs of the reference server's scripted
// routes, an event recorder whose waits are driven by the events themselves, and the
// per-case context (`ctx`) every case receives.
//
// Waiting rules: every wait here resolves on an event (an EventSource event, a fetch
// response). The only timers are the runner's per-case bound (a failure, never a pass) and
// `ctx.quiet()`, the window during which a case watches for something that must NOT happen.

const encoder = new TextEncoder();

/** The sentinel event `ctx.parse` appends to a body: its arrival ends the collection. */
export const SENTINEL_TYPE = 'conformance-end';
const SENTINEL = encoder.encode(`event: ${SENTINEL_TYPE}\ndata: end\n\n`);

/** The default length of an absence window, in ms. */
export const QUIET_MS = 400;

/** Thrown by `ctx.skip()`: the case does not apply here. */
export class Skip extends Error {}

/**
 * Concatenates parts into bytes: strings are UTF-8 encoded, arrays and Uint8Arrays are taken
 * as raw bytes.
 * @param {...(string | number[] | Uint8Array)} parts
 */
export function bytes(...parts) {
  const chunks = parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Standard base64 of bytes. */
export function toBase64(u8) {
  let s = '';
  for (let i = 0; i < u8.length; i += 0x8000) {
    s += String.fromCharCode.apply(null, u8.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** Byte offset just after the n-th (0-based) occurrence of byte `b` in `u8`. */
export function after(u8, b, n = 0) {
  let seen = 0;
  for (let i = 0; i < u8.length; i++) {
    if (u8[i] === b && seen++ === n) return i + 1;
  }
  throw new Error(`byte ${b} occurs fewer than ${n + 1} times`);
}

/** A readable rendering of any value: strings with control and non-ASCII characters escaped. */
export function show(value) {
  return JSON.stringify(value, null, 0).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Structural equality through the JSON form. */
export function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function clip(s, n = 400) {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** What the recorder keeps of an event, with the readyState at the moment of dispatch. */
function snapshot(event, es) {
  const entry = {
    type: event.type,
    readyState: es.readyState,
    isMessageEvent: typeof MessageEvent === 'function' && event instanceof MessageEvent,
    isEvent: event instanceof Event,
    bubbles: event.bubbles,
    cancelable: event.cancelable,
    target: event.target === es,
  };
  if ('data' in event) entry.data = event.data;
  if ('lastEventId' in event) entry.lastEventId = event.lastEventId;
  if ('origin' in event) entry.origin = event.origin;
  if ('message' in event) entry.message = event.message;
  return entry;
}

function describe(entries) {
  if (entries.length === 0) return 'none';
  return clip(entries.map((e) => {
    let s = `${e.type}[rs=${e.readyState}]`;
    if ('data' in e) s += `:${show(e.data.length > 40 ? `${e.data.slice(0, 40)}…` : e.data)}`;
    return s;
  }).join(' '));
}

/**
 * Records the events of `es` (`open`, `message`, `error` and `extraTypes`) in order and lets a
 * case wait until they satisfy a predicate.
 */
export class Recorder {
  constructor(ctx, es, extraTypes = []) {
    this.ctx = ctx;
    this.es = es;
    this.entries = [];
    this.waiters = new Set();
    const types = new Set(['open', 'message', 'error', ...extraTypes]);
    this.handler = (event) => {
      this.entries.push(snapshot(event, es));
      for (const w of [...this.waiters]) w();
    };
    for (const t of types) es.addEventListener(t, this.handler);
    ctx.recorders.push(this);
  }

  /** The recorded events of one type. */
  of(type) {
    return this.entries.filter((e) => e.type === type);
  }

  count(type) {
    return this.of(type).length;
  }

  /** The recorded events other than open and error. */
  messages() {
    return this.entries.filter((e) => e.type !== 'open' && e.type !== 'error');
  }

  summary() {
    return describe(this.entries);
  }

  /**
   * Resolves once `pred(entries)` holds (checked now and after every event). Unless
   * `failOnClose` is false, an `error` event that leaves readyState CLOSED before that rejects.
   */
  until(pred, what, { failOnClose = true } = {}) {
    this.ctx.waitingFor = what;
    return new Promise((resolve, reject) => {
      const check = () => {
        let ok;
        try {
          ok = pred(this.entries);
        } catch (err) {
          this.waiters.delete(check);
          reject(err);
          return;
        }
        if (ok) {
          this.waiters.delete(check);
          resolve(this.entries);
          return;
        }
        const failed = this.entries.find((e) => e.type === 'error' && e.readyState === 2);
        if (failOnClose && failed) {
          this.waiters.delete(check);
          reject(new Error(`the connection failed (error with readyState CLOSED${failed.message ? `: ${failed.message}` : ''}) while waiting for ${what}; events: ${this.summary()}`));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits for the n-th event of `type` (counting all recorded so far). */
  untilCount(type, n, opts) {
    return this.until((es) => es.filter((e) => e.type === type).length >= n, `${n} × '${type}'`, opts);
  }
}

/** An origin, or an explanation of the missing second origin. */
function need(origin) {
  if (!origin) throw new Error('no second origin: open the page with ?origin2=http://127.0.0.1:<second port>');
  return origin;
}

/**
 * Builds the context of one case.
 * @param {object} env { EventSource, origin, origin2, impl, entry, transport, runId }
 * @param {object} testCase the case
 */
export function makeContext(env, testCase) {
  const key = `${env.runId}-${testCase.id}`;
  const sources = [];
  const ctx = {
    EventSource: env.EventSource,
    origin: env.origin,
    origin2: env.origin2,
    impl: env.impl,
    entry: env.entry,
    transport: env.transport,
    isPolyfill: env.impl === 'polyfill',
    key,
    recorders: [],
    waitingFor: 'the case to finish',

    /** Registers an EventSource the runner closes after the case. */
    track(es) {
      sources.push(es);
      return es;
    },

    /** `new EventSource(url, init)`, with the forced transport of this run (polyfill only). */
    open(url, init = undefined) {
      let options = init;
      if (ctx.isPolyfill && env.transport && env.transport !== 'auto') {
        if (!options || options.transport === undefined) options = { ...(options || {}), transport: env.transport };
      }
      const es = options === undefined ? new env.EventSource(url) : new env.EventSource(url, options);
      return ctx.track(es);
    },

    record(es, extraTypes = []) {
      return new Recorder(ctx, es, extraTypes);
    },

    /** Resolves with the first `n` events of `type` (default `message`). */
    async expectEvents(es, n, { type = 'message', recorder } = {}) {
      const rec = recorder || ctx.record(es, [type]);
      await rec.untilCount(type, n);
      return rec.of(type).slice(0, n);
    },

    /** Resolves with the next event of `type` on `es`. */
    nextEvent(es, type) {
      ctx.waitingFor = `a '${type}' event`;
      return new Promise((resolve) => {
        const on = (event) => {
          es.removeEventListener(type, on);
          resolve(event);
        };
        es.addEventListener(type, on);
      });
    },

    /** An absolute URL on `origin` (default: the page's) with this case's key in the query. */
    url(path, params = {}, { origin = env.origin } = {}) {
      const u = new URL(path, need(origin));
      for (const [k, v] of Object.entries(params)) {
        if (v !== undefined && v !== null) u.searchParams.append(k, String(v));
      }
      u.searchParams.set('key', key);
      return u.href;
    },

    /**
     * `/t/script` serving `body` (string or bytes) with status, content type, cuts at byte
     * offsets (`split`), a pause between writes (`delay`) and `hold`.
     */
    script(body, { status, ctype, split, delay, hold, headers = [], origin, params = {} } = {}) {
      const u = new URL('/t/script', need(origin === undefined ? env.origin : origin));
      const raw = typeof body === 'string' ? encoder.encode(body) : body;
      u.searchParams.set('body_b64', toBase64(raw));
      if (status !== undefined) u.searchParams.set('status', String(status));
      if (ctype !== undefined) u.searchParams.set('ctype', ctype);
      if (split && split.length) u.searchParams.set('split', split.join(','));
      if (delay !== undefined) u.searchParams.set('delay', String(delay));
      if (hold) u.searchParams.set('hold', '1');
      for (const h of headers) u.searchParams.append('header', h);
      for (const [k, v] of Object.entries(params)) u.searchParams.set(k, String(v));
      u.searchParams.set('key', key);
      return u.href;
    },

    /**
     * Serves `body` followed by a sentinel event, collects everything dispatched before the
     * sentinel, closes, and returns those events (open and error left out). `types` lists the
     * custom event types to listen for. The body must end between events.
     */
    async parse(body, { split, delay, ctype, types = [], init } = {}) {
      const raw = typeof body === 'string' ? encoder.encode(body) : body;
      const full = bytes(raw, SENTINEL);
      const cuts = split ? [...split, raw.length] : undefined;
      const url = ctx.script(full, { split: cuts, delay: split ? (delay ?? 20) : undefined, ctype });
      const es = ctx.open(url, init);
      const rec = ctx.record(es, [...types, SENTINEL_TYPE]);
      await rec.until((e) => e.some((x) => x.type === SENTINEL_TYPE), 'the end-of-body sentinel event');
      es.close();
      // An error after the sentinel (the end of the body, in the same task) is expected.
      const before = rec.entries.slice(0, rec.entries.findIndex((x) => x.type === SENTINEL_TYPE));
      if (before.some((e) => e.type === 'error')) throw new Error(`unexpected error event(s) before the end of the body: ${rec.summary()}`);
      return before.filter((e) => e.type !== 'open');
    },

    /** What the server saw for this case's key: `{ requests: [...], preflights, all }`. */
    async log(k = key) {
      const r = await fetch(`${env.origin}/t/log?key=${encodeURIComponent(k)}`, { cache: 'no-store' });
      if (!r.ok) throw new Error(`/t/log answered ${r.status}`);
      const j = await r.json();
      // Preflights are listed too (method OPTIONS); `requests` are the others.
      return { requests: j.requests.filter((x) => x.method !== 'OPTIONS'), preflights: j.preflights, all: j.requests };
    },

    /** Sets a cookie through `/t/setcookie` on `origin` (credentials included). */
    async setCookie(origin, name, value) {
      const u = new URL('/t/setcookie', need(origin));
      u.searchParams.set('name', name);
      u.searchParams.set('value', value);
      u.searchParams.set('key', `${key}-cookie`);
      const r = await fetch(u.href, { credentials: 'include', cache: 'no-store' });
      if (!r.ok) throw new Error(`/t/setcookie answered ${r.status}`);
    },

    /** An absence window: resolves after `ms`; the case then checks nothing else happened. */
    quiet(ms = QUIET_MS) {
      ctx.waitingFor = `a ${ms} ms absence window`;
      return new Promise((resolve) => setTimeout(resolve, ms));
    },

    assert(cond, message) {
      if (!cond) throw new Error(message || 'assertion failed');
    },

    /** Structural equality, with both values shown on failure. */
    eq(actual, expected, what = 'value') {
      if (!same(actual, expected)) {
        throw new Error(`${what}: expected ${show(expected)}, got ${show(actual)}`);
      }
    },

    /** Expects `fn` to throw; returns the thrown value. */
    throws(fn, check, what) {
      let thrown = null;
      let threw = false;
      try {
        const es = fn();
        if (es && typeof es.close === 'function') ctx.track(es);
      } catch (err) {
        threw = true;
        thrown = err;
      }
      if (!threw) throw new Error(`${what}: nothing was thrown`);
      if (check && !check(thrown)) throw new Error(`${what}: wrong exception ${String(thrown && thrown.name)}: ${String(thrown && thrown.message)}`);
      return thrown;
    },

    skip(reason) {
      throw new Skip(reason);
    },

    /** Everything recorded so far, for timeout messages. */
    progress() {
      return ctx.recorders.map((r) => r.summary()).join(' | ') || 'no events recorded';
    },

    /** Closes every EventSource the case made. */
    cleanup() {
      for (const es of sources) {
        try {
          es.close();
        } catch {
          // a broken close() is reported by the cases that test it
        }
      }
      for (const r of ctx.recorders) r.waiters.clear();
    },
  };
  return ctx;
}
