//! Shared by the end-to-end tests: a fresh ledger holding the example, and the binary pointed at it.

#![allow(dead_code)] // each test target uses its own part of this module

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

/// The binary, on the ledger at `ledger` (whatever `MINUTEBOOK_LEDGER` says).
pub fn on(ledger: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("minutebook").unwrap();
    c.env_remove("MINUTEBOOK_LEDGER")
        .arg("--ledger")
        .arg(ledger);
    c
}

/// Run on `ledger` with `--json`, expect success, parse stdout.
pub fn json(ledger: &std::path::Path, args: &[&str]) -> Value {
    let out = on(ledger)
        .arg("--json")
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

/// The example ledger, loaded by `minutebook demo` into a temporary directory.
pub struct Demo {
    pub dir: tempfile::TempDir,
    pub ledger: PathBuf,
    /// What `demo --json` printed.
    pub demo: Value,
}

impl Demo {
    pub fn new() -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger");
        let out = Command::cargo_bin("minutebook")
            .unwrap()
            .args(["--json", "demo", "--dir", ledger.to_str().unwrap()])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        Demo {
            dir,
            ledger,
            demo: serde_json::from_slice(&out).unwrap(),
        }
    }

    /// The binary, on this ledger.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("minutebook").unwrap();
        c.env_remove("MINUTEBOOK_LEDGER")
            .arg("--ledger")
            .arg(&self.ledger);
        c
    }

    /// Run with `--json`, expect success, parse stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self
            .cmd()
            .arg("--json")
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        serde_json::from_slice(&out).unwrap()
    }

    /// Run without `--json`, expect success, return stdout as text.
    pub fn text(&self, args: &[&str]) -> String {
        let out = self
            .cmd()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    }

    pub fn head(&self) -> u64 {
        self.demo["head"]["seq"].as_u64().unwrap()
    }
}
