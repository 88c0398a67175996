//! Many writers, one expected head: threads sharing one `Ledger` race to append at the same head.
//! Each round exactly one wins, every other gets `Conflict` naming the head it lost to, and the log
//! holds exactly the winners' batches, in round order, once each.

use std::sync::{Arc, Barrier};

use minutebook_model::{Draft, EventId, parse_batch};
use minutebook_store::{Ledger, StoreError};
use serde_json::json;

const WRITERS: u64 = 8;

/// 25 rounds in `cargo test`; `MINUTEBOOK_RACE_ROUNDS=N` for more.
fn rounds() -> u64 {
    std::env::var("MINUTEBOOK_RACE_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25)
}

fn id(round: u64, writer: u64, i: u64) -> EventId {
    EventId(uuid::Uuid::from_u128(
        (u128::from(round + 1) << 64) | (u128::from(writer) << 16) | u128::from(i),
    ))
}

fn batch_len(round: u64, writer: u64) -> u64 {
    1 + (round + writer) % 3
}

fn batch(round: u64, writer: u64) -> Vec<Draft> {
    let events: Vec<_> = (0..batch_len(round, writer))
        .map(|i| {
            json!({
                "id": id(round, writer, i), "type": "person_registered", "effective": "2014-09-25",
                "recorded_by": format!("writer{writer}"), "source": {"document": "race"},
                "data": {"person": format!("p{round}-{writer}-{i}"), "name": "Racer"}
            })
        })
        .collect();
    parse_batch(serde_json::to_string(&events).unwrap().as_bytes()).unwrap()
}

#[test]
fn threads_racing_for_one_head_produce_one_winner_per_round_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Arc::new(Ledger::init(&dir.path().join("l")).unwrap());
    let mut winners = Vec::new();
    let rounds = rounds();
    for round in 0..rounds {
        let head = ledger.head().unwrap().seq;
        let barrier = Arc::new(Barrier::new(WRITERS as usize));
        let handles: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let (ledger, barrier) = (Arc::clone(&ledger), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    let drafts = batch(round, writer);
                    barrier.wait();
                    (writer, ledger.append(drafts, Some(head)))
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let won: Vec<u64> = results
            .iter()
            .filter(|(_, r)| r.is_ok())
            .map(|(w, _)| *w)
            .collect();
        assert_eq!(won.len(), 1, "round {round}: winners {won:?}");
        let winner = won[0];
        let new_head = head + batch_len(round, winner);
        for (writer, result) in results {
            match result {
                Ok(report) => assert_eq!(report.head.seq, new_head),
                Err(StoreError::Conflict { expected, actual }) => {
                    assert_eq!((expected, actual), (head, new_head), "writer {writer}")
                }
                Err(e) => panic!("round {round}, writer {writer}: {e}"),
            }
        }
        winners.push((round, winner));
    }
    ledger.verify(None).unwrap();
    let logged: Vec<EventId> = ledger
        .iter_from(1)
        .unwrap()
        .map(|s| s.unwrap().event().unwrap().id)
        .collect();
    let expected: Vec<EventId> = winners
        .iter()
        .flat_map(|&(r, w)| (0..batch_len(r, w)).map(move |i| id(r, w, i)))
        .collect();
    assert_eq!(
        logged, expected,
        "the log is not exactly the winners' batches"
    );
    eprintln!(
        "threads: {rounds} rounds of {WRITERS} writers: {rounds} winners, {} conflicts, {} events",
        rounds * (WRITERS - 1),
        logged.len()
    );
}
