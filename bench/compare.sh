#!/usr/bin/env bash
# Whole-process figures for minutebook at a given size, beside peers on the same bytes, in one run.
# Usage: bench/compare.sh [EVENTS] [BODIES]      (defaults: 100000 events, 100 bodies)
#        BENCH_JSON=path bench/compare.sh ...    also writes a machine-readable summary to path
# Prints a Markdown table (figure | minutebook | peer | ratio); docs/performance.md records the runs
# and what limits each figure. Peers: raw sled and write+fdatasync (crates/bench), sha256sum and
# openssl, the Python eventsourcing library on SQLite and a SQLite valid-from/valid-to table
# (bench/peers). The only network use is the first run's pip install of bench/peers/requirements.txt
# into target/bench-venv, which later runs reuse.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_NUMERIC=C
EVENTS=${1:-100000}
BODIES=${2:-100}
SINGLE=5 # events held back from the bulk append and appended one process at a time
FSYNCS=200
QUERIES=1000
if [ "$EVENTS" -le $((SINGLE * 2)) ]; then
  echo "compare.sh: EVENTS must be more than $((SINGLE * 2))" >&2
  exit 2
fi
WORK=$(mktemp -d /tmp/minutebook-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cargo build --release -q -p minutebook -p minutebook-bench
BIN=${CARGO_TARGET_DIR:-target}/release
MB=$BIN/minutebook
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
calc() { echo "$1" | bc -l; }
# jget FILE KEY.PATH: one value out of a peer's JSON output.
jget() {
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$1" "$2"
}

# The Python peers' virtualenv, rebuilt only when the pinned requirements change.
VENV=target/bench-venv
PY=$VENV/bin/python
if ! cmp -s bench/peers/requirements.txt "$VENV/requirements.txt" 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r bench/peers/requirements.txt
  cp bench/peers/requirements.txt "$VENV/requirements.txt"
fi

$MB generate --events "$EVENTS" --bodies "$BODIES" --seed 1 --out "$WORK/events.jsonl"
BYTES=$(stat -c %s "$WORK/events.jsonl")
BULK=$((EVENTS - SINGLE))
head -n "$BULK" "$WORK/events.jsonl" >"$WORK/bulk.jsonl"
tail -n "$SINGLE" "$WORK/events.jsonl" | split -l 1 - "$WORK/single."
export MINUTEBOOK_LEDGER="$WORK/ledger"
$MB init >/dev/null

t0=$(now); $MB append --batch-size 10000 "$WORK/bulk.jsonl" >/dev/null; t1=$(now)
APPEND=$(secs "$t0" "$t1")
APPEND_RATE=$(calc "$BULK / $APPEND")

# One event per process, as a user appending one fact would (cold: it replays the log first).
times=()
for f in "$WORK"/single.*; do
  t0=$(now); $MB append "$f" >/dev/null; t1=$(now)
  times+=("$(secs "$t0" "$t1")")
done
SINGLE_APPEND=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)

t0=$(now); $MB verify >/dev/null; t1=$(now)
VERIFY=$(secs "$t0" "$t1")
$MB export --out "$WORK/export.jsonl" >/dev/null
EXPORT_BYTES=$(stat -c %s "$WORK/export.jsonl")
EXPORT_MB=$(calc "$EXPORT_BYTES / 1000000")
t0=$(now); sha256sum "$WORK/export.jsonl" >/dev/null; t1=$(now)
SHA=$(secs "$t0" "$t1")
t0=$(now); openssl dgst -sha256 "$WORK/export.jsonl" >/dev/null; t1=$(now)
OPENSSL=$(secs "$t0" "$t1")

# A cold query replays the log today (no snapshots yet): median of 5 runs. --json, so the as-of
# peer's answers can be checked against these.
times=()
checks=()
for i in 1 2 3 4 5; do
  body=b$((i * 7 % BODIES)) at=2016-0$i-15
  checks+=("$body:$at")
  t0=$(now); $MB members "$body" --at "$at" --json >"$WORK/members.$i.json"; t1=$(now)
  times+=("$(secs "$t0" "$t1")")
done
MEMBERS=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)

DISK=$(du -sb "$WORK/ledger" | cut -f1)

# Peers, on the exported bytes.
"$BIN/sled-raw" "$WORK/export.jsonl" "$WORK/sled-raw" >"$WORK/sled-raw.json"
SLED_DISK=$(du -sb "$WORK/sled-raw" | cut -f1)
"$BIN/fsync-append" "$WORK/export.jsonl" "$WORK/fsync.log" "$FSYNCS" >"$WORK/fsync.json"
"$PY" bench/peers/eventsourcing_peer.py "$WORK/export.jsonl" "$WORK/es.sqlite" 10000 >"$WORK/es.json"
"$PY" bench/peers/sqlite_asof.py "$WORK/export.jsonl" "$WORK/asof.sqlite" "$QUERIES" 1 "${checks[@]}" \
  >"$WORK/asof.json"

