//! Domain rules: what an event may say given the world on its effective date.
//!
//! Structural rules (a field present, a period in order) are the model's; these need the state of
//! the world: does the body exist then, is the seat defined, is the membership active.

use chrono::NaiveDate;
use minutebook_model::*;
use serde::Serialize;

use crate::views::{TorView, apply_change};
use crate::world::{Entity, World};

/// A domain rule an event broke, with what the world held.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error("names body {body}, which had not been founded by {on}")]
    BodyNotFounded { body: BodyKey, on: NaiveDate },
    #[error("names body {body}, which no longer existed on {on}: it was {how} on {ended}")]
    BodyGone {
        body: BodyKey,
        on: NaiveDate,
        ended: NaiveDate,
        how: String,
    },
    #[error("ends body {body} on {on}, but the ledger has it in use from then on: {what}")]
    BodyStillInUse {
        body: BodyKey,
        on: NaiveDate,
        what: String,
    },
    #[error("names body {body}, which did not exist at any time from {} to {}", .period.from, .period.to)]
    BodyAbsentDuringPeriod { body: BodyKey, period: Period },
    #[error("names person {person}, who had not been registered by {on}")]
    PersonNotRegistered { person: PersonKey, on: NaiveDate },
    #[error(
        "names seat {seat}, which {body} did not have on {on} (terms of reference in force: {tor}; seats then: {seats})"
    )]
    SeatNotDefined {
        seat: SeatKey,
        body: BodyKey,
        on: NaiveDate,
        tor: String,
        seats: String,
    },
    #[error("names membership {membership}, which is not in the ledger")]
    MembershipUnknown { membership: MembershipKey },
    #[error("names membership {membership}, which was not active on {on}: {state}")]
    MembershipNotActive {
        membership: MembershipKey,
        on: NaiveDate,
        state: String,
    },
    #[error(
        "amends or reviews version {named} of {body}'s terms of reference, but the version in force on {on} was {in_force}"
    )]
    TorNotInForce {
        body: BodyKey,
        named: TorVersion,
        on: NaiveDate,
        in_force: String,
    },
    #[error("{change} clause {number}, which version {version} {has}")]
    ClauseConflict {
        change: &'static str,
        number: String,
        version: TorVersion,
        has: &'static str,
    },
    #[error("names meeting {meeting}, which is not in the ledger")]
    MeetingUnknown { meeting: MeetingKey },
    #[error("records meeting {meeting} for {body}, but that meeting is {other}'s")]
    MeetingOfOtherBody {
        meeting: MeetingKey,
        body: BodyKey,
        other: BodyKey,
    },
    #[error("names resolution {resolution}, which is not in the ledger")]
    ResolutionUnknown { resolution: ResolutionKey },
    #[error("names part {part} of resolution {resolution}, which has parts: {parts}")]
    ResolutionPartUnknown {
        resolution: ResolutionKey,
        part: String,
        parts: String,
    },
    #[error("names action {action}, which had not been assigned by {on}")]
    ActionUnknown { action: ActionKey, on: NaiveDate },
    #[error("discharges action {action}, which was already discharged on {discharged}")]
    ActionAlreadyDischarged {
        action: ActionKey,
        discharged: NaiveDate,
    },
    #[error("names fund {fund}, which had not been established by {on}")]
    FundUnknown { fund: FundKey, on: NaiveDate },
    #[error("transfers fund {fund} from {named}, but on {on} it was given out by {holder}")]
    FunderNotHolder {
        fund: FundKey,
        named: BodyKey,
        on: NaiveDate,
        holder: BodyKey,
    },
    #[error("names allocation {allocation}, which is not in the ledger")]
    AllocationUnknown { allocation: AllocationKey },
    #[error("uses {what} key {key}, which already names another {what} (effective {since})")]
    KeyInUse {
        what: &'static str,
        key: String,
        since: NaiveDate,
    },
}

/// One event's domain rejection: `event #2 (line 2): field `data.body` names body x, which ...`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{event}: field `{field}` {violation}")]
pub struct DomainRejection {
    pub event: EventRef,
    pub field: String,
    pub violation: Violation,
}

