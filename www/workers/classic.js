// A classic worker (dedicated, shared or service): the native EventSource, where the browser
// exposes one here, is deleted first; then importScripts() loads the one-file build that carries
// its wasm (a classic worker script has no URL of its own to find a .wasm next to it).
const nativePresent = typeof self.EventSource === 'function';
delete self.EventSource;
importScripts('/dist/eventsource.inline.js', '/workers/check.js');
self.serve({
  type: 'classic',
  nativePresent: nativePresent,
  nativeRemoved: true,
  globalInstalled: self.EventSource === self.EventSourceWasm,
});
