//! The topic index through the binary: kept by every append, built by import, checked against the
//! log, caught up when it lags, rebuilt on request; and questions answered through it equal the
//! answers of a ledger whose index had to be rebuilt from nothing.

mod support;

use minutebook_store::{DerivedWrite, Ledger};
use serde_json::Value;
use support::{Demo, json, on};

const QUESTIONS: &[&[&str]] = &[
    &["members", "lscsb", "--at", "2014-09-25"],
    &["members", "lscsb", "--at", "2014-12-31"],
    &["tor", "show", "lscsb", "--at", "2012-06-01"],
    &["tor", "history", "lscsb"],
    &["meetings", "lscsb"],
    &["resolutions", "lscsb"],
    &["history", "body", "lscsb"],
    &[
        "members",
        "lscsb",
        "--at",
        "2014-12-31",
        "--known-at",
        "seq:60",
    ],
];

/// What `index check` writes to stderr when it finds the index unsound (exit code 6).
fn failed_check(ledger: &std::path::Path) -> String {
    let out = on(ledger)
        .args(["index", "check"])
        .assert()
        .code(6)
        .get_output()
        .stderr
        .clone();
    String::from_utf8(out).unwrap()
}

/// Remove every entry the index keeps under `name`, and the mark `mark`: what an index written
/// before them lacks. Returns how many entries went.
fn strip(ledger: &std::path::Path, name: &'static str, mark: &'static str) -> usize {
    let ledger = Ledger::open(ledger).unwrap();
    let mut writes: Vec<DerivedWrite> = ledger
        .derived_keys(name, b"")
        .map(|k| DerivedWrite {
            name,
            key: k.unwrap(),
            value: None,
        })
        .collect();
    let stripped = writes.len();
    writes.push(DerivedWrite {
        name: mark,
        key: Vec::new(),
        value: None,
    });
    ledger.write_derived(writes).unwrap();
    stripped
}

fn answers(ledger: &std::path::Path) -> Vec<Value> {
    QUESTIONS.iter().map(|q| json(ledger, q)).collect()
}

#[test]
fn appends_keep_the_index_and_check_finds_it_sound() {
    let demo = Demo::new();
    let status = demo.json(&["index", "status"]);
    assert_eq!(status["covers"], status["head"]);
    assert_eq!(status["head"].as_u64().unwrap(), demo.head());
    let check = demo.json(&["index", "check"]);
    assert_eq!(check["sound"], true, "{check:#}");
    assert!(check["pairs"].as_u64().unwrap() >= demo.head());
}

#[test]
fn import_builds_the_index_and_answers_match_the_original() {
    let demo = Demo::new();
    let export = demo.dir.path().join("export.jsonl");
    demo.json(&["export", "--out", export.to_str().unwrap()]);
    let copy = demo.dir.path().join("copy");
    json(&copy, &["import", export.to_str().unwrap()]);
    let status = json(&copy, &["index", "status"]);
    assert_eq!(status["covers"], status["head"]);
    assert_eq!(json(&copy, &["index", "check"])["sound"], true);
    assert_eq!(answers(&copy), answers(&demo.ledger));
}

#[test]
fn a_damaged_index_is_reported_and_rebuilt() {
    let demo = Demo::new();
    let before = answers(&demo.ledger);
    // Drop every entry of the body's memberships: the index now misses what the log calls for.
    {
        let ledger = Ledger::open(&demo.ledger).unwrap();
        let doomed: Vec<Vec<u8>> = ledger
            .derived_keys("topic", b"Blscsb\0")
            .map(|k| k.unwrap())
            .collect();
        assert!(!doomed.is_empty());
        let writes = doomed
            .into_iter()
            .map(|key| DerivedWrite {
                name: "topic",
                key: [b"Blscsb\0".as_slice(), &key].concat(),
                value: None,
            })
            .collect();
        ledger.write_derived(writes).unwrap();
    }
    let out = on(&demo.ledger)
        .args(["--json", "index", "check"])
        .assert()
        .code(6)
        .get_output()
        .stdout
        .clone();
    let check: Value = serde_json::from_slice(&out).unwrap();
    assert!(
        check["message"]
            .as_str()
            .unwrap()
            .contains("does not match the log"),
        "{check:#}"
    );
    let text = failed_check(&demo.ledger);
    assert!(text.contains("missing, 0 extra (e.g. B:lscsb #"), "{text}");

    demo.json(&["index", "rebuild"]);
    assert_eq!(demo.json(&["index", "check"])["sound"], true);
    assert_eq!(answers(&demo.ledger), before);
}

#[test]
fn a_lagging_index_catches_up_before_answering() {
    let demo = Demo::new();
    let before = answers(&demo.ledger);
    // As a ledger written before the index existed: no entries, no coverage mark.
    strip(&demo.ledger, "topic", "topic-covers");
    {
        let ledger = Ledger::open(&demo.ledger).unwrap();
        assert_eq!(ledger.derived_keys("topic", b"").count(), 0);
    }
    // Reported as it stands, and found wanting, before anything catches it up.
    assert_eq!(demo.json(&["index", "status"])["covers"], 0);
    on(&demo.ledger).args(["index", "check"]).assert().code(6);
    assert_eq!(answers(&demo.ledger), before);
    assert_eq!(demo.json(&["index", "check"])["sound"], true);
}

#[test]
fn relation_entries_an_older_binary_left_out_are_reported_and_completed() {
    let demo = Demo::new();
    // As an index written before the relation topics: none of their entries, no mark for them.
    let stripped = strip(&demo.ledger, "relation", "relations-covers");
    assert!(stripped > 0, "the demo has no relation entries");
    let status = demo.json(&["index", "status"]);
    assert_eq!(status["covers"], status["head"]);
    assert_eq!(status["membership_rows_cover"], status["head"]);
    assert_eq!(status["relations_cover"], 0);
    let text = String::from_utf8(
        on(&demo.ledger)
            .args(["index", "status"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert!(
        text.contains("the entries of its relations cover no events: the next question"),
        "{text}"
    );
    let check = failed_check(&demo.ledger);
    assert!(
        check.contains("(the entries of its relations cover no events: an older binary"),
        "{check}"
    );
    assert!(
        check.contains("`minutebook index update` writes what lags"),
        "{check}"
    );

    demo.json(&["index", "update"]);
    let status = demo.json(&["index", "status"]);
    assert_eq!(status["relations_cover"], status["head"]);
    assert_eq!(demo.json(&["index", "check"])["sound"], true);
}

#[test]
fn a_mark_that_lags_alone_is_reported_without_examples() {
    let demo = Demo::new();
    // Every relation entry is there but their mark is not (a catch-up cut short before its mark).
    {
        let ledger = Ledger::open(&demo.ledger).unwrap();
        ledger
            .write_derived(vec![DerivedWrite {
                name: "relations-covers",
                key: Vec::new(),
                value: None,
            }])
            .unwrap();
    }
    let check = failed_check(&demo.ledger);
    assert!(
        check.contains("pair(s), row(s) or home(s) missing, 0 extra; `minutebook index update`"),
        "{check}"
    );
    demo.json(&["index", "update"]);
    assert_eq!(demo.json(&["index", "check"])["sound"], true);
}
