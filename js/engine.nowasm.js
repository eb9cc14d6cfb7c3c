// The engine for pages that may not compile WebAssembly (a Content-Security-Policy without
// 'wasm-unsafe-eval'): the same Rust core, turned into JavaScript by binaryen's wasm2js at build
// time (scripts/build.sh), with the same page side (host.js). Loaded instead of engine.js only
// there.
import { Source, liveResources } from '../target/wasm2js/bindgen/eventsource_wasm.js';
import { attach, release } from './host.js';

const engine = {
  attach: (s, requests) => attach(s, (host, options) => new Source(host, options), requests),
  release,
  live: () => Array.from(liveResources()),
};

/** The engine, ready at once. */
export async function load() {
  return engine;
}
