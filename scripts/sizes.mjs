// Prints the raw and gzipped bytes of what a page loads for the polyfill (classic script + wasm).
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const groups = {
  'script tag (dist/eventsource.js + wasm)': ['dist/eventsource.js', 'dist/eventsource_wasm_bg.wasm'],
  'ES module (dist/index.js + wasm)': ['dist/index.js', 'dist/eventsource_wasm_bg.wasm'],
};
for (const [label, files] of Object.entries(groups)) {
  if (!files.every(existsSync)) continue;
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const bytes = readFileSync(f);
    const z = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += z;
    console.log(`size: ${f.padEnd(32)} ${String(bytes.length).padStart(7)} B ${String(z).padStart(6)} B gzipped`);
  }
  console.log(`size: ${label}: ${raw} B, ${gz} B gzipped`);
}
