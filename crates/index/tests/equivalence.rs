//! The index's answers are the whole world's: for random ledgers (generated histories with random
//! corrections and retractions of any earlier event), random dates D and random moments T, every
//! question asked through `Index::answer` and every domain check through `Index::check_batch` equals
//! a full replay with `World::fold_known_at` — also when part of the log was written without index
//! entries and the index caught up, and when a catch-up was interrupted half-way.

use std::collections::HashMap;

use chrono::NaiveDate;
use minutebook_generate::{Generator, Spec};
use minutebook_index::Index;
use minutebook_model::*;
use minutebook_store::Ledger;
use minutebook_world::{KnownAt, World};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_xorshift::XorShiftRng as TestRng;
use serde_json::json;

/// Append `drafts` in batches of varying size, each with its index entries in the same batch, the
/// index opened once on the empty ledger (so nothing but the appends themselves writes entries).
/// With `unindexed`, the last third of the batches is appended without entries (as an older binary
/// or an import would), leaving the index to catch up.
fn build(ledger: &Ledger, drafts: Vec<Draft>, rng: &mut TestRng, unindexed: bool) {
    let index = Index::open(ledger, |_, _| {}).unwrap();
    let plain_from = if unindexed {
        drafts.len() * 2 / 3
    } else {
        drafts.len()
    };
    let mut done = 0;
    while done < drafts.len() {
        let n = rng.random_range(1..=(drafts.len() - done).min(400));
        let batch = &drafts[done..done + n];
        if done >= plain_from {
            ledger.append(batch.to_vec(), None).unwrap();
        } else {
            let now = chrono::Utc::now();
            let events: Vec<Event> = batch
                .iter()
                .map(|d| d.clone().into_event(d.id.unwrap(), now))
                .collect();
            let topics = index.batch_topics(&events).unwrap();
            ledger
                .append_with(batch.to_vec(), None, |fresh| Index::writes(fresh, &topics))
                .unwrap();
        }
        done += n;
    }
}

