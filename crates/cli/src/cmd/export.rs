use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use minutebook_store::Ledger;
use serde_json::json;

use crate::output::{Output, checkpoint};

/// Write the whole log as JSON Lines: `{"seq":N,"chain":"HEX","event":EVENT}` per line, each event's
/// stored bytes verbatim. The last line's chain is the head hash.
#[derive(clap::Args)]
pub struct Args {
    /// Write to this file (synced to disk) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    let ledger = Ledger::open(path)?;
    let Some(file) = args.out else {
        ledger.export(&mut BufWriter::new(std::io::stdout().lock()))?;
        return Ok(());
    };
    let f = File::create(&file).with_context(|| format!("creating {}", file.display()))?;
    let mut w = BufWriter::new(f);
    let head = ledger.export(&mut w)?;
    w.flush()?;
    w.get_ref().sync_all()?;
    if out.json {
        out.json(&json!({ "out": file, "events": head.seq, "head": checkpoint(head) }));
    } else {
        println!("exported {} event(s) to {}", head.seq, file.display());
        println!("head {head}");
    }
    Ok(())
}
