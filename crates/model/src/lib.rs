//! The vocabulary of minutebook: the event envelope, every governance payload, keys, money and
//! periods, and the structural validation of submitted events.
//!
//! This crate is pure. It must not depend on storage (sled), the terminal, the clock (except to mint
//! UUIDv7 ids on request) or any governance state: rules that need the world live in projections.

mod error;
mod event;
mod keys;
mod payload;
mod validate;
mod values;

pub mod schema;

pub use error::{EventRef, Rejection, Rule};
pub use event::{Draft, Event, Extraction, Lines, Source, draft_from_value, parse_batch};
pub use keys::*;
pub use payload::*;
pub use validate::{EARLIEST, LATEST, problems};
pub use values::{MAX_NAME_LEN, MAX_TEXT_LEN, Name, Pence, Percent, Period, Text};
