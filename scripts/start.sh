#!/usr/bin/env bash
# `npm start`: set up, build, and serve the live demo on 127.0.0.1 (PORT, default 8080).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh >/dev/null
cargo build --release --quiet -p eventsource-wasm-server
port="${PORT:-8080}"
state="$root/target/demo-state.journal"
# The server prints "READY <url> <second-origin>" once it listens; show the demo's URL.
exec target/release/sse-server --port "$port" --state-file "$state" | while IFS= read -r line; do
  case "$line" in
    READY\ *) set -- $line; echo "eventsource-wasm demo: $2/  (Ctrl-C to stop)" ;;
    *) echo "$line" ;;
  esac
done
