//! minutebook's projections: fold the event log into a bitemporal governance world and answer
//! questions about any body at any date, as known at any moment, with the evidence behind each answer.
//! Also the domain rules an append must satisfy given that world.
//!
//! Pure: depends on the event model only. It must not depend on sled, the store, the terminal or the
//! clock; callers stream events in and choose the dates.
//!
//! Time semantics (see docs/time.md):
//! - *valid time*: a query at date D sees facts effective on or before D; an ending fact effective on E
//!   makes its subject stop on E (intervals are half-open, `[start, end)`);
//! - *record time*: the caller feeds only the events recorded by the moment T it asks about;
//! - *supersession*: an event named in a later event's `supersedes` drops out entirely; the later
//!   event's own fact applies in its place;
//! - facts of the same effective date are applied in a fixed order of kinds (a body is founded before
//!   anyone is appointed to it), then by event id, so the world never depends on the order in which
//!   facts were appended.

mod check;
mod diff;
mod views;
mod world;

pub use check::{DomainRejection, Violation};
pub use diff::{ClauseDiff, TorDiff, tor_diff};
pub use views::*;
pub use world::{Entity, Evidence, KnownAt, Listed, Topic, World, topics_of};
