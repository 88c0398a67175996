//! Read-only questions about the world at a date, as known at a moment.

use std::path::Path;

use anyhow::bail;
use chrono::NaiveDate;
use minutebook_model::{BodyKey, FundKey, Period, PersonKey};
use minutebook_world::{World, snake, tor_diff};
use serde_json::json;

use crate::output::{
    Output, action_status, member_cells, opt, owner, row, table, table_with_evidence,
};
use crate::world::{When, ask_known_at};

/// Ask through the topic index: only the events of the body, persons, meetings ... the question
/// reads are folded, not the whole log. `q` may run more than once, so it only computes.
fn ask<R>(path: &Path, when: &When, q: impl Fn(&World) -> R) -> anyhow::Result<R> {
    ask_known_at(path, when.known_at, q)
}

fn need_body(world: &World, body: &BodyKey, at: NaiveDate) -> anyhow::Result<()> {
    if world.body_at(body, at).is_none() && world.body_history(body).is_empty() {
        bail!("no body {body} in the ledger (see `minutebook bodies`)");
    }
    Ok(())
}

/// Who sat on a body on a date: role, seat, on behalf of whom, since when.
#[derive(clap::Args)]
pub struct MembersArgs {
    body: BodyKey,
    #[command(flatten)]
    when: When,
}

pub fn members(path: &Path, a: MembersArgs, out: &Output) -> anyhow::Result<()> {
    let at = a.when.date();
    let (found, members, seats) = ask(path, &a.when, |w| {
        (
            need_body(w, &a.body, at),
            w.members_at(&a.body, at),
            w.seats_at(&a.body, at),
        )
    })?;
    found?;
    if out.json {
        out.json(&json!({ "body": a.body, "at": at, "members": members, "seats": seats }));
        return Ok(());
    }
    let mut t = table_with_evidence(
        &["member", "role", "seat", "on behalf of", "since"],
        a.when.evidence,
    );
    for m in &members {
        t.add_row(row(
            member_cells(m),
            a.when.evidence.then_some(&m.evidence[..]),
        ));
    }
    println!("{} on {at}: {} member(s)\n{t}", a.body, members.len());
    let vacant: Vec<String> = seats
        .iter()
        .filter(|s| s.seat.required)
        .filter_map(|s| {
            let held = members
                .iter()
                .filter(|m| m.seat.as_ref() == Some(&s.seat.key))
                .count() as u32;
            (held < s.seat.count)
                .then(|| format!("{} ({} of {} filled)", s.seat.key, held, s.seat.count))
        })
        .collect();
    if !vacant.is_empty() {
        println!("seats not filled: {}", vacant.join(", "));
    }
    Ok(())
}

/// Bodies existing on a date, with their parents and what they came from.
#[derive(clap::Args)]
pub struct BodiesArgs {
    /// Also list bodies that had ended by the date.
    #[arg(long)]
    all: bool,
    #[command(flatten)]
    when: When,
}

pub fn bodies(path: &Path, a: BodiesArgs, out: &Output) -> anyhow::Result<()> {
    let at = a.when.date();
    let bodies: Vec<_> = ask(path, &a.when, |w| w.bodies_at(at))?
        .into_iter()
        .filter(|b| a.all || b.exists())
        .collect();
    if out.json {
        out.json(&json!({ "at": at, "bodies": bodies }));
        return Ok(());
    }
    let mut t = table_with_evidence(
        &["body", "name", "kind", "parent", "came from", "status"],
        a.when.evidence,
    );
    for b in &bodies {
        let lineage: Vec<String> = b
            .merged_from
            .iter()
            .map(|k| format!("merger of {k}"))
            .chain(b.succeeded_from.iter().map(|k| format!("succeeded {k}")))
            .collect();
        let status = b.ended.as_ref().map_or("active".to_string(), |(d, how)| {
            format!("{} on {d}", how.describe())
        });
        t.add_row(row(
            vec![
                b.body.to_string(),
                b.name.to_string(),
                snake(&b.kind),
                opt(b.parent.as_ref()),
                lineage.join("\n"),
                status,
            ],
            a.when.evidence.then_some(&b.evidence[..]),
        ));
    }
    println!("{} bodies on {at}\n{t}", bodies.len());
    Ok(())
}

/// Timelines: a person's roles, or a body's life (founded, renamed, merged, succeeded, dissolved,
/// seats, terms of reference).
#[derive(clap::Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    of: HistoryOf,
    #[command(flatten)]
    when: When,
}

