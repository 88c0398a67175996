//! Generated ledgers are valid by construction: every event passes the structural and domain rules
//! in the order generated, and the mix has the facts a realistic ledger has.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use minutebook_generate::{Generator, Spec};
use minutebook_model::{EventRef, parse_batch};
use minutebook_world::World;

#[test]
fn every_generated_event_appends_without_rejection() {
    let spec = Spec {
        events: 30_000,
        bodies: 12,
        seed: 42,
        ..Spec::default()
    };
    let drafts: Vec<_> = Generator::new(spec).collect();
    // Through the same parser `append` uses, as JSON Lines.
    let jsonl: String = drafts
        .iter()
        .map(|d| serde_json::to_string(d).unwrap() + "\n")
        .collect();
    let parsed = parse_batch(jsonl.as_bytes()).unwrap_or_else(|r| panic!("{}", r[0]));
    assert_eq!(parsed, drafts);
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let events = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                EventRef {
                    position: Some(i + 1),
                    ..EventRef::default()
                },
                d.clone().into_event(d.id.unwrap(), at),
            )
        })
        .collect();
    let mut world = World::new();
    let rejections = world.check_batch(events, |_| false);
    assert!(
        rejections.is_empty(),
        "{} rejections, first: {}",
        rejections.len(),
        rejections[0]
    );

    let mut mix: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &drafts {
        *mix.entry(d.payload.type_tag()).or_default() += 1;
    }
    for kind in [
        "body_founded",
        "tor_adopted",
        "tor_amended",
        "tor_reviewed",
        "person_registered",
        "member_appointed",
        "membership_ended",
        "meeting_held",
        "meeting_scheduled",
        "minutes_confirmed",
        "interest_declared",
        "resolution_passed",
        "action_assigned",
        "action_discharged",
        "funding_allocated",
        "fund_transferred",
        "retraction",
    ] {
        assert!(
            mix.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} in {mix:?}"
        );
    }
    // Facts recorded late: some events take effect before events appended ahead of them.
    let late = drafts
        .windows(2)
        .filter(|w| w[1].effective < w[0].effective)
        .count();
    assert!(late > 0, "no facts recorded late");
}
