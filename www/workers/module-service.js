// A module service worker: import() is not allowed there, so the engine is imported up front
// (which registers it with the class). The native EventSource is deleted first (by the first
// import), then the package's `global` entry installs the polyfill.
import './no-native.js';
import '/dist/engine.js';
import { EventSource } from '/dist/global.js';
import './check.js';

self.serve({
  type: 'module',
  nativePresent: self.nativePresent,
  nativeRemoved: true,
  globalInstalled: self.EventSource === EventSource,
});
