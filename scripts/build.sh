#!/usr/bin/env bash
# Builds the size-tuned wasm engine (pkg/; pkg/tools/ adds StreamParser), its JavaScript twin
# (target/wasm2js/), then the package files (dist/). The wasm travels inside the JavaScript,
# deflated (pkg/eventsource_wasm_bytes.js, see scripts/wasm-string.mjs): no entry loads a
# second file.
#   dist/index.js              ES module: the class, no side effect (shim + wasm-bindgen glue +
#                              engine, minified)
#   dist/global.js             ES module: installs the global where none exists
#   dist/eventsource.js        classic script (IIFE) for pages and classic workers: global where
#                              none exists + EventSourceWasm
#   dist/eventsource.nowasm.js ES module: the same engine as JavaScript (binaryen wasm2js), which
#                              the others import only where WebAssembly may not be compiled (CSP)
#   dist/*.d.ts
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"
wasm-pack --quiet build --target web --release --mode no-install --out-dir pkg --no-pack -- --features bare 2>&1 \
  | grep -v -e 'failed to get wasm-pack version' -e '^\s*$' >&2 || true
[ -f pkg/eventsource_wasm_bg.wasm ] || { echo "build: wasm-pack produced no pkg/" >&2; exit 1; }
# The glue's default, a .wasm next to it, is never used (the shim hands it the bytes), and must
# not be seen by bundlers, which copy the file of a `new URL('./file', import.meta.url)`.
sed -i "s|module_or_path = new URL('eventsource_wasm_bg.wasm', import.meta.url);|throw new Error('eventsource-wasm: no wasm given');|" pkg/eventsource_wasm.js
if grep -q "import.meta.url" pkg/eventsource_wasm.js; then
  echo "build: the wasm-bindgen glue still names a .wasm next to itself" >&2; exit 1
fi
# Short import and export names in the module and the glue (2.6 KB less gzipped), then a check
# that the two still link.
node scripts/shorten-names.mjs pkg/eventsource_wasm_bg.wasm pkg/eventsource_wasm.js
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const glue = await import(process.argv[1]);
  glue.initSync({ module: readFileSync(process.argv[2]) });
  if (glue.liveResources().length !== 3) throw new Error("the renamed engine does not answer");
' "$root/pkg/eventsource_wasm.js" "$root/pkg/eventsource_wasm_bg.wasm"
node scripts/wasm-string.mjs pkg/eventsource_wasm_bg.wasm pkg/eventsource_wasm_bytes.js
# pkg/tools/: the same engine plus `StreamParser` (feature `tools`), for the parser benchmark,
# the parser page and the differential checks; never part of dist/.
wasm-pack --quiet build --target web --release --mode no-install --out-dir pkg/tools --no-pack -- --features bare,tools 2>&1 \
  | grep -v -e 'failed to get wasm-pack version' -e '^\s*$' >&2 || true
[ -f pkg/tools/eventsource_wasm_bg.wasm ] || { echo "build: wasm-pack produced no pkg/tools/" >&2; exit 1; }

# ---- The JavaScript engine (for pages whose CSP forbids WebAssembly) ------------------------
# The same crate and features, compiled without reference types and multi-value (wasm2js handles
# neither), so wasm-bindgen keeps JS objects in its JS-side heap instead of an externref table.
# The precompiled core library still declares those features in the `target_features` section,
# which wasm-bindgen reads to pick its mode: that section is dropped (the code uses neither).
# wasm-bindgen's bundler output imports the wasm as an ES module whose imports come from
# ./eventsource_wasm_bg.js; wasm2js writes exactly such a module, which takes its place.
w2j=target/wasm2js
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=-reference-types,-multivalue" \
  cargo build --quiet --lib --release --features bare --target wasm32-unknown-unknown --target-dir "$w2j"
rm -rf "$w2j/bindgen" && mkdir -p "$w2j/bindgen"
node -e '
  const fs = require("node:fs");
  const [input, output] = process.argv.slice(1);
  const b = fs.readFileSync(input);
  const leb = (i) => { let v = 0, s = 0, x; do { x = b[i++]; v += (x & 127) * 2 ** s; s += 7; } while (x & 128); return [v, i]; };
  const parts = [b.subarray(0, 8)];
  for (let i = 8; i < b.length;) {
    const start = i;
    const [size, body] = leb(i + 1);
    i = body + size;
    if (b[start] === 0) {
      const [n, name] = leb(body);
      if (b.subarray(name, name + n).toString() === "target_features") continue;
    }
    parts.push(b.subarray(start, i));
  }
  fs.writeFileSync(output, Buffer.concat(parts));
