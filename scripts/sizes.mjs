// Prints the raw and gzipped bytes of what a page loads, per way of using the package
// (`npm run bench:bytes` measures the same in a real page, per entry and bundler).
import { readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const groups = {
  'script tag where a native EventSource exists (no engine)': ['dist/eventsource.js'],
  'script tag, one working source': ['dist/eventsource.js', 'dist/engine.js'],
  'ES module, one working source': ['dist/index.js', 'dist/engine.js'],
  'strict CSP, one working source (JavaScript engine)': ['dist/index.js', 'dist/engine.nowasm.js'],
  'classic service worker (engine inside)': ['dist/eventsource.full.js'],
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
    if (!seen.has(f)) console.log(`size: ${f.padEnd(26)} ${String(bytes.length).padStart(7)} B ${String(z).padStart(6)} B gzipped`);
    seen.add(f);
  }
  if (files.length > 1) console.log(`size: ${label}: ${raw} B, ${gz} B gzipped`);
}
