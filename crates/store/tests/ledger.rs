//! The log's contract: atomic, idempotent, conflict-checked, tamper-evident, exportable.

use minutebook_model::{Draft, EventId, Rule, parse_batch};
use minutebook_store::{Depth, DerivedWrite, Ledger, StoreError};
use serde_json::json;

fn person(key: &str, id: Option<EventId>) -> serde_json::Value {
    let mut v = json!({
        "type": "person_registered", "effective": "2014-09-25", "recorded_by": "clerk",
        "source": {"document": "minutes"}, "data": {"person": key, "name": format!("Person {key}")}
    });
    if let Some(id) = id {
        v["id"] = json!(id);
    }
    v
}

fn drafts(values: &[serde_json::Value]) -> Vec<Draft> {
    parse_batch(serde_json::to_string(values).unwrap().as_bytes()).unwrap()
}

fn fresh() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::init(&dir.path().join("l")).unwrap();
    (dir, ledger)
}

#[test]
fn appends_are_sequenced_chained_and_readable() {
    let (_d, ledger) = fresh();
    let r = ledger
        .append(drafts(&[person("a", None), person("b", None)]), Some(0))
        .unwrap();
    assert_eq!(r.appended.len(), 2);
    assert_eq!(r.head.seq, 2);
    let r2 = ledger.append(drafts(&[person("c", None)]), None).unwrap();
    assert_eq!(r2.appended[0].0, 3);
    let all: Vec<_> = ledger.iter_from(1).unwrap().map(Result::unwrap).collect();
    assert_eq!(all.iter().map(|s| s.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(all[2].chain, ledger.head().unwrap().hash);
    let times: Vec<_> = all.iter().map(|s| s.event().unwrap().recorded_at).collect();
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "record time never decreases"
    );
    assert_eq!(ledger.seq_of(all[1].event().unwrap().id).unwrap(), Some(2));
    ledger.verify(None).unwrap();
}

#[test]
fn reappending_is_a_noop_and_other_content_under_the_same_id_is_rejected() {
    let (_d, ledger) = fresh();
    let id = EventId::new_v7();
    ledger
        .append(drafts(&[person("a", Some(id))]), None)
        .unwrap();
    let head = ledger.head().unwrap();
    let again = ledger
        .append(drafts(&[person("a", Some(id))]), None)
        .unwrap();
    assert!(again.appended.is_empty());
    assert_eq!(again.already_present, vec![(1, id)]);
    assert_eq!(ledger.head().unwrap(), head);
    let err = ledger
        .append(drafts(&[person("z", Some(id))]), None)
        .unwrap_err();
    let StoreError::Rejected(r) = err else {
        panic!("{err}")
    };
    assert_eq!(r[0].rule, Rule::IdCollision(id));
    assert_eq!(ledger.head().unwrap(), head);
}

#[test]
fn a_batch_with_one_bad_event_writes_nothing() {
    let (_d, ledger) = fresh();
    let mut bad = person("b", None);
    bad["supersedes"] = json!([EventId::new_v7()]);
    let err = ledger
        .append(drafts(&[person("a", None), bad]), None)
        .unwrap_err();
    let StoreError::Rejected(r) = err else {
        panic!("{err}")
    };
    assert_eq!(r[0].event.position, Some(2));
    assert_eq!(r[0].field, "supersedes");
    assert!(matches!(r[0].rule, Rule::UnknownSuperseded(_)));
    assert_eq!(ledger.head().unwrap().seq, 0);
    assert_eq!(ledger.iter_from(1).unwrap().count(), 0);
}

#[test]
fn duplicate_ids_within_a_batch_are_rejected() {
    let (_d, ledger) = fresh();
    let id = EventId::new_v7();
    let err = ledger
        .append(
            drafts(&[person("a", Some(id)), person("a", Some(id))]),
            None,
        )
        .unwrap_err();
    let StoreError::Rejected(r) = err else {
        panic!("{err}")
    };
    assert_eq!(r[0].rule, Rule::DuplicateInBatch(id));
}

#[test]
fn supersession_may_name_an_earlier_event_in_the_same_batch() {
    let (_d, ledger) = fresh();
    let id = EventId::new_v7();
    let mut fix = person("a2", None);
    fix["supersedes"] = json!([id]);
    ledger
        .append(drafts(&[person("a", Some(id)), fix]), None)
        .unwrap();
    assert_eq!(ledger.head().unwrap().seq, 2);
}

#[test]
fn a_stale_expected_head_is_a_conflict_and_writes_nothing() {
    let (_d, ledger) = fresh();
    ledger
        .append(drafts(&[person("a", None)]), Some(0))
        .unwrap();
    let err = ledger
        .append(drafts(&[person("b", None)]), Some(0))
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 0,
                actual: 1
            }
        ),
        "{err}"
    );
    assert_eq!(ledger.head().unwrap().seq, 1);
}

