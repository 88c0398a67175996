//! The topic index: how far it reaches, whether it matches the log, rebuilding it.

use std::path::Path;

use anyhow::bail;
use minutebook_index::{Coverage, Index};
use minutebook_store::Ledger;
use serde_json::json;

use crate::output::Output;
use crate::world::done_with;

/// The topic index kept beside the log (which events each body, person, meeting ... needs), so
/// questions and the checks of an append fold only those events instead of replaying the log.
///
/// It is derived data, written in the same atomic batch as the events it covers, and brought up to
/// date automatically by any command that asks through it (after `import`, or for a ledger written
/// before the index existed). `status` and `check` report it as it stands, writing nothing: `check`
/// recomputes it from the log and compares; `rebuild` drops and rewrites it.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// How far the index reaches, against the head of the log, and which of its parts (membership
    /// rows, relation entries) lag its entries, as after an older binary wrote to it.
    Status,
    /// Recompute every (topic, event) pair, membership row and membership home from the log and
    /// compare with the index; exit code 6 if they differ.
    Check,
    /// Bring the index up to the head now (any question does this first): after an import, or for
    /// a ledger written before the index existed.
    Update,
    /// Drop the index and build it again from the log.
    Rebuild,
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    let ledger = Ledger::open(path)?;
    let coverage = match args.what {
        What::Status => Some(Index::as_it_stands(&ledger).coverage()?),
        What::Check => {
            // As it stands: an index that lags the log is reported, not silently caught up.
            let index = Index::as_it_stands(&ledger);
            let progress = crate::world::progress("checking the index");
            let check = index.check(progress)?;
            if !check.sound() {
                // One document in --json: the error, with what differs in its message.
                let examples = check.examples.iter().take(5).cloned().collect::<Vec<_>>();
                let lagging = check.coverage.lagging();
                let (older, remedy) = match lagging.is_empty() {
                    true => (String::new(), "`minutebook index rebuild` rewrites it"),
                    false => (
                        format!(
                            " ({}: an older binary wrote to it, or catching up was cut short)",
                            lagging.join("; ")
                        ),
                        "`minutebook index update` writes what lags (any question does too); if the check still fails after it, `minutebook index rebuild` rewrites the index",
                    ),
                };
                let examples = match examples.is_empty() {
                    true => String::new(),
                    false => format!(" (e.g. {})", examples.join(", ")),
                };
                bail!(minutebook_store::StoreError::Integrity {
                    seq: check.coverage.covers,
                    what: format!(
                        "the topic index does not match the log{older}: it covers {} of {} events, {} (topic, event) pair(s), row(s) or home(s) missing, {} extra{examples}; {remedy}",
                        check.coverage.covers, check.coverage.head, check.missing, check.extra,
                    ),
                });
            }
            if out.json {
                out.json(&json!({
                    "sound": true,
                    "covers": check.coverage.covers,
                    "head": check.coverage.head,
                    "pairs": check.pairs,
                    "membership_rows": check.rows,
                }));
            } else {
                println!(
                    "the index matches the log: {} (topic, event) pairs and {} membership rows \
                     and homes for {} events",
                    check.pairs, check.rows, check.coverage.head
                );
            }
            None
        }
        What::Update => Some(crate::world::open_index(&ledger)?.coverage()?),
        What::Rebuild => {
            let progress = crate::world::progress("indexing the ledger");
            Some(Index::rebuild(&ledger, progress)?.coverage()?)
        }
    };
    // Closed (after an update or a rebuild) before the coverage is printed.
    done_with(ledger);
    if let Some(coverage) = coverage {
        print_coverage(coverage, out);
    }
    Ok(())
}

fn print_coverage(c: Coverage, out: &Output) {
    if out.json {
        out.json(&json!({
            "covers": c.covers,
            "head": c.head,
            "membership_rows_cover": c.rows,
            "relations_cover": c.relations,
        }));
        return;
    }
    println!("the index covers events 1..{} of {}", c.covers, c.head);
    let lagging = c.lagging();
    if !lagging.is_empty() {
        println!(
            "{}: the next question or `minutebook index update` writes the rest",
            lagging.join("; ")
        );
    }
}
