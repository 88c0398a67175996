//! How a block is kept in sled: as it is, or compressed with zstd against a dictionary trained on
//! the ledger's own events.
//!
//! Events are small JSON documents that repeat each other's keys, types and names, and a 1 KiB
//! block (see [`crate::block`]) is too short for a compressor to learn that from the block alone:
//! plain zstd keeps 35% of a block, zstd with a dictionary of the ledger's own events about 28%.
//! So once a ledger holds [`TRAIN_EVENTS`] events, a dictionary is trained from them (an import
//! into an empty ledger trains from its first lines, before it writes) and stored in `meta`, and
//! every block written after it is compressed against it. A ledger's first events are unlike the
//! rest (bodies being founded, seats set up): a dictionary from the first 16,384 events of a
//! generated 1M-event ledger kept 39% of its blocks, one from any later 16,384 events 28%. So a
//! new dictionary is trained from the latest events each time the ledger grows [`RETRAIN_GROWTH`]
//! times past the newest one (at 16k, 128k, 1M, 8M events), which also follows a vocabulary that
//! drifts over the years. Blocks written before stay as they are: the log is append-only, so the
//! encoding is per block.
//!
//! A stored block is self-describing. A block as it is starts with the high byte of its first
//! sequence number, which is 0 (no ledger reaches 2^56 events); a compressed one starts with
//! [`ZSTD`], then the dictionary's id (u32 BE), then one zstd frame that records its size. Chain
//! hashes are over the events' own bytes, never over the stored encoding, so compression changes
//! nothing `verify` checks.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Mutex;

use zstd::bulk::{Compressor, Decompressor};

/// Events a ledger holds before it trains its dictionary. The first few thousand events of a
/// ledger are mostly foundings; a dictionary from the first 16,384 kept 27% of the blocks of a
/// generated 100k ledger, one from the first 4,096 kept 38%.
pub(crate) const TRAIN_EVENTS: usize = 16_384;
/// How many times the ledger grows past the newest dictionary before the next is trained.
pub(crate) const RETRAIN_GROWTH: u64 = 8;
/// Dictionary size: a hundredth of what it is trained from, as zstd advises.
const DICT_BYTES: usize = 16 * 1024;
/// zstd's level 1: level 3 kept 1% less and compressed 30% slower.
const LEVEL: i32 = 1;
/// First byte of a compressed block.
const ZSTD: u8 = 1;
const HEADER: usize = 1 + 4;
/// Events have no size limit of their own, but a frame claiming to inflate to more than this is
/// taken as damaged rather than given the memory it claims.
const MAX_INFLATED: u64 = 256 << 20;
/// Bytes of events a dictionary is trained from at most (zstd reads about a hundred times the
/// dictionary's size): 16,384 events of the generated ledgers are about 7 MB.
pub(crate) const SAMPLE_BYTES: usize = 8 << 20;

/// `meta` key of dictionary `id`: `dict ‖ id (u32 BE)`. Its value is `learnt ‖ bytes`: the last
/// sequence number it learnt from (u64 BE), then the dictionary (empty: plain zstd, when zstd could
/// not train one from the samples).
pub(crate) fn dict_key(id: u32) -> Vec<u8> {
    let mut key = DICT_PREFIX.to_vec();
    key.extend_from_slice(&id.to_be_bytes());
    key
}

pub(crate) const DICT_PREFIX: &[u8] = b"dict";

/// The id a `meta` key names, if it is a dictionary's key.
pub(crate) fn dict_id(key: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(
        key.strip_prefix(DICT_PREFIX)?.try_into().ok()?,
    ))
}

/// A dictionary as stored: its id, the last sequence number it learnt from, its bytes.
pub(crate) struct StoredDict {
    pub id: u32,
    pub learnt: u64,
    pub bytes: Vec<u8>,
}

impl StoredDict {
    pub(crate) fn parse(key: &[u8], value: &[u8]) -> Option<StoredDict> {
        let id = dict_id(key)?;
        let (learnt, bytes) = value.split_at_checked(8)?;
        Some(StoredDict {
            id,
            learnt: u64::from_be_bytes(learnt.try_into().ok()?),
            bytes: bytes.to_vec(),
        })
    }

    pub(crate) fn value(&self) -> Vec<u8> {
        let mut v = self.learnt.to_be_bytes().to_vec();
        v.extend_from_slice(&self.bytes);
        v
    }
}

/// A dictionary trained from `samples` (events' bytes); empty when zstd cannot train one (too few
/// or too alike), which makes the blocks plain zstd frames.
pub(crate) fn train<S: AsRef<[u8]>>(samples: &[S]) -> Vec<u8> {
    zstd::dict::from_samples(samples, DICT_BYTES).unwrap_or_default()
}

/// The ledger's dictionaries, ready to compress and inflate blocks.
#[derive(Default)]
pub(crate) struct Codec {
    /// The newest dictionary, which new blocks are compressed against.
    encoder: Option<Encoder>,
    decoders: HashMap<u32, Inflater>,
    /// Above every id stored, including those of dictionaries that do not load: an id is never
    /// given twice, so a block never inflates against a dictionary it was not compressed with.
    next_id: u32,
}

