//! The journal: a redo log beside sled, so that an append is durable after one `fdatasync`.
//!
//! sled 0.34 makes its writes durable only through its `flush`, which with the ledger's own
//! `fdatasync` of `sled/db` costs two device round trips, and its transactions cost more CPU than
//! the append's own work. So an append writes what it changes — the exact sled keys and values of
//! every tree, a [`WriteSet`] — to the file `journal` in the ledger's directory, `fdatasync`s it,
//! and only then applies it to sled without flushing sled (and a single append's without a sled
//! transaction, see `Ledger::apply`). A crash can
//! lose sled's unflushed writes, never the journal's synced records: opening the ledger applies
//! every record again, in order, and then checkpoints (flushes sled durably and empties the
//! journal). Applying a write set twice gives what applying it once gave, and every write to sled
//! between two checkpoints goes through the journal (a write that does not first checkpoints), so
//! re-applying the journal over whatever sled kept of it restores exactly the acknowledged state.
//!
//! The file is `b"mbjournl" ‖ epoch (u64 BE)`, then the epoch's records, each `payload length (u32
//! BE) ‖ SHA-256 of the epoch and the payload (32 bytes) ‖ payload`. Reading stops at the first
//! record that is short or whose hash does not match: the tail of an append cut off while it was
//! written (never acknowledged), or a record of an earlier epoch. A record whose hash matches but
//! whose payload this binary cannot decode is an error, not a tail: it was acknowledged.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The sled trees a write set writes to, in the order they are applied: `meta`, which holds the
/// head that makes the rest visible to readers, last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TreeName {
    Log = 0,
    Ids = 1,
    Derived = 2,
    Meta = 3,
}

impl TreeName {
    const ALL: [TreeName; 4] = [
        TreeName::Log,
        TreeName::Ids,
        TreeName::Derived,
        TreeName::Meta,
    ];

    fn from_byte(b: u8) -> Option<TreeName> {
        TreeName::ALL.into_iter().find(|t| *t as u8 == b)
    }
}

/// What one append changes in sled: each write a key and its new value (`None` removes it), with
/// the head before and after, by which opening checks the journal belongs to the log it follows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct WriteSet {
    pub head_before: u64,
    pub head_after: u64,
    pub writes: Vec<(TreeName, Vec<u8>, Option<Vec<u8>>)>,
}

impl WriteSet {
    pub(crate) fn put(&mut self, tree: TreeName, key: impl Into<Vec<u8>>, value: Vec<u8>) {
        self.writes.push((tree, key.into(), Some(value)));
    }

    pub(crate) fn remove(&mut self, tree: TreeName, key: impl Into<Vec<u8>>) {
        self.writes.push((tree, key.into(), None));
    }

    fn encode(&self) -> Vec<u8> {
        let size: usize = self
            .writes
            .iter()
            .map(|(_, k, v)| 10 + k.len() + v.as_ref().map_or(0, Vec::len))
            .sum();
        let mut out = Vec::with_capacity(20 + size);
        out.extend_from_slice(&self.head_before.to_be_bytes());
        out.extend_from_slice(&self.head_after.to_be_bytes());
        out.extend_from_slice(&(self.writes.len() as u32).to_be_bytes());
        for (tree, key, value) in &self.writes {
            out.push(*tree as u8);
            out.extend_from_slice(&(key.len() as u32).to_be_bytes());
            out.extend_from_slice(key);
            match value {
                None => out.push(0),
                Some(v) => {
                    out.push(1);
                    out.extend_from_slice(&(v.len() as u32).to_be_bytes());
                    out.extend_from_slice(v);
                }
            }
        }
        out
    }

    fn decode(mut bytes: &[u8]) -> Option<WriteSet> {
        fn take<'a>(bytes: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
            let (head, rest) = bytes.split_at_checked(n)?;
            *bytes = rest;
            Some(head)
        }
        fn u64_(bytes: &mut &[u8]) -> Option<u64> {
            Some(u64::from_be_bytes(take(bytes, 8)?.try_into().ok()?))
        }
        fn u32_(bytes: &mut &[u8]) -> Option<usize> {
            Some(u32::from_be_bytes(take(bytes, 4)?.try_into().ok()?) as usize)
        }
        let head_before = u64_(&mut bytes)?;
        let head_after = u64_(&mut bytes)?;
        let count = u32_(&mut bytes)?;
        let mut writes = Vec::with_capacity(count.min(bytes.len() / 6));
        for _ in 0..count {
            let tree = TreeName::from_byte(*take(&mut bytes, 1)?.first()?)?;
            let len = u32_(&mut bytes)?;
            let key = take(&mut bytes, len)?.to_vec();
            let value = match take(&mut bytes, 1)?.first()? {
                0 => None,
                1 => {
                    let len = u32_(&mut bytes)?;
                    Some(take(&mut bytes, len)?.to_vec())
                }
                _ => return None,
            };
            writes.push((tree, key, value));
        }
        bytes.is_empty().then_some(WriteSet {
            head_before,
            head_after,
            writes,
        })
    }
}

