use std::path::Path;
use std::time::Instant;

use minutebook_store::{Checkpoint, Depth, Ledger};
use serde_json::json;

use crate::output::{Output, checkpoint};

/// Recompute every hash and check the log's invariants; name the first bad sequence number.
///
/// Checks that sequence numbers are gapless, every event parses and is in canonical form, ids are
/// unique and indexed to their place, supersession names earlier events only, record time never
/// goes backwards, and every leaf and chain hash matches, up to the head. A log cut short and
/// re-chained is only detectable against a checkpoint kept elsewhere: pass it with --expect.
#[derive(clap::Args)]
pub struct Args {
    /// A checkpoint printed earlier (SEQ:HASH) that the log must still contain.
    #[arg(long, value_name = "SEQ:HASH")]
    expect: Option<Checkpoint>,
    /// Check only what tamper evidence rests on: every stored byte against its chain hash, the
    /// chain, the order of the stored blocks and the head (and --expect). Events are not decoded,
    /// so the envelope rules and the id index are not checked; several times faster.
    #[arg(long)]
    chain_only: bool,
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    let ledger = Ledger::open(path)?;
    let started = Instant::now();
    let (depth, checked) = match args.chain_only {
        true => (Depth::Chain, "chain"),
        false => (Depth::Full, "full"),
    };
    let report = ledger.verify_to(args.expect, depth)?;
    let seconds = started.elapsed().as_secs_f64();
    let mb_per_s = report.bytes as f64 / 1e6 / seconds.max(1e-9);
    if out.json {
        out.json(&json!({
            "ok": true,
            "checked": checked,
            "events": report.events,
            "bytes": report.bytes,
            "seconds": seconds,
            "mb_per_s": mb_per_s,
            "head": checkpoint(report.head),
        }));
    } else {
        let what = if args.chain_only {
            " (the chain only)"
        } else {
            ""
        };
        println!(
            "ok: {} event(s), {} bytes verified{what} in {seconds:.3}s ({mb_per_s:.1} MB/s)",
            report.events, report.bytes
        );
        println!("head {}", report.head);
    }
    Ok(())
}
