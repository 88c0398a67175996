//! Compliance reviews of the example ledger through the binary, and the HTML report in a real browser.

use std::path::{Path, PathBuf};
use std::process::Command as Process;

mod support;

use serde_json::Value;
use support::Demo;

fn review(d: &Demo, extra: &[&str]) -> Value {
    let out = d
        .cmd()
        .args([
            "review",
            "lscsb",
            "--from",
            "2011-01-01",
            "--to",
            "2014-12-31",
            "--format",
            "json",
        ])
        .args(extra)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

#[test]
fn the_example_board_review_reports_what_the_seeds_show() {
    let d = Demo::new();
    let report = review(&d, &[]);

    // The terms of reference of 2011 went unreviewed until the 2014 revision.
    let tor = findings(&report, "tor-reviewed");
    assert_eq!(tor.len(), 1, "{report:#}");
    assert_eq!(tor[0]["date"], "2012-01-01");
    assert!(
        tor[0]["explanation"]
            .as_str()
            .unwrap()
            .contains("they were next revised on 2014-09-25")
    );
    assert_eq!(tor[0]["evidence"][0]["type"], "tor_adopted");

    // The £1 difference against £160,094, and its likely cause.
    let totals = findings(&report, "totals-reconcile");
    let csp = totals
        .iter()
        .find(|f| f["explanation"].as_str().unwrap().contains("£160,094.00"))
        .expect("the CSP total");
    let text = csp["explanation"].as_str().unwrap();
    assert!(
        text.contains("add to £160,093.00: a difference of -£1.00"),
        "{text}"
    );
    assert!(text.contains("rounding is the likely cause"), "{text}");
    assert_eq!(
        csp["evidence"].as_array().unwrap().len(),
        8,
        "the stated total and the seven allocations"
    );

    // The December 2014 actions with no discharge recorded.
    let actions: Vec<_> = findings(&report, "actions-discharged")
        .into_iter()
        .filter(|f| f["date"] == "2014-12-11")
        .collect();
    assert_eq!(actions.len(), 3, "{report:#}");
    for a in &actions {
        assert!(
            a["explanation"]
                .as_str()
                .unwrap()
                .contains("was not discharged")
        );
        assert_eq!(a["evidence"][0]["type"], "action_assigned");
    }

    // Known now, the next-meeting times no longer contradict each other...
    assert!(findings(&report, "no-contradictions").is_empty());
    // ...but as known before the correction was recorded, they do.
    let before = review(&d, &["--known-at", &format!("seq:{}", d.head() - 1)]);
    let contradiction = findings(&before, "no-contradictions");
    assert_eq!(contradiction.len(), 1, "{before:#}");
    assert_eq!(contradiction[0]["date"], "2014-09-25");
    let text = contradiction[0]["explanation"].as_str().unwrap();
    assert!(text.contains("10:00") && text.contains("14:00"), "{text}");
    assert_eq!(contradiction[0]["evidence"].as_array().unwrap().len(), 2);

    // Rules that could not be checked are listed, not passed.
    let quorum = report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "tor-quorum")
        .unwrap();
    assert_eq!(quorum["coverage"]["status"], "not_checkable");
    assert!(
        quorum["coverage"]["missing"]
            .as_str()
            .unwrap()
            .contains("state no quorum")
    );
}

