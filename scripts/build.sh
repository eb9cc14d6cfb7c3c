#!/usr/bin/env bash
# Builds the size-tuned wasm engine and its JS glue into pkg/, then reports gzipped sizes.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"
wasm-pack --quiet build --target web --release --mode no-install --out-dir pkg --no-pack -- --features bare 2>&1 \
  | grep -v -e 'failed to get wasm-pack version' -e '^\s*$' >&2 || true
[ -f pkg/eventsource_wasm_bg.wasm ] || { echo "build: wasm-pack produced no pkg/" >&2; exit 1; }
node scripts/sizes.mjs