/// Generated events with corrections and retractions of random earlier events mixed in. Domain rules
/// are not applied here (the store does not apply them), so supersession can strike anything.
fn history(seed: u64, rng: &mut TestRng) -> Vec<Draft> {
    let generated: Vec<Draft> = Generator::new(Spec {
        events: 1_200,
        bodies: 3,
        seed,
        years: 6,
        ..Spec::default()
    })
    .collect();
    let mut out: Vec<Draft> = Vec::new();
    let mut bodies: Vec<BodyKey> = Vec::new();
    for d in generated {
        let founded = match &d.payload {
            Payload::BodyFounded(x) => Some(x.body.clone()),
            _ => None,
        };
        if let Some(body) = &founded {
            bodies.push(body.clone());
        }
        if let Payload::MemberAppointed(x) = &d.payload
            && rng.random_ratio(1, 30)
        {
            // A membership whose topic begins before its appointment: it has no home, and its
            // events are read through the topic entries.
            let mut early = d.clone();
            early.id = Some(EventId::new_v7());
            early.payload = Payload::MemberRoleChanged(MemberRoleChanged {
                membership: x.membership.clone(),
                role: x.role,
            });
            out.push(early);
        }
        let template = d.clone();
        out.push(d);
        if let Some(body) = founded {
            // The generator founds no body under another and states no totals: a child body, funding
            // between it and its parent, a total over that funding and an action the parent owns,
            // for the relations those read (later corrections and retractions can strike them too).
            out.extend(funding_family(&template, &body, rng));
        }
        if out.len() > 2 && rng.random_ratio(1, 50) {
            // One retraction of two earlier events: its topics are both of theirs.
            let a = rng.random_range(0..out.len());
            let b = (a + 1 + rng.random_range(0..out.len() - 1)) % out.len();
            let mut both = out[a].clone();
            both.id = Some(EventId::new_v7());
            both.supersedes = vec![out[a].id.unwrap(), out[b].id.unwrap()];
            both.payload = Payload::Retraction(Retraction {
                reason: Text::new("recorded in error").unwrap(),
            });
            out.push(both);
        }
        let appointments: Vec<usize> = (0..out.len())
            .filter(|&i| matches!(out[i].payload, Payload::MemberAppointed(_)))
            .collect();
        if !appointments.is_empty() && rng.random_ratio(1, 40) {
            // A membership moved to another body by a correction, later events of it to follow.
            let target = out[appointments[rng.random_range(0..appointments.len())]].clone();
            let mut fix = target.clone();
            fix.id = Some(EventId::new_v7());
            fix.supersedes = vec![target.id.unwrap()];
            if let Payload::MemberAppointed(x) = &mut fix.payload {
                x.body = bodies[rng.random_range(0..bodies.len())].clone();
            }
            out.push(fix);
        }
        if rng.random_ratio(1, 25) {
            let target = out[rng.random_range(0..out.len())].clone();
            let mut fix = target.clone();
            fix.id = Some(EventId::new_v7());
            fix.supersedes = vec![target.id.unwrap()];
            if let Payload::MemberAppointed(x) = &mut fix.payload
                && rng.random_bool(0.5)
            {
                // A correction moving the membership to another body: its events stay stored
                // under the body it was first appointed to.
                x.body = bodies[rng.random_range(0..bodies.len())].clone();
            } else if rng.random_bool(0.5) {
                // A retraction: the target's fact drops out, nothing replaces it.
                fix.payload = Payload::Retraction(Retraction {
                    reason: Text::new("recorded in error").unwrap(),
                });
            } else {
                // A correction moving the fact to another date.
                fix.effective =
                    target.effective + chrono::Duration::days(rng.random_range(-60..60));
            }
            out.push(fix);
        }
    }
    // Corrections strike early events most (there are fewest to choose from), so every family above
    // can lose its committee or the body it scrutinises (seed 502 did): one last family, recorded
    // after every correction, keeps a scrutiny for the reviews to find.
    let mut last = out.last().expect("the generator made events").clone();
    let body = BodyKey::new("scrutinised").unwrap();
    last.id = Some(EventId::new_v7());
    last.supersedes = vec![];
    last.payload = Payload::BodyFounded(BodyFounded {
        body: body.clone(),
        name: Name::new("Scrutinised partnership").unwrap(),
        kind: BodyKind::Partnership,
        parent: None,
    });
    let family = funding_family(&last, &body, rng);
    out.push(last);
    out.extend(family);
    out
}

