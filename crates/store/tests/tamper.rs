//! Tamper evidence, by random trial: single-byte changes, deletions, duplications, reorderings and
//! truncations of an export and of the stored events. Every change must be detected by `import` or
//! `verify`, at the line or sequence where it was made. Cutting off the tail is the documented limit:
//! it is detected only against a checkpoint kept elsewhere (`verify --expect`), which is tested too.
//!
//! `cargo test` runs 600 export and 600 stored-event cases. More:
//! `MINUTEBOOK_TAMPER_CASES=100000 cargo test --release -p minutebook-store --test tamper -- --nocapture`.
//! `MINUTEBOOK_TAMPER_SEED=N` replays one run.

use std::collections::BTreeMap;

use minutebook_model::{Draft, EventId, parse_batch};
use minutebook_store::{Checkpoint, Depth, Hash, Ledger, StoreError, check_export};
use serde_json::json;

#[path = "common/seeded.rs"]
mod seeded;
use seeded::Rng;

fn rng() -> Rng {
    Rng::from_env("MINUTEBOOK_TAMPER_SEED", "tamper")
}

fn cases() -> usize {
    std::env::var("MINUTEBOOK_TAMPER_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600)
}

const EVENTS: usize = 30;

/// Durability is not under test here, so use memory-backed storage where there is some: the trials
/// create and sync many scratch ledgers.
fn scratch_dir() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    }
}

/// A ledger of 30 events in a few batches, some superseding earlier ones, so the checks that depend on
/// order (supersession, record time, the id index) all have something to catch.
fn original(dir: &std::path::Path) -> (Ledger, Vec<u8>) {
    let ledger = Ledger::init(&dir.join("original")).unwrap();
    let mut ids: Vec<EventId> = Vec::new();
    for batch in 0..6 {
        let events: Vec<_> = (0..EVENTS / 6)
            .map(|i| {
                let id = EventId::new_v7();
                let mut e = json!({
                    "id": id, "type": "person_registered", "effective": "2014-09-25",
                    "recorded_by": "clerk", "source": {"document": "minutes", "minute": format!("{batch}.{i}")},
                    "data": {"person": format!("p{batch}-{i}"), "name": format!("Person {batch} {i}")}
                });
                if i == 2 && batch > 0 {
                    e["supersedes"] = json!([ids[ids.len() - 3]]);
                }
                ids.push(id);
                e
            })
            .collect();
        let drafts: Vec<Draft> =
            parse_batch(serde_json::to_string(&events).unwrap().as_bytes()).unwrap();
        ledger.append(drafts, None).unwrap();
    }
    let mut export = Vec::new();
    ledger.export(&mut export).unwrap();
    (ledger, export)
}

