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
INPROC=400 # events held back and appended one at a time by one process (crates/bench inprocess): half each checked afresh, half with the world carried
FSYNCS=200
QUERIES=1000
# The Python peer appends about 10,000 events/s and replays slower: above this many events it runs on
# the export's first PEER_MAX_EVENTS (its per-event rates are what the ratios use; the table says so).
PEER_MAX_EVENTS=${PEER_MAX_EVENTS:-1000000}
if [ "$EVENTS" -le $(((SINGLE + INPROC) * 2)) ]; then
  echo "compare.sh: EVENTS must be more than $(((SINGLE + INPROC) * 2))" >&2
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
BULK=$((EVENTS - SINGLE - INPROC))
head -n "$BULK" "$WORK/events.jsonl" >"$WORK/bulk.jsonl"
sed -n "$((BULK + 1)),$((BULK + SINGLE))p" "$WORK/events.jsonl" | split -l 1 - "$WORK/single."
sed -n "$((BULK + SINGLE + 1)),\$p" "$WORK/events.jsonl" >"$WORK/inproc.jsonl"
export MINUTEBOOK_LEDGER="$WORK/ledger"
$MB init >/dev/null

t0=$(now); $MB append --batch-size 10000 "$WORK/bulk.jsonl" >/dev/null; t1=$(now)
APPEND=$(secs "$t0" "$t1")
APPEND_RATE=$(calc "$BULK / $APPEND")
rm "$WORK/bulk.jsonl"

# One event per process, as a clerk recording one fact would (cold: open, check through the index,
# append, fsync).
times=()
for f in "$WORK"/single.*; do
  t0=$(now); $MB append "$f" >/dev/null; t1=$(now)
  times+=("$(secs "$t0" "$t1")")
done
SINGLE_APPEND=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)

t0=$(now); $MB verify >/dev/null; t1=$(now)
VERIFY=$(secs "$t0" "$t1")
t0=$(now); $MB verify --chain-only >/dev/null; t1=$(now)
VERIFY_CHAIN=$(secs "$t0" "$t1")
$MB export --out "$WORK/export.jsonl" >/dev/null
EXPORT_BYTES=$(stat -c %s "$WORK/export.jsonl")
EXPORT_MB=$(calc "$EXPORT_BYTES / 1000000")
t0=$(now); sha256sum "$WORK/export.jsonl" >/dev/null; t1=$(now)
SHA=$(secs "$t0" "$t1")
t0=$(now); openssl dgst -sha256 "$WORK/export.jsonl" >/dev/null; t1=$(now)
OPENSSL=$(secs "$t0" "$t1")

# Cold queries, one process each, answered through the topic index: median of 5 runs. --json, so
# the as-of peer's answers can be checked against these.
times=()
checks=()
for i in 1 2 3 4 5; do
  body=b$((i * 7 % BODIES)) at=2016-0$i-15
  checks+=("$body:$at")
  t0=$(now); $MB members "$body" --at "$at" --json >"$WORK/members.$i.json"; t1=$(now)
  times+=("$(secs "$t0" "$t1")")
done
MEMBERS=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)
times=()
for i in 1 2 3 4 5; do
  t0=$(now); $MB tor show b$((i * 11 % BODIES)) --at 2015-0$i-20 --json >/dev/null; t1=$(now)
  times+=("$(secs "$t0" "$t1")")
done
TOR=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 3p)

# A compliance review of one body over the generator's whole span (default pack), one process,
# through the topic index (docs/review.md): the events folded should follow the body's history, not
# the ledger's size.
REVIEW_BODY=b$((7 % BODIES))
t0=$(now)
$MB review "$REVIEW_BODY" --from 2006-01-01 --to 2025-12-31 --json >"$WORK/review.json"
t1=$(now)
REVIEW=$(secs "$t0" "$t1")
REVIEW_READ=$(jget "$WORK/review.json" events_read)
REVIEW_FINDINGS=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$WORK/review.json")

# In-process, the same questions at every size: asked of the first 100 bodies only, 10 a body
# at every size, where the run below asks 10 a body at 100k, one at 1M and one for every ten bodies
# at 10M (the first question on a body reads its pages into sled's cache; later ones find them
# there). Asked first: the rebuild below holds 14 GB at 10M, which pushes the database out of the
# operating system's page cache, and questions asked after it read sled's pages from the disk.
FIXED_BODIES=$((BODIES < 100 ? BODIES : 100))
: >"$WORK/none.jsonl"
"$BIN/inprocess" "$WORK/ledger" "$WORK/none.jsonl" "$QUERIES" "$FIXED_BODIES" 1 questions-only >"$WORK/inproc-fixed.json"
# In-process: as-of questions through the index at random bodies and on a world in memory, single
# durable appends through the checked write path, a full rebuild with its peak memory.
"$BIN/inprocess" "$WORK/ledger" "$WORK/inproc.jsonl" "$QUERIES" "$BODIES" 1 >"$WORK/inproc.json"