/// A body founded under `parent`, a fund of the parent's, allocations from it to the child and
/// back, a total stated over them and an action the parent owns, dated and sourced as `template`
/// (the parent's founding).
fn funding_family(template: &Draft, parent: &BodyKey, rng: &mut TestRng) -> Vec<Draft> {
    let on = template.effective;
    let child = BodyKey::new(format!("{parent}-sub")).unwrap();
    let fund = FundKey::new(format!("{parent}-fund")).unwrap();
    let period = Period {
        from: on,
        to: on + chrono::Duration::days(365),
    };
    let amounts: Vec<i64> = (0..3).map(|_| rng.random_range(1..1_000_000)).collect();
    let allocation = |n: usize, funder: &BodyKey, recipient: &BodyKey| {
        Payload::FundingAllocated(FundingAllocated {
            allocation: AllocationKey::new(format!("{parent}-alloc-{n}")).unwrap(),
            fund: fund.clone(),
            funder: funder.clone(),
            recipient: recipient.clone(),
            amount: Pence::new(amounts[n - 1]).unwrap(),
            period,
            purpose: None,
        })
    };
    let payloads = vec![
        Payload::BodyFounded(BodyFounded {
            body: child.clone(),
            name: Name::new(format!("{parent} sub-group")).unwrap(),
            kind: BodyKind::Committee,
            parent: Some(parent.clone()),
        }),
        Payload::FundEstablished(FundEstablished {
            fund: fund.clone(),
            name: Name::new(format!("{parent} fund")).unwrap(),
            funder: parent.clone(),
        }),
        allocation(1, parent, &child),
        allocation(2, &child, parent),
        Payload::TotalStated(TotalStated {
            total: TotalKey::new(format!("{parent}-total")).unwrap(),
            label: Name::new("Total allocated").unwrap(),
            amount: Pence::new(amounts[2]).unwrap(),
            covers: vec![
                AllocationKey::new(format!("{parent}-alloc-1")).unwrap(),
                AllocationKey::new(format!("{parent}-alloc-2")).unwrap(),
            ],
            note: None,
        }),
        Payload::ActionAssigned(ActionAssigned {
            action: ActionKey::new(format!("{parent}-own-action")).unwrap(),
            resolution: None,
            part: None,
            owner: Owner::Body(parent.clone()),
            description: Text::new("Report back on the funding").unwrap(),
            due: Some(Due::Date(on + chrono::Duration::days(90))),
        }),
        // The child is a committee: a meeting of it that scrutinises the parent, for csp-england's
        // scrutiny check, which looks for every committee.
        Payload::MeetingHeld(MeetingHeld {
            meeting: MeetingKey::new(format!("{child}-m1")).unwrap(),
            body: child.clone(),
            time: None,
            venue: None,
            present: vec![],
            apologies: vec![],
            in_attendance: vec![],
        }),
        Payload::ResolutionPassed(ResolutionPassed {
            resolution: ResolutionKey::new(format!("{child}-m1-r1")).unwrap(),
            meeting: MeetingKey::new(format!("{child}-m1")).unwrap(),
            minute: Name::new("1").unwrap(),
            item: Name::new(format!("Scrutiny of {parent}")).unwrap(),
            verb: Verb::Noted,
            text: None,
            parts: vec![],
        }),
    ];
    payloads
        .into_iter()
        .map(|payload| Draft {
            id: Some(EventId::new_v7()),
            supersedes: vec![],
            payload,
            ..template.clone()
        })
        .collect()
}

/// The body's questions answered through the index, after asserting they equal the whole world's.
fn through_index_as_whole(
    index: &Index,
    whole: &World,
    body: &BodyKey,
    at: NaiveDate,
) -> serde_json::Value {
    let fast = index.answer(None, |w| body_questions(w, body, at)).unwrap();
    assert_eq!(fast, body_questions(whole, body, at), "{body} at {at}");
    fast
}

/// Everything a body-level question can ask, as JSON, so two worlds compare in one assertion.
fn body_questions(w: &World, body: &BodyKey, at: NaiveDate) -> serde_json::Value {
    json!({
        "body": w.body_at(body, at),
        "members": w.members_at(body, at),
        "seats": w.seats_at(body, at),
        "tor": w.tor_at(body, at),
        "tor_history": w.tor_history(body),
        "meetings": w.meetings(body),
        "resolutions": w.resolutions(body, None, Some(at)),
        "history": w.body_history(body),
        "memberships": w.memberships_of_body(body, Some(at)),
        "actions": w.actions_at(body, at),
        "children": w.children_at(body, at),
        "allocations": w.allocations_of(body, at),
        "totals": w.totals_covering(w.allocations_of(body, at).iter().map(|a| &a.allocation), at),
        "review": review_of(w, body, at),
    })
}

/// A default-pack review of the body over the year up to `at`, without `events_read` (which
/// tells a partial world from a whole one, and is all that may differ).
fn review_of(w: &World, body: &BodyKey, at: NaiveDate) -> serde_json::Value {
    let packs =
        [minutebook_review::Pack::parse(minutebook_review::DEFAULT_PACK, "default").unwrap()];
    let from = at - chrono::Duration::days(365);
    let mut report =
        serde_json::to_value(minutebook_review::review(w, body, from, at, &packs)).unwrap();
    if let Some(r) = report.as_object_mut() {
        r.remove("events_read");
    }
    report
}

