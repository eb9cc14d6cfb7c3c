// After <script src="/dist/eventsource.js">: the global it installed.
import { run } from './checks.js';

run('script', window.EventSource, window.EventSource === window.EventSourceWasm);
