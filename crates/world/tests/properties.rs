//! Property tests over generated histories: valid time, record time, order independence and
//! supersession behave as docs/time.md says.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use minutebook_model::*;
use minutebook_world::{KnownAt, World};
use proptest::prelude::*;

const BODIES: u8 = 3;
const PEOPLE: u8 = 3;
const MEMBERSHIPS: u8 = 6;
const DAYS: i64 = 60;

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2014, 1, 1).unwrap()
}

#[derive(Clone, Debug)]
enum Op {
    Found(u8),
    Rename(u8, u8),
    Dissolve(u8),
    Register(u8),
    Appoint {
        m: u8,
        body: u8,
        person: u8,
        chair: bool,
    },
    ChangeRole(u8, bool),
    End(u8),
}

#[derive(Clone, Debug)]
struct Step {
    op: Op,
    day: i64,
    /// Supersede the event at this index (modulo the events before it), if any.
    corrects: Option<usize>,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..BODIES).prop_map(Op::Found),
        (0..BODIES, 0..4u8).prop_map(|(b, n)| Op::Rename(b, n)),
        (0..BODIES).prop_map(Op::Dissolve),
        (0..PEOPLE).prop_map(Op::Register),
        (0..MEMBERSHIPS, 0..BODIES, 0..PEOPLE, any::<bool>()).prop_map(
            |(m, body, person, chair)| Op::Appoint {
                m,
                body,
                person,
                chair
            }
        ),
        (0..MEMBERSHIPS, any::<bool>()).prop_map(|(m, c)| Op::ChangeRole(m, c)),
        (0..MEMBERSHIPS).prop_map(Op::End),
    ]
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(
        (op(), 0..DAYS, prop::option::weighted(0.2, any::<usize>()))
            .prop_map(|(op, day, corrects)| Step { op, day, corrects }),
        1..40,
    )
}

fn key<K: std::str::FromStr>(prefix: &str, n: u8) -> K
where
    K::Err: std::fmt::Debug,
{
    format!("{prefix}{n}").parse().unwrap()
}

fn payload(op: &Op) -> Payload {
    let role = |chair: bool| if chair { Role::Chair } else { Role::Member };
    match op.clone() {
        Op::Found(b) => Payload::BodyFounded(BodyFounded {
            body: key("b", b),
            name: Name::new(format!("Body {b}")).unwrap(),
            kind: BodyKind::Partnership,
            parent: None,
        }),
        Op::Rename(b, n) => Payload::BodyRenamed(BodyRenamed {
            body: key("b", b),
            name: Name::new(format!("Body {b} name {n}")).unwrap(),
        }),
        Op::Dissolve(b) => Payload::BodyDissolved(BodyDissolved {
            body: key("b", b),
            reason: None,
        }),
        Op::Register(p) => Payload::PersonRegistered(PersonRegistered {
            person: key("p", p),
            title: None,
            name: Name::new(format!("Person {p}")).unwrap(),
        }),
        Op::Appoint {
            m,
            body,
            person,
            chair,
        } => Payload::MemberAppointed(MemberAppointed {
            membership: key("m", m),
            body: key("b", body),
            person: key("p", person),
            role: role(chair),
            seat: None,
            on_behalf_of: None,
        }),
        Op::ChangeRole(m, chair) => Payload::MemberRoleChanged(MemberRoleChanged {
            membership: key("m", m),
            role: role(chair),
        }),
        Op::End(m) => Payload::MembershipEnded(MembershipEnded {
            membership: key("m", m),
            reason: EndReason::Resigned,
            note: None,
        }),
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// The log: event i has id i+1, is recorded i seconds after t0, and may supersede an earlier event.
fn log(steps: &[Step]) -> Vec<(u64, Event)> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let supersedes = match s.corrects {
                Some(n) if i > 0 => vec![EventId(uuid::Uuid::from_u128((n % i) as u128 + 1))],
                _ => vec![],
            };
            let event = Event {
                id: EventId(uuid::Uuid::from_u128(i as u128 + 1)),
                effective: base() + Duration::days(s.day),
                recorded_at: t0() + Duration::seconds(i as i64),
                recorded_by: Name::new("clerk").unwrap(),
                source: Source {
                    document: Name::new("minutes").unwrap(),
                    url: None,
                    minute: None,
                    quote: None,
                    lines: None,
                    extraction: None,
                },
                supersedes,
                payload: payload(&s.op),
            };
            (i as u64 + 1, event)
        })
        .collect()
}

/// Everything the world says at `at` about every generated body and membership, without evidence
/// (which names sequence numbers, and those differ between orders of appending).
fn answers(world: &World, at: NaiveDate) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for b in 0..BODIES {
        let body: BodyKey = key("b", b);
        let view = world
            .body_at(&body, at)
            .map(|v| format!("{} {:?} {} {:?}", v.name, v.kind, v.founded, v.ended));
        out.insert(format!("body {body}"), format!("{view:?}"));
        let members: Vec<String> = world
            .members_at(&body, at)
            .iter()
            .map(|m| {
                format!(
                    "{} {} {:?} {} {}",
                    m.membership, m.person, m.role, m.since, m.role_since
                )
            })
            .collect();
        out.insert(format!("members {body}"), members.join("; "));
    }
    out
}

fn all_dates() -> impl Iterator<Item = NaiveDate> {
    (-1..=DAYS).map(|d| base() + Duration::days(d))
}

