// What the classic scripts do when they run (dist/eventsource.js, dist/eventsource.inline.js):
// define the global synchronously where none exists and always expose the class as
// `EventSourceWasm`.
import { EventSource, ready, setFallbackUrl, setWasmSource } from './eventsource.js';

/**
 * @param {Uint8Array} [wasm] the engine's bytes (the inline build); without them the wasm is
 *   `eventsource_wasm_bg.wasm` next to the script.
 */
export function installGlobals(wasm) {
  const g = globalThis;
  // The script's own URL: currentScript in a document. A worker's importScripts() gives none,
  // so there it is the worker's own URL (the inline build needs no file next to it).
  const scriptUrl = g.document?.currentScript?.src || g.location?.href;
  if (scriptUrl) {
    setFallbackUrl(new URL('eventsource.nowasm.js', scriptUrl));
    setWasmSource(wasm ?? new URL('eventsource_wasm_bg.wasm', scriptUrl));
  } else if (wasm) {
    setWasmSource(wasm);
  }
  Object.defineProperty(g, 'EventSourceWasm', {
    value: EventSource, writable: true, configurable: true, enumerable: false,
  });
  if (typeof g.EventSource === 'undefined') {
    Object.defineProperty(g, 'EventSource', {
      value: EventSource, writable: true, configurable: true, enumerable: false,
    });
    ready().catch(() => {});
  }
}
