use std::path::Path;

use anyhow::{Context, bail};
use minutebook_model::EventId;
use minutebook_store::Ledger;
use serde_json::json;

use crate::output::Output;
use crate::world::done_with;

/// Show one event exactly as stored, with its sequence number and chain hash.
#[derive(clap::Args)]
pub struct Args {
    /// The event's id (UUID) or sequence number.
    id: String,
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    let ledger = Ledger::open(path)?;
    let seq = match args.id.parse::<u64>() {
        Ok(seq) => seq,
        Err(_) => {
            let id: EventId = args.id.parse().with_context(|| {
                format!("{:?} is neither a UUID nor a sequence number", args.id)
            })?;
            match ledger.seq_of(id)? {
                Some(seq) => seq,
                None => bail!("no event with id {id} in the ledger"),
            }
        }
    };
    let Some(stored) = ledger.get(seq)? else {
        bail!("no event at sequence {seq}")
    };
    done_with(ledger);
    let event: serde_json::Value = serde_json::from_slice(&stored.bytes)?;
    if out.json {
        out.json(&json!({ "seq": stored.seq, "chain": stored.chain.to_hex(), "event": event }));
    } else {
        println!("seq {}  chain {}", stored.seq, stored.chain);
        println!("{}", serde_json::to_string_pretty(&event)?);
    }
    Ok(())
}
