//! A deterministic generator of realistic governance ledgers: bodies with terms of reference,
//! meetings, membership churn, resolutions, actions, funding, successions, corrections and facts
//! recorded late — valid by construction, so every prefix of the stream appends without rejection.
//!
//! Pure: produces drafts (`minutebook_model::Draft`) from a seed. Must not depend on the store, the
//! world or the clock; the same spec always gives the same bytes.

use std::collections::VecDeque;

use chrono::{Datelike, Months, NaiveDate, NaiveTime};
use minutebook_model::*;
use rand::{RngExt, SeedableRng};
use rand_xorshift::XorShiftRng;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    pub events: u64,
    pub bodies: u32,
    pub seed: u64,
    /// The first month of the history.
    pub start: NaiveDate,
    /// Years the history spans (it runs on past them if more events are asked for).
    pub years: u32,
}

impl Default for Spec {
    fn default() -> Spec {
        Spec {
            events: 100_000,
            bodies: 100,
            seed: 1,
            start: NaiveDate::from_ymd_opt(2006, 1, 1).expect("a date"),
            years: 20,
        }
    }
}

/// Members a body keeps: about twenty active at any time.
const MEMBERS: usize = 20;
/// Events one meeting cycle produces on average (held, scheduled, confirmed, resolutions, ...).
const EVENTS_PER_MEETING: f64 = 7.0;

struct Body {
    key: String,
    members: Vec<(String, String)>,
    tor: String,
    tor_count: u32,
    gap_months: u32,
    meetings: u32,
    last_meeting: Option<String>,
    next_meeting: Option<(String, NaiveDate)>,
    open_actions: Vec<String>,
    alive: bool,
    successors: u32,
}

/// The generator: an iterator of drafts, in the order they should be appended.
pub struct Generator {
    spec: Spec,
    rng: XorShiftRng,
    queue: VecDeque<Draft>,
    late: Vec<(u32, Draft)>,
    bodies: Vec<Body>,
    emitted: u64,
    month: u32,
    people: u64,
    funder: String,
    transferred: bool,
}

fn name(s: impl Into<String>) -> Name {
    Name::new(s).expect("generated names are not empty")
}

fn text(s: impl Into<String>) -> Text {
    Text::new(s).expect("generated text is not empty")
}

fn key<K: std::str::FromStr>(s: &str) -> K
where
    K::Err: std::fmt::Debug,
{
    s.parse().expect("generated keys are keys")
}

impl Generator {
    pub fn new(spec: Spec) -> Generator {
        let rng = XorShiftRng::seed_from_u64(spec.seed);
        let mut g = Generator {
            spec,
            rng,
            queue: VecDeque::new(),
            late: Vec::new(),
            bodies: Vec::new(),
            emitted: 0,
            month: 0,
            people: 0,
            funder: "funder-0".into(),
            transferred: false,
        };
        g.setup();
        g
    }

    fn id(&mut self) -> EventId {
        EventId(uuid::Builder::from_random_bytes(self.rng.random()).into_uuid())
    }

    /// A fact with no minute reference and no supersession: most of what the generator states.
    fn fact(&mut self, effective: NaiveDate, payload: Payload) -> EventId {
        self.push(effective, None, vec![], payload)
    }

    fn push(
        &mut self,
        effective: NaiveDate,
        minute: Option<String>,
        supersedes: Vec<EventId>,
        payload: Payload,
    ) -> EventId {
        let d = self.draft(effective, minute, supersedes, payload);
        let id = d.id.expect("generated drafts carry ids");
        self.queue.push_back(d);
        id
    }

    fn draft(
        &mut self,
        effective: NaiveDate,
        minute: Option<String>,
        supersedes: Vec<EventId>,
        payload: Payload,
    ) -> Draft {
        Draft {
            id: Some(self.id()),
            effective,
            recorded_by: name("generator"),
            source: Source {
                document: name(format!("Generated minutes, seed {}", self.spec.seed)),
                url: None,
                minute: minute.map(name),
                quote: None,
                lines: None,
                extraction: None,
            },
            supersedes,
            payload,
        }
    }

    fn month_start(&self, month: u32) -> NaiveDate {
        self.spec
            .start
            .checked_add_months(Months::new(month))
            .expect("within the calendar")
    }

    fn register(&mut self, date: NaiveDate) -> String {
        self.people += 1;
        let person = format!("p{}", self.people);
        let titles = ["Cllr.", "Mr.", "Mrs.", "Ms.", "Dr.", "Chief Supt."];
        let title = (self.rng.random_range(0..3) == 0)
            .then(|| name(titles[self.rng.random_range(0..titles.len())]));
        self.fact(
            date,
            Payload::PersonRegistered(PersonRegistered {
                person: key(&person),
                title,
                name: name(format!("Person {}", self.people)),
            }),
        );
        person
    }

