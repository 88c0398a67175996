use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use minutebook_model::BodyKey;
use minutebook_review::{CSP_ENGLAND_PACK, Check, DEFAULT_PACK, Format, Pack, render, review};
use minutebook_world::KnownAt;

use crate::output::Output;
use crate::world::{ask_known_at, parse_known_at};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ReviewFormat {
    Text,
    Md,
    Json,
    Html,
}

/// Review how a body operated over a period against the rules in force at each date.
///
/// Every review checks the default pack: the body's own terms of reference in force on each date
/// (quorum, seats filled, meetings per year, review interval, chair), record keeping (minutes
/// confirmed, attendance and declarations recorded, actions discharged, no contradictions left
/// standing) and structure and funding (memberships for bodies that ended, totals that do not
/// reconcile, allocations to recipients that did not exist or from a funder that no longer held the
/// fund). Add statutory packs with --rules (e.g. rules/csp-england.json, or `--rules csp-england` for
/// the built-in copy). Each finding gives its date, severity, basis, explanation and evidence; rules
/// that could not be checked for want of data are listed as such, never passed silently.
#[derive(clap::Args)]
pub struct Args {
    body: BodyKey,
    /// First day of the period (YYYY-MM-DD).
    #[arg(long, value_parser = crate::world::parse_date)]
    from: NaiveDate,
    /// Last day of the period (YYYY-MM-DD).
    #[arg(long, value_parser = crate::world::parse_date)]
    to: NaiveDate,
    /// A rule pack file (JSON; see docs/review.md), or `csp-england` for the built-in statutory pack
    /// for Community Safety Partnerships. Repeatable.
    #[arg(long, value_name = "FILE")]
    rules: Vec<String>,
    /// Vacancies shorter than this many days are not findings (default: the pack's, 90).
    #[arg(long, value_name = "DAYS")]
    grace_days: Option<u32>,
    #[arg(long, value_enum, default_value = "text")]
    format: ReviewFormat,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Review the ledger as it was known at this moment (RFC 3339 time, date, or seq:N).
    #[arg(long, value_name = "WHEN", value_parser = parse_known_at)]
    known_at: Option<KnownAt>,
}

fn load_packs(args: &Args) -> anyhow::Result<Vec<Pack>> {
    let mut packs = vec![Pack::parse(DEFAULT_PACK, "built-in default")?];
    for r in &args.rules {
        let pack = if r == "csp-england" {
            Pack::parse(CSP_ENGLAND_PACK, "built-in csp-england")?
        } else {
            let text =
                std::fs::read_to_string(r).with_context(|| format!("reading rule pack {r}"))?;
            Pack::parse(&text, r)?
        };
        packs.push(pack);
    }
    if let Some(days) = args.grace_days {
        for rule in packs.iter_mut().flat_map(|p| p.rules.iter_mut()) {
            if let Check::SeatsFilled { grace_days } = &mut rule.check {
                *grace_days = days;
            }
        }
    }
    Ok(packs)
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    if args.to < args.from {
        bail!(
            "the period ends ({}) before it starts ({})",
            args.to,
            args.from
        );
    }
    let packs = load_packs(&args)?;
    // Through the topic index: only the events of the topics the checks read are folded (the body,
    // its meetings, memberships, actions, allocations ...), not the whole log. A check that lists
    // every key of a kind (csp-england's scrutiny check looks for every committee) folds the facts
    // of every entity of that kind.
    let report = ask_known_at(path, args.known_at, |world| {
        review(world, &args.body, args.from, args.to, &packs)
    })?;
    let Some(report) = report else {
        bail!(
            "no body {} in the ledger (see `minutebook bodies --all`)",
            args.body
        );
    };
    let format = match (out.json, args.format) {
        (true, _) | (_, ReviewFormat::Json) => Format::Json,
        (_, ReviewFormat::Text) => Format::Text,
        (_, ReviewFormat::Md) => Format::Md,
        (_, ReviewFormat::Html) => Format::Html,
    };
    let rendered = render(&report, format);
    match &args.out {
        Some(file) => {
            std::fs::write(file, rendered)
                .with_context(|| format!("writing {}", file.display()))?;
            eprintln!(
                "{} finding(s); report written to {}",
                report.findings.len(),
                file.display()
            );
        }
        None => print!("{rendered}"),
    }
    Ok(())
}
