//! Opening, appending and reading.

use std::collections::BTreeSet;
use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use minutebook_model::{Draft, Event, EventId, EventRef, Rejection, Rule};
use sled::transaction::TransactionError;
use sled::{Transactional, Tree};

use crate::block::{self, Packer};
use crate::codec::{self, BlockBytes, Codec, StoredDict};
use crate::error::{Result, StoreError};
use crate::hash::{Checkpoint, Hash, chain_hash, leaf_hash};
use crate::journal::{Fault, Journal, TreeName, WriteSet};

pub(crate) const HEAD: &[u8] = b"head";
/// `meta` key of the last block's key: where an append finds the head event (its record time) with
/// one read.
pub(crate) const TAIL: &[u8] = b"tail";
/// How long `open` waits for a busy ledger before reporting it in use: 10 × 50 ms.
const LOCK_ATTEMPTS: u32 = 10;
const LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(50);

/// Free space below which the ledger neither opens sled nor writes: four 512 KiB segments.
const OPEN_MARGIN: u64 = 2 * 1024 * 1024;

/// Bytes of data written through one handle past which [`Ledger::close`] lets sled write a fresh
/// snapshot. sled's log grows faster than the data (it rewrites whole pages); re-reading the log
/// written for 64 MiB of data costs an open a fraction of a second (1.8 s after a 1M-event import).
pub const RESNAPSHOT_AFTER: u64 = 64 * 1024 * 1024;

/// Bytes of journal past which an append checkpoints (flushes sled durably and empties the
/// journal), so that an open after a crash has at most this much to apply again.
const JOURNAL_CHECKPOINT: u64 = 64 * 1024 * 1024;

/// Writes past which a journaled set is applied to sled as one transaction (see `Ledger::apply`):
/// a single append writes a dozen or so, a batch of 10,000 events about 25,000.
const SMALL_WRITE_SET: usize = 256;

/// A ledger on disk: a directory holding a lock file and a sled database.
///
/// Trees: `log` (first seq of a block -> the block's events and chain hashes, see [`crate::block`],
/// maybe compressed, see [`crate::codec`]), `ids` (uuid -> seq ‖ block), `meta` (`head` -> seq ‖
/// hash, `tail` -> the last block's key, `dict ‖ id` -> a compression dictionary), and
/// `derived` (name ‖ 0 ‖ key -> value) for indexes and snapshots that later layers keep in step with
/// the log. Beside them, the file `journal` (see [`crate::journal`]).
pub struct Ledger {
    path: PathBuf,
    sled_dir: PathBuf,
    db: sled::Db,
    pub(crate) log: Tree,
    pub(crate) ids: Tree,
    pub(crate) meta: Tree,
    derived: Tree,
    // Held for the ledger's lifetime: the OS releases it when the process ends, however it ends.
    _lock: File,
    /// What this process has already fsynced, so a flush syncs only what changed.
    synced: std::sync::Mutex<Synced>,
    /// About how many bytes this handle has written (blocks, id and derived entries, removed keys).
    written: AtomicU64,
    /// The dictionaries blocks are compressed against; replaced when one is trained or discarded.
    codec: std::sync::RwLock<Codec>,
    /// Held while a dictionary is trained and stored, so that threads appending at once train one.
    training: std::sync::Mutex<()>,
    /// The redo log appends are made durable in (see [`crate::journal`]); its lock serialises
    /// every write to sled.
    journal: std::sync::Mutex<Journal>,
    /// How many journal records opening applied again.
    replayed: AtomicU64,
}

/// Directory listings (name, inode) as last fsynced. A blob in the last synced listing of
/// `sled/blobs` was fsynced then: sled writes a blob once and never changes it, only removes it.
#[derive(Default)]
struct Synced {
    dirs: std::collections::HashMap<PathBuf, Listing>,
}

type Listing = BTreeSet<(std::ffi::OsString, u64)>;

fn listing(dir: &Path) -> Result<Listing> {
    use std::os::unix::fs::DirEntryExt;
    let mut names = Listing::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        names.insert((entry.file_name(), entry.ino()));
    }
    Ok(names)
}

/// One stored event: its place, its chain hash and its exact bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub seq: u64,
    pub chain: Hash,
    pub bytes: Vec<u8>,
}

impl Stored {
    pub fn event(&self) -> Result<Event> {
        decode_stored(self.seq, &self.bytes)
    }
}

/// The event stored at `seq`, decoded; stored bytes that do not parse are an integrity failure.
fn decode_stored(seq: u64, bytes: &[u8]) -> Result<Event> {
    Event::from_slice(bytes).map_err(|r| StoreError::Integrity {
        seq,
        what: format!("stored event does not parse: {r}"),
    })
}

/// What an append did.
#[derive(Clone, Debug, Default)]
pub struct AppendReport {
    /// Newly appended events: (seq, id).
    pub appended: Vec<(u64, EventId)>,
    /// Events whose id was already in the ledger with the same content: (seq, id). Not written again.
    pub already_present: Vec<(u64, EventId)>,
    pub head: Checkpoint,
}

/// A write a later layer (an index, a snapshot) wants made in the same atomic batch as the events it
/// covers. Stored in the `derived` tree under `name ‖ 0 ‖ key`.
#[derive(Clone, Debug)]
pub struct DerivedWrite {
    pub name: &'static str,
    pub key: Vec<u8>,
    /// `None` removes the key.
    pub value: Option<Vec<u8>>,
}

pub(crate) fn encode_seq(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

pub(crate) fn decode_seq(bytes: &[u8]) -> u64 {
    u64::from_be_bytes(bytes.try_into().expect("sequence keys are 8 bytes"))
}

pub(crate) fn encode_head(cp: Checkpoint) -> Vec<u8> {
    let mut v = cp.seq.to_be_bytes().to_vec();
    v.extend_from_slice(&cp.hash.0);
    v
}

/// Open the sled database of the ledger at `path`. sled takes its own lock on its files, which the
/// previous holder's background threads may still hold for a moment after it closed: the wait for
/// it shares the `attempts` of the wait for the ledger's lock.
fn open_sled(path: &Path, sled_dir: &Path, attempts: &mut u32) -> Result<sled::Db> {
    let before = discard_unfinished_snapshots(sled_dir)?;
    let db = open_sled_retrying(path, sled_dir, attempts)?;
    // The snapshot sled wrote as it opened is renamed into place without syncing the directory: a
    // power cut could leave it finished under its unfinished name, which the next open removes,
    // or the snapshot before it removed as well. Synced now, before anything else is written.
    if discard_unfinished_snapshots(sled_dir)? != before {
        sync_path(sled_dir)?;
    }
    Ok(db)
}

fn open_sled_retrying(path: &Path, sled_dir: &Path, attempts: &mut u32) -> Result<sled::Db> {
    loop {
        match sled::Config::new().path(sled_dir).open() {
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") => {
                if *attempts >= LOCK_ATTEMPTS {
                    return Err(StoreError::InUse {
                        path: path.to_owned(),
                    });
                }
                *attempts += 1;
                std::thread::sleep(LOCK_RETRY);
            }
            other => return Ok(other?),
        }
    }
}

/// Remove the snapshots sled began and never finished (`snap.<lsn>.generating`), which sled 0.34.7
/// would read as its latest: it writes a snapshot only as it opens a database, to that name, then
/// syncs and renames it; but the files it reads snapshots from include that name (only
/// `.in___motion` is left out), and the unfinished one carries the newest sequence number. So a
/// process killed (or out of disk) while sled wrote its snapshot left a database that fails to open
/// with "Read corrupted data at file offset None" (spacejam/sled#1527). Without the unfinished
/// file sled reads the snapshot before it and replays its log from there, as the interrupted open
/// had done just before. Called with the ledger's lock held, so no open of ours is writing one.
/// Returns the names of the finished snapshots.
fn discard_unfinished_snapshots(sled_dir: &Path) -> Result<BTreeSet<String>> {
    let entries = match fs::read_dir(sled_dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        other => other?,
    };
    let mut finished = BTreeSet::new();
    for entry in entries {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !name.starts_with("snap.") {
            continue;
        }
        if name.ends_with(".generating") {
            fs::remove_file(sled_dir.join(&name))?;
        } else {
            finished.insert(name);
        }
    }
    Ok(finished)
}