#[test]
fn a_second_opener_is_told_the_ledger_is_in_use() {
    let (dir, _ledger) = fresh();
    let err = Ledger::open(&dir.path().join("l")).err().unwrap();
    assert!(matches!(err, StoreError::InUse { .. }), "{err}");
    assert!(err.to_string().contains("in use"));
}

#[test]
fn opening_a_missing_ledger_says_how_to_create_one() {
    let dir = tempfile::tempdir().unwrap();
    let err = Ledger::open(&dir.path().join("nope")).err().unwrap();
    assert!(err.to_string().contains("minutebook init"), "{err}");
}

#[test]
fn changing_one_byte_of_a_stored_event_fails_verify_at_that_sequence() {
    let (_d, ledger) = fresh();
    ledger
        .append(
            drafts(&[person("a", None), person("b", None), person("c", None)]),
            None,
        )
        .unwrap();
    let mut bytes = ledger.get(2).unwrap().unwrap().bytes;
    let at = bytes.iter().position(|&b| b == b'P').unwrap(); // "Person b" -> "Qerson b"
    bytes[at] += 1;
    ledger.tamper_with_event(2, &bytes).unwrap();
    let err = ledger.verify(None).unwrap_err();
    assert!(matches!(err, StoreError::Integrity { seq: 2, .. }), "{err}");
}

#[test]
fn verify_checks_a_checkpoint() {
    let (_d, ledger) = fresh();
    ledger.append(drafts(&[person("a", None)]), None).unwrap();
    let cp = ledger.head().unwrap();
    ledger.append(drafts(&[person("b", None)]), None).unwrap();
    ledger.verify(Some(cp)).unwrap();
    let wrong = minutebook_store::Checkpoint {
        seq: 1,
        hash: minutebook_store::Hash([7; 32]),
    };
    assert!(matches!(
        ledger.verify(Some(wrong)),
        Err(StoreError::Integrity { seq: 1, .. })
    ));
    let beyond = minutebook_store::Checkpoint {
        seq: 5,
        hash: cp.hash,
    };
    assert!(matches!(
        ledger.verify(Some(beyond)),
        Err(StoreError::Integrity { seq: 3, .. })
    ));
}

#[test]
fn export_then_import_gives_the_same_head_and_bytes() {
    let (dir, ledger) = fresh();
    ledger
        .append(drafts(&[person("a", None), person("b", None)]), None)
        .unwrap();
    ledger.append(drafts(&[person("c", None)]), None).unwrap();
    let mut export = Vec::new();
    let head = ledger.export(&mut export).unwrap();
    let copy = Ledger::init(&dir.path().join("copy")).unwrap();
    let report = copy.import(&export[..]).unwrap();
    assert_eq!(report.head, head);
    assert_eq!(copy.head().unwrap(), head);
    copy.verify(None).unwrap();
    let mut again = Vec::new();
    copy.export(&mut again).unwrap();
    assert_eq!(again, export);
    // And appending carries on from the imported head.
    copy.append(drafts(&[person("d", None)]), Some(3)).unwrap();
}

/// Bytes of keys and values a raw tree holds.
fn tree_bytes(ledger: &Ledger, name: &str) -> u64 {
    ledger
        .tamper_tree(name)
        .iter()
        .map(|kv| kv.map(|(k, v)| (k.len() + v.len()) as u64).unwrap())
        .sum()
}

