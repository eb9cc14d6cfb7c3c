// The engine: the Rust core compiled to WebAssembly, and the page's side of it (host.js).
// Loaded by eventsource.js the first time a source is made (or imported up front, which
// registers it: `import 'eventsource-wasm/engine'`, for service workers, where import() is
// not allowed).
//
// The wasm travels inside this file (deflated, in base64: scripts/wasm-string.mjs), so nothing
// has to be placed next to it for a bundler, a CDN or a worker. It is inflated by the platform's
// DecompressionStream and compiled and instantiated synchronously: about 1 ms in Chromium and
// 3 ms in Firefox, where the asynchronous API's round trips through a compiler thread cost a cold
// page several.
import { initSync, Source, liveResources } from '../pkg/eventsource_wasm.js';
import packed, { size } from '../pkg/eventsource_wasm_bytes.js';
import { attach, release } from './host.js';

async function wasmBytes() {
  const deflated = typeof Uint8Array.fromBase64 === 'function'
    ? Uint8Array.fromBase64(packed)
    : Uint8Array.from(atob(packed), (c) => c.charCodeAt(0));
  const inflated = new Response(deflated).body.pipeThrough(new DecompressionStream('deflate'));
  const bytes = new Uint8Array(await new Response(inflated).arrayBuffer());
  if (bytes.length !== size) throw new Error('eventsource-wasm: the engine is damaged');
  return bytes;
}

let engine = null;

/** Loads the engine once. */
export async function load() {
  if (!engine) {
    initSync({ module: await wasmBytes() });
    engine ??= {
      attach: (s, requests) => attach(s, (host, options) => new Source(host, options), requests),
      release,
      live: () => Array.from(liveResources()),
    };
  }
  return engine;
}

globalThis[Symbol.for('eventsource-wasm.engine')] ??= { load };