/// The listings over every key of a kind, and a csp-england review of the body (its scrutiny check
/// looks for every committee), without `events_read`.
fn listing_questions(w: &World, body: &BodyKey, at: NaiveDate) -> serde_json::Value {
    let packs = [
        minutebook_review::Pack::parse(minutebook_review::DEFAULT_PACK, "default").unwrap(),
        minutebook_review::Pack::parse(minutebook_review::CSP_ENGLAND_PACK, "csp-england").unwrap(),
    ];
    let mut review = serde_json::to_value(minutebook_review::review(
        w,
        body,
        at - chrono::Duration::days(3 * 365),
        at,
        &packs,
    ))
    .unwrap();
    if let Some(r) = review.as_object_mut() {
        r.remove("events_read");
    }
    json!({
        "bodies": w.bodies_at(at),
        "persons": w.persons(Some(at)),
        "allocations": w.allocations(at),
        "totals": w.totals(at),
        "review": review,
    })
}

/// How many of the scrutiny checks in `listings` found a scrutiny meeting.
fn found_scrutiny(listings: &serde_json::Value) -> usize {
    fn strings<'v>(v: &'v serde_json::Value, out: &mut Vec<&'v str>) {
        match v {
            serde_json::Value::String(s) => out.push(s),
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    strings(&listings["review"], &mut all);
    all.iter()
        .filter(|s| s.ends_with("scrutiny meeting(s) found") && !s.starts_with("0 "))
        .count()
}

fn person_questions(w: &World, person: &PersonKey, at: NaiveDate) -> serde_json::Value {
    json!({
        "person": w.person(person, Some(at)),
        "history": w.person_history(person),
        "memberships": w.memberships_of(person, Some(at)),
    })
}

fn full(ledger: &Ledger, known_at: Option<KnownAt>) -> World {
    let events = ledger
        .iter_from(1)
        .unwrap()
        .map(|s| s.map(|s| (s.seq, s.event().unwrap())));
    World::fold_known_at(events, known_at).unwrap()
}

/// Candidate events whose checks read several topics: appointments, endings, meetings, ToR changes,
/// each at a random date, so that some pass and some break rules.
fn candidates(drafts: &[Draft], rng: &mut TestRng, on: NaiveDate) -> Vec<Draft> {
    let mut picked = Vec::new();
    for _ in 0..6 {
        let mut d = drafts[rng.random_range(0..drafts.len())].clone();
        d.id = Some(EventId::new_v7());
        d.supersedes.clear();
        if rng.random_bool(0.3) {
            // A correction of a stored event: the check must run without the fact it replaces.
            d.supersedes = vec![drafts[rng.random_range(0..drafts.len())].id.unwrap()];
        }
        d.effective = on;
        picked.push(d);
    }
    picked
}

/// The views that read the relations (a body's actions, children, allocations and their totals).
fn relations(w: &World, body: &BodyKey, at: NaiveDate) -> serde_json::Value {
    let allocations = w.allocations_of(body, at);
    json!({
        "actions": w.actions_at(body, at),
        "children": w.children_at(body, at),
        "totals": w.totals_covering(allocations.iter().map(|a| &a.allocation), at),
        "allocations": allocations,
    })
}

/// The same, as they were answered before the relations existed: every key of the kind, filtered.
fn listings(w: &World, drafts: &[Draft], body: &BodyKey, at: NaiveDate) -> serde_json::Value {
    let actions: std::collections::BTreeSet<&ActionKey> = drafts
        .iter()
        .filter_map(|d| match &d.payload {
            Payload::ActionAssigned(x) => Some(&x.action),
            _ => None,
        })
        .collect();
    let mut actions: Vec<_> = actions
        .into_iter()
        .filter_map(|a| w.action_at(a, at))
        .filter(|a| a.body.as_ref() == Some(body))
        .collect();
    actions.sort_by_key(|a| (a.due_date, a.assigned, a.action.clone()));
    let allocations: Vec<_> = w
        .allocations(at)
        .into_iter()
        .filter(|a| &a.funder == body || &a.recipient == body)
        .collect();
    let keys: std::collections::HashSet<_> = allocations.iter().map(|a| &a.allocation).collect();
    json!({
        "actions": actions,
        "children": w.bodies_at(at).into_iter().filter(|b| b.parent.as_ref() == Some(body)).collect::<Vec<_>>(),
        "totals": w.totals(at).into_iter().filter(|t| t.covers.iter().any(|c| keys.contains(c))).collect::<Vec<_>>(),
        "allocations": allocations,
    })
}

fn keys(drafts: &[Draft]) -> (Vec<BodyKey>, Vec<PersonKey>) {
    let (mut bodies, mut persons) = (Vec::new(), Vec::new());
    for d in drafts {
        match &d.payload {
            Payload::BodyFounded(x) => bodies.push(x.body.clone()),
            Payload::PersonRegistered(x) => persons.push(x.person.clone()),
            _ => {}
        }
    }
    (bodies, persons)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn index_answers_equal_a_full_replay(seed in 1u64..1_000, unindexed in any::<bool>()) {
        let mut rng = TestRng::seed_from_u64(seed);
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::init(dir.path()).unwrap();
        let drafts = history(seed, &mut rng);
        build(&ledger, drafts.clone(), &mut rng, unindexed);
        // The appends alone keep the index at the head; only the unindexed tail needs a catch-up.
        let standing = Index::as_it_stands(&ledger).coverage().unwrap();
        prop_assert_eq!(standing.covers == standing.head, !unindexed);
        let index = Index::open(&ledger, |_, _| {}).unwrap();
        let coverage = index.coverage().unwrap();
        prop_assert_eq!(coverage.covers, coverage.head);
        // What the appends and the catch-up wrote is what the log calls for.
        let check = index.check(|_, _| {}).unwrap();
        prop_assert!(check.sound(), "{:?}", check);
        let stamps: Vec<chrono::DateTime<chrono::Utc>> = ledger
            .iter_from(1)
            .unwrap()
            .map(|s| s.unwrap().event().unwrap().recorded_at)
            .collect();

        let (bodies, persons) = keys(&drafts);
        let head = ledger.head().unwrap().seq;
        let first = drafts.iter().map(|d| d.effective).min().unwrap();
        let last = drafts.iter().map(|d| d.effective).max().unwrap();
        let span = (last - first).num_days();
        let mut worlds: HashMap<Option<KnownAt>, World> = HashMap::new();
        let mut members_seen = 0;
        let mut scrutiny_seen = 0;
        for _ in 0..12 {
            // As known at a sequence number, at a batch's record time, or now.
            let known_at = match rng.random_range(0..3) {
                0 => Some(KnownAt::Seq(rng.random_range(1..=head))),
                1 => Some(KnownAt::Time(stamps[rng.random_range(0..stamps.len())])),
                _ => None,
            };
            let at = first + chrono::Duration::days(rng.random_range(-30..span + 30));
            let whole = worlds
                .entry(known_at)
                .or_insert_with(|| full(&ledger, known_at));
            let body = &bodies[rng.random_range(0..bodies.len())];
            let fast = index
                .answer(known_at, |w| body_questions(w, body, at))
                .unwrap();
            members_seen += fast["members"].as_array().map_or(0, Vec::len);
            prop_assert_eq!(fast, body_questions(whole, body, at), "body {} at {} known at {:?}", body, at, known_at);
            prop_assert_eq!(relations(whole, body, at), listings(whole, &drafts, body, at), "body {} at {}", body, at);
            let fast = index
                .answer(known_at, |w| listing_questions(w, body, at))
                .unwrap();
            scrutiny_seen += found_scrutiny(&fast);
            prop_assert_eq!(fast, listing_questions(whole, body, at), "listings at {} known at {:?}", at, known_at);
            let person = &persons[rng.random_range(0..persons.len())];
            let fast = index
                .answer(known_at, |w| person_questions(w, person, at))
                .unwrap();
            prop_assert_eq!(fast, person_questions(whole, person, at), "person {} at {}", person, at);
        }

        // Random dates can all miss every sitting member (seed 591 did): then also ask, as known
        // now, on the day of each appointment, until some answer has a member in it.
        let appointments = drafts.iter().filter_map(|d| match &d.payload {
            Payload::MemberAppointed(x) => Some((x.body.clone(), d.effective)),
            _ => None,
        });
        for (body, at) in appointments {
            if members_seen > 0 {
                break;
            }
            let whole = worlds.entry(None).or_insert_with(|| full(&ledger, None));
            let fast = index.answer(None, |w| body_questions(w, &body, at)).unwrap();
            members_seen += fast["members"].as_array().map_or(0, Vec::len);
            prop_assert_eq!(fast, body_questions(whole, &body, at), "body {} at {}", body, at);
        }
        prop_assert!(members_seen > 0, "no question found a member: the comparison proves nothing");
        // Likewise a random body and date can miss every scrutiny meeting (seed 698 did): then ask,
        // as known now, about each scrutinised body on the day of its scrutiny.
        let scrutinies = drafts.iter().filter_map(|d| match &d.payload {
            Payload::ResolutionPassed(x) => x
                .item
                .as_str()
                .strip_prefix("Scrutiny of ")
                .map(|body| (BodyKey::new(body).unwrap(), d.effective)),
            _ => None,
        });
        for (body, at) in scrutinies {
            if scrutiny_seen > 0 {
                break;
            }
            let whole = worlds.entry(None).or_insert_with(|| full(&ledger, None));
            let fast = index.answer(None, |w| listing_questions(w, &body, at)).unwrap();
            scrutiny_seen += found_scrutiny(&fast);
            prop_assert_eq!(fast, listing_questions(whole, &body, at), "listings at {} for {}", at, body);
        }
        prop_assert!(scrutiny_seen > 0, "no review found a committee's scrutiny: the listing of committees was never compared");

        // Domain checks of a batch against the ledger as it is now.
        let mut rejected = 0;
        for _ in 0..8 {
            let on = first + chrono::Duration::days(rng.random_range(0..span + 1));
            let batch: Vec<(EventRef, Event)> = candidates(&drafts, &mut rng, on)
                .into_iter()
                .enumerate()
                .map(|(i, d)| {
                    let at = EventRef { position: Some(i + 1), id: d.id, ..EventRef::default() };
                    (at, d.clone().into_event(d.id.unwrap(), chrono::Utc::now()))
                })
                .collect();
            let fast: Vec<String> = index
                .check_batch(batch.clone(), |_| false)
                .unwrap()
                .iter()
                .map(|r| r.to_string())
                .collect();
            let mut scratch = full(&ledger, None);
            let slow: Vec<String> = scratch
                .check_batch(batch, |_| false)
                .iter()
                .map(|r| r.to_string())
                .collect();
            rejected += slow.len();
            prop_assert_eq!(fast, slow);
        }
        prop_assert!(rejected > 0, "every candidate passed: the rejections were never compared");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// A stream of batches checked against the world carried from the batch before gives the
    /// rejections a whole world in step with the log gives, and so does loading each batch's topics
    /// afresh: batches of the generated history's second half (beginning bodies, persons and
    /// memberships of their own, correcting and retracting earlier events), or of all of it into
    /// an empty ledger, with candidates that break rules mixed in, each appended (rejected events
    /// too) before the next is checked.
    #[test]
    fn carried_checks_equal_a_whole_world(seed in 1u64..1_000, from_empty in any::<bool>()) {
        let mut rng = TestRng::seed_from_u64(seed);
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::init(dir.path()).unwrap();
        let drafts = history(seed, &mut rng);
        let (before, stream) = drafts.split_at(if from_empty { 0 } else { drafts.len() / 2 });
        build(&ledger, before.to_vec(), &mut rng, false);
        let index = Index::open(&ledger, |_, _| {}).unwrap();
        let mut whole = full(&ledger, None);
        let mut carried = None;
        let (mut on_carried, mut afresh, mut rejected) = (0, 0, 0);
        let mut done = 0;
        while done < stream.len() {
            let n = rng.random_range(1..=(stream.len() - done).min(120));
            let mut batch = stream[done..done + n].to_vec();
            done += n;
            if rng.random_bool(0.3) {
                let on = batch[0].effective;
                batch.extend(candidates(&drafts[..done + before.len()], &mut rng, on));
            }
            let now = chrono::Utc::now();
            let events: Vec<(EventRef, Event)> = batch
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    let at = EventRef { position: Some(i + 1), id: d.id, ..EventRef::default() };
                    (at, d.clone().into_event(d.id.unwrap(), now))
                })
                .collect();
            let topics = index.batch_topics(events.iter().map(|(_, e)| e)).unwrap();
            let strings = |rs: Vec<minutebook_world::DomainRejection>| -> Vec<String> {
                rs.iter().map(|r| r.to_string()).collect()
            };
            let fresh = strings(index.check_batch(events.clone(), |_| false).unwrap());
            let (fast, folded) = index
                .check_batch_carried(carried.take(), events.clone(), |_| false, &topics)
                .unwrap();
            let slow = strings(whole.check_batch(events, |_| false));
            match folded.carried() {
                true => on_carried += 1,
                false => afresh += 1,
            }
            rejected += slow.len();
            prop_assert_eq!(strings(fast), slow.clone(), "batch ending at {} of the stream", done);
            prop_assert_eq!(fresh, slow);
            let report = ledger
                .append_with(batch, None, |fresh| Index::writes(fresh, &topics))
                .unwrap();
            carried = folded.appended(&report);
        }
        // Into an empty ledger the first batch already folds into a whole world, carried on.
        prop_assert!(on_carried > 0 && (from_empty || afresh > 0), "carried {} afresh {}: both paths must be compared", on_carried, afresh);
        prop_assert!(rejected > 0, "every event passed: the rejections were never compared");
    }
}