#[test]
fn what_an_import_and_its_clean_up_write_is_counted() {
    // `written` decides whether closing lets sled write a fresh snapshot, which keeps the next open
    // fast: an import's id entries, and the removals that clear an import cut off, count too.
    let (dir, ledger) = fresh();
    ledger
        .append(
            drafts(&[person("a", None), person("b", None), person("c", None)]),
            None,
        )
        .unwrap();
    let mut export = Vec::new();
    ledger.export(&mut export).unwrap();
    let path = dir.path().join("copy");
    let copy = Ledger::init(&path).unwrap();
    copy.import(&export[..]).unwrap();
    let stored = tree_bytes(&copy, "log") + tree_bytes(&copy, "ids");
    assert!(copy.written() >= stored, "{} < {stored}", copy.written());

    // An import that died before its head: the next open removes its blocks and id entries.
    copy.tamper_tree("meta").remove("head").unwrap();
    copy.flush().unwrap();
    drop(copy);
    let reopened = Ledger::open(&path).unwrap();
    assert_eq!(reopened.head().unwrap().seq, 0);
    assert_eq!(tree_bytes(&reopened, "ids"), 0);
    assert!(reopened.written() >= 3 * 16, "{}", reopened.written());
}

#[test]
fn import_rejects_reordered_lines_and_keeps_the_ledger_empty() {
    let (dir, ledger) = fresh();
    ledger
        .append(drafts(&[person("a", None), person("b", None)]), None)
        .unwrap();
    let mut export = Vec::new();
    ledger.export(&mut export).unwrap();
    let text = String::from_utf8(export).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let swapped = format!("{}\n{}\n", lines[1], lines[0]);
    let copy = Ledger::init(&dir.path().join("copy")).unwrap();
    let err = copy.import(swapped.as_bytes()).unwrap_err();
    assert!(matches!(err, StoreError::Import { line: 1, .. }), "{err}");
    assert_eq!(copy.head().unwrap().seq, 0);
    assert_eq!(copy.iter_from(1).unwrap().count(), 0);
    let err = copy
        .import(text.replace("Person b", "Person c").as_bytes())
        .unwrap_err();
    assert!(matches!(err, StoreError::Import { line: 2, .. }), "{err}");
    copy.import(text.as_bytes()).unwrap();
}

#[test]
fn import_needs_an_empty_ledger() {
    let (_d, ledger) = fresh();
    ledger.append(drafts(&[person("a", None)]), None).unwrap();
    let mut export = Vec::new();
    ledger.export(&mut export).unwrap();
    assert!(matches!(
        ledger.import(&export[..]),
        Err(StoreError::NotEmpty(1))
    ));
}

#[test]
fn derived_writes_commit_with_the_events_they_cover() {
    let (_d, ledger) = fresh();
    let count = |evs: &[(u64, minutebook_model::Event)]| {
        vec![DerivedWrite {
            name: "count",
            key: b"n".to_vec(),
            value: Some(evs.len().to_string().into_bytes()),
        }]
    };
    ledger
        .append_with(drafts(&[person("a", None), person("b", None)]), None, count)
        .unwrap();
    assert_eq!(
        ledger.derived("count", b"n").unwrap().as_deref(),
        Some(&b"2"[..])
    );
    let mut bad = person("c", None);
    bad["supersedes"] = json!([EventId::new_v7()]);
    ledger.append_with(drafts(&[bad]), None, count).unwrap_err();
    assert_eq!(
        ledger.derived("count", b"n").unwrap().as_deref(),
        Some(&b"2"[..]),
        "a rejected batch derives nothing"
    );
}

#[test]
fn a_ledger_reopens_with_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let head = {
        let ledger = Ledger::init(&path).unwrap();
        ledger
            .append(drafts(&[person("a", None)]), None)
            .unwrap()
            .head
    };
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.head().unwrap(), head);
    ledger.verify(None).unwrap();
    assert!(matches!(
        Ledger::init(&path),
        Err(StoreError::AlreadyExists { .. })
    ));
}

