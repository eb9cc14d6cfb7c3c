// The classic-script entry (built to dist/eventsource.js as one IIFE):
//   <script src=".../eventsource.js"></script>
// defines the global synchronously where none exists, always exposes the class as
// `EventSourceWasm`, and loads the wasm found next to this script.
import { EventSource, ready, setWasmSource } from './eventsource.js';

const WASM_FILE = 'eventsource_wasm_bg.wasm';
const g = globalThis;
// The script's own URL: currentScript in a document, the worker's location after importScripts.
const scriptUrl = g.document?.currentScript?.src || g.location?.href;
if (scriptUrl) setWasmSource(new URL(WASM_FILE, scriptUrl));

Object.defineProperty(g, 'EventSourceWasm', {
  value: EventSource, writable: true, configurable: true, enumerable: false,
});
if (typeof g.EventSource === 'undefined') {
  Object.defineProperty(g, 'EventSource', {
    value: EventSource, writable: true, configurable: true, enumerable: false,
  });
  ready().catch(() => {});
}
