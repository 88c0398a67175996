use std::path::Path;

use chrono::NaiveDate;
use memchr::memmem::Finder;
use minutebook_model::{BodyKey, Event, Payload};
use minutebook_store::{Ledger, Stored};
use serde_json::{Value, json};

use crate::output::{Output, table};

/// List events as recorded, oldest first (or newest first), with optional filters.
#[derive(clap::Args)]
pub struct Args {
    /// Only events of this type (repeatable).
    #[arg(long = "type", value_name = "TYPE", value_parser = clap::builder::PossibleValuesParser::new(Payload::TYPES))]
    types: Vec<String>,
    /// Only events that name this body.
    #[arg(long)]
    body: Option<BodyKey>,
    /// Only events effective on or after this date (YYYY-MM-DD).
    #[arg(long, value_parser = crate::world::parse_date)]
    from: Option<NaiveDate>,
    /// Only events effective on or before this date (YYYY-MM-DD).
    #[arg(long, value_parser = crate::world::parse_date)]
    to: Option<NaiveDate>,
    /// Newest first.
    #[arg(long)]
    newest: bool,
    /// At most this many events.
    #[arg(long)]
    limit: Option<usize>,
}

/// What the stored bytes of an event that [`Args::keeps`] keeps must contain, as JSON writes it:
/// the body's key, and one of the types. Looking for these first spares decoding most events of a
/// long log (a key is a JSON string in every event that names it).
struct Prefilter {
    body: Option<Finder<'static>>,
    types: Vec<Finder<'static>>,
}

impl Prefilter {
    fn new(args: &Args) -> Prefilter {
        let quoted = |s: &str| Finder::new(&serde_json::to_vec(s).expect("a string")).into_owned();
        Prefilter {
            body: args.body.as_ref().map(|b| quoted(b.as_str())),
            types: args.types.iter().map(|t| quoted(t)).collect(),
        }
    }

    fn may_keep(&self, bytes: &[u8]) -> bool {
        self.body.as_ref().is_none_or(|f| f.find(bytes).is_some())
            && (self.types.is_empty() || self.types.iter().any(|f| f.find(bytes).is_some()))
    }
}

impl Args {
    fn keeps(&self, e: &Event) -> bool {
        (self.types.is_empty() || self.types.iter().any(|t| t == e.payload.type_tag()))
            && self
                .body
                .as_ref()
                .is_none_or(|b| e.payload.bodies().contains(&b))
            && self.from.is_none_or(|d| e.effective >= d)
            && self.to.is_none_or(|d| e.effective <= d)
    }
}

pub fn run(path: &Path, args: Args, out: &Output) -> anyhow::Result<()> {
    let ledger = Ledger::open(path)?;
    let stored = ledger.iter_from(1)?;
    let stored: Box<dyn Iterator<Item = _>> = if args.newest {
        Box::new(stored.rev())
    } else {
        Box::new(stored)
    };
    let prefilter = Prefilter::new(&args);
    let mut rows: Vec<(Stored, Event)> = Vec::new();
    for s in stored {
        let s = s?;
        if !prefilter.may_keep(&s.bytes) {
            continue;
        }
        let event = s.event()?;
        if args.keeps(&event) {
            rows.push((s, event));
            if args.limit.is_some_and(|n| rows.len() >= n) {
                break;
            }
        }
    }
    if out.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|(s, _)| {
                let event: Value =
                    serde_json::from_slice(&s.bytes).expect("stored events are JSON");
                json!({ "seq": s.seq, "chain": s.chain.to_hex(), "event": event })
            })
            .collect();
        out.json(&list);
        return Ok(());
    }
    let mut t = table(&["seq", "effective", "type", "what", "recorded"]);
    for (s, e) in &rows {
        t.add_row(vec![
            s.seq.to_string(),
            e.effective.to_string(),
            e.payload.type_tag().to_string(),
            summary(&e.payload),
            e.recorded_at.format("%Y-%m-%d %H:%M").to_string(),
        ]);
    }
    println!("{t}");
    println!("{} event(s)", rows.len());
    Ok(())
}

/// A one-line gist of a payload: its leading scalar fields.
fn summary(payload: &Payload) -> String {
    const WIDTH: usize = 72;
    let value = serde_json::to_value(payload).unwrap_or_default();
    let mut parts = Vec::new();
    if let Some(Value::Object(data)) = value.get("data") {
        for (k, v) in data {
            let v = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Array(a) => format!("[{} item(s)]", a.len()),
                _ => continue,
            };
            parts.push(format!("{k}={v}"));
        }
    }
    let mut s = parts.join(" ");
    if s.chars().count() > WIDTH {
        s = s.chars().take(WIDTH - 1).collect::<String>() + "…";
    }
    s
}
