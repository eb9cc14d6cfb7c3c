// A classic worker (dedicated, shared or service): the native EventSource, where the browser
// exposes one here, is deleted first; then importScripts() loads the classic script, which carries
// its engine inside.
const nativePresent = typeof self.EventSource === 'function';
delete self.EventSource;
importScripts('/dist/eventsource.js', '/workers/check.js');
self.serve({
  type: 'classic',
  nativePresent: nativePresent,
  nativeRemoved: true,
  globalInstalled: self.EventSource === self.EventSourceWasm,
});
