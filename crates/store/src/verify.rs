//! Recompute every hash and check every invariant of the log.

use std::collections::HashSet;

use minutebook_model::{Event, EventId};

use crate::block;
use crate::codec::BlockBytes;
use crate::error::{Result, StoreError};
use crate::hash::{Checkpoint, Hash, chain_hash, leaf_hash};
use crate::ledger::{Ledger, decode_seq, encode_seq};

/// What `verify` checked.
#[derive(Clone, Debug)]
pub struct VerifyReport {
    pub events: u64,
    pub bytes: u64,
    pub head: Checkpoint,
}

/// Checks one event after another, so `verify` and `import` apply the same rules in the same words.
pub(crate) struct ChainChecker {
    tip: Checkpoint,
    seen: HashSet<EventId>,
    last_recorded_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ChainChecker {
    pub(crate) fn new() -> Self {
        ChainChecker {
            tip: Checkpoint::default(),
            seen: HashSet::new(),
            last_recorded_at: None,
        }
    }

    pub(crate) fn tip(&self) -> Checkpoint {
        self.tip
    }

    /// Check the next event's bytes; returns its chain hash and id, or what is wrong with it.
    pub(crate) fn next(&mut self, bytes: &[u8]) -> Result<(Hash, EventId), String> {
        let event = Self::parse(bytes)?;
        self.accept(&event, leaf_hash(bytes))
    }

    /// The checks of an event that need nothing before it: it parses, and its bytes are its
    /// canonical form. Separate so that `verify` can run them on the threads that read the log,
    /// while one thread checks each event against those before it; the event is freed where it
    /// was parsed (a free on another thread is dear), and only its envelope goes on.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Envelope, String> {
        let event = Event::from_slice(bytes).map_err(|r| {
            format!(
                "the event does not parse: {}",
                r.to_string().trim_start_matches("event: ")
            )
        })?;
        if event.canonical_bytes() != bytes {
            return Err("the event's bytes are not in canonical form".into());
        }
        Ok(Envelope {
            id: event.id,
            supersedes: event.supersedes,
            recorded_at: event.recorded_at,
        })
    }

    /// The rest of [`ChainChecker::next`] for an event [`ChainChecker::parse`] accepted, whose
    /// bytes have the leaf hash `leaf`.
    pub(crate) fn accept(
        &mut self,
        event: &Envelope,
        leaf: Hash,
    ) -> Result<(Hash, EventId), String> {
        if !self.seen.insert(event.id) {
            return Err(format!("event id {} appears earlier in the log", event.id));
        }
        if let Some(unknown) = event
            .supersedes
            .iter()
            .find(|id| !self.seen.contains(id) || **id == event.id)
        {
            return Err(format!(
                "supersedes {unknown}, which is not an earlier event"
            ));
        }
        if self
            .last_recorded_at
            .is_some_and(|last| event.recorded_at < last)
        {
            return Err(format!(
                "recorded_at {} is earlier than the previous event's",
                event.recorded_at
            ));
        }
        self.last_recorded_at = Some(event.recorded_at);
        Ok((self.link(leaf), event.id))
    }

    /// Chain the next event onto the tip by its leaf hash alone, checking nothing about the event:
    /// what `verify --chain-only` does.
    fn link(&mut self, leaf: Hash) -> Hash {
        let hash = chain_hash(self.tip.hash, leaf);
        self.tip = Checkpoint {
            seq: self.tip.seq + 1,
            hash,
        };
        hash
    }
}

/// What checking an event against the events before it reads of it.
pub(crate) struct Envelope {
    id: EventId,
    supersedes: Vec<EventId>,
    recorded_at: chrono::DateTime<chrono::Utc>,
}

/// How much `verify` checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// Every stored byte against the hash chain, the blocks' order and the head: what tamper
    /// evidence rests on, without decoding a single event.
    Chain,
    /// The chain, and every event decoded and checked against the envelope rules (canonical form,
    /// unique ids, supersession of earlier events only, record time never going backwards), and the
    /// id index against the log.
    Full,
}

