//! One function per kind of check. Each reads the world at the dates it needs and says what it could
//! and could not check: missing data is reported, never passed silently.

use std::collections::{BTreeMap, HashSet};

use chrono::{Months, NaiveDate};
use minutebook_model::{BodyKind, Quorum, Role};
use minutebook_world::{Ending, Evidence, MeetingView};

use crate::pack::{Category, Check, Severity};
use crate::report::{Basis, Coverage, Ctx, Finding, Outcome};

pub(crate) fn run(ctx: &Ctx) -> Outcome {
    match &ctx.rule.check {
        Check::Quorum => quorum(ctx),
        Check::SeatsFilled { grace_days } => seats_filled(ctx, *grace_days),
        Check::MeetingsPerYear => meetings_per_year(ctx),
        Check::TorReviewed {
            default_interval_months,
        } => tor_reviewed(ctx, *default_interval_months),
        Check::ChairAppointed => chair_appointed(ctx),
        Check::MinutesConfirmed => minutes_confirmed(ctx),
        Check::AttendanceRecorded => attendance_recorded(ctx),
        Check::InterestsRecorded => interests_recorded(ctx),
        Check::ActionsDischarged => actions_discharged(ctx),
        Check::NoContradictions => no_contradictions(ctx),
        Check::RepresentedBodiesExist => represented_bodies_exist(ctx),
        Check::TotalsReconcile => totals_reconcile(ctx),
        Check::AllocationsValid => allocations_valid(ctx),
        Check::CategoriesRepresented { categories } => categories_represented(ctx, categories),
        Check::ScrutinisedWithin { months } => scrutinised_within(ctx, *months),
    }
}

fn outcome(findings: Vec<Finding>, coverage: Coverage) -> Outcome {
    Outcome { findings, coverage }
}

fn not_applicable(reason: impl Into<String>) -> Outcome {
    outcome(
        vec![],
        Coverage::NotApplicable {
            reason: reason.into(),
        },
    )
}

fn not_checkable(missing: impl Into<String>) -> Outcome {
    outcome(
        vec![],
        Coverage::NotCheckable {
            missing: missing.into(),
        },
    )
}

fn checked(detail: impl Into<String>) -> Coverage {
    Coverage::Checked {
        detail: detail.into(),
    }
}

/// `Checked` when nothing is missing, `Partly` when some is, `NotCheckable` when nothing was checked.
fn coverage(checked: usize, what: &str, missing: Vec<String>) -> Coverage {
    match (checked, missing.is_empty()) {
        (_, true) => Coverage::Checked {
            detail: format!("{checked} {what}"),
        },
        (0, false) => Coverage::NotCheckable {
            missing: missing.join("; "),
        },
        (_, false) => Coverage::Partly {
            detail: format!("{checked} {what}"),
            missing: missing.join("; "),
        },
    }
}

/// Every meeting the body held, in date order, whatever the period.
fn all_held(ctx: &Ctx) -> Vec<MeetingView> {
    ctx.world
        .meetings(ctx.body)
        .into_iter()
        .filter(|m| m.held)
        .collect()
}

/// The meetings held in the period.
fn held_meetings(ctx: &Ctx) -> Vec<MeetingView> {
    all_held(ctx)
        .into_iter()
        .filter(|m| ctx.from <= m.date && m.date <= ctx.to)
        .collect()
}

fn tor_basis(version: &minutebook_model::TorVersion, provision: &str) -> Basis {
    Basis::TermsOfReference {
        version: version.clone(),
        provision: provision.into(),
    }
}

/// `None` past the end of the calendar: nothing can fall due there.
fn plus_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