impl Serialize for DomainRejection {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("DomainRejection", 4)?;
        st.serialize_field("event", &self.event)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("rule", &self.violation.to_string())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

struct Found(Vec<(String, Violation)>);

impl Found {
    fn add(&mut self, field: impl Into<String>, v: Violation) {
        self.0.push((field.into(), v));
    }
}

impl World {
    /// Check a batch as it would be appended: each event against the world on its effective date,
    /// after the events before it (in the ledger and in the batch) and without the events it
    /// supersedes. Events for which `already_stored` is true are skipped: the store decides whether
    /// they are repeats or collisions. The world is left with the batch folded in.
    pub fn check_batch(
        &mut self,
        events: Vec<(EventRef, Event)>,
        already_stored: impl Fn(EventId) -> bool,
    ) -> Vec<DomainRejection> {
        let mut rejections = Vec::new();
        for (at, event) in events {
            if already_stored(event.id) {
                continue;
            }
            for target in &event.supersedes {
                self.retract(*target);
            }
            for (field, violation) in self.check(&event) {
                rejections.push(DomainRejection {
                    event: at.clone(),
                    field,
                    violation,
                });
            }
            // Fold it in even when it broke a rule, so later events report their own problems only.
            self.apply(0, event);
        }
        rejections
    }

    /// The domain rules `event` breaks against this world (which must not yet contain it).
    pub fn check(&self, event: &Event) -> Vec<(String, Violation)> {
        let on = event.effective;
        let mut found = Found(Vec::new());
        let f = &mut found;
        match &event.payload {
            Payload::BodyFounded(x) => {
                if let Some(b) = self.body_at(&x.body, LATEST) {
                    f.add(
                        "data.body",
                        Violation::KeyInUse {
                            what: "body",
                            key: x.body.to_string(),
                            since: b.founded,
                        },
                    );
                }
                if let Some(parent) = &x.parent {
                    self.need_body(f, "data.parent", parent, on);
                }
            }
            Payload::BodyRenamed(x) => self.need_body(f, "data.body", &x.body, on),
            Payload::BodiesMerged(x) => {
                for (i, b) in x.bodies.iter().enumerate() {
                    self.need_body(f, &format!("data.bodies[{i}]"), b, on);
                    self.need_unused_after(f, &format!("data.bodies[{i}]"), b, on);
                }
                self.need_body(f, "data.into", &x.into, on);
            }
            Payload::BodySucceeded(x) => {
                self.need_body(f, "data.body", &x.body, on);
                self.need_unused_after(f, "data.body", &x.body, on);
                for (i, b) in x.successors.iter().enumerate() {
                    self.need_body(f, &format!("data.successors[{i}]"), b, on);
                }
            }
            Payload::BodyDissolved(x) => {
                self.need_body(f, "data.body", &x.body, on);
                self.need_unused_after(f, "data.body", &x.body, on);
            }
            Payload::PersonRegistered(x) => {
                if self.person_registered(&x.person, None) {
                    let since = self
                        .facts_of(&Entity::Person(x.person.clone()), None)
                        .next()
                        .map_or(on, |f| f.evidence.effective);
                    f.add(
                        "data.person",
                        Violation::KeyInUse {
                            what: "person",
                            key: x.person.to_string(),
                            since,
                        },
                    );
                }
            }
            Payload::PersonRenamed(x) => self.need_person(f, "data.person", &x.person, on),
            Payload::SeatDefined(x) => self.need_body(f, "data.body", &x.body, on),
            Payload::SeatAbolished(x) => {
                self.need_body(f, "data.body", &x.body, on);
                self.need_seat(f, "data.seat", &x.body, &x.seat, on);
            }
            Payload::MemberAppointed(x) => {
                if let Some(m) = self.membership_at(&x.membership, None) {
                    f.add(
                        "data.membership",
                        Violation::KeyInUse {
                            what: "membership",
                            key: x.membership.to_string(),
                            since: m.since,
                        },
                    );
                }
                self.need_body(f, "data.body", &x.body, on);
                self.need_person(f, "data.person", &x.person, on);
                if let Some(seat) = &x.seat {
                    self.need_seat(f, "data.seat", &x.body, seat, on);
                }
                if let Some(b) = &x.on_behalf_of {
                    self.need_body(f, "data.on_behalf_of", b, on);
                }
            }
            Payload::MemberRoleChanged(x) => self.need_active(f, &x.membership, on),
            Payload::MembershipEnded(x) => self.need_active(f, &x.membership, on),
            Payload::TorAdopted(x) => {
                self.need_body(f, "data.body", &x.body, on);
                self.need_new_version(f, &x.body, &x.version);
            }
            Payload::TorAmended(x) => {
                self.need_body(f, "data.body", &x.body, on);
                self.need_new_version(f, &x.body, &x.version);
                if let Some(tor) = self.need_in_force(f, "data.amends", &x.body, &x.amends, on) {
                    check_changes(f, &tor, &x.changes);
                }
            }
            Payload::TorReviewed(x) => {
                self.need_in_force(f, "data.version", &x.body, &x.version, on);
            }
            Payload::MeetingScheduled(x) => {
                self.need_body(f, "data.body", &x.body, on);
                self.need_meeting_of(f, &x.meeting, &x.body);
            }
            Payload::MeetingHeld(x) => {
                self.need_body(f, "data.body", &x.body, on);
                self.need_meeting_of(f, &x.meeting, &x.body);
                for (list, people) in [
                    ("present", &x.present),
                    ("apologies", &x.apologies),
                    ("in_attendance", &x.in_attendance),
                ] {
                    for (i, a) in people.iter().enumerate() {
                        self.need_person(f, &format!("data.{list}[{i}].person"), &a.person, on);
                        if let Some(b) = &a.on_behalf_of {
                            self.need_founded(f, &format!("data.{list}[{i}].on_behalf_of"), b, on);
                        }
                    }
                }
            }
            Payload::MinutesConfirmed(x) => {
                self.need_meeting(f, "data.meeting", &x.meeting);
                self.need_meeting(f, "data.at_meeting", &x.at_meeting);
            }
            Payload::InterestDeclared(x) => {
                self.need_meeting(f, "data.meeting", &x.meeting);
                self.need_person(f, "data.person", &x.person, on);
            }
            Payload::ResolutionPassed(x) => {
                if let Some(r) = self.resolution(&x.resolution) {
                    f.add(
                        "data.resolution",
                        Violation::KeyInUse {
                            what: "resolution",
                            key: x.resolution.to_string(),
                            since: r.date,
                        },
                    );
                }
                self.need_meeting(f, "data.meeting", &x.meeting);
            }
            Payload::ActionAssigned(x) => {
                if let Some(a) = self.action_at(&x.action, LATEST) {
                    f.add(
                        "data.action",
                        Violation::KeyInUse {
                            what: "action",
                            key: x.action.to_string(),
                            since: a.assigned,
                        },
                    );
                }
                if let Some(r) = &x.resolution {
                    match self.resolution(r) {
                        None => f.add(
                            "data.resolution",
                            Violation::ResolutionUnknown {
                                resolution: r.clone(),
                            },
                        ),
                        Some(view) => {
                            if let Some(part) = &x.part {
                                let labels = part_labels(&view.parts);
                                if !labels.iter().any(|l| l == part.as_str()) {
                                    f.add(
                                        "data.part",
                                        Violation::ResolutionPartUnknown {
                                            resolution: r.clone(),
                                            part: part.to_string(),
                                            parts: if labels.is_empty() {
                                                "none".into()
                                            } else {
                                                labels.join(", ")
                                            },
                                        },
                                    );
                                }
                            }
                        }
                    }
                }
                match &x.owner {
                    Owner::Person(p) => self.need_person(f, "data.owner.person", p, on),
                    Owner::Body(b) => self.need_body(f, "data.owner.body", b, on),
                }
                if let Some(Due::Meeting(m)) = &x.due {
                    self.need_meeting(f, "data.due.meeting", m);
                }
            }
            Payload::ActionDischarged(x) => match self.action_at(&x.action, on) {
                None => f.add(
                    "data.action",
                    Violation::ActionUnknown {
                        action: x.action.clone(),
                        on,
                    },
                ),
                Some(a) => {
                    if let Some(discharged) = a.discharged {
                        f.add(
                            "data.action",
                            Violation::ActionAlreadyDischarged {
                                action: x.action.clone(),
                                discharged,
                            },
                        );
                    }
                }
            },
            Payload::FundEstablished(x) => {
                if let Some(existing) = self.fund(&x.fund, LATEST) {
                    let since = existing.evidence.first().map_or(on, |e| e.effective);
                    f.add(
                        "data.fund",
                        Violation::KeyInUse {
                            what: "fund",
                            key: x.fund.to_string(),
                            since,
                        },
                    );
                }
                self.need_body(f, "data.funder", &x.funder, on);
            }
            Payload::FundTransferred(x) => {
                match self.fund(&x.fund, on) {
                    None => f.add(
                        "data.fund",
                        Violation::FundUnknown {
                            fund: x.fund.clone(),
                            on,
                        },
                    ),
                    Some(fund) if fund.funder != x.from_funder => f.add(
                        "data.from_funder",
                        Violation::FunderNotHolder {
                            fund: x.fund.clone(),
                            named: x.from_funder.clone(),
                            on,
                            holder: fund.funder,
                        },
                    ),
                    Some(_) => {}
                }
                self.need_body(f, "data.to_funder", &x.to_funder, on);
            }
            Payload::FundingAllocated(x) => {
                if let Some(a) = self.allocation_at(&x.allocation, LATEST) {
                    let since = a.evidence.first().map_or(on, |e| e.effective);
                    f.add(
                        "data.allocation",
                        Violation::KeyInUse {
                            what: "allocation",
                            key: x.allocation.to_string(),
                            since,
                        },
                    );
                }
                if self.fund(&x.fund, on).is_none() {
                    f.add(
                        "data.fund",
                        Violation::FundUnknown {
                            fund: x.fund.clone(),
                            on,
                        },
                    );
                }
                self.need_founded(f, "data.funder", &x.funder, on);
                if !self.body_exists_during(&x.recipient, &x.period) {
                    f.add(
                        "data.recipient",
                        Violation::BodyAbsentDuringPeriod {
                            body: x.recipient.clone(),
                            period: x.period,
                        },
                    );
                }
            }
            Payload::FundingAdjusted(x) => {
                if self.allocation_at(&x.allocation, LATEST).is_none() {
                    f.add(
                        "data.allocation",
                        Violation::AllocationUnknown {
                            allocation: x.allocation.clone(),
                        },
                    );
                }
            }
            Payload::TotalStated(x) => {
                for (i, a) in x.covers.iter().enumerate() {
                    if self.allocation_at(a, LATEST).is_none() {
                        f.add(
                            format!("data.covers[{i}]"),
                            Violation::AllocationUnknown {
                                allocation: a.clone(),
                            },
                        );
                    }
                }
            }
            Payload::Retraction(_) => {}
        }
        found.0
    }