fn decode_head(bytes: &[u8]) -> Option<Checkpoint> {
    (bytes.len() == 40).then(|| Checkpoint {
        seq: decode_seq(&bytes[..8]),
        hash: Hash::from_slice(&bytes[8..]).expect("32 bytes"),
    })
}

fn derived_key(name: &str, key: &[u8]) -> Vec<u8> {
    let mut k = name.as_bytes().to_vec();
    k.push(0);
    k.extend_from_slice(key);
    k
}

impl Ledger {
    /// Create a new, empty ledger at `path` (a directory).
    pub fn init(path: &Path) -> Result<Ledger> {
        if path.join("sled").exists() {
            return Err(StoreError::AlreadyExists {
                path: path.to_owned(),
            });
        }
        fs::create_dir_all(path)?;
        let ledger = Self::open_inner(path)?;
        // A ledger that `init` reported created must survive a power cut: its files are synced by
        // `flush`, and the directory entries naming them up to the parent of the ledger here.
        ledger.flush()?;
        // sled writes its `conf` once, at creation, without syncing it.
        sync_path(&ledger.sled_dir.join("conf"))?;
        sync_path(path)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_path(parent)?;
        }
        Ok(ledger)
    }

    /// Open the ledger at `path`. Fails with [`StoreError::InUse`] if another process has it open.
    pub fn open(path: &Path) -> Result<Ledger> {
        if !path.join("sled").is_dir() {
            return Err(StoreError::NotFound {
                path: path.to_owned(),
            });
        }
        Self::open_inner(path)
    }

    fn open_inner(path: &Path) -> Result<Ledger> {
        let lock_path = path.join("LOCK");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|cause| StoreError::Access {
                path: lock_path,
                cause,
            })?;
        // A lock that was just released can still look held for a moment: a process forked by
        // another thread inherits our descriptor until it execs. Wait briefly before saying "in use".
        let mut attempts = 0;
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) if attempts < LOCK_ATTEMPTS => {
                    attempts += 1;
                    std::thread::sleep(LOCK_RETRY);
                }
                Err(TryLockError::WouldBlock) => {
                    return Err(StoreError::InUse {
                        path: path.to_owned(),
                    });
                }
                Err(TryLockError::Error(e)) => return Err(e.into()),
            }
        }
        let sled_dir = path.join("sled");
        // sled writes whenever it opens a database (it zero-fills the rest of its segment and writes
        // a snapshot). On a full disk those writes fail half-done, and a full tmpfs showed the
        // database unreadable afterwards ("Read corrupted data"), so without room it is not opened.
        let available = available_bytes(path)?;
        if available < OPEN_MARGIN {
            return Err(StoreError::DiskFull {
                path: path.to_owned(),
                available,
                needed: OPEN_MARGIN,
            });
        }
        let db = open_sled(path, &sled_dir, &mut attempts)?;
        let ledger = Ledger {
            path: path.to_owned(),
            sled_dir,
            log: db.open_tree("log")?,
            ids: db.open_tree("ids")?,
            meta: db.open_tree("meta")?,
            derived: db.open_tree("derived")?,
            db,
            _lock: lock,
            synced: Default::default(),
            written: AtomicU64::new(0),
            codec: Default::default(),
            training: Default::default(),
            journal: std::sync::Mutex::new(Journal::new(path)),
            replayed: AtomicU64::new(0),
        };
        ledger.replay_journal()?;
        ledger.load_codec()?;
        ledger.pack_unpacked()?;
        ledger.discard_uncommitted()?;
        Ok(ledger)
    }

    /// The head is the commit point: anything stored beyond it (an import cut off by a crash) was never
    /// acknowledged, so it is removed before the ledger is used.
    fn discard_uncommitted(&self) -> Result<()> {
        let head = self.head()?.seq;
        let stale: Vec<sled::IVec> = self
            .log
            .range(encode_seq(head + 1)..)
            .keys()
            .collect::<Result<_, _>>()?;
        let holder = self
            .log
            .range(..=encode_seq(head))
            .next_back()
            .transpose()?
            .map(|(k, v)| (decode_seq(&k), v));
        // Blocks are written whole, so the block holding the head ends at it; checked all the same.
        // A block that does not decode or parse is left as it is, for `verify` to report.
        let straddling = holder.as_ref().and_then(|(key, value)| {
            let value = self.decode_block(*key, value.clone()).ok()?;
            let kept = block::truncate(&value, head).ok()?;
            (kept.len() != value.len()).then_some((*key, kept))
        });
        let holder = holder.map(|(key, _)| key);
        let uncommitted = !stale.is_empty() || straddling.is_some();
        if uncommitted {
            // The id entries go first and durably: the stale blocks are what makes the next open
            // clean up again, so they are removed only once nothing else is left to do.
            let mut removed = 0;
            for entry in self.ids.iter() {
                let (id, place) = entry?;
                if block::decode_place(&place).is_some_and(|(seq, _)| seq > head) {
                    removed += id.len() as u64;
                    self.ids.remove(id)?;
                }
            }
            self.flush()?;
            if let Some((key, kept)) = straddling {
                // Stored as it is: a block is readable whatever dictionaries the ledger keeps.
                self.wrote(kept.len() as u64);
                self.log.insert(encode_seq(key), kept)?;
            }
            for key in stale {
                removed += key.len() as u64;
                self.log.remove(key)?;
            }
            // A removal is written to sled's log like an insert, and counts towards the fresh
            // snapshot `close` lets sled write.
            self.wrote(removed);
        }
        // An import that died before writing its head leaves its dictionaries; nothing committed
        // can need them. (Only an import trains from events it has not committed, and only into an
        // empty ledger.)
        if head == 0 {
            self.discard_dictionaries()?;
        }
        // The tail is a pointer the log determines: set right whenever it is not, so that appends
        // never start from a wrong one. (Removing what lies beyond the head does not move it.)
        let tail = holder.filter(|_| head > 0);
        let stored = self.meta.get(TAIL)?;
        if stored.as_deref() != tail.map(encode_seq).as_ref().map(|k| &k[..]) {
            match tail {
                Some(key) => self.meta.insert(TAIL, &encode_seq(key))?,
                None => self.meta.remove(TAIL)?,
            };
        } else if !uncommitted {
            return Ok(());
        }
        self.flush()
    }

    /// Ledgers written before blocks kept each event under its own key in `events` and its chain
    /// hash in `chain`, with `ids` pointing at a bare sequence number. Such a ledger is rewritten into
    /// blocks when it is opened, byte for byte (the chain hashes are carried over, not recomputed, so
    /// `verify` still judges the stored bytes). The old trees are dropped only once the blocks and the
    /// id entries are durable; an upgrade cut short is started again at the next open. The tail
    /// pointer is left to `discard_uncommitted`, which sets it on every open.
    fn pack_unpacked(&self) -> Result<()> {
        let names = self.db.tree_names();
        let has = |name: &[u8]| names.iter().any(|n| n.as_ref() == name);
        if !has(b"events") && !has(b"chain") {
            return Ok(());
        }
        let events = self.db.open_tree("events")?;
        let chain = self.db.open_tree("chain")?;
        if !events.is_empty() {
            let head = self.head()?.seq;
            self.log.clear()?;
            let mut packer = Packer::default();
            let mut starts = Vec::new();
            for entry in events.range(..=encode_seq(head)) {
                let (key, bytes) = entry?;
                // What cannot be carried over is left for `verify` to name, not refused here (a
                // ledger that does not open cannot be verified): a key that is not a sequence number
                // is skipped, and a missing chain hash becomes zeros, which never match.
                let Ok(seq) = <[u8; 8]>::try_from(&key[..]).map(u64::from_be_bytes) else {
                    continue;
                };
                let hash = chain
                    .get(&key)?
                    .and_then(|h| Hash::from_slice(&h))
                    .unwrap_or(Hash([0; 32]));
                let block = packer.push(seq, &hash, &bytes);
                if starts.last() != Some(&block) {
                    starts.push(block);
                }
                if seq.is_multiple_of(1024) {
                    self.write_blocks(packer.take_full())?;
                }
            }
            self.write_blocks(packer.finish())?;
            let mut batch = sled::Batch::default();
            let mut id_bytes = 0;
            for entry in self.ids.iter() {
                let (id, value) = entry?;
                id_bytes += (id.len() + 16) as u64;
                // An upgrade started again finds some entries already rewritten: both start with the
                // seq. One that does not is left as it is, for `verify` to report.
                let Some(seq) = value.get(..8).map(decode_seq) else {
                    continue;
                };
                match starts.partition_point(|&s| s <= seq) {
                    0 => batch.remove(id),
                    _ if seq > head => batch.remove(id),
                    i => batch.insert(id, &block::encode_place(seq, starts[i - 1])),
                }
            }
            self.ids.apply_batch(batch)?;
            self.wrote(id_bytes);
            self.flush()?;
        }
        self.db.drop_tree("events")?;
        self.db.drop_tree("chain")?;
        self.flush()
    }

    /// Write blocks outside the journal (import into an empty ledger, the layout upgrade: both flush
    /// before their head commits them), checking for room first.
    pub(crate) fn write_blocks(&self, blocks: Vec<(u64, Vec<u8>)>) -> Result<()> {
        if blocks.is_empty() {
            return Ok(());
        }
        let bytes = blocks.iter().map(|(_, b)| (8 + b.len()) as u64).sum();
        self.ensure_room(bytes)?;
        let codec = self.codec();
        let mut batch = sled::Batch::default();
        for (key, value) in blocks {
            batch.insert(&encode_seq(key), codec.encode(value));
        }
        self.log.apply_batch(batch)?;
        self.wrote(bytes);
        Ok(())
    }

    /// The key and block of the block that holds `seq`, or would: the last block starting at or
    /// before it.
    pub(crate) fn block_of(&self, seq: u64) -> Result<Option<(u64, BlockBytes)>> {
        let Some((key, value)) = self.log.range(..=encode_seq(seq)).next_back().transpose()? else {
            return Ok(None);
        };
        let key = decode_seq(&key);
        Ok(Some((key, self.decode_block(key, value)?)))
    }

    /// The key of the block that holds `seq`, or would.
    fn block_key_of(&self, seq: u64) -> Result<Option<u64>> {
        Ok(self
            .log
            .range(..=encode_seq(seq))
            .keys()
            .next_back()
            .transpose()?
            .map(|k| decode_seq(&k)))
    }

    /// The block a stored value holds; a value that does not decode is an integrity failure at
    /// the block's first event.
    pub(crate) fn decode_block(&self, key: u64, value: sled::IVec) -> Result<BlockBytes> {
        self.codec()
            .decode(value)
            .map_err(|what| integrity(key, what))
    }

    pub(crate) fn codec(&self) -> std::sync::RwLockReadGuard<'_, Codec> {
        self.codec.read().expect("not poisoned")
    }

    fn load_codec(&self) -> Result<()> {
        let mut codec = self.codec.write().expect("not poisoned");
        let mut dicts = Vec::new();
        let mut next_id = 1;
        for entry in self.meta.scan_prefix(codec::DICT_PREFIX) {
            let (key, value) = entry?;
            if let Some(id) = codec::dict_id(&key) {
                next_id = next_id.max(id.saturating_add(1));
            }
            dicts.extend(StoredDict::parse(&key, &value));
        }
        *codec = Codec::new(dicts, next_id);
        Ok(())
    }

    /// Train a dictionary from the latest [`codec::TRAIN_EVENTS`] events (at most
    /// [`codec::SAMPLE_BYTES`] of them) when one is due (see [`crate::codec`]). Only committed events
    /// are learnt from, so a batch that is then rejected leaves nothing of itself behind.
    fn train_if_due(&self) -> Result<()> {
        if self.head()?.seq < self.codec().next_training() {
            return Ok(());
        }
        let _training = self.training.lock().expect("not poisoned");
        // Another thread may have trained while this one waited.
        let head = self.head()?.seq;
        if head < self.codec().next_training() {
            return Ok(());
        }
        let from = head.saturating_sub(codec::TRAIN_EVENTS as u64) + 1;
        let mut samples = Vec::new();
        let mut bytes = 0;
        for stored in self.iter_from(from)?.rev() {
            let stored = stored?;
            bytes += stored.bytes.len();
            samples.push(stored.bytes);
            if bytes >= codec::SAMPLE_BYTES {
                break;
            }
        }
        self.write_dictionary(&samples, head)
    }

    /// Store a dictionary trained from `samples`, events up to `learnt`, durably (before any block
    /// is compressed against it), and compress new blocks against it.
    pub(crate) fn store_dictionary<S: AsRef<[u8]>>(
        &self,
        samples: &[S],
        learnt: u64,
    ) -> Result<()> {
        let _training = self.training.lock().expect("not poisoned");
        self.write_dictionary(samples, learnt)
    }

    fn write_dictionary<S: AsRef<[u8]>>(&self, samples: &[S], learnt: u64) -> Result<()> {
        let bytes = codec::train(samples);
        let dict = StoredDict {
            id: self.codec().next_id(),
            learnt,
            bytes,
        };
        // Never over a stored dictionary: blocks may be compressed against it.
        self.direct(|| {
            // An id taken meanwhile keeps its dictionary; the codec reloads whichever is stored.
            let _taken = self.meta.compare_and_swap(
                codec::dict_key(dict.id),
                None::<&[u8]>,
                Some(dict.value()),
            )?;
            Ok(())
        })?;
        self.load_codec()
    }

    /// Remove every dictionary, for a ledger that holds no events: what an import that failed, or
    /// died before it wrote its head, trained from lines it never committed.
    pub(crate) fn discard_dictionaries(&self) -> Result<()> {
        let keys: Vec<sled::IVec> = self
            .meta
            .scan_prefix(codec::DICT_PREFIX)
            .keys()
            .collect::<Result<_, _>>()?;
        if !keys.is_empty() {
            self.direct(|| {
                for key in keys {
                    self.meta.remove(key)?;
                }
                Ok(())
            })?;
            self.load_codec()?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The head: the number of events and the chain hash of the last (genesis for an empty ledger).
    pub fn head(&self) -> Result<Checkpoint> {
        Ok(self
            .meta
            .get(HEAD)?
            .and_then(|v| decode_head(&v))
            .unwrap_or_default())
    }

    pub fn get(&self, seq: u64) -> Result<Option<Stored>> {
        if seq == 0 || seq > self.head()?.seq {
            return Ok(None);
        }
        BlockReader::new(self)
            .with_record(seq, |r| Stored {
                seq,
                chain: r.chain,
                bytes: r.bytes.to_vec(),
            })
            .map(Some)
    }

    /// The event at `seq` (`None` beyond the head), decoded; for readers that fold events rather
    /// than check them.
    pub fn event(&self, seq: u64) -> Result<Option<Event>> {
        Ok(self.events_at([seq])?.pop().map(|(_, e)| e))
    }

    /// The events at `seqs` (those beyond the head left out), decoded, in the order asked: one read
    /// of the head for all of them, and one read of a block for neighbours in it.
    pub fn events_at(&self, seqs: impl IntoIterator<Item = u64>) -> Result<Vec<(u64, Event)>> {
        let head = self.head()?.seq;
        let mut reader = BlockReader::new(self);
        let mut events = Vec::new();
        for seq in seqs.into_iter().filter(|&s| s != 0 && s <= head) {
            let event = reader.with_record(seq, |r| decode_stored(seq, r.bytes))??;
            events.push((seq, event));
        }
        Ok(events)
    }

    /// Which of `ids` the ledger holds (up to its head).
    pub fn stored_ids(
        &self,
        ids: impl IntoIterator<Item = EventId>,
    ) -> Result<std::collections::HashSet<EventId>> {
        let head = self.head()?.seq;
        let mut found = std::collections::HashSet::new();
        for id in ids {
            if self.place_of(id, head)?.is_some() {
                found.insert(id);
            }
        }
        Ok(found)
    }

    pub fn seq_of(&self, id: EventId) -> Result<Option<u64>> {
        let head = self.head()?.seq;
        Ok(self.place_of(id, head)?.map(|(seq, _)| seq))
    }

    /// Where the event with `id` is stored, `(seq, block)`, if it is at or before `head`.
    fn place_of(&self, id: EventId, head: u64) -> Result<Option<(u64, u64)>> {
        placed(id, self.ids.get(id.0.as_bytes())?, head)
    }

    /// Events from `from` (inclusive) to the head, oldest first.
    pub fn iter_from(
        &self,
        from: u64,
    ) -> Result<impl DoubleEndedIterator<Item = Result<Stored>> + '_> {
        self.records_from(from, |r| {
            Ok(Stored {
                seq: r.seq,
                chain: r.chain,
                bytes: r.bytes.to_vec(),
            })
        })
    }

    /// Events from `from` (inclusive) to the head, decoded, oldest first, without their chain hashes:
    /// for readers that fold the log rather than check it.
    pub fn events_from(
        &self,
        from: u64,
    ) -> Result<impl DoubleEndedIterator<Item = Result<(u64, Event)>> + '_> {
        self.records_from(from, |r| Ok((r.seq, decode_stored(r.seq, r.bytes)?)))
    }

    /// `read` of every record from `from` (inclusive) to the head, oldest first, a block at a time.
    fn records_from<T: 'static>(
        &self,
        from: u64,
        read: impl Fn(block::Record) -> Result<T> + 'static,
    ) -> Result<impl DoubleEndedIterator<Item = Result<T>> + '_> {
        let head = self.head()?.seq;
        let from = from.max(1);
        let start = self.block_key_of(from)?.unwrap_or(from);
        Ok(self
            .log
            .range(encode_seq(start)..=encode_seq(head.max(start)))
            .flat_map(move |entry| {
                let mut out = Vec::new();
                match entry {
                    Err(e) => out.push(Err(e.into())),
                    Ok((key, value)) => {
                        let key = decode_seq(&key);
                        let value = match self.decode_block(key, value) {
                            Ok(value) => value,
                            Err(e) => return vec![Err(e)],
                        };
                        for record in block::records(&value) {
                            match record {
                                Err(what) => out.push(Err(integrity(key, what))),
                                Ok(r) if r.seq < from || r.seq > head => {}
                                Ok(r) => out.push(read(r)),
                            }
                        }
                    }
                }
                out
            }))
    }

    /// Read a value a later layer stored with [`DerivedWrite`].
    pub fn derived(&self, name: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .derived
            .get(derived_key(name, key))?
            .map(|v| v.to_vec()))
    }

    /// The keys a later layer stored under `name` that start with `prefix`, in key order, each with
    /// `name ‖ 0 ‖ prefix` cut off.
    pub fn derived_keys(
        &self,
        name: &str,
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<Vec<u8>>> + '_ {
        let start = derived_key(name, prefix);
        let cut = start.len();
        self.derived
            .scan_prefix(start)
            .keys()
            .map(move |k| Ok(k?[cut..].to_vec()))
    }

    /// [`Ledger::derived_keys`] with their values.
    pub fn derived_entries(
        &self,
        name: &str,
        prefix: &[u8],
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>)>> + '_ {
        let start = derived_key(name, prefix);
        let cut = start.len();
        self.derived.scan_prefix(start).map(move |entry| {
            let (k, v) = entry?;
            Ok((k[cut..].to_vec(), v.to_vec()))
        })
    }

    /// Write derived values outside an append, atomically and durably: for a layer that builds its
    /// index of events already in the log (after an import, or for a ledger older than the index).
    /// The log itself is untouched.
    pub fn write_derived(&self, writes: Vec<DerivedWrite>) -> Result<()> {
        let estimate: usize = writes
            .iter()
            .map(|w| w.key.len() + w.value.as_ref().map_or(0, Vec::len) + w.name.len() + 1)
            .sum();
        self.ensure_room(estimate as u64)?;
        let mut batch = sled::Batch::default();
        for w in writes {
            let key = derived_key(w.name, &w.key);
            match w.value {
                Some(v) => batch.insert(key, v),
                None => batch.remove(key),
            }
        }
        self.direct(|| Ok(self.derived.apply_batch(batch)?))?;
        self.wrote(estimate as u64);
        Ok(())
    }

    /// Append a batch atomically and durably (journaled and synced before returning).
    ///
    /// Drafts without an id get a UUIDv7. A draft whose id is already stored with the same content is
    /// reported as already present and not written again; with other content the batch is rejected.
    /// Every `supersedes` id must be stored already or appear earlier in the batch. With
    /// `expected_head`, the append happens only if the ledger's head sequence is still that value.
    pub fn append(&self, drafts: Vec<Draft>, expected_head: Option<u64>) -> Result<AppendReport> {
        self.append_with(drafts, expected_head, |_| Vec::new())
    }

    /// [`Ledger::append`], also writing what `derive` returns for the newly appended events in the same
    /// atomic batch.
    pub fn append_with(
        &self,
        drafts: Vec<Draft>,
        expected_head: Option<u64>,
        derive: impl Fn(&[(u64, Event)]) -> Vec<DerivedWrite>,
    ) -> Result<AppendReport> {
        let now = Utc::now();
        let drafts: Vec<(EventId, Draft)> = drafts
            .into_iter()
            .map(|d| (d.id.unwrap_or_else(EventId::new_v7), d))
            .collect();
        // The drafts' JSON plus an envelope's id and stamp: about what the events will take.
        let mut size = ByteCount(0);
        for (_, d) in &drafts {
            serde_json::to_writer(&mut size, d).map_err(|e| StoreError::Io(e.into()))?;
            size.0 += 100;
        }
        self.ensure_room(size.0)?;
        self.train_if_due()?;
        // Appends are serialised by the journal, which they write in order.
        let mut journal = self.lock_journal();
        refuse_if_faulted(&journal)?;
        let codec = self.codec();
        let head = self.head()?;
        if let Some(expected) = expected_head
            && expected != head.seq
        {
            return Err(StoreError::Conflict {
                expected,
                actual: head.seq,
            });
        }
        let recorded_at = match head.seq {
            0 => now,
            seq => now.max(self.head_recorded_at(&codec, seq)?),
        };
        // A batch starts blocks of its own rather than extending the last one: rewriting that
        // value on every single append tripled the disk a log written one event at a time took
        // (sled rewrites the whole leaf page of 16 blocks), for fewer keys it did not need.
        let mut packer = Packer::default();
        let mut report = AppendReport {
            head,
            ..AppendReport::default()
        };
        let mut set = WriteSet {
            head_before: head.seq,
            ..WriteSet::default()
        };
        let mut rejections = Vec::new();
        let mut batch_ids = std::collections::HashSet::new();
        let mut fresh = Vec::new();
        let mut tip = head;
        for (position, (id, draft)) in drafts.iter().enumerate() {
            let at = EventRef {
                position: Some(position + 1),
                id: Some(*id),
                ..EventRef::default()
            };
            let mut reject = |field: &str, rule| {
                rejections.push(Rejection {
                    event: at.clone(),
                    field: field.into(),
                    rule,
                })
            };
            if !batch_ids.insert(*id) {
                reject("id", Rule::DuplicateInBatch(*id));
                continue;
            }
            for target in &draft.supersedes {
                if !batch_ids.contains(target) && self.place_of(*target, head.seq)?.is_none() {
                    reject("supersedes", Rule::UnknownSuperseded(*target));
                }
            }
            if let Some((seq, key)) = self.place_of(*id, head.seq)? {
                let block = self.log.get(encode_seq(key))?.unwrap_or_default();
                let block = codec.decode(block).map_err(|what| integrity(key, what))?;
                let stored = block::find(&block, seq)
                    .map_err(|what| integrity(seq, what))?
                    .ok_or_else(|| integrity(seq, "event missing"))?
                    .bytes;
                let existing = decode_stored(seq, stored)?;
                let again = draft.clone().into_event(*id, existing.recorded_at);
                if again.canonical_bytes() == stored {
                    report.already_present.push((seq, *id));
                } else {
                    reject("id", Rule::IdCollision(*id));
                }
                continue;
            }
            let event = draft.clone().into_event(*id, recorded_at);
            let bytes = event.canonical_bytes();
            tip = Checkpoint {
                seq: tip.seq + 1,
                hash: chain_hash(tip.hash, leaf_hash(&bytes)),
            };
            let key = packer.push(tip.seq, &tip.hash, &bytes);
            set.put(
                TreeName::Ids,
                id.0.as_bytes().to_vec(),
                block::encode_place(tip.seq, key).to_vec(),
            );
            report.appended.push((tip.seq, *id));
            fresh.push((tip.seq, event));
        }
        if !rejections.is_empty() {
            return Err(StoreError::Rejected(rejections));
        }
        let blocks = packer.finish();
        if let Some((last, _)) = blocks.last() {
            set.put(TreeName::Meta, TAIL, encode_seq(*last).to_vec());
        }
        for (key, value) in blocks {
            set.put(TreeName::Log, encode_seq(key), codec.encode(value));
        }
        drop(codec);
        let writes = derive(&fresh);
        let derived_bytes = writes
            .iter()
            .map(|w| (w.key.len() + w.value.as_ref().map_or(0, Vec::len)) as u64)
            .sum::<u64>()
            + 32 * fresh.len() as u64;
        for w in writes {
            let key = derived_key(w.name, &w.key);
            match w.value {
                Some(v) => set.put(TreeName::Derived, key, v),
                None => set.remove(TreeName::Derived, key),
            }
        }
        if set.writes.is_empty() {
            return Ok(report);
        }
        set.head_after = tip.seq;
        set.put(TreeName::Meta, HEAD, encode_head(tip));
        report.head = tip;
        // Durable once the journal is synced; applied to sled (unflushed) after it.
        journal.append(&set).map_err(|cause| {
            StoreError::NotDurable(Box::new(self.journal_error(&journal, cause)))
        })?;
        if let Err(e) = self.apply(&set) {
            journal.fault = Some(Fault::Unapplied);
            return Err(StoreError::Unapplied(Box::new(e)));
        }
        self.wrote(size.0 + derived_bytes);
        if journal.len() > JOURNAL_CHECKPOINT {
            // The append is durable and applied whatever happens here, so it is acknowledged: a
            // failed checkpoint loses nothing (the journal still holds every record) and is tried
            // again at the next append and at close (which reports it); one that failed to empty
            // the journal stops further writes (`Fault::NotEmptied`).
            let _ = self.flush_locked(&mut journal);
        }
        Ok(report)
    }

    /// Apply a journaled write set to sled. Not flushed: the journal holds it durably.
    ///
    /// A small set (a single append's) is inserted one value at a time, tree by tree, the head last:
    /// reads of the log and the id index go by the head and see nothing of it before the head
    /// moves. Reads of `derived` do not: another thread reading the index while an append is
    /// applied may see its entries a moment early, or, after an apply that failed
    /// ([`StoreError::Unapplied`]), until the next open applies the rest. Not as a sled batch or
    /// transaction: sled makes those atomic by writing them out to its file at once (about six
    /// `pwrite`s and `sync_file_range`s an append), which the journal makes needless and which held
    /// up the journal's own sync (a single append's p50 740-830 µs with batches against 480 µs
    /// without, at 100k events). A large set (a bulk import's batch) is one sled transaction: inserted
    /// one by one, a 1M-event import took 88 s instead of 111-114 s but left 958 MB on disk instead
    /// of 707-717 MB (sled's log keeps more garbage; why was not found), and disk is the scarcer.
    fn apply(&self, set: &WriteSet) -> Result<()> {
        let trees = [
            (TreeName::Log, &self.log),
            (TreeName::Ids, &self.ids),
            (TreeName::Derived, &self.derived),
            (TreeName::Meta, &self.meta),
        ];
        if set.writes.len() > SMALL_WRITE_SET {
            let trees = (&self.log, &self.ids, &self.derived, &self.meta);
            let applied: std::result::Result<(), TransactionError<()>> =
                trees.transaction(|(log, ids, derived, meta)| {
                    for (name, key, value) in &set.writes {
                        let tree = match name {
                            TreeName::Log => log,
                            TreeName::Ids => ids,
                            TreeName::Derived => derived,
                            TreeName::Meta => meta,
                        };
                        match value {
                            Some(v) => tree.insert(&key[..], &v[..])?,
                            None => tree.remove(&key[..])?,
                        };
                    }
                    Ok(())
                });
            return match applied {
                Ok(()) => Ok(()),
                Err(TransactionError::Storage(e)) => Err(e.into()),
                Err(TransactionError::Abort(())) => unreachable!("the closure never aborts"),
            };
        }
        for (name, tree) in trees {
            for (_, key, value) in set.writes.iter().filter(|(t, _, _)| *t == name) {
                match value {
                    Some(v) => tree.insert(&key[..], &v[..])?,
                    None => tree.remove(&key[..])?,
                };
            }
        }
        Ok(())
    }

    /// The journal, locked. A thread that panicked holding it may have synced a record and not
    /// applied it (and the head it read would be reused): the handle then writes nothing more.
    fn lock_journal(&self) -> std::sync::MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|poisoned| {
            let mut journal = poisoned.into_inner();
            journal.fault = Some(Fault::Unapplied);
            journal
        })
    }

    fn journal_error(&self, journal: &Journal, cause: std::io::Error) -> StoreError {
        StoreError::Sync {
            path: journal.path().to_owned(),
            cause,
        }
    }

    /// Apply what the journal holds, every record in order, and checkpoint: after a crash, sled may
    /// hold any part of what was journaled since the last checkpoint, and applying a record again
    /// gives what it gave the first time. A journal that does not follow on from the log (its first
    /// record starts beyond sled's head, or its last ends before it) is refused, not applied.
    fn replay_journal(&self) -> Result<()> {
        let mut journal = self.lock_journal();
        let sets = journal
            .read()
            .map_err(|cause| self.journal_error(&journal, cause))?;
        if sets.is_empty() {
            return Ok(());
        }
        let head = self.head()?.seq;
        if let (Some(first), Some(last)) = (sets.first(), sets.last())
            && (head < first.head_before || head > last.head_after)
        {
            return Err(integrity(
                head,
                format!(
                    "the journal ({}) holds events {}..{} but the log's head is {head}; it does not \
                     follow on from this log, so it was not applied",
                    journal.path().display(),
                    first.head_before + 1,
                    last.head_after
                ),
            ));
        }
        if let Some(pair) = sets
            .windows(2)
            .find(|w| w[1].head_before != w[0].head_after)
        {
            return Err(integrity(
                head,
                format!(
                    "the journal ({}) holds a record of events {}..{} after one ending at {}: its \
                     records do not follow on from each other, so it was not applied",
                    journal.path().display(),
                    pair[1].head_before + 1,
                    pair[1].head_after,
                    pair[0].head_after
                ),
            ));
        }
        for set in &sets {
            self.apply(set)?;
        }
        self.replayed.store(sets.len() as u64, Ordering::Relaxed);
        self.flush_locked(&mut journal)
    }

    /// The record time of the head event `seq`, read from the tail block the `meta` tree points at.
    fn head_recorded_at(&self, codec: &Codec, seq: u64) -> Result<DateTime<Utc>> {
        let key = self
            .meta
            .get(TAIL)?
            .ok_or_else(|| integrity(seq, "the tail block is not recorded"))?;
        let key = <[u8; 8]>::try_from(&key[..])
            .map_err(|_| integrity(seq, "the tail pointer is malformed"))?;
        let block = self.log.get(key)?.unwrap_or_default();
        let block = codec
            .decode(block)
            .map_err(|what| integrity(u64::from_be_bytes(key), what))?;
        let record = block::find(&block, seq)
            .map_err(|what| integrity(seq, what))?
            .ok_or_else(|| integrity(seq, "the head event is not in the tail block"))?;
        Ok(decode_stored(seq, record.bytes)?.recorded_at)
    }

    pub(crate) fn wrote(&self, bytes: u64) {
        self.written.fetch_add(bytes, Ordering::Relaxed);
    }

    /// How many journal records opening this ledger applied again: appends a process acknowledged
    /// (durable in the journal) before it ended without checkpointing them into sled.
    pub fn replayed(&self) -> u64 {
        self.replayed.load(Ordering::Relaxed)
    }

    /// About how many bytes of data this handle has written: blocks, id and index entries, the keys
    /// it removed.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// Close the ledger, leaving sled quick to open.
    ///
    /// sled 0.34 writes the snapshot of its page table only when it opens a database, and each open
    /// first re-reads all that sled's log gained since the last snapshot: after a 1M-event import
    /// the next command took 2.1 s where later ones took 0.33 s. So when this handle wrote more than
    /// [`RESNAPSHOT_AFTER`] bytes, closing opens sled once more (still holding the ledger's lock),
    /// and the import that wrote the log pays for re-reading it, not the clerk's next question.
    /// Dropping a ledger instead is always safe; it only leaves that work to the next open.
    pub fn close(self) -> Result<()> {
        self.close_resnapshotting_after(RESNAPSHOT_AFTER)
    }

    /// [`Ledger::close`], opening sled once more if this handle wrote more than `threshold` bytes
    /// (0: whenever it wrote).
    pub fn close_resnapshotting_after(self, threshold: u64) -> Result<()> {
        self.checkpoint()?;
        let Ledger {
            path,
            sled_dir,
            db,
            log,
            ids,
            meta,
            derived,
            _lock,
            written,
            ..
        } = self;
        drop((log, ids, meta, derived, db));
        // An open writes (see `open_inner`), so not on a disk without room: the next open refuses.
        if written.into_inner() > threshold && available_bytes(&path)? >= OPEN_MARGIN {
            // Opening writes sled's new snapshot and `open_sled` syncs the directory it is renamed
            // in; dropping sled syncs its log: the command ends with nothing unsynced.
            drop(open_sled(&path, &sled_dir, &mut 0)?);
        }
        Ok(())
    }

    /// Refuse a write of about `bytes` when the disk cannot hold it with room to spare.
    ///
    /// sled 0.34 can hang, rather than fail, when a write meets a full disk (ENOSPC) mid-flush (seen
    /// on a full tmpfs: every thread waiting on a futex), so the ledger checks first. sled may need a
    /// new 512 KiB segment, rewrites pages and writes snapshots, hence the factor and the margin.
    /// Another process can still fill the disk between the check and the write.
    pub(crate) fn ensure_room(&self, bytes: u64) -> Result<()> {
        let needed = bytes.saturating_mul(4).saturating_add(OPEN_MARGIN);
        let available = available_bytes(&self.sled_dir)?;
        if available < needed {
            return Err(StoreError::DiskFull {
                path: self.path.clone(),
                available,
                needed,
            });
        }
        Ok(())
    }

    /// Make everything written so far durable, on stable storage and not only in the page cache.
    ///
    /// sled 0.34's `flush` writes its log with `sync_file_range` on Linux, which neither flushes the
    /// drive's write cache nor writes the metadata (file size, block allocation) of a file that grew,
    /// writes blob files without any sync, and renames snapshots without syncing their directory. So
    /// after sled's flush the ledger fdatasyncs `sled/db` and each blob file it has not synced
    /// before, and fsyncs `sled/blobs/` and `sled/` when their entries changed since it last synced
    /// them (a single append then costs one sync beyond sled's own). See docs/storage.md and
    /// docs/reliability.md.
    ///
    /// This is also the journal's checkpoint: once sled holds everything durably, the journal is
    /// emptied.
    pub fn flush(&self) -> Result<()> {
        let mut journal = self.lock_journal();
        self.flush_locked(&mut journal)
    }

    /// Flush if the journal holds records: what a process does before it ends, so that the next
    /// open has nothing to apply again. (Every acknowledged append is durable without it.)
    pub fn checkpoint(&self) -> Result<()> {
        let mut journal = self.lock_journal();
        if journal.len() == 0 {
            return Ok(());
        }
        self.flush_locked(&mut journal)
    }

    fn flush_locked(&self, journal: &mut Journal) -> Result<()> {
        self.db.flush()?;
        sync_data(&self.sled_dir.join("db"))?;
        let mut synced = self.synced.lock().unwrap_or_else(|e| e.into_inner());
        let blobs = self.sled_dir.join("blobs");
        if blobs.is_dir() {
            let now = listing(&blobs)?;
            let before = synced.dirs.get(&blobs);
            for entry in now.iter().filter(|e| before.is_none_or(|b| !b.contains(e))) {
                match sync_data(&blobs.join(&entry.0)) {
                    // sled removes blobs it no longer needs; a vanished one needs no sync.
                    Err(StoreError::Sync { cause, .. })
                        if cause.kind() == std::io::ErrorKind::NotFound => {}
                    other => other?,
                }
            }
            sync_dir_if_changed(&mut synced, &blobs, now)?;
        }
        let now = listing(&self.sled_dir)?;
        sync_dir_if_changed(&mut synced, &self.sled_dir, now)?;
        // A record sled could not take must survive for the next open to apply.
        if journal.fault != Some(Fault::Unapplied) {
            journal
                .clear()
                .map_err(|cause| self.journal_error(journal, cause))?;
        }
        Ok(())
    }

    /// Run `write`, a write to sled that is not journaled, then flush. The journal is emptied
    /// first: a record applied again at the next open must never be older than what sled holds
    /// (it would put back what `write` replaced).
    fn direct<T>(&self, write: impl FnOnce() -> Result<T>) -> Result<T> {
        let mut journal = self.lock_journal();
        refuse_if_faulted(&journal)?;
        if journal.len() > 0 {
            self.flush_locked(&mut journal)?;
        }
        let out = write()?;
        self.flush_locked(&mut journal)?;
        Ok(out)
    }

    /// Overwrite the stored bytes of one event without updating its hashes: only for tests that
    /// prove tampering is detected.
    #[cfg(feature = "tamper")]
    pub fn tamper_with_event(&self, seq: u64, bytes: &[u8]) -> Result<()> {
        let (_, chain) = self.tamper_record(seq)?.expect("the event is stored");
        self.tamper_set_record(seq, Some((bytes.to_vec(), chain)))?;
        self.flush()
    }

    /// The stored bytes and chain hash at `seq`, read past every check: only for tamper tests.
    #[cfg(feature = "tamper")]
    pub fn tamper_record(&self, seq: u64) -> Result<Option<(Vec<u8>, Hash)>> {
        let Some((_, value)) = self.block_of(seq)? else {
            return Ok(None);
        };
        Ok(block::find(&value, seq)
            .map_err(|what| integrity(seq, what))?
            .map(|r| (r.bytes.to_vec(), r.chain)))
    }

    /// Put, replace or (with `None`) remove the record at `seq` inside its block, bypassing every
    /// check and leaving hashes, ids and head as they are: only for tests that delete, duplicate,
    /// reorder or truncate stored events.
    #[cfg(feature = "tamper")]
    pub fn tamper_set_record(&self, seq: u64, record: Option<(Vec<u8>, Hash)>) -> Result<()> {
        // Checkpointed first, or the next open would put the journaled record back.
        self.flush()?;
        let (key, old) = match self.block_of(seq)? {
            Some((key, value)) => (key, value.to_vec()),
            None => (seq, Vec::new()),
        };
        let mut new = Vec::new();
        let mut put = record;
        for r in block::records(&old) {
            let r = r.map_err(|what| integrity(seq, what))?;
            if r.seq > seq
                && let Some((bytes, chain)) = put.take()
            {
                block::push(&mut new, seq, &chain, &bytes);
            }
            if r.seq != seq {
                block::push(&mut new, r.seq, &r.chain, r.bytes);
            }
        }
        if let Some((bytes, chain)) = put {
            block::push(&mut new, seq, &chain, &bytes);
        }
        // A block emptied here is kept, empty, so that putting its records back puts them where
        // they were.
        self.log.insert(encode_seq(key), new)?;
        Ok(())
    }

    /// Raw access to the `log`, `ids` or `meta` tree, bypassing every check: only for tamper tests.
    #[cfg(feature = "tamper")]
    pub fn tamper_tree(&self, name: &str) -> &Tree {
        // Checkpointed first, or the next open would put journaled values back.
        self.flush().expect("a checkpoint before tampering");
        match name {
            "log" => &self.log,
            "ids" => &self.ids,
            "meta" => &self.meta,
            other => panic!("no tree {other}"),
        }
    }

    pub(crate) fn derived_tree(&self) -> &Tree {
        &self.derived
    }
}