/// A catch-up stopped half-way (the process dies after its first chunk) leaves an index that the
/// next open completes, and the answers are the full replay's.
#[test]
fn an_interrupted_catch_up_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let drafts: Vec<Draft> = Generator::new(Spec {
        events: 25_000,
        bodies: 4,
        seed: 7,
        years: 8,
        ..Spec::default()
    })
    .collect();
    {
        let ledger = Ledger::init(dir.path()).unwrap();
        for chunk in drafts.chunks(5_000) {
            ledger.append(chunk.to_vec(), None).unwrap();
        }
        let died = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Index::open(&ledger, |done, _| {
                if done >= 10_000 {
                    panic!("killed after indexing {done}");
                }
            })
        }));
        assert!(died.is_err());
        // The chunks before the kill stay indexed: the next open resumes, it does not restart.
        assert_eq!(
            Index::as_it_stands(&ledger).coverage().unwrap().covers,
            10_000
        );
    }
    let ledger = Ledger::open(dir.path()).unwrap();
    let index = Index::open(&ledger, |_, _| {}).unwrap();
    assert_eq!(index.coverage().unwrap().covers, 25_000);
    let whole = full(&ledger, None);
    let (bodies, _) = keys(&drafts);
    let mut members = 0;
    for (i, body) in bodies.iter().enumerate() {
        let at = NaiveDate::from_ymd_opt(2009 + i as i32, 6, 30).unwrap();
        let fast = through_index_as_whole(&index, &whole, body, at);
        members += fast["members"].as_array().unwrap().len();
    }
    assert!(
        members > 0,
        "the questions asked found nobody: the comparison proves nothing"
    );
}

