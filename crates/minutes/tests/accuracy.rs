//! Precision and recall of the importer against hand-labelled facts, per kind of fact, over every
//! fixture in tests/fixtures/minutes (a document and its `.expected.json`). Run with `--nocapture`
//! to see the table; docs/importer.md records it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use minutebook_minutes::{Finding, Known, Options, import, read, score};
use serde::Deserialize;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/minutes");

#[derive(Deserialize)]
struct Expected {
    #[allow(dead_code)]
    about: String,
    body: String,
    #[serde(default)]
    date: Option<NaiveDate>,
    facts: Vec<Finding>,
}

fn fixtures() -> Vec<(PathBuf, Expected)> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".expected.json"))
        else {
            continue;
        };
        let doc = ["txt", "html"]
            .iter()
            .map(|ext| Path::new(FIXTURES).join(format!("{stem}.{ext}")))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("no document for {}", path.display()));
        let expected: Expected = serde_json::from_slice(&std::fs::read(&path).unwrap())
            .unwrap_or_else(|e| {
                panic!("{}: {e}", path.display());
            });
        out.push((doc, expected));
    }
    out
}

fn found(doc: &Path, expected: &Expected) -> Vec<Finding> {
    let reading = read(&std::fs::read(doc).unwrap()).unwrap();
    let opts = Options {
        body: expected.body.parse().unwrap(),
        date: expected.date,
        document: None,
        url: None,
        recorded_by: "accuracy-test".into(),
    };
    let import = import(&reading, &opts, &Known::default()).unwrap();
    import.facts.into_iter().filter_map(|f| f.finding).collect()
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

#[test]
fn precision_and_recall_per_kind() {
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 4,
        "the seeds and at least two other house styles"
    );
    let mut totals: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut report = String::new();
    for (doc, expected) in &fixtures {
        let mine = found(doc, expected);
        let rows = score(&mine, &expected.facts);
        let (tp, n_found, n_expected) = rows
            .iter()
            .fold((0, 0, 0), |acc, r| (acc.0 + r.1, acc.1 + r.2, acc.2 + r.3));
        report.push_str(&format!(
            "{}: precision {:.2} recall {:.2} ({tp} right of {n_found} found, {n_expected} expected)\n",
            doc.file_name().unwrap().to_string_lossy(),
            ratio(tp, n_found),
            ratio(tp, n_expected)
        ));
        for (kind, tp, f, e) in &rows {
            let t = totals.entry(kind.clone()).or_default();
            t.0 += tp;
            t.1 += f;
            t.2 += e;
        }
        // What was missed and what was extra, so a failing run says why.
        for e in &expected.facts {
            if !mine.contains(e) {
                report.push_str(&format!(
                    "    missed: {}\n",
                    serde_json::to_string(e).unwrap()
                ));
            }
        }
        for m in &mine {
            if !expected.facts.contains(m) {
                report.push_str(&format!(
                    "    extra:  {}\n",
                    serde_json::to_string(m).unwrap()
                ));
            }
        }
    }
    report.push_str("\nkind               precision  recall   (right/found/expected)\n");
    let (mut tp, mut f, mut e) = (0, 0, 0);
    for (kind, (t, fo, ex)) in &totals {
        report.push_str(&format!(
            "{kind:<18} {:>9.2} {:>7.2}   ({t}/{fo}/{ex})\n",
            ratio(*t, *fo),
            ratio(*t, *ex)
        ));
        tp += t;
        f += fo;
        e += ex;
    }
    report.push_str(&format!(
        "{:<18} {:>9.2} {:>7.2}   ({tp}/{f}/{e})\n",
        "all",
        ratio(tp, f),
        ratio(tp, e)
    ));
    println!("{report}");
    // Floors a little under what the importer achieves, so a regression fails the build.
    assert!(ratio(tp, f) >= 0.90, "precision fell:\n{report}");
    assert!(ratio(tp, e) >= 0.90, "recall fell:\n{report}");
    for (kind, (t, fo, ex)) in &totals {
        assert!(
            ratio(*t, *ex) >= 0.6 && ratio(*t, *fo) >= 0.6,
            "{kind} fell below 0.6:\n{report}"
        );
    }
}
