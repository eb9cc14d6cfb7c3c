// Prints the raw and gzipped bytes of what a page loads for the polyfill, per way of loading it.
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const groups = {
  'script tag (dist/eventsource.js, engine inside)': ['dist/eventsource.js'],
  'ES module (dist/index.js, engine inside)': ['dist/index.js'],
  'strict CSP, ES module (dist/index.js + dist/eventsource.nowasm.js)': ['dist/index.js', 'dist/eventsource.nowasm.js'],
  'strict CSP, script tag (dist/eventsource.js + dist/eventsource.nowasm.js)': ['dist/eventsource.js', 'dist/eventsource.nowasm.js'],
};
const seen = new Set();
for (const [label, files] of Object.entries(groups)) {
  if (!files.every(existsSync)) continue;
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const bytes = readFileSync(f);
    const z = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += z;
    if (!seen.has(f)) console.log(`size: ${f.padEnd(32)} ${String(bytes.length).padStart(7)} B ${String(z).padStart(6)} B gzipped`);
    seen.add(f);
  }
  if (files.length > 1) console.log(`size: ${label}: ${raw} B, ${gz} B gzipped`);
}