DISK=$(du -sb "$WORK/ledger" | cut -f1)

# Peers, on the exported bytes.
"$BIN/sled-raw" "$WORK/export.jsonl" "$WORK/sled-raw" >"$WORK/sled-raw.json"
SLED_DISK=$(du -sb "$WORK/sled-raw" | cut -f1)
"$BIN/fsync-append" "$WORK/export.jsonl" "$WORK/fsync.log" "$FSYNCS" >"$WORK/fsync.json"
ES_INPUT=$WORK/export.jsonl
if [ "$EVENTS" -gt "$PEER_MAX_EVENTS" ]; then
  ES_INPUT=$WORK/export-head.jsonl
  head -n "$PEER_MAX_EVENTS" "$WORK/export.jsonl" >"$ES_INPUT"
fi
"$PY" bench/peers/eventsourcing_peer.py "$ES_INPUT" "$WORK/es.sqlite" 10000 >"$WORK/es.json"
ES_EVENTS=$(jget "$WORK/es.json" events)
rm -f "$WORK/export-head.jsonl"
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
ES_DISK_PER_EVENT=$(calc "$ES_DISK / $ES_EVENTS")
ES_SYNC=$(jget "$WORK/es.json" sqlite_synchronous)
SQLITE_VERSION=$(jget "$WORK/asof.json" sqlite)
ASOF_P50=$(jget "$WORK/asof.json" asof.p50_us)
ASOF_P99=$(jget "$WORK/asof.json" asof.p99_us)
ASOF_ROWS=$(jget "$WORK/asof.json" memberships)
SEL1_P50=$(jget "$WORK/asof.json" select1.p50_us)
SEL1_P99=$(jget "$WORK/asof.json" select1.p99_us)
OPENSSL_VERSION=$(openssl version | cut -d' ' -f1-2)

VERIFY_MBS=$(calc "$EXPORT_MB / $VERIFY")
VERIFY_CHAIN_MBS=$(calc "$EXPORT_MB / $VERIFY_CHAIN")
SHA_MBS=$(calc "$EXPORT_MB / $SHA")
OPENSSL_MBS=$(calc "$EXPORT_MB / $OPENSSL")

IP=$WORK/inproc.json
REBUILD_RATE=$(jget "$IP" rebuild.events_per_s)
REBUILD_SECS=$(jget "$IP" rebuild.seconds)
REBUILD_PEAK=$(jget "$IP" rebuild.peak_rss_mib)
APPEND1_P50=$(jget "$IP" single_append_us.p50)
APPEND1_P99=$(jget "$IP" single_append_us.p99)
APPENDC_P50=$(jget "$IP" single_append_carried_us.p50)
APPENDC_P99=$(jget "$IP" single_append_carried_us.p99)
MIDX_P50=$(jget "$IP" members_index_us.p50)
MIDX_P99=$(jget "$IP" members_index_us.p99)
MMEM_P50=$(jget "$IP" members_memory_us.p50)
MMEM_P99=$(jget "$IP" members_memory_us.p99)
TIDX_P50=$(jget "$IP" tor_index_us.p50)
TIDX_P99=$(jget "$IP" tor_index_us.p99)
TMEM_P50=$(jget "$IP" tor_memory_us.p50)
TMEM_P99=$(jget "$IP" tor_memory_us.p99)
OPEN_MS=$(jget "$IP" open_ms)
IPF=$WORK/inproc-fixed.json
MFIX_P50=$(jget "$IPF" members_index_us.p50)
MFIX_P99=$(jget "$IPF" members_index_us.p99)
TFIX_P50=$(jget "$IPF" tor_index_us.p50)
TFIX_P99=$(jget "$IPF" tor_index_us.p99)

printf '| figure | minutebook | peer | ratio | target |\n|---|---|---|---|---|\n'
printf '| events | %d (%d bodies), %.1f MB of JSON Lines; export %.1f MB | same export bytes | | |\n' \
  "$EVENTS" "$BODIES" "$(calc "$BYTES / 1000000")" "$EXPORT_MB"
printf '| bulk import: `append --batch-size 10000` of %d events (checked, indexed, durable; whole process) vs raw sled 0.34.7 inserts of the same bytes, 1,000 per batch, one flush | %.0f events/s (%.1f s) | %.0f events/s (%.2f s) | %.3f | >= 3 |\n' \
  "$BULK" "$APPEND_RATE" "$APPEND" "$SLED_RATE" "$SLED_SECS" "$(calc "$APPEND_RATE / $SLED_RATE")"
