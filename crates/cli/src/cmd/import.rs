use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::Context;
use minutebook_store::{Ledger, StoreError};
use serde_json::json;

use crate::output::{Output, checkpoint};
use crate::world::done_with;

/// Restore an export into an empty ledger (created if missing), keeping recorded times.
///
/// Every line's sequence number, chain hash and event are checked as `verify` would; on the first
/// problem the import stops, names the line, and leaves the ledger empty.
#[derive(clap::Args)]
pub struct Args {
    /// The export file (JSON Lines as `export` writes it).
    file: PathBuf,
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    let input =
        File::open(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let ledger = match Ledger::open(path) {
        Err(StoreError::NotFound { .. }) => Ledger::init(path)?,
        other => other?,
    };
    let report = ledger.import(BufReader::new(input))?;
    // The topic index covers what is appended; imported events are indexed here. The import is
    // committed already, so failing to index (a full disk) is a warning: the next command that asks
    // through the index catches it up.
    if let Err(e) = crate::world::open_index(&ledger) {
        eprintln!(
            "minutebook: imported, but the index could not be built yet ({e:#}); the next query builds it"
        );
    }
    done_with(ledger);
    if out.json {
        out.json(&json!({ "imported": report.events, "head": checkpoint(report.head) }));
    } else {
        println!(
            "imported {} event(s) into {}",
            report.events,
            path.display()
        );
        println!("head {}", report.head);
    }
    Ok(())
}