' "$w2j/wasm32-unknown-unknown/release/eventsource_wasm.wasm" "$w2j/eventsource_wasm.wasm"
wasm-bindgen --target bundler --no-typescript --out-dir "$w2j/bindgen" "$w2j/eventsource_wasm.wasm"
grep -q '^import \* as wasm from "./eventsource_wasm_bg.wasm";' "$w2j/bindgen/eventsource_wasm.js" \
  || { echo "build: wasm-bindgen's bundler glue no longer imports its .wasm the expected way" >&2; exit 1; }
# Optimise first, then lower what wasm2js cannot express (the optimiser may reintroduce it).
features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals)
wasm-opt "$w2j/bindgen/eventsource_wasm_bg.wasm" "${features[@]}" -Oz \
  --llvm-nontrapping-fptoint-lowering --signext-lowering --llvm-memory-copy-fill-lowering \
  -o "$w2j/bindgen/lowered.wasm"
wasm2js -Oz "$w2j/bindgen/lowered.wasm" -o "$w2j/bindgen/eventsource_wasm_bg.wasm.js"
sed -i 's|^import \* as wasm from "./eventsource_wasm_bg.wasm";|import * as wasm from "./eventsource_wasm_bg.wasm.js";|' "$w2j/bindgen/eventsource_wasm.js"
# A wasm memory that grows detaches its old buffer, and the glue renews its cached views when it
# sees a detached one; wasm2js's memory grows into a new buffer and leaves the old one intact, so
# the views must be renewed whenever the buffer is another one.
node -e '
  const fs = require("node:fs");
  const file = process.argv[1];
  const text = fs.readFileSync(file, "utf8");
  const caches = text.match(/^let cached\w+Memory0 = null;$/gm) || [];
  let n = 0;
  const out = text.replace(/if \((cached\w+Memory0) === null \|\| .*\) \{$/gm, (_, c) => (n++, `if (${c} === null || ${c}.buffer !== wasm.memory.buffer) {`));
  if (n === 0 || n !== caches.length) throw new Error(`${file}: renewed ${n} of ${caches.length} memory views`);
  fs.writeFileSync(file, out);
' "$w2j/bindgen/eventsource_wasm_bg.js"
printf '%s\n' "export { Source, liveResources } from './eventsource_wasm.js';" >"$w2j/bindgen/nowasm.js"

# ---- dist/ --------------------------------------------------------------------------------
# Built next to dist/ and swapped in at the end, so a server reading dist/ never sees half of it.
out=target/dist.next
rm -rf "$out" && mkdir -p "$out"
common=(--bundle --minify --legal-comments=none --target=es2022 --log-level=warning --log-override:empty-import-meta=silent)
esbuild js/index.js "${common[@]}" --format=esm --outfile="$out/index.js"
esbuild js/classic.js "${common[@]}" --format=iife --outfile="$out/eventsource.js"
esbuild "$w2j/bindgen/nowasm.js" "${common[@]}" --format=esm --outfile="$out/eventsource.nowasm.js"
# esbuild's minifier drops the comments that tell bundlers to leave the shim's one run-time
# import() alone (webpack would otherwise replace it by a stub that always rejects): put them back.
node -e '
  const fs = require("node:fs");
  for (const file of process.argv.slice(1)) {
    const text = fs.readFileSync(file, "utf8");
    let n = 0;
    const out = text.replace(/\bimport\(([A-Za-z_$][\w$]*)\)/g, (_, v) => (n++, `import(/* webpackIgnore: true */ /* @vite-ignore */ ${v})`));
    if (n !== 1) throw new Error(`${file}: expected one import(identifier), found ${n}`);
    fs.writeFileSync(file, out);
  }
' "$out/index.js" "$out/eventsource.js"
# A classic script is decoded as its page's encoding unless a charset says otherwise: keep it
# ASCII, so that no encoding changes it.
if LC_ALL=C grep -q '[^[:print:][:space:]]' "$out/eventsource.js" "$out/index.js"; then
  echo "build: the scripts must be ASCII" >&2; exit 1
fi
cp js/global.js "$out/global.js"
cp js/index.d.ts "$out/index.d.ts"
cp js/global.d.ts "$out/global.d.ts"
rm -rf target/dist.old
[ ! -d dist ] || mv dist target/dist.old
mv "$out" dist
rm -rf target/dist.old
node scripts/sizes.mjs
