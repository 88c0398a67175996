//! `record`: enter the common facts without writing JSON. Each subcommand builds one event, which is
//! checked and appended exactly as `append` would, and prints the event it appended.

use std::path::Path;

use chrono::{NaiveDate, NaiveTime, Utc};
use minutebook_model::{EventId, EventRef, Pence, draft_from_value};
use minutebook_store::{Ledger, StoreError};
use serde_json::{Map, Value, json};

use super::append::{append_checked, print_report};
use crate::output::Output;

/// Where a fact comes from and when it took effect: shared by every `record` subcommand.
#[derive(clap::Args)]
pub struct Common {
    /// The date the fact took effect (YYYY-MM-DD). Default: today.
    #[arg(long, global = true, value_name = "DATE")]
    effective: Option<NaiveDate>,
    /// Who is recording it. Default: $MINUTEBOOK_CLERK, else $USER.
    #[arg(long = "by", global = true, value_name = "NAME")]
    recorded_by: Option<String>,
    /// The document that evidences it (title). Required.
    #[arg(long, global = true, value_name = "TITLE")]
    document: Option<String>,
    /// Minute, paragraph or appendix in that document.
    #[arg(long, global = true)]
    minute: Option<String>,
    #[arg(long, global = true)]
    url: Option<String>,
    /// The words the fact rests on.
    #[arg(long, global = true)]
    quote: Option<String>,
    /// Event ids this one corrects (repeatable); they drop out of answers once this is recorded.
    #[arg(long, global = true, value_name = "ID")]
    supersedes: Vec<EventId>,
    /// Give the event this id (to make re-running the command idempotent).
    #[arg(long, global = true)]
    id: Option<EventId>,
}

/// Record one governance fact without writing JSON; it is checked like any append and the appended
/// event is printed. Every fact needs --document (where it is evidenced); --effective defaults to today.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    fact: Fact,
    #[command(flatten)]
    common: Common,
}

#[derive(clap::Subcommand)]
enum Fact {
    /// A body was founded.
    Body {
        body: String,
        #[arg(long)]
        name: String,
        /// board, partnership, committee, sub_group, authority or funder.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        parent: Option<String>,
    },
    /// A person is registered (title apart from the name).
    Person {
        person: String,
        #[arg(long)]
        name: String,
        /// "Cllr.", "Chief Supt.", "Sir", ...
        #[arg(long)]
        title: Option<String>,
    },
    /// A seat is defined on a body outside its terms of reference.
    Seat {
        body: String,
        seat: String,
        #[arg(long)]
        title: String,
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// The organisation the holder represents.
        #[arg(long)]
        for_body: Option<String>,
        /// The body need not fill it (an invited, non-voting place).
        #[arg(long)]
        optional: bool,
    },
    /// A person is appointed to a body.
    Appoint {
        membership: String,
        #[arg(long)]
        body: String,
        #[arg(long)]
        person: String,
        /// chair, vice_chair, member, co_opted, substitute or invited_observer.
        #[arg(long, default_value = "member")]
        role: String,
        #[arg(long)]
        seat: Option<String>,
        #[arg(long)]
        on_behalf_of: Option<String>,
    },
    /// A membership ends (on the effective date).
    EndMembership {
        membership: String,
        /// resigned, term_expired, replaced, removed, seat_abolished, organisation_changed, body_dissolved, died or other.
        #[arg(long)]
        reason: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// A meeting was held (on the effective date).
    Meeting {
        meeting: String,
        #[arg(long)]
        body: String,
        /// HH:MM
        #[arg(long)]
        time: Option<NaiveTime>,
        #[arg(long)]
        venue: Option<String>,
        /// PERSON or PERSON:BODY, repeatable.
        #[arg(long, value_name = "PERSON[:BODY]")]
        present: Vec<String>,
        /// PERSON or PERSON:BODY (the body they represent), repeatable.
        #[arg(long, value_name = "PERSON[:BODY]")]
        apologies: Vec<String>,
        #[arg(long, value_name = "PERSON[:BODY]")]
        in_attendance: Vec<String>,
    },
    /// A resolution was passed at a meeting.
    Resolution {
        resolution: String,
        #[arg(long)]
        meeting: String,
        #[arg(long)]
        minute: String,
        #[arg(long)]
        item: String,
        /// resolved, agreed or noted.
        #[arg(long)]
        verb: String,
        #[arg(long)]
        text: Option<String>,
        /// LABEL=TEXT, repeatable: --part "a=That the report be noted".
        #[arg(long, value_name = "LABEL=TEXT")]
        part: Vec<String>,
    },
    /// An action is assigned to a person or a body.
    Action {
        action: String,
        #[arg(long)]
        description: String,
        #[arg(
            long,
            conflicts_with = "owner_body",
            required_unless_present = "owner_body"
        )]
        owner_person: Option<String>,
        #[arg(long)]
        owner_body: Option<String>,
        #[arg(long)]
        resolution: Option<String>,
        #[arg(long)]
        part: Option<String>,
        #[arg(long, conflicts_with = "due_meeting")]
        due_date: Option<NaiveDate>,
        #[arg(long)]
        due_meeting: Option<String>,
    },
    /// An action is discharged (on the effective date).
    Discharge {
        action: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// A fund allocates money to a recipient for a period.
    Funding {
        allocation: String,
        #[arg(long)]
        fund: String,
        #[arg(long)]
        funder: String,
        #[arg(long)]
        recipient: String,
        /// In pounds: 22380, 22,380 or £22,380.50.
        #[arg(long, value_parser = parse_pounds)]
        amount: Pence,
        #[arg(long)]
        from: NaiveDate,
        /// The last day of the period.
        #[arg(long)]
        to: NaiveDate,
        #[arg(long)]
        purpose: Option<String>,
    },
    /// Retract events: they drop out of every answer (they stay in the log).
    Retract {
        /// The events to retract.
        #[arg(required = true)]
        ids: Vec<EventId>,
        #[arg(long)]
        reason: String,
    },
}