fn quorum(ctx: &Ctx) -> Outcome {
    let meetings = held_meetings(ctx);
    if meetings.is_empty() {
        return not_checkable("no meetings held in the period are recorded");
    }
    let (mut findings, mut missing, mut n) = (Vec::new(), Vec::new(), 0);
    for m in &meetings {
        let Some(tor) = ctx.world.tor_at(ctx.body, m.date) else {
            missing.push(format!("{}: no terms of reference in force", m.date));
            continue;
        };
        let Some(q) = tor.provisions.quorum else {
            missing.push(format!(
                "{}: the terms of reference in force ({}) state no quorum",
                m.date, tor.version
            ));
            continue;
        };
        if m.present.is_empty() {
            missing.push(format!("{}: those present are not recorded", m.date));
            continue;
        }
        let members = ctx.world.members_at(ctx.body, m.date);
        let people: HashSet<_> = members.iter().map(|x| &x.person).collect();
        let present = m
            .present
            .iter()
            .filter(|a| people.contains(&a.person))
            .count();
        let required = match q {
            Quorum::Members(k) => k as usize,
            Quorum::Fraction {
                numerator,
                denominator,
            } => (members.len() * numerator as usize).div_ceil(denominator.max(1) as usize),
        };
        n += 1;
        if present < required {
            let mut evidence = m.evidence.clone();
            evidence.extend(tor.evidence.iter().cloned());
            findings.push(ctx.finding(
                m.date,
                tor_basis(&tor.version, "quorum"),
                format!(
                    "Meeting {} was not quorate: {present} of {} members present, the quorum is {required}.",
                    m.meeting,
                    members.len()
                ),
                evidence,
            ));
        }
    }
    outcome(findings, coverage(n, "meeting(s)", missing))
}

fn seats_filled(ctx: &Ctx, grace_days: u32) -> Outcome {
    // A vacancy is a run of days on which a required seat has fewer holders than places.
    struct Run {
        start: NaiveDate,
        filled: usize,
        places: u32,
        evidence: Vec<Evidence>,
        basis: Basis,
    }
    let mut open: BTreeMap<String, Run> = BTreeMap::new();
    let mut findings = Vec::new();
    let mut days_with_seats = 0;
    let close = |seat: &str,
                 run: Run,
                 end: NaiveDate,
                 findings: &mut Vec<Finding>,
                 ongoing: bool| {
        let days = (end - run.start).num_days() + 1;
        if days > i64::from(grace_days) {
            let until = if ongoing {
                format!("{end} (the end of the review, still vacant)")
            } else {
                end.to_string()
            };
            findings.push(ctx.finding(
                run.start + chrono::Duration::days(i64::from(grace_days)),
                run.basis,
                format!(
                    "Seat {seat}: {} of {} place(s) filled from {} to {until}, {days} days, longer than the {grace_days}-day grace period.",
                    run.filled, run.places, run.start
                ),
                run.evidence,
            ));
        }
    };
    for (day, span) in ctx.spans([]) {
        let seats = ctx.world.seats_at(ctx.body, day);
        let members = ctx.world.members_at(ctx.body, day);
        let required: Vec<_> = seats.iter().filter(|s| s.seat.required).collect();
        if !required.is_empty() {
            days_with_seats += span;
        }
        let mut vacant_now = HashSet::new();
        for s in required {
            let filled = members
                .iter()
                .filter(|m| m.seat.as_ref() == Some(&s.seat.key))
                .count();
            if filled < s.seat.count as usize {
                let key = s.seat.key.to_string();
                vacant_now.insert(key.clone());
                let basis = match s.defined_by.strip_prefix("tor:") {
                    Some(v) => Basis::TermsOfReference {
                        version: v.parse().expect("a version key"),
                        provision: format!("seat {}", s.seat.key),
                    },
                    None => ctx.authority("seat defined by the body"),
                };
                open.entry(key).or_insert_with(|| Run {
                    start: day,
                    filled,
                    places: s.seat.count,
                    evidence: s.evidence.clone(),
                    basis,
                });
            }
        }
        let ended: Vec<String> = open
            .keys()
            .filter(|k| !vacant_now.contains(*k))
            .cloned()
            .collect();
        for k in ended {
            let run = open.remove(&k).expect("present");
            close(
                &k,
                run,
                day.pred_opt().expect("a day before"),
                &mut findings,
                false,
            );
        }
    }
    for (k, run) in std::mem::take(&mut open) {
        close(&k, run, ctx.to, &mut findings, true);
    }
    if days_with_seats == 0 {
        return not_applicable("no required seats are defined for the body in the period");
    }
    outcome(
        findings,
        checked(format!("required seats on {days_with_seats} day(s)")),
    )
}

