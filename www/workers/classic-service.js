// A classic service worker: importScripts() works only while the worker starts, so it loads the
// classic script with its engine inside (eventsource.full.js). The native EventSource, where the
// browser exposes one here, is deleted first.
const nativePresent = typeof self.EventSource === 'function';
delete self.EventSource;
importScripts('/dist/eventsource.full.js', '/workers/check.js');
self.serve({
  type: 'classic',
  nativePresent: nativePresent,
  nativeRemoved: true,
  globalInstalled: self.EventSource === self.EventSourceWasm,
});
