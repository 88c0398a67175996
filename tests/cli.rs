//! End-to-end behaviour of the `minutebook` binary on real ledgers in temporary directories.

mod support;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

const EXAMPLE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/example");

struct Fixture {
    _dir: tempfile::TempDir,
    ledger: PathBuf,
    root: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_owned();
        let ledger = root.join("ledger");
        let f = Fixture {
            _dir: dir,
            ledger,
            root,
        };
        f.run(&["init"]).success();
        f
    }

    fn cmd(&self) -> Command {
        support::on(&self.ledger)
    }

    fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.cmd().args(args).assert()
    }

    fn json(&self, args: &[&str]) -> Value {
        support::json(&self.ledger, args)
    }

    fn head(&self) -> String {
        self.json(&["verify"])["head"]["checkpoint"]
            .as_str()
            .unwrap()
            .to_string()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.root.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn append_text(&self, text: &str) -> assert_cmd::assert::Assert {
        self.cmd()
            .args(["--json", "append", "-"])
            .write_stdin(text.to_string())
            .assert()
    }

    fn append_example(&self) {
        for file in example_files() {
            self.run(&["append", file.to_str().unwrap()]).success();
        }
    }
}

fn example_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(EXAMPLE_DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    files
}

fn event(kind: &str, data: Value) -> Value {
    json!({
        "type": kind, "effective": "2014-09-25", "recorded_by": "clerk",
        "source": {"document": "LRSCSB minutes, 25 September 2014", "minute": "74"},
        "data": data,
    })
}

fn registered(key: &str) -> Value {
    event(
        "person_registered",
        json!({"person": key, "name": format!("Person {key}")}),
    )
}

fn lines(values: &[Value]) -> String {
    values.iter().map(|v| v.to_string() + "\n").collect()
}

