// The classic-script entry (built to dist/eventsource.js as one IIFE, the engine inside):
//   <script src=".../eventsource.js"></script>          (pages)
//   importScripts('.../eventsource.js')                  (classic workers)
// defines the global synchronously where none exists and always exposes the class as
// `EventSourceWasm`.
import { installGlobals } from './install.js';

installGlobals();
