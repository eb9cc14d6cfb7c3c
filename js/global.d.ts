/** Installs `globalThis.EventSource` where the runtime has none, and `fromReadableStream` on a
 *  native one that lacks it. The class exported here has every member (and its types). */
export { EventSource, ready } from './index.js';
import type { EventSource as Wasm } from './index.js';

declare global {
  /** This package's class, always (set by the classic script). */
  var EventSourceWasm: typeof Wasm;
}
