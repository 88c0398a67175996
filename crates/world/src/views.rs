//! Answers: typed views of the world at a date, each row with its evidence.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use minutebook_model::*;
use serde::Serialize;

use crate::world::{Entity, Evidence, Fact, Listed, World};

/// How a body stopped existing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Ending {
    Merged { into: BodyKey },
    Succeeded { by: Vec<BodyKey> },
    Dissolved { reason: Option<Text> },
}

impl Ending {
    pub fn describe(&self) -> String {
        match self {
            Ending::Merged { into } => format!("merged into {into}"),
            Ending::Succeeded { by } => {
                format!(
                    "succeeded by {}",
                    by.iter().map(|b| b.as_str()).collect::<Vec<_>>().join(", ")
                )
            }
            Ending::Dissolved { .. } => "dissolved".into(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct BodyView {
    pub body: BodyKey,
    pub name: Name,
    pub kind: BodyKind,
    pub parent: Option<BodyKey>,
    pub founded: NaiveDate,
    /// Earlier names, oldest first, with the date each stopped being used.
    pub former_names: Vec<(Name, NaiveDate)>,
    /// Bodies merged into this one, or this body's predecessor if it succeeded one.
    pub merged_from: Vec<BodyKey>,
    pub succeeded_from: Vec<BodyKey>,
    /// Set when the body has ended on or before the query date.
    pub ended: Option<(NaiveDate, Ending)>,
    pub evidence: Vec<Evidence>,
}

impl BodyView {
    pub fn exists(&self) -> bool {
        self.ended.is_none()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PersonView {
    pub person: PersonKey,
    pub title: Option<Name>,
    pub name: Name,
    pub evidence: Vec<Evidence>,
}

impl PersonView {
    pub fn display_name(&self) -> String {
        match &self.title {
            Some(t) => format!("{t} {}", self.name),
            None => self.name.to_string(),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct MembershipView {
    pub membership: MembershipKey,
    pub body: BodyKey,
    pub person: PersonKey,
    pub person_name: Option<String>,
    pub role: Role,
    pub seat: Option<SeatKey>,
    pub on_behalf_of: Option<BodyKey>,
    pub since: NaiveDate,
    pub role_since: NaiveDate,
    /// Set when the membership has ended on or before the query date.
    pub ended: Option<(NaiveDate, EndReason)>,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SeatView {
    pub seat: Seat,
    /// `tor:VERSION` when the terms of reference in force define it, `seat_defined` otherwise.
    pub defined_by: String,
    pub evidence: Vec<Evidence>,
}

/// One version of a body's terms of reference, as in force from `in_force_from`.
#[derive(Clone, Debug, Serialize)]
pub struct TorView {
    pub body: BodyKey,
    pub version: TorVersion,
    pub in_force_from: NaiveDate,
    pub amends: Option<TorVersion>,
    pub clauses: Vec<Clause>,
    pub provisions: Provisions,
    pub last_reviewed: Option<NaiveDate>,
    /// The adoption or amendment that made this version (and any reviews since), with their sources.
    pub evidence: Vec<Evidence>,
}

impl TorView {
    pub fn clause(&self, number: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.number.as_str() == number)
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TorEventKind {
    Adopted,
    Amended,
    Reviewed,
}

#[derive(Clone, Debug, Serialize)]
pub struct TorHistoryEntry {
    pub date: NaiveDate,
    pub kind: TorEventKind,
    pub version: TorVersion,
    pub amends: Option<TorVersion>,
    pub summary: String,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScheduleView {
    pub date: NaiveDate,
    pub time: Option<chrono::NaiveTime>,
    pub venue: Option<Name>,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, Serialize)]
pub struct MeetingView {
    pub meeting: MeetingKey,
    pub body: BodyKey,
    /// The date it was held, or else the date last scheduled.
    pub date: NaiveDate,
    pub held: bool,
    pub time: Option<chrono::NaiveTime>,
    pub venue: Option<Name>,
    /// Every live statement of when it would be held.
    pub scheduled: Vec<ScheduleView>,
    /// Live statements disagree on the date, time or venue (and the meeting has not been held): the
    /// record contradicts itself until a correction supersedes one of them. `date`, `time` and
    /// `venue` then come from the earliest-dated statement, with `time` left empty if times differ.
    pub contradictory: bool,
    pub present: Vec<Attendee>,
    pub apologies: Vec<Attendee>,
    pub in_attendance: Vec<Attendee>,
    pub minutes_confirmed_at: Option<MeetingKey>,
    pub minutes_amendments: Vec<Text>,
    pub interests: Vec<InterestDeclared>,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ResolutionView {
    pub resolution: ResolutionKey,
    pub meeting: MeetingKey,
    pub body: Option<BodyKey>,
    pub date: NaiveDate,
    pub minute: Name,
    pub item: Name,
    pub verb: Verb,
    pub text: Option<Text>,
    pub parts: Vec<ResolutionPart>,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ActionView {
    pub action: ActionKey,
    pub description: Text,
    pub owner: Owner,
    pub resolution: Option<ResolutionKey>,
    pub part: Option<Name>,
    pub body: Option<BodyKey>,
    pub assigned: NaiveDate,
    pub due: Option<Due>,
    /// The due date, or the date of the meeting it is due by (held or scheduled).
    pub due_date: Option<NaiveDate>,
    pub discharged: Option<NaiveDate>,
    pub overdue: bool,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AdjustmentView {
    pub date: NaiveDate,
    pub amount: Pence,
    pub change: String,
    pub reason: Text,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, Serialize)]
pub struct AllocationView {
    pub allocation: AllocationKey,
    pub fund: FundKey,
    pub funder: BodyKey,
    pub recipient: BodyKey,
    pub allocated: Pence,
    /// After the adjustments effective by the query date.
    pub amount: Pence,
    pub period: Period,
    pub adjustments: Vec<AdjustmentView>,
    pub purpose: Option<Text>,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TotalView {
    pub total: TotalKey,
    pub label: Name,
    pub stated: Pence,
    /// The sum of the covered allocations as the ledger holds them (adjustments applied).
    pub computed: Option<Pence>,
    /// computed − stated, in pence.
    pub difference: Option<i64>,
    pub covers: Vec<AllocationKey>,
    /// Covered allocations the ledger does not hold.
    pub missing: Vec<AllocationKey>,
    pub note: Option<Text>,
    pub evidence: Vec<Evidence>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FundView {
    pub fund: FundKey,
    pub name: Name,
    pub funder: BodyKey,
    pub evidence: Vec<Evidence>,
}

/// One line of a timeline.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryEntry {
    pub date: NaiveDate,
    pub what: String,
    pub evidence: Evidence,
}

/// Compare clause numbers as people do: "2" < "10", "4.2" < "4.10".
pub fn clause_order(a: &str, b: &str) -> Ordering {
    fn parts(s: &str) -> Vec<(u64, String)> {
        s.split(['.', ' ', '(', ')'])
            .filter(|p| !p.is_empty())
            .map(|p| (p.parse().unwrap_or(u64::MAX), p.to_string()))
            .collect()
    }
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

impl World {
    fn evidence(facts: &[&Fact]) -> Vec<Evidence> {
        facts.iter().map(|f| f.evidence.clone()).collect()
    }

    /// The body as at `at`: `None` if it had not been founded by then.
    pub fn body_at(&self, body: &BodyKey, at: NaiveDate) -> Option<BodyView> {
        let facts: Vec<&Fact> = self
            .facts_of(&Entity::Body(body.clone()), Some(at))
            .collect();
        let mut view: Option<BodyView> = None;
        for f in &facts {
            let date = f.evidence.effective;
            match (&f.payload, view.as_mut()) {
                (Payload::BodyFounded(x), None) => {
                    view = Some(BodyView {
                        body: x.body.clone(),
                        name: x.name.clone(),
                        kind: x.kind,
                        parent: x.parent.clone(),
                        founded: date,
                        former_names: vec![],
                        merged_from: vec![],
                        succeeded_from: vec![],
                        ended: None,
                        evidence: vec![],
                    })
                }
                (Payload::BodyRenamed(x), Some(v)) => {
                    let old = std::mem::replace(&mut v.name, x.name.clone());
                    v.former_names.push((old, date));
                }
                (Payload::BodiesMerged(x), Some(v)) if &x.into == body => {
                    v.merged_from.extend(x.bodies.iter().cloned())
                }
                (Payload::BodiesMerged(x), Some(v)) => {
                    v.ended.get_or_insert((
                        date,
                        Ending::Merged {
                            into: x.into.clone(),
                        },
                    ));
                }
                (Payload::BodySucceeded(x), Some(v)) if &x.body == body => {
                    v.ended.get_or_insert((
                        date,
                        Ending::Succeeded {
                            by: x.successors.clone(),
                        },
                    ));
                }
                (Payload::BodySucceeded(x), Some(v)) => v.succeeded_from.push(x.body.clone()),
                (Payload::BodyDissolved(x), Some(v)) => {
                    v.ended.get_or_insert((
                        date,
                        Ending::Dissolved {
                            reason: x.reason.clone(),
                        },
                    ));
                }
                _ => continue,
            }
        }
        let mut view = view?;
        view.evidence = World::evidence(&facts);
        Some(view)
    }

    /// Whether the body exists on `at` (founded on or before, not ended on or before).
    pub fn body_exists(&self, body: &BodyKey, at: NaiveDate) -> bool {
        self.body_at(body, at).is_some_and(|b| b.exists())
    }

    /// Whether the body exists on at least one day of the period.
    pub fn body_exists_during(&self, body: &BodyKey, period: &Period) -> bool {
        match self.body_at(body, period.to) {
            None => false,
            Some(v) => match v.ended {
                None => true,
                Some((ended, _)) => ended > period.from && v.founded <= period.to,
            },
        }
    }

    /// Every body founded by `at`, ended or not.
    pub fn bodies_at(&self, at: NaiveDate) -> Vec<BodyView> {
        self.live_keys(Listed::Body, |e| {
            if let Entity::Body(b) = e {
                Some(b)
            } else {
                None
            }
        })
        .filter_map(|b| self.body_at(b, at))
        .collect()
    }

    /// Every person registered by `at` (all of them when `None`), in key order.
    pub fn persons(&self, at: Option<NaiveDate>) -> Vec<PersonView> {
        self.live_keys(Listed::Person, |e| {
            if let Entity::Person(p) = e {
                Some(p)
            } else {
                None
            }
        })
        .filter_map(|p| self.person(p, at))
        .collect()
    }

    pub fn person(&self, person: &PersonKey, at: Option<NaiveDate>) -> Option<PersonView> {
        let facts: Vec<&Fact> = self.facts_of(&Entity::Person(person.clone()), at).collect();
        let mut view: Option<PersonView> = None;
        for f in &facts {
            match &f.payload {
                Payload::PersonRegistered(x) if view.is_none() => {
                    view = Some(PersonView {
                        person: x.person.clone(),
                        title: x.title.clone(),
                        name: x.name.clone(),
                        evidence: vec![],
                    })
                }
                Payload::PersonRenamed(x) => {
                    if let Some(v) = view.as_mut() {
                        v.title = x.title.clone();
                        v.name = x.name.clone();
                    }
                }
                _ => {}
            }
        }
        let mut view = view?;
        view.evidence = World::evidence(&facts);
        Some(view)
    }

    /// A membership as at `at` (`None` before its appointment); `ended` is set if it has ended.
    pub fn membership_at(
        &self,
        membership: &MembershipKey,
        at: Option<NaiveDate>,
    ) -> Option<MembershipView> {
        let (mut view, facts) = self.membership_terms(membership, at)?;
        view.person_name = self.person(&view.person, at).map(|p| p.display_name());
        view.evidence = World::evidence(&facts);
        Some(view)
    }

    /// [`World::membership_at`] without the person's name and the evidence, for checks that need
    /// only the terms (and must not read the person's facts to get them), with the facts it used.
    pub(crate) fn membership_terms(
        &self,
        membership: &MembershipKey,
        at: Option<NaiveDate>,
    ) -> Option<(MembershipView, Vec<&Fact>)> {
        let facts: Vec<&Fact> = self
            .facts_of(&Entity::Membership(membership.clone()), at)
            .collect();
        let mut view: Option<MembershipView> = None;
        for f in &facts {
            let date = f.evidence.effective;
            match (&f.payload, view.as_mut()) {
                (Payload::MemberAppointed(x), None) => {
                    view = Some(MembershipView {
                        membership: x.membership.clone(),
                        body: x.body.clone(),
                        person: x.person.clone(),
                        person_name: None,
                        role: x.role,
                        seat: x.seat.clone(),
                        on_behalf_of: x.on_behalf_of.clone(),
                        since: date,
                        role_since: date,
                        ended: None,
                        evidence: vec![],
                    })
                }
                (Payload::MemberRoleChanged(x), Some(v)) if v.ended.is_none() => {
                    v.role = x.role;
                    v.role_since = date;
                }
                (Payload::MembershipEnded(x), Some(v)) => {
                    v.ended.get_or_insert((date, x.reason));
                }
                _ => {}
            }
        }
        Some((view?, facts))
    }

    /// Whether the membership is the body's and active on `at`, decided as `membership_at` decides
    /// it but without building the view (or looking up the person): a body keeps every membership it
    /// ever had, and most have ended.
    fn sits_on(&self, membership: &MembershipKey, body: &BodyKey, at: NaiveDate) -> bool {
        let mut appointed = false;
        for f in self.facts_of(&Entity::Membership(membership.clone()), Some(at)) {
            match &f.payload {
                Payload::MemberAppointed(x) if !appointed => {
                    if &x.body != body {
                        return false;
                    }
                    appointed = true;
                }
                Payload::MembershipEnded(_) if appointed => return false,
                _ => {}
            }
        }
        appointed
    }

    /// Who sat on the body on `at`: memberships appointed on or before and not ended on or before.
    pub fn members_at(&self, body: &BodyKey, at: NaiveDate) -> Vec<MembershipView> {
        // Nobody sits on a body that has ended (or is not yet founded), whatever was left unrecorded.
        if !self.body_exists(body, at) {
            return Vec::new();
        }
        let mut members: Vec<MembershipView> = self
            .body_memberships(body)
            .filter(|m| self.sits_on(m, body, at))
            .filter_map(|m| self.membership_at(m, Some(at)))
            .filter(|m| m.ended.is_none() && &m.body == body)
            .collect();
        members.sort_by(|a, b| {
            (role_rank(a.role), &a.person_name, &a.membership).cmp(&(
                role_rank(b.role),
                &b.person_name,
                &b.membership,
            ))
        });
        members
    }

    /// Every membership of the body, ever, as it stands at `at` (all time with `None`), oldest first.
    pub fn memberships_of_body(
        &self,
        body: &BodyKey,
        at: Option<NaiveDate>,
    ) -> Vec<MembershipView> {
        let mut list: Vec<MembershipView> = self
            .body_memberships(body)
            .filter_map(|m| self.membership_at(m, at))
            .filter(|m| &m.body == body)
            .collect();
        list.sort_by_key(|m| (m.since, m.membership.clone()));
        list
    }

    /// Every membership the person has held, oldest first, as they stand at `at` (all time with `None`).
    pub fn memberships_of(&self, person: &PersonKey, at: Option<NaiveDate>) -> Vec<MembershipView> {
        let mut list: Vec<MembershipView> = self
            .person_memberships(person)
            .filter_map(|m| self.membership_at(m, at))
            .filter(|m| &m.person == person)
            .collect();
        list.sort_by_key(|m| (m.since, m.membership.clone()));
        list
    }

    /// Every version of the body's terms of reference, in order, each as it stood when made, with
    /// reviews recorded against the version in force.
    pub fn tor_versions(&self, body: &BodyKey, at: Option<NaiveDate>) -> Vec<TorView> {
        let mut versions: Vec<TorView> = Vec::new();
        for f in self.facts_of(&Entity::Tor(body.clone()), at) {
            let date = f.evidence.effective;
            match &f.payload {
                Payload::TorAdopted(x) => {
                    let mut clauses = x.clauses.clone();
                    clauses.sort_by(|a, b| clause_order(a.number.as_str(), b.number.as_str()));
                    versions.push(TorView {
                        body: body.clone(),
                        version: x.version.clone(),
                        in_force_from: date,
                        amends: None,
                        clauses,
                        provisions: x.provisions.clone(),
                        last_reviewed: None,
                        evidence: vec![f.evidence.clone()],
                    });
                }
                Payload::TorAmended(x) => {
                    let Some(base) = versions.last() else {
                        continue;
                    };
                    let mut clauses = base.clauses.clone();
                    for change in &x.changes {
                        apply_change(&mut clauses, change);
                    }
                    clauses.sort_by(|a, b| clause_order(a.number.as_str(), b.number.as_str()));
                    versions.push(TorView {
                        body: body.clone(),
                        version: x.version.clone(),
                        in_force_from: date,
                        amends: Some(x.amends.clone()),
                        clauses,
                        provisions: x
                            .provisions
                            .clone()
                            .unwrap_or_else(|| base.provisions.clone()),
                        last_reviewed: None,
                        evidence: vec![f.evidence.clone()],
                    });
                }
                Payload::TorReviewed(_) => {
                    if let Some(v) = versions.last_mut() {
                        v.last_reviewed = Some(date);
                        v.evidence.push(f.evidence.clone());
                    }
                }
                _ => {}
            }
        }
        versions
    }

    /// The terms of reference in force on `at`.
    pub fn tor_at(&self, body: &BodyKey, at: NaiveDate) -> Option<TorView> {
        self.tor_versions(body, Some(at)).pop()
    }

    /// Every adoption, amendment and review, oldest first.
    pub fn tor_history(&self, body: &BodyKey) -> Vec<TorHistoryEntry> {
        self.facts_of(&Entity::Tor(body.clone()), None)
            .filter_map(|f| {
                let (kind, version, amends, summary) = match &f.payload {
                    Payload::TorAdopted(x) => (
                        TorEventKind::Adopted,
                        x.version.clone(),
                        None,
                        format!("adopted with {} clause(s)", x.clauses.len()),
                    ),
                    Payload::TorAmended(x) => (
                        TorEventKind::Amended,
                        x.version.clone(),
                        Some(x.amends.clone()),
                        format!(
                            "amended {}: {}{}",
                            x.amends,
                            x.changes
                                .iter()
                                .map(describe_change)
                                .collect::<Vec<_>>()
                                .join(", "),
                            if x.provisions.is_some() {
                                "; provisions replaced"
                            } else {
                                ""
                            }
                        ),
                    ),
                    Payload::TorReviewed(x) => (
                        TorEventKind::Reviewed,
                        x.version.clone(),
                        None,
                        x.note
                            .as_ref()
                            .map_or("reviewed without change".into(), |n| {
                                format!("reviewed: {n}")
                            }),
                    ),
                    _ => return None,
                };
                Some(TorHistoryEntry {
                    date: f.evidence.effective,
                    kind,
                    version,
                    amends,
                    summary,
                    evidence: f.evidence.clone(),
                })
            })
            .collect()
    }

    /// The seats on the body on `at`: those the terms of reference in force define, and those defined
    /// by `seat_defined` and not abolished.
    pub fn seats_at(&self, body: &BodyKey, at: NaiveDate) -> Vec<SeatView> {
        let mut seats: BTreeMap<SeatKey, SeatView> = BTreeMap::new();
        if let Some(tor) = self.tor_at(body, at) {
            for s in &tor.provisions.seats {
                seats.insert(
                    s.key.clone(),
                    SeatView {
                        seat: s.clone(),
                        defined_by: format!("tor:{}", tor.version),
                        evidence: tor.evidence.clone(),
                    },
                );
            }
        }
        for f in self.facts_of(&Entity::Seats(body.clone()), Some(at)) {
            match &f.payload {
                Payload::SeatDefined(x) => {
                    seats.insert(
                        x.seat.key.clone(),
                        SeatView {
                            seat: x.seat.clone(),
                            defined_by: "seat_defined".into(),
                            evidence: vec![f.evidence.clone()],
                        },
                    );
                }
                Payload::SeatAbolished(x) => {
                    seats.remove(&x.seat);
                }
                _ => {}
            }
        }
        seats.into_values().collect()
    }

    /// A meeting as known (all its live facts, whatever their dates).
    pub fn meeting(&self, meeting: &MeetingKey) -> Option<MeetingView> {
        let facts: Vec<&Fact> = self
            .facts_of(&Entity::Meeting(meeting.clone()), None)
            .collect();
        let mut view: Option<MeetingView> = None;
        let blank = |body: &BodyKey, date| MeetingView {
            meeting: meeting.clone(),
            body: body.clone(),
            date,
            held: false,
            time: None,
            venue: None,
            scheduled: vec![],
            present: vec![],
            apologies: vec![],
            in_attendance: vec![],
            minutes_confirmed_at: None,
            minutes_amendments: vec![],
            interests: vec![],
            contradictory: false,
            evidence: vec![],
        };
        for f in &facts {
            match &f.payload {
                Payload::MeetingScheduled(x) => {
                    let v = view.get_or_insert_with(|| blank(&x.body, x.date));
                    v.scheduled.push(ScheduleView {
                        date: x.date,
                        time: x.time,
                        venue: x.venue.clone(),
                        evidence: f.evidence.clone(),
                    });
                    if !v.held {
                        v.date = x.date;
                        v.time = x.time;
                        v.venue = x.venue.clone().or(v.venue.take());
                    }
                }
                Payload::MeetingHeld(x) => {
                    let v = view.get_or_insert_with(|| blank(&x.body, f.evidence.effective));
                    v.held = true;
                    v.date = f.evidence.effective;
                    v.time = x.time.or(v.time);
                    v.venue = x.venue.clone().or(v.venue.take());
                    v.present = x.present.clone();
                    v.apologies = x.apologies.clone();
                    v.in_attendance = x.in_attendance.clone();
                }
                _ => {}
            }
        }
        let mut view = view?;
        let first = view
            .scheduled
            .first()
            .map(|s| (s.date, s.time, s.venue.clone()));
        if let Some((date, time, venue)) = first
            && !view.held
        {
            let differ = |f: &dyn Fn(&ScheduleView) -> bool| view.scheduled.iter().any(f);
            let times_differ = differ(&|s| s.time != time);
            view.contradictory =
                times_differ || differ(&|s| s.date != date) || differ(&|s| s.venue != venue);
            if view.contradictory {
                let earliest = view.scheduled.iter().map(|s| s.date).min().unwrap_or(date);
                view.date = earliest;
                view.time = if times_differ { None } else { time };
            }
        }
        for f in &facts {
            match &f.payload {
                Payload::MinutesConfirmed(x) => {
                    view.minutes_confirmed_at = Some(x.at_meeting.clone());
                    view.minutes_amendments = x.amendments.clone();
                }
                Payload::InterestDeclared(x) => view.interests.push(x.clone()),
                _ => {}
            }
        }
        view.evidence = World::evidence(&facts);
        Some(view)
    }

    /// The body's meetings, in date order.
    pub fn meetings(&self, body: &BodyKey) -> Vec<MeetingView> {
        let mut list: Vec<MeetingView> = self
            .body_meetings(body)
            .filter_map(|m| self.meeting(m))
            .filter(|m| &m.body == body)
            .collect();
        list.sort_by_key(|m| (m.date, m.time, m.meeting.clone()));
        list
    }

    /// The body whose meeting this is, as [`World::meeting`] says, without building the view.
    pub(crate) fn meeting_body(&self, meeting: &MeetingKey) -> Option<&BodyKey> {
        self.facts_of(&Entity::Meeting(meeting.clone()), None)
            .find_map(|f| match &f.payload {
                Payload::MeetingScheduled(x) => Some(&x.body),
                Payload::MeetingHeld(x) => Some(&x.body),
                _ => None,
            })
    }

    /// Whether the person was registered by `at` (ever, with `None`), as [`World::person`] decides
    /// it, without building the view.
    pub(crate) fn person_registered(&self, person: &PersonKey, at: Option<NaiveDate>) -> bool {
        self.facts_of(&Entity::Person(person.clone()), at)
            .any(|f| matches!(f.payload, Payload::PersonRegistered(_)))
    }

    /// The date a meeting was held on, or failing that is scheduled for.
    pub fn meeting_date(&self, meeting: &MeetingKey) -> Option<NaiveDate> {
        self.meeting(meeting).map(|m| m.date)
    }

    pub fn resolution(&self, resolution: &ResolutionKey) -> Option<ResolutionView> {
        let facts: Vec<&Fact> = self
            .facts_of(&Entity::Resolution(resolution.clone()), None)
            .collect();
        let f = facts.first()?;
        let Payload::ResolutionPassed(x) = &f.payload else {
            return None;
        };
        Some(ResolutionView {
            resolution: x.resolution.clone(),
            meeting: x.meeting.clone(),
            body: self.meeting_body(&x.meeting).cloned(),
            date: f.evidence.effective,
            minute: x.minute.clone(),
            item: x.item.clone(),
            verb: x.verb,
            text: x.text.clone(),
            parts: x.parts.clone(),
            evidence: World::evidence(&facts),
        })
    }

    /// Resolutions of the body's meetings, optionally within dates (inclusive), by date and minute.
    pub fn resolutions(
        &self,
        body: &BodyKey,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Vec<ResolutionView> {
        let mut list: Vec<ResolutionView> = self
            .meetings(body)
            .iter()
            .flat_map(|m| {
                let listed = self.meeting_resolutions(&m.meeting);
                // The index only grows: keep a resolution under the meeting it belongs to now.
                listed
                    .filter_map(|r| self.resolution(r))
                    .filter(move |r| r.meeting == m.meeting)
            })
            .filter(|r| from.is_none_or(|d| r.date >= d) && to.is_none_or(|d| r.date <= d))
            .collect();
        list.sort_by(|a, b| {
            a.date
                .cmp(&b.date)
                .then_with(|| clause_order(a.minute.as_str(), b.minute.as_str()))
        });
        list
    }

    /// An action as at `at` (`None` before it was assigned).
    pub fn action_at(&self, action: &ActionKey, at: NaiveDate) -> Option<ActionView> {
        let facts: Vec<&Fact> = self
            .facts_of(&Entity::Action(action.clone()), Some(at))
            .collect();
        let mut view: Option<ActionView> = None;
        for f in &facts {
            match (&f.payload, view.as_mut()) {
                (Payload::ActionAssigned(x), None) => {
                    let body = match (&x.owner, &x.resolution) {
                        (_, Some(r)) => self.resolution(r).and_then(|r| r.body),
                        (Owner::Body(b), None) => Some(b.clone()),
                        _ => None,
                    };
                    let due_date = match &x.due {
                        Some(Due::Date(d)) => Some(*d),
                        Some(Due::Meeting(m)) => self.meeting_date(m),
                        None => None,
                    };
                    view = Some(ActionView {
                        action: x.action.clone(),
                        description: x.description.clone(),
                        owner: x.owner.clone(),
                        resolution: x.resolution.clone(),
                        part: x.part.clone(),
                        body,
                        assigned: f.evidence.effective,
                        due: x.due.clone(),
                        due_date,
                        discharged: None,
                        overdue: false,
                        evidence: vec![],
                    });
                }
                (Payload::ActionDischarged(_), Some(v)) => {
                    v.discharged.get_or_insert(f.evidence.effective);
                }
                _ => {}
            }
        }
        let mut view = view?;
        view.overdue = view.discharged.is_none() && view.due_date.is_some_and(|d| d < at);
        view.evidence = World::evidence(&facts);
        Some(view)
    }

    /// Every action of the body (from its resolutions, or owned by it) as at `at`.
    ///
    /// Candidates come from the relations (the actions of the resolutions of the body's meetings,
    /// and those it owns), which hold every action whose view can name the body: an action's body
    /// is its resolution's meeting's body, or its owner when it has no resolution.
    pub fn actions_at(&self, body: &BodyKey, at: NaiveDate) -> Vec<ActionView> {
        let mut candidates: BTreeSet<&ActionKey> = self.body_actions(body).collect();
        for m in self.body_meetings(body) {
            for r in self.meeting_resolutions(m) {
                candidates.extend(self.resolution_actions(r));
            }
        }
        let mut list: Vec<ActionView> = candidates
            .into_iter()
            .filter_map(|a| self.action_at(a, at))
            .filter(|a| a.body.as_ref() == Some(body))
            .collect();
        list.sort_by_key(|a| (a.due_date, a.assigned, a.action.clone()));
        list
    }

    pub fn fund(&self, fund: &FundKey, at: NaiveDate) -> Option<FundView> {
        let facts: Vec<&Fact> = self
            .facts_of(&Entity::Fund(fund.clone()), Some(at))
            .collect();
        let mut view: Option<FundView> = None;
        for f in &facts {
            match (&f.payload, view.as_mut()) {
                (Payload::FundEstablished(x), None) => {
                    view = Some(FundView {
                        fund: x.fund.clone(),
                        name: x.name.clone(),
                        funder: x.funder.clone(),
                        evidence: vec![],
                    })
                }
                (Payload::FundTransferred(x), Some(v)) => v.funder = x.to_funder.clone(),
                _ => {}
            }
        }
        let mut view = view?;
        view.evidence = World::evidence(&facts);
        Some(view)
    }

    /// An allocation with the adjustments effective on or before `at` applied.
    pub fn allocation_at(
        &self,
        allocation: &AllocationKey,
        at: NaiveDate,
    ) -> Option<AllocationView> {
        let all: Vec<&Fact> = self
            .facts_of(&Entity::Allocation(allocation.clone()), None)
            .collect();
        let first = all.first()?;
        let Payload::FundingAllocated(x) = &first.payload else {
            return None;
        };
        let mut view = AllocationView {
            allocation: x.allocation.clone(),
            fund: x.fund.clone(),
            funder: x.funder.clone(),
            recipient: x.recipient.clone(),
            allocated: x.amount,
            amount: x.amount,
            period: x.period,
            adjustments: vec![],
            purpose: x.purpose.clone(),
            evidence: vec![first.evidence.clone()],
        };
        for f in all.iter().skip(1).filter(|f| f.evidence.effective <= at) {
            let Payload::FundingAdjusted(a) = &f.payload else {
                continue;
            };
            let before = view.amount;
            if let Some(amount) = a.amount {
                view.amount = amount;
            }
            let mut overflowed = false;
            if let Some(percent) = a.percent {
                match view.amount.apply(percent) {
                    Some(amount) => view.amount = amount,
                    None => overflowed = true,
                }
            }
            if let Some(period) = a.period {
                view.period = period;
            }
            let mut change = Vec::new();
            if view.amount != before {
                change.push(format!("{before} → {}", view.amount));
            }
            if let Some(p) = a.percent {
                change.push(if overflowed {
                    format!("{p}% not applied: the result overflows")
                } else {
                    format!("{p}%")
                });
            }
            if let Some(p) = a.period {
                change.push(format!("period {} to {}", p.from, p.to));
            }
            view.adjustments.push(AdjustmentView {
                date: f.evidence.effective,
                amount: view.amount,
                change: change.join(", "),
                reason: a.reason.clone(),
                evidence: f.evidence.clone(),
            });
            view.evidence.push(f.evidence.clone());
        }
        Some(view)
    }

    /// Every allocation the body makes or receives, adjusted as at `at`, in key order.
    pub fn allocations_of(&self, body: &BodyKey, at: NaiveDate) -> Vec<AllocationView> {
        self.body_allocations(body)
            .filter_map(|a| self.allocation_at(a, at))
            .filter(|a| &a.funder == body || &a.recipient == body)
            .collect()
    }

    /// The bodies founded under the body (naming it as their parent) by `at`, in key order.
    pub fn children_at(&self, body: &BodyKey, at: NaiveDate) -> Vec<BodyView> {
        self.body_children(body)
            .filter_map(|b| self.body_at(b, at))
            .filter(|b| b.parent.as_ref() == Some(body))
            .collect()
    }

    /// Every allocation known, adjusted as at `at`.
    pub fn allocations(&self, at: NaiveDate) -> Vec<AllocationView> {
        self.live_keys(Listed::Allocation, |e| {
            if let Entity::Allocation(a) = e {
                Some(a)
            } else {
                None
            }
        })
        .filter_map(|a| self.allocation_at(a, at))
        .collect()
    }

    /// Every stated total, reconciled against the allocations it covers (adjusted as at `at`).
    pub fn totals(&self, at: NaiveDate) -> Vec<TotalView> {
        self.live_keys(Listed::Total, |e| {
            if let Entity::Total(t) = e {
                Some(t)
            } else {
                None
            }
        })
        .filter_map(|t| self.total_at(t, at))
        .collect()
    }

    /// The stated totals covering any of `allocations`, reconciled as [`World::totals`] does, in
    /// key order.
    pub fn totals_covering<'k>(
        &self,
        allocations: impl IntoIterator<Item = &'k AllocationKey>,
        at: NaiveDate,
    ) -> Vec<TotalView> {
        let allocations: BTreeSet<&AllocationKey> = allocations.into_iter().collect();
        let keys: BTreeSet<&TotalKey> = allocations
            .iter()
            .flat_map(|a| self.allocation_totals(a))
            .collect();
        keys.into_iter()
            .filter_map(|t| self.total_at(t, at))
            .filter(|t| t.covers.iter().any(|c| allocations.contains(c)))
            .collect()
    }

    fn total_at(&self, total: &TotalKey, at: NaiveDate) -> Option<TotalView> {
        let facts: Vec<&Fact> = self.facts_of(&Entity::Total(total.clone()), None).collect();
        let Payload::TotalStated(x) = &facts.first()?.payload else {
            return None;
        };
        let mut sum = Some(Pence::ZERO);
        let mut missing = Vec::new();
        for a in &x.covers {
            match self.allocation_at(a, at) {
                Some(v) => sum = sum.and_then(|s| s.checked_add(v.amount)),
                None => missing.push(a.clone()),
            }
        }
        Some(TotalView {
            total: x.total.clone(),
            label: x.label.clone(),
            stated: x.amount,
            computed: sum,
            difference: sum.map(|s| s.get() - x.amount.get()),
            covers: x.covers.clone(),
            missing,
            note: x.note.clone(),
            evidence: World::evidence(&facts),
        })
    }

    /// Every live fact naming the body, as a timeline: lifecycle, seats, terms of reference.
    pub fn body_history(&self, body: &BodyKey) -> Vec<HistoryEntry> {
        let mut entries: Vec<HistoryEntry> = [
            Entity::Body(body.clone()),
            Entity::Seats(body.clone()),
            Entity::Tor(body.clone()),
        ]
        .iter()
        .flat_map(|e| self.facts_of(e, None))
        .map(|f| HistoryEntry {
            date: f.evidence.effective,
            what: describe(&f.payload, Some(body)),
            evidence: f.evidence.clone(),
        })
        .collect();
        entries.sort_by_key(|e| (e.date, e.evidence.seq));
        entries
    }

    /// The person's registration, renames and every membership fact, oldest first.
    pub fn person_history(&self, person: &PersonKey) -> Vec<HistoryEntry> {
        let mut entries: Vec<HistoryEntry> = self
            .facts_of(&Entity::Person(person.clone()), None)
            .map(|f| HistoryEntry {
                date: f.evidence.effective,
                what: describe(&f.payload, None),
                evidence: f.evidence.clone(),
            })
            .collect();
        let memberships = self.person_memberships(person);
        // The index only grows: keep the memberships that are this person's now.
        for m in memberships.filter(|m| {
            self.membership_at(m, None)
                .is_some_and(|v| &v.person == person)
        }) {
            for f in self.facts_of(&Entity::Membership(m.clone()), None) {
                entries.push(HistoryEntry {
                    date: f.evidence.effective,
                    what: describe(&f.payload, None),
                    evidence: f.evidence.clone(),
                });
            }
        }
        entries.sort_by_key(|e| (e.date, e.evidence.seq));
        entries
    }
}

fn role_rank(r: Role) -> u8 {
    match r {
        Role::Chair => 0,
        Role::ViceChair => 1,
        Role::Member => 2,
        Role::CoOpted => 3,
        Role::Substitute => 4,
        Role::InvitedObserver => 5,
    }
}

pub(crate) fn apply_change(clauses: &mut Vec<Clause>, change: &ClauseChange) {
    match change {
        ClauseChange::Add {
            number,
            heading,
            text,
        }
        | ClauseChange::Replace {
            number,
            heading,
            text,
        } => {
            let clause = Clause {
                number: number.clone(),
                heading: heading.clone(),
                text: text.clone(),
            };
            match clauses.iter_mut().find(|c| &c.number == number) {
                Some(existing) => *existing = clause,
                None => clauses.push(clause),
            }
        }
        ClauseChange::Remove { number } => clauses.retain(|c| &c.number != number),
    }
}

fn describe_change(c: &ClauseChange) -> String {
    match c {
        ClauseChange::Add { number, .. } => format!("added clause {number}"),
        ClauseChange::Replace { number, .. } => format!("replaced clause {number}"),
        ClauseChange::Remove { number } => format!("removed clause {number}"),
    }
}

/// One line saying what a fact did, from the point of view of `body` where given.
fn describe(p: &Payload, body: Option<&BodyKey>) -> String {
    let role = |r: &Role| snake(r);
    match p {
        Payload::BodyFounded(x) => format!(
            "founded as \"{}\" ({}){}",
            x.name,
            snake(&x.kind),
            x.parent
                .as_ref()
                .map_or(String::new(), |p| format!(", under {p}"))
        ),
        Payload::BodyRenamed(x) => format!("renamed \"{}\"", x.name),
        Payload::BodiesMerged(x) if body == Some(&x.into) => {
            format!(
                "formed by merging {}",
                x.bodies
                    .iter()
                    .map(|b| b.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Payload::BodiesMerged(x) => format!("merged into {}", x.into),
        Payload::BodySucceeded(x) if body == Some(&x.body) => {
            format!(
                "ceased; succeeded by {}",
                x.successors
                    .iter()
                    .map(|b| b.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Payload::BodySucceeded(x) => format!("took over the business of {}", x.body),
        Payload::BodyDissolved(_) => "dissolved".into(),
        Payload::SeatDefined(x) => format!("seat {} defined: {}", x.seat.key, x.seat.title),
        Payload::SeatAbolished(x) => format!("seat {} abolished", x.seat),
        Payload::TorAdopted(x) => format!("terms of reference {} adopted", x.version),
        Payload::TorAmended(x) => {
            format!("terms of reference {} amended into {}", x.amends, x.version)
        }
        Payload::TorReviewed(x) => format!("terms of reference {} reviewed", x.version),
        Payload::PersonRegistered(x) => format!(
            "registered as {}{}",
            x.title.as_ref().map_or(String::new(), |t| format!("{t} ")),
            x.name
        ),
        Payload::PersonRenamed(x) => format!(
            "renamed {}{}",
            x.title.as_ref().map_or(String::new(), |t| format!("{t} ")),
            x.name
        ),
        Payload::MemberAppointed(x) => format!(
            "appointed {} of {}{}{}",
            role(&x.role),
            x.body,
            x.seat
                .as_ref()
                .map_or(String::new(), |s| format!(", seat {s}")),
            x.on_behalf_of
                .as_ref()
                .map_or(String::new(), |b| format!(", for {b}"))
        ),
        Payload::MemberRoleChanged(x) => {
            format!("role in {} changed to {}", x.membership, role(&x.role))
        }
        Payload::MembershipEnded(x) => {
            format!("membership {} ended ({})", x.membership, snake(&x.reason))
        }
        other => other.type_tag().replace('_', " "),
    }
}

/// The snake_case name serde gives a unit enum variant (`vice_chair`).
pub fn snake(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}
