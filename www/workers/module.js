// A module worker (dedicated or shared): the native EventSource is deleted first (by the first
// import), then the package's `global` entry installs the polyfill; the engine (engine.js beside
// /dist/index.js) is imported when the first source is made.
import './no-native.js';
import { EventSource } from '/dist/global.js';
import './check.js';

self.serve({
  type: 'module',
  nativePresent: self.nativePresent,
  nativeRemoved: true,
  globalInstalled: self.EventSource === EventSource,
});
