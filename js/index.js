// `import { EventSource } from 'eventsource-wasm'`: the class, with no side effect.
export { EventSource, ready, liveResources } from './eventsource.js';