/// What the file begins with: a magic number and the epoch its records belong to.
const MAGIC: &[u8; 8] = b"mbjournl";
const FILE_HEADER: u64 = 16;
/// A record's own header: payload length and hash.
const RECORD_HEADER: usize = 4 + 32;
/// The file is kept at least this long, zero-filled beyond its records, and grown a mebibyte at a
/// time: a record written over bytes the file already holds needs no change to its size, so its
/// `fdatasync` writes the data alone, not also the inode (which writing past the end costs).
const ALLOCATED: u64 = 1024 * 1024;

/// The journal file of one open ledger: opened (created, for a ledger older than the journal) at
/// its first record.
///
/// A checkpoint does not truncate the file: it moves the epoch on in the file's header, and a
/// record's hash covers the epoch it was written in, so the records of earlier epochs still in the
/// file are not this epoch's.
pub(crate) struct Journal {
    path: PathBuf,
    file: Option<File>,
    /// The epoch of the records being written; moved on by each checkpoint.
    epoch: u64,
    /// Bytes of whole records in this epoch; the next record is written after them, over any torn
    /// tail.
    len: u64,
    /// How long the file is (0: not created yet, or its header unwritten).
    size: u64,
    /// An append failed after it may have written its record: a whole record of this epoch may lie
    /// past `len`, so the next checkpoint moves the epoch on even if `len` is 0.
    stale_tail: bool,
    /// Why this handle writes nothing more, if it does not; a reopen clears it.
    pub(crate) fault: Option<Fault>,
}

/// What stops a journal taking more records until the ledger is opened again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    /// A record is synced that sled did not take (its apply failed, or a thread panicked while
    /// holding the journal): no checkpoint empties the journal, so that the next open applies it.
    Unapplied,
    /// A checkpoint failed while it emptied the journal: the header on disk may be of either epoch,
    /// so a record written now might not be read back.
    NotEmptied,
}

impl Journal {
    pub(crate) const FILE: &'static str = "journal";

