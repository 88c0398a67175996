//! Every domain rule, through the binary: the event is rejected with its message and exit code 3,
//! and the ledger is unchanged.

use assert_cmd::Command;
use serde_json::{Value, json};

struct Ledger {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl Ledger {
    /// A small world: a board with a 2011 ToR defining a `police` seat, a person, a membership, a
    /// meeting with a resolution and an action, a fund with an allocation; a CSP dissolved in 2013.
    fn new() -> Ledger {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger");
        let l = Ledger { _dir: dir, path };
        l.cmd().arg("init").assert().success();
        let setup = [
            ev(
                "body_founded",
                "2010-01-01",
                json!({"body": "board", "name": "Board", "kind": "board"}),
            ),
            ev(
                "body_founded",
                "2010-01-01",
                json!({"body": "police", "name": "Police", "kind": "authority"}),
            ),
            ev(
                "body_founded",
                "2010-01-01",
                json!({"body": "csp", "name": "CSP", "kind": "partnership"}),
            ),
            ev(
                "body_founded",
                "2010-01-01",
                json!({"body": "council", "name": "Council", "kind": "funder"}),
            ),
            ev("body_dissolved", "2013-04-01", json!({"body": "csp"})),
            ev(
                "person_registered",
                "2010-01-01",
                json!({"person": "healy", "title": "Chief Supt.", "name": "Sally Healy"}),
            ),
            ev(
                "tor_adopted",
                "2011-01-01",
                json!({"body": "board", "version": "v2011",
                "clauses": [{"number": "1", "text": "Purpose"}, {"number": "2", "text": "Membership"}],
                "provisions": {"seats": [{"key": "police", "title": "Police representative", "for_body": "police"}]}}),
            ),
            ev(
                "member_appointed",
                "2012-01-01",
                json!({"membership": "board/healy", "body": "board", "person": "healy", "role": "member", "seat": "police", "on_behalf_of": "police"}),
            ),
            ev(
                "meeting_held",
                "2014-09-25",
                json!({"meeting": "m1", "body": "board"}),
            ),
            ev(
                "resolution_passed",
                "2014-09-25",
                json!({"resolution": "m1/72", "meeting": "m1", "minute": "72", "item": "Families", "verb": "agreed",
                "parts": [{"label": "a", "text": "noted"}, {"label": "b", "text": "report in December"}]}),
            ),
            ev(
                "action_assigned",
                "2014-09-25",
                json!({"action": "m1/72b", "resolution": "m1/72", "part": "b", "owner": {"person": "healy"}, "description": "Report in December"}),
            ),
            ev(
                "action_discharged",
                "2014-12-11",
                json!({"action": "m1/72b"}),
            ),
            ev(
                "fund_established",
                "2011-04-01",
                json!({"fund": "csf", "name": "Community Safety Fund", "funder": "council"}),
            ),
            ev(
                "funding_allocated",
                "2011-04-01",
                json!({"allocation": "a1", "fund": "csf", "funder": "council", "recipient": "csp",
                "amount": 2238000, "period": {"from": "2011-04-01", "to": "2011-09-30"}}),
            ),
        ];
        l.append(&setup).success();
        l
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("minutebook").unwrap();
        c.env_remove("MINUTEBOOK_LEDGER")
            .arg("--ledger")
            .arg(&self.path);
        c
    }

    fn append(&self, events: &[Value]) -> assert_cmd::assert::Assert {
        let text: String = events.iter().map(|e| e.to_string() + "\n").collect();
        self.cmd()
            .args(["--json", "append", "-"])
            .write_stdin(text)
            .assert()
    }

