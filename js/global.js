// `import 'eventsource-wasm/global'`: installs EventSource where the runtime has none, and
// EventSource.fromReadableStream where the native one lacks it (see install.js).
import { EventSource, ready } from './index.js';
import { installGlobals } from './install.js';

installGlobals(EventSource, false);

export { EventSource, ready };
