#!/usr/bin/env bash
# Builds the size-tuned wasm engine (pkg/), then the package files (dist/):
#   dist/index.js      ES module: the class, no side effect (shim + wasm-bindgen glue, minified)
#   dist/global.js     ES module: installs the global where none exists
#   dist/eventsource.js classic script (IIFE): global where none exists + EventSourceWasm
#   dist/eventsource_wasm_bg.wasm, dist/*.d.ts
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"
wasm-pack --quiet build --target web --release --mode no-install --out-dir pkg --no-pack -- --features bare 2>&1 \
  | grep -v -e 'failed to get wasm-pack version' -e '^\s*$' >&2 || true
[ -f pkg/eventsource_wasm_bg.wasm ] || { echo "build: wasm-pack produced no pkg/" >&2; exit 1; }
# Bundlers (Vite, webpack) treat `new URL('./file', import.meta.url)` as an asset to copy.
sed -i "s|new URL('eventsource_wasm_bg.wasm', import.meta.url)|new URL('./eventsource_wasm_bg.wasm', import.meta.url)|" pkg/eventsource_wasm.js
grep -q "new URL('./eventsource_wasm_bg.wasm', import.meta.url)" pkg/eventsource_wasm.js \
  || { echo "build: the wasm-bindgen glue no longer names its .wasm the expected way" >&2; exit 1; }
rm -rf dist && mkdir -p dist
common=(--bundle --minify --legal-comments=none --target=es2022 --log-level=warning --log-override:empty-import-meta=silent)
esbuild js/index.js "${common[@]}" --format=esm --outfile=dist/index.js
esbuild js/classic.js "${common[@]}" --format=iife --outfile=dist/eventsource.js
cp js/global.js dist/global.js
cp pkg/eventsource_wasm_bg.wasm dist/
cp js/index.d.ts dist/index.d.ts
cp js/global.d.ts dist/global.d.ts
node scripts/sizes.mjs