#[test]
fn help_explains_every_command() {
    let top = Command::cargo_bin("minutebook")
        .unwrap()
        .arg("--help")
        .assert()
        .success();
    let text = String::from_utf8(top.get_output().stdout.clone()).unwrap();
    assert!(text.contains("Exit codes:"), "{text}");
    for sub in [
        "init", "append", "log", "show", "verify", "export", "import", "demo", "schema",
    ] {
        assert!(text.contains(sub), "top-level help lists {sub}");
        let help = Command::cargo_bin("minutebook")
            .unwrap()
            .args([sub, "--help"])
            .assert()
            .success();
        let help = String::from_utf8(help.get_output().stdout.clone()).unwrap();
        assert!(
            help.lines().count() >= 5,
            "`{sub} --help` explains itself:\n{help}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    Command::cargo_bin("minutebook")
        .unwrap()
        .arg("frobnicate")
        .assert()
        .code(2);
}

#[test]
fn the_example_ledger_appends_verifies_and_survives_export_and_import() {
    let f = Fixture::new();
    f.append_example();
    let verified = f.json(&["verify"]);
    assert!(verified["events"].as_u64().unwrap() > 50, "{verified}");
    let export = f.root.join("export.jsonl");
    f.run(&["export", "--out", export.to_str().unwrap()])
        .success();

    let copy = f.root.join("copy");
    let imported = Command::cargo_bin("minutebook")
        .unwrap()
        .args([
            "--json",
            "--ledger",
            copy.to_str().unwrap(),
            "import",
            export.to_str().unwrap(),
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let imported: Value = serde_json::from_slice(&imported).unwrap();
    assert_eq!(imported["head"], verified["head"]);

    let again = Command::cargo_bin("minutebook")
        .unwrap()
        .args(["--ledger", copy.to_str().unwrap(), "export"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        again,
        std::fs::read(&export).unwrap(),
        "byte-identical export"
    );
}

#[test]
fn reappending_the_example_is_a_reported_noop() {
    let f = Fixture::new();
    f.append_example();
    let head = f.head();
    let first = example_files()[0].clone();
    let out = f.json(&["append", first.to_str().unwrap()]);
    assert_eq!(out["appended"], json!([]));
    assert!(!out["already_present"].as_array().unwrap().is_empty());
    assert_eq!(f.head(), head);
}

#[test]
fn same_id_with_other_content_is_rejected() {
    let f = Fixture::new();
    let mut e = registered("a");
    e["id"] = json!("0190f5c3-0000-7000-8000-000000000001");
    f.append_text(&lines(&[e.clone()])).success();
    let head = f.head();
    e["data"]["name"] = json!("Someone Else");
    let out = f
        .append_text(&lines(&[e]))
        .code(3)
        .get_output()
        .stdout
        .clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert!(out["message"].as_str().unwrap().contains("rejected"));
    assert!(
        out["rejections"][0]["rule"]
            .as_str()
            .unwrap()
            .contains("already in the ledger with different content")
    );
    assert_eq!(f.head(), head);
}

#[test]
fn a_stale_expected_head_is_a_conflict() {
    let f = Fixture::new();
    let file = f.write("one.jsonl", &lines(&[registered("a")]));
    f.run(&["append", "--expect-head", "0", file.to_str().unwrap()])
        .success();
    let head = f.head();
    let file = f.write("two.jsonl", &lines(&[registered("b")]));
    let out = f
        .run(&["append", "--expect-head", "0", file.to_str().unwrap()])
        .code(4);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("expected head sequence 0, but the ledger is at 1"),
        "{err}"
    );
    assert_eq!(f.head(), head);
}

#[test]
fn a_second_process_gets_in_use() {
    let f = Fixture::new();
    let _held = minutebook_store::Ledger::open(&f.ledger).unwrap();
    let out = f.run(&["log"]).code(5);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("in use by another process"), "{err}");
}

#[test]
fn a_changed_byte_fails_verify_naming_the_sequence() {
    let f = Fixture::new();
    f.append_text(&lines(&[registered("a"), registered("b"), registered("c")]))
        .success();
    {
        let ledger = minutebook_store::Ledger::open(&f.ledger).unwrap();
        let mut bytes = ledger.get(2).unwrap().unwrap().bytes;
        let at = bytes.iter().position(|&b| b == b'P').unwrap();
        bytes[at] ^= 0x20; // "Person" -> "person"
        ledger.tamper_with_event(2, &bytes).unwrap();
    }
    let out = f.run(&["verify"]).code(6);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("integrity failure at sequence 2"), "{err}");
    let out = f
        .cmd()
        .args(["--json", "verify"])
        .assert()
        .code(6)
        .get_output()
        .stdout
        .clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(out["seq"], json!(2));
    let out = f.run(&["verify", "--chain-only"]).code(6);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("integrity failure at sequence 2"), "{err}");
}

#[test]
fn verify_chain_only_says_what_it_checked() {
    let f = Fixture::new();
    f.append_text(&lines(&[registered("a"), registered("b")]))
        .success();
    let checkpoint = f.head();
    let out = f.json(&["verify", "--chain-only", "--expect", &checkpoint]);
    assert_eq!(
        (&out["checked"], &out["events"], &out["head"]["checkpoint"]),
        (&json!("chain"), &json!(2), &json!(checkpoint))
    );
    let out = f.run(&["verify"]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(!text.contains("chain only"), "{text}");
    let out = f.run(&["verify", "--chain-only"]).success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("verified (the chain only)"), "{text}");
}

#[test]
fn verify_detects_a_rewritten_history_against_a_checkpoint() {
    let f = Fixture::new();
    f.append_text(&lines(&[registered("a")])).success();
    let checkpoint = f.head();
    f.run(&["verify", "--expect", &checkpoint]).success();
    f.run(&[
        "verify",
        "--expect",
        "1:00000000000000000000000000000000000000000000000000000000000000ff",
    ])
    .code(6);
    f.run(&["verify", "--expect", "nonsense"]).code(2);
}

/// Each structural rule: the message names the event, the field and the rule; exit 3; head unchanged.
#[test]
fn every_structural_rule_is_enforced_through_the_binary() {
    let f = Fixture::new();
    f.append_text(&lines(&[registered("existing")])).success();
    let head = f.head();
    let unknown_id = "0190f5c3-0000-7000-8000-0000000000ff";
    let mut missing_source = registered("x");
    missing_source.as_object_mut().unwrap().remove("source");
    let mut bad_date = registered("x");
    bad_date["effective"] = json!("2014-13-45");
    let mut supersedes_unknown = registered("x");
    supersedes_unknown["supersedes"] = json!([unknown_id]);
    let mut stamped = registered("x");
    stamped["recorded_at"] = json!("2014-09-25T10:00:00Z");
    let allocation = |amount: Value, from: &str, to: &str| {
        event(
            "funding_allocated",
            json!({
                "allocation": "blaby-2011", "fund": "csf", "funder": "lcc", "recipient": "blaby",
                "amount": amount, "period": {"from": from, "to": to}
            }),
        )
    };
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "unknown type",
            lines(&[event("board_exploded", json!({}))]),
            "type",
            "not an event type",
        ),
        (
            "missing field",
            lines(&[event("body_founded", json!({"body": "b", "kind": "board"}))]),
            "data.name",
            "is required",
        ),
        (
            "missing envelope field",
            lines(&[missing_source]),
            "source",
            "is required",
        ),
        (
            "unknown field",
            lines(&[event(
                "body_renamed",
                json!({"body": "b", "name": "B", "nmae": "x"}),
            )]),
            "data.nmae",
            "not a field",
        ),
        (
            "period ends before it starts",
            lines(&[allocation(json!(100), "2011-09-30", "2011-04-01")]),
            "data.period.to",
            "before it starts",
        ),
        (
            "negative amount",
            lines(&[allocation(json!(-100), "2011-04-01", "2011-09-30")]),
            "data.amount",
            "must not be negative",
        ),
        (
            "overflowing amount",
            lines(&[allocation(json!(u64::MAX), "2011-04-01", "2011-09-30")]),
            "data.amount",
            "overflows",
        ),
        (
            "fractional amount",
            lines(&[allocation(json!(22380.5), "2011-04-01", "2011-09-30")]),
            "data.amount",
            "whole number of pence",
        ),
        (
            "malformed date",
            lines(&[bad_date]),
            "effective",
            "YYYY-MM-DD",
        ),
        (
            "empty name",
            lines(&[event(
                "person_registered",
                json!({"person": "p", "name": ""}),
            )]),
            "data.name",
            "must not be empty",
        ),
        (
            "superseding an unknown id",
            lines(&[supersedes_unknown]),
            "supersedes",
            "neither in the ledger nor earlier in this batch",
        ),
        (
            "recorded_at supplied",
            lines(&[stamped]),
            "recorded_at",
            "stamped by the ledger",
        ),
        (
            "bad key",
            lines(&[event(
                "body_renamed",
                json!({"body": "two words", "name": "B"}),
            )]),
            "data.body",
            "must be a key",
        ),
        (
            "not JSON",
            "{\"type\": \n".to_string(),
            "",
            "not valid JSON",
        ),
    ];
    for (name, input, field, words) in cases {
        let out = f.append_text(&input).code(3).get_output().stdout.clone();
        let out: Value = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = &out["rejections"][0];
        assert_eq!(r["field"], json!(field), "{name}: {out:#}");
        assert!(
            r["rule"].as_str().unwrap().contains(words),
            "{name}: {out:#}"
        );
        assert_eq!(
            r["event"]["position"],
            json!(1),
            "{name}: names the event: {out:#}"
        );
        assert!(
            r["message"].as_str().unwrap().starts_with("event #1"),
            "{name}: {out:#}"
        );
        assert_eq!(f.head(), head, "{name}: the ledger is unchanged");
    }
    // Human output names event, field and rule on stderr.
    let out = f
        .cmd()
        .args(["append", "-"])
        .write_stdin(lines(&[event(
            "person_registered",
            json!({"person": "p", "name": ""}),
        )]))
        .assert()
        .code(3);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        err.contains("event #1 (line 1): field `data.name` must not be empty"),
        "{err}"
    );
}

