//! Running a review: every rule of every pack over a body and a period, into one report.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use minutebook_model::{BodyKey, TorVersion};
use minutebook_world::{Evidence, World};
use serde::Serialize;

use crate::checks;
use crate::pack::{Pack, RuleSpec, Severity};

/// Where the rule behind a finding comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Basis {
    /// The body's terms of reference in force on the finding's date.
    TermsOfReference {
        version: TorVersion,
        provision: String,
    },
    /// A statute, a practice, or a pack's default.
    Authority {
        source: String,
        section: Option<String>,
    },
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Basis::TermsOfReference { version, provision } => {
                write!(f, "terms of reference {version} ({provision})")
            }
            Basis::Authority {
                source,
                section: Some(s),
            } => write!(f, "{source}, {s}"),
            Basis::Authority {
                source,
                section: None,
            } => f.write_str(source),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub rule: String,
    pub title: String,
    pub severity: Severity,
    pub date: NaiveDate,
    pub basis: Basis,
    pub explanation: String,
    pub evidence: Vec<Evidence>,
}

/// Whether a rule could be checked, and on what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Coverage {
    /// Checked fully; `detail` says on what ("3 meetings").
    Checked { detail: String },
    /// Checked where the data allowed; `missing` says what could not be checked and why.
    Partly { detail: String, missing: String },
    /// Could not be checked at all: the data it needs is missing.
    NotCheckable { missing: String },
    /// Does not apply to this body in this period (e.g. the terms of reference say nothing of it).
    NotApplicable { reason: String },
}

#[derive(Clone, Debug, Serialize)]
pub struct RuleResult {
    pub id: String,
    pub title: String,
    pub pack: String,
    pub severity: Severity,
    pub coverage: Coverage,
    pub findings: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub body: BodyKey,
    pub body_name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The part of the period in which the body existed, which is what the rules were checked over
    /// (`None` if it did not exist at all in the period).
    pub checked: Option<(NaiveDate, NaiveDate)>,
    /// How much of the log the review saw (events folded into the world).
    pub events_read: u64,
    pub packs: Vec<String>,
    pub rules: Vec<RuleResult>,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Rules that could not be checked at all.
    pub fn unchecked(&self) -> impl Iterator<Item = &RuleResult> {
        self.rules
            .iter()
            .filter(|r| matches!(r.coverage, Coverage::NotCheckable { .. }))
    }
}

/// What a check hands back.
pub(crate) struct Outcome {
    pub findings: Vec<Finding>,
    pub coverage: Coverage,
}

/// What every check needs: the world, the body, the period, and the rule being run.
pub(crate) struct Ctx<'a> {
    pub world: &'a World,
    pub body: &'a BodyKey,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rule: &'a RuleSpec,
    pub days: Days,
}

impl Ctx<'_> {
    pub fn finding(
        &self,
        date: NaiveDate,
        basis: Basis,
        explanation: String,
        evidence: Vec<Evidence>,
    ) -> Finding {
        self.finding_with(self.rule.severity, date, basis, explanation, evidence)
    }

    pub fn finding_with(
        &self,
        severity: Severity,
        date: NaiveDate,
        basis: Basis,
        explanation: String,
        mut evidence: Vec<Evidence>,
    ) -> Finding {
        evidence.sort_by_key(|e| e.seq);
        evidence.dedup_by_key(|e| e.seq);
        Finding {
            rule: self.rule.id.clone(),
            title: self.rule.title.clone(),
            severity,
            date,
            basis,
            explanation,
            evidence,
        }
    }

    /// The rule's own authority, or `fallback` when the pack gives none.
    pub fn authority(&self, fallback: &str) -> Basis {
        match &self.rule.authority {
            Some(a) => Basis::Authority {
                source: a.source.clone(),
                section: a.section.clone(),
            },
            None => Basis::Authority {
                source: fallback.to_string(),
                section: None,
            },
        }
    }

    /// The days of the period to ask a question of the world on, to know its answer on every day:
    /// the first day, each day a fact takes effect ([`World::effective_dates`]) and each day of
    /// `also` (when the check's own data changes), each with the number of days its answer holds
    /// for (up to the next such day, or to the end of the period).
    pub fn spans(&self, also: impl IntoIterator<Item = NaiveDate>) -> Vec<(NaiveDate, i64)> {
        let in_period = |d: &NaiveDate| self.from < *d && *d <= self.to;
        let mut starts: BTreeSet<NaiveDate> = match self.days {
            Days::Changes => self.world.effective_dates(),
            #[cfg(test)]
            Days::Every => self
                .from
                .iter_days()
                .take_while(|d| *d <= self.to)
                .collect(),
        };
        starts.retain(in_period);
        starts.extend(also.into_iter().filter(in_period));
        starts.insert(self.from);
        let after = self.to.succ_opt().expect("a day after the period");
        let ends = starts.iter().skip(1).copied().chain([after]);
        starts
            .iter()
            .zip(ends)
            .map(|(&start, end)| (start, (end - start).num_days()))
            .collect()
    }
}

