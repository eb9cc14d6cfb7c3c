#!/usr/bin/env bash
# Installs what the build and the tests need, skipping whatever is already there.
# Idempotent: a second run on a ready machine takes a few seconds.
# See ../shared/TOOLCHAIN.md for why each piece comes the way it does.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }
export PATH="$HOME/.cargo/bin:$PATH"

# The wasm-bindgen CLI must equal the crate version exactly: read it from Cargo.toml's pin.
WB_VERSION=$(sed -n 's/^wasm-bindgen = { *version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml | head -n1)
[ -n "$WB_VERSION" ] || { log "cannot read the wasm-bindgen pin from Cargo.toml"; exit 1; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || need_apt+=(firefox-esr)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]} (apt)"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v wasm-pack >/dev/null 2>&1; then
  log "installing wasm-pack (cargo; the npm package fetches from GitHub and fails here)"
  cargo install wasm-pack --locked --quiet
fi

if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
  log "installing wasm-bindgen-cli $WB_VERSION (matches the crate pin)"
  # Without --locked: with it, a dependency version is missing from the registry mirror.
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --force --quiet
fi

if ! command -v geckodriver >/dev/null 2>&1; then
  log "installing geckodriver (cargo)"
  cargo install geckodriver --locked --quiet
fi

# npm dev dependencies: binaryen (wasm-opt, wasm2js), playwright-core, benchmark peers.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dev dependencies"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
fi
log "ready"
