// What the classic script does when it runs (dist/eventsource.js): define the global
// synchronously where none exists and always expose the class as `EventSourceWasm`.
import { EventSource, setFallbackUrl } from './eventsource.js';

export function installGlobals() {
  const g = globalThis;
  // The JavaScript engine (for pages that forbid WebAssembly) is a file next to this script:
  // currentScript gives its URL in a document. A worker's importScripts() gives none, so there
  // it is looked for next to the worker's own script.
  const scriptUrl = g.document?.currentScript?.src || g.location?.href;
  if (scriptUrl) setFallbackUrl(new URL('eventsource.nowasm.js', scriptUrl));
  Object.defineProperty(g, 'EventSourceWasm', {
    value: EventSource, writable: true, configurable: true, enumerable: false,
  });
  if (typeof g.EventSource === 'undefined') {
    Object.defineProperty(g, 'EventSource', {
      value: EventSource, writable: true, configurable: true, enumerable: false,
    });
  }
}
