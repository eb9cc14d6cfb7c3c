// The contenders of the browser benchmark. `prepare(name)` loads what a contender needs (before
// the clock starts) and returns `open(url, sink)`, which starts streaming and returns `close()`.
// `sink.event(data)` is called for each event (the data string), `sink.kind(name)` once with
// what the first event is ('MessageEvent' or the class of a plain object), `sink.bytes(n)` for
// each chunk of the drain baseline, `sink.error()` when an EventSource reports an error.

import { TYPES, loadScript } from './common.js';

function listen(source, sink) {
  const onEvent = (e) => sink.event(e.data);
  // What the first event is (a real MessageEvent, or a plain object), told once.
  const first = (e) => {
    for (const type of TYPES) source.removeEventListener(type, first);
    sink.kind?.(e instanceof MessageEvent ? 'MessageEvent' : Object.prototype.toString.call(e).slice(8, -1));
  };
  for (const type of TYPES) source.addEventListener(type, first);
  for (const type of TYPES) source.addEventListener(type, onEvent);
  source.addEventListener('error', () => sink.error());
  return () => source.close();
}

/**
 * fetch + TextDecoder, then `feed(text)` for each chunk (or `sink.bytes` when feed is null).
 * `paceMBps` > 0: no faster than that (decimal MB/s); the reader waits before reading on, so the
 * server, which writes as fast as the client reads, is held back (a drain at another reader's pace).
 */
function fetchLoop(url, sink, feedFactory, paceMBps = 0) {
  const ctl = new AbortController();
  (async () => {
    const res = await fetch(url, { signal: ctl.signal, cache: 'no-store' });
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const feed = feedFactory?.();
    const t0 = performance.now();
    let total = 0;
    // Bounded by the response: it ends, or close() aborts it.
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const text = decoder.decode(value, { stream: true });
      if (feed) feed(text);
      else sink.bytes(value.length, text.length);
      total += value.length;
      if (paceMBps > 0) {
        const ahead = total / (paceMBps * 1000) - (performance.now() - t0);
        if (ahead >= 1) await new Promise((resolve) => setTimeout(resolve, Math.min(ahead, 10000)));
      }
    }
    sink.error();
  })().catch(() => {});
  return () => ctl.abort();
}

/**
 * `lib`: where this project's module comes from: '/dist/index.js' (the published bundle) or
 * '/js/index.js' (the same sources unbundled, which share the wasm-bindgen glue instance of
 * '/pkg/eventsource_wasm.js', so a page can read the engine's wasm memory).
 */
export async function prepare(name, lib = '/dist/index.js', { paceMBps = 0 } = {}) {
  switch (name) {
    case 'native':
      return (url, sink) => listen(new EventSource(url), sink);
    case 'wasm-fetch':
    case 'wasm-xhr':
    case 'wasm-polling': {
      const m = await import(lib);
      await m.ready(); // the engine is loaded before the clock starts (cold start is measured apart)
      const transport = name.slice(5);
      return (url, sink) => listen(new m.EventSource(url, { transport }), sink);
    }
    case 'event-source-polyfill': {
      await loadScript('vendor/event-source-polyfill.min.js');
      const ES = globalThis.EventSourcePolyfill;
      // Its default 45 s heartbeat would reconnect a slow run; the runner's page timeout is the bound.
      return (url, sink) => listen(new ES(url, { heartbeatTimeout: 600000 }), sink);
    }
    case 'eventsource': {
      const m = await import('./vendor/eventsource.js');
      return (url, sink) => listen(new m.EventSource(url), sink);
    }
    case 'fetch+eventsource-parser': {
      const { createParser } = await import('./vendor/eventsource-parser.js');
      return (url, sink) => fetchLoop(url, sink, () => {
        const parser = createParser({ onEvent: (e) => sink.event(e.data) });
        return (text) => parser.feed(text);
      });
    }
    case 'fetch-drain':
      return (url, sink) => fetchLoop(url, sink, null, paceMBps);
    default:
      throw new Error(`unknown contender ${name}`);
  }
}