# The as-of peer must answer the same question: compare its persons with minutebook's members.
AGREE=0
for i in 1 2 3 4 5; do
  if python3 -c 'import json, sys
mb = sorted(m["person"] for m in json.load(open(sys.argv[1]))["members"])
peer = json.load(open(sys.argv[2]))["checks"][int(sys.argv[3])]["persons"]
sys.exit(mb != peer)' "$WORK/members.$i.json" "$WORK/asof.json" $((i - 1)); then
    AGREE=$((AGREE + 1))
  fi
done

SLED_RATE=$(jget "$WORK/sled-raw.json" events_per_s)
SLED_SECS=$(jget "$WORK/sled-raw.json" seconds)
FSYNC_P50=$(jget "$WORK/fsync.json" p50_us)
FSYNC_P99=$(jget "$WORK/fsync.json" p99_us)
ES_VERSION=$(jget "$WORK/es.json" eventsourcing)
ES_APPEND=$(jget "$WORK/es.json" append_events_per_s)
ES_APPEND_SECS=$(jget "$WORK/es.json" append_seconds)
ES_REPLAY_LOG=$(jget "$WORK/es.json" replay_log_events_per_s)
ES_REPLAY_AGG=$(jget "$WORK/es.json" replay_aggregates_events_per_s)
ES_STREAMS=$(jget "$WORK/es.json" streams)
ES_DISK=$(jget "$WORK/es.json" bytes_on_disk)
ES_SYNC=$(jget "$WORK/es.json" sqlite_synchronous)
SQLITE_VERSION=$(jget "$WORK/asof.json" sqlite)
ASOF_P50=$(jget "$WORK/asof.json" asof.p50_us)
ASOF_P99=$(jget "$WORK/asof.json" asof.p99_us)
ASOF_ROWS=$(jget "$WORK/asof.json" memberships)
SEL1_P50=$(jget "$WORK/asof.json" select1.p50_us)
SEL1_P99=$(jget "$WORK/asof.json" select1.p99_us)
OPENSSL_VERSION=$(openssl version | cut -d' ' -f1-2)

VERIFY_MBS=$(calc "$EXPORT_MB / $VERIFY")
SHA_MBS=$(calc "$EXPORT_MB / $SHA")
OPENSSL_MBS=$(calc "$EXPORT_MB / $OPENSSL")
MEMBERS_RATE=$(calc "$EVENTS / $MEMBERS")

printf '| figure | minutebook | peer | ratio |\n|---|---|---|---|\n'
printf '| events | %d (%d bodies), %.1f MB of JSON Lines; export %.1f MB | same export bytes | |\n' \
  "$EVENTS" "$BODIES" "$(calc "$BYTES / 1000000")" "$EXPORT_MB"
printf '| import: `append --batch-size 10000` of %d events (durable, whole process) vs raw sled 0.34.7, 1,000 inserts per `apply_batch`, one `flush` (in-process) | %.0f events/s (%.1f s) | %.0f events/s (%.2f s) | %.3f |\n' \
  "$BULK" "$APPEND_RATE" "$APPEND" "$SLED_RATE" "$SLED_SECS" "$(calc "$APPEND_RATE / $SLED_RATE")"
printf '| append vs eventsourcing %s on SQLite, one `save` per 10,000 events (%d aggregates, in-process) | %.0f events/s | %.0f events/s (%.1f s) | %.3f |\n' \
  "$ES_VERSION" "$ES_STREAMS" "$APPEND_RATE" "$ES_APPEND" "$ES_APPEND_SECS" "$(calc "$APPEND_RATE / $ES_APPEND")"
printf '| single durable append: `append` of one event (cold CLI, median of %d) vs `write`+`fdatasync` of one line (p50 of %d; p99) | %.0f ms | %.0f µs (p99 %.0f µs) | %.0f× the time |\n' \
  "$SINGLE" "$FSYNCS" "$(calc "$SINGLE_APPEND * 1000")" "$FSYNC_P50" "$FSYNC_P99" "$(calc "$SINGLE_APPEND * 1000000 / $FSYNC_P50")"
printf '| verify vs `sha256sum` of the export | %.1f MB/s (%.2f s) | %.1f MB/s | %.3f |\n' \
  "$VERIFY_MBS" "$VERIFY" "$SHA_MBS" "$(calc "$VERIFY_MBS / $SHA_MBS")"
printf '| verify vs `openssl dgst -sha256` of the export | %.1f MB/s | %.1f MB/s | %.3f |\n' \
  "$VERIFY_MBS" "$OPENSSL_MBS" "$(calc "$VERIFY_MBS / $OPENSSL_MBS")"
