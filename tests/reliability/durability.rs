//! What is on stable storage when a command reports success, read from the system calls it made.
//!
//! The command runs under `strace -f -y`. Walking the trace in order, a file under the ledger is
//! *dirty* from a write until an `fsync`/`fdatasync` of that file, and a directory is dirty from the
//! creation, rename or removal of an entry until it is fsynced itself. `sync_file_range` cleans
//! nothing: it neither flushes the drive's cache nor the metadata of a file that grew. When the
//! command writes its success line to stdout, nothing may be dirty. The lock file is exempt: its
//! contents and existence carry no data.
//!
//! strace must be installed (`apt-get install -y strace`). `.ci/run` installs it and sets
//! `MINUTEBOOK_REQUIRE_STRACE=1`, under which a missing strace fails the test; elsewhere (a fresh
//! machine running the README's test command) the check says loudly that it skipped.
//! `MINUTEBOOK_NO_STRACE=1` skips it knowingly.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use super::{EXAMPLE_FIRST, Scratch, jsonl, minutebook, person, run, scratch};

#[derive(Debug, Default)]
struct Syncs {
    writes: usize,
    sync_file_range: usize,
    fsyncs: usize,
}

fn strace_available() -> bool {
    if std::env::var_os("MINUTEBOOK_NO_STRACE").is_some() {
        eprintln!("MINUTEBOOK_NO_STRACE is set: skipping the strace durability check");
        return false;
    }
    let ok = Command::new("strace")
        .args(["-o", "/dev/null", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok && std::env::var_os("MINUTEBOOK_REQUIRE_STRACE").is_none() {
        eprintln!(
            "SKIPPED: strace is missing or cannot trace here; .ci/run installs it and requires it"
        );
        return false;
    }
    assert!(
        ok,
        "strace is missing or cannot trace here, and the durability check needs it: \
         apt-get install -y strace, allow ptrace (CAP_SYS_PTRACE in containers), \
         or set MINUTEBOOK_NO_STRACE=1 to skip this check knowingly"
    );
    true
}

/// Run `minutebook ARGS` under strace and return the trace.
fn traced(scratch: &Scratch, ledger: &Path, args: &[&str], stdin: Option<&str>) -> String {
    traced_with(scratch, ledger, args, stdin, &[])
}

/// [`traced`], with `env` set for the command.
fn traced_with(
    scratch: &Scratch,
    ledger: &Path,
    args: &[&str],
    stdin: Option<&str>,
    env: &[(&str, &str)],
) -> String {
    let trace = scratch.path("trace.txt");
    let bin = minutebook(ledger);
    let mut cmd = Command::new("strace");
    cmd.envs(env.iter().copied());
    cmd.args(["-f", "-y", "-qq", "-s", "40", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,\
             write,pwrite64,pwritev,pwritev2,writev,fsync,fdatasync,sync_file_range,msync",
        ])
        .arg(bin.get_program())
        .args(bin.get_args())
        .args(args)
        .env_remove("MINUTEBOOK_LEDGER");
    let out = match stdin {
        Some(text) => {
            let file = scratch.write("stdin.txt", text);
            cmd.stdin(std::fs::File::open(file).unwrap());
            cmd.output().unwrap()
        }
        None => cmd.output().unwrap(),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(trace).unwrap()
}

/// The first `<path>` annotation after the call's opening parenthesis, or the one on its result.
fn fd_path(line: &str) -> Option<&str> {
    let args = &line[line.find('(')? + 1..];
    let start = args.find('<')? + 1;
    let len = args[start..].find('>')?;
    Some(&args[start..start + len])
}

fn result_path(line: &str) -> Option<&str> {
    let ret = &line[line.rfind(") = ")? + 4..];
    let start = ret.find('<')? + 1;
    let len = ret[start..].find('>')?;
    Some(&ret[start..start + len])
}

/// Quoted string arguments (paths of mkdir, rename, unlink).
fn quoted(line: &str) -> Vec<&str> {
    line.split('"').skip(1).step_by(2).collect()
}

fn parent(p: &str) -> String {
    Path::new(p)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// Walk the trace; at each success line on stdout containing `ack`, everything must be synced.
fn check(trace: &str, root: &Path, ack: &str) -> Result<Syncs, String> {
    let root = root.display().to_string();
    let under = |p: &str| p.starts_with(&root) && !p.ends_with("/LOCK");
    let mut dirty: BTreeSet<String> = BTreeSet::new();
    let mut stats = Syncs::default();
    let mut acked = false;
    for line in trace.lines() {
        // "PID call(args) = result"; resumed halves carry no arguments and were handled at the start.
        // strace pads the PID column, so skip the PID and then all spaces.
        let Some(call_start) = line.split_once(' ').map(|(_, rest)| rest.trim_start()) else {
            continue;
        };
        if call_start.starts_with("<...") || line.contains(" = -1 ") {
            continue;
        }
        let name = call_start.split('(').next().unwrap_or_default();
        match name {
            "write" | "pwrite64" | "pwritev" | "pwritev2" | "writev" => {
                if call_start.starts_with("write(1<") && call_start.contains(ack) {
                    if !dirty.is_empty() {
                        return Err(format!(
                            "success was reported while these were not synced: {dirty:?}"
                        ));
                    }
                    acked = true;
                } else if let Some(p) = fd_path(call_start).filter(|p| under(p)) {
                    dirty.insert(p.to_owned());
                    stats.writes += 1;
                }
            }
            "fsync" | "fdatasync" => {
                if let Some(p) = fd_path(call_start) {
                    dirty.remove(p);
                    if p.starts_with(&root) {
                        stats.fsyncs += 1;
                    }
                }
            }
            "sync_file_range" => stats.sync_file_range += 1,
            "openat" | "creat" if call_start.contains("O_CREAT") || name == "creat" => {
                if let Some(p) = result_path(call_start).filter(|p| under(p)) {
                    dirty.insert(parent(p));
                }
            }
            "mkdir" | "mkdirat" | "rename" | "renameat" | "renameat2" | "unlink" | "unlinkat" => {
                for p in quoted(call_start).into_iter().filter(|p| {
                    under(p) || *p == root // creating the ledger directory itself
                }) {
                    dirty.insert(parent(p));
                }
            }
            _ => {}
        }
    }
    if acked {
        Ok(stats)
    } else {
        Err(format!("no success line containing {ack:?} in the trace"))
    }
}

#[test]
fn init_append_and_import_report_success_only_after_everything_is_fsynced() {
    if !strace_available() {
        return;
    }
    let scratch = scratch();
    let root = scratch.dir.path().canonicalize().unwrap();
    let ledger = root.join("ledger");

    let t = traced(&scratch, &ledger, &["init"], None);
    let init = check(&t, &root, "created").unwrap_or_else(|e| panic!("init: {e}\n{t}"));

    let t = traced(&scratch, &ledger, &["append", EXAMPLE_FIRST], None);
    let append = check(&t, &root, "appended").unwrap_or_else(|e| panic!("append: {e}\n{t}"));
    // sled writes a snapshot of its page table, and renames it into place, each time it opens.
    let snapshots = |t: &str| {
        t.lines()
            .filter(|l| l.contains("rename") && l.contains("/sled/snap."))
            .count()
    };
    let opened_once = snapshots(&t);

    // An event larger than sled keeps inline in its log (a quarter of a 512 KiB segment), so that
    // sled writes it to a blob file of its own: two texts of 100,000 characters, in a block alone.
    let big = serde_json::json!({
        "id": uuid::Uuid::now_v7(), "type": "tor_reviewed", "effective": "2012-01-01",
        "recorded_by": "clerk", "source": {"document": "minutes", "quote": "q".repeat(100_000)},
        "data": {"body": "lscsb", "version": "lscsb-tor-2011", "note": "n".repeat(100_000)}
    });
    let t = traced(&scratch, &ledger, &["append", "-"], Some(&jsonl(&[big])));
    let blobs = check(&t, &root, "appended").unwrap_or_else(|e| panic!("big append: {e}\n{t}"));
    assert!(
        t.lines()
            .any(|l| l.contains("/sled/blobs/") && l.contains("openat(")),
        "sled wrote no blob file:\n{t}"
    );

    // Closing after much writing opens sled once more, so that it writes a fresh snapshot (see
    // `Ledger::close`); the threshold at 0 takes that path after this one small append.
    let one = jsonl(&[person("closer", uuid::Uuid::now_v7())]);
    let t = traced_with(
        &scratch,
        &ledger,
        &["append", "-"],
        Some(&one),
        &[("MINUTEBOOK_RESNAPSHOT_AFTER", "0")],
    );
    let reopened = check(&t, &root, "appended").unwrap_or_else(|e| panic!("reopen: {e}\n{t}"));
    assert!(
        snapshots(&t) > opened_once,
        "sled was not opened again at close ({opened_once} snapshot(s) before):\n{t}"
    );

    let export = scratch.path("export.jsonl");
    let (code, _, err) = run({
        let mut c = minutebook(&ledger);
        c.arg("export").arg("--out").arg(&export);
        c
    });
    assert_eq!(code, 0, "{err}");
    let copy = root.join("copy");
    let t = traced(&scratch, &copy, &["import", export.to_str().unwrap()], None);
    let import = check(&t, &root, "imported").unwrap_or_else(|e| panic!("import: {e}\n{t}"));

    eprintln!(
        "durability: init {init:?}; append {append:?}; append of a 200 KB event {blobs:?}; append closed by reopening sled {reopened:?}; import {import:?}"
    );
}

#[test]
fn the_checker_catches_an_unsynced_write() {
    // The checker itself must be able to fail: a trace where data was only sync_file_range'd.
    let root = Path::new("/l");
    let trace = "\
1 openat(AT_FDCWD</>, \"/l/sled/db\", O_RDWR|O_CLOEXEC) = 4</l/sled/db>
1 pwrite64(4</l/sled/db>, \"x\"..., 24, 493) = 24
1 sync_file_range(4</l/sled/db>, 493, 24, SYNC_FILE_RANGE_WRITE) = 0
1 write(1<pipe:[1]>, \"appended 1 event(s)\", 19) = 19
";
    assert!(check(trace, root, "appended").is_err());
    let synced = trace.replace("1 write(1<", "1 fsync(5</l/sled/db>) = 0\n1 write(1<");
    assert!(check(&synced, root, "appended").is_ok());
    let renamed = synced.replace(
        "1 write(1<",
        "1 rename(\"/l/sled/a\", \"/l/sled/b\") = 0\n1 write(1<",
    );
    assert!(check(&renamed, root, "appended").is_err());
}