fn lines(export: &[u8]) -> Vec<Vec<u8>> {
    export
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// What a correct detector must say about a changed export.
#[derive(Debug)]
enum Expect {
    /// `import` fails naming this line.
    ImportFailsAt(u64),
    /// The tail was cut off after this many events: `import` accepts the prefix, and
    /// `verify --expect` with the original head fails at the first missing sequence.
    Truncated(u64),
}

fn mutate_export(rng: &mut Rng, export: &[u8]) -> (&'static str, Vec<u8>, Expect) {
    let lines = lines(export);
    let n = lines.len();
    let line_of = |pos: usize| {
        let mut end = 0;
        for (i, l) in lines.iter().enumerate() {
            end += l.len();
            if pos < end {
                return i as u64 + 1;
            }
        }
        unreachable!()
    };
    match rng.below(5) {
        0 => {
            let pos = rng.below(export.len());
            let mut out = export.to_vec();
            let new = (out[pos] as usize + 1 + rng.below(255)) as u8; // never the same byte
            out[pos] = new;
            ("byte changed", out, Expect::ImportFailsAt(line_of(pos)))
        }
        1 => {
            let k = rng.below(n);
            let mut l = lines.clone();
            l.remove(k);
            let expect = if k + 1 == n {
                Expect::Truncated(k as u64)
            } else {
                Expect::ImportFailsAt(k as u64 + 1)
            };
            ("line deleted", l.concat(), expect)
        }
        2 => {
            let k = rng.below(n);
            let mut l = lines.clone();
            l.insert(k + 1, lines[k].clone());
            (
                "line duplicated",
                l.concat(),
                Expect::ImportFailsAt(k as u64 + 2),
            )
        }
        3 => {
            let i = rng.below(n - 1);
            let j = i + 1 + rng.below(n - i - 1);
            let mut l = lines.clone();
            l.swap(i, j);
            (
                "lines reordered",
                l.concat(),
                Expect::ImportFailsAt(i as u64 + 1),
            )
        }
        _ => {
            let pos = rng.below(export.len());
            let out = export[..pos].to_vec();
            let expect = if pos == 0 || export[pos - 1] == b'\n' {
                Expect::Truncated(out.iter().filter(|&&b| b == b'\n').count() as u64)
            } else {
                Expect::ImportFailsAt(line_of(pos))
            };
            ("truncated", out, expect)
        }
    }
}

#[test]
fn every_change_to_an_export_is_detected_where_it_was_made() {
    let dir = scratch_dir();
    let (ledger, export) = original(dir.path());
    let head = ledger.head().unwrap();
    let mut rng = rng();
    let mut fresh = 0;
    let mut scratch = Ledger::init(&dir.path().join("scratch0")).unwrap();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut tail_cuts = 0;
    let n = cases();
    for case in 0..n {
        let (kind, changed, expect) = mutate_export(&mut rng, &export);
        assert_ne!(changed, export);
        *by_kind.entry(kind).or_default() += 1;
        let checked = check_export(&changed[..]);
        let result = scratch.import(&changed[..]);
        match (&checked, &result) {
            (Ok(head), Ok(report)) => assert_eq!(*head, report.head),
            (Err(StoreError::Import { line: a, .. }), Err(StoreError::Import { line: b, .. })) => {
                assert_eq!(a, b)
            }
            _ => panic!("case {case}: check_export and import disagree"),
        }
        match (&expect, result) {
            (Expect::ImportFailsAt(line), Err(StoreError::Import { line: got, what })) => {
                assert_eq!(
                    got, *line,
                    "case {case}, {kind}: reported at line {got} ({what}), changed at line {line}"
                );
                assert_eq!(
                    scratch.head().unwrap(),
                    Checkpoint::default(),
                    "a failed import kept something"
                );
            }
            (Expect::Truncated(kept), Ok(report)) => {
                assert_eq!(report.events, *kept, "case {case}");
                let err = scratch.verify(Some(head)).unwrap_err();
                let StoreError::Integrity { seq, .. } = err else {
                    panic!("case {case}: {err}")
                };
                assert_eq!(seq, kept + 1, "case {case}: {kind}");
                tail_cuts += 1;
                fresh += 1;
                scratch = Ledger::init(&dir.path().join(format!("scratch{fresh}"))).unwrap();
            }
            (expect, got) => panic!(
                "case {case}, {kind}: expected {expect:?}, got {:?}",
                got.map(|r| r.head)
            ),
        }
    }
    eprintln!(
        "export tamper: {n} changed exports, {n} detected at the changed line ({by_kind:?}); \
         {tail_cuts} were tail cuts, detected against the original checkpoint"
    );
}

/// The stored bytes and chain hash at `seq`.
type Record = Option<(Vec<u8>, Hash)>;

fn get(ledger: &Ledger, seq: u64) -> Record {
    ledger.tamper_record(seq).unwrap()
}

fn put(ledger: &Ledger, seq: u64, record: Record) {
    ledger.tamper_set_record(seq, record).unwrap()
}

#[test]
fn every_change_to_stored_events_is_detected_by_verify_and_by_import_of_their_export() {
    let dir = scratch_dir();
    let (ledger, export) = original(dir.path());
    let head = ledger.head().unwrap();
    let n_events = head.seq;
    let mut rng = rng();
    let mut scratch = Ledger::init(&dir.path().join("scratch")).unwrap();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let n = cases();
    for case in 0..n {
        // Every stored record a case touches, to be put back afterwards.
        let mut saved: Vec<(u64, Record)> = Vec::new();
        let mut save = |seq: u64| saved.push((seq, get(&ledger, seq)));
        let k = 1 + rng.below(n_events as usize) as u64;
        let (kind, at, cut) = match rng.below(6) {
            0 => {
                save(k);
                let (mut bytes, chain) = get(&ledger, k).unwrap();
                let pos = rng.below(bytes.len());
                bytes[pos] = (bytes[pos] as usize + 1 + rng.below(255)) as u8;
                put(&ledger, k, Some((bytes, chain)));
                ("event byte changed", k, false)
            }
            1 => {
                save(k);
                let (bytes, mut chain) = get(&ledger, k).unwrap();
                let pos = rng.below(chain.0.len());
                chain.0[pos] ^= 1 << rng.below(8);
                put(&ledger, k, Some((bytes, chain)));
                ("chain hash bit flipped", k, false)
            }
            2 => {
                save(k);
                put(&ledger, k, None);
                // Deleting the last event is cutting the tail by one.
                ("event deleted", k, k == n_events)
            }
            3 => {
                let i = 1 + rng.below(n_events as usize - 1) as u64;
                let j = i + 1 + rng.below((n_events - i) as usize) as u64;
                save(j);
                let (bytes, _) = get(&ledger, i).unwrap();
                let (_, chain) = get(&ledger, j).unwrap();
                put(&ledger, j, Some((bytes, chain)));
                ("event duplicated over a later one", j, false)
            }
            4 => {
                let i = 1 + rng.below(n_events as usize - 1) as u64;
                let j = i + 1 + rng.below((n_events - i) as usize) as u64;
                save(i);
                save(j);
                let (a, b) = (get(&ledger, i), get(&ledger, j));
                put(&ledger, i, b);
                put(&ledger, j, a);
                ("events and their hashes reordered", i, false)
            }
            _ => {
                // Cut the tail from k on, keeping the head: the head then names events that are gone.
                for seq in k..=n_events {
                    save(seq);
                    put(&ledger, seq, None);
                }
                ("tail cut", k, true)
            }
        };
        *by_kind.entry(kind).or_default() += 1;
        for depth in [Depth::Full, Depth::Chain] {
            match ledger.verify_to(None, depth) {
                Err(StoreError::Integrity { seq, what }) => assert_eq!(
                    seq, at,
                    "case {case}, {kind} at {at}: verify ({depth:?}) reported sequence {seq}: {what}"
                ),
                other => panic!("case {case}, {kind} at {at}: verify ({depth:?}) said {other:?}"),
            }
        }
        let mut tampered = Vec::new();
        ledger.export(&mut tampered).unwrap();
        match scratch.import(&tampered[..]) {
            Err(StoreError::Import { line, what }) => assert_eq!(
                line, at,
                "case {case}, {kind} at {at}: import reported line {line}: {what}"
            ),
            // Export reads up to the events that are left, so a cut log exports as a valid shorter
            // one: only the checkpoint catches it.
            Ok(report) if cut => {
                assert_eq!(report.events, at - 1);
                let err = scratch.verify(Some(head)).unwrap_err();
                assert!(
                    matches!(err, StoreError::Integrity { seq, .. } if seq == at),
                    "case {case}: {err}"
                );
                drop(scratch);
                let path = dir.path().join("scratch");
                std::fs::remove_dir_all(&path).unwrap();
                scratch = Ledger::init(&path).unwrap();
            }
            other => panic!(
                "case {case}, {kind} at {at}: import said {:?}",
                other.map(|r| r.head)
            ),
        }
        for (seq, record) in saved.into_iter().rev() {
            put(&ledger, seq, record);
        }
        if case % 100 == 0 {
            ledger.verify(Some(head)).unwrap();
        }
    }
    let mut restored = Vec::new();
    ledger.export(&mut restored).unwrap();
    assert_eq!(restored, export, "the trial did not put everything back");
    eprintln!(
        "stored tamper: {n} changes to stored events, {n} detected by verify (full and chain only) at the changed sequence \
         and by import of their export at the changed line ({by_kind:?})"
    );
}

#[test]
fn a_cut_tail_with_a_rewritten_head_passes_verify_alone_and_fails_against_a_checkpoint() {
    let dir = scratch_dir();
    let (ledger, _) = original(dir.path());
    let head = ledger.head().unwrap();
    let keep = 20u64;
    let ids: Vec<EventId> = ledger
        .iter_from(keep + 1)
        .unwrap()
        .map(|s| s.unwrap().event().unwrap().id)
        .collect();
    for seq in keep + 1..=head.seq {
        put(&ledger, seq, None);
    }
    for id in ids {
        ledger.tamper_tree("ids").remove(id.0.as_bytes()).unwrap();
    }
    let mut new_head = keep.to_be_bytes().to_vec();
    new_head.extend(get(&ledger, keep).unwrap().1.0);
    ledger.tamper_tree("meta").insert("head", new_head).unwrap();
    // The documented limit: a consistent prefix is a valid log.
    let report = ledger.verify(None).unwrap();
    assert_eq!(report.events, keep);
    // Against the checkpoint kept elsewhere, the cut is found at the first missing event.
    let err = ledger.verify(Some(head)).unwrap_err();
    assert!(
        matches!(err, StoreError::Integrity { seq, .. } if seq == keep + 1),
        "{err}"
    );
    assert!(err.to_string().contains("the log ends at 20"), "{err}");
}