printf '| replay: eventsourcing reads every stored event back in order and decodes it | rebuild figure pending | %.0f events/s | pending |\n' \
  "$ES_REPLAY_LOG"
printf '| replay: eventsourcing reconstructs every aggregate (`repository.get`, no snapshots) | rebuild figure pending | %.0f events/s | pending |\n' \
  "$ES_REPLAY_AGG"
printf '| `members BODY --at D`: cold CLI, replays %d events (median of 5) vs SQLite valid-from/valid-to query, %d rows, in-process (p50 of %d; p99) | %.0f ms (%.0f events/s) | %.1f µs (p99 %.1f µs) | %.0f× the time |\n' \
  "$EVENTS" "$ASOF_ROWS" "$QUERIES" "$(calc "$MEMBERS * 1000")" "$MEMBERS_RATE" "$ASOF_P50" "$ASOF_P99" "$(calc "$MEMBERS * 1000000 / $ASOF_P50")"
printf '| the same 5 queries: SQLite persons equal minutebook members | | %d of 5 agree | |\n' "$AGREE"
printf '| Python call overhead: `SELECT 1` in-process (p50; p99) | | %.1f µs (p99 %.1f µs) | |\n' "$SEL1_P50" "$SEL1_P99"
printf '| bytes on disk per event vs raw sled | %.0f (%.2fx the export) | %.0f | %.2f |\n' \
  "$(calc "$DISK / $EVENTS")" "$(calc "$DISK / $EXPORT_BYTES")" "$(calc "$SLED_DISK / $EVENTS")" "$(calc "$DISK / $SLED_DISK")"
printf '| bytes on disk per event vs eventsourcing SQLite | %.0f | %.0f | %.2f |\n' \
  "$(calc "$DISK / $EVENTS")" "$(calc "$ES_DISK / $EVENTS")" "$(calc "$DISK / $ES_DISK")"
printf '\nratio = minutebook ÷ peer (for rates, below 1 means minutebook is slower); "× the time" = minutebook time ÷ peer time.\n'
printf 'Versions: sled 0.34.7, eventsourcing %s, SQLite %s (PRAGMA synchronous=%s, WAL), %s, %s.\n' \
  "$ES_VERSION" "$SQLITE_VERSION" "$ES_SYNC" "$OPENSSL_VERSION" "$(sha256sum --version | sed -n 1p)"

if [ -n "${BENCH_JSON:-}" ]; then
  python3 - "$WORK" "$BENCH_JSON" <<EOF
import json, sys
work, out = sys.argv[1], sys.argv[2]
peer = lambda name: json.load(open(f"{work}/{name}.json"))
summary = {
    "events": $EVENTS, "bodies": $BODIES, "jsonl_bytes": $BYTES, "export_bytes": $EXPORT_BYTES,
    "minutebook": {
        "append_events": $BULK, "append_seconds": $APPEND, "append_events_per_s": $APPEND_RATE,
        "single_append_seconds_median": $SINGLE_APPEND, "single_appends": $SINGLE,
        "verify_seconds": $VERIFY, "verify_mb_per_s": $VERIFY_MBS,
        "members_cold_seconds_median": $MEMBERS, "members_replay_events_per_s": $MEMBERS_RATE,
        "bytes_on_disk": $DISK,
    },
    "peers": {
        "sled_raw": dict(peer("sled-raw"), du_bytes=$SLED_DISK),
        "fsync_append": peer("fsync"),
        "sha256sum": {"seconds": $SHA, "mb_per_s": $SHA_MBS},
        "openssl_sha256": {"seconds": $OPENSSL, "mb_per_s": $OPENSSL_MBS, "version": "$OPENSSL_VERSION"},
        "eventsourcing_sqlite": peer("es"),
        "sqlite_asof": peer("asof"),
    },
    "ratios": {
        "append_vs_sled_raw": $APPEND_RATE / $SLED_RATE,
        "append_vs_eventsourcing": $APPEND_RATE / $ES_APPEND,
        "single_append_time_vs_fdatasync_p50": $SINGLE_APPEND * 1e6 / $FSYNC_P50,
        "verify_vs_sha256sum": $VERIFY_MBS / $SHA_MBS,
        "verify_vs_openssl": $VERIFY_MBS / $OPENSSL_MBS,
        "members_time_vs_sqlite_asof_p50": $MEMBERS * 1e6 / $ASOF_P50,
        "disk_vs_sled_raw": $DISK / $SLED_DISK,
        "disk_vs_eventsourcing": $DISK / $ES_DISK,
        "replay_vs_eventsourcing": None,
    },
    "asof_checks_agree": $AGREE,
}
json.dump(summary, open(out, "w"), indent=2)
EOF
fi
