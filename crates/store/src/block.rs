//! Blocks: the log's events packed several to a sled value.
//!
//! sled 0.34's costs are per key: a leaf page holds at most 16 keys, every key costs a page-table
//! entry that opening the database reads back, and every insert rewrites part of a page. A block
//! holds consecutive events with their chain hashes under the sequence number of its first, so the
//! log takes one key per [`BLOCK_BYTES`] of events rather than two keys per event.
//!
//! A block is a run of records, each `seq (u64 BE) ‖ len (u32 BE) ‖ chain hash (32) ‖ bytes (len)`,
//! in sequence order. Every record names its own sequence number, so a record lost from, added to
//! or moved within a block is seen by `verify` as a gap or a misplaced event, not silently renumbered.

use crate::hash::Hash;

/// A block takes no more events once it holds this many bytes (records included): about three
/// events. sled reads and decodes a whole leaf page (up to 16 values) on a cache miss, so the size
/// trades keys saved against the bytes a scattered read pulls in: 4 KiB blocks (64 KiB pages) made
/// the p99 of questions and single appends worse on a log larger than the cache (docs/performance.md).
pub(crate) const BLOCK_BYTES: usize = 1024;

const HEADER: usize = 8 + 4 + 32;

/// One event inside a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Record<'a> {
    pub seq: u64,
    pub chain: Hash,
    pub bytes: &'a [u8],
}

/// Add an event to the end of a block.
pub(crate) fn push(block: &mut Vec<u8>, seq: u64, chain: &Hash, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).expect("an event is smaller than 4 GiB");
    block.reserve(HEADER + bytes.len());
    block.extend_from_slice(&seq.to_be_bytes());
    block.extend_from_slice(&len.to_be_bytes());
    block.extend_from_slice(&chain.0);
    block.extend_from_slice(bytes);
}

/// Whether a block has room for more events.
pub(crate) fn has_room(block: &[u8]) -> bool {
    block.len() < BLOCK_BYTES
}

/// The records of a block in stored order; a record cut short ends the iteration with an error
/// saying so.
pub(crate) fn records(block: &[u8]) -> Records<'_> {
    Records { rest: block }
}

pub(crate) struct Records<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let Some((header, rest)) = self.rest.split_at_checked(HEADER) else {
            self.rest = &[];
            return Some(Err("a stored block ends inside a record header"));
        };
        let seq = u64::from_be_bytes(header[..8].try_into().expect("8 bytes"));
        let len = u32::from_be_bytes(header[8..12].try_into().expect("4 bytes")) as usize;
        let chain = Hash::from_slice(&header[12..]).expect("32 bytes");
        let Some((bytes, rest)) = rest.split_at_checked(len) else {
            self.rest = &[];
            return Some(Err("a stored block ends inside an event"));
        };
        self.rest = rest;
        Some(Ok(Record { seq, chain, bytes }))
    }
}

/// The record for `seq` in a block, if the block holds it.
pub(crate) fn find(block: &[u8], seq: u64) -> Result<Option<Record<'_>>, &'static str> {
    for record in records(block) {
        let record = record?;
        if record.seq == seq {
            return Ok(Some(record));
        }
        if record.seq > seq {
            break;
        }
    }
    Ok(None)
}

/// The block with its records beyond `head` left out.
pub(crate) fn truncate(block: &[u8], head: u64) -> Result<Vec<u8>, &'static str> {
    let mut kept = Vec::with_capacity(block.len());
    for record in records(block) {
        let r = record?;
        if r.seq <= head {
            push(&mut kept, r.seq, &r.chain, r.bytes);
        }
    }
    Ok(kept)
}

/// Packs consecutive events into blocks: each writer of the log (append, import, the layout
/// upgrade) goes through one, so every block is cut the same way.
#[derive(Default)]
pub(crate) struct Packer {
    open: Option<(u64, Vec<u8>)>,
    closed: Vec<(u64, Vec<u8>)>,
}

impl Packer {
    /// Add the next event; returns the key of the block it went into.
    pub(crate) fn push(&mut self, seq: u64, chain: &Hash, bytes: &[u8]) -> u64 {
        if self.open.as_ref().is_some_and(|(_, b)| !has_room(b)) {
            self.closed.extend(self.open.take());
        }
        let (key, block) = self.open.get_or_insert_with(|| (seq, Vec::new()));
        push(block, seq, chain, bytes);
        *key
    }

