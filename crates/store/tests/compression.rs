//! Blocks compressed against a dictionary the ledger trains from its own first events: what is
//! read back, verified, exported and imported is byte for byte what was appended, and damage to a
//! compressed block or its dictionary is reported, not read past.

use minutebook_model::{Draft, parse_batch};
use minutebook_store::{Depth, Ledger, StoreError};
use serde_json::json;

/// Events before the ledger trains its dictionary (the store's `TRAIN_EVENTS`).
const TRAIN_EVENTS: usize = 16_384;

fn people(from: usize, n: usize) -> Vec<Draft> {
    let values: Vec<_> = (from..from + n)
        .map(|i| {
            json!({
                "type": "person_registered", "effective": "2014-09-25", "recorded_by": "clerk",
                "source": {"document": format!("Minutes of the board, item {}", i % 97)},
                "data": {"person": format!("p{i}"), "name": format!("Person {i} of ward {}", i % 13)}
            })
        })
        .collect();
    parse_batch(serde_json::to_string(&values).unwrap().as_bytes()).unwrap()
}

fn export(ledger: &Ledger) -> Vec<u8> {
    let mut out = Vec::new();
    ledger.export(&mut out).unwrap();
    out
}

/// The first byte of every stored block, in log order: 0 as it is, 1 compressed.
fn encodings(ledger: &Ledger) -> Vec<u8> {
    ledger
        .tamper_tree("log")
        .iter()
        .values()
        .map(|v| v.unwrap().first().copied().unwrap_or(0))
        .collect()
}

fn has_dictionary(ledger: &Ledger) -> bool {
    ledger
        .tamper_tree("meta")
        .scan_prefix(b"dict")
        .next()
        .is_some()
}

/// A ledger of 20,000 events appended in two batches: the first 16,384 stored as they are, the
/// rest compressed.
fn ledger_past_training() -> (tempfile::TempDir, Ledger, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::init(&dir.path().join("l")).unwrap();
    ledger.append(people(0, TRAIN_EVENTS), None).unwrap();
    assert!(
        !has_dictionary(&ledger),
        "no dictionary before the ledger holds enough events"
    );
    assert!(encodings(&ledger).iter().all(|&e| e == 0));
    ledger.append(people(TRAIN_EVENTS, 3_616), None).unwrap();
    let exported = export(&ledger);
    (dir, ledger, exported)
}

#[test]
fn blocks_after_training_are_compressed_and_read_back_byte_for_byte() {
    let (dir, ledger, exported) = ledger_past_training();
    assert!(has_dictionary(&ledger));
    let enc = encodings(&ledger);
    let first_compressed = enc.iter().position(|&e| e == 1).expect("compressed blocks");
    assert!(enc[..first_compressed].iter().all(|&e| e == 0));
    assert!(enc[first_compressed..].iter().all(|&e| e == 1), "{enc:?}");

    // The compressed blocks take well under half of what the same blocks took as they were.
    let log = ledger.tamper_tree("log");
    let stored: usize = log
        .iter()
        .values()
        .skip(first_compressed)
        .map(|v| v.unwrap().len())
        .sum();
    let events: usize = (TRAIN_EVENTS as u64 + 1..=20_000)
        .map(|seq| ledger.get(seq).unwrap().unwrap().bytes.len() + 44)
        .sum();
    assert!(
        stored * 2 < events,
        "{stored} stored for {events} of records"
    );

    assert_eq!(ledger.head().unwrap().seq, 20_000);
    for seq in [1, 16_384, 16_385, 17_000, 19_999, 20_000] {
        let one = ledger.get(seq).unwrap().unwrap();
        let line = exported
            .split(|&b| b == b'\n')
            .nth(seq as usize - 1)
            .unwrap();
        assert!(line.ends_with(&[b"\"event\":", &one.bytes[..], b"}"].concat()));
        assert_eq!(
            ledger.event(seq).unwrap().unwrap().id,
            one.event().unwrap().id
        );
    }
    let decoded: Vec<u64> = ledger
        .events_from(16_000)
        .unwrap()
        .map(|e| e.unwrap().0)
        .collect();
    assert_eq!(decoded, (16_000..=20_000).collect::<Vec<_>>());
    for depth in [Depth::Full, Depth::Chain] {
        assert_eq!(ledger.verify_to(None, depth).unwrap().events, 20_000);
    }

    // Appends after it, one at a time, are compressed too; reopening reads the same log.
    ledger.append(people(30_000, 5), None).unwrap();
    assert_eq!(*encodings(&ledger).last().unwrap(), 1);
    let before = export(&ledger);
    drop(ledger);
    let ledger = Ledger::open(&dir.path().join("l")).unwrap();
    assert_eq!(export(&ledger), before);
    assert!(before.starts_with(&exported));
}

#[test]
fn an_import_trains_from_its_first_lines_and_compresses_every_block() {
    let (dir, _ledger, exported) = ledger_past_training();
    let copy = Ledger::init(&dir.path().join("copy")).unwrap();
    let report = copy.import(&exported[..]).unwrap();
    assert_eq!(report.events, 20_000);
    let enc = encodings(&copy);
    assert!(enc.iter().all(|&e| e == 1), "{enc:?}");
    assert_eq!(export(&copy), exported);
    assert_eq!(copy.verify_to(None, Depth::Full).unwrap().events, 20_000);
}

