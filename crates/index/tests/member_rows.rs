//! Membership rows: questions read a body's memberships from them, `check` finds them damaged, and
//! an index without them (written by an older binary) gets them when opened.

use chrono::NaiveDate;
use minutebook_generate::{Generator, Spec};
use minutebook_index::Index;
use minutebook_model::{BodyKey, Draft, Payload};
use minutebook_store::{DerivedWrite, Ledger};
use minutebook_world::World;

fn ledger() -> (tempfile::TempDir, Ledger, Vec<Draft>) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::init(dir.path()).unwrap();
    let drafts: Vec<Draft> = Generator::new(Spec {
        events: 1_500,
        bodies: 3,
        seed: 7,
        years: 6,
        ..Spec::default()
    })
    .collect();
    Index::open(&ledger, |_, _| {}).unwrap();
    for batch in drafts.chunks(200) {
        append_indexed(&ledger, batch.to_vec(), |_| true);
    }
    (dir, ledger, drafts)
}

/// Append `batch` with those of its index writes that `keep` keeps, in the same transaction.
fn append_indexed(ledger: &Ledger, batch: Vec<Draft>, keep: impl Fn(&DerivedWrite) -> bool) {
    let events: Vec<_> = batch
        .iter()
        .map(|d| d.clone().into_event(d.id.unwrap(), chrono::Utc::now()))
        .collect();
    let topics = Index::as_it_stands(ledger).batch_topics(&events).unwrap();
    ledger
        .append_with(batch, None, |fresh| {
            Index::writes(fresh, &topics)
                .into_iter()
                .filter(|w| keep(w))
                .collect()
        })
        .unwrap();
}

/// Each body with the day of each appointment to it: days on which someone sits.
fn appointments(drafts: &[Draft]) -> Vec<(BodyKey, NaiveDate)> {
    drafts
        .iter()
        .filter_map(|d| match &d.payload {
            Payload::MemberAppointed(x) => Some((x.body.clone(), d.effective)),
            _ => None,
        })
        .collect()
}

fn whole(ledger: &Ledger) -> World {
    let events = ledger
        .iter_from(1)
        .unwrap()
        .map(|s| s.map(|s| (s.seq, s.event().unwrap())));
    World::fold_known_at(events, None).unwrap()
}

fn json(members: Vec<minutebook_world::MembershipView>) -> serde_json::Value {
    serde_json::to_value(members).unwrap()
}

fn remove_all(ledger: &Ledger, name: &'static str, prefix: &[u8]) -> usize {
    let keys: Vec<_> = ledger
        .derived_keys(name, prefix)
        .map(|k| {
            let mut key = prefix.to_vec();
            key.extend(k.unwrap());
            key
        })
        .collect();
    let n = keys.len();
    let writes = keys
        .into_iter()
        .map(|key| DerivedWrite {
            name,
            key,
            value: None,
        })
        .collect();
    ledger.write_derived(writes).unwrap();
    n
}

#[test]
fn a_bodys_memberships_are_read_from_its_rows() {
    let (_dir, ledger, drafts) = ledger();
    let whole = whole(&ledger);
    // Without the membership topics' entries only the rows can supply the memberships' events.
    assert!(remove_all(&ledger, "topic", b"m") > 100);
    let index = Index::open(&ledger, |_, _| {}).unwrap();
    let mut seated = 0;
    for (body, at) in appointments(&drafts).into_iter().step_by(7) {
        let fast = index
            .answer(None, |w| json(w.members_at(&body, at)))
            .unwrap();
        assert_eq!(fast, json(whole.members_at(&body, at)), "{body} at {at}");
        seated += fast.as_array().unwrap().len();
    }
    assert!(
        seated > 20,
        "the questions found nobody: the comparison proves nothing"
    );
}

#[test]
fn check_finds_a_damaged_row_and_a_missing_home() {
    let (_dir, ledger, _) = ledger();
    let index = Index::open(&ledger, |_, _| {}).unwrap();
    let sound = index.check(|_, _| {}).unwrap();
    assert!(sound.sound() && sound.rows > 100, "{sound:?}");

    let (key, _) = ledger
        .derived_entries("member-rows", b"")
        .next()
        .unwrap()
        .unwrap();
    ledger
        .write_derived(vec![DerivedWrite {
            name: "member-rows",
            key,
            value: Some(b"{}".to_vec()),
        }])
        .unwrap();
    let damaged = index.check(|_, _| {}).unwrap();
    assert_eq!((damaged.missing, damaged.extra), (1, 1), "{damaged:?}");
    assert!(
        damaged.examples[0].starts_with("membership row "),
        "{damaged:?}"
    );

    let m = ledger
        .derived_keys("member-home", b"")
        .next()
        .unwrap()
        .unwrap();
    ledger
        .write_derived(vec![DerivedWrite {
            name: "member-home",
            key: m,
            value: None,
        }])
        .unwrap();
    let damaged = index.check(|_, _| {}).unwrap();
    assert_eq!((damaged.missing, damaged.extra), (2, 1), "{damaged:?}");
    assert!(
        damaged
            .examples
            .iter()
            .any(|e| e.starts_with("home of membership ")),
        "{damaged:?}"
    );
}

