//! `state`: everything about one body on one date, as text, Markdown or JSON.

use std::path::Path;

use comfy_table::{Table, presets};
use minutebook_model::BodyKey;
use minutebook_world::snake;
use serde_json::json;

use crate::output::{Output, action_status, evidence_cell, member_cells, opt, owner};
use crate::world::{When, ask_known_at};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Md,
    Json,
}

/// The state of one body on a date: the body, its members and seats, the terms of reference in force,
/// meetings, resolutions, actions and funding — each row with its evidence.
#[derive(clap::Args)]
pub struct Args {
    body: BodyKey,
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    when: When,
}

struct Doc {
    md: bool,
    evidence: bool,
    out: String,
}

impl Doc {
    fn heading(&mut self, title: &str) {
        if self.md {
            self.out.push_str(&format!("\n## {title}\n\n"));
        } else {
            self.out.push_str(&format!(
                "\n{title}\n{}\n",
                "=".repeat(title.chars().count())
            ));
        }
    }
    fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('\n');
        if self.md {
            self.out.push('\n');
        }
    }
    fn table(&mut self, header: &[&str], rows: Vec<(Vec<String>, &[minutebook_world::Evidence])>) {
        if rows.is_empty() {
            self.line("(none)");
            return;
        }
        let mut t = Table::new();
        t.load_preset(if self.md {
            presets::ASCII_MARKDOWN
        } else {
            presets::UTF8_FULL_CONDENSED
        });
        let mut h = header.to_vec();
        if self.evidence {
            h.push("evidence");
        }
        t.set_header(h);
        for (mut cells, evidence) in rows {
            if self.evidence {
                let cell = evidence_cell(evidence);
                cells.push(if self.md {
                    cell.replace('\n', "<br>")
                } else {
                    cell
                });
            }
            if self.md {
                cells = cells
                    .into_iter()
                    .map(|c| c.replace('|', "\\|").replace('\n', "<br>"))
                    .collect();
            }
            t.add_row(cells);
        }
        self.out.push_str(&t.to_string());
        self.out.push('\n');
    }
}

