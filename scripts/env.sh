# Sourced by the scripts: tool paths. wasm-opt must come from the npm `binaryen` package
# (Debian's binaryen 108 breaks current wasm-bindgen output), so node_modules/.bin goes first.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# wasm-bindgen-test: pick the drivers explicitly (the runner prefers geckodriver otherwise).
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || true)}"
export GECKODRIVER="${GECKODRIVER:-$(command -v geckodriver || true)}"
