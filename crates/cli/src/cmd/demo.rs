use std::collections::BTreeMap;
use std::path::PathBuf;

use minutebook_model::{Payload, parse_batch};
use minutebook_store::{Ledger, StoreError};
use serde_json::json;

use crate::output::{Output, checkpoint, table};

/// The example ledger (events/example/), built into the binary so `demo` works from anywhere.
pub const EXAMPLE: &[(&str, &str)] = &[
    (
        "01-agreement-2011-13.jsonl",
        include_str!("../../../../events/example/01-agreement-2011-13.jsonl"),
    ),
    (
        "02-board-2014-09-25.jsonl",
        include_str!("../../../../events/example/02-board-2014-09-25.jsonl"),
    ),
    (
        "03-scrutiny-2017.jsonl",
        include_str!("../../../../events/example/03-scrutiny-2017.jsonl"),
    ),
    (
        "04-corrections.jsonl",
        include_str!("../../../../events/example/04-corrections.jsonl"),
    ),
];

/// Load the example ledger (facts from Leicestershire governance documents, 2011-2017) into a fresh
/// ledger, verify it, and print what it holds.
///
/// Each example file is appended as its own batch, so corrections are recorded after the facts they
/// correct. The ledger is kept so you can explore it with the other commands.
#[derive(clap::Args)]
pub struct Args {
    /// Create the ledger here (must not already hold one) instead of a new temporary directory.
    #[arg(long)]
    dir: Option<PathBuf>,
}

pub fn run(args: Args, out: &Output) -> anyhow::Result<()> {
    let path = match args.dir {
        Some(dir) => dir,
        None => tempfile::Builder::new()
            .prefix("minutebook-demo-")
            .tempdir()?
            .keep()
            .join("ledger"),
    };
    let ledger = Ledger::init(&path)?;
    let mut batches = Vec::new();
    for (name, text) in EXAMPLE {
        let drafts = parse_batch(text.as_bytes()).map_err(StoreError::Rejected)?;
        let report = ledger.append(drafts, None)?;
        batches.push((*name, report.appended.len()));
    }
    let verified = ledger.verify(None)?;

    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    let mut bodies: BTreeMap<String, (String, String)> = BTreeMap::new();
    for stored in ledger.iter_from(1)? {
        let event = stored?.event()?;
        *by_type.entry(event.payload.type_tag()).or_default() += 1;
        match &event.payload {
            Payload::BodyFounded(b) => {
                bodies.insert(
                    b.body.to_string(),
                    (b.name.to_string(), format!("{:?}", b.kind).to_lowercase()),
                );
            }
            Payload::BodyRenamed(b) => {
                if let Some(entry) = bodies.get_mut(b.body.as_str()) {
                    entry.0 = b.name.to_string();
                }
            }
            _ => {}
        }
    }

    if out.json {
        out.json(&json!({
            "ledger": path,
            "batches": batches.iter().map(|(f, n)| json!({ "file": f, "appended": n })).collect::<Vec<_>>(),
            "events_by_type": by_type,
            "bodies": bodies.iter().map(|(k, (name, kind))| json!({ "body": k, "name": name, "kind": kind })).collect::<Vec<_>>(),
            "verified": verified.events,
            "head": checkpoint(verified.head),
        }));
        return Ok(());
    }
    println!(
        "minutebook demo: the example ledger at {}\n",
        path.display()
    );
    let mut t = table(&["batch", "events"]);
    for (file, n) in &batches {
        t.add_row(vec![file.to_string(), n.to_string()]);
    }
    println!("{t}\n");
    let mut t = table(&["body", "name (latest)", "kind"]);
    for (key, (name, kind)) in &bodies {
        t.add_row(vec![key.as_str(), name.as_str(), kind.as_str()]);
    }
    println!("{t}\n");
    let mut t = table(&["event type", "count"]);
    for (ty, n) in &by_type {
        t.add_row(vec![ty.to_string(), n.to_string()]);
    }
    println!("{t}\n");
    println!(
        "verify: ok, {} event(s), {} bytes; head {}",
        verified.events, verified.bytes, verified.head
    );
    println!("\nExplore it:");
    println!("  minutebook --ledger {} log --body lscsb", path.display());
    println!(
        "  minutebook --ledger {} log --type funding_allocated",
        path.display()
    );
    println!("  minutebook --ledger {} show 1", path.display());
    Ok(())
}