impl Ledger {
    /// Recompute every leaf and chain hash from the stored bytes and check the log's invariants:
    /// gapless sequence, canonical and parseable events, unique ids indexed to their place,
    /// supersession of earlier events only, non-decreasing record time, and the head. With `expect`, also
    /// check that the log extends that checkpoint. The first problem is reported with its sequence.
    pub fn verify(&self, expect: Option<Checkpoint>) -> Result<VerifyReport> {
        self.verify_to(expect, Depth::Full)
    }

    /// [`Ledger::verify`] to the given depth: [`Depth::Chain`] checks only the chain and the log's
    /// structure, which is enough to detect any change to a stored byte.
    pub fn verify_to(&self, expect: Option<Checkpoint>, depth: Depth) -> Result<VerifyReport> {
        let head = self.head()?;
        let mut scan = Scan::default();
        if depth == Depth::Chain {
            self.scan_log(head, expect, depth, &mut scan)?;
            return Ok(VerifyReport {
                events: head.seq,
                bytes: scan.bytes,
                head,
            });
        }
        // The id index is read in its own order, once, rather than looked up event by event: at
        // national scale those lookups were random reads of a tree larger than the cache. It is
        // read on a thread of its own while the log is scanned (reading it after the scan took a
        // quarter of a full verify at 1M, on one core). Its first fault still counts by sequence
        // against the log's.
        let (log, index) = std::thread::scope(|scope| {
            let index = scope.spawn(|| self.id_entries());
            let log = self.scan_log(head, expect, depth, &mut scan);
            (
                log,
                index.join().expect("reading the id index does not panic"),
            )
        });
        let index = index?;
        match (log, first_unpointed(&scan, &index.places)) {
            (Err(StoreError::Integrity { seq, what }), Some(u)) if seq < u => {
                return Err(StoreError::Integrity { seq, what });
            }
            (_, Some(u)) => {
                return Err(StoreError::Integrity {
                    seq: u,
                    what: format!(
                        "the id index does not point event {} here",
                        scan.ids[u as usize - 1]
                    ),
                });
            }
            (log, None) => log?,
        }
        if index.entries != head.seq {
            return Err(StoreError::Integrity {
                seq: head.seq,
                what: format!(
                    "the id index holds {} ids for {} events",
                    index.entries, head.seq
                ),
            });
        }
        Ok(VerifyReport {
            events: head.seq,
            bytes: scan.bytes,
            head,
        })
    }

    /// Every entry of the id index, as far as it decodes.
    fn id_entries(&self) -> Result<IdEntries> {
        let mut index = IdEntries::default();
        for entry in self.ids.iter() {
            let (key, value) = entry?;
            index.entries += 1;
            if let (Ok(id), Some((seq, block))) =
                (<[u8; 16]>::try_from(&key[..]), block::decode_place(&value))
            {
                index.places.push(Place { id, seq, block });
            }
        }
        Ok(index)
    }

