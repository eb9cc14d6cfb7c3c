#!/usr/bin/env bash
# Runs one fuzz target for a bounded time:
#   scripts/fuzz.sh [target] [seconds]      target: parser (default) or connection; seconds: 60
#   scripts/fuzz.sh [seconds]               the parser target (the old form)
# Needs the nightly toolchain (installed on these machines) and cargo-fuzz (installed if missing).
# Findings go to fuzz/artifacts/<target>/; the corpus grows in fuzz/corpus/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
target=parser
if [ $# -gt 0 ] && ! [[ "$1" =~ ^[0-9]+$ ]]; then
  target=$1
  shift
fi
seconds=${1:-60}
case "$target" in
  parser | connection) ;;
  *) echo "fuzz.sh: unknown target '$target' (parser, connection)" >&2; exit 2 ;;
esac
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: seconds must be a number, got '$seconds'" >&2; exit 2; }
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
mkdir -p "corpus/$target"
max_len=4096
if [ "$target" = parser ]; then
  # Seed with a few real streams so the fuzzer starts from the grammar.
  printf 'data: a\n\n' > corpus/parser/seed-lf
  printf '\xEF\xBB\xBFid: 1\r\nevent: x\r\ndata: \xC3\xA9\r\n\r\n' > corpus/parser/seed-crlf
  printf ': c\rretry: 10\rdata\r\r' > corpus/parser/seed-cr
else
  # Input sequences are decoded from bytes; a seed of each length class is enough.
  printf '\x01\x00\x01\x00\x00\x00\x00\x10\x00\x02\x01\x00\x05\x03\x00\x08\x00\x09' > corpus/connection/seed-a
  head -c 512 /dev/zero | tr '\0' '\x03' > corpus/connection/seed-b
  max_len=8192
fi
exec cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len="$max_len" -print_final_stats=1