    fn need_founded(&self, f: &mut Found, field: &str, body: &BodyKey, on: NaiveDate) {
        if self.body_at(body, on).is_none() {
            f.add(
                field,
                Violation::BodyNotFounded {
                    body: body.clone(),
                    on,
                },
            );
        }
    }

    fn need_body(&self, f: &mut Found, field: &str, body: &BodyKey, on: NaiveDate) {
        match self.body_at(body, on) {
            None => f.add(
                field,
                Violation::BodyNotFounded {
                    body: body.clone(),
                    on,
                },
            ),
            Some(b) => {
                if let Some((ended, how)) = b.ended {
                    f.add(
                        field,
                        Violation::BodyGone {
                            body: body.clone(),
                            on,
                            ended,
                            how: how.describe(),
                        },
                    );
                }
            }
        }
    }

    /// An ending dated in the past must not strand facts already recorded after it: appointments
    /// to the body or meetings it held on or after the ending date. Otherwise whether a set of facts
    /// is accepted would depend on the order in which they were appended.
    fn need_unused_after(&self, f: &mut Found, field: &str, body: &BodyKey, on: NaiveDate) {
        let mut uses = Vec::new();
        for m in self
            .memberships_of_body(body, None)
            .into_iter()
            .filter(|m| m.since >= on)
        {
            uses.push(format!("membership {} from {}", m.membership, m.since));
        }
        for m in self
            .meetings(body)
            .into_iter()
            .filter(|m| m.held && m.date >= on)
        {
            uses.push(format!("meeting {} on {}", m.meeting, m.date));
        }
        if !uses.is_empty() {
            let shown = uses.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
            let more = if uses.len() > 3 {
                format!(" and {} more", uses.len() - 3)
            } else {
                String::new()
            };
            f.add(
                field,
                Violation::BodyStillInUse {
                    body: body.clone(),
                    on,
                    what: format!("{shown}{more}"),
                },
            );
        }
    }