    /// Check every stored event up to the head, in order, recording what the id index must say.
    /// [`READERS`] threads read, inflate and (to [`Depth::Full`]) parse alternate spans of the log
    /// ahead of this one, checking what needs no event before it (each event parses and is in
    /// canonical form). This thread takes the spans in turn, checks them against the events
    /// before them and recomputes the chain. Reading is most of the work when nothing is parsed,
    /// so the hashing stays on this thread (on the readers it made `--chain-only` slower). The
    /// spans are ranges of keys that together are exactly the keys up to the head's, so this
    /// thread sees every stored block, in key order, as one scan would show it.
    fn scan_log(
        &self,
        head: Checkpoint,
        expect: Option<Checkpoint>,
        depth: Depth,
        scan: &mut Scan,
    ) -> Result<()> {
        use std::ops::Bound;
        // The spans end at the last block stored, not at the head: a head far beyond the log (a
        // damaged one) is reported once the log is read, not after reading empty spans up to it.
        let last_key = match self.log.range(..=encode_seq(head.seq)).keys().next_back() {
            Some(key) => <[u8; 8]>::try_from(&key?[..]).map_or(head.seq, u64::from_be_bytes),
            None => 0,
        };
        let last_span = last_key.min(head.seq).saturating_sub(1) / SPAN;
        let read_span = |span: u64| -> Vec<Result<ParsedBlock>> {
            let from = match span {
                0 => Bound::Unbounded,
                _ => Bound::Included(encode_seq(1 + span * SPAN)),
            };
            let to = match span == last_span {
                true => Bound::Included(encode_seq(head.seq)),
                false => Bound::Excluded(encode_seq(1 + (span + 1) * SPAN)),
            };
            self.log
                .range((from, to))
                .map(|entry| {
                    let (key, value) = entry?;
                    let key = decode_seq(&key);
                    let value = self.decode_block(key, value)?;
                    let events = match depth {
                        Depth::Chain => Vec::new(),
                        Depth::Full => block::records(&value)
                            .map_while(Result::ok)
                            .take_while(|r| r.seq <= head.seq)
                            .map(|r| ChainChecker::parse(r.bytes))
                            .collect(),
                    };
                    Ok(ParsedBlock { key, value, events })
                })
                .collect()
        };
        std::thread::scope(|scope| {
            let (senders, receivers): (Vec<_>, Vec<_>) = (0..READERS)
                .map(|_| std::sync::mpsc::sync_channel::<Vec<Result<ParsedBlock>>>(2))
                .unzip();
            for (send, reader) in senders.into_iter().zip(0..) {
                scope.spawn(move || {
                    for span in (reader..=last_span).step_by(READERS as usize) {
                        if send.send(read_span(span)).is_err() {
                            return; // the check stopped at a fault
                        }
                    }
                });
            }
            // A reader that has sent its last span ends the scan at its turn.
            let spans = (0..READERS)
                .cycle()
                .map_while(|reader| receivers[reader as usize].recv().ok());
            // Returning drops the receivers, which stops the readers.
            self.check_parsed(head, expect, depth, scan, spans.flatten())
        })
    }

