// Prints the raw and gzipped bytes of what a page loads for the polyfill.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const files = ['pkg/eventsource_wasm_bg.wasm', 'pkg/eventsource_wasm.js', 'js/batch.js'].filter(existsSync);
let raw = 0;
let gz = 0;
for (const f of files) {
  const bytes = readFileSync(f);
  const z = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gz += z;
  console.log(`size: ${f.padEnd(34)} ${String(bytes.length).padStart(7)} B  ${String(z).padStart(6)} B gzipped`);
}
console.log(`size: ${'total'.padEnd(34)} ${String(raw).padStart(7)} B  ${String(gz).padStart(6)} B gzipped`);