    fn appoint(&mut self, b: usize, date: NaiveDate, role: Role) {
        let person = self.register(date);
        let body = self.bodies[b].key.clone();
        let membership = format!("{body}/{person}");
        self.fact(
            date,
            Payload::MemberAppointed(MemberAppointed {
                membership: key(&membership),
                body: key(&body),
                person: key(&person),
                role,
                seat: None,
                on_behalf_of: None,
            }),
        );
        self.bodies[b].members.push((membership, person));
    }

    fn found(&mut self, key_: String, date: NaiveDate, gap_months: u32) -> usize {
        self.fact(
            date,
            Payload::BodyFounded(BodyFounded {
                body: key(&key_),
                name: name(format!("Community Safety Partnership {key_}")),
                kind: BodyKind::Partnership,
                parent: None,
            }),
        );
        let tor = format!("{key_}/tor-1");
        self.fact(
            date,
            Payload::TorAdopted(TorAdopted {
                body: key(&key_),
                version: key(&tor),
                clauses: vec![
                    Clause {
                        number: name("1"),
                        heading: Some(name("Purpose")),
                        text: text("To reduce crime and disorder in the area."),
                    },
                    Clause {
                        number: name("2"),
                        heading: Some(name("Membership")),
                        text: text(
                            "Up to twenty members representing the responsible authorities.",
                        ),
                    },
                    Clause {
                        number: name("3"),
                        heading: Some(name("Meetings")),
                        text: text("The partnership meets at least four times a year."),
                    },
                ],
                provisions: Provisions {
                    quorum: Some(Quorum::Fraction {
                        numerator: 1,
                        denominator: 3,
                    }),
                    meetings_per_year: Some(4),
                    review_interval_months: Some(24),
                    chair_appointment: None,
                    seats: vec![],
                },
            }),
        );
        self.bodies.push(Body {
            key: key_,
            members: Vec::new(),
            tor,
            tor_count: 1,
            gap_months,
            meetings: 0,
            last_meeting: None,
            next_meeting: None,
            open_actions: Vec::new(),
            alive: true,
            successors: 0,
        });
        let b = self.bodies.len() - 1;
        self.appoint(b, date, Role::Chair);
        for _ in 1..MEMBERS {
            self.appoint(b, date, Role::Member);
        }
        b
    }

    fn setup(&mut self) {
        let start = self.spec.start;
        for f in ["funder-0", "funder-1"] {
            self.fact(
                start,
                Payload::BodyFounded(BodyFounded {
                    body: key(f),
                    name: name(format!("Funder {f}")),
                    kind: BodyKind::Funder,
                    parent: None,
                }),
            );
        }
        self.fact(
            start,
            Payload::FundEstablished(FundEstablished {
                fund: key("csf"),
                name: name("Community Safety Fund"),
                funder: key("funder-0"),
            }),
        );
        let months = f64::from(self.spec.years.max(1) * 12);
        let per_body_month =
            self.spec.events as f64 / (f64::from(self.spec.bodies.max(1)) * months);
        let base_gap = (EVENTS_PER_MEETING / per_body_month.max(1e-9))
            .round()
            .clamp(1.0, 12.0) as u32;
        for i in 0..self.spec.bodies {
            let gap = (base_gap + self.rng.random_range(0..2)).clamp(1, 12);
            self.found(format!("b{i}"), start, gap);
        }
    }