#[test]
fn an_import_that_fails_after_training_keeps_neither_its_events_nor_its_dictionary() {
    let (dir, _ledger, exported) = ledger_past_training();
    // A line past the training size whose chain hash is wrong.
    let mut lines: Vec<Vec<u8>> = exported
        .split(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let at = 18_000;
    let line = String::from_utf8(lines[at].clone()).unwrap();
    let chain = line.split('"').nth(5).unwrap().to_owned();
    assert_eq!(chain.len(), 64, "{line}");
    let other = if chain.starts_with('0') { "1" } else { "0" };
    lines[at] = line
        .replacen(&chain, &format!("{other}{}", &chain[1..]), 1)
        .into_bytes();
    let broken = lines.join(&b'\n');
    let copy = Ledger::init(&dir.path().join("copy")).unwrap();
    let err = copy.import(&broken[..]).unwrap_err().to_string();
    assert!(err.contains("line 18001"), "{err}");
    assert_eq!(copy.head().unwrap().seq, 0);
    assert!(encodings(&copy).is_empty());
    assert!(!has_dictionary(&copy));
}

#[test]
fn a_dictionary_learnt_from_events_the_ledger_never_committed_is_dropped_on_open() {
    let (dir, ledger, exported) = ledger_past_training();
    // As an import that died after storing its dictionary and before writing a block leaves it.
    let path = dir.path().join("copy");
    let copy = Ledger::init(&path).unwrap();
    let (key, value) = ledger
        .tamper_tree("meta")
        .scan_prefix(b"dict")
        .next()
        .unwrap()
        .unwrap();
    copy.tamper_tree("meta").insert(key, value).unwrap();
    copy.flush().unwrap();
    drop(copy);
    let copy = Ledger::open(&path).unwrap();
    assert!(!has_dictionary(&copy));
    // The ledger that learnt from its own committed events keeps its dictionary.
    drop(ledger);
    let ledger = Ledger::open(&dir.path().join("l")).unwrap();
    assert!(has_dictionary(&ledger));
    assert_eq!(export(&ledger), exported);
}

#[test]
fn damage_to_a_compressed_block_or_its_dictionary_is_an_integrity_failure() {
    let (_dir, ledger, _) = ledger_past_training();
    let log = ledger.tamper_tree("log");
    let (key, value) = log.iter().last().unwrap().unwrap();
    let first = u64::from_be_bytes(key[..].try_into().unwrap());
    assert_eq!(value[0], 1);

    // A byte of the frame changed: it no longer inflates, or inflates to bytes the chain rejects.
    let mut damaged = value.to_vec();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x55;
    log.insert(&key, damaged).unwrap();
    for depth in [Depth::Full, Depth::Chain] {
        match ledger.verify_to(None, depth).unwrap_err() {
            StoreError::Integrity { seq, .. } => assert!(seq >= first, "{seq} < {first}"),
            other => panic!("{other}"),
        }
    }
    log.insert(&key, value).unwrap();
    assert!(ledger.verify_to(None, Depth::Full).is_ok());

    // The dictionary gone: every compressed block says which dictionary it needs.
    let meta = ledger.tamper_tree("meta");
    let (dict, bytes) = meta.scan_prefix(b"dict").next().unwrap().unwrap();
    meta.remove(&dict).unwrap();
    ledger.flush().unwrap();
    let path = ledger.path().to_owned();
    drop(ledger);
    let ledger = Ledger::open(&path).unwrap();
    let err = ledger
        .verify_to(None, Depth::Chain)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("dictionary 1, which the ledger does not hold"),
        "{err}"
    );
    assert!(ledger.get(20_000).is_err());
    assert!(
        ledger.get(1).unwrap().is_some(),
        "blocks stored as they are still read"
    );
    ledger.tamper_tree("meta").insert(dict, bytes).unwrap();
}

#[test]
fn threads_appending_past_the_training_size_at_once_train_one_dictionary_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = std::sync::Arc::new(Ledger::init(&dir.path().join("l")).unwrap());
    ledger.append(people(0, TRAIN_EVENTS - 100), None).unwrap();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let ledger = ledger.clone();
            std::thread::spawn(move || {
                for round in 0..5 {
                    let from = 100_000 * (w + 1) + 1_000 * round;
                    ledger.append(people(from, 200), None).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let total = TRAIN_EVENTS - 100 + 4 * 5 * 200;
    assert_eq!(ledger.head().unwrap().seq, total as u64);
    // Every block, whichever dictionary it was compressed against, reads back and verifies.
    assert!(encodings(&ledger).contains(&1));
    for depth in [Depth::Full, Depth::Chain] {
        assert_eq!(ledger.verify_to(None, depth).unwrap().events, total as u64);
    }
    let path = ledger.path().to_owned();
    let before = export(&ledger);
    drop(ledger);
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(export(&ledger), before);
}

#[test]
fn a_head_set_back_before_what_a_dictionary_learnt_keeps_the_dictionary_its_blocks_need() {
    let (dir, _ledger, exported) = ledger_past_training();
    let path = dir.path().join("copy");
    let copy = Ledger::init(&path).unwrap();
    copy.import(&exported[..]).unwrap();
    assert!(encodings(&copy).iter().all(|&e| e == 1));
    // The head rewritten to an earlier event (the log cut back to it), below the 16,384 events
    // the import's dictionary learnt from.
    let line = exported.split(|&b| b == b'\n').nth(99).unwrap();
    let line = std::str::from_utf8(line).unwrap();
    let chain = line.split('"').nth(5).unwrap();
    let mut head = 100u64.to_be_bytes().to_vec();
    head.extend((0..32).map(|i| u8::from_str_radix(&chain[2 * i..2 * i + 2], 16).unwrap()));
    copy.tamper_tree("meta").insert("head", head).unwrap();
    copy.flush().unwrap();
    drop(copy);
    let copy = Ledger::open(&path).unwrap();
    assert!(has_dictionary(&copy));
    assert_eq!(copy.verify_to(None, Depth::Full).unwrap().events, 100);
    assert!(copy.get(100).unwrap().is_some());
}
