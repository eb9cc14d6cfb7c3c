#!/usr/bin/env bash
# Size profile of the release engine without touching pkg/: wasm-bindgen + wasm-opt -Oz into
# target/size/, then bytes per function (names kept). scripts/wasm-size.sh [top]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"
cargo build --quiet --target wasm32-unknown-unknown --release -p eventsource-wasm --features bare
rm -rf target/size && mkdir -p target/size
wasm-bindgen --target web --keep-debug --out-dir target/size target/wasm32-unknown-unknown/release/eventsource_wasm.wasm
features=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)
wasm-opt -Oz -g "${features[@]}" target/size/eventsource_wasm_bg.wasm -o target/size/named.wasm
wasm-opt -Oz --strip-debug "${features[@]}" target/size/eventsource_wasm_bg.wasm -o target/size/stripped.wasm
echo "stripped: $(wc -c < target/size/stripped.wasm) B, $(gzip -9c target/size/stripped.wasm | wc -c) B gzipped"
node scripts/wasm-profile.mjs target/size/named.wasm "${1:-25}"