fn meetings_per_year(ctx: &Ctx) -> Outcome {
    let held: Vec<NaiveDate> = all_held(ctx).into_iter().map(|m| m.date).collect();
    let (mut findings, mut missing, mut n) = (Vec::new(), Vec::new(), 0);
    let mut start = ctx.from;
    while start <= ctx.to {
        let Some(end) = plus_months(start, 12).and_then(|d| d.pred_opt()) else {
            missing.push(format!(
                "{start} to {}: less than 12 months left in the calendar",
                ctx.to
            ));
            break;
        };
        if end > ctx.to {
            missing.push(format!(
                "{start} to {}: less than 12 months left in the period",
                ctx.to
            ));
            break;
        }
        match ctx
            .world
            .tor_at(ctx.body, start)
            .and_then(|t| t.provisions.meetings_per_year.map(|k| (t, k)))
        {
            None => missing.push(format!(
                "{start} to {end}: the terms of reference in force state no meeting frequency"
            )),
            Some((tor, required)) => {
                n += 1;
                let count = held.iter().filter(|d| start <= **d && **d <= end).count();
                if count < required as usize {
                    findings.push(ctx.finding(
                        end,
                        tor_basis(&tor.version, "meetings per year"),
                        format!("{count} meeting(s) held from {start} to {end}; the terms of reference require {required} a year."),
                        tor.evidence.clone(),
                    ));
                }
            }
        }
        start = end.succ_opt().expect("a day after");
    }
    outcome(findings, coverage(n, "12-month window(s)", missing))
}

fn tor_reviewed(ctx: &Ctx, default_months: Option<u32>) -> Outcome {
    let versions = ctx.world.tor_versions(ctx.body, Some(ctx.to));
    if versions.is_empty() {
        return not_checkable("no terms of reference are recorded for the body");
    }
    let (mut findings, mut missing, mut n) = (Vec::new(), Vec::new(), 0);
    for (i, v) in versions.iter().enumerate() {
        let until = versions
            .get(i + 1)
            .map_or(ctx.to, |next| next.in_force_from);
        if until < ctx.from {
            continue;
        }
        let (months, basis, how) = match (v.provisions.review_interval_months, default_months) {
            (Some(m), _) => (
                m,
                tor_basis(&v.version, "review interval"),
                format!("their own interval of {m} months"),
            ),
            (None, Some(m)) => (
                m,
                ctx.authority("pack default review interval"),
                format!(
                    "{m} months (the terms of reference state no interval; this is the rule pack's default)"
                ),
            ),
            (None, None) => {
                missing.push(format!("version {} states no review interval", v.version));
                continue;
            }
        };
        n += 1;
        let reviews: Vec<&Evidence> = v
            .evidence
            .iter()
            .filter(|e| e.type_tag == "tor_reviewed")
            .collect();
        let mut last = v.in_force_from;
        let mut checkpoints: Vec<(NaiveDate, &str)> =
            reviews.iter().map(|e| (e.effective, "reviewed")).collect();
        let next_is_revision = i + 1 < versions.len();
        checkpoints.push((until, if next_is_revision { "revised" } else { "end" }));
        for (when, what) in checkpoints {
            let Some(due) = plus_months(last, months) else {
                break;
            };
            if due < when && due <= ctx.to && due >= ctx.from {
                let next = match what {
                    "end" => format!("no review is recorded by {}", ctx.to),
                    w => format!("they were next {w} on {when}"),
                };
                findings.push(ctx.finding(
                    due,
                    basis.clone(),
                    format!(
                        "Terms of reference {} (in force from {}, last reviewed or made {last}) were due for review by {due}, every {how}; {next}.",
                        v.version, v.in_force_from
                    ),
                    v.evidence.clone(),
                ));
            }
            last = when;
        }
    }
    outcome(
        findings,
        coverage(n, "version(s) of the terms of reference", missing),
    )
}

