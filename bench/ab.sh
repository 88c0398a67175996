#!/usr/bin/env bash
# A/B: the binaries of a base revision and of the working tree on the same generated events, run
# alternately, so that a change is measured against the machine's drift rather than across runs.
# Usage: bench/ab.sh BASE [EVENTS] [BODIES] [RUNS]     (defaults: 100000 events, 100 bodies, 3 runs)
#   BASE: a git revision (the binary before the change). AB_DIR (default /tmp/minutebook-ab) keeps
#   a worktree of BASE and its build, the events and both ledgers, so a second run rebuilds only
#   what changed (`git worktree remove --force $AB_DIR/src` when done).
# The events are the first EVENTS of a generated history of EVENTS + 200 × RUNS, the rest held back
# for single appends. Each binary imports them (`append --batch-size 10000`) into its own ledger;
# then, RUNS times, each in turn (base first on odd runs, new first on even ones) runs `verify --chain-only`, `verify`, a cold `members` and `tor show` (body b7
# on 2016-01-15) and crates/bench `inprocess` (1,000 questions of each kind, 200 single appends of
# events held back for that run, a rebuild; since 2026-12-03 `inprocess` checks the first half of
# them afresh and carries its world through the second, so a base binary older than that times 200
# fresh appends where the new one times 100 and 100). One line per binary and run; docs/performance.md
# records such runs.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_NUMERIC=C
BASE=${1:?usage: bench/ab.sh BASE [EVENTS] [BODIES] [RUNS]}
EVENTS=${2:-100000}
BODIES=${3:-100}
RUNS=${4:-3}
HELD=200
BODY=b$((7 % BODIES)) # the body of the cold questions (the generator names bodies b0, b1, ...)
AB=${AB_DIR:-/tmp/minutebook-ab}
mkdir -p "$AB"
BASE_REV=$(git rev-parse --verify "$BASE^{commit}")

# The base binaries, built in a worktree of their own with their own target directory.
# (A worktree whose directory was removed is still registered until pruned.)
git worktree prune
if [ ! -d "$AB/src" ]; then
  git worktree add -q --detach "$AB/src" "$BASE_REV"
fi
git -C "$AB/src" checkout -q -f --detach "$BASE_REV"
CARGO_TARGET_DIR="$AB/target" cargo build --release -q --manifest-path "$AB/src/Cargo.toml" \
  -p minutebook -p minutebook-bench
cargo build --release -q -p minutebook -p minutebook-bench
bin() {
  case $1 in
    base) echo "$AB/target/release" ;;
    new) echo "${CARGO_TARGET_DIR:-$PWD/target}/release" ;;
  esac
}

TOTAL=$((EVENTS + RUNS * HELD))
EV="$AB/events-$TOTAL-$BODIES.jsonl"
if [ ! -s "$EV" ]; then
  "$(bin new)/minutebook" generate --events "$TOTAL" --bodies "$BODIES" --seed 1 --out "$EV.tmp"
  mv "$EV.tmp" "$EV"
fi
head -n "$EVENTS" "$EV" >"$AB/bulk.jsonl"
for r in $(seq 1 "$RUNS"); do
  sed -n "$((EVENTS + (r - 1) * HELD + 1)),$((EVENTS + r * HELD))p" "$EV" >"$AB/held.$r.jsonl"
done

# secs CMD...: the seconds CMD took (to the millisecond); its output is dropped, and if it fails
# its error output is shown and the script stops.
secs() {
  local t0 t1
  t0=$(date +%s.%N)
  if ! "$@" >/dev/null 2>"$AB/stderr"; then
    echo "ab.sh: $* failed:" >&2
    cat "$AB/stderr" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l | xargs printf '%.3f'
}
for v in base new; do
  L="$AB/ledger-$v"
  rm -rf "$L"
  "$(bin $v)/minutebook" --ledger "$L" init >/dev/null
  t=$(secs "$(bin $v)/minutebook" --ledger "$L" append --batch-size 10000 "$AB/bulk.jsonl")
  echo "$v: import ${t} s, $(du -sb "$L" | cut -f1) bytes on disk"
done
for r in $(seq 1 "$RUNS"); do
  order="base new"
  if [ $((r % 2)) -eq 0 ]; then order="new base"; fi
  for v in $order; do
    B=$(bin $v)
    export MINUTEBOOK_LEDGER="$AB/ledger-$v"
    chain=$(secs "$B/minutebook" verify --chain-only)
    full=$(secs "$B/minutebook" verify)
    members=$(secs "$B/minutebook" members "$BODY" --at 2016-01-15 --json)
    tor=$(secs "$B/minutebook" tor show "$BODY" --at 2016-01-15 --json)
    "$B/inprocess" "$MINUTEBOOK_LEDGER" "$AB/held.$r.jsonl" 1000 "$BODIES" "$r" >"$AB/inprocess.$v.$r.json"
    python3 - "$AB/inprocess.$v.$r.json" "$v" "$r" "$chain" "$full" "$members" "$tor" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
v, r, chain, full, members, tor = sys.argv[2:]
p = lambda k: f"{d[k]['p50']:.0f} / {d[k]['p99']:.0f}"
print(f"{v} run {r}: verify --chain-only {chain} s, verify {full} s, cold members {members} s, "
      f"cold tor show {tor} s, open {d['open_ms']:.0f} ms; p50 / p99 µs: members {p('members_index_us')}, "
      f"tor show {p('tor_index_us')}, single append {p('single_append_us')}"
      + (f", carried {p('single_append_carried_us')}" if 'single_append_carried_us' in d else "")
      + "; "
      f"rebuild {d['rebuild']['events_per_s']:.0f} events/s, peak {d['rebuild']['peak_rss_mib']:.0f} MiB")
PY
  done
done
for v in base new; do
  echo "$v: $(du -sb "$AB/ledger-$v" | cut -f1) bytes on disk after the runs"
done
