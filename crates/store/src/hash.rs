//! The hash chain: RFC 9162 leaf hashes, chained so that every event commits to all before it.

use std::fmt;

use sha2::{Digest, Sha256};

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The chain value before the first event.
    pub const GENESIS: Hash = Hash([0; 32]);

    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    pub fn from_hex(s: &str) -> Option<Hash> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).ok()?;
        Some(Hash(out))
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Hash> {
        bytes.try_into().ok().map(Hash)
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

/// `SHA-256(0x00 || bytes)`: the RFC 9162 leaf hash, so Merkle proofs can later be built on the same leaves.
pub fn leaf_hash(bytes: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(bytes);
    Hash(h.finalize().into())
}

/// `SHA-256(previous || leaf)`.
pub fn chain_hash(previous: Hash, leaf: Hash) -> Hash {
    let mut h = Sha256::new();
    h.update(previous.0);
    h.update(leaf.0);
    Hash(h.finalize().into())
}

/// The ledger's head: how many events it holds and the chain hash of the last. Kept elsewhere, a
/// checkpoint detects a log cut short or rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Checkpoint {
    pub seq: u64,
    pub hash: Hash,
}

impl fmt::Display for Checkpoint {
    /// `SEQ:HEX`, the form `verify --expect` accepts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

impl std::str::FromStr for Checkpoint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("a checkpoint is SEQ:SHA256HEX (as `verify` prints it), not {s:?}");
        let (seq, hash) = s.split_once(':').ok_or_else(bad)?;
        Ok(Checkpoint {
            seq: seq.parse().map_err(|_| bad())?,
            hash: Hash::from_hex(hash).ok_or_else(bad)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_hash_prefixes_a_zero_byte() {
        // RFC 6962 test vector: the leaf hash of the empty string.
        assert_eq!(
            leaf_hash(b"").to_hex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn checkpoints_round_trip() {
        let cp = Checkpoint {
            seq: 42,
            hash: leaf_hash(b"x"),
        };
        assert_eq!(cp.to_string().parse::<Checkpoint>().unwrap(), cp);
        assert!("42".parse::<Checkpoint>().is_err());
        assert!("x:00".parse::<Checkpoint>().is_err());
    }
}