fn live(events: &[(u64, Event)]) -> Vec<(u64, Event)> {
    let superseded: HashSet<EventId> = events
        .iter()
        .flat_map(|(_, e)| e.supersedes.iter().copied())
        .collect();
    events
        .iter()
        .filter(|(_, e)| !superseded.contains(&e.id))
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Who sits on a body is, by definition, every membership of the body as it stands at D that
    /// has not ended by then (`members_at` decides it without building every view first).
    #[test]
    fn members_are_the_unended_memberships_of_the_body(steps in steps()) {
        let world = World::from_events(log(&steps));
        let mut sitting = 0;
        for at in all_dates() {
            for b in 0..BODIES {
                let body: BodyKey = key("b", b);
                let mut members: Vec<String> =
                    world.members_at(&body, at).iter().map(|m| m.membership.to_string()).collect();
                members.sort();
                let mut by_definition: Vec<String> = if world.body_exists(&body, at) {
                    world
                        .memberships_of_body(&body, Some(at))
                        .iter()
                        .filter(|m| m.ended.is_none())
                        .map(|m| m.membership.to_string())
                        .collect()
                } else {
                    Vec::new()
                };
                by_definition.sort();
                sitting += members.len();
                prop_assert_eq!(members, by_definition, "{} at {}", body, at);
            }
        }
        // Over the run, the comparisons must have found members, or they proved nothing.
        use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
        static CASES: AtomicUsize = AtomicUsize::new(0);
        static SITTING: AtomicUsize = AtomicUsize::new(0);
        let total = SITTING.fetch_add(sitting, Relaxed) + sitting;
        if CASES.fetch_add(1, Relaxed) + 1 == 200 {
            prop_assert!(total > 0, "200 histories and nobody ever sat on a body");
        }
    }

    /// The world at D is the fold of exactly the live events effective by D.
    #[test]
    fn the_world_at_d_folds_exactly_the_events_effective_by_d(steps in steps()) {
        let events = log(&steps);
        let world = World::from_events(events.clone());
        for at in all_dates() {
            let by_then: Vec<(u64, Event)> = live(&events)
                .into_iter()
                .filter(|(_, e)| e.effective <= at)
                .map(|(seq, mut e)| { e.supersedes.clear(); (seq, e) })
                .collect();
            prop_assert_eq!(answers(&world, at), answers(&World::from_events(by_then), at), "at {}", at);
        }
    }

    /// The world known at T is the world of the log prefix recorded by T: later corrections do not apply.
    #[test]
    fn the_world_known_at_t_is_the_world_of_the_prefix(steps in steps(), cut in any::<prop::sample::Index>()) {
        let events = log(&steps);
        let k = cut.index(events.len() + 1);
        let t = t0() + Duration::seconds(k as i64) - Duration::milliseconds(1);
        let stream = || events.iter().cloned().map(Ok::<_, ()>);
        let at_t = World::fold_known_at(stream(), Some(KnownAt::Time(t))).unwrap();
        let at_seq = World::fold_known_at(stream(), Some(KnownAt::Seq(k as u64))).unwrap();
        prop_assert_eq!(at_t.events_read(), k as u64);
        let prefix = World::from_events(events[..k].to_vec());
        for at in all_dates() {
            prop_assert_eq!(answers(&prefix, at), answers(&at_t, at));
            prop_assert_eq!(answers(&prefix, at), answers(&at_seq, at));
        }
    }

    /// Appending the same facts in another order (supersession still after what it supersedes) gives the
    /// same world once all are recorded.
    #[test]
    fn the_order_of_appending_does_not_change_the_world(steps in steps(), priorities in prop::collection::vec(any::<u32>(), 40)) {
        let events = log(&steps);
        let mut placed: HashSet<EventId> = HashSet::new();
        let mut remaining: Vec<(u64, Event)> = events.clone();
        let mut shuffled = Vec::new();
        while !remaining.is_empty() {
            let next = remaining
                .iter()
                .enumerate()
                .filter(|(_, (_, e))| e.supersedes.iter().all(|t| placed.contains(t)))
                .min_by_key(|(_, (seq, _))| priorities[(*seq as usize - 1) % priorities.len()])
                .map(|(i, _)| i)
                .expect("supersession points backwards, so something is always ready");
            let (_, e) = remaining.remove(next);
            placed.insert(e.id);
            shuffled.push((shuffled.len() as u64 + 1, e));
        }
        let original = World::from_events(events);
        let reordered = World::from_events(shuffled);
        for at in all_dates() {
            prop_assert_eq!(answers(&original, at), answers(&reordered, at), "at {}", at);
        }
    }

    /// A superseded event never shows as evidence; every answer rests on live events only.
    #[test]
    fn superseded_events_never_appear_in_answers(steps in steps()) {
        let events = log(&steps);
        let live_ids: HashSet<EventId> = live(&events).iter().map(|(_, e)| e.id).collect();
        let world = World::from_events(events);
        for at in all_dates() {
            for b in 0..BODIES {
                let body: BodyKey = key("b", b);
                let mut evidence: Vec<EventId> = world.body_at(&body, at).map(|v| v.evidence.iter().map(|e| e.id).collect()).unwrap_or_default();
                evidence.extend(world.members_at(&body, at).iter().flat_map(|m| m.evidence.iter().map(|e| e.id)));
                for id in evidence {
                    prop_assert!(live_ids.contains(&id), "superseded event {} shows as evidence at {}", id, at);
                }
            }
        }
    }
}
