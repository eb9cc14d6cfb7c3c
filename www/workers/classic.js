// A classic worker (dedicated or shared): the native EventSource, where the browser exposes one
// here, is deleted first; then importScripts() loads the classic script, which loads its engine
// (import() of engine.js beside it) when the first source is made.
const nativePresent = typeof self.EventSource === 'function';
delete self.EventSource;
importScripts('/dist/eventsource.js', '/workers/check.js');
self.serve({
  type: 'classic',
  nativePresent: nativePresent,
  nativeRemoved: true,
  globalInstalled: self.EventSource === self.EventSourceWasm,
});