#[derive(clap::Subcommand)]
enum HistoryOf {
    /// Registration, renames and every membership fact of a person.
    Person { person: PersonKey },
    /// Every fact about a body's existence, seats and terms of reference.
    Body { body: BodyKey },
}

pub fn history(path: &Path, a: HistoryArgs, out: &Output) -> anyhow::Result<()> {
    let (subject, entries, memberships) = match &a.of {
        HistoryOf::Person { person } => {
            let (found, entries, memberships) = ask(path, &a.when, |w| {
                (
                    w.person(person, None).is_some(),
                    w.person_history(person),
                    w.memberships_of(person, None),
                )
            })?;
            if !found {
                bail!("no person {person} in the ledger");
            }
            (person.to_string(), entries, Some(memberships))
        }
        HistoryOf::Body { body } => {
            let entries = ask(path, &a.when, |w| w.body_history(body))?;
            if entries.is_empty() {
                bail!("no body {body} in the ledger (see `minutebook bodies`)");
            }
            (body.to_string(), entries, None)
        }
    };
    if out.json {
        out.json(&json!({ "subject": subject, "timeline": entries, "memberships": memberships }));
        return Ok(());
    }
    let mut t = table_with_evidence(&["date", "what"], a.when.evidence);
    for e in &entries {
        t.add_row(row(
            vec![e.date.to_string(), e.what.clone()],
            a.when.evidence.then(|| std::slice::from_ref(&e.evidence)),
        ));
    }
    println!("{subject}\n{t}");
    if let Some(ms) = memberships {
        let mut t = table(&["body", "role", "seat", "on behalf of", "from", "to"]);
        for m in ms {
            let to = m
                .ended
                .map_or(String::new(), |(d, r)| format!("{d} ({})", snake(&r)));
            t.add_row(vec![
                m.body.to_string(),
                snake(&m.role),
                opt(m.seat),
                opt(m.on_behalf_of),
                m.since.to_string(),
                to,
            ]);
        }
        println!("memberships\n{t}");
    }
    Ok(())
}

/// Terms of reference: in force on a date, their history, or what changed between two dates.
#[derive(clap::Args)]
pub struct TorArgs {
    #[command(subcommand)]
    what: TorWhat,
}

#[derive(clap::Subcommand)]
enum TorWhat {
    /// The terms of reference in force on a date, with the decision that made them.
    Show {
        body: BodyKey,
        #[command(flatten)]
        when: When,
    },
    /// Every adoption, amendment and review.
    History {
        body: BodyKey,
        #[command(flatten)]
        when: When,
    },
    /// Clause-level changes between the versions in force on two dates, with a line diff of each
    /// changed clause.
    Diff {
        body: BodyKey,
        #[arg(long, value_parser = crate::world::parse_date)]
        from: NaiveDate,
        #[arg(long, value_parser = crate::world::parse_date)]
        to: NaiveDate,
        #[command(flatten)]
        when: When,
    },
}