    fn need_person(&self, f: &mut Found, field: &str, person: &PersonKey, on: NaiveDate) {
        if !self.person_registered(person, Some(on)) {
            f.add(
                field,
                Violation::PersonNotRegistered {
                    person: person.clone(),
                    on,
                },
            );
        }
    }

    fn need_seat(&self, f: &mut Found, field: &str, body: &BodyKey, seat: &SeatKey, on: NaiveDate) {
        let seats = self.seats_at(body, on);
        if !seats.iter().any(|s| &s.seat.key == seat) {
            let tor = self
                .tor_at(body, on)
                .map_or("none".to_string(), |t| t.version.to_string());
            let list = seats
                .iter()
                .map(|s| s.seat.key.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            f.add(
                field,
                Violation::SeatNotDefined {
                    seat: seat.clone(),
                    body: body.clone(),
                    on,
                    tor,
                    seats: if list.is_empty() { "none".into() } else { list },
                },
            );
        }
    }

    fn need_active(&self, f: &mut Found, membership: &MembershipKey, on: NaiveDate) {
        let field = "data.membership";
        let terms = |at| self.membership_terms(membership, at).map(|(m, _)| m);
        let on_the_day = terms(Some(on));
        let ever = if on_the_day.is_some() {
            None
        } else {
            terms(None)
        };
        match (on_the_day, ever) {
            (None, None) => f.add(
                field,
                Violation::MembershipUnknown {
                    membership: membership.clone(),
                },
            ),
            (None, Some(later)) => f.add(
                field,
                Violation::MembershipNotActive {
                    membership: membership.clone(),
                    on,
                    state: format!("it starts on {}", later.since),
                },
            ),
            (Some(m), _) => {
                if let Some((ended, _)) = m.ended {
                    f.add(
                        field,
                        Violation::MembershipNotActive {
                            membership: membership.clone(),
                            on,
                            state: format!("it ended on {ended}"),
                        },
                    );
                }
            }
        }
    }

    fn need_new_version(&self, f: &mut Found, body: &BodyKey, version: &TorVersion) {
        if let Some(v) = self
            .tor_versions(body, None)
            .into_iter()
            .find(|v| &v.version == version)
        {
            f.add(
                "data.version",
                Violation::KeyInUse {
                    what: "terms of reference version",
                    key: version.to_string(),
                    since: v.in_force_from,
                },
            );
        }
    }

    fn need_in_force(
        &self,
        f: &mut Found,
        field: &str,
        body: &BodyKey,
        named: &TorVersion,
        on: NaiveDate,
    ) -> Option<TorView> {
        let tor = self.tor_at(body, on);
        match &tor {
            Some(t) if &t.version == named => tor,
            _ => {
                let in_force = tor.map_or("none".to_string(), |t| t.version.to_string());
                f.add(
                    field,
                    Violation::TorNotInForce {
                        body: body.clone(),
                        named: named.clone(),
                        on,
                        in_force,
                    },
                );
                None
            }
        }
    }

    fn need_meeting(&self, f: &mut Found, field: &str, meeting: &MeetingKey) {
        if self.meeting_body(meeting).is_none() {
            f.add(
                field,
                Violation::MeetingUnknown {
                    meeting: meeting.clone(),
                },
            );
        }
    }

    fn need_meeting_of(&self, f: &mut Found, meeting: &MeetingKey, body: &BodyKey) {
        if let Some(other) = self.meeting_body(meeting)
            && other != body
        {
            f.add(
                "data.meeting",
                Violation::MeetingOfOtherBody {
                    meeting: meeting.clone(),
                    body: body.clone(),
                    other: other.clone(),
                },
            );
        }
    }
}

fn check_changes(f: &mut Found, tor: &TorView, changes: &[ClauseChange]) {
    let mut clauses = tor.clauses.clone();
    for (i, change) in changes.iter().enumerate() {
        let number = change.number();
        let exists = clauses.iter().any(|c| &c.number == number);
        let conflict = match change {
            ClauseChange::Add { .. } if exists => Some(("adds", "already has")),
            ClauseChange::Replace { .. } if !exists => Some(("replaces", "does not have")),
            ClauseChange::Remove { .. } if !exists => Some(("removes", "does not have")),
            _ => None,
        };
        if let Some((change, has)) = conflict {
            f.add(
                format!("data.changes[{i}].number"),
                Violation::ClauseConflict {
                    change,
                    number: number.to_string(),
                    version: tor.version.clone(),
                    has,
                },
            );
        }
        apply_change(&mut clauses, change);
    }
}

fn part_labels(parts: &[ResolutionPart]) -> Vec<String> {
    parts
        .iter()
        .flat_map(|p| std::iter::once(p.label.to_string()).chain(part_labels(&p.parts)))
        .collect()
}
