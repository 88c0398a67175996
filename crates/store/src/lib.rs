//! minutebook's event log: an append-only, hash-chained sequence of events on sled.
//!
//! The store keeps the exact canonical bytes of each event under a gapless big-endian sequence
//! number, an index from event id to sequence, the chain hash of every position, and the head. It
//! checks what any log must (ids, supersession targets, optimistic concurrency) and nothing about
//! governance: it must not depend on projections, rules or the terminal.

mod block;
mod codec;
mod error;
mod export;
mod hash;
mod journal;
mod ledger;
mod verify;

pub use error::{Result, StoreError};
pub use export::{ExportLine, ImportReport, check_export};
pub use hash::{Checkpoint, Hash, chain_hash, leaf_hash};
pub use ledger::{AppendReport, DerivedWrite, Ledger, RESNAPSHOT_AFTER, Stored};
pub use verify::{Depth, VerifyReport};
