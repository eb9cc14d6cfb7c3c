// `import 'eventsource-wasm/global'`: installs EventSource where the runtime has none.
import { EventSource, ready } from './index.js';

if (typeof globalThis.EventSource === 'undefined') {
  // Like an interface object: writable, configurable, not enumerable.
  Object.defineProperty(globalThis, 'EventSource', {
    value: EventSource, writable: true, configurable: true, enumerable: false,
  });
}

export { EventSource, ready };
