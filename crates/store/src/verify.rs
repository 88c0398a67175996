//! Recompute every hash and check every invariant of the log.

use std::collections::HashSet;

use minutebook_model::EventId;

use crate::block;
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
        let seq = self.tip.seq + 1;
        let event = minutebook_model::Event::from_slice(bytes).map_err(|r| {
            format!(
                "the event does not parse: {}",
                r.to_string().trim_start_matches("event: ")
            )
        })?;
        if event.canonical_bytes() != bytes {
            return Err("the event's bytes are not in canonical form".into());
        }
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
        let hash = chain_hash(self.tip.hash, leaf_hash(bytes));
        self.tip = Checkpoint { seq, hash };
        Ok((hash, event.id))
    }
}

impl Ledger {
    /// Recompute every leaf and chain hash from the stored bytes and check the log's invariants:
    /// gapless sequence, canonical and parseable events, unique ids indexed to their place,
    /// supersession of earlier events only, non-decreasing record time, and the head. With `expect`, also
    /// check that the log extends that checkpoint. The first problem is reported with its sequence.
    pub fn verify(&self, expect: Option<Checkpoint>) -> Result<VerifyReport> {
        let head = self.head()?;
        let mut checker = ChainChecker::new();
        let mut bytes_read = 0u64;
        for entry in self.log.range(..=encode_seq(head.seq)) {
            let (key, value) = entry?;
            let block_key = decode_seq(&key);
            for record in block::records(&value) {
                let seq = checker.tip().seq + 1;
                let integrity = |what: String| StoreError::Integrity { seq, what };
                let record = record.map_err(|what| integrity(what.into()))?;
                if record.seq > head.seq {
                    break;
                }
                if record.seq != seq {
                    return Err(integrity(format!(
                        "missing; the next stored event is {}",
                        record.seq
                    )));
                }
                let (hash, id) = checker.next(record.bytes).map_err(integrity)?;
                if record.chain != hash {
                    return Err(integrity(
                        "the stored chain hash does not match the event's bytes".into(),
                    ));
                }
                match self.ids.get(id.0.as_bytes())? {
                    Some(place) if block::decode_place(&place) == Some((seq, block_key)) => {}
                    _ => {
                        return Err(integrity(format!(
                            "the id index does not point event {id} here"
                        )));
                    }
                }
                if expect.is_some_and(|cp| cp.seq == seq && cp.hash != hash) {
                    return Err(integrity(
                        "the log differs from the expected checkpoint here".into(),
                    ));
                }
                bytes_read += record.bytes.len() as u64;
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
        if self.ids.len() as u64 != head.seq {
            return Err(StoreError::Integrity {
                seq: head.seq,
                what: format!(
                    "the id index holds {} ids for {} events",
                    self.ids.len(),
                    head.seq
                ),
            });
        }
        Ok(VerifyReport {
            events: head.seq,
            bytes: bytes_read,
            head,
        })
    }
}
