//! In-process figures on a ledger `bench/compare.sh` built: as-of questions through the topic index
//! and on a world held in memory, single durable appends through the checked write path, and a full
//! rebuild (replay of every event) with its peak memory.
//!
//! Usage: inprocess LEDGER_DIR SINGLE_JSONL QUERIES BODIES SEED [questions-only]
//!   SINGLE_JSONL: events to append one at a time (one JSON event per line), after the queries: the
//!   first half each checked afresh (as one `minutebook append` process each would), the second with
//!   the partial world carried from one append to the next (as one long-running process would).
//!   questions-only: no rebuild, so no figures on a world in memory (for a second run that asks
//!   about fewer bodies: the same number of questions per body at every ledger size).
//! Prints one JSON object. Bodies are the generator's `b0` .. `b{BODIES-1}`; dates fall in
//! 2006-01-01 .. 2025-12-31, the generator's default span.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use minutebook_bench::{lines, percentiles};
use minutebook_index::{Against, Checked, Index};
use minutebook_model::{BodyKey, parse_batch};
use minutebook_store::Ledger;
use rand::{RngExt, SeedableRng};
use rand_xorshift::XorShiftRng;
use serde_json::json;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (ledger_dir, single, queries, bodies, seed, rebuild) = match args.as_slice() {
        [l, s, q, b, seed] => (l, s, q, b, seed, true),
        [l, s, q, b, seed, only] if only == "questions-only" => (l, s, q, b, seed, false),
        _ => bail!("usage: inprocess LEDGER_DIR SINGLE_JSONL QUERIES BODIES SEED [questions-only]"),
    };
    let queries: usize = queries.parse().context("QUERIES")?;
    let bodies: u32 = bodies.parse().context("BODIES")?;
    let mut rng = XorShiftRng::seed_from_u64(seed.parse().context("SEED")?);
    let mut asks: Vec<(BodyKey, NaiveDate)> = (0..queries)
        .map(|_| {
            let body = BodyKey::new(format!("b{}", rng.random_range(0..bodies))).expect("a key");
            let day = rng.random_range(0..7300);
            let at = NaiveDate::from_ymd_opt(2006, 1, 1).expect("a date") + chrono::Days::new(day);
            (body, at)
        })
        .collect();

    let rss_start = status_kib("VmRSS")?;
    let t = Instant::now();
    let ledger = Ledger::open(ledger_dir.as_ref())?;
    let index = Index::open(&ledger, |_, _| {})?;
    let open_ms = t.elapsed().as_secs_f64() * 1e3;
    let head = ledger.head()?.seq;

    let mut members_found = 0usize;
    let members_index = timed(&asks, |(body, at)| {
        let n = index
            .answer(None, |w| (w.members_at(body, *at), w.seats_at(body, *at)))
            .expect("an answer")
            .0
            .len();
        members_found += n;
    });
    let tor_index = timed(&asks, |(body, at)| {
        index
            .answer(None, |w| w.tor_at(body, *at))
            .expect("an answer");
    });

    let text = std::fs::read(single).with_context(|| format!("reading {single}"))?;
    let singles: Vec<&[u8]> = lines(&text).collect();
    let (fresh, carried) = singles.split_at(singles.len() / 2);
    // The first half as separate `minutebook append` processes check them: each against the
    // topics it loads afresh. The second as one long-running process does: the world its checks
    // loaded carried from one append to the next.
    let fresh_us = single_appends(&index, fresh, false)?;
    let carried_us = single_appends(&index, carried, true)?;

    let mut out = json!({
        "events": head,
        "open_ms": open_ms,
        "members_found": members_found,
        "members_index_us": percentiles(members_index),
        "tor_index_us": percentiles(tor_index),
        "single_append_us": percentiles(fresh_us),
        "single_append_carried_us": percentiles(carried_us),
    });
    if !rebuild {
        println!("{out:#}");
        return Ok(());
    }

    let rss_before = status_kib("VmRSS")?;
    let t = Instant::now();
    let world = minutebook_index::replay(&ledger, None)?;
    let rebuild_s = t.elapsed().as_secs_f64();
    let peak = status_kib("VmHWM")?;

    asks.reverse();
    let members_memory = timed(&asks, |(body, at)| {
        world.members_at(body, *at);
        world.seats_at(body, *at);
    });
    let tor_memory = timed(&asks, |(body, at)| {
        world.tor_at(body, *at);
    });

    out["rebuild"] = json!({
        "events": world.events_read(),
        "seconds": rebuild_s,
        "events_per_s": world.events_read() as f64 / rebuild_s,
        "peak_rss_mib": peak as f64 / 1024.0,
        "rss_before_mib": rss_before as f64 / 1024.0,
        "rss_at_start_mib": rss_start as f64 / 1024.0,
    });
    out["members_memory_us"] = percentiles(members_memory);
    out["tor_memory_us"] = percentiles(tor_memory);
    println!("{out:#}");
    Ok(())
}

/// Microseconds each checked, durable single append of `lines` took: each checked against a fresh
/// partial world, or against the one the appends before it carried (`carry`).
fn single_appends(index: &Index, lines: &[&[u8]], carry: bool) -> Result<Vec<f64>> {
    let mut micros = Vec::new();
    let mut carried = Against::default();
    for line in lines {
        let drafts = parse_batch(line).map_err(|r| anyhow::anyhow!("{}", r[0]))?;
        if !carry {
            carried = Against::default();
        }
        let t = Instant::now();
        match index.append_checked(drafts, None, &mut carried)? {
            Checked::Appended(_) => micros.push(t.elapsed().as_secs_f64() * 1e6),
            Checked::Rejected(r) => bail!("single append rejected: {}", r[0]),
        }
    }
    Ok(micros)
}

/// Microseconds each call of `f` took.
fn timed<T>(items: &[T], mut f: impl FnMut(&T)) -> Vec<f64> {
    items
        .iter()
        .map(|item| {
            let t = Instant::now();
            f(item);
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect()
}

/// A `kB` line of /proc/self/status.
fn status_kib(field: &str) -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .with_context(|| format!("no {field} in /proc/self/status"))
}