    /// Everything that happens in one month, in date order within each body.
    fn advance(&mut self) {
        let month = self.month;
        self.month += 1;
        let first = self.month_start(month);
        // Facts recorded late: released some months after they took effect.
        let due: Vec<Draft> = {
            let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.late)
                .into_iter()
                .partition(|(m, _)| *m <= month);
            self.late = later;
            now.into_iter().map(|(_, d)| d).collect()
        };
        self.queue.extend(due);
        if first.month() == 4 {
            self.fund_year(first);
        }
        for b in 0..self.bodies.len() {
            if !self.bodies[b].alive {
                continue;
            }
            let day = first
                .with_day(1 + (b as u32 % 27))
                .expect("a day of the month");
            let due = match &self.bodies[b].next_meeting {
                Some((_, date)) => *date <= day,
                None => month % self.bodies[b].gap_months == b as u32 % self.bodies[b].gap_months,
            };
            if due {
                self.meeting(b, day);
            }
            if self.rng.random_range(0..8) == 0 {
                self.churn(b, day);
            }
            if month > 0 && month % 30 == (b as u32 % 30) {
                self.revise_tor(b, day);
            }
            if self.rng.random_range(0..2400) == 0 {
                // The day after this month's business: a body does not exist on the day it ends.
                self.succeed(b, day.succ_opt().expect("within the calendar"));
            }
        }
    }

    fn meeting(&mut self, b: usize, day: NaiveDate) {
        let body = self.bodies[b].key.clone();
        let (meeting, date) = match self.bodies[b].next_meeting.take() {
            Some(next) => next,
            None => (format!("{body}/m{}", self.bodies[b].meetings + 1), day),
        };
        self.bodies[b].meetings += 1;
        let members = self.bodies[b].members.clone();
        let (present, apologies): (Vec<_>, Vec<_>) = members
            .iter()
            .partition(|_| self.rng.random_range(0..10) < 8);
        let attendee = |(_, p): &&(String, String)| Attendee {
            person: key(p),
            on_behalf_of: None,
            capacity: None,
        };
        self.push(
            date,
            Some("1".into()),
            vec![],
            Payload::MeetingHeld(MeetingHeld {
                meeting: key(&meeting),
                body: key(&body),
                time: NaiveTime::from_hms_opt(10, 0, 0),
                venue: Some(name("Council Offices")),
                present: present.iter().map(attendee).collect(),
                apologies: apologies.iter().map(attendee).collect(),
                in_attendance: vec![],
            }),
        );
        if let Some(last) = self.bodies[b].last_meeting.replace(meeting.clone()) {
            self.push(
                date,
                Some("2".into()),
                vec![],
                Payload::MinutesConfirmed(MinutesConfirmed {
                    meeting: key(&last),
                    at_meeting: key(&meeting),
                    amendments: vec![],
                }),
            );
        }
        if let Some((_, person)) = present.first()
            && self.rng.random_range(0..10) < 3
        {
            let d = self.draft(
                date,
                Some("3".into()),
                vec![],
                Payload::InterestDeclared(InterestDeclared {
                    meeting: key(&meeting),
                    person: key(person),
                    item: None,
                    kind: InterestKind::Personal,
                    nature: text("Member of a district council"),
                }),
            );
            if self.rng.random_range(0..2) == 0 {
                // Recorded late: the clerk enters it a few months on.
                let release = self.month + self.rng.random_range(1..6);
                self.late.push((release, d));
            } else {
                self.queue.push_back(d);
            }
        }
        for action in std::mem::take(&mut self.bodies[b].open_actions) {
            if self.rng.random_range(0..10) < 7 {
                self.push(
                    date,
                    Some("4".into()),
                    vec![],
                    Payload::ActionDischarged(ActionDischarged {
                        action: key(&action),
                        note: None,
                    }),
                );
            }
        }
        // The next meeting is fixed now, and sometimes stated twice and corrected later.
        let next_date = date
            .checked_add_months(Months::new(self.bodies[b].gap_months))
            .expect("within the calendar");
        let next = format!("{body}/m{}", self.bodies[b].meetings + 1);
        let scheduled = |time: u32| {
            Payload::MeetingScheduled(MeetingScheduled {
                meeting: key(&next),
                body: key(&body),
                date: next_date,
                time: NaiveTime::from_hms_opt(time, 0, 0),
                venue: None,
            })
        };
        let stated = self.push(date, Some("9".into()), vec![], scheduled(10));
        if self.rng.random_range(0..50) == 0 {
            self.push(date, Some("9 (heading)".into()), vec![], scheduled(14));
            let retraction = self.draft(
                date,
                Some("9".into()),
                vec![stated],
                Payload::Retraction(Retraction {
                    reason: text("The heading's time was wrong; the minute gives 2.00pm."),
                }),
            );
            self.late.push((self.month + 1, retraction));
        }
        self.bodies[b].next_meeting = Some((next, next_date));
        let resolutions = self.rng.random_range(1..4);
        for r in 0..resolutions {
            let resolution = format!("{meeting}/r{r}");
            let parts = (0..self.rng.random_range(1..4))
                .map(|p| ResolutionPart {
                    label: name(["a", "b", "c"][p]),
                    text: text(format!("Part {p} of resolution {r}")),
                    parts: vec![],
                })
                .collect();
            let verb = [Verb::Resolved, Verb::Agreed, Verb::Noted][self.rng.random_range(0..3)];
            self.push(
                date,
                Some(format!("{}", 5 + r)),
                vec![],
                Payload::ResolutionPassed(ResolutionPassed {
                    resolution: key(&resolution),
                    meeting: key(&meeting),
                    minute: name(format!("{}", 5 + r)),
                    item: name(format!("Item {r}")),
                    verb,
                    text: None,
                    parts,
                }),
            );
            if r == 0 && self.rng.random_range(0..10) < 6 {
                let action = format!("{resolution}/a");
                let owner = members[self.rng.random_range(0..members.len())].1.clone();
                self.push(
                    date,
                    Some("5".into()),
                    vec![],
                    Payload::ActionAssigned(ActionAssigned {
                        action: key(&action),
                        resolution: Some(key(&resolution)),
                        part: Some(name("a")),
                        owner: Owner::Person(key(&owner)),
                        description: text("Report back to the next meeting"),
                        due: Some(Due::Meeting(key(&self.bodies[b]
                            .next_meeting
                            .as_ref()
                            .expect("fixed above")
                            .0))),
                    }),
                );
                self.bodies[b].open_actions.push(action);
            }
        }
    }

    fn churn(&mut self, b: usize, day: NaiveDate) {
        let members = &self.bodies[b].members;
        if members.len() < 2 {
            return;
        }
        let leaving = 1 + self.rng.random_range(0..members.len() - 1); // the chair (first) stays
        let (membership, _) = self.bodies[b].members.remove(leaving);
        self.fact(
            day,
            Payload::MembershipEnded(MembershipEnded {
                membership: key(&membership),
                reason: EndReason::Resigned,
                note: None,
            }),
        );
        self.appoint(b, day, Role::Member);
    }

    fn revise_tor(&mut self, b: usize, day: NaiveDate) {
        let body = self.bodies[b].key.clone();
        let current = self.bodies[b].tor.clone();
        if self.rng.random_range(0..2) == 0 {
            self.fact(
                day,
                Payload::TorReviewed(TorReviewed {
                    body: key(&body),
                    version: key(&current),
                    note: None,
                }),
            );
            return;
        }
        self.bodies[b].tor_count += 1;
        let version = format!("{body}/tor-{}", self.bodies[b].tor_count);
        self.fact(
            day,
            Payload::TorAmended(TorAmended {
                body: key(&body),
                amends: key(&current),
                version: key(&version),
                changes: vec![ClauseChange::Replace {
                    number: name("2"),
                    heading: Some(name("Membership")),
                    text: text(format!("Membership as revised in {}.", day.year())),
                }],
                provisions: None,
            }),
        );
        self.bodies[b].tor = version;
    }

    fn succeed(&mut self, b: usize, day: NaiveDate) {
        let old = self.bodies[b].key.clone();
        self.bodies[b].successors += 1;
        let new_key = format!("{old}-{}", self.bodies[b].successors);
        for (membership, _) in std::mem::take(&mut self.bodies[b].members) {
            self.fact(
                day,
                Payload::MembershipEnded(MembershipEnded {
                    membership: key(&membership),
                    reason: EndReason::BodyDissolved,
                    note: None,
                }),
            );
        }
        let gap = self.bodies[b].gap_months;
        let nb = self.found(new_key.clone(), day, gap);
        self.fact(
            day,
            Payload::BodySucceeded(BodySucceeded {
                body: key(&old),
                successors: vec![key(&new_key)],
            }),
        );
        self.bodies[b].alive = false;
        self.bodies[nb].successors = self.bodies[b].successors;
    }

    fn fund_year(&mut self, april: NaiveDate) {
        let year = april.year();
        if !self.transferred && year >= self.spec.start.year() + 7 {
            self.transferred = true;
            self.fact(
                april,
                Payload::FundTransferred(FundTransferred {
                    fund: key("csf"),
                    from_funder: key("funder-0"),
                    to_funder: key("funder-1"),
                }),
            );
            self.funder = "funder-1".into();
        }
        let to = NaiveDate::from_ymd_opt(year + 1, 3, 31).expect("a date");
        for b in 0..self.bodies.len() {
            if !self.bodies[b].alive {
                continue;
            }
            let body = self.bodies[b].key.clone();
            let amount = Pence::new(self.rng.random_range(1_000_000..5_000_000)).expect("positive");
            let funder = self.funder.clone();
            self.push(
                april,
                Some("Appendix 1".into()),
                vec![],
                Payload::FundingAllocated(FundingAllocated {
                    allocation: key(&format!("csf/{year}/{body}")),
                    fund: key("csf"),
                    funder: key(&funder),
                    recipient: key(&body),
                    amount,
                    period: Period { from: april, to },
                    purpose: None,
                }),
            );
        }
    }
}

impl Iterator for Generator {
    type Item = Draft;

    fn next(&mut self) -> Option<Draft> {
        if self.emitted >= self.spec.events {
            return None;
        }
        while self.queue.is_empty() {
            self.advance();
        }
        self.emitted += 1;
        self.queue.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_spec_gives_the_same_events() {
        let spec = Spec {
            events: 2_000,
            bodies: 5,
            seed: 7,
            ..Spec::default()
        };
        let a: Vec<Draft> = Generator::new(spec.clone()).collect();
        let b: Vec<Draft> = Generator::new(spec).collect();
        assert_eq!(a.len(), 2_000);
        assert_eq!(a, b);
        let c: Vec<Draft> = Generator::new(Spec {
            events: 2_000,
            bodies: 5,
            seed: 8,
            ..Spec::default()
        })
        .collect();
        assert_ne!(a, c);
    }
}