    pub(crate) fn new(ledger_dir: &Path) -> Journal {
        Journal {
            path: ledger_dir.join(Self::FILE),
            file: None,
            epoch: 0,
            len: 0,
            size: 0,
            stale_tail: false,
            fault: None,
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of records written since the last checkpoint.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The whole records of the file's epoch, oldest first; and where the next record goes.
    ///
    /// A file too short for its header, or whose header is zeros, was cut off while it was
    /// created, before it held any record. Any other header that is not a journal's is an error,
    /// not an empty journal: the records it might hold are not to be lost silently.
    pub(crate) fn read(&mut self) -> std::io::Result<Vec<WriteSet>> {
        let mut bytes = Vec::new();
        match File::open(&self.path) {
            Ok(mut f) => f.read_to_end(&mut bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let header = bytes.get(..FILE_HEADER as usize);
        let Some(header) = header.filter(|h| h.iter().any(|&b| b != 0)) else {
            return Ok(Vec::new());
        };
        if &header[..8] != MAGIC {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is not a minutebook journal", self.path.display()),
            ));
        }
        let epoch = u64::from_be_bytes(header[8..].try_into().expect("8 bytes"));
        let mut sets = Vec::new();
        let mut rest = &bytes[FILE_HEADER as usize..];
        while rest.len() >= RECORD_HEADER {
            let len = u32::from_be_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
            let Some(payload) = rest[RECORD_HEADER..].get(..len) else {
                break;
            };
            if record_hash(epoch, payload)[..] != rest[4..RECORD_HEADER] {
                break;
            }
            let Some(set) = WriteSet::decode(payload) else {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "{}: record {} is whole but cannot be decoded (written by another version?)",
                        self.path.display(),
                        sets.len() + 1
                    ),
                ));
            };
            sets.push(set);
            rest = &rest[RECORD_HEADER + len..];
        }
        self.epoch = epoch;
        self.size = bytes.len() as u64;
        self.len = (bytes.len() - FILE_HEADER as usize - rest.len()) as u64;
        Ok(sets)
    }

    /// Write `set` as the next record and `fdatasync` it. On error the record is not counted (the
    /// next is written over it), but it may have reached the disk, and the next checkpoint moves
    /// the epoch on past it.
    pub(crate) fn append(&mut self, set: &WriteSet) -> std::io::Result<()> {
        let payload = set.encode();
        let len = u32::try_from(payload.len()).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "an append of more than 4 GiB does not fit one journal record",
            )
        })?;
        let mut record = Vec::with_capacity(RECORD_HEADER + payload.len());
        record.extend_from_slice(&len.to_be_bytes());
        record.extend_from_slice(&record_hash(self.epoch, &payload));
        record.extend_from_slice(&payload);
        let at = FILE_HEADER + self.len;
        self.allocate(at + record.len() as u64)?;
        self.stale_tail = true;
        let file = self.file()?;
        file.write_all_at(&record, at)?;
        file.sync_data()?;
        self.len += record.len() as u64;
        self.stale_tail = false;
        Ok(())
    }

    /// Empty the journal, durably: for a checkpoint, once sled holds every record durably. The
    /// epoch moves on; a file grown past its allocation by a large batch is cut back to it. On
    /// error the journal takes no more records ([`Fault::NotEmptied`]).
    pub(crate) fn clear(&mut self) -> std::io::Result<()> {
        if self.len == 0 && !self.stale_tail {
            return Ok(());
        }
        let cleared = self.move_epoch_on();
        if cleared.is_err() {
            self.fault = Some(Fault::NotEmptied);
        }
        cleared
    }

    fn move_epoch_on(&mut self) -> std::io::Result<()> {
        let epoch = self.epoch + 1;
        let grown = self.size > ALLOCATED;
        let file = self.file()?;
        file.write_all_at(&header(epoch), 0)?;
        file.sync_data()?;
        // Only once the new epoch is durable: a cut that reached the disk before it would leave
        // the old epoch's records short of their end.
        if grown {
            file.set_len(ALLOCATED)?;
            file.sync_data()?;
            self.size = ALLOCATED;
        }
        self.epoch = epoch;
        self.len = 0;
        self.stale_tail = false;
        Ok(())
    }

    /// Make the file at least `end` bytes long, in whole mebibytes of zeros, synced.
    fn allocate(&mut self, end: u64) -> std::io::Result<()> {
        if end <= self.size {
            return Ok(());
        }
        let size = end.div_ceil(ALLOCATED) * ALLOCATED;
        let from = self.size;
        let mut fill = vec![0; (size - from) as usize];
        let epoch = self.epoch;
        let dir = self
            .path
            .parent()
            .expect("the journal is in a directory")
            .to_owned();
        let file = self.file()?;
        if from == 0 {
            // The file's entry in the ledger's directory, or a synced record could be lost with
            // it. Synced before the header is written, so that a file with a header always has
            // its entry synced: one created by a process killed before this sync has none.
            File::open(dir)?.sync_all()?;
            fill[..FILE_HEADER as usize].copy_from_slice(&header(epoch));
        }
        file.write_all_at(&fill, from)?;
        file.sync_data()?;
        self.size = size;
        Ok(())
    }

    fn file(&mut self) -> std::io::Result<&File> {
        if self.file.is_none() {
            let file = match File::options().read(true).write(true).open(&self.path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    let file = File::options()
                        .create_new(true)
                        .read(true)
                        .write(true)
                        .open(&self.path)?;
                    self.size = 0;
                    file
                }
                other => other?,
            };
            self.file = Some(file);
        }
        Ok(self.file.as_ref().expect("opened above"))
    }
}

fn header(epoch: u64) -> [u8; FILE_HEADER as usize] {
    let mut h = [0; FILE_HEADER as usize];
    h[..8].copy_from_slice(MAGIC);
    h[8..].copy_from_slice(&epoch.to_be_bytes());
    h
}