#[test]
fn an_index_without_rows_gets_them_when_opened_and_keeps_its_entries() {
    let (_dir, ledger, drafts) = ledger();
    // What an older binary leaves: topic entries and their coverage mark, no rows, no homes.
    remove_all(&ledger, "member-rows", b"");
    remove_all(&ledger, "member-home", b"");
    remove_all(&ledger, "member-rows-covers", b"");
    let standing = Index::as_it_stands(&ledger).check(|_, _| {}).unwrap();
    assert!(!standing.sound() && standing.missing > 100, "{standing:?}");
    let entries: Vec<_> = ledger
        .derived_entries("topic", b"")
        .map(Result::unwrap)
        .collect();

    let index = Index::open(&ledger, |_, _| {}).unwrap();
    let check = index.check(|_, _| {}).unwrap();
    assert!(check.sound() && check.rows == standing.rows, "{check:?}");
    let after: Vec<_> = ledger
        .derived_entries("topic", b"")
        .map(Result::unwrap)
        .collect();
    assert!(entries == after, "the topic entries were rewritten");
    let whole = whole(&ledger);
    let (body, at) = appointments(&drafts).pop().unwrap();
    let fast = index
        .answer(None, |w| json(w.members_at(&body, at)))
        .unwrap();
    assert!(!fast.as_array().unwrap().is_empty());
    assert_eq!(fast, json(whole.members_at(&body, at)));
}

#[test]
fn an_index_an_older_binary_appended_to_gets_the_missing_rows_when_opened() {
    let (_dir, ledger, drafts) = ledger();
    // More appointments, appended as a binary without rows would: topic entries and their mark.
    let more: Vec<Draft> = drafts
        .iter()
        .filter(|d| matches!(d.payload, Payload::MemberAppointed(_)))
        .take(5)
        .map(|d| {
            let mut d = d.clone();
            d.id = Some(minutebook_model::EventId::new_v7());
            if let Payload::MemberAppointed(x) = &mut d.payload {
                x.membership =
                    minutebook_model::MembershipKey::new(format!("{}-again", x.membership))
                        .unwrap();
            }
            d
        })
        .collect();
    append_indexed(&ledger, more, |w| {
        w.name == "topic" || w.name == "topic-covers"
    });
    let standing = Index::as_it_stands(&ledger).check(|_, _| {}).unwrap();
    // Each appointment's row and its membership's home.
    assert!(
        standing.coverage.rows < standing.coverage.covers && standing.missing == 10,
        "{standing:?}"
    );

    let index = Index::open(&ledger, |_, _| {}).unwrap();
    assert!(index.check(|_, _| {}).unwrap().sound());
    let whole = whole(&ledger);
    for (body, at) in appointments(&drafts).into_iter().rev().take(5) {
        let fast = index
            .answer(None, |w| json(w.members_at(&body, at)))
            .unwrap();
        assert_eq!(fast, json(whole.members_at(&body, at)), "{body} at {at}");
    }
}

#[test]
fn a_rebuild_cut_short_is_done_again_when_opened() {
    let (_dir, ledger, _) = ledger();
    // What a drop interrupted after its first write leaves: marks out of step, entries still there.
    ledger
        .write_derived(vec![
            DerivedWrite {
                name: "topic-covers",
                key: vec![],
                value: Some(0u64.to_be_bytes().to_vec()),
            },
            DerivedWrite {
                name: "member-rows-covers",
                key: vec![],
                value: Some(u64::MAX.to_be_bytes().to_vec()),
            },
        ])
        .unwrap();
    remove_all(&ledger, "member-rows", b"");
    let index = Index::open(&ledger, |_, _| {}).unwrap();
    let check = index.check(|_, _| {}).unwrap();
    assert!(check.sound() && check.rows > 100, "{check:?}");
}
