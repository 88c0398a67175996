//! `sled-raw FILE LEDGER_DIR`: insert the stored events of an export into a fresh sled 0.34.7 database
//! under big-endian u64 keys 1, 2, 3..., 1,000 inserts per `apply_batch`, then one `flush`.
//!
//! The peer for minutebook's import throughput: same bytes, same sled version and default config, one
//! key per event instead of minutebook's three, and no domain check, hashing or per-batch fsync of
//! the files sled's `flush` leaves unsynced. The clock runs from opening the database to the end of
//! the flush; reading FILE into memory is not timed.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use minutebook_bench::{bytes_on_disk, event_bytes, lines};

const BATCH: usize = 1_000;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, dir] = args.as_slice() else {
        eprintln!("usage: sled-raw FILE LEDGER_DIR");
        eprintln!("  FILE: a minutebook export (JSON Lines {{\"seq\",\"chain\",\"event\"}})");
        eprintln!("  LEDGER_DIR: a directory for a new sled database (must not exist yet)");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    if dir.exists() {
        bail!(
            "{} already exists: sled-raw wants a fresh database",
            dir.display()
        );
    }
    let data = std::fs::read(file).with_context(|| format!("cannot read {file}"))?;
    let events = lines(&data)
        .map(event_bytes)
        .collect::<Result<Vec<_>>>()
        .with_context(|| format!("{file} is not a minutebook export"))?;

    let start = Instant::now();
    let db = sled::Config::new().path(&dir).open()?;
    let tree = db.open_tree("events")?;
    for (chunk_no, chunk) in events.chunks(BATCH).enumerate() {
        let mut batch = sled::Batch::default();
        for (i, event) in chunk.iter().enumerate() {
            let seq = (chunk_no * BATCH + i + 1) as u64;
            batch.insert(&seq.to_be_bytes(), *event);
        }
        tree.apply_batch(batch)?;
    }
    db.flush()?;
    let seconds = start.elapsed().as_secs_f64();
    drop(tree);
    drop(db);

    let n = events.len();
    println!(
        "{}",
        serde_json::json!({
            "events": n,
            "seconds": seconds,
            "events_per_s": n as f64 / seconds,
            "bytes_on_disk": bytes_on_disk(&dir)?,
        })
    );
    Ok(())
}