struct Encoder {
    id: u32,
    learnt: u64,
    compressor: Mutex<Compressor<'static>>,
}

struct Inflater {
    dict: Vec<u8>,
    /// Decompression contexts with the dictionary loaded, for the threads reading blocks.
    idle: Mutex<Vec<Decompressor<'static>>>,
}

impl Codec {
    /// A codec for `dicts`, whose ids are all below `next_id`; a dictionary zstd cannot load is
    /// left out, so blocks compressed against it read as integrity failures rather than the ledger
    /// not opening.
    pub(crate) fn new(dicts: impl IntoIterator<Item = StoredDict>, next_id: u32) -> Codec {
        let mut codec = Codec {
            next_id: next_id.max(1),
            ..Codec::default()
        };
        for dict in dicts {
            let Ok(mut compressor) = Compressor::with_dictionary(LEVEL, &dict.bytes) else {
                continue;
            };
            // The block's header names the dictionary; zstd's own copy of the id would be 4 bytes more.
            if compressor.include_dictid(false).is_err() {
                continue;
            }
            if codec.encoder.as_ref().is_none_or(|e| e.id < dict.id) {
                codec.encoder = Some(Encoder {
                    id: dict.id,
                    learnt: dict.learnt,
                    compressor: Mutex::new(compressor),
                });
            }
            codec.decoders.insert(
                dict.id,
                Inflater {
                    dict: dict.bytes,
                    idle: Mutex::new(Vec::new()),
                },
            );
        }
        codec
    }

    /// The number of events at which the next dictionary is due.
    pub(crate) fn next_training(&self) -> u64 {
        self.encoder.as_ref().map_or(TRAIN_EVENTS as u64, |e| {
            e.learnt.max(1).saturating_mul(RETRAIN_GROWTH)
        })
    }

    /// The id the next dictionary takes.
    pub(crate) fn next_id(&self) -> u32 {
        self.next_id.max(1)
    }

    #[cfg(test)]
    pub(crate) fn compresses(&self) -> bool {
        self.encoder.is_some()
    }

    /// The value to store for `block`: compressed if the ledger has a dictionary and that is
    /// smaller, else the block as it is.
    pub(crate) fn encode(&self, block: Vec<u8>) -> Vec<u8> {
        let Some(Encoder { id, compressor, .. }) = &self.encoder else {
            return block;
        };
        let frame = match compressor.lock().expect("not poisoned").compress(&block) {
            Ok(frame) if HEADER + frame.len() < block.len() => frame,
            // Compressing bytes in memory fails only for want of memory; the block is kept as is.
            _ => return block,
        };
        let mut value = Vec::with_capacity(HEADER + frame.len());
        value.push(ZSTD);
        value.extend_from_slice(&id.to_be_bytes());
        value.extend_from_slice(&frame);
        value
    }

    /// The block a stored value holds.
    pub(crate) fn decode(&self, value: sled::IVec) -> Result<BlockBytes, String> {
        match value.first() {
            None | Some(0) => Ok(BlockBytes::AsStored(value)),
            Some(&ZSTD) => self.inflate(&value).map(BlockBytes::Inflated),
            Some(tag) => Err(format!("a stored block has an unknown encoding ({tag})")),
        }
    }

    fn inflate(&self, value: &[u8]) -> Result<Vec<u8>, String> {
        let (id, frame) = value
            .get(1..HEADER)
            .map(|id| {
                (
                    u32::from_be_bytes(id.try_into().expect("4 bytes")),
                    &value[HEADER..],
                )
            })
            .ok_or("a compressed block ends inside its header")?;
        let inflater = self.decoders.get(&id).ok_or_else(|| {
            format!("a block is compressed against dictionary {id}, which the ledger does not hold")
        })?;
        let size = match zstd::zstd_safe::get_frame_content_size(frame) {
            Ok(Some(size)) if size <= MAX_INFLATED => size as usize,
            Ok(Some(size)) => {
                return Err(format!(
                    "a compressed block claims to inflate to {size} bytes, more than any block"
                ));
            }
            _ => return Err("a compressed block does not say its size".into()),
        };
        let mut decompressor = match inflater.idle.lock().expect("not poisoned").pop() {
            Some(d) => d,
            None => Decompressor::with_dictionary(&inflater.dict)
                .map_err(|e| format!("dictionary {id} does not load: {e}"))?,
        };
        let block = decompressor
            .decompress(frame, size)
            .map_err(|e| format!("a compressed block does not inflate: {e}"));
        inflater
            .idle
            .lock()
            .expect("not poisoned")
            .push(decompressor);
        block
    }
}

/// A block's bytes: sled's value itself when it is stored as it is, else the inflated copy.
pub(crate) enum BlockBytes {
    AsStored(sled::IVec),
    Inflated(Vec<u8>),
}