/// A ledger in the layout before blocks: one `events` key and one `chain` key per event, and `ids`
/// pointing at a bare sequence number. Written with sled directly, from an export of `source`.
fn write_unpacked_layout(source: &Ledger, dir: &std::path::Path) {
    let db = sled::open(dir.join("sled")).unwrap();
    let (events, chain, ids, meta) = (
        db.open_tree("events").unwrap(),
        db.open_tree("chain").unwrap(),
        db.open_tree("ids").unwrap(),
        db.open_tree("meta").unwrap(),
    );
    for stored in source.iter_from(1).unwrap() {
        let stored = stored.unwrap();
        let key = stored.seq.to_be_bytes();
        events.insert(key, stored.bytes.clone()).unwrap();
        chain.insert(key, &stored.chain.0).unwrap();
        ids.insert(stored.event().unwrap().id.0.as_bytes(), &key)
            .unwrap();
    }
    let head = source.head().unwrap();
    let mut value = head.seq.to_be_bytes().to_vec();
    value.extend_from_slice(&head.hash.0);
    meta.insert("head", value).unwrap();
    // An upgrade cut short before: a stray block, and one id entry already rewritten.
    db.open_tree("log")
        .unwrap()
        .insert(5u64.to_be_bytes(), &b"junk"[..])
        .unwrap();
    let (id, seq) = ids.first().unwrap().unwrap();
    let mut rewritten = seq.to_vec();
    rewritten.extend_from_slice(&99u64.to_be_bytes());
    ids.insert(id, rewritten).unwrap();
    db.flush().unwrap();
}

#[test]
fn a_ledger_in_the_layout_before_blocks_is_packed_when_opened_and_keeps_every_byte() {
    let (dir, source) = fresh();
    for chunk in (0..40).collect::<Vec<_>>().chunks(7) {
        let batch: Vec<_> = chunk
            .iter()
            .map(|i| person(&format!("p{i}"), None))
            .collect();
        source.append(drafts(&batch), None).unwrap();
    }
    let mut before = Vec::new();
    let head = source.export(&mut before).unwrap();
    let old = dir.path().join("old");
    write_unpacked_layout(&source, &old);
    drop(source);

    let ledger = Ledger::open(&old).unwrap();
    assert_eq!(ledger.verify(Some(head)).unwrap().events, 40);
    let mut after = Vec::new();
    ledger.export(&mut after).unwrap();
    assert_eq!(after, before, "the upgrade changed what the log holds");
    let appended = ledger
        .append(drafts(&[person("late", None)]), Some(40))
        .unwrap();
    assert_eq!(appended.head.seq, 41);
    ledger.verify(None).unwrap();
    drop(ledger);
    let db = sled::open(old.join("sled")).unwrap();
    let names: Vec<_> = db.tree_names().into_iter().map(|n| n.to_vec()).collect();
    assert!(!names.contains(&b"events".to_vec()) && !names.contains(&b"chain".to_vec()));
}

#[test]
fn verify_finds_the_first_event_the_id_index_fails_to_point_at() {
    let fresh_five = || {
        let (dir, ledger) = fresh();
        let batch: Vec<_> = (0..5).map(|i| person(&format!("p{i}"), None)).collect();
        let ids: Vec<EventId> = ledger
            .append(drafts(&batch), None)
            .unwrap()
            .appended
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        (dir, ledger, ids)
    };
    let at = |ledger: &Ledger| match ledger.verify(None) {
        Err(StoreError::Integrity { seq, what }) => (seq, what),
        other => panic!("verify said {other:?}"),
    };

    let (_d, ledger, ids) = fresh_five();
    ledger
        .tamper_tree("ids")
        .remove(ids[2].0.as_bytes())
        .unwrap();
    assert_eq!(
        at(&ledger),
        (
            3,
            format!("the id index does not point event {} here", ids[2])
        )
    );
    // The chain alone does not read the id index: it is derived, and no stored byte changed.
    let chain = ledger.verify_to(None, Depth::Chain).unwrap();
    assert_eq!((chain.events, chain.head), (5, ledger.head().unwrap()));

    let (_d, ledger, ids) = fresh_five();
    let ids_tree = ledger.tamper_tree("ids");
    let elsewhere = ids_tree.get(ids[3].0.as_bytes()).unwrap().unwrap();
    ids_tree.insert(ids[1].0.as_bytes(), elsewhere).unwrap();
    assert_eq!(at(&ledger).0, 2);

    let (_d, ledger, ids) = fresh_five();
    let ids_tree = ledger.tamper_tree("ids");
    let place = ids_tree.get(ids[0].0.as_bytes()).unwrap().unwrap();
    ids_tree
        .insert(EventId::new_v7().0.as_bytes(), place)
        .unwrap();
    assert_eq!(
        at(&ledger),
        (5, "the id index holds 6 ids for 5 events".into())
    );

    // Faults in the log and in the id index: the earlier sequence is reported, whichever it is.
    let (_d, ledger, ids) = fresh_five();
    ledger.tamper_with_event(4, b"{}").unwrap();
    ledger
        .tamper_tree("ids")
        .remove(ids[1].0.as_bytes())
        .unwrap();
    assert_eq!(at(&ledger).0, 2);
    let (_d, ledger, ids) = fresh_five();
    ledger.tamper_with_event(3, b"{}").unwrap();
    ledger
        .tamper_tree("ids")
        .remove(ids[4].0.as_bytes())
        .unwrap();
    assert_eq!(at(&ledger).0, 3);
}

