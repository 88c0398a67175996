//! The export parser and the import path. Any bytes given to `check_export` are rejected at a line
//! or accepted; never a panic. On every accepted input and a sixteenth of the rest (the sled
//! import costs far more than the check), `Ledger::import` must agree: same line on rejection,
//! leaving the ledger empty; on acceptance the same head, a log that verifies, and an export that
//! gives back exactly the bytes imported.
#![no_main]

use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;
use minutebook_store::{Checkpoint, Ledger, StoreError, check_export};

struct Scratch {
    // Dropped before the directory (field order).
    ledger: Ledger,
    _dir: tempfile::TempDir,
}

fn scratch() -> Scratch {
    // Memory-backed where possible: the ledger syncs on every successful import.
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        tempfile::tempdir_in("/dev/shm").unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };
    let ledger = Ledger::init(&dir.path().join("l")).unwrap();
    Scratch { ledger, _dir: dir }
}

// One ledger for all inputs: a rejected import leaves it empty, so only an accepted one costs a new one.
static SCRATCH: Mutex<Option<Scratch>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let checked = check_export(data);
    let sample = data.iter().fold(0u8, |a, b| a.wrapping_add(*b)) % 16 == 0;
    if checked.is_err() && !sample {
        return;
    }
    let mut guard = SCRATCH.lock().unwrap();
    let s = guard.get_or_insert_with(scratch);
    match (checked, s.ledger.import(data)) {
        (Err(StoreError::Import { line: a, .. }), Err(StoreError::Import { line: b, .. })) => {
            assert_eq!(a, b, "check_export and import name different lines");
            assert_eq!(
                s.ledger.head().unwrap(),
                Checkpoint::default(),
                "a rejected import kept something"
            );
        }
        (Ok(head), Ok(report)) => {
            assert_eq!(head, report.head);
            let mut again = Vec::new();
            assert_eq!(s.ledger.export(&mut again).unwrap(), report.head);
            assert!(
                again == data,
                "an imported export does not export to the same bytes"
            );
            s.ledger.verify(Some(report.head)).unwrap();
            if report.events > 0 {
                *guard = None;
            }
        }
        (checked, imported) => panic!(
            "check_export and import disagree: {:?} / {:?}",
            checked.map(|c| c.seq),
            imported.map(|r| r.head.seq)
        ),
    }
});