/// `replay` reads the log in chunks on two threads and folds them in turn: it must fold exactly the
/// events a single pass does, in the same order, whatever the log's length and the cut-off relative
/// to the chunks' edges (1,024 events each).
#[test]
fn replay_folds_what_one_pass_folds_at_every_chunk_edge() {
    let drafts: Vec<Draft> = Generator::new(Spec {
        events: 3_100,
        bodies: 3,
        seed: 11,
        years: 6,
        ..Spec::default()
    })
    .collect();
    let (bodies, _) = keys(&drafts);
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::init(dir.path()).unwrap();
    let mut appended = 0;
    for len in [1, 1022, 1, 1, 1023, 1, 1051] {
        let whole = minutebook_index::replay(&ledger, None).unwrap();
        assert_eq!(whole.events_read(), appended);
        ledger
            .append(drafts[appended as usize..][..len].to_vec(), None)
            .unwrap();
        appended += len as u64;
    }
    assert_eq!(appended, 3_100);
    let at = NaiveDate::from_ymd_opt(2010, 6, 30).unwrap();
    let mut members = 0;
    for n in [
        0, 1, 1023, 1024, 1025, 2047, 2048, 2049, 3072, 3073, 3099, 3100, 5000,
    ] {
        let known_at = Some(KnownAt::Seq(n));
        let (chunked, single) = (
            minutebook_index::replay(&ledger, known_at).unwrap(),
            full(&ledger, known_at),
        );
        assert_eq!(chunked.events_read(), n.min(3_100));
        assert_eq!(chunked.last_recorded_at(), single.last_recorded_at());
        for body in &bodies {
            let answer = body_questions(&chunked, body, at);
            assert_eq!(
                answer,
                body_questions(&single, body, at),
                "{body} known at seq {n}"
            );
            members += answer["members"].as_array().unwrap().len();
        }
    }
    assert!(members > 0, "nobody found: the comparison proves nothing");
}