#[test]
fn verify_finds_blocks_out_of_place_and_opening_repairs_the_tail_pointer() {
    let forty = || {
        let (dir, ledger) = fresh();
        let batch: Vec<_> = (0..40).map(|i| person(&format!("p{i}"), None)).collect();
        ledger.append(drafts(&batch), None).unwrap();
        (dir, ledger)
    };
    let fault = |ledger: &Ledger| match ledger.verify(None) {
        Err(StoreError::Integrity { seq, what }) => (seq, what),
        other => panic!("verify said {other:?}"),
    };

    // A stray value keyed inside the first block would hide events 3.. from readers.
    let (_d, ledger) = forty();
    ledger
        .tamper_tree("log")
        .insert(3u64.to_be_bytes(), &b""[..])
        .unwrap();
    assert_eq!(fault(&ledger).0, 3);

    // A record beyond the head, stored in a block before the head's.
    let (_d, ledger) = forty();
    let (bytes, chain) = ledger.tamper_record(1).unwrap().unwrap();
    ledger.tamper_set_record(45, Some((bytes, chain))).unwrap();
    let (seq, what) = fault(&ledger);
    assert_eq!(seq, 41, "{what}");
    assert!(what.contains("beyond the head"), "{what}");

    // A tail pointer that is wrong (or not a pointer at all) is set right when the ledger opens.
    let (dir, mut ledger) = forty();
    let path = dir.path().join("l");
    for (round, wrong) in [&b"x"[..], &1u64.to_be_bytes()[..]].into_iter().enumerate() {
        ledger.tamper_tree("meta").insert("tail", wrong).unwrap();
        drop(ledger);
        ledger = Ledger::open(&path).unwrap();
        let later = person(&format!("later{round}"), None);
        ledger.append(drafts(&[later]), None).unwrap();
        ledger.verify(None).unwrap();
    }
}

#[test]
fn an_old_layout_ledger_with_a_chain_hash_missing_opens_and_verify_names_the_event() {
    let (dir, source) = fresh();
    let batch: Vec<_> = (0..12).map(|i| person(&format!("p{i}"), None)).collect();
    source.append(drafts(&batch), None).unwrap();
    let old = dir.path().join("old");
    write_unpacked_layout(&source, &old);
    drop(source);
    let db = sled::open(old.join("sled")).unwrap();
    db.open_tree("chain")
        .unwrap()
        .remove(7u64.to_be_bytes())
        .unwrap();
    db.flush().unwrap();
    drop(db);
    let ledger = Ledger::open(&old).unwrap();
    match ledger.verify(None) {
        Err(StoreError::Integrity { seq: 7, what }) => {
            assert!(what.contains("chain hash"), "{what}")
        }
        other => panic!("verify said {other:?}"),
    }
}

