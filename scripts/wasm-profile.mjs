// Bytes per function of a wasm module with a name section: where the size goes.
// node scripts/wasm-profile.mjs file.wasm [top=30]
import { readFileSync } from 'node:fs';

const bytes = readFileSync(process.argv[2]);
const top = Number(process.argv[3] ?? 30);
let pos = 8;
const leb = () => {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 10; i++) {
    const b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) break;
  }
  return result;
};
let imports = 0;
const sizes = [];
const names = new Map();
const sections = {};
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = leb();
  const end = pos + size;
  sections[id] = (sections[id] ?? 0) + size;
  if (id === 2) {
    const n = leb();
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 2; k++) { const l = leb(); pos += l; }
      const kind = bytes[pos++];
      if (kind === 0) { imports++; leb(); } else if (kind === 1) { pos++; const f = leb(); leb(); if (f & 1) leb(); }
      else if (kind === 2) { const f = leb(); leb(); if (f & 1) leb(); } else { pos += 2; }
    }
  } else if (id === 10) {
    const n = leb();
    for (let i = 0; i < n; i++) { const s = leb(); sizes.push(s); pos += s; }
  } else if (id === 0) {
    const l = leb();
    const name = bytes.subarray(pos, pos + l).toString();
    pos += l;
    if (name === 'name') {
      while (pos < end) {
        const sub = bytes[pos++];
        const subSize = leb();
        const subEnd = pos + subSize;
        if (sub === 1) {
          const n = leb();
          for (let i = 0; i < n; i++) { const idx = leb(); const len = leb(); names.set(idx, bytes.subarray(pos, pos + len).toString()); pos += len; }
        }
        pos = subEnd;
      }
    }
  }
  pos = end;
}
const rows = sizes.map((s, i) => [s, names.get(i + imports) ?? `#${i + imports}`]).sort((a, b) => b[0] - a[0]);
const total = sizes.reduce((a, b) => a + b, 0);
console.log(`code ${total} B in ${sizes.length} functions, ${imports} imports; data ${sections[11] ?? 0} B`);
for (const [s, n] of rows.slice(0, top)) console.log(String(s).padStart(6), n.slice(0, 110));