    /// The blocks that are full, to write now; the open block stays for the events that follow.
    pub(crate) fn take_full(&mut self) -> Vec<(u64, Vec<u8>)> {
        std::mem::take(&mut self.closed)
    }

    /// Every block not yet taken, the open one last.
    pub(crate) fn finish(mut self) -> Vec<(u64, Vec<u8>)> {
        self.closed.extend(self.open.take());
        self.closed
    }
}

/// The value the `ids` tree keeps for an event: its sequence number and the key of its block.
pub(crate) fn encode_place(seq: u64, block: u64) -> [u8; 16] {
    let mut v = [0; 16];
    v[..8].copy_from_slice(&seq.to_be_bytes());
    v[8..].copy_from_slice(&block.to_be_bytes());
    v
}

/// `(seq, block)` from an `ids` value; `None` if it is not 16 bytes.
pub(crate) fn decode_place(value: &[u8]) -> Option<(u64, u64)> {
    let value: &[u8; 16] = value.try_into().ok()?;
    Some((
        u64::from_be_bytes(value[..8].try_into().expect("8 bytes")),
        u64::from_be_bytes(value[8..].try_into().expect("8 bytes")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(n: u8) -> Hash {
        Hash([n; 32])
    }

    #[test]
    fn records_come_back_as_pushed() {
        let mut block = Vec::new();
        push(&mut block, 7, &hash(1), b"{\"a\":1}");
        push(&mut block, 8, &hash(2), b"");
        push(&mut block, 9, &hash(3), b"xyz");
        let got: Vec<_> = records(&block).collect::<Result<_, _>>().unwrap();
        assert_eq!(
            got,
            vec![
                Record {
                    seq: 7,
                    chain: hash(1),
                    bytes: b"{\"a\":1}"
                },
                Record {
                    seq: 8,
                    chain: hash(2),
                    bytes: b""
                },
                Record {
                    seq: 9,
                    chain: hash(3),
                    bytes: b"xyz"
                },
            ]
        );
        assert_eq!(find(&block, 8).unwrap().unwrap().chain, hash(2));
        assert_eq!(find(&block, 10).unwrap(), None);
        assert_eq!(find(&block, 6).unwrap(), None);
    }

    #[test]
    fn a_block_cut_anywhere_inside_a_record_is_an_error() {
        let mut block = Vec::new();
        push(&mut block, 1, &hash(1), b"abc");
        push(&mut block, 2, &hash(2), b"defg");
        let first = HEADER + 3;
        for cut in 1..block.len() {
            let results: Vec<_> = records(&block[..cut]).collect();
            let complete = usize::from(cut >= first);
            assert_eq!(
                results.iter().filter(|r| r.is_ok()).count(),
                complete,
                "cut {cut}"
            );
            if cut != first {
                assert!(results.last().unwrap().is_err(), "cut {cut}");
            }
        }
    }

    #[test]
    fn a_packer_fills_blocks_to_their_size() {
        let event = [b'x'; 256];
        let mut packer = Packer::default();
        let keys: Vec<u64> = (1..=10)
            .map(|seq| packer.push(seq, &hash(0), &event))
            .collect();
        // 300 bytes a record: the fourth makes a block reach BLOCK_BYTES, the fifth starts anew.
        assert_eq!(HEADER + event.len(), 300);
        assert_eq!(keys, [1, 1, 1, 1, 5, 5, 5, 5, 9, 9]);
        let full = packer.take_full();
        assert_eq!(full.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [1, 5]);
        let rest = packer.finish();
        assert_eq!(rest.len(), 1);
        let seqs: Vec<u64> = records(&rest[0].1).map(|r| r.unwrap().seq).collect();
        assert_eq!(seqs, [9, 10]);
    }

    #[test]
    fn truncate_keeps_the_records_up_to_the_head() {
        let mut block = Vec::new();
        for seq in 4..=8 {
            push(&mut block, seq, &hash(seq as u8), b"e");
        }
        let kept = truncate(&block, 6).unwrap();
        let seqs: Vec<u64> = records(&kept).map(|r| r.unwrap().seq).collect();
        assert_eq!(seqs, [4, 5, 6]);
        assert_eq!(truncate(&block, 8).unwrap(), block);
    }

    #[test]
    fn places_round_trip() {
        assert_eq!(decode_place(&encode_place(12, 3)), Some((12, 3)));
        assert_eq!(decode_place(&12u64.to_be_bytes()), None);
    }
}