printf '| bulk import vs eventsourcing %s on SQLite, one `save` per 10,000 events (%d aggregates) | %.0f events/s | %.0f events/s (%.1f s) | %.2f | >= 10 |\n' \
  "$ES_VERSION" "$ES_STREAMS" "$APPEND_RATE" "$ES_APPEND" "$ES_APPEND_SECS" "$(calc "$APPEND_RATE / $ES_APPEND")"
printf '| single durable append, one process appending %d events one at a time (each checked through the index afresh, as a CLI process would; append, fsync): p50 (p99) vs `write`+`fdatasync` of one line, p50 (p99) of %d | %.0f µs (%.0f µs) | %.0f µs (%.0f µs) | %.1f× the time | <= 1.5× |\n' \
  "$((INPROC / 2))" "$FSYNCS" "$APPEND1_P50" "$APPEND1_P99" "$FSYNC_P50" "$FSYNC_P99" "$(calc "$APPEND1_P50 / $FSYNC_P50")"
printf '| single durable append, the same process appending %d more with the partial world its checks loaded carried from one append to the next (a long-running writer): p50 (p99) vs the same `write`+`fdatasync` | %.0f µs (%.0f µs) | %.0f µs (%.0f µs) | %.1f× the time | <= 1.5× |\n' \
  "$((INPROC / 2))" "$APPENDC_P50" "$APPENDC_P99" "$FSYNC_P50" "$FSYNC_P99" "$(calc "$APPENDC_P50 / $FSYNC_P50")"
printf '| single append, cold CLI: `minutebook append` of one event (median of %d processes) | %.0f ms | | | |\n' \
  "$SINGLE" "$(calc "$SINGLE_APPEND * 1000")"
printf '| full rebuild: replay of every event into the world (in-process), peak RSS vs eventsourcing reading back every event / reconstructing every aggregate | %.0f events/s (%.1f s, peak %.0f MiB) | %.0f / %.0f events/s | %.1f / %.1f | >= 1,000,000 events/s; >= 10 |\n' \
  "$REBUILD_RATE" "$REBUILD_SECS" "$REBUILD_PEAK" "$ES_REPLAY_LOG" "$ES_REPLAY_AGG" "$(calc "$REBUILD_RATE / $ES_REPLAY_LOG")" "$(calc "$REBUILD_RATE / $ES_REPLAY_AGG")"
printf '| `members` + seats at a random date, in-process through the index, p50 (p99) of %d vs SQLite valid-from/valid-to (%d rows, indexed) p50 (p99) | %.0f µs (%.0f µs) | %.1f µs (%.1f µs) | %.2f (p99 peer ÷ p99 ours) | >= 10 |\n' \
  "$QUERIES" "$ASOF_ROWS" "$MIDX_P50" "$MIDX_P99" "$ASOF_P50" "$ASOF_P99" "$(calc "$ASOF_P99 / $MIDX_P99")"
printf '| `members` + seats on a world held in memory (after the rebuild), p50 (p99) vs the same SQLite figure | %.1f µs (%.1f µs) | %.1f µs (%.1f µs) | %.2f (p99 peer ÷ p99 ours) | |\n' \
  "$MMEM_P50" "$MMEM_P99" "$ASOF_P50" "$ASOF_P99" "$(calc "$ASOF_P99 / $MMEM_P99")"
printf '| `tor show` at a random date, in-process: through the index p50 (p99); in memory p50 (p99) | %.0f µs (%.0f µs); %.1f µs (%.1f µs) | | | |\n' \
  "$TIDX_P50" "$TIDX_P99" "$TMEM_P50" "$TMEM_P99"
printf '| the same workload at every size: %d `members` + seats, then %d `tor show`, at random dates on the first %d bodies (%d a body), in a fresh process, through the index: p50 (p99) | %.0f µs (%.0f µs); %.0f µs (%.0f µs) | | | p99 flat (<= 1.5x from 100k to 10M) |\n' \
  "$QUERIES" "$QUERIES" "$FIXED_BODIES" "$((QUERIES / FIXED_BODIES))" "$MFIX_P50" "$MFIX_P99" "$TFIX_P50" "$TFIX_P99"
printf '| cold CLI, one process each (median of 5): `members BODY --at D --json`; `tor show BODY --at D --json` | %.0f ms; %.0f ms | | | < 50 ms at 10M |\n' \
  "$(calc "$MEMBERS * 1000")" "$(calc "$TOR * 1000")"
