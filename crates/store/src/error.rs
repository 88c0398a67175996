use std::path::PathBuf;

use minutebook_model::Rejection;

/// Everything that can go wrong opening, appending to, reading or checking a ledger.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no ledger at {} (create one with `minutebook init`)", .path.display())]
    NotFound { path: PathBuf },
    #[error("a ledger already exists at {}", .path.display())]
    AlreadyExists { path: PathBuf },
    #[error("the ledger at {} is in use by another process; try again when it has finished", .path.display())]
    InUse { path: PathBuf },
    #[error("cannot open {} for writing: {source}", .path.display())]
    Access {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not sync {} to stable storage: {source}; the write may not be durable", .path.display())]
    Sync {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "conflict: the append expected head sequence {expected}, but the ledger is at {actual}; nothing was written"
    )]
    Conflict { expected: u64, actual: u64 },
    #[error("{} event(s) rejected; nothing was written", .0.len())]
    Rejected(Vec<Rejection>),
    #[error("integrity failure at sequence {seq}: {what}")]
    Integrity { seq: u64, what: String },
    #[error("import rejected at line {line}: {what}; the ledger is unchanged")]
    Import { line: u64, what: String },
    #[error("import needs an empty ledger, but this one holds {0} event(s)")]
    NotEmpty(u64),
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
