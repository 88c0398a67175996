#!/usr/bin/env python3
"""Peer for minutebook's as-of membership query: a plain valid-from/valid-to table in SQLite.

Usage: sqlite_asof.py EXPORT DBFILE [Q] [SEED] [BODY:DATE ...]

Loads the memberships of a minutebook export into
    membership(body TEXT, person TEXT, role TEXT, valid_from TEXT, valid_to TEXT)
with an index on (body, valid_from): `member_appointed` opens a row (valid_from = its effective
date, valid_to NULL), `membership_ended` names only the membership key, so a membership -> row map
finds the row and sets valid_to to the ending's effective date. An event that supersedes (retracts
or corrects) an appointment or an ending undoes what that event did.

Then runs Q (default 1,000) as-of queries with bodies and dates drawn from random.Random(SEED)
(default 1): bodies that have memberships, dates uniform between the first and last membership date.
    SELECT person, role FROM membership
     WHERE body=? AND valid_from<=? AND (valid_to IS NULL OR valid_to>?)
Each is timed in-process with time.perf_counter_ns around execute + fetchall, on a connection
opened after the load (the file is in the OS cache, as minutebook's ledger is for its cold CLI runs).
The same is reported for a bare `SELECT 1`, which shows what the Python call itself costs.

BODY:DATE arguments are answered too and their persons printed under "checks", so the script that
calls this can compare them with `minutebook members BODY --at DATE`.
"""

import datetime
import json
import math
import os
import random
import sqlite3
import sys
import time

QUERY = (
    "SELECT person, role FROM membership "
    "WHERE body=? AND valid_from<=? AND (valid_to IS NULL OR valid_to>?)"
)


def quantile(sorted_values, q):
    """Nearest-rank quantile of sorted samples."""
    rank = math.ceil(q * len(sorted_values))
    return sorted_values[max(1, min(len(sorted_values), rank)) - 1]


def load(export, conn):
    conn.execute(
        "CREATE TABLE membership("
        "body TEXT, person TEXT, role TEXT, valid_from TEXT, valid_to TEXT)"
    )
    row_of = {}  # membership key -> rowid
    effect = {}  # event id -> ("open", membership) or ("end", membership, previous valid_to)
    with open(export, "rb") as f:
        for line in f:
            if not line.strip():
                continue
            ev = json.loads(line)["event"]
            for sup in ev.get("supersedes", ()):
                undo = effect.pop(sup, None)
                if undo is None:
                    continue
                if undo[0] == "open":
                    conn.execute("DELETE FROM membership WHERE rowid=?", (row_of.pop(undo[1]),))
                elif undo[1] in row_of:
                    conn.execute(
                        "UPDATE membership SET valid_to=? WHERE rowid=?",
                        (undo[2], row_of[undo[1]]),
                    )
            t = ev["type"]
            d = ev["data"]
            if t == "member_appointed":
                cur = conn.execute(
                    "INSERT INTO membership VALUES (?,?,?,?,NULL)",
                    (d["body"], d["person"], d["role"], ev["effective"]),
                )
                row_of[d["membership"]] = cur.lastrowid
                effect[ev["id"]] = ("open", d["membership"])
            elif t == "membership_ended" and d["membership"] in row_of:
                rowid = row_of[d["membership"]]
                prev = conn.execute(
                    "SELECT valid_to FROM membership WHERE rowid=?", (rowid,)
                ).fetchone()[0]
                conn.execute(
                    "UPDATE membership SET valid_to=? WHERE rowid=?", (ev["effective"], rowid)
                )
                effect[ev["id"]] = ("end", d["membership"], prev)
    conn.execute("CREATE INDEX membership_body_from ON membership(body, valid_from)")
    conn.commit()


def timed(conn, statement, params_list):
    ns = []
    rows = 0
    for params in params_list:
        t = time.perf_counter_ns()
        result = conn.execute(statement, params).fetchall()
        ns.append(time.perf_counter_ns() - t)
        rows += len(result)
    us = sorted(n / 1000 for n in ns)
    return {
        "p50_us": quantile(us, 0.5),
        "p99_us": quantile(us, 0.99),
        "mean_us": sum(us) / len(us),
        "rows": rows,
    }


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[1])
    export, dbfile = sys.argv[1], sys.argv[2]
    q = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    checks = [a.split(":", 1) for a in sys.argv[5:]]
    if os.path.exists(dbfile):
        sys.exit(f"{dbfile} exists: the peer wants a new database")

    t0 = time.perf_counter()
    conn = sqlite3.connect(dbfile)
    load(export, conn)
    conn.close()
    load_s = time.perf_counter() - t0

    conn = sqlite3.connect(dbfile)
    total_rows = conn.execute("SELECT count(*) FROM membership").fetchone()[0]
    open_rows = conn.execute(
        "SELECT count(*) FROM membership WHERE valid_to IS NULL"
    ).fetchone()[0]
    bodies = [r[0] for r in conn.execute("SELECT DISTINCT body FROM membership ORDER BY body")]
    lo, hi = conn.execute(
        "SELECT min(valid_from), max(coalesce(valid_to, valid_from)) FROM membership"
    ).fetchone()
    lo = datetime.date.fromisoformat(lo)
    span = (datetime.date.fromisoformat(hi) - lo).days
    rng = random.Random(seed)
    params = []
    for _ in range(q):
        day = (lo + datetime.timedelta(days=rng.randint(0, span))).isoformat()
        params.append((rng.choice(bodies), day, day))

    asof = timed(conn, QUERY, params)
    select1 = timed(conn, "SELECT 1", [()] * q)
    checked = [
        {
            "body": b,
            "at": d,
            "persons": sorted(p for p, _ in conn.execute(QUERY, (b, d, d)).fetchall()),
        }
        for b, d in checks
    ]
    print(
        json.dumps(
            {
                "sqlite": sqlite3.sqlite_version,
                "memberships": total_rows,
                "open_memberships": open_rows,
                "bodies": len(bodies),
                "load_seconds": load_s,
                "queries": q,
                "seed": seed,
                "asof": asof,
                "select1": select1,
                "checks": checked,
            }
        )
    )


if __name__ == "__main__":
    main()
