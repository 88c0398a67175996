//! Running a review: every rule of every pack over a body and a period, into one report.

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

    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }
}

/// Review `body` over `from..=to` (both included) against every rule of `packs`.
pub fn review(
    world: &World,
    body: &BodyKey,
    from: NaiveDate,
    to: NaiveDate,
    packs: &[Pack],
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