#[test]
fn an_index_from_before_the_relation_topics_catches_them_up() {
    let mut rng = TestRng::seed_from_u64(11);
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::init(dir.path()).unwrap();
    let drafts = history(11, &mut rng);
    build(&ledger, drafts.clone(), &mut rng, false);
    // What an older binary leaves: no entries for the topics added later, and no mark for them.
    let mut removals = vec![minutebook_store::DerivedWrite {
        name: "relations-covers",
        key: Vec::new(),
        value: None,
    }];
    for key in ledger.derived_keys("relation", b"") {
        removals.push(minutebook_store::DerivedWrite {
            name: "relation",
            key: key.unwrap(),
            value: None,
        });
    }
    assert!(
        removals.len() > 10,
        "the history has no relation entries to remove"
    );
    ledger.write_derived(removals).unwrap();
    let standing = Index::as_it_stands(&ledger).check(|_, _| {}).unwrap();
    assert!(!standing.sound());
    // Reported as lagging (what the next open writes), the rest as in step.
    assert_eq!(
        standing.coverage.lagging(),
        vec!["the entries of its relations cover no events".to_string()],
        "{standing:?}"
    );

    let index = Index::open(&ledger, |_, _| {}).unwrap();
    assert!(index.check(|_, _| {}).unwrap().sound());
    let whole = full(&ledger, None);
    let (bodies, _) = keys(&drafts);
    let mut actions = 0;
    for body in &bodies {
        for at in [2007, 2009, 2011].map(|y| NaiveDate::from_ymd_opt(y, 12, 31).unwrap()) {
            let fast = through_index_as_whole(&index, &whole, body, at);
            actions += fast["actions"].as_array().unwrap().len();
        }
    }
    assert!(
        actions > 0,
        "no actions were found: the comparison proves little"
    );
}