/// A sink that only counts what is written to it.
struct ByteCount(u64);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes an unprivileged process may still write on the file system holding `path`.
fn available_bytes(path: &Path) -> Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: a valid NUL-terminated path and a pointer to writable memory of the right type;
    // statvfs initialises it when it returns 0.
    let stat = unsafe {
        if libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        stat.assume_init()
    };
    // The field types are narrower than u64 on some 32-bit targets.
    #[allow(clippy::useless_conversion)]
    Ok(u64::from(stat.f_bavail).saturating_mul(u64::from(stat.f_frsize)))
}

/// fsync a directory unless its entries (names and inodes) are as they were when this process last
/// synced it: a directory whose entries did not change has nothing new to make durable. The listing
/// is taken after sled's flush, so an entry it made for the data being flushed is in it.
fn sync_dir_if_changed(synced: &mut Synced, dir: &Path, now: Listing) -> Result<()> {
    if synced.dirs.get(dir) == Some(&now) {
        return Ok(());
    }
    sync_path(dir)?;
    synced.dirs.insert(dir.to_owned(), now);
    Ok(())
}

/// fsync a file or directory. A sync applies to the file, not the descriptor, so a read-only
/// handle of our own covers what sled wrote through its handles.
fn sync_path(path: &Path) -> Result<()> {
    sync_with(path, File::sync_all)
}

