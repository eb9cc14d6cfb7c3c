// The classic-script entry that carries its wasm (built to dist/eventsource.inline.js as one
// IIFE; esbuild's binary loader turns the import below into the bytes): for classic workers
// (`importScripts()` gives a script no URL of its own, so it cannot find a file next to itself),
// service workers, and pages that want one file. Otherwise the same as dist/eventsource.js.
import wasm from '../pkg/eventsource_wasm_bg.wasm';
import { installGlobals } from './install.js';

installGlobals(wasm);
