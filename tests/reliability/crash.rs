//! SIGKILL of the real binary: `minutebook append` and `minutebook import` killed at random moments.
//! After every kill the ledger must verify against the checkpoint taken before, hold the batch if the
//! command reported success, and otherwise hold the whole batch or none of it. The library-level
//! harness in `crates/store/tests/crash.rs` runs many more kills; this one proves the binary's path,
//! and that the topic index matches the log after every kill (`minutebook index check`).
//!
//! 20 append kills and 5 import kills in `cargo test`;
//! `MINUTEBOOK_CRASH_KILLS=500 cargo test -p minutebook --test reliability crash -- --nocapture` for
//! a fifth of that number of each (at least the defaults).

use std::io::Write;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{jsonl, minutebook, person, run, scratch};

#[path = "../../crates/store/tests/common/seeded.rs"]
mod seeded;
use seeded::Rng;

fn kills(default: u64) -> u64 {
    std::env::var("MINUTEBOOK_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map_or(default, |n| (n / 5).max(default))
}

fn batch_ids(round: u64) -> Vec<uuid::Uuid> {
    (0..1 + round % 3)
        .map(|i| uuid::Uuid::from_u128((u128::from(round + 1) << 64) | u128::from(i)))
        .collect()
}

fn spawn_append(ledger: &Path, round: u64, head: u64) -> Child {
    let events: Vec<Value> = batch_ids(round)
        .iter()
        .enumerate()
        .map(|(i, id)| person(&format!("k{round}-{i}"), *id))
        .collect();
    let mut child = minutebook(ledger)
        .args(["append", "--expect-head", &head.to_string(), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The child may be killed before it reads its input; a broken pipe is then expected.
    let _ = child
        .stdin
        .take()
        .unwrap()
        .write_all(jsonl(&events).as_bytes());
    child
}

/// Kill after `delay` unless the child ended first; true if it reported success.
fn kill_after(mut child: Child, delay: Duration) -> bool {
    let deadline = Instant::now() + delay;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            assert!(
                status.success(),
                "the command failed on its own: {status}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return true;
        }
        if Instant::now() >= deadline {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return false;
        }
        std::thread::sleep(Duration::from_micros(300));
    }
}

/// `verify --expect` (or plain `verify`), returning the head as (seq, "SEQ:HEX").
fn verify(ledger: &Path, expect: Option<&str>) -> (u64, String) {
    let (code, out, err) = run({
        let mut c = minutebook(ledger);
        c.args(["--json", "verify"]);
        if let Some(cp) = expect {
            c.args(["--expect", cp]);
        }
        c
    });
    assert_eq!(code, 0, "verify failed after a kill: {out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let cp = v["head"]["checkpoint"].as_str().unwrap().to_owned();
    (cp.split(':').next().unwrap().parse().unwrap(), cp)
}

/// The topic index matches the log, as it stands (an append writes its entries with its events).
fn index_sound(ledger: &Path) {
    let (code, out, err) = run({
        let mut c = minutebook(ledger);
        c.args(["--json", "index", "check"]);
        c
    });
    assert_eq!(code, 0, "index check failed after a kill: {out}{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sound"], true, "{v:#}");
}

fn export(ledger: &Path) -> String {
    let (code, out, err) = run({
        let mut c = minutebook(ledger);
        c.arg("export");
        c
    });
    assert_eq!(code, 0, "{err}");
    out
}

fn ids_after(ledger: &Path, seq: u64) -> Vec<uuid::Uuid> {
    export(ledger)
        .lines()
        .skip(seq as usize)
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["event"]["id"].as_str().unwrap().parse().unwrap()
        })
        .collect()
}

#[test]
fn the_binary_killed_mid_append_or_mid_import_keeps_every_acknowledged_batch_whole() {
    let mut rng = Rng::from_env("MINUTEBOOK_CRASH_SEED", "binary crash");
    let s = scratch();
    let ledger = s.path("ledger");
    assert_eq!(
        run({
            let mut c = minutebook(&ledger);
            c.arg("init");
            c
        })
        .0,
        0
    );
    // How long a whole append takes, to spread the kills over it.
    let started = Instant::now();
    assert!(kill_after(
        spawn_append(&ledger, 0, 0),
        Duration::from_secs(60)
    ));
    let whole = started.elapsed();
    let (mut seq, mut checkpoint) = verify(&ledger, None);
    let (mut acked, mut landed_unacked, mut lost_unacked) = (1, 0, 0);
    let append_kills = kills(20);
    for round in 1..=append_kills {
        let window = whole.as_micros() as u64 * 3 / 2;
        let ok = kill_after(
            spawn_append(&ledger, round, seq),
            Duration::from_micros(rng.below(window)),
        );
        let (new_seq, new_cp) = verify(&ledger, Some(&checkpoint));
        index_sound(&ledger);
        let got = ids_after(&ledger, seq);
        let ids = batch_ids(round);
        if ok {
            assert_eq!(
                got, ids,
                "round {round}: an acknowledged batch is not there whole"
            );
            acked += 1;
        } else if got == ids {
            landed_unacked += 1;
        } else {
            assert!(got.is_empty(), "round {round}: part of a batch: {got:?}");
            lost_unacked += 1;
        }
        (seq, checkpoint) = (new_seq, new_cp);
    }
    assert!(kill_after(
        spawn_append(&ledger, append_kills + 1, seq),
        Duration::from_secs(60)
    ));
    verify(&ledger, Some(&checkpoint));

    // Imports of the ledger's export into a fresh directory, killed at random moments.
    let file = s.write("export.jsonl", export(&ledger));
    let (full, _) = verify(&ledger, None);
    let started = Instant::now();
    let target = s.path("timing");
    let import = |target: &Path| {
        minutebook(target)
            .arg("import")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    assert!(kill_after(import(&target), Duration::from_secs(60)));
    let whole_import = started.elapsed();
    let (mut empty, mut complete, mut absent) = (0, 0, 0);
    let import_kills = kills(5);
    for round in 0..import_kills {
        let target = s.path(&format!("import{round}"));
        let window = whole_import.as_micros() as u64 * 3 / 2;
        let ok = kill_after(import(&target), Duration::from_micros(rng.below(window)));
        if !target.join("sled").exists() {
            assert!(!ok);
            absent += 1;
            continue;
        }
        let (got, _) = verify(&target, None);
        if got == 0 {
            assert!(!ok, "an acknowledged import is empty");
            empty += 1;
        } else {
            assert_eq!(got, full, "a partial import is visible");
            assert_eq!(export(&target), export(&ledger));
            // A kill between an import's head and its indexing leaves the index to catch up.
            assert_eq!(
                run({
                    let mut c = minutebook(&target);
                    c.args(["index", "update"]);
                    c
                })
                .0,
                0
            );
            index_sound(&target);
            complete += 1;
        }
    }
    eprintln!(
        "binary crash: {append_kills} SIGKILLs of `minutebook append` ({acked} acknowledged batches present, \
         {landed_unacked} unacknowledged landed whole, {lost_unacked} absent whole); {import_kills} of \
         `minutebook import` ({empty} empty, {complete} complete, {absent} killed before the ledger \
         existed)"
    );
}
