//! `fsync-append FILE OUT N`: open OUT for appending and, N times, write one line of FILE and
//! `fdatasync` it, timing each write+sync. The limit for one durable single-event append on this disk.
//!
//! Lines are taken in order from FILE (wrapping round if N is larger). Prints p50/p99/mean in
//! microseconds as JSON.

use std::fs::OpenOptions;
use std::io::Write;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use minutebook_bench::{lines, quantile};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [file, out, n] = args.as_slice() else {
        eprintln!("usage: fsync-append FILE OUT N");
        eprintln!("  FILE: JSON Lines whose lines are appended one at a time");
        eprintln!("  OUT: the file appended to (created if missing, opened with O_APPEND)");
        eprintln!("  N: how many write+fdatasync rounds to time");
        std::process::exit(2);
    };
    let n: usize = n
        .parse()
        .with_context(|| format!("N must be a count, not {n:?}"))?;
    if n == 0 {
        bail!("N must be at least 1");
    }
    let data = std::fs::read(file).with_context(|| format!("cannot read {file}"))?;
    let records: Vec<Vec<u8>> = lines(&data)
        .map(|l| {
            let mut v = l.to_vec();
            v.push(b'\n');
            v
        })
        .collect();
    if records.is_empty() {
        bail!("{file} has no lines");
    }
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(out)
        .with_context(|| format!("cannot open {out}"))?;

    let mut micros = Vec::with_capacity(n);
    let mut bytes = 0usize;
    for record in records.iter().cycle().take(n) {
        let t = Instant::now();
        f.write_all(record)?;
        f.sync_data()?;
        micros.push(t.elapsed().as_secs_f64() * 1e6);
        bytes += record.len();
    }
    let mean = micros.iter().sum::<f64>() / n as f64;
    micros.sort_by(f64::total_cmp);
    println!(
        "{}",
        serde_json::json!({
            "appends": n,
            "bytes": bytes,
            "p50_us": quantile(&micros, 0.5),
            "p99_us": quantile(&micros, 0.99),
            "mean_us": mean,
            "max_us": micros[n - 1],
        })
    );
    Ok(())
}