pub fn tor(path: &Path, a: TorArgs, out: &Output) -> anyhow::Result<()> {
    match a.what {
        TorWhat::Show { body, when } => {
            let at = when.date();
            let (found, tor) = ask(path, &when, |w| {
                (need_body(w, &body, at), w.tor_at(&body, at))
            })?;
            found?;
            if out.json {
                out.json(&json!({ "body": body, "at": at, "tor": tor }));
                return Ok(());
            }
            let Some(tor) = tor else {
                println!("{body} had no terms of reference in force on {at}");
                return Ok(());
            };
            println!(
                "{body}: terms of reference {} in force on {at} (since {}{})",
                tor.version,
                tor.in_force_from,
                tor.amends
                    .as_ref()
                    .map_or(String::new(), |v| format!(", amending {v}"))
            );
            if let Some(r) = tor.last_reviewed {
                println!("last reviewed {r}");
            }
            let made_by = &tor.evidence[0];
            println!(
                "made by event #{} ({}): {}{}",
                made_by.seq,
                made_by.type_tag,
                made_by.source.document,
                made_by
                    .source
                    .minute
                    .as_ref()
                    .map_or(String::new(), |m| format!(", minute {m}"))
            );
            let mut t = table(&["clause", "heading", "text"]);
            for c in &tor.clauses {
                t.add_row(vec![
                    c.number.to_string(),
                    opt(c.heading.as_ref()),
                    c.text.to_string(),
                ]);
            }
            println!("{t}");
            let p = &tor.provisions;
            let mut t = table(&["provision", "value"]);
            t.add_row(vec![
                "quorum".to_string(),
                p.quorum.map_or("not stated".into(), |q| {
                    serde_json::to_string(&q).unwrap_or_default()
                }),
            ]);
            t.add_row(vec![
                "meetings per year".to_string(),
                opt(p.meetings_per_year).if_empty("not stated"),
            ]);
            t.add_row(vec![
                "review interval (months)".to_string(),
                opt(p.review_interval_months).if_empty("not stated"),
            ]);
            t.add_row(vec![
                "chair appointment".to_string(),
                opt(p.chair_appointment.as_ref()).if_empty("not stated"),
            ]);
            for s in &p.seats {
                t.add_row(vec![
                    format!("seat {}", s.key),
                    format!(
                        "{} × {}{}",
                        s.count,
                        s.title,
                        if s.required { "" } else { " (not required)" }
                    ),
                ]);
            }
            println!("{t}");
            if when.evidence {
                println!("evidence:\n{}", crate::output::evidence_cell(&tor.evidence));
            }
        }
        TorWhat::History { body, when } => {
            let history = ask(path, &when, |w| w.tor_history(&body))?;
            if out.json {
                out.json(&json!({ "body": body, "history": history }));
                return Ok(());
            }
            let mut t = table_with_evidence(&["date", "event", "version", "what"], when.evidence);
            for h in &history {
                t.add_row(row(
                    vec![
                        h.date.to_string(),
                        snake(&h.kind),
                        h.version.to_string(),
                        h.summary.clone(),
                    ],
                    when.evidence.then(|| std::slice::from_ref(&h.evidence)),
                ));
            }
            println!("{body}: terms of reference history\n{t}");
        }
        TorWhat::Diff {
            body,
            from,
            to,
            when,
        } => {
            let (found, before, after) = ask(path, &when, |w| {
                (
                    need_body(w, &body, to),
                    w.tor_at(&body, from),
                    w.tor_at(&body, to),
                )
            })?;
            found?;
            let diff = tor_diff(before.as_ref(), after.as_ref());
            if out.json {
                out.json(&json!({ "body": body, "from": from, "to": to, "diff": diff }));
                return Ok(());
            }
            println!(
                "{body}: terms of reference on {from} ({}) → on {to} ({})",
                opt(diff.from_version.as_ref()).if_empty("none"),
                opt(diff.to_version.as_ref()).if_empty("none")
            );
            if diff.clauses.is_empty() && diff.provisions.is_none() {
                println!("no changes");
            }
            for c in &diff.clauses {
                match c {
                    minutebook_world::ClauseDiff::Added { number, clause } => {
                        println!("\n+ clause {number} added\n{}", clause.text)
                    }
                    minutebook_world::ClauseDiff::Removed { number, clause } => {
                        println!("\n- clause {number} removed\n{}", clause.text)
                    }
                    minutebook_world::ClauseDiff::Changed { number, diff, .. } => {
                        println!("\n~ clause {number} changed\n{diff}")
                    }
                }
            }
            if let Some((old, new)) = &diff.provisions {
                println!("\nprovisions before: {}", serde_json::to_string(old)?);
                println!("provisions after:  {}", serde_json::to_string(new)?);
            }
        }
    }
    Ok(())
}

trait IfEmpty {
    fn if_empty(self, default: &str) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, default: &str) -> String {
        if self.is_empty() {
            default.to_string()
        } else {
            self
        }
    }
}

/// A body's meetings: date, time, venue, apologies, minutes confirmed.
#[derive(clap::Args)]
pub struct MeetingsArgs {
    body: BodyKey,
    #[command(flatten)]
    when: When,
}

