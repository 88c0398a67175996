//! `minutebook import-minutes` end to end, through the real binary: the seed minutes become drafts
//! that, appended, answer through the projections; the ledger is untouched when anything is
//! rejected; unreadable input fails clearly.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn seed(name: &str) -> PathBuf {
    Path::new(ROOT).join("tests/fixtures/seeds").join(name)
}

struct Fixture {
    _dir: tempfile::TempDir,
    ledger: PathBuf,
    root: PathBuf,
}

impl Fixture {
    /// A ledger holding what a clerk would have before these minutes: the 2011 Agreement's bodies
    /// and terms of reference (events/example/01-*), nothing from the minutes themselves.
    fn with_agreement() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        let f = Fixture {
            ledger: root.join("ledger"),
            root,
            _dir: dir,
        };
        f.cmd().arg("init").assert().success();
        let agreement = Path::new(ROOT).join("events/example/01-agreement-2011-13.jsonl");
        f.cmd().arg("append").arg(agreement).assert().success();
        f
    }

    fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("minutebook").unwrap();
        c.env_remove("MINUTEBOOK_LEDGER")
            .env("MINUTEBOOK_CLERK", "e2e")
            .arg("--ledger")
            .arg(&self.ledger);
        c
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.cmd().arg("--json").args(args).assert().success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    }

    fn head(&self) -> u64 {
        self.json(&["verify"])["head"]["seq"].as_u64().unwrap()
    }
}

fn find<'a>(list: &'a Value, field: &str, value: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|x| x[field] == value)
        .unwrap_or_else(|| panic!("no {field} = {value} in {list:#}"))
}

fn labels(parts: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for p in parts.as_array().into_iter().flatten() {
        let l = p["label"].as_str().unwrap().to_string();
        out.push(l.clone());
        for sub in labels(&p["parts"]) {
            out.push(format!("{l}.{sub}"));
        }
    }
    out
}