#[test]
fn a_batch_with_one_bad_event_appends_nothing() {
    let f = Fixture::new();
    let head = f.head();
    let batch = json!([
        registered("a"),
        registered("b"),
        event("person_registered", json!({"person": "c", "name": " "}))
    ]);
    let out = f
        .append_text(&batch.to_string())
        .code(3)
        .get_output()
        .stdout
        .clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(out["rejections"].as_array().unwrap().len(), 1);
    assert_eq!(out["rejections"][0]["event"]["position"], json!(3));
    assert_eq!(f.head(), head);
    assert_eq!(f.json(&["log"]), json!([]));
}

#[test]
fn log_filters_by_type_body_and_date_and_orders() {
    let f = Fixture::new();
    let mut later = event(
        "body_founded",
        json!({"body": "nps", "name": "National Probation Service", "kind": "authority"}),
    );
    later["effective"] = json!("2014-06-01");
    f.append_text(&lines(&[
        event(
            "body_founded",
            json!({"body": "lrscsb", "name": "Board", "kind": "board"}),
        ),
        registered("a"),
        later,
    ]))
    .success();
    let seqs = |v: Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(seqs(f.json(&["log"])), [1, 2, 3]);
    assert_eq!(seqs(f.json(&["log", "--newest"])), [3, 2, 1]);
    assert_eq!(seqs(f.json(&["log", "--type", "body_founded"])), [1, 3]);
    assert_eq!(seqs(f.json(&["log", "--body", "nps"])), [3]);
    assert_eq!(seqs(f.json(&["log", "--to", "2014-07-01"])), [3]);
    assert_eq!(
        seqs(f.json(&["log", "--from", "2014-09-25", "--limit", "1"])),
        [1]
    );
    f.run(&["log", "--type", "nonsense"]).code(2);
    let table = f.run(&["log"]).success().get_output().stdout.clone();
    assert!(
        String::from_utf8(table)
            .unwrap()
            .contains("person_registered")
    );
    // The filters look for the key or type in the stored bytes before decoding: a person whose
    // key is the body's, or a body whose key begins with it, or a name holding a type's tag, is
    // decoded and left out, not listed.
    f.append_text(&lines(&[
        registered("nps"),
        event(
            "body_founded",
            json!({"body": "nps2", "name": "nps body_founded", "kind": "authority"}),
        ),
        event(
            "person_registered",
            json!({"person": "q", "name": "body_founded"}),
        ),
    ]))
    .success();
    assert_eq!(seqs(f.json(&["log", "--body", "nps"])), [3]);
    assert_eq!(seqs(f.json(&["log", "--body", "nps2"])), [5]);
    assert_eq!(seqs(f.json(&["log", "--type", "body_founded"])), [1, 3, 5]);
    assert_eq!(
        seqs(f.json(&["log", "--type", "person_registered", "--body", "nps"])),
        Vec::<u64>::new()
    );
}

