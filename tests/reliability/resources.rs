//! Running out of resources: a full disk and a read-only ledger. Appends fail with a clear error
//! (exit 6, never a panic), the ledger stays consistent, and appending works again once the disk
//! has room or the ledger is writable.
//!
//! The full disk is simulated with RLIMIT_FSIZE (writes past the limit fail with EFBIG), which
//! needs no privileges; `a_full_tmpfs_...` uses a real 16 MiB tmpfs and needs root, so it is ignored
//! by default: `cargo test -p minutebook --test reliability -- --ignored tmpfs`.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::{head, jsonl, minutebook, person, run, scratch};

/// Ten events of about 60 KB each: more than the room left in sled's first 512 KiB segment.
fn big_batch() -> (String, Vec<uuid::Uuid>) {
    let quote = "q".repeat(60_000);
    let ids: Vec<uuid::Uuid> = (0..10u128)
        .map(|i| uuid::Uuid::from_u128((0xB16 << 64) | i))
        .collect();
    let events: Vec<Value> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut e = person(&format!("big{i}"), *id);
            e["source"]["quote"] = quote.clone().into();
            e
        })
        .collect();
    (jsonl(&events), ids)
}

fn ids_in_log(ledger: &Path) -> Vec<uuid::Uuid> {
    let (code, out, err) = run({
        let mut c = minutebook(ledger);
        c.arg("export");
        c
    });
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["event"]["id"].as_str().unwrap().parse().unwrap()
        })
        .collect()
}

fn append_file(ledger: &Path, file: &Path, limit: impl FnOnce(&mut Command)) -> (i32, String) {
    let mut c = minutebook(ledger);
    c.arg("append").arg(file);
    limit(&mut c);
    let (code, out, err) = run(c);
    assert!(!err.contains("panicked"), "{err}");
    (code, format!("{out}{err}"))
}

/// After a failed append: the ledger verifies and holds either none or all of the batch, and once
/// the obstacle is gone the same file appends (or is found already present), exactly once.
fn recovers(ledger: &Path, before: &[uuid::Uuid], file: &Path, ids: &[uuid::Uuid]) {
    head(ledger);
    let after = ids_in_log(ledger);
    assert!(
        after == before || after == [before, ids].concat(),
        "a failed append left part of its batch"
    );
    let (code, out) = append_file(ledger, file, |_| {});
    assert_eq!(code, 0, "{out}");
    head(ledger);
    assert_eq!(ids_in_log(ledger), [before, ids].concat());
}

#[test]
fn a_full_disk_fails_the_append_clearly_and_appending_resumes_when_there_is_room() {
    let s = scratch();
    let ledger = s.example_ledger("ledger");
    let before = ids_in_log(&ledger);
    let (text, ids) = big_batch();
    let file = s.write("big.jsonl", text);
    // The database file may not grow at all: the batch needs a new segment.
    let size = std::fs::metadata(ledger.join("sled/db")).unwrap().len();
    let limit = size.div_ceil(4096) * 4096;
    let (code, out) = append_file(&ledger, &file, |c| {
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            c.pre_exec(move || {
                // Ignored, SIGXFSZ would kill the writer; the write then fails with EFBIG instead,
                // as a full disk fails with ENOSPC.
                libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                let lim = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: limit,
                };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    });
    assert_eq!(code, 6, "{out}");
    assert!(out.contains("File too large"), "{out}");
    assert!(
        out.contains("could not be written to stable storage") || out.contains("storage error"),
        "{out}"
    );
    recovers(&ledger, &before, &file, &ids);
}

fn set_mode(root: &Path, dirs: u32, files: u32) {
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            set_mode(&path, dirs, files);
        } else {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(files)).unwrap();
        }
    }
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(dirs)).unwrap();
}