#[test]
fn the_2014_minutes_answer_through_the_projections_once_appended() {
    let f = Fixture::with_agreement();
    let out = f.root.join("drafts.jsonl");
    let summary = f.json(&[
        "import-minutes",
        seed("lrscsb-minutes-2014-09-25.txt").to_str().unwrap(),
        "--body",
        "lscsb",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(summary["meeting"], "lscsb-2014-09-25");
    assert_eq!(summary["found"]["resolution"], 8);
    let before = f.head();

    // Reviewing changes nothing; appending the reviewed file does, and twice is once.
    let appended = f.json(&["append", out.to_str().unwrap()]);
    let n = appended["appended"].as_array().unwrap().len();
    assert_eq!(n, summary["drafts"].as_u64().unwrap() as usize);
    let again = f.json(&["append", out.to_str().unwrap()]);
    assert!(again["appended"].as_array().unwrap().is_empty());
    assert_eq!(f.head(), before + n as u64);

    // The meeting, with its four apologies and the bodies they sent them for.
    let meetings = f.json(&["meetings", "lscsb"])["meetings"].clone();
    let m = find(&meetings, "meeting", "lscsb-2014-09-25");
    assert_eq!(m["date"], "2014-09-25");
    assert_eq!(m["time"], "10:00:00");
    assert_eq!(m["venue"], "County Hall, Glenfield");
    let apologies: Vec<(String, String)> = m["apologies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["person"].as_str().unwrap().to_string(),
                a["on_behalf_of"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        apologies,
        [
            ("mike-sandys".into(), "substance-misuse-board".into()),
            ("jane-moore".into(), "lcc".into()),
            (
                "steve-corrall".into(),
                "leicestershire-fire-authority".into()
            ),
            ("sally-healy".into(), "leicestershire-police".into()),
        ]
    );
    // The Chairman's declaration.
    let interests = m["interests"].as_array().unwrap();
    assert_eq!(interests.len(), 1);
    assert_eq!(interests[0]["kind"], "personal");
    assert!(
        interests[0]["nature"]
            .as_str()
            .unwrap()
            .contains("Melton Borough Council")
    );
    let chair = f.json(&[
        "history",
        "person",
        interests[0]["person"].as_str().unwrap(),
    ]);
    assert!(chair.to_string().contains("Chairman"), "{chair:#}");

    // The 12 June minutes confirmed at this meeting.
    let june = find(&meetings, "meeting", "lscsb-2014-06-12");
    assert_eq!(june["minutes_confirmed_at"], "lscsb-2014-09-25");

    // Minutes 67-74 with their verbs and lettered parts.
    let res = f.json(&["resolutions", "lscsb"])["resolutions"].clone();
    let got: Vec<(String, String, Vec<String>)> = res
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["minute"].as_str().unwrap().to_string(),
                r["verb"].as_str().unwrap().to_string(),
                labels(&r["parts"]),
            )
        })
        .collect();
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        got,
        [
            (
                "67".into(),
                "noted".into(),
                v(&["a", "b", "b.i", "b.ii", "b.iii"])
            ),
            ("68".into(), "agreed".into(), v(&["a", "b"])),
            ("69".into(), "noted".into(), v(&["a", "b", "c", "d", "e"])),
            ("70".into(), "agreed".into(), v(&["a", "b"])),
            ("71".into(), "agreed".into(), v(&["a", "b", "c", "d"])),
            ("72".into(), "agreed".into(), v(&["a", "b"])),
            ("73".into(), "agreed".into(), v(&["a", "b"])),
            ("74".into(), "agreed".into(), v(&[])),
        ]
    );

    // The terms of reference approved at minute 74, flagged to attach the text and the amendment.
    let tor = f.json(&["tor", "show", "lscsb", "--at", "2014-09-25"])["tor"].clone();
    assert_eq!(tor["version"], "lscsb-tor-2014-09-25");
    assert_eq!(tor["amends"], "lscsb-tor-2011");
    let drafts = std::fs::read_to_string(&out).unwrap();
    let tor_draft: Value = drafts
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|d| d["type"] == "tor_amended")
        .unwrap();
    let attention = tor_draft["source"]["extraction"]["attention"].to_string();
    assert!(attention.contains("attach the text"), "{attention}");
    assert!(attention.contains("further amendment"), "{attention}");
    assert_eq!(tor_draft["source"]["minute"], "74");

    // The actions due at the December meeting.
    let actions = f.json(&["actions", "lscsb", "--at", "2014-10-01"])["actions"].clone();
    let december: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["due_date"] == "2014-12-11")
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        december,
        [
            "lscsb-2014-09-25/72/b",
            "lscsb-2014-09-25/73/a",
            "lscsb-2014-09-25/73/b"
        ]
    );
    assert_eq!(
        find(&actions, "action", "lscsb-2014-09-25/68/b")["owner"]["body"],
        "leicestershire-police"
    );

    // The next meeting, with the heading's 2.00pm and the minute's 10.00 am flagged.
    let next = find(&meetings, "meeting", "lscsb-2014-12-11");
    assert_eq!(next["held"], false);
    assert_eq!(next["date"], "2014-12-11");
    let scheduled = drafts
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|d| d["type"] == "meeting_scheduled")
        .unwrap();
    let attention = scheduled["source"]["extraction"]["attention"].to_string();
    assert!(
        attention.contains("contradicting")
            && attention.contains("14:00")
            && attention.contains("10:00"),
        "{attention}"
    );
}