pub fn meetings(path: &Path, a: MeetingsArgs, out: &Output) -> anyhow::Result<()> {
    let (found, meetings) = ask(path, &a.when, |w| {
        (need_body(w, &a.body, a.when.date()), w.meetings(&a.body))
    })?;
    found?;
    if out.json {
        out.json(&json!({ "body": a.body, "meetings": meetings }));
        return Ok(());
    }
    let mut t = table_with_evidence(
        &[
            "meeting",
            "date",
            "time",
            "venue",
            "held",
            "apologies",
            "minutes confirmed at",
        ],
        a.when.evidence,
    );
    for m in &meetings {
        let apologies: Vec<String> = m
            .apologies
            .iter()
            .map(|x| {
                format!(
                    "{}{}",
                    x.person,
                    x.on_behalf_of
                        .as_ref()
                        .map_or(String::new(), |b| format!(" ({b})"))
                )
            })
            .collect();
        let times: Vec<String> = m
            .scheduled
            .iter()
            .filter_map(|s| s.time.map(|t| t.format("%H:%M").to_string()))
            .collect();
        let time = match (m.time, m.contradictory) {
            (_, true) => format!("{} (contradicting)", times.join(" / ")),
            (Some(t), _) => t.format("%H:%M").to_string(),
            (None, _) => String::new(),
        };
        t.add_row(row(
            vec![
                m.meeting.to_string(),
                m.date.to_string(),
                time,
                opt(m.venue.as_ref()),
                if m.held {
                    "yes".into()
                } else {
                    "scheduled".into()
                },
                apologies.join("\n"),
                opt(m.minutes_confirmed_at.as_ref()),
            ],
            a.when.evidence.then_some(&m.evidence[..]),
        ));
    }
    println!("{}: {} meeting(s)\n{t}", a.body, meetings.len());
    Ok(())
}

/// Resolutions of a body's meetings, with minute numbers, verbs and lettered parts.
#[derive(clap::Args)]
pub struct ResolutionsArgs {
    body: BodyKey,
    /// Only resolutions on or after this date.
    #[arg(long, value_parser = crate::world::parse_date)]
    from: Option<NaiveDate>,
    /// Only resolutions on or before this date.
    #[arg(long, value_parser = crate::world::parse_date)]
    to: Option<NaiveDate>,
    #[command(flatten)]
    when: When,
}

pub fn resolutions(path: &Path, a: ResolutionsArgs, out: &Output) -> anyhow::Result<()> {
    let (found, list) = ask(path, &a.when, |w| {
        (
            need_body(w, &a.body, a.when.date()),
            w.resolutions(&a.body, a.from, a.to),
        )
    })?;
    found?;
    if out.json {
        out.json(&json!({ "body": a.body, "resolutions": list }));
        return Ok(());
    }
    let mut t = table_with_evidence(
        &["date", "minute", "item", "verb", "parts"],
        a.when.evidence,
    );
    for r in &list {
        let mut parts = Vec::new();
        if let Some(text) = &r.text {
            parts.push(text.to_string());
        }
        fn walk(parts: &[minutebook_model::ResolutionPart], depth: usize, out: &mut Vec<String>) {
            for p in parts {
                out.push(format!("{}({}) {}", "  ".repeat(depth), p.label, p.text));
                walk(&p.parts, depth + 1, out);
            }
        }
        walk(&r.parts, 0, &mut parts);
        t.add_row(row(
            vec![
                r.date.to_string(),
                r.minute.to_string(),
                r.item.to_string(),
                snake(&r.verb).to_uppercase(),
                parts.join("\n"),
            ],
            a.when.evidence.then_some(&r.evidence[..]),
        ));
    }
    println!("{}: {} resolution(s)\n{t}", a.body, list.len());
    Ok(())
}

/// Actions of a body on a date: owner, due, discharged or open (overdue marked).
#[derive(clap::Args)]
pub struct ActionsArgs {
    body: BodyKey,
    /// Only actions not discharged by the date.
    #[arg(long)]
    open: bool,
    #[command(flatten)]
    when: When,
}

pub fn actions(path: &Path, a: ActionsArgs, out: &Output) -> anyhow::Result<()> {
    let at = a.when.date();
    let (found, list) = ask(path, &a.when, |w| {
        (need_body(w, &a.body, at), w.actions_at(&a.body, at))
    })?;
    found?;
    let list: Vec<_> = list
        .into_iter()
        .filter(|x| !a.open || x.discharged.is_none())
        .collect();
    if out.json {
        out.json(&json!({ "body": a.body, "at": at, "actions": list }));
        return Ok(());
    }
    let mut t = table_with_evidence(
        &["action", "from", "owner", "due", "status", "description"],
        a.when.evidence,
    );
    for x in &list {
        let owner = owner(&x.owner);
        let from = x.resolution.as_ref().map_or(String::new(), |r| {
            format!(
                "{r}{}",
                x.part.as_ref().map_or(String::new(), |p| format!("({p})"))
            )
        });
        let status = action_status(x);
        t.add_row(row(
            vec![
                x.action.to_string(),
                from,
                owner,
                opt(x.due_date),
                status,
                x.description.to_string(),
            ],
            a.when.evidence.then_some(&x.evidence[..]),
        ));
    }
    println!("{} on {at}: {} action(s)\n{t}", a.body, list.len());
    Ok(())
}