fn chair_appointed(ctx: &Ctx) -> Outcome {
    let meetings = held_meetings(ctx);
    let (mut findings, mut n) = (Vec::new(), 0);
    let mut said_nothing = 0;
    for m in &meetings {
        let Some(tor) = ctx.world.tor_at(ctx.body, m.date) else {
            continue;
        };
        let Some(clause) = &tor.provisions.chair_appointment else {
            said_nothing += 1;
            continue;
        };
        n += 1;
        let words = clause.as_str().to_lowercase();
        let members = ctx.world.members_at(ctx.body, m.date);
        let mut roles = vec![(Role::Chair, "chair")];
        if words.contains("vice") {
            roles.push((Role::ViceChair, "vice-chair"));
        }
        for (role, name) in roles {
            let holder = members.iter().find(|x| x.role == role);
            let problem = match holder {
                None => Some(format!(
                    "no {name} was in office at meeting {} on {}",
                    m.meeting, m.date
                )),
                Some(h)
                    if words.contains("annual")
                        && plus_months(h.role_since, 12).is_some_and(|d| d <= m.date) =>
                {
                    Some(format!(
                        "the {name} at meeting {} had held the role since {}, more than 12 months, though the terms of reference say \"{clause}\"",
                        m.meeting, h.role_since
                    ))
                }
                Some(_) => None,
            };
            if let Some(problem) = problem {
                let mut evidence = m.evidence.clone();
                evidence.extend(tor.evidence.iter().cloned());
                if let Some(h) = holder {
                    evidence.extend(h.evidence.iter().cloned());
                }
                findings.push(ctx.finding(
                    m.date,
                    tor_basis(&tor.version, "chair appointment"),
                    format!("{}.", capitalise(&problem)),
                    evidence,
                ));
            }
        }
    }
    if n == 0 {
        let reason = if meetings.is_empty() {
            "no meetings held in the period are recorded".to_string()
        } else {
            format!(
                "the terms of reference in force at the {said_nothing} meeting(s) do not say how the chair is appointed"
            )
        };
        return outcome(vec![], Coverage::NotApplicable { reason });
    }
    outcome(findings, checked(format!("{n} meeting(s)")))
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

fn minutes_confirmed(ctx: &Ctx) -> Outcome {
    let all = all_held(ctx);
    let (mut findings, mut missing, mut n) = (Vec::new(), Vec::new(), 0);
    for (i, m) in all
        .iter()
        .enumerate()
        .filter(|(_, m)| ctx.from <= m.date && m.date <= ctx.to)
    {
        let next = all.get(i + 1);
        let basis = ctx.authority("record keeping");
        match (&m.minutes_confirmed_at, next) {
            (None, None) => missing.push(format!(
                "the minutes of {} ({}) await a later meeting",
                m.meeting, m.date
            )),
            (None, Some(next)) => {
                n += 1;
                let mut evidence = m.evidence.clone();
                evidence.extend(next.evidence.iter().cloned());
                findings.push(ctx.finding(
                    next.date,
                    basis,
                    format!("The minutes of {} ({}) are not recorded as confirmed at the next meeting, {} ({}).", m.meeting, m.date, next.meeting, next.date),
                    evidence,
                ));
            }
            (Some(at), next) => {
                n += 1;
                let at_date = ctx.world.meeting_date(at);
                if at_date.is_none_or(|d| d <= m.date) {
                    findings.push(ctx.finding_with(
                        Severity::High,
                        m.date,
                        basis.clone(),
                        format!("The minutes of {} ({}) are recorded as confirmed at {at}, which is not a later meeting.", m.meeting, m.date),
                        m.evidence.clone(),
                    ));
                } else if let Some(next) = next.filter(|n| &n.meeting != at) {
                    findings.push(ctx.finding_with(
                        Severity::Low,
                        at_date.unwrap_or(m.date),
                        basis.clone(),
                        format!(
                            "The minutes of {} ({}) were confirmed at {at}, not at the next meeting, {} ({}).",
                            m.meeting, m.date, next.meeting, next.date
                        ),
                        m.evidence.clone(),
                    ));
                }
                if !m.minutes_amendments.is_empty() {
                    let list: Vec<String> = m
                        .minutes_amendments
                        .iter()
                        .map(|a| format!("\"{a}\""))
                        .collect();
                    findings.push(ctx.finding_with(
                        Severity::Info,
                        at_date.unwrap_or(m.date),
                        basis,
                        format!(
                            "The minutes of {} ({}) were confirmed with amendments: {}.",
                            m.meeting,
                            m.date,
                            list.join("; ")
                        ),
                        m.evidence.clone(),
                    ));
                }
            }
        }
    }
    if n == 0 && missing.is_empty() {
        return not_checkable("no meetings held in the period are recorded");
    }
    outcome(findings, coverage(n, "meeting(s)", missing))
}

fn per_meeting(ctx: &Ctx, problem: impl Fn(&MeetingView) -> Option<String>) -> Outcome {
    let meetings = held_meetings(ctx);
    if meetings.is_empty() {
        return not_checkable("no meetings held in the period are recorded");
    }
    let findings = meetings
        .iter()
        .filter_map(|m| {
            problem(m).map(|p| {
                ctx.finding(
                    m.date,
                    ctx.authority("record keeping"),
                    p,
                    m.evidence.clone(),
                )
            })
        })
        .collect();
    outcome(findings, checked(format!("{} meeting(s)", meetings.len())))
}

fn attendance_recorded(ctx: &Ctx) -> Outcome {
    per_meeting(ctx, |m| {
        m.present.is_empty().then(|| {
            format!(
                "The names of those present at {} ({}) are not recorded.",
                m.meeting, m.date
            )
        })
    })
}

fn interests_recorded(ctx: &Ctx) -> Outcome {
    per_meeting(ctx, |m| {
        m.interests.is_empty().then(|| {
            format!("No declarations of interest are recorded for {} ({}), nor that members were invited to declare.", m.meeting, m.date)
        })
    })
}

fn actions_discharged(ctx: &Ctx) -> Outcome {
    let actions: Vec<_> = ctx
        .world
        .actions_at(ctx.body, ctx.to)
        .into_iter()
        .filter(|a| a.assigned <= ctx.to)
        .collect();
    if actions.is_empty() {
        return not_applicable("no actions of the body are recorded by the end of the period");
    }
    let basis = ctx.authority("record keeping");
    let mut findings = Vec::new();
    for a in &actions {
        let age = (ctx.to - a.assigned).num_days();
        let due = match (&a.due, a.due_date) {
            (Some(minutebook_model::Due::Meeting(m)), Some(d)) => {
                format!("due at meeting {m} ({d})")
            }
            (_, Some(d)) => format!("due by {d}"),
            _ => "with no due date".into(),
        };
        match (a.due_date, a.discharged) {
            (Some(d), None) if d <= ctx.to && d >= ctx.from => findings.push(ctx.finding(
                d,
                basis.clone(),
                format!("Action {} ({due}) was not discharged; still open on {}, {age} days after it was set.", a.action, ctx.to),
                a.evidence.clone(),
            )),
            (Some(d), Some(done)) if done > d && d >= ctx.from && d <= ctx.to => findings.push(ctx.finding_with(
                Severity::Low,
                d,
                basis.clone(),
                format!("Action {} ({due}) was discharged late, on {done}.", a.action),
                a.evidence.clone(),
            )),
            (None, None) => findings.push(ctx.finding_with(
                Severity::Info,
                ctx.to,
                basis.clone(),
                format!("Action {} ({due}) is open on {}, {age} days after it was set on {}.", a.action, ctx.to, a.assigned),
                a.evidence.clone(),
            )),
            _ => {}
        }
    }
    outcome(findings, checked(format!("{} action(s)", actions.len())))
}

fn no_contradictions(ctx: &Ctx) -> Outcome {
    let meetings: Vec<_> = ctx.world.meetings(ctx.body);
    let relevant: Vec<_> = meetings
        .iter()
        .filter(|m| m.scheduled.iter().any(|s| s.evidence.effective <= ctx.to))
        .collect();
    let findings = relevant
        .iter()
        .filter(|m| m.contradictory)
        .map(|m| {
            let statements: Vec<String> = m
                .scheduled
                .iter()
                .map(|s| {
                    let time = s.time.map_or("no time".to_string(), |t| t.format("%H:%M").to_string());
                    let minute = s.evidence.source.minute.as_ref().map_or(String::new(), |x| format!(", minute {x}"));
                    format!("{} at {time} (event #{}{minute})", s.date, s.evidence.seq)
                })
                .collect();
            let date = m.scheduled.iter().map(|s| s.evidence.effective).max().unwrap_or(m.date);
            ctx.finding(
                date,
                ctx.authority("record keeping"),
                format!("Meeting {} is recorded as due on {}: the statements contradict each other and none has been corrected.", m.meeting, statements.join(" and ")),
                m.scheduled.iter().map(|s| s.evidence.clone()).collect(),
            )
        })
        .collect();
    outcome(
        findings,
        checked(format!("{} meeting(s) with schedules", relevant.len())),
    )
}

fn represented_bodies_exist(ctx: &Ctx) -> Outcome {
    let memberships = ctx.world.memberships_of_body(ctx.body, None);
    let represented: Vec<_> = memberships
        .iter()
        .filter(|m| m.on_behalf_of.is_some())
        .collect();
    if represented.is_empty() {
        return not_applicable("no memberships of the body are on behalf of another body");
    }
    let mut findings = Vec::new();
    for m in &represented {
        let b = m.on_behalf_of.as_ref().expect("filtered");
        let Some(view) = ctx.world.body_at(b, ctx.to) else {
            continue;
        };
        let Some((ended, how)) = view.ended else {
            continue;
        };
        if ended < ctx.from || ended > ctx.to || ended < m.since {
            continue;
        }
        let still = ctx
            .world
            .membership_at(&m.membership, Some(ended))
            .is_some_and(|x| x.ended.is_none());
        if still {
            let mut evidence = m.evidence.clone();
            evidence.extend(
                view.evidence
                    .iter()
                    .filter(|e| e.effective == ended)
                    .cloned(),
            );
            let how = match how {
                Ending::Merged { .. } | Ending::Succeeded { .. } | Ending::Dissolved { .. } => {
                    how.describe()
                }
            };
            findings.push(ctx.finding(
                ended,
                ctx.authority("structure"),
                format!(
                    "{} still sat for {b} on {ended}, when {b} was {how}: membership {} should have ended by then.",
                    m.person_name.clone().unwrap_or_else(|| m.person.to_string()),
                    m.membership
                ),
                evidence,
            ));
        }
    }
    outcome(
        findings,
        checked(format!(
            "{} membership(s) on behalf of another body",
            represented.len()
        )),
    )
}

/// Allocations within the body's remit: to or from it, or to or from the bodies under it.
/// Read through the relations (the body's children, each one's allocations), so that a review
/// folds only the body's part of the ledger, not every allocation of every body.
fn in_remit(ctx: &Ctx) -> Vec<minutebook_world::AllocationView> {
    let mut ours = vec![ctx.body.clone()];
    ours.extend(
        ctx.world
            .children_at(ctx.body, ctx.to)
            .into_iter()
            .map(|b| b.body),
    );
    let mut allocations: Vec<_> = ours
        .iter()
        .flat_map(|b| ctx.world.allocations_of(b, ctx.to))
        .filter(|a| a.period.from <= ctx.to && ctx.from <= a.period.to)
        .collect();
    // In key order, each once (an allocation between two of ours is listed under both).
    allocations.sort_by(|a, b| a.allocation.cmp(&b.allocation));
    allocations.dedup_by(|a, b| a.allocation == b.allocation);
    allocations
}

fn totals_reconcile(ctx: &Ctx) -> Outcome {
    let allocations = in_remit(ctx);
    let totals = ctx
        .world
        .totals_covering(allocations.iter().map(|a| &a.allocation), ctx.to);
    if totals.is_empty() {
        return not_applicable(
            "no stated totals cover allocations in the body's remit in the period",
        );
    }
    let mut findings = Vec::new();
    for t in &totals {
        let mut evidence = t.evidence.clone();
        evidence.extend(
            allocations
                .iter()
                .filter(|a| t.covers.contains(&a.allocation))
                .flat_map(|a| a.evidence.iter().cloned()),
        );
        let date = t.evidence.first().map_or(ctx.to, |e| e.effective);
        let Some(diff) = t.difference else {
            findings.push(ctx.finding(
                date,
                ctx.authority("funding"),
                format!("\"{}\" cannot be reconciled: the sum overflows.", t.label),
                evidence,
            ));
            continue;
        };
        if !t.missing.is_empty() {
            let missing: Vec<&str> = t.missing.iter().map(|a| a.as_str()).collect();
            findings.push(ctx.finding(
                date,
                ctx.authority("funding"),
                format!(
                    "\"{}\" covers allocations the ledger does not hold: {}.",
                    t.label,
                    missing.join(", ")
                ),
                evidence.clone(),
            ));
        }
        if diff == 0 {
            continue;
        }
        let rows = t.covers.len() as i64;
        let rounded = t
            .note
            .as_ref()
            .is_some_and(|n| n.as_str().to_lowercase().contains("round"));
        let within_rounding = diff.abs() <= 50 * rows;
        let cause = if rounded && within_rounding {
            format!(
                " The document says \"{}\": each of the {rows} rows may be off by up to 50p, so up to £{}.{:02} in all; rounding is the likely cause.",
                t.note.as_ref().expect("rounded"),
                50 * rows / 100,
                50 * rows % 100
            )
        } else if rounded {
            " The document says its figures are rounded, but the difference is larger than rounding can explain.".to_string()
        } else {
            String::new()
        };
        let severity = if rounded && within_rounding {
            Severity::Low
        } else {
            ctx.rule.severity
        };
        let stated = t.stated;
        let computed = t.computed.expect("difference implies a sum");
        findings.push(ctx.finding_with(
            severity,
            date,
            ctx.authority("funding"),
            format!(
                "\"{}\" is stated as {stated}, but the {rows} allocations it covers add to {computed}: a difference of {}{}.{cause}",
                t.label,
                if diff < 0 { "-" } else { "+" },
                minutebook_model::Pence::new(diff.abs()).expect("non-negative")
            ),
            evidence,
        ));
    }
    outcome(
        findings,
        checked(format!("{} stated total(s)", totals.len())),
    )
}

fn allocations_valid(ctx: &Ctx) -> Outcome {
    let allocations = in_remit(ctx);
    if allocations.is_empty() {
        return not_applicable("no allocations in the body's remit overlap the period");
    }
    let mut findings = Vec::new();
    for a in &allocations {
        let p = a.period;
        let recipient = ctx.world.body_at(&a.recipient, p.to);
        let throughout = recipient.as_ref().is_some_and(|r| {
            r.founded <= p.from && r.ended.as_ref().is_none_or(|(e, _)| *e > p.to)
        });
        if !throughout {
            let mut evidence = a.evidence.clone();
            if let Some(r) = &recipient {
                evidence.extend(r.evidence.iter().cloned());
            }
            let state = match &recipient {
                None => "had not been founded by the end of the period".to_string(),
                Some(r) if r.founded > p.from => format!("was founded only on {}", r.founded),
                Some(r) => r.ended.as_ref().map_or(String::new(), |(e, how)| {
                    format!("was {} on {e}", how.describe())
                }),
            };
            findings.push(ctx.finding(
                p.from,
                ctx.authority("funding"),
                format!(
                    "Allocation {} goes to {} for {} to {}, but {} {state}.",
                    a.allocation, a.recipient, p.from, p.to, a.recipient
                ),
                evidence,
            ));
        }
        if let Some(fund) = ctx.world.fund(&a.fund, p.from)
            && fund.funder != a.funder
        {
            let mut evidence = a.evidence.clone();
            evidence.extend(fund.evidence.iter().cloned());
            findings.push(ctx.finding(
                p.from,
                ctx.authority("funding"),
                format!(
                    "Allocation {} is made by {} from fund {}, but on {} the fund was given out by {}.",
                    a.allocation, a.funder, a.fund, p.from, fund.funder
                ),
                evidence,
            ));
        }
    }
    outcome(
        findings,
        checked(format!("{} allocation(s)", allocations.len())),
    )
}

fn categories_represented(ctx: &Ctx, categories: &[Category]) -> Outcome {
    let memberships = ctx.world.memberships_of_body(ctx.body, None);
    let any_in_period = memberships
        .iter()
        .any(|m| m.since <= ctx.to && m.ended.as_ref().is_none_or(|(e, _)| *e > ctx.from));
    if !any_in_period {
        return not_checkable("no memberships of the body are recorded in the period");
    }
    // Runs of days on which a category has no member sitting for a body of that kind.
    let mut gaps: BTreeMap<&str, NaiveDate> = BTreeMap::new();
    let mut findings = Vec::new();
    let mut first_membership: Option<NaiveDate> = None;
    let authority = ctx.authority("statute");
    let report = |name: &str,
                  start: NaiveDate,
                  end: NaiveDate,
                  findings: &mut Vec<Finding>,
                  first: Option<NaiveDate>| {
        let note = match first {
            Some(f) if start < f => {
                " (no membership of the body at all is recorded before ".to_string()
                    + &f.to_string()
                    + ")"
            }
            _ => String::new(),
        };
        findings.push(ctx.finding(
            start,
            authority.clone(),
            format!(
                "No member sat for a body in the category \"{name}\" from {start} to {end}{note}."
            ),
            vec![],
        ));
    };
    // A category starts or stops applying on days of its own.
    let bounds = categories
        .iter()
        .flat_map(|c| c.from.into_iter().chain(c.to.and_then(|t| t.succ_opt())));
    for (day, _) in ctx.spans(bounds) {
        let members = ctx.world.members_at(ctx.body, day);
        if first_membership.is_none() && !members.is_empty() {
            first_membership = Some(day);
        }
        let names: Vec<String> = members
            .iter()
            .filter_map(|m| m.on_behalf_of.as_ref())
            .filter_map(|b| ctx.world.body_at(b, day).map(|v| v.name.to_string()))
            .collect();
        for c in categories.iter().filter(|c| c.applies_on(day)) {
            let represented = names.iter().any(|n| c.matches(n));
            match (represented, gaps.get(c.name.as_str()).copied()) {
                (false, None) => {
                    gaps.insert(&c.name, day);
                }
                (true, Some(start)) => {
                    gaps.remove(c.name.as_str());
                    report(
                        &c.name,
                        start,
                        day.pred_opt().expect("a day before"),
                        &mut findings,
                        first_membership,
                    );
                }
                _ => {}
            }
        }
        // A category that stops applying closes its gap on its last day.
        let lapsed: Vec<&str> = gaps
            .keys()
            .copied()
            .filter(|n| {
                categories
                    .iter()
                    .any(|c| c.name == *n && !c.applies_on(day))
            })
            .collect();
        for n in lapsed {
            let start = gaps.remove(n).expect("present");
            report(
                n,
                start,
                day.pred_opt().expect("a day before"),
                &mut findings,
                first_membership,
            );
        }
    }
    for (n, start) in std::mem::take(&mut gaps) {
        report(n, start, ctx.to, &mut findings, first_membership);
    }
    let with_evidence = findings
        .into_iter()
        .map(|mut f| {
            // The evidence of a gap is the membership record around it: who did sit then.
            f.evidence = ctx
                .world
                .members_at(ctx.body, f.date)
                .into_iter()
                .flat_map(|m| m.evidence)
                .collect();
            f.evidence.sort_by_key(|e| e.seq);
            f.evidence.dedup_by_key(|e| e.seq);
            f
        })
        .collect();
    outcome(
        with_evidence,
        checked(format!("{} categories on every day", categories.len())),
    )
}

fn scrutinised_within(ctx: &Ctx, months: u32) -> Outcome {
    let Some(body) = ctx.world.body_at(ctx.body, ctx.to) else {
        return not_checkable("the body is not in the ledger");
    };
    let mut names: Vec<String> = body
        .former_names
        .iter()
        .map(|(n, _)| n.to_string().to_lowercase())
        .collect();
    names.push(body.name.to_string().to_lowercase());
    let committees: Vec<_> = ctx
        .world
        .bodies_at(ctx.to)
        .into_iter()
        .filter(|b| b.kind == BodyKind::Committee)
        .collect();
    if committees.is_empty() {
        return not_checkable("no committees are recorded, so no scrutiny can be found");
    }
    // A committee scrutinised the body at a meeting whose resolutions name it.
    let mut scrutiny: Vec<(NaiveDate, Vec<Evidence>)> = Vec::new();
    for c in &committees {
        for r in ctx.world.resolutions(&c.body, None, Some(ctx.to)) {
            let text =
                format!("{} {}", r.item, r.text.as_ref().map_or("", |t| t.as_str())).to_lowercase();
            if names.iter().any(|n| text.contains(n.as_str()))
                || text.contains(&ctx.body.as_str().to_lowercase())
            {
                scrutiny.push((r.date, r.evidence.clone()));
            }
        }
    }
    scrutiny.sort_by_key(|(d, _)| *d);
    let mut findings = Vec::new();
    let start = body.founded.max(ctx.from);
    let mut last: Option<NaiveDate> = scrutiny.iter().rev().map(|(d, _)| *d).find(|d| *d <= start);
    let mut marks: Vec<(NaiveDate, Vec<Evidence>)> = scrutiny
        .iter()
        .filter(|(d, _)| *d > start && *d <= ctx.to)
        .cloned()
        .collect();
    marks.push((ctx.to.succ_opt().expect("a day after"), vec![]));
    for (when, evidence) in marks {
        let since = last.unwrap_or(body.founded);
        let Some(due) = plus_months(since, months) else {
            break;
        };
        if due < when && due <= ctx.to {
            let what = match last {
                Some(d) => format!("last scrutinised on {d}"),
                None => format!(
                    "no scrutiny recorded since it was founded on {}",
                    body.founded
                ),
            };
            let next = if when > ctx.to {
                format!("none by {}", ctx.to)
            } else {
                format!("next on {when}")
            };
            findings.push(ctx.finding(
                due.max(ctx.from),
                ctx.authority("statute"),
                format!("{} was not scrutinised by a crime and disorder committee within {months} months: {what}; {next}.", body.name),
                evidence,
            ));
        }
        last = Some(when);
    }
    outcome(
        findings,
        checked(format!("{} scrutiny meeting(s) found", scrutiny.len())),
    )
}