#[test]
fn the_joint_committee_minutes_give_resolution_i_to_vi_with_a_to_g() {
    let f = Fixture::with_agreement();
    // The committee is not in the ledger: its founding is proposed with the rest, and --append
    // validates and appends in one step.
    let report = f.json(&[
        "import-minutes",
        seed("blaby-hb-csp-scrutiny-2017.txt").to_str().unwrap(),
        "--body",
        "blaby-hb-joint-osc",
        "--date",
        "2017-01-01",
        "--append",
    ]);
    assert!(
        report["attention"]
            .to_string()
            .contains("not in the ledger")
    );
    let res = f.json(&["resolutions", "blaby-hb-joint-osc"])["resolutions"].clone();
    assert_eq!(res.as_array().unwrap().len(), 1);
    assert_eq!(res[0]["verb"], "resolved");
    assert_eq!(
        labels(&res[0]["parts"]),
        [
            "i", "ii", "iii", "iv", "iv.a", "iv.b", "iv.c", "iv.d", "iv.e", "iv.f", "iv.g", "v",
            "vi"
        ]
    );
    assert_eq!(
        res[0]["parts"][3]["parts"][6]["text"],
        "Detection and conviction rates."
    );
    let meetings = f.json(&["meetings", "blaby-hb-joint-osc"])["meetings"].clone();
    assert_eq!(
        find(&meetings, "meeting", "blaby-hb-joint-osc-2018-01")["date"],
        "2018-01-01"
    );
}

#[test]
fn a_rejected_append_leaves_the_ledger_unchanged() {
    let f = Fixture::with_agreement();
    let before = f.head();
    // lscsb was founded in 2010: a meeting of it in 2009 breaks a domain rule, so --append must
    // reject the whole batch, the new person and body included.
    let doc = f.root.join("m.txt");
    std::fs::write(
        &doc,
        "Leicestershire Safer Communities Strategy Board - Thursday, 5 March 2009 10.00 am\n\n1.\n\nApologies\n\nMinutes:\n\nApologies for absence were received from Cllr. Ann Bee (Melton Borough Council).\n",
    )
    .unwrap();
    f.cmd()
        .args([
            "import-minutes",
            doc.to_str().unwrap(),
            "--body",
            "lscsb",
            "--append",
        ])
        .assert()
        .code(3);
    assert_eq!(f.head(), before);
}

#[test]
fn unreadable_and_dateless_input_fail_clearly() {
    let f = Fixture::with_agreement();
    let missing = f.root.join("nope.txt");
    f.cmd()
        .args([
            "import-minutes",
            missing.to_str().unwrap(),
            "--body",
            "lscsb",
        ])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("nope.txt"));
    let binary = f.root.join("b.pdf");
    std::fs::write(&binary, b"%PDF-1.4\x00\x01\x02").unwrap();
    f.cmd()
        .args([
            "import-minutes",
            binary.to_str().unwrap(),
            "--body",
            "lscsb",
        ])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("not text or HTML"));
    f.cmd()
        .args([
            "import-minutes",
            seed("blaby-hb-csp-scrutiny-2017.txt").to_str().unwrap(),
            "--body",
            "x",
        ])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("--date"));
    f.cmd()
        .args(["import-minutes", "--help"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "proposed as a new person_registered",
        ));
}

#[test]
fn a_saved_moderngov_page_is_read_through_html() {
    let f = Fixture::with_agreement();
    let page = Path::new(ROOT).join("tests/fixtures/minutes/eastbrook-safer-2021-03-09.html");
    let summary = f.json(&[
        "import-minutes",
        page.to_str().unwrap(),
        "--body",
        "safer-eastbrook",
    ]);
    assert_eq!(summary["date"], "2021-03-09");
    assert_eq!(summary["found"]["present"], 5);
    let drafts = summary["draft_events"].as_array().unwrap();
    // Scripts, menus and the footer outside the ModernGov content are not read.
    assert!(!summary.to_string().contains("footer"));
    let res: Vec<&Value> = drafts
        .iter()
        .filter(|d| d["type"] == "resolution_passed")
        .collect();
    assert_eq!(res.len(), 4);
    // Every draft says where it came from and how sure the importer was.
    for d in drafts {
        let lines = &d["source"]["lines"];
        assert!(lines["first"].as_u64().unwrap() >= 1, "{d:#}");
        assert!(
            d["source"]["extraction"]["confidence_percent"]
                .as_u64()
                .unwrap()
                <= 100
        );
        assert!(d["id"].is_string());
    }
}