/// fdatasync a file: its data and the metadata needed to read it back (the size of a file that
/// grew), without the timestamps `fsync` would also write.
fn sync_data(path: &Path) -> Result<()> {
    sync_with(path, File::sync_data)
}

fn sync_with(path: &Path, sync: fn(&File) -> std::io::Result<()>) -> Result<()> {
    File::open(path)
        .and_then(|f| sync(&f))
        .map_err(|cause| StoreError::Sync {
            path: path.to_owned(),
            cause,
        })
}

/// An `ids` entry read for `id`: its `(seq, block)` if it names an event at or before `head`.
fn placed(id: EventId, entry: Option<sled::IVec>, head: u64) -> Result<Option<(u64, u64)>> {
    let Some(value) = entry else {
        return Ok(None);
    };
    let place = block::decode_place(&value)
        .ok_or_else(|| integrity(head, format!("the id index entry of {id} is malformed")))?;
    Ok((place.0 <= head).then_some(place))
}

/// After sled failed to take a journaled record, this handle writes nothing more: the next open
/// applies the record, and a later write could be put back by it. After a checkpoint failed to
/// empty the journal, a record written now might not be read back.
fn refuse_if_faulted(journal: &Journal) -> Result<()> {
    match journal.fault {
        None => Ok(()),
        Some(Fault::Unapplied) => Err(StoreError::Unapplied(Box::new(integrity(
            0,
            "an earlier append on this handle was journaled but not applied",
        )))),
        Some(Fault::NotEmptied) => Err(StoreError::NotEmptied),
    }
}