    fn check_parsed(
        &self,
        head: Checkpoint,
        expect: Option<Checkpoint>,
        depth: Depth,
        scan: &mut Scan,
        blocks: impl Iterator<Item = Result<ParsedBlock>>,
    ) -> Result<()> {
        let mut checker = ChainChecker::new();
        for parsed in blocks {
            let ParsedBlock { key, value, events } = parsed?;
            let next = checker.tip().seq + 1;
            // Readers find event n in the last block keyed at most n, so a block must be keyed by
            // the event it starts with: a block keyed lower would hide the events before it from
            // them, and one keyed higher leaves a gap.
            if key < next {
                return Err(StoreError::Integrity {
                    seq: key,
                    what: format!("a stored block keyed {key} overlaps the events before it"),
                });
            }
            if key > next {
                return Err(StoreError::Integrity {
                    seq: next,
                    what: format!("missing; the next stored block starts at {key}"),
                });
            }
            if value.is_empty() {
                return Err(StoreError::Integrity {
                    seq: next,
                    what: "missing; its block is empty".into(),
                });
            }
            let mut events = events.into_iter();
            for record in block::records(&value) {
                let seq = checker.tip().seq + 1;
                let integrity = |what: String| StoreError::Integrity { seq, what };
                let record = record.map_err(|what| integrity(what.into()))?;
                if record.seq > head.seq {
                    return Err(integrity(format!(
                        "a record of event {}, beyond the head, is stored here",
                        record.seq
                    )));
                }
                if record.seq > seq {
                    return Err(integrity(format!(
                        "missing; the next stored event is {}",
                        record.seq
                    )));
                }
                if record.seq < seq {
                    return Err(integrity(format!(
                        "event {} is stored again here, out of place",
                        record.seq
                    )));
                }
                let leaf = leaf_hash(record.bytes);
                let (hash, id) = match depth {
                    Depth::Full => {
                        let event = events
                            .next()
                            .expect("the reader parsed every record up to the head")
                            .map_err(integrity)?;
                        let (hash, id) = checker.accept(&event, leaf).map_err(integrity)?;
                        (hash, Some(id))
                    }
                    Depth::Chain => (checker.link(leaf), None),
                };
                if record.chain != hash {
                    return Err(integrity(
                        "the stored chain hash does not match the event's bytes".into(),
                    ));
                }
                if expect.is_some_and(|cp| cp.seq == seq && cp.hash != hash) {
                    return Err(integrity(
                        "the log differs from the expected checkpoint here".into(),
                    ));
                }
                scan.ids.extend(id);
                if scan.blocks.last().is_none_or(|&(_, k)| k != key) {
                    scan.blocks.push((seq, key));
                }
                scan.bytes += record.bytes.len() as u64;
            }
        }
        let tip = checker.tip();
        if tip.seq < head.seq {
            return Err(StoreError::Integrity {
                seq: tip.seq + 1,
                what: "missing (the head is beyond it)".into(),
            });
        }
        if tip.hash != head.hash {
            return Err(StoreError::Integrity {
                seq: head.seq,
                what: "the head hash does not match the chain".into(),
            });
        }
        if let Some(cp) = expect
            && cp.seq > head.seq
        {
            return Err(StoreError::Integrity {
                seq: head.seq + 1,
                what: format!(
                    "the expected checkpoint is at {}, but the log ends at {}",
                    cp.seq, head.seq
                ),
            });
        }
        Ok(())
    }
}

/// Threads reading the log for [`Ledger::verify`], beside the one checking it.
const READERS: u64 = 2;
/// Sequence numbers of block keys a reader reads at a time: about 340 blocks.
const SPAN: u64 = 1024;

/// A block as read, with its events up to the head parsed and checked for canonical form (as far
/// as the block's records parse; none to [`Depth::Chain`]).
struct ParsedBlock {
    key: u64,
    value: BlockBytes,
    events: Vec<Result<Envelope, String>>,
}

/// The first sequence of the scanned events whose id entry is missing or points elsewhere (another
/// sequence or block). Entries for events not scanned are left to the count.
fn first_unpointed(scan: &Scan, places: &[Place]) -> Option<u64> {
    let mut pointed = vec![false; scan.ids.len()];
    for place in places {
        let Some(at) = (place.seq as usize)
            .checked_sub(1)
            .filter(|&i| i < scan.ids.len())
        else {
            continue;
        };
        // The scan starts a block at sequence 1, so some block holds every scanned sequence.
        let (_, holder) = scan.blocks[scan
            .blocks
            .partition_point(|&(first, _)| first <= place.seq)
            - 1];
        if *scan.ids[at].0.as_bytes() == place.id && place.block == holder {
            pointed[at] = true;
        }
    }
    pointed.iter().position(|p| !p).map(|i| i as u64 + 1)
}

/// The id index as read: how many entries it holds, and where those that decode point.
#[derive(Default)]
struct IdEntries {
    entries: u64,
    places: Vec<Place>,
}

/// One id entry: the id (its key) and the event's sequence and block (its value).
struct Place {
    id: [u8; 16],
    seq: u64,
    block: u64,
}

/// What a scan of the log found that the id index must agree with.
#[derive(Default)]
struct Scan {
    /// The id of each event, by sequence (index 0 is sequence 1).
    ids: Vec<EventId>,
    /// The blocks the events were read from: (first sequence read from it, its key), ascending.
    blocks: Vec<(u64, u64)>,
    bytes: u64,
}
