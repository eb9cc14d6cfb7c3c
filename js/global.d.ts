/** Installs `globalThis.EventSource` where the runtime has none. */
export { EventSource, ready } from './index.js';
import type { EventSource as EventSourceWasm } from './index.js';

declare global {
  /** The polyfill's class, always (set by the classic script). */
  var EventSourceWasm: typeof EventSourceWasm;
}
