use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use minutebook_minutes::{Import, Known, KnownBody, KnownMember, KnownPerson, Options};
use minutebook_model::BodyKey;
use minutebook_store::Ledger;
use minutebook_world::World;
use serde_json::json;

use crate::cmd::append::{append_checked, print_report, report_json};
use crate::output::Output;
use crate::world::load_world;

/// Read published minutes and propose draft events for the clerk to review.
///
/// FILE is the minutes as plain text or as a saved web page (HTML, e.g. a ModernGov "minutes" page
/// saved from the browser); - reads standard input. The importer finds the meeting (date, time,
/// venue, who was present and who sent apologies, for which body), minutes confirmed, interests
/// declared, chair and vice-chair elections, resolutions (minute number, verb, lettered and numbered
/// parts, nested), actions a resolution asks of someone (with the date or meeting they are due by),
/// terms of reference approved or reviewed, the next meeting, and amounts of money stated.
///
/// Names are matched against the people and bodies the ledger already has (titles such as "Cllr.",
/// "Mr." and "Chief Supt." set aside; a surname or initials alone match only when one person fits,
/// and say so). Anyone or anything not in the ledger is proposed as a new person_registered or
/// body_founded draft and flagged: nothing is silently guessed.
///
/// Every draft carries its source: document, minute, line span, quoted words, and an `extraction`
/// with a confidence and what needs the clerk's attention. Nothing enters the ledger unless you
/// append the reviewed file (`minutebook append drafts.jsonl`) or pass --append, which checks the
/// drafts against the ledger and appends them all or none. Each draft has its own id, so appending
/// the same file twice changes nothing.
///
/// A summary (on standard error; with --json, on standard output) lists what was found by kind,
/// what needs attention, and the lines that look like facts but were not understood.
#[derive(clap::Args)]
pub struct Args {
    /// The minutes: plain text or saved HTML; - for standard input.
    file: PathBuf,
    /// The body whose minutes these are (its key in the ledger, e.g. lscsb). If the ledger does not
    /// have it, its founding is proposed too.
    #[arg(long, value_name = "BODY")]
    body: BodyKey,
    /// The meeting date (YYYY-MM-DD), when the document does not state it or states it wrongly.
    #[arg(long, value_name = "DATE")]
    date: Option<NaiveDate>,
    /// Write the drafts (JSON Lines) here; - for standard output. Default: standard output, unless
    /// --append is given.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Check the drafts against the ledger and append them in one step (all or none).
    #[arg(long)]
    append: bool,
    /// Title of the document for every draft's source. Default: "<body name> minutes, <date>".
    #[arg(long, value_name = "TITLE")]
    document: Option<String>,
    /// Where the document was published.
    #[arg(long)]
    url: Option<String>,
    /// Who is recording the drafts. Default: $MINUTEBOOK_CLERK, else $USER.
    #[arg(long = "by", value_name = "NAME")]
    recorded_by: Option<String>,
    /// Print the document's text as the importer numbers its lines (useful for HTML) and stop.
    #[arg(long)]
    show_text: bool,
}

