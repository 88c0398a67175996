//! Writers in separate processes racing for one head through the binary. The lock admits one
//! process at a time: each round exactly one `append --expect-head` succeeds; the others are told
//! the ledger is in use (exit 5) or, if they open it after the winner, that the head moved (exit 4);
//! nothing is lost or duplicated.

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;

use super::{head, jsonl, minutebook, person, run, scratch};

const WRITERS: u128 = 6;

fn id(round: u128, writer: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(((round + 1) << 64) | (writer << 16))
}

/// 8 rounds in `cargo test`; `MINUTEBOOK_RACE_ROUNDS=N` for more.
fn rounds() -> u128 {
    std::env::var("MINUTEBOOK_RACE_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8)
}

#[test]
fn processes_racing_for_one_head_produce_one_winner_per_round() {
    let s = scratch();
    let ledger = s.example_ledger("ledger");
    let start: u64 = head(&ledger).split(':').next().unwrap().parse().unwrap();
    let mut winners = Vec::new();
    let (mut in_use, mut conflicts) = (0, 0);
    let rounds = rounds();
    for round in 0..rounds {
        let seq = start + round as u64;
        let children: Vec<_> = (0..WRITERS)
            .map(|writer| {
                // Staggered starts, so some writers open the ledger after the winner has finished
                // and meet a moved head rather than a held lock.
                std::thread::sleep(std::time::Duration::from_millis(4 * writer as u64));
                let mut c = minutebook(&ledger);
                c.args(["append", "--expect-head", &seq.to_string(), "-"])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped());
                let mut child = c.spawn().unwrap();
                let text = jsonl(&[person(
                    &format!("racer-{round}-{writer}"),
                    id(round, writer),
                )]);
                (
                    writer,
                    child.stdin.take().unwrap().write_all(text.as_bytes()),
                    child,
                )
            })
            .collect();
        let mut won = Vec::new();
        for (writer, written, child) in children {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            match out.status.code() {
                Some(0) => {
                    written.unwrap();
                    won.push(writer);
                }
                Some(4) => {
                    assert!(err.contains("conflict"), "{err}");
                    conflicts += 1;
                }
                Some(5) => {
                    assert!(err.contains("in use by another process"), "{err}");
                    in_use += 1;
                }
                other => panic!("round {round}, writer {writer}: exit {other:?}: {err}"),
            }
        }
        assert_eq!(won.len(), 1, "round {round}: winners {won:?}");
        winners.push(id(round, won[0]));
    }
    let (code, out, err) = run({
        let mut c = minutebook(&ledger);
        c.args(["export"]);
        c
    });
    assert_eq!(code, 0, "{err}");
    let ids: Vec<uuid::Uuid> = out
        .lines()
        .skip(start as usize)
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["event"]["id"].as_str().unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(
        ids, winners,
        "the log is not exactly the winners, once each"
    );
    head(&ledger);
    eprintln!(
        "processes: {rounds} rounds of {WRITERS} writers: {rounds} winners, {conflicts} conflicts (exit 4), \
         {in_use} in use (exit 5)"
    );
}
