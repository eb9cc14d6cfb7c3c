// dist/eventsource.full.js: the classic script with its engine inside, for the one place where
// the engine cannot be loaded when first needed: a classic service worker, where importScripts()
// works only while the worker starts and import() not at all.
//   importScripts('.../eventsource.full.js')
import './engine.js';
import './classic.js';
