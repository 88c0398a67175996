//! Structural rules that relate several fields of one event. Pure and total: no ledger, no clock.
//!
//! Rules on a single value (a name is not empty, an amount not negative) are enforced when the value
//! is parsed (see `values` and `keys`); rules that need the state of the world belong to projections.

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::error::Rule;
use crate::event::Draft;
use crate::payload::*;
use crate::values::Period;

/// Valid-time dates outside this range are almost certainly typing mistakes.
pub const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(1000, 1, 1).unwrap();
pub const LATEST: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();

/// Every structural problem with a draft, as (field path, rule). Empty means the draft is sound.
pub fn problems(draft: &Draft) -> Vec<(String, Rule)> {
    let mut v = Problems(Vec::new());
    v.date("effective", draft.effective);
    v.unique(
        "supersedes",
        draft.supersedes.iter().map(ToString::to_string),
    );
    if let Some(id) = draft.id
        && draft.supersedes.contains(&id)
    {
        v.push("supersedes", Rule::SupersedesItself);
    }
    if let Some(lines) = draft.source.lines {
        if lines.first == 0 {
            v.push(
                "source.lines.first",
                Rule::Invalid("must be at least 1 (lines count from 1)".into()),
            );
        }
        if lines.last < lines.first {
            v.push(
                "source.lines.last",
                Rule::Invalid(format!("must not be before line {}", lines.first)),
            );
        }
    }
    if let Some(x) = &draft.source.extraction
        && x.confidence_percent > 100
    {
        v.push(
            "source.extraction.confidence_percent",
            Rule::Invalid("must be at most 100".into()),
        );
    }
    payload_problems(&mut v, &draft.payload, !draft.supersedes.is_empty());
    v.0
}

struct Problems(Vec<(String, Rule)>);

impl Problems {
    fn push(&mut self, field: impl Into<String>, rule: Rule) {
        self.0.push((field.into(), rule));
    }
    fn date(&mut self, field: &str, date: NaiveDate) {
        if !(EARLIEST..=LATEST).contains(&date) {
            self.push(field, Rule::DateOutOfRange(date));
        }
    }
    fn period(&mut self, field: &str, p: &Period) {
        self.date(&format!("{field}.from"), p.from);
        self.date(&format!("{field}.to"), p.to);
        if p.to < p.from {
            self.push(
                format!("{field}.to"),
                Rule::PeriodEndsBeforeStart {
                    from: p.from,
                    to: p.to,
                },
            );
        }
    }
    fn unique<T: ToString>(&mut self, field: &str, items: impl IntoIterator<Item = T>) {
        let mut seen = HashSet::new();
        for item in items {
            let item = item.to_string();
            if !seen.insert(item.clone()) {
                self.push(field, Rule::Duplicate(item));
            }
        }
    }
    fn at_least<T>(&mut self, field: &str, items: &[T], min: usize, what: &'static str) {
        if items.len() < min {
            self.push(field, Rule::TooFew(what));
        }
    }
    fn positive(&mut self, field: &str, n: u32) {
        if n == 0 {
            self.push(field, Rule::Invalid("must be at least 1".into()));
        }
    }
    fn provisions(&mut self, field: &str, p: &Provisions) {
        match p.quorum {
            Some(Quorum::Members(n)) => self.positive(&format!("{field}.quorum.members"), n),
            Some(Quorum::Fraction {
                numerator,
                denominator,
            }) => {
                let f = format!("{field}.quorum.fraction");
                self.positive(&format!("{f}.numerator"), numerator);
                self.positive(&format!("{f}.denominator"), denominator);
                if numerator > denominator {
                    self.push(
                        f,
                        Rule::Invalid("must not be more than the whole membership".into()),
                    );
                }
            }
            None => {}
        }
        if let Some(n) = p.meetings_per_year {
            self.positive(&format!("{field}.meetings_per_year"), n);
        }
        if let Some(n) = p.review_interval_months {
            self.positive(&format!("{field}.review_interval_months"), n);
        }
        self.seats(&format!("{field}.seats"), &p.seats);
    }
    fn seats(&mut self, field: &str, seats: &[Seat]) {
        self.unique(field, seats.iter().map(|s| &s.key));
        for (i, s) in seats.iter().enumerate() {
            self.positive(&format!("{field}[{i}].count"), s.count);
        }
    }
    fn parts(&mut self, field: &str, parts: &[ResolutionPart]) {
        self.unique(field, parts.iter().map(|p| &p.label));
        for (i, p) in parts.iter().enumerate() {
            self.parts(&format!("{field}[{i}].parts"), &p.parts);
        }
    }
}

