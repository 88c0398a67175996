use std::path::{Path, PathBuf};

use chrono::Utc;
use minutebook_model::{Draft, EventId, EventRef, parse_batch};
use minutebook_store::{AppendReport, Ledger, StoreError};
use minutebook_world::DomainRejection;
use serde_json::json;

use crate::output::{Output, checkpoint};
use crate::world::load_world;

/// Append events: one JSON event, a JSON array of events, or JSON Lines.
///
/// Each event is checked on its own (structure: fields, types, dates, amounts) and then against the
/// world on its effective date (the body exists then, the seat is defined, the membership is active,
/// the terms of reference amended are the ones in force, ...). If any event breaks a rule, every
/// problem is listed (event, field, rule) and nothing is written. Otherwise all events are appended
/// atomically and flushed to disk before the command returns. Events carrying an id already in the
/// ledger with the same content are reported as already present and not written again. Prints the
/// new head checkpoint: keep it elsewhere to detect later tampering (`verify --expect`).
#[derive(clap::Args)]
pub struct Args {
    /// The file to read, or - for standard input.
    file: PathBuf,
    /// Append only if the ledger's head sequence is still this (optimistic concurrency).
    #[arg(long, value_name = "SEQ")]
    expect_head: Option<u64>,
}

/// Events that break domain rules, given the world on their effective dates.
#[derive(Debug, thiserror::Error)]
#[error("{} problem(s) with the world on the events' effective dates; nothing was written", .0.len())]
pub struct DomainRejected(pub Vec<DomainRejection>);

/// Check drafts against the ledger's world and append them: the one path every writing command takes.
pub fn append_checked(
    ledger: &Ledger,
    mut drafts: Vec<Draft>,
    expect_head: Option<u64>,
) -> anyhow::Result<AppendReport> {
    let head = ledger.head()?;
    if let Some(expected) = expect_head
        && expected != head.seq
    {
        return Err(StoreError::Conflict {
            expected,
            actual: head.seq,
        }
        .into());
    }
    // Ids are minted here rather than in the store so the check and the append see the same events.
    for d in &mut drafts {
        d.id.get_or_insert_with(EventId::new_v7);
    }
    let mut world = load_world(ledger, None)?;
    let now = Utc::now();
    let candidates = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let at = EventRef {
                position: Some(i + 1),
                id: d.id,
                ..EventRef::default()
            };
            (at, d.clone().into_event(d.id.expect("minted above"), now))
        })
        .collect();
    let mut stored = std::collections::HashSet::new();
    for id in drafts.iter().filter_map(|d| d.id) {
        if ledger.seq_of(id)?.is_some() {
            stored.insert(id);
        }
    }
    let problems = world.check_batch(candidates, |id| stored.contains(&id));
    if !problems.is_empty() {
        return Err(DomainRejected(problems).into());
    }
    // The lock keeps other processes out, so the head cannot move between the check and the append;
    // passing it makes that an enforced assumption rather than a hope.
    Ok(ledger.append(drafts, Some(head.seq))?)
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    let input = super::read_input(&args.file)?;
    let drafts = parse_batch(&input).map_err(StoreError::Rejected)?;
    let ledger = Ledger::open(path)?;
    let report = append_checked(&ledger, drafts, args.expect_head)?;
    print_report(&report, out);
    Ok(())
}

/// The append report as JSON: appended and already-present events, the new head.
pub fn report_json(report: &AppendReport) -> serde_json::Value {
    let list = |v: &[(u64, EventId)]| {
        v.iter()
            .map(|(seq, id)| json!({ "seq": seq, "id": id }))
            .collect::<Vec<_>>()
    };
    json!({
        "appended": list(&report.appended),
        "already_present": list(&report.already_present),
        "head": checkpoint(report.head),
    })
}

pub fn print_report(report: &AppendReport, out: &Output) {
    if out.json {
        out.json(&report_json(report));
    } else {
        match (report.appended.first(), report.appended.last()) {
            (Some(first), Some(last)) => println!(
                "appended {} event(s), seq {}..{}",
                report.appended.len(),
                first.0,
                last.0
            ),
            _ => println!("appended nothing"),
        }
        for (seq, id) in &report.already_present {
            println!("already present: {id} (seq {seq})");
        }
        println!("head {}", report.head);
    }
}
