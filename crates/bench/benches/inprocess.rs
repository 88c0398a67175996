//! Criterion figures, in-process, on a generated ledger built once per run: as-of questions through
//! the topic index and on a world in memory, a full rebuild, and verify.
//!
//! `cargo bench -p minutebook-bench` (100,000 events, 100 bodies); `MINUTEBOOK_BENCH_EVENTS=N` for
//! another size. Building the ledger is part of the run and not measured. Whole-process and peer
//! figures come from `bench/compare.sh`; docs/performance.md records both.

use std::time::Duration;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use minutebook_generate::{Generator, Spec};
use minutebook_index::{Against, Checked, Index};
use minutebook_model::BodyKey;
use minutebook_store::Ledger;
use minutebook_world::World;
use rand::{RngExt, SeedableRng};
use rand_xorshift::XorShiftRng;

const BODIES: u32 = 100;

fn events() -> u64 {
    std::env::var("MINUTEBOOK_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn build(dir: &std::path::Path, n: u64) -> Ledger {
    let ledger = Ledger::init(dir).expect("a new ledger");
    let index = Index::open(&ledger, |_, _| {}).expect("the index");
    let drafts: Vec<_> = Generator::new(Spec {
        events: n,
        bodies: BODIES,
        seed: 1,
        ..Spec::default()
    })
    .collect();
    let mut against = Against::default();
    for batch in drafts.chunks(10_000) {
        match index
            .append_checked(batch.to_vec(), None, &mut against)
            .expect("an append")
        {
            Checked::Appended(_) => {}
            Checked::Rejected(r) => panic!("generated events rejected: {}", r[0]),
        }
    }
    ledger
}

fn questions(n: usize) -> Vec<(BodyKey, NaiveDate)> {
    let mut rng = XorShiftRng::seed_from_u64(7);
    (0..n)
        .map(|_| {
            let body = BodyKey::new(format!("b{}", rng.random_range(0..BODIES))).expect("a key");
            let at = NaiveDate::from_ymd_opt(2006, 1, 1).expect("a date")
                + chrono::Days::new(rng.random_range(0..7300));
            (body, at)
        })
        .collect()
}

fn replay(ledger: &Ledger) -> World {
    minutebook_index::replay(ledger, None).expect("a world")
}

fn benches(c: &mut Criterion) {
    let n = events();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let ledger = build(dir.path(), n);
    let index = Index::open(&ledger, |_, _| {}).expect("the index");
    let asks = questions(1_000);

    let mut g = c.benchmark_group(format!("asof_{n}"));
    let mut i = 0;
    g.bench_function("members_through_index", |b| {
        b.iter(|| {
            let (body, at) = &asks[i % asks.len()];
            i += 1;
            index
                .answer(None, |w| (w.members_at(body, *at), w.seats_at(body, *at)))
                .expect("an answer")
        })
    });
    g.bench_function("tor_through_index", |b| {
        b.iter(|| {
            let (body, at) = &asks[i % asks.len()];
            i += 1;
            index
                .answer(None, |w| w.tor_at(body, *at))
                .expect("an answer")
        })
    });
    let world = replay(&ledger);
    g.bench_function("members_in_memory", |b| {
        b.iter(|| {
            let (body, at) = &asks[i % asks.len()];
            i += 1;
            (world.members_at(body, *at), world.seats_at(body, *at))
        })
    });
    g.bench_function("tor_in_memory", |b| {
        b.iter(|| {
            let (body, at) = &asks[i % asks.len()];
            i += 1;
            world.tor_at(body, *at)
        })
    });
    drop(world);
    g.finish();

    let mut g = c.benchmark_group(format!("log_{n}"));
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(n));
    g.bench_function("rebuild", |b| b.iter(|| replay(&ledger).events_read()));
    let bytes: u64 = ledger
        .iter_from(1)
        .expect("events")
        .map(|s| s.expect("an event").bytes.len() as u64)
        .sum();
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("verify", |b| b.iter(|| ledger.verify(None).expect("sound")));
    g.bench_function("read_and_decode", |b| {
        b.iter(|| {
            ledger
                .events_from(1)
                .expect("events")
                .filter(Result::is_ok)
                .count()
        })
    });
    g.finish();
}

criterion_group!(inprocess, benches);
criterion_main!(inprocess);