#[test]
fn show_by_id_or_sequence() {
    let f = Fixture::new();
    f.append_text(&lines(&[registered("a")])).success();
    let by_seq = f.json(&["show", "1"]);
    let id = by_seq["event"]["id"].as_str().unwrap().to_string();
    assert_eq!(f.json(&["show", &id]), by_seq);
    f.run(&["show", "7"]).code(1);
    f.run(&["show", "0190f5c3-0000-7000-8000-0000000000ff"])
        .code(1);
}

#[test]
fn commands_on_a_missing_ledger_say_how_to_create_one() {
    let out = Command::cargo_bin("minutebook")
        .unwrap()
        .args(["--ledger", "/nonexistent/ledger", "log"])
        .assert()
        .code(1);
    let err = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(err.contains("minutebook init"), "{err}");
}

#[test]
fn demo_loads_and_verifies_the_example() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo");
    let out = Command::cargo_bin("minutebook")
        .unwrap()
        .args(["--json", "demo", "--dir", path.to_str().unwrap()])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        out["batches"].as_array().unwrap().len(),
        example_files().len()
    );
    assert!(Path::new(&path).join("sled").is_dir());
    let bodies = out["bodies"].as_array().unwrap();
    assert!(
        bodies
            .iter()
            .any(|b| b["name"]
                == json!("Leicestershire and Rutland Safer Communities Strategy Board")),
        "{out:#}"
    );
}

#[test]
fn the_checked_in_schema_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/schema");
    for (file, args) in [
        ("draft.schema.json", vec!["schema"]),
        ("event.schema.json", vec!["schema", "--stored"]),
    ] {
        let out = Command::cargo_bin("minutebook")
            .unwrap()
            .args(&args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let checked_in = std::fs::read_to_string(root.join(file)).unwrap_or_default();
        assert!(
            checked_in == String::from_utf8(out).unwrap(),
            "events/schema/{file} is stale: regenerate with `cargo run -q -- {} > events/schema/{file}`",
            args.join(" ")
        );
    }
}