    fn head(&self) -> Value {
        let out = self
            .cmd()
            .args(["--json", "verify"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice::<Value>(&out).unwrap()["head"].clone()
    }
}

fn ev(kind: &str, effective: &str, data: Value) -> Value {
    json!({"type": kind, "effective": effective, "recorded_by": "clerk", "source": {"document": "test minutes"}, "data": data})
}

/// Append `event` (after `before`, in the same batch), expect exit 3 naming `field` with `words`.
fn rejected(l: &Ledger, before: &[Value], event: Value, field: &str, words: &[&str]) {
    let head = l.head();
    let mut batch = before.to_vec();
    batch.push(event);
    let out = l.append(&batch).code(3).get_output().stdout.clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    let r = &out["rejections"][0];
    assert_eq!(r["field"], json!(field), "{out:#}");
    let message = r["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("event #{}", batch.len())),
        "{message}"
    );
    for w in words {
        assert!(message.contains(w), "expected {w:?} in {message}");
    }
    assert_eq!(l.head(), head, "the ledger is unchanged");
}

#[test]
fn appointing_to_a_body_that_does_not_exist_then() {
    let l = Ledger::new();
    let appoint = |body: &str, date: &str| {
        ev(
            "member_appointed",
            date,
            json!({"membership": "x", "body": body, "person": "healy", "role": "member"}),
        )
    };
    rejected(
        &l,
        &[],
        appoint("nowhere", "2014-01-01"),
        "data.body",
        &["body nowhere", "had not been founded by 2014-01-01"],
    );
    rejected(
        &l,
        &[],
        appoint("board", "2009-06-01"),
        "data.body",
        &["had not been founded by 2009-06-01"],
    );
    rejected(
        &l,
        &[],
        appoint("csp", "2014-01-01"),
        "data.body",
        &["no longer existed on 2014-01-01", "dissolved on 2013-04-01"],
    );
}

#[test]
fn appointing_to_a_seat_the_terms_of_reference_do_not_define() {
    let l = Ledger::new();
    let e = ev(
        "member_appointed",
        "2014-01-01",
        json!({"membership": "x", "body": "board", "person": "healy", "role": "member", "seat": "fire"}),
    );
    rejected(
        &l,
        &[],
        e,
        "data.seat",
        &[
            "seat fire",
            "terms of reference in force: v2011",
            "seats then: police",
        ],
    );
}

#[test]
fn appointing_a_person_not_registered() {
    let l = Ledger::new();
    let e = ev(
        "member_appointed",
        "2014-01-01",
        json!({"membership": "x", "body": "board", "person": "nobody", "role": "member"}),
    );
    rejected(
        &l,
        &[],
        e,
        "data.person",
        &["person nobody", "had not been registered by 2014-01-01"],
    );
}

#[test]
fn ending_a_membership_that_is_not_active() {
    let l = Ledger::new();
    let end = |date: &str, m: &str| {
        ev(
            "membership_ended",
            date,
            json!({"membership": m, "reason": "resigned"}),
        )
    };
    rejected(
        &l,
        &[],
        end("2011-06-01", "board/healy"),
        "data.membership",
        &["not active on 2011-06-01", "starts on 2012-01-01"],
    );
    rejected(
        &l,
        &[end("2013-01-01", "board/healy")],
        end("2014-01-01", "board/healy"),
        "data.membership",
        &["ended on 2013-01-01"],
    );
    rejected(
        &l,
        &[],
        end("2014-01-01", "board/nobody"),
        "data.membership",
        &["membership board/nobody, which is not in the ledger"],
    );
}

#[test]
fn amending_terms_of_reference_not_in_force() {
    let l = Ledger::new();
    let amend = |amends: &str, version: &str, date: &str| {
        ev(
            "tor_amended",
            date,
            json!({"body": "board", "amends": amends, "version": version, "changes": [{"op": "remove", "number": "2"}]}),
        )
    };
    rejected(
        &l,
        &[],
        amend("v2009", "v2014", "2014-09-25"),
        "data.amends",
        &["version v2009", "in force on 2014-09-25 was v2011"],
    );
    rejected(
        &l,
        &[],
        amend("v2011", "v2014", "2010-06-01"),
        "data.amends",
        &["in force on 2010-06-01 was none"],
    );
    rejected(
        &l,
        &[amend("v2011", "v2014", "2014-09-25")],
        amend("v2011", "v2015", "2015-01-01"),
        "data.amends",
        &["in force on 2015-01-01 was v2014"],
    );
    let bad_change = ev(
        "tor_amended",
        "2014-09-25",
        json!({"body": "board", "amends": "v2011", "version": "v2014", "changes": [{"op": "replace", "number": "9", "text": "x"}]}),
    );
    rejected(
        &l,
        &[],
        bad_change,
        "data.changes[0].number",
        &["replaces clause 9, which version v2011 does not have"],
    );
    let review = ev(
        "tor_reviewed",
        "2014-09-25",
        json!({"body": "board", "version": "v2009"}),
    );
    rejected(
        &l,
        &[],
        review,
        "data.version",
        &["in force on 2014-09-25 was v2011"],
    );
}

#[test]
fn discharging_an_unknown_or_already_discharged_action() {
    let l = Ledger::new();
    let discharge = |a: &str, date: &str| ev("action_discharged", date, json!({"action": a}));
    rejected(
        &l,
        &[],
        discharge("m1/99", "2015-01-01"),
        "data.action",
        &["action m1/99, which had not been assigned by 2015-01-01"],
    );
    rejected(
        &l,
        &[],
        discharge("m1/72b", "2015-01-01"),
        "data.action",
        &["already discharged on 2014-12-11"],
    );
}

#[test]
fn merging_or_dissolving_a_body_already_gone() {
    let l = Ledger::new();
    rejected(
        &l,
        &[],
        ev("body_dissolved", "2014-01-01", json!({"body": "csp"})),
        "data.body",
        &["no longer existed on 2014-01-01"],
    );
    let merge = ev(
        "bodies_merged",
        "2014-01-01",
        json!({"bodies": ["csp", "police"], "into": "board"}),
    );
    rejected(
        &l,
        &[],
        merge,
        "data.bodies[0]",
        &["body csp", "dissolved on 2013-04-01"],
    );
    let succeed = ev(
        "body_succeeded",
        "2014-01-01",
        json!({"body": "csp", "successors": ["board"]}),
    );
    rejected(&l, &[], succeed, "data.body", &["no longer existed"]);
}

#[test]
fn funding_a_recipient_that_does_not_exist_in_the_period() {
    let l = Ledger::new();
    let alloc = |recipient: &str, from: &str, to: &str| {
        ev(
            "funding_allocated",
            from,
            json!({"allocation": "a2", "fund": "csf", "funder": "council", "recipient": recipient,
            "amount": 100, "period": {"from": from, "to": to}}),
        )
    };
    rejected(
        &l,
        &[],
        alloc("csp", "2013-04-01", "2014-03-31"),
        "data.recipient",
        &["body csp, which did not exist at any time from 2013-04-01 to 2014-03-31"],
    );
    rejected(
        &l,
        &[],
        alloc("nowhere", "2012-04-01", "2013-03-31"),
        "data.recipient",
        &["body nowhere"],
    );
}

#[test]
fn referring_to_unknown_meetings_resolutions_parts_funds_and_allocations() {
    let l = Ledger::new();
    rejected(
        &l,
        &[],
        ev(
            "minutes_confirmed",
            "2014-12-11",
            json!({"meeting": "m0", "at_meeting": "m1"}),
        ),
        "data.meeting",
        &["meeting m0, which is not in the ledger"],
    );
    rejected(
        &l,
        &[],
        ev(
            "resolution_passed",
            "2014-12-11",
            json!({"resolution": "r", "meeting": "m9", "minute": "1", "item": "x", "verb": "noted", "text": "x"}),
        ),
        "data.meeting",
        &["meeting m9"],
    );
    let action = |resolution: &str, part: &str| {
        ev(
            "action_assigned",
            "2014-09-25",
            json!({"action": "new", "resolution": resolution, "part": part, "owner": {"body": "police"}, "description": "x"}),
        )
    };
    rejected(
        &l,
        &[],
        action("m1/99", "a"),
        "data.resolution",
        &["resolution m1/99, which is not in the ledger"],
    );
    rejected(
        &l,
        &[],
        action("m1/72", "c"),
        "data.part",
        &["part c of resolution m1/72, which has parts: a, b"],
    );
    rejected(
        &l,
        &[],
        ev(
            "funding_adjusted",
            "2011-06-01",
            json!({"allocation": "zz", "percent": "-24.8", "reason": "cut"}),
        ),
        "data.allocation",
        &["allocation zz, which is not in the ledger"],
    );
    let alloc = ev(
        "funding_allocated",
        "2011-04-01",
        json!({"allocation": "a3", "fund": "nofund", "funder": "council", "recipient": "board", "amount": 1, "period": {"from": "2011-04-01", "to": "2011-09-30"}}),
    );
    rejected(
        &l,
        &[],
        alloc,
        "data.fund",
        &["fund nofund, which had not been established by 2011-04-01"],
    );
    rejected(
        &l,
        &[],
        ev(
            "total_stated",
            "2011-04-01",
            json!({"total": "t", "label": "Total", "amount": 1, "covers": ["a1", "zz"]}),
        ),
        "data.covers[1]",
        &["allocation zz"],
    );
}

#[test]
fn transferring_a_fund_from_a_body_that_does_not_hold_it() {
    let l = Ledger::new();
    let e = ev(
        "fund_transferred",
        "2013-04-01",
        json!({"fund": "csf", "from_funder": "police", "to_funder": "board"}),
    );
    rejected(
        &l,
        &[],
        e,
        "data.from_funder",
        &["on 2013-04-01 it was given out by council"],
    );
}

#[test]
fn reusing_a_key() {
    let l = Ledger::new();
    rejected(
        &l,
        &[],
        ev(
            "body_founded",
            "2015-01-01",
            json!({"body": "board", "name": "Board again", "kind": "board"}),
        ),
        "data.body",
        &["body key board, which already names another body"],
    );
    rejected(
        &l,
        &[],
        ev(
            "person_registered",
            "2015-01-01",
            json!({"person": "healy", "name": "Someone"}),
        ),
        "data.person",
        &["person key healy"],
    );
    let again = ev(
        "member_appointed",
        "2015-01-01",
        json!({"membership": "board/healy", "body": "board", "person": "healy", "role": "chair"}),
    );
    rejected(
        &l,
        &[],
        again,
        "data.membership",
        &["membership key board/healy"],
    );
}

#[test]
fn a_meeting_key_belongs_to_one_body() {
    let l = Ledger::new();
    rejected(
        &l,
        &[],
        ev(
            "meeting_held",
            "2014-12-11",
            json!({"meeting": "m1", "body": "police"}),
        ),
        "data.meeting",
        &["that meeting is board's"],
    );
}

#[test]
fn attendance_names_registered_people() {
    let l = Ledger::new();
    let e = ev(
        "meeting_held",
        "2014-12-11",
        json!({"meeting": "m2", "body": "board", "apologies": [{"person": "corrall", "on_behalf_of": "police"}]}),
    );
    rejected(
        &l,
        &[],
        e,
        "data.apologies[0].person",
        &["person corrall, who had not been registered"],
    );
}

#[test]
fn a_correction_is_checked_without_the_event_it_supersedes() {
    let l = Ledger::new();
    // Re-appoint under the same key, superseding the original appointment: allowed.
    let out = l
        .cmd()
        .args(["--json", "log", "--type", "member_appointed"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let log: Value = serde_json::from_slice(&out).unwrap();
    let original = log[0]["event"]["id"].clone();
    let mut fixed = ev(
        "member_appointed",
        "2012-02-01",
        json!({"membership": "board/healy", "body": "board", "person": "healy", "role": "member", "seat": "police", "on_behalf_of": "police"}),
    );
    fixed["supersedes"] = json!([original]);
    l.append(&[fixed]).success();
    let out = l
        .cmd()
        .args(["--json", "members", "board", "--at", "2012-01-15"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let members: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        members["members"],
        json!([]),
        "the corrected start date applies: {members:#}"
    );
}

#[test]
fn problems_are_reported_for_every_event_of_a_batch() {
    let l = Ledger::new();
    let head = l.head();
    let batch = [
        ev(
            "person_registered",
            "2014-01-01",
            json!({"person": "moore", "name": "Jane Moore"}),
        ),
        ev(
            "member_appointed",
            "2014-01-01",
            json!({"membership": "a", "body": "nowhere", "person": "moore", "role": "member"}),
        ),
        ev(
            "member_appointed",
            "2014-01-01",
            json!({"membership": "b", "body": "board", "person": "ghost", "role": "member"}),
        ),
    ];
    let out = l.append(&batch).code(3).get_output().stdout.clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    let positions: Vec<_> = out["rejections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["event"]["position"].clone())
        .collect();
    assert_eq!(positions, vec![json!(2), json!(3)], "{out:#}");
    assert_eq!(l.head(), head);
    // Human output: event, field, rule.
    let text: String = batch.iter().map(|e| e.to_string() + "\n").collect();
    let err = l
        .cmd()
        .args(["append", "-"])
        .write_stdin(text)
        .assert()
        .code(3)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains("event #2"), "{err}");
    assert!(
        err.contains(
            "field `data.body` names body nowhere, which had not been founded by 2014-01-01"
        ),
        "{err}"
    );
}

#[test]
fn ending_a_body_before_facts_already_recorded_about_it() {
    let l = Ledger::new();
    // The board has a membership from 2012 and a meeting in 2014: it cannot be dissolved in 2011.
    rejected(
        &l,
        &[],
        ev("body_dissolved", "2011-06-01", json!({"body": "board"})),
        "data.body",
        &[
            "ends body board on 2011-06-01",
            "membership board/healy from 2012-01-01",
        ],
    );
    let succeed = ev(
        "body_succeeded",
        "2014-01-01",
        json!({"body": "board", "successors": ["police"]}),
    );
    rejected(&l, &[], succeed, "data.body", &["meeting m1 on 2014-09-25"]);
}
