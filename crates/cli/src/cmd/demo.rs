use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use minutebook_model::{BodyKey, MeetingKey, Payload, parse_batch};
use minutebook_store::{Ledger, StoreError};
use minutebook_world::{ClauseDiff, KnownAt, tor_diff};
use serde_json::json;

use crate::output::{Output, checkpoint, table};
use crate::world::load_world;

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
        let report = super::append::append_checked(&ledger, drafts, None)?;
        batches.push((*name, report.appended.len()));
    }
    let verified = ledger.verify(None)?;
    let answers = answers(&ledger)?;

    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    let mut bodies: BTreeMap<String, (String, String)> = BTreeMap::new();
    for stored in ledger.iter_from(1)? {
        let event = stored?.event()?;
        *by_type.entry(event.payload.type_tag()).or_default() += 1;
        match &event.payload {
            Payload::BodyFounded(b) => {
                bodies.insert(
                    b.body.to_string(),
                    (b.name.to_string(), minutebook_world::snake(&b.kind)),
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
            "answers": answers.iter().map(|(q, a)| json!({ "question": q, "answer": a })).collect::<Vec<_>>(),
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
    println!("\nWhat the example answers:");
    for (question, answer) in &answers {
        println!("\n  {question}\n    {}", answer.replace('\n', "\n    "));
    }
    println!("\nExplore it:");
    println!("  minutebook --ledger {} log --body lscsb", path.display());
    println!(
        "  minutebook --ledger {} log --type funding_allocated",
        path.display()
    );
    println!("  minutebook --ledger {} show 1", path.display());
    println!(
        "  minutebook --ledger {} members lscsb --at 2014-09-26 --evidence",
        path.display()
    );
    println!(
        "  minutebook --ledger {} tor diff lscsb --from 2014-09-24 --to 2014-09-25",
        path.display()
    );
    println!(
        "  minutebook --ledger {} funding --period 2011-04-01..2011-09-30",
        path.display()
    );
    println!(
        "  minutebook --ledger {} meetings lscsb --known-at seq:{}",
        path.display(),
        verified.events - 1
    );
    println!(
        "  minutebook --ledger {} state lscsb --at 2014-10-01 --format md",
        path.display()
    );
    Ok(())
}

fn date(s: &str) -> NaiveDate {
    s.parse().expect("a literal date")
}

fn key<K: std::str::FromStr>(s: &str) -> K
where
    K::Err: std::fmt::Debug,
{
    s.parse().expect("a literal key")
}

/// The questions the seed documents raise, answered from the ledger just built.
fn answers(ledger: &Ledger) -> anyhow::Result<Vec<(String, String)>> {
    let world = load_world(ledger, None)?;
    let mut out = Vec::new();
    let board: BodyKey = key("lscsb");
    let names = |at| {
        world
            .body_at(&board, date(at))
            .map(|b| b.name.to_string())
            .unwrap_or_default()
    };
    out.push((
        "What was the Board called before and after 25 September 2014?".to_string(),
        format!("{} → {}", names("2014-09-24"), names("2014-09-25")),
    ));
    let members = |at| -> Vec<String> {
        world
            .members_at(&board, date(at))
            .into_iter()
            .map(|m| {
                format!(
                    "{}{}",
                    m.person_name.unwrap_or_else(|| m.person.to_string()),
                    m.on_behalf_of
                        .map_or(String::new(), |b| format!(" for {b}"))
                )
            })
            .collect()
    };
    let (before, after) = (members("2014-09-24"), members("2014-09-26"));
    let joined: Vec<&String> = after.iter().filter(|m| !before.contains(m)).collect();
    let seats = |at| -> Vec<String> {
        world
            .seats_at(&board, date(at))
            .into_iter()
            .map(|s| s.seat.key.to_string())
            .collect()
    };
    let (seats_before, seats_after) = (seats("2014-09-24"), seats("2014-09-26"));
    out.push((
        "How did the Board's membership change across 25 September 2014?".to_string(),
        format!(
            "members recorded: {} on 24 Sep, {} on 26 Sep (the minutes evidence the others only from that meeting); seats {} → {}; \
             the CRC representative: {}",
            before.len(),
            after.len(),
            seats_before.join(", "),
            seats_after.join(", "),
            joined.iter().find(|m| m.contains("crc")).map_or("none".to_string(), |m| m.to_string())
        ),
    ));
    let tor = |at| world.tor_at(&board, date(at));
    let diff = tor_diff(tor("2014-09-24").as_ref(), tor("2014-09-25").as_ref());
    out.push((
        "Which terms of reference were in force, and what changed on 25 September 2014?"
            .to_string(),
        format!(
            "{} → {}: {} clause(s) changed ({})",
            diff.from_version.map_or("none".into(), |v| v.to_string()),
            diff.to_version.map_or("none".into(), |v| v.to_string()),
            diff.clauses.len(),
            diff.clauses
                .iter()
                .map(|c| match c {
                    ClauseDiff::Added { number, .. } => format!("+{number}"),
                    ClauseDiff::Removed { number, .. } => format!("-{number}"),
                    ClauseDiff::Changed { number, .. } => format!("~{number}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ));
    let trust = world.body_at(&key("leics-probation-trust"), date("2014-07-01"));
    out.push((
        "What became of the Leicestershire Probation Trust?".to_string(),
        trust
            .and_then(|t| t.ended)
            .map_or("no ending recorded".into(), |(on, how)| {
                format!("{} on {on}", how.describe())
            }),
    ));
    let totals = world.totals(date("2011-09-30"));
    out.push((
        "Do the 2011 Community Safety Fund allocations add up?".to_string(),
        totals
            .iter()
            .map(|t| {
                format!(
                    "{}: stated {}, rows add to {} (difference {} pence{})",
                    t.label,
                    t.stated,
                    t.computed.map_or("?".into(), |c| c.to_string()),
                    t.difference.map_or("?".into(), |d| d.to_string()),
                    t.note
                        .as_ref()
                        .map_or(String::new(), |n| format!("; the document says \"{n}\""))
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    ));
    let meeting: MeetingKey = key("lrscsb-2014-12-11");
    let head = ledger.head()?.seq;
    let before_correction = load_world(ledger, Some(KnownAt::Seq(head - 1)))?;
    let time = |w: &minutebook_world::World| {
        let Some(m) = w.meeting(&meeting) else {
            return "?".to_string();
        };
        let mut times: Vec<String> = m
            .scheduled
            .iter()
            .filter_map(|s| s.time)
            .map(|t| t.format("%H:%M").to_string())
            .collect();
        times.sort_by(|a, b| b.cmp(a));
        if m.contradictory {
            format!("{} (the record contradicts itself)", times.join(" or "))
        } else {
            times.join(", ")
        }
    };
    out.push((
        "When was the next meeting, 11 December 2014?".to_string(),
        format!(
            "{} as known now; {} as known before the correction (--known-at seq:{})",
            time(&world),
            time(&before_correction),
            head - 1
        ),
    ));
    let merged = world.body_at(&key("blaby-hb-csp"), date("2017-06-01"));
    out.push((
        "Which CSPs merged into the Blaby and Hinckley & Bosworth CSP?".to_string(),
        merged.map_or("none recorded".into(), |b| {
            b.merged_from
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        }),
    ));
    let open: Vec<String> = world
        .actions_at(&board, date("2015-01-31"))
        .into_iter()
        .filter(|a| a.overdue)
        .map(|a| a.action.to_string())
        .collect();
    out.push(("Which actions due at the December 2014 meeting were still open at the end of January 2015?".to_string(), open.join(", ")));
    Ok(out)
}