/// Funding allocations with adjustments applied, totals, and reconciliation with stated totals.
#[derive(clap::Args)]
pub struct FundingArgs {
    #[arg(long)]
    fund: Option<FundKey>,
    #[arg(long)]
    funder: Option<BodyKey>,
    #[arg(long)]
    recipient: Option<BodyKey>,
    /// Allocations whose period overlaps FROM..TO (instead of those covering --at).
    #[arg(long, value_name = "FROM..TO", value_parser = parse_period, conflicts_with = "at")]
    period: Option<Period>,
    #[command(flatten)]
    when: When,
}

fn parse_period(s: &str) -> Result<Period, String> {
    let (from, to) = s
        .split_once("..")
        .ok_or("a period is FROM..TO, e.g. 2011-04-01..2011-09-30")?;
    let period = Period {
        from: from.parse().map_err(|e| format!("{from:?}: {e}"))?,
        to: to.parse().map_err(|e| format!("{to:?}: {e}"))?,
    };
    if period.to < period.from {
        return Err(format!(
            "the period ends ({}) before it starts ({})",
            period.to, period.from
        ));
    }
    Ok(period)
}

pub fn funding(path: &Path, a: FundingArgs, out: &Output) -> anyhow::Result<()> {
    let (as_at, window) = match a.period {
        Some(p) => (p.to, p),
        None => {
            let d = a.when.date();
            (d, Period { from: d, to: d })
        }
    };
    let (list, totals) = ask(path, &a.when, |world| {
        let list: Vec<_> = world
            .allocations(as_at)
            .into_iter()
            .filter(|x| x.period.from <= window.to && window.from <= x.period.to)
            .filter(|x| a.fund.as_ref().is_none_or(|f| &x.fund == f))
            .filter(|x| a.funder.as_ref().is_none_or(|f| &x.funder == f))
            .filter(|x| a.recipient.as_ref().is_none_or(|r| &x.recipient == r))
            .collect();
        let listed: std::collections::HashSet<_> = list.iter().map(|x| &x.allocation).collect();
        let totals: Vec<_> = world
            .totals(as_at)
            .into_iter()
            .filter(|t| t.covers.iter().any(|c| listed.contains(c)))
            .collect();
        (list, totals)
    })?;
    let sum = list.iter().try_fold(minutebook_model::Pence::ZERO, |s, x| {
        s.checked_add(x.amount)
    });
    if out.json {
        out.json(&json!({
            "window": window,
            "allocations": list,
            "total": sum,
            "total_display": sum.map(|s| s.to_string()),
            "stated_totals": totals,
        }));
        return Ok(());
    }
    let mut t = table_with_evidence(
        &[
            "allocation",
            "fund",
            "funder",
            "recipient",
            "period",
            "allocated",
            "amount",
        ],
        a.when.evidence,
    );
    for x in &list {
        t.add_row(row(
            vec![
                x.allocation.to_string(),
                x.fund.to_string(),
                x.funder.to_string(),
                x.recipient.to_string(),
                format!("{} to {}", x.period.from, x.period.to),
                x.allocated.to_string(),
                x.amount.to_string(),
            ],
            a.when.evidence.then_some(&x.evidence[..]),
        ));
    }
    println!(
        "{} allocation(s) in {} to {}\n{t}",
        list.len(),
        window.from,
        window.to
    );
    println!(
        "total {}",
        sum.map_or("overflows".into(), |s| s.to_string())
    );
    for total in &totals {
        let diff = total
            .difference
            .map_or("cannot be computed".to_string(), |d| match d {
                0 => "agrees".to_string(),
                d => format!(
                    "differs by {}{}",
                    if d < 0 { "-" } else { "+" },
                    minutebook_model::Pence::new(d.abs()).unwrap_or_default()
                ),
            });
        println!(
            "stated {} \"{}\": {} against {} computed from {} allocation(s): {diff}{}",
            total.total,
            total.label,
            total.stated,
            opt(total.computed),
            total.covers.len(),
            total
                .note
                .as_ref()
                .map_or(String::new(), |n| format!(" (the document notes: {n})"))
        );
    }
    Ok(())
}
