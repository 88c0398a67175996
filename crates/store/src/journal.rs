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
//! A record is `payload length (u32 BE) ‖ SHA-256 of the payload (32 bytes) ‖ payload`. Reading
//! stops at the first record that is short or whose hash does not match: the tail of an append
//! cut off while it was written, never acknowledged.

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

const HEADER: usize = 4 + 32;

/// The journal file of one open ledger: opened (created, for a ledger older than the journal) at
/// its first record.
pub(crate) struct Journal {
    path: PathBuf,
    file: Option<File>,
    /// Bytes of whole records since the last checkpoint; the next record is written here, over any
    /// torn tail.
    len: u64,
    /// A record is synced that sled did not take (its apply failed): appends stop, and no
    /// checkpoint empties the journal, so that the next open applies it.
    pub(crate) unapplied: bool,
}

impl Journal {
    pub(crate) const FILE: &'static str = "journal";

    pub(crate) fn new(ledger_dir: &Path) -> Journal {
        Journal {
            path: ledger_dir.join(Self::FILE),
            file: None,
            len: 0,
            unapplied: false,
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of records written since the last checkpoint.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The whole records in the journal file, oldest first, and whether anything (a torn tail
    /// included) is in the file at all.
    pub(crate) fn read(&self) -> std::io::Result<(Vec<WriteSet>, bool)> {
        let mut bytes = Vec::new();
        match File::open(&self.path) {
            Ok(mut f) => f.read_to_end(&mut bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), false)),
            Err(e) => return Err(e),
        };
        let mut sets = Vec::new();
        let mut rest = &bytes[..];
        while rest.len() >= HEADER {
            let len = u32::from_be_bytes(rest[..4].try_into().expect("4 bytes")) as usize;
            let Some(payload) = rest[HEADER..].get(..len) else {
                break;
            };
            if Sha256::digest(payload)[..] != rest[4..HEADER] {
                break;
            }
            let Some(set) = WriteSet::decode(payload) else {
                break;
            };
            sets.push(set);
            rest = &rest[HEADER + len..];
        }
        Ok((sets, !bytes.is_empty()))
    }

    /// Write `set` as the next record and `fdatasync` it. On error the record is not counted (the
    /// next is written over it), but it may have reached the disk.
    pub(crate) fn append(&mut self, set: &WriteSet) -> std::io::Result<()> {
        let payload = set.encode();
        let len = u32::try_from(payload.len()).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "an append of more than 4 GiB does not fit one journal record",
            )
        })?;
        let mut record = Vec::with_capacity(HEADER + payload.len());
        record.extend_from_slice(&len.to_be_bytes());
        record.extend_from_slice(&Sha256::digest(&payload));
        record.extend_from_slice(&payload);
        let at = self.len;
        let file = self.file()?;
        file.write_all_at(&record, at)?;
        file.sync_data()?;
        self.len += record.len() as u64;
        Ok(())
    }

    /// Empty the journal, durably: for a checkpoint, once sled holds every record durably.
    pub(crate) fn clear(&mut self) -> std::io::Result<()> {
        if self.len == 0 && !self.path.exists() {
            return Ok(());
        }
        let file = self.file()?;
        if file.metadata()?.len() > 0 {
            file.set_len(0)?;
            file.sync_data()?;
        }
        self.len = 0;
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
                    // The new entry in the ledger's directory, or a synced record could be lost.
                    File::open(self.path.parent().expect("the journal is in a directory"))?
                        .sync_all()?;
                    file
                }
                other => other?,
            };
            self.file = Some(file);
        }
        Ok(self.file.as_ref().expect("opened above"))
    }
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

    #[test]
    fn records_read_back_as_written_and_a_torn_tail_is_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::new(dir.path());
        assert_eq!(journal.read().unwrap(), (Vec::new(), false));
        for n in 0..3 {
            journal.append(&sample(n)).unwrap();
        }
        let whole = std::fs::read(journal.path()).unwrap();
        assert_eq!(journal.len(), whole.len() as u64);
        assert_eq!(
            journal.read().unwrap(),
            ((0..3).map(sample).collect(), true)
        );

        // The last record cut short, then one with a damaged byte: each ends what is read.
        std::fs::write(journal.path(), &whole[..whole.len() - 3]).unwrap();
        assert_eq!(journal.read().unwrap().0, vec![sample(0), sample(1)]);
        let mut damaged = whole.clone();
        damaged[HEADER + 1] ^= 1;
        std::fs::write(journal.path(), &damaged).unwrap();
        assert_eq!(journal.read().unwrap(), (Vec::new(), true));
    }

    #[test]
    fn a_record_written_over_a_torn_tail_reads_back_and_clearing_empties_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = Journal::new(dir.path());
        journal.append(&sample(0)).unwrap();
        let good = journal.len();
        // What an append cut off mid-write leaves: part of a record beyond the counted length.
        std::fs::OpenOptions::new()
            .append(true)
            .open(journal.path())
            .unwrap()
            .write_all_at(&[0xff; 50], good)
            .unwrap();
        journal.append(&sample(1)).unwrap();
        assert_eq!(journal.read().unwrap().0, vec![sample(0), sample(1)]);
        journal.clear().unwrap();
        assert_eq!(std::fs::metadata(journal.path()).unwrap().len(), 0);
        assert_eq!(journal.read().unwrap(), (Vec::new(), false));
    }
}
