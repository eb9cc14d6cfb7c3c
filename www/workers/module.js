// A module worker (dedicated, shared or service): the native EventSource is deleted first (by
// the first import), then the package's `global` entry installs the polyfill; the engine's wasm
// is fetched next to /dist/index.js.
import './no-native.js';
import { EventSource } from '/dist/global.js';
import './check.js';

self.serve({
  type: 'module',
  nativePresent: self.nativePresent,
  nativeRemoved: true,
  globalInstalled: self.EventSource === EventSource,
});
