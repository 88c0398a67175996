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
    // The I/O errors below are named `cause`, not `source`, so an error chain prints them once.
    #[error("cannot open {} for writing: {cause}", .path.display())]
    Access {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("could not sync {} to stable storage: {cause}", .path.display())]
    Sync {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(
        "not enough free space on the disk holding {}: {available} bytes free, and this needs at \
         least {needed}; nothing was written (free some space and try again)", .path.display()
    )]
    DiskFull {
        path: PathBuf,
        available: u64,
        needed: u64,
    },
    #[error(
        "conflict: the append expected head sequence {expected}, but the ledger is at {actual}; nothing was written"
    )]
    Conflict { expected: u64, actual: u64 },
    #[error("the batch was rejected ({} problem(s)); nothing was written", .0.len())]
    Rejected(Vec<Rejection>),
    #[error("integrity failure at sequence {seq}: {what}")]
    Integrity { seq: u64, what: String },
    #[error("import rejected at line {line}: {what}; the ledger is unchanged")]
    Import { line: u64, what: String },
    #[error("import needs an empty ledger, but this one holds {0} event(s)")]
    NotEmpty(u64),
    #[error(
        "the append could not be written to stable storage ({0}); it is not acknowledged, and may or \
         may not be in the ledger: re-submitting events that carry ids is safe"
    )]
    NotDurable(Box<StoreError>),
    #[error(
        "the append is durable in the ledger's journal but could not be applied to the database \
         ({0}); it will be applied when the ledger is next opened: close and reopen it before \
         writing again"
    )]
    Unapplied(Box<StoreError>),
    #[error(
        "a checkpoint could not empty the ledger's journal, so this handle writes nothing more; what \
         the journal holds is in the database: close and reopen the ledger before writing again"
    )]
    NotEmptied,
    #[error("storage error: {}", sled_message(.0))]
    Sled(sled::Error),
    #[error("I/O error: {0}")]
    Io(std::io::Error),
}

/// sled shows the I/O errors it passes on in their `Debug` form; show them as people read them.
fn sled_message(e: &sled::Error) -> String {
    match e {
        sled::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        StoreError::Sled(e)
    }
}

impl From<std::io::Error> for StoreError {
    fn from(e: std::io::Error) -> Self {
        StoreError::Io(e)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