fn payload_problems(v: &mut Problems, payload: &Payload, supersedes_something: bool) {
    match payload {
        Payload::BodiesMerged(p) => {
            v.at_least("data.bodies", &p.bodies, 2, "two bodies to merge");
            v.unique("data.bodies", &p.bodies);
            if p.bodies.contains(&p.into) {
                v.push("data.into", Rule::SameAs("data.bodies"));
            }
        }
        Payload::BodySucceeded(p) => {
            v.at_least("data.successors", &p.successors, 1, "one successor");
            v.unique("data.successors", &p.successors);
            if p.successors.contains(&p.body) {
                v.push("data.successors", Rule::SameAs("data.body"));
            }
        }
        Payload::BodyFounded(p) if p.parent.as_ref() == Some(&p.body) => {
            v.push("data.parent", Rule::SameAs("data.body"));
        }
        Payload::SeatDefined(p) => v.positive("data.seat.count", p.seat.count),
        Payload::MemberAppointed(p) if p.on_behalf_of.as_ref() == Some(&p.body) => {
            v.push("data.on_behalf_of", Rule::SameAs("data.body"));
        }
        Payload::TorAdopted(p) => {
            v.at_least("data.clauses", &p.clauses, 1, "one clause");
            v.unique("data.clauses", p.clauses.iter().map(|c| &c.number));
            v.provisions("data.provisions", &p.provisions);
        }
        Payload::TorAmended(p) => {
            if p.version == p.amends {
                v.push("data.version", Rule::SameAs("data.amends"));
            }
            if p.changes.is_empty() && p.provisions.is_none() {
                v.push("data", Rule::NothingGiven("`changes` or `provisions`"));
            }
            v.unique("data.changes", p.changes.iter().map(ClauseChange::number));
            if let Some(provisions) = &p.provisions {
                v.provisions("data.provisions", provisions);
            }
        }
        Payload::MeetingScheduled(p) => v.date("data.date", p.date),
        Payload::MeetingHeld(p) => {
            let everyone = p.present.iter().chain(&p.apologies).chain(&p.in_attendance);
            v.unique(
                "data.present/apologies/in_attendance",
                everyone.map(|a| &a.person),
            );
        }
        Payload::MinutesConfirmed(p) if p.meeting == p.at_meeting => {
            v.push("data.at_meeting", Rule::SameAs("data.meeting"));
        }
        Payload::ResolutionPassed(p) => {
            if p.text.is_none() && p.parts.is_empty() {
                v.push("data", Rule::NothingGiven("`text` or `parts`"));
            }
            v.parts("data.parts", &p.parts);
        }
        Payload::ActionAssigned(ActionAssigned {
            due: Some(Due::Date(d)),
            ..
        }) => {
            v.date("data.due.date", *d);
        }
        Payload::FundingAllocated(p) => v.period("data.period", &p.period),
        Payload::FundingAdjusted(p) => {
            if p.amount.is_none() && p.percent.is_none() && p.period.is_none() {
                v.push(
                    "data",
                    Rule::NothingGiven("`amount`, `percent` or `period`"),
                );
            }
            if p.amount.is_some() && p.percent.is_some() {
                v.push("data.percent", Rule::Exclusive("data.amount"));
            }
            if let Some(period) = &p.period {
                v.period("data.period", period);
            }
        }
        Payload::FundTransferred(p) if p.from_funder == p.to_funder => {
            v.push("data.to_funder", Rule::SameAs("data.from_funder"));
        }
        Payload::TotalStated(p) => {
            v.at_least(
                "data.covers",
                &p.covers,
                1,
                "one allocation the total covers",
            );
            v.unique("data.covers", &p.covers);
        }
        Payload::Retraction(_) if !supersedes_something => {
            v.push("supersedes", Rule::TooFew("one event to retract"));
        }
        _ => {}
    }
}
