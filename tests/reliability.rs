//! Reliability through the real binary: what an acknowledged command has put on stable storage
//! (strace), SIGKILL during `append` and `import`, a corpus of bad input, a full disk and a read-only
//! ledger, and writers racing for the same head. See docs/reliability.md for the figures.
//!
//! A crate root finds modules beside itself, so the modules in `tests/reliability/` are named by path.

#[path = "reliability/bad_input.rs"]
mod bad_input;
#[path = "reliability/concurrency.rs"]
mod concurrency;
#[path = "reliability/crash.rs"]
mod crash;
#[path = "reliability/durability.rs"]
mod durability;
#[path = "reliability/resources.rs"]
mod resources;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

/// The `minutebook` binary with `--ledger` set and the environment's ledger ignored.
pub fn minutebook(ledger: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_minutebook"));
    c.env_remove("MINUTEBOOK_LEDGER")
        .arg("--ledger")
        .arg(ledger);
    c
}

/// A person registration with a fixed id, so a test can look for exactly this event later.
pub fn person(key: &str, id: uuid::Uuid) -> Value {
    json!({
        "id": id, "type": "person_registered", "effective": "2014-09-25", "recorded_by": "clerk",
        "source": {"document": "LRSCSB minutes, 25 September 2014", "minute": "74"},
        "data": {"person": key, "name": format!("Person {key}")}
    })
}

pub fn jsonl(values: &[Value]) -> String {
    values.iter().map(|v| v.to_string() + "\n").collect()
}

/// Run to completion and return (exit code, stdout, stderr).
pub fn run(mut cmd: Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The head checkpoint (`SEQ:HEX`) after a passing `verify`, read through the binary. Not through the
/// library: a test process that opens a ledger holds its lock, and a child forked meanwhile by
/// another test thread inherits that lock until it execs, which would make a test's own
/// `minutebook` see the ledger as in use.
pub fn head(ledger: &Path) -> String {
    let (code, out, err) = run({
        let mut c = minutebook(ledger);
        c.args(["--json", "verify"]);
        c
    });
    assert_eq!(code, 0, "verify failed: {out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    v["head"]["checkpoint"].as_str().unwrap().to_owned()
}

pub struct Scratch {
    pub dir: tempfile::TempDir,
}

pub fn scratch() -> Scratch {
    Scratch {
        dir: tempfile::tempdir().unwrap(),
    }
}

impl Scratch {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// A new ledger holding the example ledger's first file.
    pub fn example_ledger(&self, name: &str) -> PathBuf {
        let ledger = self.path(name);
        let (code, _, err) = run({
            let mut c = minutebook(&ledger);
            c.arg("init");
            c
        });
        assert_eq!(code, 0, "{err}");
        let (code, _, err) = run({
            let mut c = minutebook(&ledger);
            c.args(["append", EXAMPLE_FIRST]);
            c
        });
        assert_eq!(code, 0, "{err}");
        ledger
    }
}

pub const EXAMPLE_FIRST: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../events/example/01-agreement-2011-13.jsonl"
);
