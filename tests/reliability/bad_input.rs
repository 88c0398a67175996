//! The bad-input corpus (`tests/bad-input/`): every malformed or invalid submission is rejected with
//! its expected exit code and message, leaves the head unchanged, and panics nothing.

use std::path::{Path, PathBuf};

use super::{Scratch, head, minutebook, run, scratch};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/bad-input");

struct Expected {
    exit: i32,
    messages: Vec<String>,
}

fn expected(path: &Path) -> Expected {
    let text = std::fs::read_to_string(path).unwrap();
    let mut exit = None;
    let mut messages = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match line.split_once(' ') {
            Some(("exit", code)) => exit = Some(code.trim().parse().unwrap()),
            Some(("message", fragment)) => messages.push(fragment.to_owned()),
            _ => panic!("{}: cannot read {line:?}", path.display()),
        }
    }
    Expected {
        exit: exit.unwrap_or_else(|| panic!("{}: no exit line", path.display())),
        messages,
    }
}

/// Submit `input` and return what is wrong with the outcome, if anything.
fn check(ledger: &Path, input: &Path, want: &Expected) -> Option<String> {
    let before = head(ledger);
    let (code, out, err) = run({
        let mut c = minutebook(ledger);
        c.arg("append").arg(input);
        c
    });
    let text = format!("{out}{err}");
    let mut problems = Vec::new();
    if err.contains("panicked") || code == 101 {
        problems.push("panicked".to_owned());
    }
    if code != want.exit {
        problems.push(format!("exit {code}, expected {}", want.exit));
    }
    for m in &want.messages {
        if !text.contains(m.as_str()) {
            problems.push(format!("no {m:?} in the output"));
        }
    }
    if head(ledger) != before {
        problems.push("the head moved".to_owned());
    }
    (!problems.is_empty()).then(|| {
        let shown: String = text.chars().take(400).collect();
        format!("{}: {}\n    {shown}", input.display(), problems.join("; "))
    })
}

fn corpus() -> Vec<(PathBuf, PathBuf)> {
    let mut cases = Vec::new();
    let mut sidecars = 0;
    for entry in std::fs::read_dir(CORPUS).unwrap() {
        let path = entry.unwrap().path();
        match path.extension().and_then(|e| e.to_str()) {
            Some("expected") => sidecars += 1,
            Some("md") => {}
            _ => {
                let sidecar = path.with_extension("expected");
                assert!(sidecar.exists(), "{} has no .expected", path.display());
                cases.push((path, sidecar));
            }
        }
    }
    assert_eq!(sidecars, cases.len(), "an .expected file has no input");
    cases.sort();
    cases
}

#[test]
fn every_bad_input_is_rejected_as_expected_and_leaves_the_head_unchanged() {
    let s = scratch();
    let ledger = s.example_ledger("ledger");
    let cases = corpus();
    assert!(cases.len() >= 40, "the corpus shrank to {}", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(input, sidecar)| check(&ledger, input, &expected(sidecar)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} bad inputs were not handled as expected:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let (code, _, err) = run({
        let mut c = minutebook(&ledger);
        c.arg("verify");
        c
    });
    assert_eq!(code, 0, "{err}");
    eprintln!(
        "bad input: {} corpus cases rejected as expected",
        cases.len()
    );
}

fn generated(s: &Scratch, name: &str, text: &[u8]) -> PathBuf {
    s.write(name, text)
}

#[test]
fn inputs_too_big_for_the_corpus_are_rejected_without_harm() {
    let s = scratch();
    let ledger = s.example_ledger("ledger");
    let event = |name: &str| {
        format!(
            r#"{{"type":"person_registered","effective":"2014-09-25","recorded_by":"clerk","source":{{"document":"m"}},"data":{{"person":"p","name":"{name}"}}}}"#
        )
    };
    let huge = generated(&s, "huge.json", event(&"x".repeat(16 << 20)).as_bytes());
    let deep = generated(
        &s,
        "deep.json",
        format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000)).as_bytes(),
    );
    let many_bad = generated(
        &s,
        "many.jsonl",
        (0..20_000)
            .map(|_| event("") + "\n")
            .collect::<String>()
            .as_bytes(),
    );
    let cases = [
        (
            huge,
            Expected {
                exit: 3,
                messages: vec!["data.name".into(), "at most 1000".into()],
            },
        ),
        (
            deep,
            Expected {
                exit: 3,
                messages: vec!["recursion limit".into()],
            },
        ),
        (
            many_bad,
            Expected {
                exit: 3,
                messages: vec![
                    "the batch was rejected (20000 problem(s))".into(),
                    "and 19950 more".into(),
                ],
            },
        ),
    ];
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(input, want)| check(&ledger, input, want))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
