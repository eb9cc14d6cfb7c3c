// The classic-script entry (dist/eventsource.js, one IIFE; the engine is loaded from
// engine.js next to it the first time a source is made):
//   <script src=".../eventsource.js"></script>          (pages)
//   importScripts('.../eventsource.js')                  (classic workers)
// installs the global as the `global` entry does, synchronously, and always exposes the class as
// `EventSourceWasm`.
import { EventSource } from './eventsource.js';
import { installGlobals } from './install.js';

installGlobals(EventSource, true);
