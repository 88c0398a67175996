#!/usr/bin/env python3
"""Peer for minutebook's append and replay: the Python `eventsourcing` library on SQLite.

Usage: eventsourcing_peer.py EXPORT DBFILE [BATCH]

EXPORT is a minutebook export (JSON Lines {"seq","chain","event"}); DBFILE is a new SQLite file
(PERSISTENCE_MODULE=eventsourcing.sqlite, SQLITE_DBNAME=DBFILE). Prints one JSON object.

What is stored: every `event` object of the export becomes one `Stream.Recorded` domain event whose
`event` attribute is the parsed JSON object, so the library's JSON transcoder re-encodes it (as
minutebook re-encodes and checks each event).

Aggregates, as the library's idiom wants: one `Stream` aggregate per body. An event that names a body
(`data.body`) goes to that body's stream; one that names only a membership, a meeting, a resolution or
an action goes to the body it was recorded under; a retraction goes to the stream of the event it
supersedes; everything else (people, funds, funding) goes to one "registry" stream. Each stream also
stores its own `Opened` event, so the store holds a few more events than the export.

Batching (to be fair to the library): events are appended BATCH at a time (default 10,000, the same as
`minutebook append --batch-size 10000`); each batch is one `Application.save(*aggregates)` call, which
the library writes as one SQLite transaction (one commit, in WAL mode at SQLite's default
synchronous level, printed as `sqlite_synchronous`). Aggregates stay in memory between batches, so
no aggregate is re-read to append to it.

Timed: append = constructing the application, parsing each line's JSON, routing and saving (reading
the file into memory is not timed). Replay is measured twice on a fresh application object:
`replay_log` reads every stored event back in log order (recorder.select_notifications, 1,000 at a
time) and maps each to its domain event; `replay_aggregates` reconstructs every aggregate from its
events with repository.get (no cache, no snapshots).
"""

import json
import os
import sqlite3
import sys
import time
from importlib.metadata import version
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Stream(Aggregate):
    """The events of one body (or the registry), counted as they are replayed."""

    @staticmethod
    def create_id(key: str) -> UUID:
        return uuid5(NAMESPACE_URL, "minutebook-stream:" + key)

    @event("Opened")
    def __init__(self, key: str):
        self.key = key
        self.count = 0
        self.last_effective = None

    @event("Recorded")
    def record(self, event: dict):
        self.count += 1
        self.last_effective = event.get("effective")


class Ledger(Application):
    pass


def stream_of(ev, body_of):
    """The stream key an event goes to; updates the lookup maps in body_of."""
    data = ev.get("data", {})
    t = ev.get("type")
    body = data.get("body")
    if body is None:
        for key in ("membership", "meeting", "resolution", "action"):
            if key in data:
                body = body_of.get((key, data[key]))
                if body is not None:
                    break
    if body is None and t == "action_assigned":
        body = body_of.get(("resolution", data.get("resolution")))
    if body is None:
        for sup in ev.get("supersedes", ()):
            body = body_of.get(("id", sup))
            if body is not None:
                break
    key = body if body is not None else "registry"
    # Remember where later events naming these keys belong.
    for name in ("membership", "meeting", "resolution", "action"):
        if name in data and (name, data[name]) not in body_of:
            body_of[(name, data[name])] = key
    body_of[("id", ev.get("id"))] = key
    return key


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.split("\n\n")[1])
    export, dbfile = sys.argv[1], sys.argv[2]
    batch = int(sys.argv[3]) if len(sys.argv) == 4 else 10_000
    if os.path.exists(dbfile):
        sys.exit(f"{dbfile} exists: the peer wants a new database")
    with open(export, "rb") as f:
        lines = [line for line in f.read().split(b"\n") if line]
    os.environ["PERSISTENCE_MODULE"] = "eventsourcing.sqlite"
    os.environ["SQLITE_DBNAME"] = dbfile

    t0 = time.perf_counter()
    app = Ledger()
    streams = {}
    body_of = {}
    for start in range(0, len(lines), batch):
        touched = {}
        for line in lines[start : start + batch]:
            ev = json.loads(line)["event"]
            key = stream_of(ev, body_of)
            agg = streams.get(key)
            if agg is None:
                agg = streams[key] = Stream(key)
            agg.record(ev)
            touched[key] = agg
        app.save(*touched.values())
    append_s = time.perf_counter() - t0
    n = len(lines)
    stored = n + len(streams)
    del app

    # Replay 1: read the whole log back in order, decoding each stored event.
    t0 = time.perf_counter()
    app = Ledger()
    seen = 0
    start = 1
    while True:
        notes = app.recorder.select_notifications(start=start, limit=1000)
        if not notes:
            break
        for note in notes:
            app.mapper.to_domain_event(note)
        seen += len(notes)
        start = notes[-1].id + 1
    replay_log_s = time.perf_counter() - t0
    if seen != stored:
        sys.exit(f"replay read {seen} events, {stored} were stored")
    del app

    # Replay 2: reconstruct every aggregate from its events.
    t0 = time.perf_counter()
    app = Ledger()
    folded = 0
    for key in streams:
        agg = app.repository.get(Stream.create_id(key))
        folded += agg.count
    replay_agg_s = time.perf_counter() - t0
    if folded != n:
        sys.exit(f"aggregates hold {folded} events, {n} were appended")
    del app

    sync = sqlite3.connect(dbfile).execute("PRAGMA synchronous").fetchone()[0]
    print(
        json.dumps(
            {
                "eventsourcing": version("eventsourcing"),
                "sqlite": sqlite3.sqlite_version,
                "sqlite_synchronous": sync,
                "events": n,
                "streams": len(streams),
                "stored_events": stored,
                "batch": batch,
                "append_seconds": append_s,
                "append_events_per_s": n / append_s,
                "replay_log_seconds": replay_log_s,
                "replay_log_events_per_s": stored / replay_log_s,
                "replay_aggregates_seconds": replay_agg_s,
                "replay_aggregates_events_per_s": stored / replay_agg_s,
                "bytes_on_disk": sum(
                    os.path.getsize(p)
                    for p in (dbfile, dbfile + "-wal", dbfile + "-shm")
                    if os.path.exists(p)
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
