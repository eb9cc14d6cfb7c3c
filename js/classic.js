// The classic-script entry (built to dist/eventsource.js as one IIFE):
//   <script src=".../eventsource.js"></script>
// defines the global synchronously where none exists, always exposes the class as
// `EventSourceWasm`, and loads the wasm found next to this script.
import { installGlobals } from './install.js';

installGlobals();
