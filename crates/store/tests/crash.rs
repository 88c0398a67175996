//! Crash harness: child processes append (or import) through the library and are killed with SIGKILL
//! at random moments; after every kill the ledger must open, verify, hold every acknowledged batch,
//! show no partial batch, and take further appends.
//!
//! The children are this test binary itself, re-executed with `MINUTEBOOK_CRASH_CHILD` set, so the
//! writer is the real library in a real separate process without a helper binary.
//!
//! Short mode (every `cargo test`): 24 append kills and 10 import kills. Long mode:
//! `MINUTEBOOK_CRASH_KILLS=500 cargo test -p minutebook-store --test crash -- --nocapture`
//! (import kills are a fifth of that). `MINUTEBOOK_CRASH_SEED=N` replays one run.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use minutebook_model::{Draft, EventId, parse_batch};
use minutebook_store::{Checkpoint, Ledger, StoreError};
use serde_json::json;

const CHILD: &str = "MINUTEBOOK_CRASH_CHILD";

#[path = "common/seeded.rs"]
mod seeded;
use seeded::Rng;

fn kills(default: usize, divisor: usize) -> usize {
    std::env::var("MINUTEBOOK_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .map_or(default, |n| (n / divisor).max(default))
}

/// A batch is named by (round, index); its events' ids encode (round, index, position) so the
/// harness can read back from the log exactly which batches landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BatchName {
    round: u64,
    index: u64,
}

impl BatchName {
    fn len(self) -> u64 {
        1 + (self.round * 7 + self.index * 13) % 5
    }

    fn id(self, position: u64) -> EventId {
        EventId(uuid::Uuid::from_u128(
            (u128::from(self.round + 1) << 64)
                | (u128::from(self.index) << 16)
                | u128::from(position),
        ))
    }

    fn person(self, position: u64) -> String {
        format!("p{}-{}-{}", self.round, self.index, position)
    }

    fn drafts(self) -> Vec<Draft> {
        let events: Vec<_> = (0..self.len())
            .map(|i| {
                json!({
                    "id": self.id(i), "type": "person_registered", "effective": "2014-09-25",
                    "recorded_by": "crash-harness", "source": {"document": "crash harness"},
                    "data": {"person": self.person(i), "name": format!("Person {}", self.person(i))}
                })
            })
            .collect();
        parse_batch(serde_json::to_string(&events).unwrap().as_bytes()).unwrap()
    }

    fn encode(self) -> String {
        format!("{}.{}", self.round, self.index)
    }

    fn decode(s: &str) -> BatchName {
        let (r, i) = s.split_once('.').unwrap();
        BatchName {
            round: r.parse().unwrap(),
            index: i.parse().unwrap(),
        }
    }
}

/// The child's side: an endless writer, or one import. Does nothing unless the harness started it.
#[test]
#[ignore = "the child process of the crash harness; started by the other tests"]
fn crash_child() {
    let Ok(role) = std::env::var(CHILD) else {
        return;
    };
    let parts: Vec<&str> = role.split(' ').collect();
    match parts[..] {
        ["append", dir, round, ref retry @ ..] => {
            let ledger = Ledger::open(Path::new(dir)).unwrap();
            println!("ACK opened");
            let round: u64 = round.parse().unwrap();
            let queue = retry
                .iter()
                .map(|s| BatchName::decode(s))
                .chain((0..).map(|index| BatchName { round, index }));
            for batch in queue {
                let head = ledger.head().unwrap().seq;
                // A retried batch may already be in the log; otherwise the head must not have moved.
                let report = ledger.append(batch.drafts(), Some(head)).unwrap();
                assert!(report.appended.is_empty() || report.already_present.is_empty());
                println!("ACK {}", batch.encode());
            }
        }
        ["singles", dir, n] => {
            let ledger = Ledger::open(Path::new(dir)).unwrap();
            for index in 0..n.parse().unwrap() {
                let batch = BatchName { round: 0, index };
                ledger.append(batch.drafts()[..1].to_vec(), None).unwrap();
                println!("ACK {}", batch.encode());
            }
            // And one batch large enough to be applied to sled as a transaction.
            ledger.append(big_batch(), None).unwrap();
            println!("ACK big");
            // Ends as a crash does: no destructor, no flush, whatever sled still buffers lost.
            std::process::abort();
        }
        ["import", dir, file] => {
            let dir = Path::new(dir);
            let ledger = match Ledger::open(dir) {
                Err(StoreError::NotFound { .. }) => Ledger::init(dir).unwrap(),
                other => other.unwrap(),
            };
            println!("ACK opened");
            let input = std::fs::File::open(file).unwrap();
            ledger.import(std::io::BufReader::new(input)).unwrap();
            println!("ACK import");
        }
        _ => panic!("unknown role {role}"),
    }
}