/// `verify` reads the log on several threads, a span of 1,024 sequence numbers each; the check
/// must see every block in order across the spans' edges.
#[test]
fn verify_names_the_changed_event_at_every_edge_between_reading_spans() {
    let (_d, ledger) = fresh();
    let people: Vec<_> = (0..3_100).map(|i| person(&format!("p{i}"), None)).collect();
    ledger.append(drafts(&people), None).unwrap();
    for depth in [Depth::Full, Depth::Chain] {
        assert_eq!(ledger.verify_to(None, depth).unwrap().events, 3_100);
    }
    for seq in [1, 1_023, 1_024, 1_025, 2_048, 2_049, 3_072, 3_073, 3_100] {
        let (bytes, chain) = ledger.tamper_record(seq).unwrap().unwrap();
        let mut changed = bytes.clone();
        let at = changed.iter().position(|&b| b == b'P').unwrap();
        changed[at] = b'Q';
        ledger
            .tamper_set_record(seq, Some((changed, chain)))
            .unwrap();
        for depth in [Depth::Full, Depth::Chain] {
            match ledger.verify_to(None, depth).unwrap_err() {
                StoreError::Integrity { seq: found, .. } => assert_eq!(found, seq, "{depth:?}"),
                other => panic!("{other}"),
            }
        }
        // Removed instead: the gap is named at the same place.
        ledger.tamper_set_record(seq, None).unwrap();
        match ledger.verify_to(None, Depth::Chain).unwrap_err() {
            StoreError::Integrity { seq: found, .. } => assert_eq!(found, seq),
            other => panic!("{other}"),
        }
        ledger.tamper_set_record(seq, Some((bytes, chain))).unwrap();
        assert!(ledger.verify_to(None, Depth::Chain).is_ok());
    }
}

#[test]
fn verify_reports_a_head_far_beyond_the_log_without_reading_up_to_it() {
    let (_d, ledger) = fresh();
    let people: Vec<_> = (0..10).map(|i| person(&format!("p{i}"), None)).collect();
    ledger.append(drafts(&people), None).unwrap();
    let mut head = (1u64 << 40).to_be_bytes().to_vec();
    head.extend([0; 32]);
    ledger.tamper_tree("meta").insert("head", head).unwrap();
    let started = std::time::Instant::now();
    for depth in [Depth::Full, Depth::Chain] {
        match ledger.verify_to(None, depth).unwrap_err() {
            StoreError::Integrity { seq, what } => {
                assert_eq!(seq, 11, "{what}");
                assert!(what.contains("head is beyond"), "{what}");
            }
            other => panic!("{other}"),
        }
    }
    // Reading a span per 1,024 sequence numbers up to 2^40 would take hours, not this.
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

/// sled 0.34.7 writes a snapshot as it opens a database, to `snap.<lsn>.generating`, and reads the
/// newest-named snapshot file, unfinished ones included (spacejam/sled#1527). A process killed while
/// sled wrote one left a ledger that would not open ("Read corrupted data at file offset None").
#[test]
fn a_snapshot_sled_left_unfinished_when_killed_does_not_stop_the_ledger_opening() {
    let (dir, ledger) = fresh();
    let path = dir.path().join("l");
    ledger.append(drafts(&[person("a", None)]), None).unwrap();
    drop(ledger);
    // This open writes sled's snapshot of the first append; the appends after it are in the log only.
    let ledger = Ledger::open(&path).unwrap();
    ledger
        .append(drafts(&[person("b", None), person("c", None)]), None)
        .unwrap();
    let head = ledger.head().unwrap();
    drop(ledger);
    let sled_dir = path.join("sled");
    let finished: Vec<_> = std::fs::read_dir(&sled_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("snap.")
        })
        .collect();
    assert_eq!(finished.len(), 1, "one finished snapshot: {finished:?}");
    // The next open's snapshot, cut off half-way through by a kill: a later sequence number than the
    // finished one, and half of a snapshot's bytes.
    let bytes = std::fs::read(&finished[0]).unwrap();
    let unfinished = sled_dir.join("snap.00000000FFFFFFFF.generating");
    std::fs::write(&unfinished, &bytes[..bytes.len() / 2]).unwrap();

    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.head().unwrap(), head);
    assert_eq!(ledger.iter_from(1).unwrap().count(), 3);
    ledger.verify(None).unwrap();
    assert!(!unfinished.exists());
}