/// Root ignores permissions, so when the tests run as root the writer drops to `nobody`.
fn unprivileged(c: &mut Command) {
    // SAFETY: geteuid, setgid and setuid are async-signal-safe.
    unsafe {
        c.pre_exec(|| {
            if libc::geteuid() == 0 && (libc::setgid(65534) != 0 || libc::setuid(65534) != 0) {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[test]
fn a_read_only_ledger_fails_the_append_clearly_and_appending_resumes_when_writable() {
    let s = scratch();
    std::fs::set_permissions(s.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let ledger = s.example_ledger("ledger");
    let before = ids_in_log(&ledger);
    let (text, ids) = big_batch();
    let file = s.write("big.jsonl", text);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();

    // Everything read-only: the lock file cannot be opened for writing.
    set_mode(&ledger, 0o555, 0o444);
    let (code, out) = append_file(&ledger, &file, unprivileged);
    assert_eq!(code, 6, "{out}");
    assert!(out.contains("cannot open") && out.contains("LOCK"), "{out}");
    assert!(out.contains("Permission denied"), "{out}");

    // The lock file writable, the database not: sled cannot open its files.
    std::fs::set_permissions(ledger.join("LOCK"), std::fs::Permissions::from_mode(0o666)).unwrap();
    let (code, out) = append_file(&ledger, &file, unprivileged);
    assert_eq!(code, 6, "{out}");
    assert!(out.contains("Permission denied"), "{out}");

    set_mode(&ledger, 0o755, 0o644);
    recovers(&ledger, &before, &file, &ids);
}

/// Run with a deadline: sled 0.34 has been seen to hang on ENOSPC, which the ledger's free-space
/// checks exist to prevent. Returns (exit code, stderr).
fn bounded(ledger: &Path, args: &[&str]) -> (i32, String) {
    let mut child = minutebook(ledger)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("`minutebook {}` hung on a full disk", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code().unwrap_or(-1), err)
}

fn fill(path: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::options()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    while f.write_all(&[0u8; 4096]).is_ok() {}
}

struct Mount(std::path::PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
#[ignore = "mounts a tmpfs: needs root; run with --ignored"]
fn a_full_tmpfs_fails_the_append_clearly_and_appending_resumes_when_there_is_room() {
    let s = scratch();
    let mnt = s.path("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"])
        .arg(&mnt)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mounting a tmpfs failed (this test needs root)");
    let _mount = Mount(mnt.clone());
    let ledger = mnt.join("ledger");
    let (code, _, err) = run({
        let mut c = minutebook(&ledger);
        c.arg("init");
        c
    });
    assert_eq!(code, 0, "{err}");
    let (code, out) = append_file(&ledger, Path::new(super::EXAMPLE_FIRST), |_| {});
    assert_eq!(code, 0, "{out}");
    let before = ids_in_log(&ledger);
    let (text, ids) = big_batch();
    let file = s.write("big.jsonl", text);
    let file = file.to_str().unwrap();

    // Fill the disk, then give back 3 MiB: room to open the ledger, not for the batch.
    let filler = mnt.join("filler");
    fill(&filler);
    let full = std::fs::metadata(&filler).unwrap().len();
    let shrink = |len| {
        std::fs::File::options()
            .write(true)
            .open(&filler)
            .unwrap()
            .set_len(len)
            .unwrap()
    };
    shrink(full - 3 * 1024 * 1024);
    let (code, err) = bounded(&ledger, &["append", file]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("not enough free space"), "{err}");
    eprintln!("nearly full tmpfs, append: {}", err.trim());
    assert_eq!(
        bounded(&ledger, &["verify"]).0,
        0,
        "the ledger must still open"
    );

    // Completely full. sled writes whenever it opens a database, and a full disk once left it
    // unreadable, so the ledger refuses to open at all, clearly.
    fill(&filler);
    for args in [&["append", file][..], &["verify"]] {
        let (code, err) = bounded(&ledger, args);
        assert_eq!(code, 6, "{err}");
        assert!(err.contains("not enough free space"), "{err}");
        eprintln!("full tmpfs, {}: {}", args[0], err.trim());
    }

    std::fs::remove_file(&filler).unwrap();
    recovers(&ledger, &before, Path::new(file), &ids);
}