/// A record's hash: of its epoch and its payload.
fn record_hash(epoch: u64, payload: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(epoch.to_be_bytes());
    hash.update(payload);
    hash.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: u64) -> WriteSet {
        let mut set = WriteSet {
            head_before: n,
            head_after: n + 1,
            ..WriteSet::default()
        };
        set.put(
            TreeName::Log,
            (n + 1).to_be_bytes(),
            vec![7; n as usize * 10],
        );
        set.remove(TreeName::Derived, b"gone".to_vec());
        set.put(TreeName::Meta, b"head".to_vec(), Vec::new());
        set
    }

    fn reread(journal: &Journal) -> Vec<WriteSet> {
        Journal::new(journal.path().parent().unwrap())
            .read()
            .unwrap()
    }

    #[test]
    fn records_read_back_as_written_and_a_torn_tail_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::new(dir.path());
        assert_eq!(journal.read().unwrap(), Vec::new());
        for n in 0..3 {
            journal.append(&sample(n)).unwrap();
        }
        assert_eq!(reread(&journal), (0..3).map(sample).collect::<Vec<_>>());
        let whole = std::fs::read(journal.path()).unwrap();
        assert_eq!(
            whole.len() as u64,
            ALLOCATED,
            "written within what was allocated"
        );
        let end = (FILE_HEADER + journal.len()) as usize;

        // The last record cut short, then one with a damaged byte: each ends what is read.
        let mut torn = whole.clone();
        torn[end - 3..end].fill(0xff);
        std::fs::write(journal.path(), &torn).unwrap();
        assert_eq!(reread(&journal), vec![sample(0), sample(1)]);
        let mut damaged = whole.clone();
        damaged[FILE_HEADER as usize + RECORD_HEADER + 1] ^= 1;
        std::fs::write(journal.path(), &damaged).unwrap();
        assert_eq!(reread(&journal), Vec::new());

        // A file cut off as it was created holds nothing; one that is not a journal is an error.
        std::fs::write(journal.path(), [0; 10]).unwrap();
        assert_eq!(reread(&journal), Vec::new());
        std::fs::write(journal.path(), b"something else entirely").unwrap();
        let mut foreign = Journal::new(dir.path());
        assert_eq!(
            foreign.read().unwrap_err().kind(),
            std::io::ErrorKind::InvalidData
        );
    }

    #[test]
    fn a_record_past_the_end_of_the_file_is_a_torn_tail_and_an_undecodable_whole_one_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::new(dir.path());
        for n in 0..2 {
            journal.append(&sample(n)).unwrap();
        }
        let whole = std::fs::read(journal.path()).unwrap();
        let end = (FILE_HEADER + journal.len()) as usize;
        std::fs::write(journal.path(), &whole[..end - 1]).unwrap();
        assert_eq!(reread(&journal), vec![sample(0)]);

        // A record whose hash is right but whose payload does not decode was written whole, so
        // acknowledged: not to be dropped as a tail.
        let payload = b"not a write set";
        let mut file = header(0).to_vec();
        file.extend_from_slice(&(payload.len() as u32).to_be_bytes());
        file.extend_from_slice(&record_hash(0, payload));
        file.extend_from_slice(payload);
        std::fs::write(journal.path(), &file).unwrap();
        let err = Journal::new(dir.path()).read().unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("record 1"), "{err}");
    }

    #[test]
    fn a_checkpoint_moves_the_epoch_on_past_a_record_whose_append_failed() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::new(dir.path());
        journal.read().unwrap();
        journal.append(&sample(0)).unwrap();
        // As an append whose sync failed leaves it: the record maybe on disk, not counted.
        journal.len = 0;
        journal.stale_tail = true;
        assert_eq!(reread(&journal), vec![sample(0)], "on disk and whole");
        journal.clear().unwrap();
        assert_eq!(reread(&journal), Vec::new());
    }

    #[test]
    fn a_checkpoint_moves_the_epoch_on_so_the_records_left_in_the_file_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::new(dir.path());
        for n in 0..3 {
            journal.append(&sample(n)).unwrap();
        }
        journal.clear().unwrap();
        assert_eq!(journal.len(), 0);
        assert_eq!(reread(&journal), Vec::new(), "the old epoch's records");
        // A new record is written over the first old one; the others, still whole in the file,
        // are of the old epoch.
        journal.append(&sample(0)).unwrap();
        assert_eq!(reread(&journal), vec![sample(0)]);

        // Opened again, the journal goes on where the records end.
        let mut again = Journal::new(dir.path());
        assert_eq!(again.read().unwrap(), vec![sample(0)]);
        again.append(&sample(5)).unwrap();
        assert_eq!(reread(&journal), vec![sample(0), sample(5)]);
    }

    #[test]
    fn a_record_larger_than_the_file_grows_it_and_a_checkpoint_cuts_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::new(dir.path());
        let mut big = sample(0);
        big.put(
            TreeName::Log,
            b"big".to_vec(),
            vec![1; 3 * ALLOCATED as usize],
        );
        journal.append(&sample(1)).unwrap();
        journal.append(&big).unwrap();
        let size = std::fs::metadata(journal.path()).unwrap().len();
        assert_eq!(size, 4 * ALLOCATED, "grown in whole mebibytes");
        assert_eq!(reread(&journal), vec![sample(1), big]);
        journal.clear().unwrap();
        assert_eq!(std::fs::metadata(journal.path()).unwrap().len(), ALLOCATED);
        assert_eq!(reread(&journal), Vec::new());
    }
}
