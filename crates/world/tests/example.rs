//! The example ledger's questions, answered by the projections.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use minutebook_model::*;
use minutebook_world::*;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/example");

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The example appended file by file, each file a batch recorded a minute after the one before.
fn example_log() -> Vec<(u64, Event)> {
    let mut files: Vec<_> = std::fs::read_dir(EXAMPLE)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    let start: DateTime<Utc> = "2026-01-01T09:00:00Z".parse().unwrap();
    let mut log = Vec::new();
    for (batch, file) in files.iter().enumerate() {
        let at = start + Duration::minutes(batch as i64);
        for draft in parse_batch(&std::fs::read(file).unwrap()).unwrap() {
            let id = draft.id.unwrap();
            log.push((log.len() as u64 + 1, draft.into_event(id, at)));
        }
    }
    log
}

fn world() -> World {
    World::from_events(example_log())
}

fn key<K: std::str::FromStr>(s: &str) -> K
where
    K::Err: std::fmt::Debug,
{
    s.parse().unwrap()
}

#[test]
fn the_board_was_renamed_on_25_september_2014() {
    let w = world();
    let lscsb: BodyKey = key("lscsb");
    assert_eq!(
        w.body_at(&lscsb, d("2014-09-24")).unwrap().name.as_str(),
        "Leicestershire Safer Communities Strategy Board"
    );
    let after = w.body_at(&lscsb, d("2014-09-25")).unwrap();
    assert_eq!(
        after.name.as_str(),
        "Leicestershire and Rutland Safer Communities Strategy Board"
    );
    assert_eq!(after.former_names.len(), 1);
    assert!(after.evidence.iter().any(|e| e.type_tag == "body_renamed"));
}

#[test]
fn membership_across_25_september_2014_gains_the_crc_representative_and_the_nps_seat() {
    let w = world();
    let lscsb: BodyKey = key("lscsb");
    let before = w.members_at(&lscsb, d("2014-09-24"));
    let after = w.members_at(&lscsb, d("2014-09-26"));
    assert!(
        !before
            .iter()
            .any(|m| m.seat.as_ref().is_some_and(|s| s.as_str() == "crc"))
    );
    let crc = after
        .iter()
        .find(|m| m.seat.as_ref().is_some_and(|s| s.as_str() == "crc"))
        .expect("a CRC representative");
    assert_eq!(crc.person.as_str(), "bob-bearne");
    assert_eq!(crc.on_behalf_of.as_ref().unwrap().as_str(), "crc-dlnr");
    assert_eq!(crc.since, d("2014-09-25"));
    assert!(!crc.evidence.is_empty());
    let seats = |date| {
        w.seats_at(&lscsb, d(date))
            .into_iter()
            .map(|s| s.seat.key.to_string())
            .collect::<Vec<_>>()
    };
    assert!(!seats("2014-09-24").contains(&"crc".to_string()));
    assert!(seats("2014-09-26").contains(&"crc".to_string()));
    assert!(seats("2014-09-26").contains(&"nps".to_string()));
}

#[test]
fn the_tor_diff_across_the_revision_shows_the_membership_changes() {
    let w = world();
    let lscsb: BodyKey = key("lscsb");
    let before = w.tor_at(&lscsb, d("2014-09-24")).unwrap();
    let after = w.tor_at(&lscsb, d("2014-09-25")).unwrap();
    assert_eq!(before.version.as_str(), "lscsb-tor-2011");
    assert_eq!(after.version.as_str(), "lscsb-tor-2014");
    assert_eq!(after.amends.as_ref().unwrap().as_str(), "lscsb-tor-2011");
    let diff = tor_diff(Some(&before), Some(&after));
    assert!(!diff.clauses.is_empty());
    let text = serde_json::to_string(&diff).unwrap();
    assert!(
        text.contains("CRC") || text.contains("Community Rehabilitation"),
        "{text}"
    );
    assert!(diff.provisions.is_some(), "the seats changed");
    let history = w.tor_history(&lscsb);
    assert_eq!(history.len(), 2);
}

#[test]
fn the_probation_trust_was_succeeded_by_the_nps_and_the_crc() {
    let w = world();
    let trust = w
        .body_at(&key("leics-probation-trust"), d("2014-07-01"))
        .unwrap();
    let Some((ended, Ending::Succeeded { by })) = trust.ended else {
        panic!("{trust:?}")
    };
    assert_eq!(ended, d("2014-06-12"));
    let by: Vec<&str> = by.iter().map(|b| b.as_str()).collect();
    assert!(by.contains(&"nps") && by.contains(&"crc-dlnr"), "{by:?}");
    assert!(w.body_exists(&key("leics-probation-trust"), d("2014-06-11")));
    assert!(!w.body_exists(&key("leics-probation-trust"), d("2014-06-12")));
    let nps = w.body_at(&key("nps"), d("2014-07-01")).unwrap();
    assert_eq!(
        nps.succeeded_from,
        vec![key::<BodyKey>("leics-probation-trust")]
    );
}