/// 300 events in one batch: more writes than a journaled set that sled takes one insert at a time.
fn big_batch() -> Vec<Draft> {
    big_batch_names()
        .flat_map(|b| b.drafts().into_iter().take(1))
        .collect()
}

fn big_batch_names() -> impl Iterator<Item = BatchName> {
    (0..300).map(|index| BatchName { round: 1, index })
}

fn spawn_child(role: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(CHILD, role)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// When to kill: `delay` after the child starts, or after it has opened the ledger (so most kills land
/// inside appends rather than during start-up).
#[derive(Clone, Copy)]
enum KillAt {
    FromSpawn(Duration),
    AfterOpen(Duration),
    /// Once the child has acknowledged this many appends (or after a minute, whatever it did): not
    /// a fixed time, which a loaded machine can leave too short.
    AfterAcks(usize),
}

/// Kill the child at `at` (unless it ended first) and return what it acknowledged (the ledger being
/// open included), whether it was killed, and its stderr.
fn kill_after(mut child: Child, at: KillAt) -> (Vec<String>, bool, String) {
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        // libtest's "test crash_child ... " has no newline, so the first ACK shares its line.
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| l.split_once("ACK ").map(|(_, b)| b.to_owned()))
            .inspect(|ack| {
                let _ = tx.send(ack.clone());
            })
            .collect::<Vec<_>>()
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut deadline = match at {
        KillAt::FromSpawn(d) => Some(Instant::now() + d),
        KillAt::AfterOpen(_) => None,
        KillAt::AfterAcks(_) => Some(Instant::now() + Duration::from_secs(60)),
    };
    let mut appends = 0;
    let mut killed = false;
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        for ack in rx.try_iter() {
            match (ack == "opened", at) {
                (true, KillAt::AfterOpen(d)) if deadline.is_none() => {
                    deadline = Some(Instant::now() + d)
                }
                (false, KillAt::AfterAcks(n)) => {
                    appends += 1;
                    if appends >= n {
                        deadline = Some(Instant::now());
                    }
                }
                _ => {}
            }
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            child.kill().unwrap(); // SIGKILL on Unix
            killed = true;
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let status = child.wait().unwrap();
    let acks = reader.join().unwrap();
    let stderr = err_reader.join().unwrap();
    assert!(
        killed || status.success(),
        "the child failed on its own: {status}\n{stderr}"
    );
    (acks, killed, stderr)
}

/// Every event after `from`, as the (batch, position) its id encodes, checking its content too.
fn landed(ledger: &Ledger, from: u64) -> Vec<(BatchName, u64)> {
    ledger
        .iter_from(from + 1)
        .unwrap()
        .map(|s| {
            let event = s.unwrap().event().unwrap();
            let n = event.id.0.as_u128();
            let batch = BatchName {
                round: (n >> 64) as u64 - 1,
                index: ((n >> 16) & 0xFFFF_FFFF_FFFF) as u64,
            };
            let position = (n & 0xFFFF) as u64;
            let value: serde_json::Value =
                serde_json::from_slice(&event.canonical_bytes()).unwrap();
            assert_eq!(
                value["data"]["person"],
                batch.person(position),
                "event {} holds other content than was appended",
                event.id
            );
            (batch, position)
        })
        .collect()
}

fn expected_events(batches: &[BatchName]) -> Vec<(BatchName, u64)> {
    batches
        .iter()
        .flat_map(|&b| (0..b.len()).map(move |i| (b, i)))
        .collect()
}

#[test]
fn appends_survive_sigkill_at_random_moments() {
    let kills = kills(24, 1);
    let mut rng = Rng::from_env("MINUTEBOOK_CRASH_SEED", "crash harness");
    let mut dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    drop(Ledger::init(&path).unwrap());
    let mut checkpoint = Checkpoint::default();
    let mut in_flight: Option<BatchName> = None;
    let (mut acked_total, mut killed_total, mut unacked_landed, mut replayed) = (0, 0, 0, 0);
    let started = Instant::now();
    for round in 0..=kills as u64 {
        let last = round == kills as u64;
        let retry = in_flight
            .map(|b| format!(" {}", b.encode()))
            .unwrap_or_default();
        let child = spawn_child(&format!("append {} {round}{retry}", path.display()));
        // The last round is not killed at a random moment but after it has surely appended: proof that
        // appending continues after all the crashes.
        let delay = if last {
            KillAt::AfterAcks(2)
        } else if rng.below(5) == 0 {
            // Some kills land in start-up: while sled recovers and the ledger discards what is
            // beyond its head.
            KillAt::FromSpawn(Duration::from_micros(rng.below(30_000)))
        } else {
            KillAt::AfterOpen(Duration::from_micros(rng.below(30_000)))
        };
        let (acks, killed, stderr) = kill_after(child, delay);
        assert!(killed, "the writer never ends on its own: {stderr}");
        let acks: Vec<String> = acks.into_iter().filter(|a| a != "opened").collect();
        killed_total += 1;
        let queue: Vec<BatchName> = in_flight
            .into_iter()
            .chain((0..).map(|index| BatchName { round, index }))
            .take(acks.len() + 1)
            .collect();
        let acked: Vec<BatchName> = acks.iter().map(|s| BatchName::decode(s)).collect();
        assert_eq!(acked, queue[..acks.len()], "acknowledged out of order");

        let ledger = Ledger::open(&path).unwrap_or_else(|e| {
            // Kept for a post-mortem: sled 0.34 has open reports of databases it cannot reopen
            // after a kill (spacejam/sled#1509, #1527, #1533).
            let kept = std::mem::replace(&mut dir, tempfile::tempdir().unwrap()).keep();
            panic!(
                "after kill {round}, the ledger does not open: {e} (kept at {})",
                kept.display()
            )
        });
        replayed += ledger.replayed();
        let report = ledger
            .verify(Some(checkpoint))
            .unwrap_or_else(|e| panic!("after kill {round}, verify fails: {e}"));
        let got = landed(&ledger, checkpoint.seq);
        let with_acked = expected_events(&queue[..acks.len()]);
        let with_in_flight = expected_events(&queue);
        if got == with_acked {
            in_flight = Some(queue[acks.len()]);
        } else if got == with_in_flight {
            // Committed before the kill but not yet acknowledged: allowed, and it is then not retried.
            in_flight = None;
            unacked_landed += 1;
        } else {
            panic!(
                "after kill {round}: the events since {} are {:?}, but the acknowledged batches are {:?} \
                 and the one in flight {:?}",
                checkpoint.seq,
                got,
                acked,
                queue.last()
            );
        }
        if last {
            assert!(
                acks.len() >= 2,
                "appending did not continue after the crashes"
            );
        }
        acked_total += acks.len();
        checkpoint = report.head;
    }
    eprintln!(
        "append crash harness: {killed_total} SIGKILLs, {acked_total} acknowledged batches all present, \
         {unacked_landed} unacknowledged batches landed whole, {replayed} journal records applied \
         again at the opens after a kill, {} events, {:.1}s",
        checkpoint.seq,
        started.elapsed().as_secs_f64()
    );
    // The appends are made durable by the journal, and the kills cut off what sled had not written.
    assert!(
        replayed > 0,
        "no open after a kill had journal records to apply"
    );
}

#[test]
fn single_appends_acknowledged_before_a_crash_are_applied_again_from_the_journal() {
    const APPENDS: u64 = 40;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger");
    drop(Ledger::init(&path).unwrap());
    let mut child = spawn_child(&format!("singles {} {APPENDS}", path.display()));
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(!child.wait().unwrap().success(), "the child aborts");
    let acks = out.matches("ACK ").count() as u64;
    assert_eq!(acks, APPENDS + 1, "{out}");

    // What sled alone kept: the same files without the journal.
    let bare = dir.path().join("bare");
    std::fs::create_dir(&bare).unwrap();
    std::fs::copy(path.join("LOCK"), bare.join("LOCK")).unwrap();
    let copied = Command::new("cp")
        .arg("-r")
        .arg(path.join("sled"))
        .arg(&bare)
        .status()
        .unwrap();
    assert!(copied.success());
    let sled_alone = Ledger::open(&bare).unwrap().head().unwrap().seq;
    assert!(
        sled_alone < APPENDS + 300,
        "sled alone kept every acknowledged event, so the journal was not needed: the test shows nothing"
    );

    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(
        ledger.replayed(),
        APPENDS + 1,
        "every append since the checkpoint"
    );
    let report = ledger.verify(None).unwrap();
    assert_eq!(report.head.seq, APPENDS + 300);
    let want: Vec<(BatchName, u64)> = (0..APPENDS)
        .map(|index| (BatchName { round: 0, index }, 0))
        .chain(big_batch_names().map(|b| (b, 0)))
        .collect();
    assert_eq!(landed(&ledger, 0), want);
    eprintln!(
        "of {} acknowledged events ({APPENDS} single appends and a batch of 300), sled alone held {sled_alone}",
        APPENDS + 300
    );
    drop(ledger);
    // The open checkpointed what it applied: opening again has nothing left to apply.
    assert_eq!(Ledger::open(&path).unwrap().replayed(), 0);
}

#[test]
fn an_import_killed_at_a_random_moment_leaves_the_ledger_empty_or_complete() {
    let kills = kills(10, 5);
    let mut rng = Rng::from_env("MINUTEBOOK_CRASH_SEED", "crash harness");
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.jsonl");
    {
        let source = Ledger::init(&dir.path().join("source")).unwrap();
        for round in 0..10 {
            let drafts: Vec<Draft> = (0..50)
                .flat_map(|index| BatchName { round, index }.drafts())
                .collect();
            source.append(drafts, None).unwrap();
        }
        source
            .export(&mut std::fs::File::create(&export).unwrap())
            .unwrap();
    }
    let (full, import_time) = {
        let l = Ledger::init(&dir.path().join("timing")).unwrap();
        let t = Instant::now();
        let r = l
            .import(BufReader::new(std::fs::File::open(&export).unwrap()))
            .unwrap();
        eprintln!(
            "import of {} events takes {:?} in-process",
            r.events,
            t.elapsed()
        );
        (r.head, t.elapsed())
    };
    let export_bytes = std::fs::read(&export).unwrap();
    let target = dir.path().join("target");
    let (mut empty, mut complete, mut during, mut before_init) = (0, 0, 0, 0);
    for round in 0..kills {
        let child = spawn_child(&format!("import {} {}", target.display(), export.display()));
        // Spread the kills over child start-up, the import and a little beyond.
        let window = (import_time.as_micros() as u64 + 20_000) * 3 / 2;
        let (acks, _, stderr) = kill_after(
            child,
            KillAt::FromSpawn(Duration::from_micros(rng.below(window))),
        );
        let ledger = match Ledger::open(&target) {
            Ok(l) => l,
            // Killed inside `init`, before the ledger existed: there is nothing to keep.
            Err(StoreError::NotFound { .. }) if acks.is_empty() => {
                before_init += 1;
                continue;
            }
            Err(e) => panic!("after import kill {round}, the ledger does not open: {e}\n{stderr}"),
        };
        let report = ledger
            .verify(None)
            .unwrap_or_else(|e| panic!("after import kill {round}, verify fails: {e}"));
        if acks.iter().any(|a| a == "opened") {
            during += 1;
        }
        if report.head.seq == 0 {
            assert!(
                !acks.iter().any(|a| a == "import"),
                "an acknowledged import is gone"
            );
            empty += 1;
        } else {
            assert_eq!(report.head, full, "a partial import is visible");
            let mut again = Vec::new();
            ledger.export(&mut again).unwrap();
            assert!(again == export_bytes, "the imported log differs");
            complete += 1;
            drop(ledger);
            std::fs::remove_dir_all(&target).unwrap();
        }
    }
    // Finish one import and append after it: the ledger works after all those crashes.
    let (acks, _, stderr) = kill_after(
        spawn_child(&format!("import {} {}", target.display(), export.display())),
        KillAt::FromSpawn(Duration::from_secs(60)),
    );
    assert_eq!(acks, ["opened", "import"], "{stderr}");
    let ledger = Ledger::open(&target).unwrap();
    let next = BatchName {
        round: 999,
        index: 0,
    };
    ledger.append(next.drafts(), Some(full.seq)).unwrap();
    ledger.verify(Some(full)).unwrap();
    eprintln!(
        "import crash harness: {kills} SIGKILLs ({during} after the ledger was open, {before_init} before it \
         existed): {empty} left an empty ledger, {complete} a complete one, none partial"
    );
}