pub(crate) fn integrity(seq: u64, what: impl Into<String>) -> StoreError {
    StoreError::Integrity {
        seq,
        what: what.into(),
    }
}

/// Reads records by sequence number, keeping the last block read, so reads of neighbours in one
/// block touch sled once.
struct BlockReader<'a> {
    ledger: &'a Ledger,
    block: Option<BlockBytes>,
}

impl<'a> BlockReader<'a> {
    fn new(ledger: &'a Ledger) -> Self {
        BlockReader {
            ledger,
            block: None,
        }
    }

    fn with_record<T>(&mut self, seq: u64, read: impl FnOnce(block::Record) -> T) -> Result<T> {
        if let Some(block) = &self.block
            && let Ok(Some(record)) = block::find(block, seq)
        {
            return Ok(read(record));
        }
        let (_, block) = self
            .ledger
            .block_of(seq)?
            .ok_or_else(|| integrity(seq, "event missing"))?;
        let record = block::find(&block, seq)
            .map_err(|what| integrity(seq, what))?
            .ok_or_else(|| integrity(seq, "event missing"))?;
        let out = read(record);
        self.block = Some(block);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: usize) -> Draft {
        let line = format!(
            r#"{{"type":"person_registered","effective":"2014-09-25","recorded_by":"clerk","source":{{"document":"minutes"}},"data":{{"person":"p{n}","name":"Person {n}"}}}}"#
        );
        minutebook_model::parse_batch(line.as_bytes())
            .unwrap()
            .remove(0)
    }