/// What the ledger knows that names in the minutes may refer to, on the meeting date.
fn known(world: &World, body: &BodyKey, date: NaiveDate) -> Known {
    let bodies = world
        .bodies_at(minutebook_model::LATEST)
        .into_iter()
        .map(|b| KnownBody {
            key: b.body,
            name: b.name.to_string(),
            other_names: b.former_names.iter().map(|(n, _)| n.to_string()).collect(),
        })
        .collect();
    let people = world
        .persons(None)
        .into_iter()
        .map(|p| KnownPerson {
            key: p.person,
            title: p.title.map(|t| t.to_string()),
            name: p.name.to_string(),
        })
        .collect();
    let meetings = world
        .meetings(body)
        .into_iter()
        .map(|m| (m.meeting, m.date))
        .collect();
    let members = world
        .members_at(body, date)
        .into_iter()
        .map(|m| KnownMember {
            membership: m.membership,
            person: m.person,
            role: m.role,
        })
        .collect();
    Known {
        people,
        bodies,
        meetings,
        members,
        tor_in_force: world.tor_at(body, date).map(|t| t.version),
    }
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    let bytes = super::read_input(&args.file)?;
    let reading = minutebook_minutes::read(&bytes)
        .with_context(|| format!("reading minutes from {}", args.file.display()))?;
    if args.show_text {
        print!("{}", reading.numbered_text());
        return Ok(());
    }
    let date = args
        .date
        .or(reading.stated_date())
        .ok_or(minutebook_minutes::ImportError::NoDate)?;
    // Without a ledger the importer still works: every name is then proposed as new.
    let ledger = if args.append || path.exists() {
        Some(Ledger::open(path)?)
    } else {
        None
    };
    let world = match &ledger {
        Some(l) => load_world(l, None)?,
        None => World::new(),
    };
    let known = known(&world, &args.body, date);
    let recorded_by = args
        .recorded_by
        .or_else(|| std::env::var("MINUTEBOOK_CLERK").ok())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "clerk".into());
    let opts = Options {
        body: args.body.clone(),
        date: args.date,
        document: args.document,
        url: args.url,
        recorded_by,
    };
    let import = minutebook_minutes::import(&reading, &opts, &known)?;
    let mut lines = String::new();
    for d in &import.drafts {
        lines.push_str(&serde_json::to_string(d)?);
        lines.push('\n');
    }
    match &args.out {
        Some(p) if p != Path::new("-") => {
            std::fs::write(p, &lines).with_context(|| format!("writing {}", p.display()))?
        }
        Some(_) => print!("{lines}"),
        None if !args.append && !out.json => print!("{lines}"),
        None => {}
    }
    let summary = summary(&import, &args.file, args.out.is_none() && !args.append, out);
    if args.append {
        let ledger = ledger.expect("opened for --append");
        let report = append_checked(&ledger, import.drafts, None)?;
        crate::world::done_with(ledger);
        match summary {
            // One JSON document on standard output, so scripts can parse it.
            Some(mut body) => {
                body["append"] = report_json(&report);
                out.json(&body);
            }
            None => print_report(&report, out),
        }
    } else if let Some(body) = summary {
        out.json(&body);
    }
    Ok(())
}

/// Print the summary for people (on standard error), or return it as JSON for the caller to print.
fn summary(
    import: &Import,
    file: &Path,
    drafts_inline: bool,
    out: &Output,
) -> Option<serde_json::Value> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &import.facts {
        *counts.entry(f.kind).or_default() += 1;
    }
    let attention: Vec<_> = import
        .facts
        .iter()
        .filter(|f| !f.attention.is_empty())
        .collect();
    if out.json {
        let mut body = json!({
            "file": file.display().to_string(),
            "meeting": import.meeting,
            "date": import.date,
            "drafts": import.drafts.len(),
            "found": counts,
            "facts": import.facts,
            "attention": attention.iter().map(|f| json!({
                "kind": f.kind, "minute": f.minute, "lines": [f.first, f.last],
                "summary": f.summary, "attention": f.attention,
            })).collect::<Vec<_>>(),
            "not_understood": import.not_understood,
            "generated_at": Utc::now(),
        });
        if drafts_inline {
            body["draft_events"] = json!(import.drafts);
        }
        return Some(body);
    }
    let mut e = std::io::stderr().lock();
    let _ = writeln!(
        e,
        "{}: meeting {} on {}: {} draft(s)",
        file.display(),
        import.meeting,
        import.date,
        import.drafts.len()
    );
    let _ = writeln!(
        e,
        "found: {}",
        counts
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !attention.is_empty() {
        let _ = writeln!(e, "needs your attention ({} fact(s)):", attention.len());
        // A new person named in three facts is one thing to check, said once.
        let mut said = std::collections::HashSet::new();
        for f in attention {
            let minute = f
                .minute
                .as_deref()
                .map_or(String::new(), |m| format!(" minute {m}"));
            let _ = writeln!(e, "  line {}{minute}: {}", f.first, f.summary);
            for a in &f.attention {
                if said.insert(a.as_str()) {
                    let _ = writeln!(e, "    - {a}");
                }
            }
        }
    }
    if !import.not_understood.is_empty() {
        let _ = writeln!(
            e,
            "not understood ({} line(s) that look like facts):",
            import.not_understood.len()
        );
        for u in &import.not_understood {
            let _ = writeln!(e, "  line {}: {}", u.first, u.text);
        }
    }
    None
}
