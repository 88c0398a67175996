//! Benchmark programs for `bench/compare.sh`: the peers minutebook's figures are set beside.
//!
//! This crate holds benchmark programs only. No other crate may depend on it: it is not part of
//! minutebook, its helpers carry no compatibility promise, and it is never published.
//!
//! - `sled-raw FILE LEDGER_DIR`: raw sled 0.34.7 batch inserts of the bytes minutebook stores.
//! - `fsync-append FILE OUT N`: `write` + `fdatasync` of one event line at a time, the limit for a
//!   durable single append.
//! - `inprocess LEDGER SINGLE_JSONL QUERIES BODIES SEED [questions-only]`: minutebook's own
//!   in-process figures on the ledger the script built (questions through the index and in memory,
//!   single durable appends, a full rebuild with its peak memory; `questions-only` stops after the
//!   questions and appends).
//! - `benches/inprocess.rs`: the criterion benches (`cargo bench -p minutebook-bench`).

use std::path::Path;

use anyhow::{Context, Result, bail};

/// The stored event of one export line `{"seq":N,"chain":"HEX","event":EVENT}`: the bytes between
/// `"event":` and the line's final `}`, which are exactly the bytes minutebook keeps in its events
/// tree (the export writes them verbatim).
pub fn event_bytes(line: &[u8]) -> Result<&[u8]> {
    const KEY: &[u8] = b"\"event\":";
    let start = line
        .windows(KEY.len())
        .position(|w| w == KEY)
        .context("export line has no \"event\": key")?
        + KEY.len();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Some(end) = line.iter().rposition(|&b| b == b'}') else {
        bail!("export line does not end with }}");
    };
    if end <= start {
        bail!("export line has an empty event");
    }
    Ok(&line[start..end])
}

/// The non-empty lines of a file, without their newlines.
pub fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == b'\n').filter(|l| !l.is_empty())
}

/// Apparent size of a directory tree in bytes, counted as `du -sb` does (files and directories).
pub fn bytes_on_disk(path: &Path) -> Result<u64> {
    let meta = std::fs::symlink_metadata(path)
        .with_context(|| format!("cannot stat {}", path.display()))?;
    let mut total = meta.len();
    if meta.is_dir() {
        for entry in std::fs::read_dir(path)? {
            total += bytes_on_disk(&entry?.path())?;
        }
    }
    Ok(total)
}

/// The value at quantile `q` (0..=1) of sorted samples, nearest-rank.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// p50, p99, max and mean of samples, as JSON.
pub fn percentiles(mut samples: Vec<f64>) -> serde_json::Value {
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len().max(1) as f64;
    serde_json::json!({
        "n": samples.len(),
        "p50": quantile(&samples, 0.5),
        "p99": quantile(&samples, 0.99),
        "max": samples.last().copied().unwrap_or(f64::NAN),
        "mean": mean,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_bytes_are_the_stored_object() {
        let line = br#"{"seq":3,"chain":"ab12","event":{"id":"x","payload":{"event":"y"}}}"#;
        assert_eq!(
            event_bytes(line).unwrap(),
            br#"{"id":"x","payload":{"event":"y"}}"#
        );
        assert!(event_bytes(b"{\"seq\":1}").is_err());
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.99), 99.0);
        assert_eq!(quantile(&v, 1.0), 100.0);
        assert_eq!(quantile(&[7.0], 0.5), 7.0);
    }
}