#[test]
fn generated_ledgers_are_deterministic_and_append_in_batches() {
    let f = Fixture::new();
    let generate = |seed: &str| {
        Command::cargo_bin("minutebook")
            .unwrap()
            .args([
                "generate", "--events", "3000", "--bodies", "5", "--seed", seed,
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone()
    };
    let a = generate("9");
    assert_eq!(a, generate("9"), "the same seed gives the same bytes");
    assert_ne!(a, generate("10"));
    assert_eq!(a.iter().filter(|&&b| b == b'\n').count(), 3000);
    let file = f.root.join("gen.jsonl");
    std::fs::write(&file, &a).unwrap();
    let out = f.json(&["append", "--batch-size", "1000", file.to_str().unwrap()]);
    assert_eq!(out["batches"], 3);
    assert_eq!(out["appended"], 3000);
    assert_eq!(out["head"]["seq"], 3000);
    assert_eq!(f.json(&["verify"])["events"], 3000);
    // Again: every event is already present, nothing is written.
    let again = f.json(&["append", "--batch-size", "1000", file.to_str().unwrap()]);
    assert_eq!(again["appended"], 0);
    assert_eq!(again["already_present"], 3000);

    // Checked against a whole world in memory instead of through the index: the same ledger.
    let g = Fixture::new();
    let out = g.json(&[
        "append",
        "--batch-size",
        "700",
        "--world-in-memory",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out["appended"], 3000);
    assert_eq!(g.json(&["index", "check"])["sound"], true);
    let export = |f: &Fixture| -> Vec<Value> {
        f.json(&["log", "--limit", "5000"])
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"]["id"].clone())
            .collect()
    };
    assert_eq!(export(&g), export(&f));
    let questions: [&[&str]; 2] = [
        &["members", "b1", "--at", "2012-06-30"],
        &["tor", "show", "b2", "--at", "2015-01-01"],
    ];
    // The same answers, but for when each batch was recorded.
    fn unstamped(v: Value) -> Value {
        match v {
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .filter(|(k, _)| k != "recorded_at")
                    .map(|(k, v)| (k, unstamped(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.into_iter().map(unstamped).collect()),
            other => other,
        }
    }
    for q in questions {
        let answer = unstamped(g.json(q));
        assert_ne!(answer, json!(null));
        assert_eq!(answer, unstamped(f.json(q)), "{q:?}");
    }
}

#[test]
fn a_rejected_batch_names_its_place_and_keeps_the_batches_before_it() {
    let f = Fixture::new();
    let good = lines(&[registered("a"), registered("b")]);
    let bad = lines(&[event(
        "person_registered",
        json!({"person": "c", "name": ""}),
    )]);
    let file = f.write("mixed.jsonl", &(good + &bad));
    let out = f
        .cmd()
        .args([
            "--json",
            "append",
            "--batch-size",
            "2",
            file.to_str().unwrap(),
        ])
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(out["rejections"][0]["event"]["position"], 3, "{out:#}");
    assert_eq!(out["rejections"][0]["event"]["line"], 3, "{out:#}");
    assert_eq!(
        f.json(&["verify"])["events"],
        2,
        "the first batch stays appended"
    );
}

/// A reader that stops early (`| head`) ends the command quietly, as SIGPIPE ends any Unix tool, not
/// with a panic about a broken pipe.
#[test]
fn a_closed_pipe_ends_output_quietly() {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let f = Fixture::new();
    // More than a pipe holds (64 KiB), so the writer meets the closed end.
    let big = f.root.join("big.jsonl");
    f.run(&[
        "generate",
        "--events",
        "1000",
        "--out",
        big.to_str().unwrap(),
    ])
    .success();
    f.run(&["append", "--batch-size", "500", big.to_str().unwrap()])
        .success();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("minutebook"))
        .env_remove("MINUTEBOOK_LEDGER")
        .arg("--ledger")
        .arg(&f.ledger)
        .args(["--json", "log"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is closed here: the rest of the log has nowhere to go.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
        "{:?}: {stderr}",
        out.status
    );
}
