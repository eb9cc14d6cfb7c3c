// `import { EventSource } from 'eventsource-wasm'`: the class, with no side effect.
export { EventSource, ready } from './eventsource.js';
