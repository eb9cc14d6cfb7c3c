#!/usr/bin/env bash
# `npm test`: every check and every test, in both browsers, ending with one summary line.
# Steps run in order and stop at the first that fails (a failed step is reported as such).
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$root"
log_dir="$root/target/test-logs"
mkdir -p "$log_dir"
rm -f "$log_dir"/*.log

passed=0
failed=0
step_no=0

# Adds up the "N passed; M failed" lines of cargo test, wasm-bindgen-test and node --test.
count() {
  local p f
  p=$(grep -hoE '^test result: [a-zA-Z]+\. [0-9]+ passed' "$1" | awk '{s+=$4} END {print s+0}')
  f=$(grep -hoE '^test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$1" | awk '{s+=$6} END {print s+0}')
  p=$((p + $(grep -hoE '^# pass [0-9]+' "$1" | awk '{s+=$3} END {print s+0}')))
  f=$((f + $(grep -hoE '^# fail [0-9]+' "$1" | awk '{s+=$3} END {print s+0}')))
  passed=$((passed + p))
  failed=$((failed + f))
}

step() {
  local name=$1
  shift
  step_no=$((step_no + 1))
  local log="$log_dir/$(printf '%02d' "$step_no")-${name// /-}.log"
  printf '\n=== %s\n' "$name"
  local start=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  count "$log"
  if [ "$rc" -ne 0 ]; then
    printf '=== %s: FAILED (exit %s, log %s)\n' "$name" "$rc" "$log"
    [ "$failed" -gt 0 ] || failed=1
    printf '\n%s passed, %s failed\n' "$passed" "$failed"
    exit 1
  fi
  printf '=== %s: ok (%ss)\n' "$name" "$((SECONDS - start))"
}

step "setup" bash scripts/setup.sh
step "cargo fmt" cargo fmt --all -- --check
step "clippy native" cargo clippy --workspace --all-targets --quiet -- -D warnings
step "clippy wasm" cargo clippy --target wasm32-unknown-unknown -p eventsource-wasm --all-targets --features tools --quiet -- -D warnings
step "clippy wasm bare" cargo clippy --target wasm32-unknown-unknown -p eventsource-wasm --lib --release --features bare --quiet -- -D warnings
step "native tests" cargo test --workspace
step "server build" cargo build --release --quiet -p eventsource-wasm-server

# The wasm tests of the transports talk to the reference server, on another origin than the
# test runner's page. It runs for the duration of that step only. The server answers CORS only
# for origins it knows, so the runner's page gets a fixed address (WASM_BINDGEN_TEST_ADDRESS,
# a port free a moment ago) and the server is told that origin (--allow-origin).
free_port() {
  node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })"
}
with_server() {
  local out="$log_dir/wasm-test-server.out"
  local runner_port
  runner_port=$(free_port) || { echo "no free port for the wasm test runner" >&2; return 1; }
  target/release/sse-server --port 0 --second-port 0 --test-routes --allow-origin "http://127.0.0.1:$runner_port" \
    >"$out" 2>"$log_dir/wasm-test-server.err" &
  local pid=$!
  local url=""
  for _ in $(seq 100); do
    url=$(sed -n 's/^READY \([^ ]*\) .*/\1/p' "$out")
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || { echo "the reference server did not start" >&2; kill "$pid"; return 1; }
  WASM_BINDGEN_TEST_ADDRESS="127.0.0.1:$runner_port" SSE_SERVER="$url" "$@"
  local rc=$?
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return $rc
}
# With the shipped build's allocator (lol_alloc; the harness brings std's panic handler). One run
# per browser, with only that browser's driver in the environment: given both, the test runner
# picks geckodriver for every run, and Chromium would never be tested.
wasm_tests() { # chrome|firefox
  local other=GECKODRIVER name=Chrome out="$log_dir/wasm-$1.out"
  [ "$1" = firefox ] && other=CHROMEDRIVER name=Firefox
  with_server env -u "$other" wasm-pack test --headless "--$1" --mode no-install -- --features tools,bare-alloc >"$out" 2>&1
  local rc=$?
  cat "$out"
  grep -q "headless tests in $name" "$out" || { echo "the wasm tests did not run in $name" >&2; return 1; }
  return $rc
}
step "wasm tests (Chromium)" wasm_tests chrome
step "wasm tests (Firefox)" wasm_tests firefox
step "build" bash scripts/build.sh
# The package in Node (global entry, events, reconnection, headers, close, the JavaScript engine)
# against the reference server.
step "node tests" node --test --test-concurrency=1 tests/node/
# Browser end-to-end tests: the demo, the packed tarball, the conformance suite, workers, a
# strict CSP (Chromium and Firefox, native EventSource removed). One file at a time: two cores,
# one browser at a time.
step "e2e tests (Chromium, Firefox)" node --test --test-concurrency=1 tests/e2e/

printf '\n%s passed, %s failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