pub fn run(path: &Path, a: Args, out: &Output) -> anyhow::Result<()> {
    let at = a.when.date();
    // Through the topic index: only the body's own topics and those they name are folded.
    let state = ask_known_at(path, a.when.known_at, |world| {
        let body = world.body_at(&a.body, at)?;
        let meetings: Vec<_> = world
            .meetings(&a.body)
            .into_iter()
            .filter(|m| m.date <= at || !m.held)
            .collect();
        let allocations: Vec<_> = world
            .allocations_of(&a.body, at)
            .into_iter()
            .filter(|x| x.period.from <= at)
            .collect();
        Some((
            body,
            world.members_at(&a.body, at),
            world.seats_at(&a.body, at),
            world.tor_at(&a.body, at),
            meetings,
            world.resolutions(&a.body, None, Some(at)),
            world.actions_at(&a.body, at),
            allocations,
        ))
    })?;
    let Some((body, members, seats, tor, meetings, resolutions, actions, allocations)) = state
    else {
        anyhow::bail!(
            "no body {} on {at} (see `minutebook bodies --at {at} --all`)",
            a.body
        );
    };
    if out.json || matches!(a.format, Format::Json) {
        out.json(&json!({
            "at": at,
            "body": body,
            "members": members,
            "seats": seats,
            "tor": tor,
            "meetings": meetings,
            "resolutions": resolutions,
            "actions": actions,
            "allocations": allocations,
        }));
        return Ok(());
    }
    let mut d = Doc {
        md: matches!(a.format, Format::Md),
        evidence: a.when.evidence,
        out: String::new(),
    };
    let title = format!("{} ({}) on {at}", body.name, body.body);
    if d.md {
        d.out.push_str(&format!("# {title}\n\n"));
    } else {
        d.out.push_str(&format!("{title}\n"));
    }
    let status = body
        .ended
        .as_ref()
        .map_or("active".to_string(), |(date, how)| {
            format!("{} on {date}", how.describe())
        });
    d.line(&format!(
        "Kind: {}. Founded {}. Status: {status}.",
        snake(&body.kind),
        body.founded
    ));
    if let Some(p) = &body.parent {
        d.line(&format!("Parent: {p}."));
    }
    if !body.former_names.is_empty() {
        let names: Vec<String> = body
            .former_names
            .iter()
            .map(|(n, until)| format!("{n} (until {until})"))
            .collect();
        d.line(&format!("Formerly: {}.", names.join("; ")));
    }
    if !body.merged_from.is_empty() || !body.succeeded_from.is_empty() {
        let from: Vec<&str> = body
            .merged_from
            .iter()
            .chain(&body.succeeded_from)
            .map(|b| b.as_str())
            .collect();
        d.line(&format!("Came from: {}.", from.join(", ")));
    }

    d.heading("Members");
    d.table(
        &["member", "role", "seat", "on behalf of", "since"],
        members
            .iter()
            .map(|m| {
                let cells = member_cells(m);
                (cells, &m.evidence[..])
            })
            .collect(),
    );
    d.heading("Seats");
    d.table(
        &["seat", "title", "places", "filled", "defined by"],
        seats
            .iter()
            .map(|s| {
                let filled = members
                    .iter()
                    .filter(|m| m.seat.as_ref() == Some(&s.seat.key))
                    .count();
                let cells = vec![
                    s.seat.key.to_string(),
                    s.seat.title.to_string(),
                    format!(
                        "{}{}",
                        s.seat.count,
                        if s.seat.required { "" } else { " (optional)" }
                    ),
                    filled.to_string(),
                    s.defined_by.clone(),
                ];
                (cells, &s.evidence[..])
            })
            .collect(),
    );
    d.heading("Terms of reference");
    match &tor {
        None => d.line("None in force."),
        Some(t) => {
            d.line(&format!(
                "Version {} in force since {}{}{}.",
                t.version,
                t.in_force_from,
                t.amends
                    .as_ref()
                    .map_or(String::new(), |v| format!(", amending {v}")),
                t.last_reviewed
                    .map_or(String::new(), |r| format!("; last reviewed {r}"))
            ));
            d.table(
                &["clause", "heading", "text"],
                t.clauses
                    .iter()
                    .map(|c| {
                        (
                            vec![
                                c.number.to_string(),
                                opt(c.heading.as_ref()),
                                c.text.to_string(),
                            ],
                            &t.evidence[..1],
                        )
                    })
                    .collect(),
            );
        }
    }
    d.heading("Meetings");
    d.table(
        &[
            "meeting",
            "date",
            "time",
            "venue",
            "held",
            "minutes confirmed at",
        ],
        meetings
            .iter()
            .map(|m| {
                let cells = vec![
                    m.meeting.to_string(),
                    m.date.to_string(),
                    m.time
                        .map_or(String::new(), |t| t.format("%H:%M").to_string()),
                    opt(m.venue.as_ref()),
                    if m.held {
                        "yes".into()
                    } else {
                        "scheduled".into()
                    },
                    opt(m.minutes_confirmed_at.as_ref()),
                ];
                (cells, &m.evidence[..])
            })
            .collect(),
    );
    d.heading("Resolutions");
    d.table(
        &["date", "minute", "item", "verb", "parts"],
        resolutions
            .iter()
            .map(|r| {
                let parts: Vec<String> = r
                    .parts
                    .iter()
                    .map(|p| format!("({}) {}", p.label, p.text))
                    .collect();
                let cells = vec![
                    r.date.to_string(),
                    r.minute.to_string(),
                    r.item.to_string(),
                    snake(&r.verb).to_uppercase(),
                    r.text
                        .as_ref()
                        .map(|t| t.to_string())
                        .into_iter()
                        .chain(parts)
                        .collect::<Vec<_>>()
                        .join("\n"),
                ];
                (cells, &r.evidence[..])
            })
            .collect(),
    );
    d.heading("Actions");
    d.table(
        &["action", "owner", "due", "status", "description"],
        actions
            .iter()
            .map(|x| {
                let owner = owner(&x.owner);
                let status = action_status(x);
                (
                    vec![
                        x.action.to_string(),
                        owner,
                        opt(x.due_date),
                        status,
                        x.description.to_string(),
                    ],
                    &x.evidence[..],
                )
            })
            .collect(),
    );
    d.heading("Funding");
    d.table(
        &[
            "allocation",
            "fund",
            "funder",
            "recipient",
            "period",
            "amount",
        ],
        allocations
            .iter()
            .map(|x| {
                let cells = vec![
                    x.allocation.to_string(),
                    x.fund.to_string(),
                    x.funder.to_string(),
                    x.recipient.to_string(),
                    format!("{} to {}", x.period.from, x.period.to),
                    x.amount.to_string(),
                ];
                (cells, &x.evidence[..])
            })
            .collect(),
    );
    print!("{}", d.out);
    Ok(())
}