/// Pounds as people write them, to pence: "22380", "22,380", "£22,380.50".
pub fn parse_pounds(s: &str) -> Result<Pence, String> {
    let bad = || format!("{s:?} is not an amount in pounds (write 22380, 22,380 or £22,380.50)");
    let digits: String = s
        .trim()
        .trim_start_matches('£')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (pounds, pence) = digits.split_once('.').unwrap_or((&digits, "00"));
    if pounds.is_empty()
        || pence.len() != 2
        || !pounds.bytes().all(|b| b.is_ascii_digit())
        || !pence.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let pounds: i64 = pounds.parse().map_err(|_| bad())?;
    let pence: i64 = pence.parse().map_err(|_| bad())?;
    pounds
        .checked_mul(100)
        .and_then(|p| p.checked_add(pence))
        .and_then(|p| Pence::new(p).ok())
        .ok_or_else(bad)
}

fn attendees(list: &[String]) -> Vec<Value> {
    list.iter()
        .map(|a| match a.split_once(':') {
            Some((person, body)) => json!({ "person": person, "on_behalf_of": body }),
            None => json!({ "person": a }),
        })
        .collect()
}

/// Drop nulls so optional fields are simply absent.
fn clean(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, clean(v)))
                .collect::<Map<_, _>>(),
        ),
        other => other,
    }
}

