use std::path::{Path, PathBuf};

use minutebook_model::parse_batch;
use minutebook_store::{Ledger, StoreError};
use serde_json::json;

use crate::output::{Output, checkpoint};

/// Append events: one JSON event, a JSON array of events, or JSON Lines.
///
/// The batch is checked in full first; if any event breaks a rule, every problem is listed (event,
/// field, rule) and nothing is written. Otherwise all events are appended atomically and flushed to
/// disk before the command returns. Events carrying an id already in the ledger with the same
/// content are reported as already present and not written again. Prints the new head checkpoint:
/// keep it elsewhere to detect later tampering (`verify --expect`).
#[derive(clap::Args)]
pub struct Args {
    /// The file to read, or - for standard input.
    file: PathBuf,
    /// Append only if the ledger's head sequence is still this (optimistic concurrency).
    #[arg(long, value_name = "SEQ")]
    expect_head: Option<u64>,
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    let input = super::read_input(&args.file)?;
    let drafts = parse_batch(&input).map_err(StoreError::Rejected)?;
    let ledger = Ledger::open(path)?;
    let report = ledger.append(drafts, args.expect_head)?;
    if out.json {
        let list = |v: &[(u64, minutebook_model::EventId)]| {
            v.iter()
                .map(|(seq, id)| json!({ "seq": seq, "id": id }))
                .collect::<Vec<_>>()
        };
        out.json(&json!({
            "appended": list(&report.appended),
            "already_present": list(&report.already_present),
            "head": checkpoint(report.head),
        }));
    } else {
        match (report.appended.first(), report.appended.last()) {
            (Some(first), Some(last)) => {
                println!(
                    "appended {} event(s), seq {}..{}",
                    report.appended.len(),
                    first.0,
                    last.0
                )
            }
            _ => println!("appended nothing"),
        }
        for (seq, id) in &report.already_present {
            println!("already present: {id} (seq {seq})");
        }
        println!("head {}", report.head);
    }
    Ok(())
}
