//! The example ledger's questions, answered through the binary and asserted on --json output.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use support::Demo;

fn strings(v: &Value, pointer: &str) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

#[test]
fn membership_across_25_september_2014_differs_by_the_crc_and_nps_representatives() {
    let d = Demo::new();
    let before = d.json(&["members", "lscsb", "--at", "2014-09-24"]);
    let after = d.json(&["members", "lscsb", "--at", "2014-09-26"]);
    let seats = |v: &Value| strings(&v["seats"], "/seat/key");
    assert!(
        !seats(&before).contains(&"crc".into()) && !seats(&before).contains(&"nps".into()),
        "{before:#}"
    );
    assert!(
        seats(&after).contains(&"crc".into()) && seats(&after).contains(&"nps".into()),
        "{after:#}"
    );
    let crc: Vec<&Value> = after["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["seat"] == "crc")
        .collect();
    assert_eq!(crc.len(), 1);
    assert_eq!(crc[0]["person"], "bob-bearne");
    assert_eq!(crc[0]["on_behalf_of"], "crc-dlnr");
    // Provenance: the appointment's event and its source.
    let evidence = &crc[0]["evidence"][0];
    assert_eq!(evidence["type"], "member_appointed");
    assert!(
        evidence["source"]["document"]
            .as_str()
            .unwrap()
            .contains("25 September 2014")
    );
    assert!(evidence["id"].is_string() && evidence["seq"].is_u64());
    assert!(
        !before["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["seat"] == "crc")
    );
}

#[test]
fn the_tor_diff_across_the_revision_shows_the_changed_membership_clauses() {
    let d = Demo::new();
    let diff = d.json(&[
        "tor",
        "diff",
        "lscsb",
        "--from",
        "2014-09-24",
        "--to",
        "2014-09-25",
    ]);
    assert_eq!(diff["diff"]["from_version"], "lscsb-tor-2011");
    assert_eq!(diff["diff"]["to_version"], "lscsb-tor-2014");
    let changes = diff["diff"]["clauses"].as_array().unwrap();
    let probation = changes
        .iter()
        .find(|c| c["number"] == "Probation")
        .expect("the probation clause changed");
    assert_eq!(probation["change"], "changed");
    let line_diff = probation["diff"].as_str().unwrap();
    assert!(
        line_diff.contains("+one representative from the CRC"),
        "{line_diff}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c["number"] == "District areas" && c["change"] == "added")
    );
    let shown = d.json(&["tor", "show", "lscsb", "--at", "2014-10-01"]);
    assert_eq!(shown["tor"]["version"], "lscsb-tor-2014");
    assert_eq!(shown["tor"]["evidence"][0]["type"], "tor_amended");
    assert_eq!(shown["tor"]["evidence"][0]["source"]["minute"], "74");
    let history = d.json(&["tor", "history", "lscsb"]);
    assert_eq!(
        strings(&history["history"], "/kind"),
        ["adopted", "amended"]
    );
}

#[test]
fn the_probation_trust_is_succeeded_by_the_nps_and_the_crc() {
    let d = Demo::new();
    let bodies = d.json(&["bodies", "--at", "2014-07-01", "--all"]);
    let list = bodies["bodies"].as_array().unwrap();
    let trust = list
        .iter()
        .find(|b| b["body"] == "leics-probation-trust")
        .unwrap();
    assert_eq!(trust["ended"][1]["how"], "succeeded");
    assert_eq!(
        trust["ended"][1]["by"],
        serde_json::json!(["nps", "crc-dlnr"])
    );
    let nps = list.iter().find(|b| b["body"] == "nps").unwrap();
    assert_eq!(
        nps["succeeded_from"],
        serde_json::json!(["leics-probation-trust"])
    );
    let existing = d.json(&["bodies", "--at", "2014-07-01"]);
    assert!(!strings(&existing["bodies"], "/body").contains(&"leics-probation-trust".into()));
}

#[test]
fn the_board_was_renamed() {
    let d = Demo::new();
    let history = d.json(&["history", "body", "lscsb"]);
    let whats = strings(&history["timeline"], "/what");
    assert!(
        whats.iter().any(|w| w
            .contains("renamed \"Leicestershire and Rutland Safer Communities Strategy Board\"")),
        "{whats:?}"
    );
    let bodies = d.json(&["bodies", "--at", "2014-09-24"]);
    let board = bodies["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["body"] == "lscsb")
        .unwrap();
    assert_eq!(
        board["name"],
        "Leicestershire Safer Communities Strategy Board"
    );
}

#[test]
fn the_2011_allocations_add_to_one_pound_less_than_stated() {
    let d = Demo::new();
    let funding = d.json(&[
        "funding",
        "--period",
        "2011-04-01..2011-09-30",
        "--fund",
        "csf",
    ]);
    let csp_total = funding["stated_totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["label"] == "Total CSP allocation")
        .unwrap();
    assert_eq!(csp_total["stated"], 16_009_400);
    assert_eq!(csp_total["computed"], 16_009_300);
    assert_eq!(csp_total["difference"], -100);
    let rows = funding["allocations"].as_array().unwrap();
    assert!(
        rows.iter()
            .any(|a| a["recipient"] == "blaby" && a["amount"] == 2_238_000)
    );
}

#[test]
fn the_december_meeting_time_as_known_before_and_after_the_correction() {
    let d = Demo::new();
    let head = d.head();
    let december = |v: &Value| {
        v["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["meeting"] == "lrscsb-2014-12-11")
            .unwrap()
            .clone()
    };
    let times = |m: &Value| {
        let mut t = strings(&m["scheduled"], "/time");
        t.sort();
        t
    };
    let now = december(&d.json(&["meetings", "lscsb"]));
    assert_eq!(now["time"], "10:00:00");
    assert_eq!(times(&now), ["10:00:00"]);
    assert_eq!(now["contradictory"], false);
    let before = december(&d.json(&[
        "meetings",
        "lscsb",
        "--known-at",
        &format!("seq:{}", head - 1),
    ]));
    assert_eq!(
        times(&before),
        ["10:00:00", "14:00:00"],
        "the old 2.00pm still stands, beside the minute's 10.00 am"
    );
    assert_eq!(before["contradictory"], true);
    // The same by record time: just before the correction was recorded.
    let log = d.json(&["log", "--newest", "--limit", "1"]);
    assert_eq!(log[0]["event"]["type"], "retraction");
    let recorded: chrono::DateTime<chrono::Utc> = log[0]["event"]["recorded_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let just_before = (recorded - chrono::Duration::nanoseconds(1)).to_rfc3339();
    assert_eq!(
        times(&december(&d.json(&[
            "meetings",
            "lscsb",
            "--known-at",
            &just_before
        ]))),
        ["10:00:00", "14:00:00"]
    );
    assert_eq!(
        times(&december(&d.json(&[
            "meetings",
            "lscsb",
            "--known-at",
            &recorded.to_rfc3339()
        ]))),
        ["10:00:00"]
    );
}

#[test]
fn blaby_and_hinckley_bosworth_merged() {
    let d = Demo::new();
    let bodies = d.json(&["bodies", "--at", "2017-06-01"]);
    let merged = bodies["bodies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["body"] == "blaby-hb-csp")
        .unwrap();
    assert_eq!(
        merged["merged_from"],
        serde_json::json!(["blaby", "hinckley-bosworth"])
    );
    assert!(!strings(&bodies["bodies"], "/body").contains(&"blaby".into()));
}

#[test]
fn actions_due_in_december_are_open_and_overdue_in_2015() {
    let d = Demo::new();
    let actions = d.json(&["actions", "lscsb", "--at", "2015-01-31", "--open"]);
    let overdue: Vec<&Value> = actions["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["overdue"] == true)
        .collect();
    assert_eq!(overdue.len(), 3, "{actions:#}");
    assert!(overdue.iter().all(|a| a["due_date"] == "2014-12-11"));
    let resolutions = d.json(&[
        "resolutions",
        "lscsb",
        "--from",
        "2014-09-25",
        "--to",
        "2014-09-25",
    ]);
    assert!(strings(&resolutions["resolutions"], "/minute").contains(&"74".into()));
}

#[test]
fn state_gathers_everything_about_a_body_on_a_date() {
    let d = Demo::new();
    let state = d.json(&["state", "lscsb", "--at", "2014-10-01"]);
    assert_eq!(
        state["body"]["name"],
        "Leicestershire and Rutland Safer Communities Strategy Board"
    );
    assert_eq!(state["tor"]["version"], "lscsb-tor-2014");
    assert!(state["members"].as_array().unwrap().len() >= 6);
    for format in ["text", "md"] {
        let text = d.text(&[
            "state",
            "lscsb",
            "--at",
            "2014-10-01",
            "--evidence",
            "--format",
            format,
        ]);
        assert!(
            text.contains("Mr. Bob Bearne") && text.contains("lscsb-tor-2014"),
            "{text}"
        );
    }
}

#[test]
fn the_demo_states_its_answers() {
    let d = Demo::new();
    let answers = d.demo["answers"].as_array().unwrap();
    let all: String = answers
        .iter()
        .map(|a| a["answer"].as_str().unwrap().to_string() + "\n")
        .collect();
    assert!(
        all.contains("10:00 as known now; 14:00 or 10:00 (the record contradicts itself) as known before the correction"),
        "{all}"
    );
    assert!(all.contains("difference -100 pence"), "{all}");
    assert!(all.contains("succeeded by nps, crc-dlnr"), "{all}");
}

#[test]
fn record_enters_facts_that_queries_then_answer() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("l");
    let run = |args: &[&str]| {
        Command::cargo_bin("minutebook")
            .unwrap()
            .env_remove("MINUTEBOOK_LEDGER")
            .arg("--ledger")
            .arg(&ledger)
            .args(args)
            .assert()
    };
    run(&["init"]).success();
    let doc = ["--document", "Minutes, 25 September 2014"];
    let rec = |args: &[&str]| run(&[&["record"], args, &doc[..]].concat());
    rec(&[
        "body",
        "lscsb",
        "--name",
        "Board",
        "--kind",
        "board",
        "--effective",
        "2010-10-01",
    ])
    .success();
    rec(&[
        "body",
        "police",
        "--name",
        "Leicestershire Police",
        "--kind",
        "authority",
        "--effective",
        "2010-10-01",
    ])
    .success();
    rec(&[
        "person",
        "healy",
        "--title",
        "Chief Supt.",
        "--name",
        "Sally Healy",
        "--effective",
        "2014-09-25",
    ])
    .success();
    rec(&[
        "seat",
        "lscsb",
        "police",
        "--title",
        "Police representative",
        "--for-body",
        "police",
        "--effective",
        "2014-09-25",
    ])
    .success();
    rec(&[
        "appoint",
        "lscsb/healy",
        "--body",
        "lscsb",
        "--person",
        "healy",
        "--seat",
        "police",
        "--on-behalf-of",
        "police",
        "--effective",
        "2014-09-25",
    ])
    .success();
    rec(&[
        "meeting",
        "m1",
        "--body",
        "lscsb",
        "--time",
        "10:00",
        "--venue",
        "County Hall",
        "--apologies",
        "healy:police",
        "--effective",
        "2014-09-25",
    ])
    .success();
    rec(&[
        "resolution",
        "m1/72",
        "--meeting",
        "m1",
        "--minute",
        "72",
        "--item",
        "Families",
        "--verb",
        "agreed",
        "--part",
        "a=noted",
        "--part",
        "b=report in December",
        "--effective",
        "2014-09-25",
    ])
    .success();
    rec(&[
        "action",
        "m1/72b",
        "--resolution",
        "m1/72",
        "--part",
        "b",
        "--owner-person",
        "healy",
        "--description",
        "Report",
        "--due-date",
        "2014-12-11",
        "--effective",
        "2014-09-25",
    ])
    .success();
    rec(&["discharge", "m1/72b", "--effective", "2014-12-11"]).success();
    rec(&[
        "body",
        "csp",
        "--name",
        "CSP",
        "--kind",
        "partnership",
        "--effective",
        "2010-10-01",
    ])
    .success();
    rec(&[
        "funding",
        "a1",
        "--fund",
        "csf",
        "--funder",
        "lscsb",
        "--recipient",
        "csp",
        "--amount",
        "£22,380",
        "--from",
        "2011-04-01",
        "--to",
        "2011-09-30",
        "--effective",
        "2011-04-01",
    ])
    .code(3);
    rec(&[
        "end-membership",
        "lscsb/healy",
        "--reason",
        "resigned",
        "--effective",
        "2015-01-01",
    ])
    .success();
    let out = run(&["--json", "members", "lscsb", "--at", "2014-10-01"])
        .success()
        .get_output()
        .stdout
        .clone();
    let members: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        members["members"][0]["person_name"],
        "Chief Supt. Sally Healy"
    );
    let out = run(&["--json", "members", "lscsb", "--at", "2015-01-01"])
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap()["members"],
        serde_json::json!([])
    );
    let out = run(&["--json", "actions", "lscsb", "--at", "2015-01-01"])
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap()["actions"][0]["discharged"],
        "2014-12-11"
    );
    // Retract the appointment: it drops out of every answer.
    let out = run(&["--json", "log", "--type", "member_appointed"])
        .success()
        .get_output()
        .stdout
        .clone();
    let id = serde_json::from_slice::<Value>(&out).unwrap()[0]["event"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    rec(&[
        "retract",
        &id,
        "--reason",
        "recorded against the wrong body",
    ])
    .success();
    let out = run(&["--json", "members", "lscsb", "--at", "2014-10-01"])
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap()["members"],
        serde_json::json!([])
    );
    // Every record needs its evidence.
    run(&["record", "person", "x", "--name", "X"]).code(1);
}