impl Deref for BlockBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            BlockBytes::AsStored(v) => v,
            BlockBytes::Inflated(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block;
    use crate::hash::Hash;

    fn event(n: usize) -> Vec<u8> {
        format!(
            r#"{{"id":"{n:08}","type":"member_appointed","effective":"2014-09-25","data":{{"body":"b{}","person":"p{n}","role":"member"}}}}"#,
            n % 7
        )
        .into_bytes()
    }

    fn codec_trained_on(samples: &[Vec<u8>]) -> Codec {
        Codec::new(
            [StoredDict {
                id: 1,
                learnt: 1,
                bytes: train(samples),
            }],
            2,
        )
    }

    #[test]
    fn a_compressed_block_inflates_to_what_was_encoded() {
        let samples: Vec<_> = (0..2000).map(event).collect();
        let codec = codec_trained_on(&samples);
        assert!(codec.compresses());
        let mut raw = Vec::new();
        for seq in 5000..5004 {
            block::push(&mut raw, seq, &Hash([seq as u8; 32]), &event(seq as usize));
        }
        let stored = codec.encode(raw.clone());
        assert_eq!(stored[0], ZSTD);
        assert!(
            stored.len() < raw.len() / 2,
            "{} of {}",
            stored.len(),
            raw.len()
        );
        assert_eq!(&*codec.decode(stored.into()).unwrap(), &raw[..]);
        // A block as it is passes through, with or without dictionaries.
        assert_eq!(&*codec.decode(raw.clone().into()).unwrap(), &raw[..]);
        assert_eq!(
            &*Codec::default().decode(raw.clone().into()).unwrap(),
            &raw[..]
        );
    }

    #[test]
    fn blocks_compressed_against_an_older_dictionary_still_inflate_after_a_newer_one() {
        let older: Vec<_> = (0..2000).map(event).collect();
        let newer: Vec<_> = (5000..7000).map(event).collect();
        let first = codec_trained_on(&older);
        let mut raw = Vec::new();
        block::push(&mut raw, 9, &Hash([1; 32]), &event(9));
        block::push(&mut raw, 10, &Hash([2; 32]), &event(10));
        let by_first = first.encode(raw.clone());
        let both = Codec::new(
            [
                StoredDict {
                    id: 1,
                    learnt: 20_000,
                    bytes: train(&older),
                },
                StoredDict {
                    id: 2,
                    learnt: 160_000,
                    bytes: train(&newer),
                },
            ],
            // Dictionary 3 was stored but does not load: its id is not given again.
            4,
        );
        assert_eq!(both.next_id(), 4);
        assert_eq!(both.next_training(), 160_000 * RETRAIN_GROWTH);
        let by_second = both.encode(raw.clone());
        assert_eq!(by_second[1..5], 2u32.to_be_bytes());
        assert_eq!(&*both.decode(by_first.into()).unwrap(), &raw[..]);
        assert_eq!(&*both.decode(by_second.into()).unwrap(), &raw[..]);
        assert_eq!(Codec::default().next_training(), TRAIN_EVENTS as u64);
        assert_eq!(Codec::new([], 0).next_id(), 1);
    }

    #[test]
    fn without_a_dictionary_blocks_are_stored_as_they_are() {
        let raw = event(1);
        assert_eq!(Codec::default().encode(raw.clone()), raw);
    }

    #[test]
    fn too_few_samples_give_plain_zstd_which_still_round_trips() {
        let codec = codec_trained_on(&[event(1)]);
        let mut raw = Vec::new();
        for seq in 1..20 {
            block::push(&mut raw, seq, &Hash([0; 32]), &event(seq as usize));
        }
        let stored = codec.encode(raw.clone());
        assert_eq!(stored[0], ZSTD);
        assert_eq!(&*codec.decode(stored.into()).unwrap(), &raw[..]);
    }

    #[test]
    fn damaged_or_foreign_values_are_errors_not_panics() {
        let samples: Vec<_> = (0..2000).map(event).collect();
        let codec = codec_trained_on(&samples);
        let mut raw = Vec::new();
        block::push(&mut raw, 1, &Hash([0; 32]), &event(1));
        block::push(&mut raw, 2, &Hash([0; 32]), &event(2));
        let stored = codec.encode(raw);
        for cut in 1..stored.len() {
            assert!(
                codec.decode(stored[..cut].to_vec().into()).is_err(),
                "cut {cut}"
            );
        }
        let err = Codec::default()
            .decode(stored.clone().into())
            .err()
            .unwrap();
        assert!(err.contains("dictionary 1"), "{err}");
        let mut flipped = stored.clone();
        *flipped.last_mut().unwrap() ^= 0xff;
        // A flipped byte inside the frame either fails to inflate or inflates to other bytes, which
        // the chain hashes then catch; it never panics.
        let _ = codec.decode(flipped.into());
        assert!(codec.decode(vec![7, 0, 0].into()).is_err());
    }
}