/// Which days [`Ctx::spans`] asks on: in reviews only those on which an answer can change; every
/// day in tests, as the reference those must agree with.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Days {
    Changes,
    #[cfg(test)]
    Every,
}

/// Review `body` over `from..=to` (both included) against every rule of `packs`.
pub fn review(
    world: &World,
    body: &BodyKey,
    from: NaiveDate,
    to: NaiveDate,
    packs: &[Pack],
) -> Option<Report> {
    review_with(world, body, from, to, packs, Days::Changes)
}

fn review_with(
    world: &World,
    body: &BodyKey,
    from: NaiveDate,
    to: NaiveDate,
    packs: &[Pack],
    days: Days,
) -> Option<Report> {
    let lifetime = world.body_at(body, minutebook_model::LATEST)?;
    let body_name = world
        .body_at(body, to)
        .unwrap_or_else(|| lifetime.clone())
        .name
        .to_string();
    // Rules apply while the body exists: from its founding to the day before it ended.
    let last_day = lifetime
        .ended
        .as_ref()
        .and_then(|(ended, _)| ended.pred_opt());
    let (start, end) = (
        from.max(lifetime.founded),
        last_day.map_or(to, |l| to.min(l)),
    );
    let checked = (start <= end).then_some((start, end));
    let mut rules = Vec::new();
    let mut findings = Vec::new();
    for pack in packs {
        for rule in &pack.rules {
            let outcome = match checked {
                Some((from, to)) => checks::run(&Ctx {
                    world,
                    body,
                    from,
                    to,
                    rule,
                    days,
                }),
                None => Outcome {
                    findings: vec![],
                    coverage: Coverage::NotApplicable {
                        reason: format!(
                            "the body did not exist in the period (founded {}{})",
                            lifetime.founded,
                            lifetime
                                .ended
                                .as_ref()
                                .map_or(String::new(), |(e, how)| format!(
                                    ", {} on {e}",
                                    how.describe()
                                ))
                        ),
                    },
                },
            };
            rules.push(RuleResult {
                id: rule.id.clone(),
                title: rule.title.clone(),
                pack: pack.name.clone(),
                severity: rule.severity,
                coverage: outcome.coverage,
                findings: outcome.findings.len(),
            });
            findings.extend(outcome.findings);
        }
    }
    findings.sort_by(|a, b| {
        (a.date, a.severity, &a.rule, &a.explanation).cmp(&(
            b.date,
            b.severity,
            &b.rule,
            &b.explanation,
        ))
    });
    Some(Report {
        body: body.clone(),
        body_name,
        from,
        to,
        checked,
        events_read: world.events_read(),
        packs: packs.iter().map(|p| p.name.clone()).collect(),
        rules,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};
    use minutebook_model::{Event, EventId, parse_batch};
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use serde_json::{Value, json};

    use super::*;
    use crate::{CSP_ENGLAND_PACK, DEFAULT_PACK};

    /// Names of represented bodies, each matching a csp-england category or none.
    const NAMES: [&str; 8] = [
        "Leicestershire Police",
        "Blaby District Council",
        "Leicestershire Fire and Rescue Service",
        "Leicestershire and Rutland Probation Trust",
        "Leicester City Primary Care Trust",
        "West Leicestershire Clinical Commissioning Group",
        "Leicestershire Integrated Care Board",
        "Groby Parish Council",
    ];
    const AUTHORITIES: usize = 5;
    const PERSONS: usize = 6;

    struct Ledger(Vec<(u64, Event)>);

    impl Ledger {
        fn add(&mut self, kind: &str, day: i64, data: Value, supersedes: &[EventId]) {
            let seq = self.0.len() as u64 + 1;
            let id = EventId(uuid::Uuid::from_u128(seq.into()));
            let effective = NaiveDate::from_ymd_opt(2010, 1, 1).unwrap() + Duration::days(day);
            let v = json!({"id": id, "type": kind, "effective": effective, "recorded_by": "test",
                "source": {"document": "test minutes"}, "supersedes": supersedes, "data": data});
            let draft = parse_batch(v.to_string().as_bytes())
                .unwrap_or_else(|e| panic!("{e:?}"))
                .remove(0);
            let at =
                Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(seq as i64);
            self.0.push((seq, draft.into_event(id, at)));
        }
    }

    /// A partnership `b` whose members sit for authorities that are founded, renamed and
    /// dissolved, under terms of reference and seat definitions that come and go, with facts
    /// retracted: each op is (what, day, which, which).
    fn ledger(ops: &[(u8, i64, usize, usize)]) -> Ledger {
        let mut l = Ledger(Vec::new());
        l.add("body_founded", 0, json!({"body": "b", "name": "Blaby Community Safety Partnership", "kind": "partnership"}), &[]);
        for (a, name) in NAMES.iter().take(AUTHORITIES).enumerate() {
            l.add(
                "body_founded",
                0,
                json!({"body": format!("a{a}"), "name": name, "kind": "authority"}),
                &[],
            );
        }
        for p in 0..PERSONS {
            l.add(
                "person_registered",
                0,
                json!({"person": format!("p{p}"), "name": format!("Person {p}")}),
                &[],
            );
        }
        let mut memberships = 0;
        for &(what, day, i, j) in ops {
            let membership = format!("m{}", i % memberships.max(1));
            match what {
                0 => l.add("body_renamed", day, json!({"body": format!("a{}", i % AUTHORITIES), "name": NAMES[j % NAMES.len()]}), &[]),
                1 | 2 => {
                    let mut data = json!({"membership": format!("m{memberships}"), "body": "b",
                        "person": format!("p{}", i % PERSONS), "role": "member"});
                    if i % 3 != 0 {
                        data["on_behalf_of"] = json!(format!("a{}", j % AUTHORITIES));
                    }
                    if let Some(seat) = ["police", "council", "fire"].get(j % 4) {
                        data["seat"] = json!(seat);
                    }
                    l.add("member_appointed", day, data, &[]);
                    memberships += 1;
                }
                3 if memberships > 0 => l.add("membership_ended", day, json!({"membership": membership, "reason": "resigned"}), &[]),
                4 if memberships > 0 => l.add("member_role_changed", day, json!({"membership": membership, "role": "chair"}), &[]),
                5 => {
                    let seats = json!([{"key": "police", "title": "Police", "count": 1 + j % 2},
                        {"key": "council", "title": "Council", "required": i % 2 == 0}]);
                    l.add("tor_adopted", day, json!({"body": "b", "version": format!("v{}", l.0.len()),
                        "clauses": [{"number": "1", "text": "Purpose"}], "provisions": {"seats": seats}}), &[]);
                }
                6 => l.add("seat_defined", day, json!({"body": "b", "seat": {"key": "fire", "title": "Fire", "count": 1 + i % 2}}), &[]),
                7 => l.add("seat_abolished", day, json!({"body": "b", "seat": (["police", "fire"][i % 2])}), &[]),
                8 => l.add("body_dissolved", day, json!({"body": format!("a{}", i % AUTHORITIES)}), &[]),
                _ => {
                    let struck = l.0[i % l.0.len()].1.id;
                    l.add("retraction", day, json!({"reason": "recorded in error"}), &[struck]);
                }
            }
        }
        l
    }

    type Case = (Vec<(u8, i64, usize, usize)>, i64, i64);

    /// Ops for [`ledger`], then the review's first day and its length in days after 2010-01-01.
    fn cases() -> impl Strategy<Value = Case> {
        (
            prop::collection::vec((0u8..10, 0i64..4_000, 0usize..64, 0usize..64), 5..80),
            0i64..3_000,
            0i64..2_500,
        )
    }

    /// The review of `b` on the days an answer can change, and on every day.
    fn both_ways((ops, from, len): &Case) -> (Value, Value) {
        let world = World::from_events(ledger(ops).0);
        let packs = [
            Pack::parse(DEFAULT_PACK, "default").unwrap(),
            Pack::parse(CSP_ENGLAND_PACK, "csp-england").unwrap(),
        ];
        let start = NaiveDate::from_ymd_opt(2010, 1, 1).unwrap();
        let (from, to) = (
            start + Duration::days(*from),
            start + Duration::days(from + len),
        );
        let body: BodyKey = "b".parse().unwrap();
        let review = |days| {
            serde_json::to_value(review_with(&world, &body, from, to, &packs, days)).unwrap()
        };
        (review(Days::Changes), review(Days::Every))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Asking only on the days an answer can change finds what asking on every day finds.
        #[test]
        fn change_days_review_as_every_day_does(case in cases()) {
            let (on_changes, every_day) = both_ways(&case);
            prop_assert_eq!(on_changes, every_day);
        }
    }

    /// The cases above reach what the two day-by-day checks find: vacant seats over part of a
    /// period, and gaps in a category's representation that end before the period does.
    #[test]
    fn the_cases_reach_vacancies_and_representation_gaps() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut vacancies, mut gaps) = (0, 0);
        for _ in 0..64 {
            let case = cases().new_tree(&mut runner).unwrap().current();
            let (report, _) = both_ways(&case);
            for f in report["findings"].as_array().into_iter().flatten() {
                let text = f["explanation"].as_str().unwrap();
                match f["rule"].as_str().unwrap() {
                    "tor-seats-filled" if !text.contains("still vacant") => vacancies += 1,
                    "csp-responsible-authorities"
                        if !text.contains(&format!(
                            "to {}",
                            report["checked"][1].as_str().unwrap()
                        )) =>
                    {
                        gaps += 1
                    }
                    _ => {}
                }
            }
        }
        assert!(
            vacancies > 0 && gaps > 0,
            "{vacancies} vacancies, {gaps} gaps"
        );
    }
}