printf '| compliance review, cold CLI: `review %s --from 2006-01-01 --to 2025-12-31 --json` (default pack, through the index) | %.2f s (%d events folded, %d findings) | | | |\n' \
  "$REVIEW_BODY" "$REVIEW" "$REVIEW_READ" "$REVIEW_FINDINGS"
printf '| opening the ledger and its index, in-process | %.0f ms | | | |\n' "$OPEN_MS"
printf '| the 5 cold `members` answers: SQLite persons equal minutebook members | | %d of 5 agree | | |\n' "$AGREE"
printf '| Python call overhead: `SELECT 1` in-process (p50; p99) | | %.1f µs (p99 %.1f µs) | | |\n' "$SEL1_P50" "$SEL1_P99"
printf '| verify vs `sha256sum` of the export | %.1f MB/s (%.2f s) | %.1f MB/s | %.3f | |\n' \
  "$VERIFY_MBS" "$VERIFY" "$SHA_MBS" "$(calc "$VERIFY_MBS / $SHA_MBS")"
printf '| verify vs `openssl dgst -sha256` of the export | %.1f MB/s | %.1f MB/s | %.3f | >= 0.8 |\n' \
  "$VERIFY_MBS" "$OPENSSL_MBS" "$(calc "$VERIFY_MBS / $OPENSSL_MBS")"
printf '| `verify --chain-only` vs `openssl dgst -sha256` | %.1f MB/s (%.2f s) | %.1f MB/s | %.3f | >= 0.8 |\n' \
  "$VERIFY_CHAIN_MBS" "$VERIFY_CHAIN" "$OPENSSL_MBS" "$(calc "$VERIFY_CHAIN_MBS / $OPENSSL_MBS")"
printf '| bytes on disk per event vs the JSON Lines export | %.0f | %.0f | %.2f | <= 1.2 |\n' \
  "$(calc "$DISK / $EVENTS")" "$(calc "$EXPORT_BYTES / $EVENTS")" "$(calc "$DISK / $EXPORT_BYTES")"
printf '| bytes on disk per event vs raw sled; vs eventsourcing SQLite | %.0f | %.0f; %.0f | %.2f; %.2f | |\n' \
  "$(calc "$DISK / $EVENTS")" "$(calc "$SLED_DISK / $EVENTS")" "$ES_DISK_PER_EVENT" "$(calc "$DISK / $SLED_DISK")" "$(calc "$DISK / $EVENTS / $ES_DISK_PER_EVENT")"
printf '\nratio = minutebook ÷ peer for rates (below 1: minutebook is slower); "× the time" = minutebook time ÷ peer time.\n'
printf 'Bytes on disk are measured after the bulk import, the %d single CLI appends and the %d in-process ones (the export, taken before the in-process appends, holds %d events fewer: the ratio to it is high by that share).\n' "$SINGLE" "$INPROC" "$INPROC"
printf 'The eventsourcing peer ran on %d events (the first %d of the export when the run is larger).\n' "$ES_EVENTS" "$PEER_MAX_EVENTS"
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
        "verify_chain_seconds": $VERIFY_CHAIN, "verify_chain_mb_per_s": $VERIFY_CHAIN_MBS,
        "members_cold_seconds_median": $MEMBERS, "tor_cold_seconds_median": $TOR,
        "review_cold_seconds": $REVIEW, "review_events_read": $REVIEW_READ,
        "review_findings": $REVIEW_FINDINGS,
        "inprocess": json.load(open(f"{work}/inproc.json")),
        "inprocess_fixed_bodies": dict(json.load(open(f"{work}/inproc-fixed.json")), bodies=$FIXED_BODIES),
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
        "verify_chain_vs_openssl": $VERIFY_CHAIN_MBS / $OPENSSL_MBS,
        "members_index_p99_vs_sqlite_asof_p99": $ASOF_P99 / $MIDX_P99,
        "single_append_inprocess_p50_vs_fdatasync_p50": $APPEND1_P50 / $FSYNC_P50,
        "single_append_carried_p50_vs_fdatasync_p50": $APPENDC_P50 / $FSYNC_P50,
        "disk_vs_sled_raw": $DISK / $SLED_DISK,
        "disk_vs_eventsourcing": $DISK / $EVENTS / $ES_DISK_PER_EVENT,
        "rebuild_vs_eventsourcing_read_back": $REBUILD_RATE / $ES_REPLAY_LOG,
        "rebuild_vs_eventsourcing_aggregates": $REBUILD_RATE / $ES_REPLAY_AGG,
        "disk_vs_export": $DISK / $EXPORT_BYTES,
    },
    "asof_checks_agree": $AGREE,
}
json.dump(summary, open(out, "w"), indent=2)
EOF
fi
