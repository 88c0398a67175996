use std::path::Path;

use minutebook_store::Ledger;
use serde_json::json;

use crate::output::Output;

/// Create a new, empty ledger at --ledger.
#[derive(clap::Args)]
pub struct Args {}

pub fn run(path: &Path, _: Args, out: &Output) -> anyhow::Result<()> {
    Ledger::init(path)?;
    if out.json {
        out.json(&json!({ "created": path }));
    } else {
        println!("created an empty ledger at {}", path.display());
    }
    Ok(())
}
