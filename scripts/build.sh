#!/usr/bin/env bash
# Builds the size-tuned wasm engine (pkg/; pkg/tools/ adds StreamParser), its JavaScript twin
# (target/wasm2js/), then the package files (dist/). The wasm travels inside the engine's
# JavaScript, deflated (pkg/eventsource_wasm_bytes.js, see scripts/wasm-string.mjs).
#   dist/index.js              ES module: the class, no side effect; loads engine.js (or
#                              engine.nowasm.js) the first time a source is made
#   dist/global.js             ES module: installs the global where none exists, and
#                              fromReadableStream on a native one that lacks it
#   dist/eventsource.js        classic script (IIFE) for pages and classic workers: as global.js,
#                              plus EventSourceWasm; loads the engine as index.js does
#   dist/eventsource.full.js   the classic script with the engine inside (classic service workers)
#   dist/engine.js             ES module: the engine (wasm inside, and the page's side of it);
#                              importing it up front registers it (module service workers)
#   dist/engine.nowasm.js      ES module: the same engine as JavaScript (binaryen wasm2js), loaded
#                              instead where WebAssembly may not be compiled (CSP)
#   dist/*.d.ts
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"

# wasm: cargo, then wasm-bindgen (its glue without the default `new URL('….wasm',
# import.meta.url)`: the engine hands it the bytes, and bundlers must not copy a file for it),
# then wasm-opt (binaryen from npm: Debian's is too old, see TOOLCHAIN.md).
wasm_features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)
build_wasm() { # features out-dir
  cargo build --quiet --lib --release --target wasm32-unknown-unknown --features "$1"
  rm -rf "$2" && mkdir -p "$2"
  wasm-bindgen --target web --omit-default-module-path --no-typescript --out-dir "$2" \
    target/wasm32-unknown-unknown/release/eventsource_wasm.wasm
  wasm-opt "$2/eventsource_wasm_bg.wasm" "${wasm_features[@]}" -Oz -o "$2/eventsource_wasm_bg.wasm"
}
build_wasm bare pkg
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
build_wasm bare,tools pkg/tools

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
engines=(--external:./engine.js --external:./engine.nowasm.js)
esbuild js/index.js "${common[@]}" "${engines[@]}" --format=esm --outfile="$out/index.js"
esbuild js/global.js "${common[@]}" --external:./index.js --format=esm --outfile="$out/global.js"
# The classic scripts: ES module output (they have no import or export left) wrapped in a
# function, rather than esbuild's iife format, which adds a CommonJS shim (0.3 KB gzipped) for
# the engine's import() that is never used.
classic=(--format=esm '--banner:js=(()=>{' '--footer:js=})();')
esbuild js/classic.js "${common[@]}" "${engines[@]}" "${classic[@]}" --outfile="$out/eventsource.js"
esbuild js/full.js "${common[@]}" --external:./engine.nowasm.js "${classic[@]}" --outfile="$out/eventsource.full.js"
for f in eventsource.js eventsource.full.js; do
  node -e 'new Function(require("node:fs").readFileSync(process.argv[1], "utf8"))' "$out/$f" \
    || { echo "build: $f is not a classic script" >&2; exit 1; }
done
esbuild js/engine.js "${common[@]}" --format=esm --outfile="$out/engine.js"
esbuild js/engine.nowasm.js "${common[@]}" --format=esm --outfile="$out/engine.nowasm.js"
for f in index.js eventsource.js; do
  grep -q 'import("./engine.js")' "$out/$f" && grep -q 'import("./engine.nowasm.js")' "$out/$f" \
    || { echo "build: $f does not load its engine with import(\"./engine.js\")" >&2; exit 1; }
done
# A classic script is decoded as its page's encoding unless a charset says otherwise: keep
# everything ASCII, so that no encoding changes it.
if LC_ALL=C grep -q '[^[:print:][:space:]]' "$out"/*.js; then
  echo "build: the scripts must be ASCII" >&2; exit 1
fi
cp js/index.d.ts js/global.d.ts "$out/"
rm -rf target/dist.old
[ ! -d dist ] || mv dist target/dist.old
mv "$out" dist
rm -rf target/dist.old
node scripts/sizes.mjs
