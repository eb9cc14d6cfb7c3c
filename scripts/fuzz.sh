#!/usr/bin/env bash
# Runs the parser fuzz target for a bounded time: scripts/fuzz.sh [seconds] (default 60).
# Needs the nightly toolchain (installed on these machines) and cargo-fuzz (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-60}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
mkdir -p corpus/parser
# Seed with a few real streams so the fuzzer starts from the grammar.
printf 'data: a\n\n' > corpus/parser/seed-lf
printf '\xEF\xBB\xBFid: 1\r\nevent: x\r\ndata: \xC3\xA9\r\n\r\n' > corpus/parser/seed-crlf
printf ': c\rretry: 10\rdata\r\r' > corpus/parser/seed-cr
exec cargo +nightly fuzz run parser corpus/parser -- -max_total_time="$seconds" -max_len=4096 -print_final_stats=1
