#!/usr/bin/env bash
# Whole-process figures for minutebook at a given size, beside the simplest peers on the same bytes.
# Usage: bench/compare.sh [EVENTS] [BODIES]      (defaults: 100000 events, 100 bodies)
# Prints a Markdown table; docs/performance.md records the runs and what limits each figure.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-100000}
BODIES=${2:-100}
WORK=$(mktemp -d /tmp/minutebook-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cargo build --release -q -p minutebook
MB=target/release/minutebook
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }

$MB generate --events "$EVENTS" --bodies "$BODIES" --seed 1 --out "$WORK/events.jsonl"
BYTES=$(stat -c %s "$WORK/events.jsonl")
export MINUTEBOOK_LEDGER="$WORK/ledger"
$MB init >/dev/null

t0=$(now); $MB append --batch-size 10000 "$WORK/events.jsonl" >/dev/null; t1=$(now)
APPEND=$(secs "$t0" "$t1")

t0=$(now); $MB verify >/dev/null; t1=$(now)
VERIFY=$(secs "$t0" "$t1")
$MB export --out "$WORK/export.jsonl" >/dev/null
EXPORT_BYTES=$(stat -c %s "$WORK/export.jsonl")
t0=$(now); sha256sum "$WORK/export.jsonl" >/dev/null; t1=$(now)
SHA=$(secs "$t0" "$t1")

# A cold query replays the log today (no snapshots yet): median of 5 runs.
times=()
for i in 1 2 3 4 5; do
  t0=$(now); $MB members b$((i * 7 % BODIES)) --at 2016-0$i-15 >/dev/null; t1=$(now)
  times+=("$(secs "$t0" "$t1")")
done
MEMBERS=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)

DISK=$(du -sb "$WORK/ledger" | cut -f1)

printf '| figure | value |\n|---|---|\n'
printf '| events | %d (%d bodies), %.1f MB of JSON Lines |\n' "$EVENTS" "$BODIES" "$(echo "$BYTES / 1000000" | bc -l)"
printf '| append --batch-size 10000 (durable) | %.0f events/s (%.1f s) |\n' "$(echo "$EVENTS / $APPEND" | bc -l)" "$APPEND"
printf '| verify | %.1f MB/s (%.2f s); sha256sum of the export: %.1f MB/s; ratio %.3f |\n' \
  "$(echo "$EXPORT_BYTES / 1000000 / $VERIFY" | bc -l)" "$VERIFY" "$(echo "$EXPORT_BYTES / 1000000 / $SHA" | bc -l)" "$(echo "$SHA / $VERIFY" | bc -l)"
printf '| members BODY --at D, cold CLI (median of 5) | %.0f ms (replays %d events: %.0f events/s) |\n' \
  "$(echo "$MEMBERS * 1000" | bc -l)" "$EVENTS" "$(echo "$EVENTS / $MEMBERS" | bc -l)"
printf '| bytes on disk per event | %.0f (%.2fx the export) |\n' "$(echo "$DISK / $EVENTS" | bc -l)" "$(echo "$DISK / $EXPORT_BYTES" | bc -l)"