#[test]
fn the_2011_csp_allocations_fall_one_pound_short_of_the_stated_total() {
    let w = world();
    let totals = w.totals(d("2011-09-30"));
    let csp = totals
        .iter()
        .find(|t| t.stated == Pence::from_pounds(160_094).unwrap())
        .expect("the CSP total");
    assert_eq!(csp.computed, Pence::from_pounds(160_093));
    assert_eq!(csp.difference, Some(-100));
    assert!(csp.missing.is_empty());
    assert!(csp.note.as_ref().unwrap().as_str().contains("rounded"));
}

#[test]
fn the_fund_passed_to_the_commissioner_in_2013() {
    let w = world();
    let funds: Vec<FundView> = ["csf"]
        .iter()
        .filter_map(|f| w.fund(&key(f), d("2013-04-01")))
        .collect();
    assert_eq!(funds.len(), 1, "the Community Safety Fund is keyed csf");
    assert_eq!(funds[0].funder.as_str(), "opcc");
    assert_eq!(
        w.fund(&key("csf"), d("2013-03-31"))
            .unwrap()
            .funder
            .as_str(),
        "lcc"
    );
}

#[test]
fn the_december_meeting_time_as_known_before_and_after_the_correction() {
    let log = example_log();
    let correction_batch = log.last().unwrap().1.recorded_at;
    let before: Vec<_> = log
        .iter()
        .filter(|(_, e)| e.recorded_at < correction_batch)
        .cloned()
        .collect();
    let m: MeetingKey = key("lrscsb-2014-12-11");
    let then = World::from_events(before).meeting(&m).unwrap();
    let times = |v: &MeetingView| {
        let mut t: Vec<String> = v
            .scheduled
            .iter()
            .map(|s| s.time.unwrap().to_string())
            .collect();
        t.sort();
        t
    };
    assert_eq!(
        times(&then),
        ["10:00:00", "14:00:00"],
        "both times the document states"
    );
    assert!(then.contradictory);
    assert_eq!(
        then.time, None,
        "no single time while the record contradicts itself"
    );
    let now = World::from_events(log).meeting(&m).unwrap();
    assert_eq!(times(&now), ["10:00:00"], "the retracted time drops out");
    assert_eq!(now.time.unwrap().to_string(), "10:00:00");
    assert!(!now.contradictory);
}

#[test]
fn blaby_and_hinckley_bosworth_merged() {
    let w = world();
    let merged = w.body_at(&key("blaby-hb-csp"), d("2017-06-01")).unwrap();
    let mut from: Vec<&str> = merged.merged_from.iter().map(|b| b.as_str()).collect();
    from.sort();
    assert_eq!(from, ["blaby", "hinckley-bosworth"]);
    let blaby = w.body_at(&key("blaby"), d("2017-06-01")).unwrap();
    assert!(matches!(blaby.ended, Some((_, Ending::Merged { .. }))));
}

#[test]
fn the_december_actions_are_open_and_overdue_after_the_meeting() {
    let w = world();
    let lscsb: BodyKey = key("lscsb");
    let actions = w.actions_at(&lscsb, d("2015-01-31"));
    let december: Vec<_> = actions
        .iter()
        .filter(|a| a.due_date == Some(d("2014-12-11")))
        .collect();
    assert!(december.len() >= 3, "{actions:#?}");
    assert!(december.iter().all(|a| a.overdue && a.discharged.is_none()));
    assert!(
        w.actions_at(&lscsb, d("2014-10-01"))
            .iter()
            .all(|a| !a.overdue)
    );
}

#[test]
fn the_example_ledger_passes_its_own_domain_rules() {
    let mut w = World::new();
    let events = example_log()
        .into_iter()
        .map(|(seq, e)| {
            (
                EventRef {
                    seq: Some(seq),
                    ..EventRef::default()
                },
                e,
            )
        })
        .collect();
    let rejections = w.check_batch(events, |_| false);
    assert!(
        rejections.is_empty(),
        "{}",
        rejections
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn persons_lists_everyone_registered_by_a_date() {
    let w = world();
    let all = w.persons(None);
    assert!(all.iter().any(|p| p.person.as_str() == "sally-healy"
        && p.title.as_ref().map(|t| t.as_str()) == Some("Chief Supt.")));
    assert!(
        all.windows(2).all(|p| p[0].person < p[1].person),
        "in key order"
    );
    // Nobody in the example is registered before the 2014 minutes name them.
    assert!(w.persons(Some(d("2014-09-24"))).is_empty());
    assert_eq!(
        w.persons(Some(d("2014-09-25"))).len(),
        all.len()
            - w.persons(None)
                .iter()
                .filter(|p| p.evidence[0].effective > d("2014-09-25"))
                .count()
    );
}
