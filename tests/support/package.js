// The package's own EventSource (js/), driven by the engine of the test binary, for
// tests/transports.rs: the class, its requests and its dispatch are the shipped ones; only the
// engine comes from the test build (registered where the class looks first).
import { EventSource, liveResources } from '../../js/eventsource.js';
import { attach, release } from '../../js/host.js';

export function registerEngine(create, live) {
  globalThis[Symbol.for('eventsource-wasm.engine')] = {
    load: async () => ({
      attach: (s, requests) => attach(s, create, requests),
      release,
      live: () => Array.from(live()),
    }),
  };
}

/**
 * Runs a source until `wanted` events or its failure, and returns what it saw: `open <url>`,
 * `event <type> <data> <lastEventId>` (long data by its head and length), `error <readyState>
 * [<message>]`.
 */
export function run(url, options, wanted) {
  return new Promise((resolve) => {
    const log = [];
    let count = 0;
    const es = new EventSource(url, options);
    const done = () => {
      es.close();
      resolve(log);
    };
    es.onopen = () => log.push(`open ${es.url}`);
    es.onmessage = (e) => {
      const shown = e.data.length > 40 ? `${e.data.slice(0, 12)}…(${e.data.length})` : e.data;
      log.push(`event ${e.type} ${shown} ${e.lastEventId}`);
      count += 1;
      if (count >= wanted) done();
    };
    es.onerror = (e) => {
      log.push(`error ${es.readyState}${es.readyState === 2 ? ` ${e.message}` : ''}`);
      if (es.readyState === 2) done();
    };
  });
}

/** `[sources, requests, timers]` alive. */
export function live() {
  return liveResources();
}

/** The body of a GET, for asking the reference server what it saw (/t/log). */
export async function fetchText(url) {
  return (await fetch(url)).text();
}