    #[test]
    fn a_batch_packs_its_events_into_blocks_and_each_append_starts_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::init(&dir.path().join("l")).unwrap();
        ledger.append((0..60).map(person).collect(), None).unwrap();
        let packed = ledger.log.len();
        let bytes: usize = ledger
            .iter_from(1)
            .unwrap()
            .map(|s| s.unwrap().bytes.len())
            .sum();
        // Each block but the last holds at least BLOCK_BYTES of records.
        assert!(
            packed > 1 && packed <= bytes / block::BLOCK_BYTES + 1,
            "{packed} blocks"
        );
        for n in 60..70 {
            ledger.append(vec![person(n)], None).unwrap();
        }
        assert_eq!(ledger.log.len(), packed + 10);
        ledger.verify(None).unwrap();
        let seqs = [70, 1, 33, 34, 2, 61];
        let got: Vec<u64> = ledger
            .events_at(seqs)
            .unwrap()
            .iter()
            .map(|(s, _)| *s)
            .collect();
        assert_eq!(got, seqs);
        for seq in 1..=70 {
            assert_eq!(ledger.get(seq).unwrap().unwrap().seq, seq);
        }
    }

    /// The newest snapshot sled has written, `snap.<stable lsn>` in its directory, if any.
    fn newest_snapshot(path: &Path) -> Option<String> {
        let mut snaps: Vec<String> = fs::read_dir(path.join("sled"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("snap."))
            .collect();
        snaps.sort();
        snaps.pop()
    }

    #[test]
    fn a_dictionary_is_never_stored_over_another_nor_under_an_id_already_taken() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::init(&dir.path().join("l")).unwrap();
        let samples = |tag: &str| -> Vec<Vec<u8>> {
            (0..3000)
                .map(|i| {
                    format!(r#"{{"type":"{tag}","n":{i},"name":"{tag} {}"}}"#, i % 31).into_bytes()
                })
                .collect()
        };
        let stored = |ledger: &Ledger| -> Vec<(u32, u64)> {
            ledger
                .meta
                .scan_prefix(codec::DICT_PREFIX)
                .map(|e| {
                    let (k, v) = e.unwrap();
                    let d = StoredDict::parse(&k, &v).unwrap();
                    (d.id, d.learnt)
                })
                .collect()
        };
        // As if another writer stored dictionary 1 after this handle last loaded its codec.
        let theirs = StoredDict {
            id: 1,
            learnt: 5,
            bytes: codec::train(&samples("theirs")),
        };
        ledger
            .meta
            .insert(codec::dict_key(1), theirs.value())
            .unwrap();
        assert_eq!(ledger.codec().next_id(), 1);
        ledger.store_dictionary(&samples("ours"), 10).unwrap();
        assert_eq!(stored(&ledger), [(1, 5)], "dictionary 1 is not overwritten");
        assert_eq!(ledger.codec().next_id(), 2);
        ledger.store_dictionary(&samples("ours"), 10).unwrap();
        assert_eq!(stored(&ledger), [(1, 5), (2, 10)]);
        // A stored key whose dictionary does not parse still takes its id.
        ledger.meta.insert(codec::dict_key(7), &b"bad"[..]).unwrap();
        ledger.load_codec().unwrap();
        assert_eq!(ledger.codec().next_id(), 8);
    }

    #[test]
    fn closing_after_much_writing_leaves_the_next_open_nothing_to_reread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        let ledger = Ledger::init(&path).unwrap();
        ledger.append((0..200).map(person).collect(), None).unwrap();
        // Below the threshold: sled's snapshot stays behind its log, and the next open rolls it on.
        ledger.close_resnapshotting_after(u64::MAX).unwrap();
        let behind = newest_snapshot(&path);
        let ledger = Ledger::open(&path).unwrap();
        assert_ne!(newest_snapshot(&path), behind, "the open re-read the log");
        ledger
            .append((200..400).map(person).collect(), None)
            .unwrap();
        // Past it: closing rolls the snapshot on, so the next open finds nothing new to read.
        ledger.close_resnapshotting_after(0).unwrap();
        let rolled = newest_snapshot(&path);
        assert!(rolled.is_some());
        let ledger = Ledger::open(&path).unwrap();
        assert_eq!(
            newest_snapshot(&path),
            rolled,
            "the open had nothing to re-read"
        );
        assert_eq!(ledger.head().unwrap().seq, 400);
        ledger.verify(None).unwrap();
    }

    /// How many records the journal of the ledger at `path` holds, read as an open reads it.
    fn journal_records(path: &Path) -> usize {
        Journal::new(path).read().unwrap().len()
    }

    #[test]
    fn a_write_outside_the_journal_first_empties_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        let ledger = Ledger::init(&path).unwrap();
        let entry = |value: &[u8]| DerivedWrite {
            name: "test",
            key: b"k".to_vec(),
            value: Some(value.to_vec()),
        };
        ledger
            .append_with(vec![person(0)], None, |_| vec![entry(b"old")])
            .unwrap();
        assert_eq!(journal_records(&path), 1, "the append is journaled");
        // Were the append left in the journal while sled is written to directly, an open after a
        // crash (before the flush that ends the write) would apply it over what was written.
        ledger
            .direct(|| {
                assert_eq!(journal_records(&path), 0, "emptied before the write");
                Ok(())
            })
            .unwrap();
        ledger
            .append_with(vec![person(1)], None, |_| vec![entry(b"old")])
            .unwrap();
        ledger.write_derived(vec![entry(b"new")]).unwrap();
        assert_eq!(journal_records(&path), 0);
        drop(ledger);
        let ledger = Ledger::open(&path).unwrap();
        assert_eq!(
            ledger.derived("test", b"k").unwrap().as_deref(),
            Some(&b"new"[..])
        );
        assert_eq!(ledger.head().unwrap().seq, 2);
    }

    /// Open a ledger of two events whose journal holds records of these (head before, head after):
    /// the open must refuse it, and without the journal the ledger must be as it was. Returns the
    /// refusal.
    fn refused_with_journal(records: &[(u64, u64)]) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        let ledger = Ledger::init(&path).unwrap();
        ledger.append(vec![person(0), person(1)], None).unwrap();
        ledger.close().unwrap();
        let mut journal = Journal::new(&path);
        journal.read().unwrap();
        for &(head_before, head_after) in records {
            let mut set = WriteSet {
                head_before,
                head_after,
                ..WriteSet::default()
            };
            set.put(TreeName::Meta, HEAD, vec![0; 40]);
            journal.append(&set).unwrap();
        }
        let Err(StoreError::Integrity { what, .. }) = Ledger::open(&path) else {
            panic!("the journal {records:?} was applied to a log of two events");
        };
        // Nothing was applied: without the journal the ledger is as it was.
        fs::remove_file(path.join(Journal::FILE)).unwrap();
        assert_eq!(
            Ledger::open(&path).unwrap().verify(None).unwrap().head.seq,
            2
        );
        what
    }

    #[test]
    fn a_journal_whose_records_do_not_follow_on_from_each_other_is_refused() {
        // Events 3..3, then 6..6: the two appends of a handle that reused a stale head, say.
        let what = refused_with_journal(&[(2, 3), (5, 6)]);
        assert!(what.contains("do not follow on from each other"), "{what}");
    }

    #[test]
    fn a_thread_that_panicked_holding_the_journal_stops_the_handle_writing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l");
        let ledger = Ledger::init(&path).unwrap();
        std::thread::scope(|scope| {
            let panicked = scope.spawn(|| {
                let _journal = ledger.journal.lock().unwrap();
                panic!("between the journal's sync and sled's apply");
            });
            assert!(panicked.join().is_err());
        });
        assert!(matches!(
            ledger.append(vec![person(0)], None),
            Err(StoreError::Unapplied(_))
        ));
        drop(ledger);
        let ledger = Ledger::open(&path).unwrap();
        ledger.append(vec![person(0)], None).unwrap();
    }

    #[test]
    fn a_journal_that_does_not_follow_on_from_the_log_is_refused() {
        // Records of events 6..7, as another ledger's journal would hold.
        let what = refused_with_journal(&[(5, 7)]);
        assert!(what.contains("does not follow on from this log"), "{what}");
    }
}