#[test]
fn the_csp_pack_checks_representation_and_scrutiny() {
    let d = Demo::new();
    let report = review(&d, &["--rules", "csp-england"]);
    let represented = findings(&report, "csp-responsible-authorities");
    assert!(
        represented
            .iter()
            .any(|f| f["explanation"].as_str().unwrap().contains(
                "\"health: clinical commissioning group\" from 2013-04-01 to 2014-12-31"
            )),
        "{report:#}"
    );
    assert!(
        represented
            .iter()
            .all(|f| f["basis"]["source"] == "Crime and Disorder Act 1998"
                && f["basis"]["section"] == "s.5")
    );
    // The same pack from the file in the repository.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules/csp-england.json");
    let from_file = review(&d, &["--rules", file.to_str().unwrap()]);
    assert_eq!(from_file["findings"], report["findings"]);
    // The merged CSP was scrutinised by the joint committee in 2017.
    let out = d
        .cmd()
        .args([
            "review",
            "blaby-hb-csp",
            "--from",
            "2017-01-01",
            "--to",
            "2017-12-31",
            "--rules",
            "csp-england",
            "--format",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csp: Value = serde_json::from_slice(&out).unwrap();
    let scrutiny = csp["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "csp-scrutiny")
        .unwrap();
    assert_eq!(scrutiny["coverage"]["status"], "checked", "{csp:#}");
    assert!(findings(&csp, "csp-scrutiny").is_empty(), "{csp:#}");
}

#[test]
fn a_period_with_nothing_to_report_says_so() {
    let d = Demo::new();
    let text = d.text(&[
        "review",
        "opcc",
        "--from",
        "2013-01-01",
        "--to",
        "2013-12-31",
    ]);
    assert!(
        text.contains("Nothing to report for Office of the Police and Crime Commissioner"),
        "{text}"
    );
    assert!(
        text.contains("could not be checked for want of data"),
        "{text}"
    );
    assert!(text.contains("NOT CHECKED"), "{text}");
}

#[test]
fn markdown_and_errors() {
    let d = Demo::new();
    let md = d.text(&[
        "review",
        "lscsb",
        "--from",
        "2011-01-01",
        "--to",
        "2014-12-31",
        "--format",
        "md",
    ]);
    assert!(md.starts_with("# Compliance review: "));
    assert!(
        md.contains("\n## Findings\n\n| #"),
        "a GitHub table follows the heading:\n{md}"
    );
    assert!(md.contains("|----"), "{md}");
    d.cmd()
        .args([
            "review",
            "nobody",
            "--from",
            "2011-01-01",
            "--to",
            "2014-12-31",
        ])
        .assert()
        .code(1);
    d.cmd()
        .args([
            "review",
            "lscsb",
            "--from",
            "2014-01-01",
            "--to",
            "2011-12-31",
        ])
        .assert()
        .code(1);
    let bad = d.dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"name": "x", "rules": [{"id": "a", "title": "a", "severity": "low", "check": "seats_filled", "grace_dayz": 3}]}"#).unwrap();
    let err = d
        .cmd()
        .args([
            "review",
            "lscsb",
            "--from",
            "2011-01-01",
            "--to",
            "2014-12-31",
            "--rules",
            bad.to_str().unwrap(),
        ])
        .assert()
        .code(1);
    let err = String::from_utf8(err.get_output().stderr.clone()).unwrap();
    assert!(err.contains("grace_dayz"), "{err}");
}

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

/// The HTML report is one self-contained file; a real browser renders it, and its own DOM (not our
/// string) shows the summary, a findings table, and evidence for every finding.
#[test]
fn the_html_report_renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("MINUTEBOOK_REQUIRE_BROWSER").is_none(),
            "MINUTEBOOK_REQUIRE_BROWSER is set but no Chromium is installed (apt-get install chromium)"
        );
        eprintln!(
            "SKIPPED: no Chromium installed; .ci/run installs it and sets MINUTEBOOK_REQUIRE_BROWSER=1"
        );
        return;
    };
    let d = Demo::new();
    let html = d.dir.path().join("review.html");
    d.cmd()
        .args([
            "review",
            "lscsb",
            "--from",
            "2011-01-01",
            "--to",
            "2014-12-31",
            "--format",
            "html",
            "--out",
            html.to_str().unwrap(),
        ])
        .assert()
        .success();
    let source = std::fs::read_to_string(&html).unwrap();
    assert!(
        !source.contains("<link") && !source.contains("src=\"http"),
        "self-contained: nothing fetched"
    );
    let profile = d.dir.path().join("chrome-profile");
    let chrome = |extra: &[&str]| {
        let out = Process::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(format!("file://{}", html.display()))
            .output()
            .expect("chromium runs");
        assert!(
            out.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    // The DOM as the browser built it.
    let dom = String::from_utf8(chrome(&["--dump-dom"]).stdout).unwrap();
    let rows = dom.matches("<tr class=\"finding\"").count();
    let expected: usize = source
        .split("data-findings=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(expected > 0);
    assert_eq!(
        rows, expected,
        "every finding is a row of the rendered table"
    );
    for n in 1..=expected {
        assert!(
            dom.contains(&format!("<section class=\"evidence\" id=\"ev{n}\">")),
            "finding {n} has its evidence section"
        );
    }
    assert!(dom.contains("id=\"summary\""));
    // And it paints: a screenshot of a non-trivial size.
    let png = d.dir.path().join("review.png");
    chrome(&[
        &format!("--screenshot={}", png.display()),
        "--window-size=1280,1600",
    ]);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    assert!(
        bytes.len() > 50_000,
        "a rendered page, not a blank one ({} bytes)",
        bytes.len()
    );
}