fn fact_json(fact: Fact) -> Result<(&'static str, Value), String> {
    Ok(match fact {
        Fact::Body {
            body,
            name,
            kind,
            parent,
        } => (
            "body_founded",
            json!({ "body": body, "name": name, "kind": kind, "parent": parent }),
        ),
        Fact::Person {
            person,
            name,
            title,
        } => (
            "person_registered",
            json!({ "person": person, "name": name, "title": title }),
        ),
        Fact::Seat {
            body,
            seat,
            title,
            count,
            for_body,
            optional,
        } => (
            "seat_defined",
            json!({ "body": body, "seat": { "key": seat, "title": title, "count": count, "for_body": for_body, "required": !optional } }),
        ),
        Fact::Appoint {
            membership,
            body,
            person,
            role,
            seat,
            on_behalf_of,
        } => (
            "member_appointed",
            json!({ "membership": membership, "body": body, "person": person, "role": role, "seat": seat, "on_behalf_of": on_behalf_of }),
        ),
        Fact::EndMembership {
            membership,
            reason,
            note,
        } => (
            "membership_ended",
            json!({ "membership": membership, "reason": reason, "note": note }),
        ),
        Fact::Meeting {
            meeting,
            body,
            time,
            venue,
            present,
            apologies,
            in_attendance,
        } => (
            "meeting_held",
            json!({
                "meeting": meeting, "body": body, "time": time, "venue": venue,
                "present": attendees(&present), "apologies": attendees(&apologies), "in_attendance": attendees(&in_attendance),
            }),
        ),
        Fact::Resolution {
            resolution,
            meeting,
            minute,
            item,
            verb,
            text,
            part,
        } => {
            let parts = part
                .iter()
                .map(|p| {
                    p.split_once('=')
                        .map(|(label, text)| json!({ "label": label, "text": text }))
                        .ok_or_else(|| format!("--part {p:?} should be LABEL=TEXT"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            (
                "resolution_passed",
                json!({ "resolution": resolution, "meeting": meeting, "minute": minute, "item": item, "verb": verb, "text": text, "parts": parts }),
            )
        }
        Fact::Action {
            action,
            description,
            owner_person,
            owner_body,
            resolution,
            part,
            due_date,
            due_meeting,
        } => {
            let owner = match (owner_person, owner_body) {
                (Some(p), _) => json!({ "person": p }),
                (None, Some(b)) => json!({ "body": b }),
                (None, None) => return Err("give --owner-person or --owner-body".into()),
            };
            let due = match (due_date, due_meeting) {
                (Some(d), _) => json!({ "date": d }),
                (None, Some(m)) => json!({ "meeting": m }),
                (None, None) => Value::Null,
            };
            (
                "action_assigned",
                json!({ "action": action, "description": description, "owner": owner, "resolution": resolution, "part": part, "due": due }),
            )
        }
        Fact::Discharge { action, note } => (
            "action_discharged",
            json!({ "action": action, "note": note }),
        ),
        Fact::Funding {
            allocation,
            fund,
            funder,
            recipient,
            amount,
            from,
            to,
            purpose,
        } => (
            "funding_allocated",
            json!({
                "allocation": allocation, "fund": fund, "funder": funder, "recipient": recipient,
                "amount": amount, "period": { "from": from, "to": to }, "purpose": purpose,
            }),
        ),
        Fact::Retract { ids: _, reason } => ("retraction", json!({ "reason": reason })),
    })
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    let c = args.common;
    let Some(document) = c.document else {
        anyhow::bail!(
            "say where the fact is evidenced: --document TITLE (and --minute, --quote where you can)"
        );
    };
    let mut supersedes = c.supersedes;
    if let Fact::Retract { ids, .. } = &args.fact {
        supersedes.extend(ids.iter().copied());
    }
    let (kind, data) = fact_json(args.fact).map_err(anyhow::Error::msg)?;
    let recorded_by = c
        .recorded_by
        .or_else(|| std::env::var("MINUTEBOOK_CLERK").ok())
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "clerk".into());
    let event = clean(json!({
        "id": c.id,
        "type": kind,
        "effective": c.effective.unwrap_or_else(|| Utc::now().date_naive()),
        "recorded_by": recorded_by,
        "source": { "document": document, "minute": c.minute, "url": c.url, "quote": c.quote },
        "supersedes": supersedes,
        "data": data,
    }));
    let at = EventRef {
        position: Some(1),
        ..EventRef::default()
    };
    let draft = draft_from_value(event, &at).map_err(StoreError::Rejected)?;
    let ledger = Ledger::open(path)?;
    let report = append_checked(&ledger, vec![draft], None)?;
    let (seq, _) = report
        .appended
        .first()
        .or(report.already_present.first())
        .copied()
        .expect("one event");
    let stored = ledger.get(seq)?.expect("just appended");
    crate::world::done_with(ledger);
    let event: Value = serde_json::from_slice(&stored.bytes)?;
    if out.json {
        out.json(
            &json!({ "seq": seq, "event": event, "head": crate::output::checkpoint(report.head) }),
        );
    } else {
        print_report(&report, out);
        println!("{}", serde_json::to_string_pretty(&event)?);
    }
    Ok(())
}
